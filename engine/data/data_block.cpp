#include "engine/data/data_block.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include "engine/data/csv_table.h"
#include "engine/data/fashion_mnist.h"
#include "engine/util/thousands.h"

namespace lb {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string count(std::size_t n, const std::string& what) { return countOf((long long)n, what); }

// What gives a split more training or validation items, in the words of its kind.
std::string moreItemsRemedy(const DataBlockSpec& spec, bool valid) {
  switch (spec.split.kind) {
    case SplitKind::Random:
      return valid ? "raise the validation share." : "lower the validation share.";
    case SplitKind::Grandparent:
      return "move some images into the \"" + (valid ? spec.split.validName : spec.split.trainName) +
             "\" folder.";
    case SplitKind::CsvColumn:
      return valid ? "mark some of its rows as validation in column \"" + spec.csv.validColumn + "\"."
                   : "mark fewer of its rows as validation in column \"" + spec.csv.validColumn + "\".";
    case SplitKind::FileList:
      return valid ? "list some of its files in " + spec.split.file + "."
                   : "list fewer of its files in " + spec.split.file + ".";
  }
  return "change the split.";
}

// What a source yields before splitting and labelling: files and, for CSVs, their rows.
struct Found {
  std::vector<fs::path> files;
  std::vector<std::string> names;
  std::vector<std::map<std::string, std::string>> rows;  // CSV only: the row of each file
  std::vector<SkippedFile> skipped;
};

Found findImageFiles(const DataBlockSpec& spec, const fs::path& dir) {
  std::error_code statusError;  // an impossible path or a link to itself is said, not thrown
  if (!fs::exists(dir, statusError))
    throw DataBlockError(DataStep::Source, "The folder " + dir.string() +
                                               " does not exist: choose a folder of images.");
  if (!fs::is_directory(dir, statusError))
    throw DataBlockError(DataStep::Source, dir.string() + " is a file, not a folder: choose the "
                                                          "folder that holds the images.");
  std::set<std::string> extensions;
  for (const auto& e : spec.extensions) extensions.insert(lower(e.empty() || e[0] == '.' ? e : "." + e));
  Found found;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {  // hidden files and folders, as fastai skips them
      if (it->is_directory(statusError)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(statusError) && extensions.count(lower(it->path().extension().string())))
      found.files.push_back(it->path());
  }
  if (ec)
    throw DataBlockError(DataStep::Source, "The folder " + dir.string() + " could not be read (" +
                                               ec.message() + "): check its permissions.");
  std::sort(found.files.begin(), found.files.end());
  if (found.files.empty()) {
    std::string list;
    for (const auto& e : spec.extensions) list += (list.empty() ? "" : ", ") + e;
    throw DataBlockError(DataStep::Items, "The folder " + dir.string() + " holds no image files (" +
                                              list + "): choose a folder with images in it or "
                                                     "in its subfolders.");
  }
  for (const auto& f : found.files) found.names.push_back(fs::relative(f, dir).generic_string());
  return found;
}

Found findCsvFiles(const DataBlockSpec& spec, const fs::path& csvFile, const fs::path& baseDir) {
  const CsvTable table = readCsv(csvFile);  // throws a Source error for unreadable files
  if (table.rows.empty())
    throw DataBlockError(DataStep::Source, "The CSV file " + csvFile.string() +
                                               " has no rows below its header: add one row per image.");
  if (!table.hasColumn(spec.csv.pathColumn))
    throw DataBlockError(DataStep::Items, "The CSV file has no column \"" + spec.csv.pathColumn +
                                              "\" (it has " + table.columnList() +
                                              "): choose the column that names the image files.");
  const fs::path folder = spec.csv.folder.empty() ? csvFile.parent_path()
                                                  : resolvePath(spec.csv.folder, baseDir);
  Found found;
  std::map<std::string, std::size_t> firstRow;  // file name -> its first row
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    const std::string& name = row.at(spec.csv.pathColumn);
    fs::path file = folder / name;
    std::error_code ec;  // a name too long or otherwise impossible is a missing file, not a throw
    if (name.empty() || !fs::is_regular_file(file, ec)) {
      found.skipped.push_back({name.empty() ? "(empty file name)" : name, "missing"});
      continue;
    }
    // A file named twice would be counted twice (and could land in both splits): the first row
    // counts. Rows are numbered as in a spreadsheet, the header being row 1.
    const auto [first, isNew] = firstRow.emplace(name, r);
    if (!isNew) {
      found.skipped.push_back({name, "named again in row " + std::to_string(r + 2) +
                                         " of the CSV (row " + std::to_string(first->second + 2) +
                                         " is used)"});
      continue;
    }
    found.files.push_back(file);
    found.names.push_back(name);
    found.rows.push_back(row);
  }
  if (found.files.empty())
    throw DataBlockError(DataStep::Items,
                         (table.rows.size() == 1 ? std::string("The file")
                                                 : "None of the " + count(table.rows.size(), "file")) +
                             " named in column \"" + spec.csv.pathColumn + "\" exists in " + folder.string() +
                             " (for example " + table.rows.front().at(spec.csv.pathColumn) +
                             "): set the images folder to where they are.");
  return found;
}

bool truthy(const std::string& text) {
  const std::string t = lower(text);
  return t == "true" || t == "1" || t == "yes" || t == "valid" || t == "t" || t == "y";
}

// The label text(s) of item i, or nothing when its label cannot be read (with `why`).
std::vector<std::string> labelsOf(const DataBlockSpec& spec, const Found& found, std::size_t i,
                                  const std::regex* pattern, std::string& why) {
  std::string text;
  switch (spec.label.kind) {
    case LabelKind::ParentFolder:
      text = found.files[i].parent_path().filename().string();
      break;
    case LabelKind::Regex: {
      std::smatch m;
      const std::string name = found.files[i].filename().string();
      if (!std::regex_search(name, m, *pattern) || m.size() < 2) {
        why = "the label pattern does not match its name";
        return {};
      }
      text = m[1].str();
      break;
    }
    case LabelKind::CsvColumn:
      text = found.rows[i].at(spec.csv.labelColumn);
      break;
  }
  if (spec.target != TargetKind::MultiCategory || spec.csv.labelDelimiter.empty()) {
    if (text.empty()) why = "its label is empty";
    return text.empty() && spec.target != TargetKind::MultiCategory ? std::vector<std::string>{}
                                                                     : std::vector<std::string>{text};
  }
  std::vector<std::string> labels;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find(spec.csv.labelDelimiter, start);
    const std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) labels.push_back(part);
    if (end == std::string::npos) break;
    start = end + spec.csv.labelDelimiter.size();
  }
  return labels;  // an empty list is a valid multi-label target: none of the classes
}

DataItems fashionMnistItems(const DataBlockSpec& spec, const fs::path& baseDir) {
  const FashionMnist data = loadFashionMnistSource(spec, baseDir);
  if (spec.target != TargetKind::Category)
    throw DataBlockError(DataStep::Blocks, "Fashion-MNIST has one category per image: choose the "
                                           "Category target.");
  DataItems items;
  items.vocab = data.classes;
  auto add = [&](const LabelledImages& split, const char* name, std::vector<int>& into) {
    const auto labels = split.labels.contiguous();
    for (std::int64_t i = 0; i < split.size(); ++i) {
      into.push_back(int(items.names.size()));
      items.names.push_back(std::string(name) + "/" + std::to_string(i));
      items.labels.push_back({int(labels[i].item<std::int64_t>())});
    }
  };
  add(data.train, "train", items.train);
  add(data.valid, "valid", items.valid);
  return items;
}

void splitItems(const DataBlockSpec& spec, const Found& found, const fs::path& baseDir,
                DataItems& items, std::vector<std::size_t>& kept) {
  const SplitOptions& s = spec.split;
  std::vector<int> isValid(kept.size(), -1);  // -1: in neither split (fastai leaves those out)
  switch (s.kind) {
    case SplitKind::Random: {
      if (s.validPct <= 0 || s.validPct >= 1)
        throw DataBlockError(DataStep::Split, "The validation share must be between 0% and 100%.");
      std::vector<std::size_t> order(kept.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::mt19937_64 rng(s.seed);
      std::shuffle(order.begin(), order.end(), rng);
      const auto cut = static_cast<std::size_t>(s.validPct * double(order.size()));
      for (std::size_t i = 0; i < order.size(); ++i) isValid[order[i]] = i < cut ? 1 : 0;
      break;
    }
    case SplitKind::Grandparent:
      for (std::size_t i = 0; i < kept.size(); ++i) {
        const auto grand = found.files[kept[i]].parent_path().parent_path().filename().string();
        if (grand == s.trainName) isValid[i] = 0;
        if (grand == s.validName) isValid[i] = 1;
      }
      break;
    case SplitKind::CsvColumn:
      if (spec.source != SourceKind::Csv)
        throw DataBlockError(DataStep::Split, "Splitting by a CSV column needs a CSV source: choose "
                                              "another splitter.");
      if (!found.rows.front().count(spec.csv.validColumn))
        throw DataBlockError(DataStep::Split, "The CSV file has no column \"" + spec.csv.validColumn +
                                                  "\": choose the column that marks validation rows.");
      for (std::size_t i = 0; i < kept.size(); ++i)
        isValid[i] = truthy(found.rows[kept[i]].at(spec.csv.validColumn)) ? 1 : 0;
      break;
    case SplitKind::FileList: {
      const fs::path listFile = resolvePath(s.file, baseDir);
      std::ifstream in(listFile);
      if (s.file.empty() || !in)
        throw DataBlockError(DataStep::Split, "The list of validation files " + listFile.string() +
                                                  " cannot be read: choose a text file with one file name a line.");
      std::set<std::string> names;
      for (std::string line; std::getline(in, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty()) names.insert(line);
      }
      for (std::size_t i = 0; i < kept.size(); ++i)
        isValid[i] = names.count(found.names[kept[i]]) ||
                     names.count(found.files[kept[i]].filename().string());
      break;
    }
  }
  std::vector<std::size_t> inSplit;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (isValid[i] < 0) continue;
    (isValid[i] ? items.valid : items.train).push_back(int(inSplit.size()));
    inSplit.push_back(kept[i]);
  }
  kept = inSplit;
  if (s.kind == SplitKind::Grandparent && (items.train.empty() || items.valid.empty()))
    throw DataBlockError(DataStep::Split,
                         "No image is in a folder named \"" +
                             (items.train.empty() ? s.trainName : s.validName) +
                             "\" two levels above it (as in " + s.trainName + "/cat/1.jpg and " +
                             s.validName + "/cat/2.jpg): set the folder names, or split at random.");
  if (items.train.empty())
    throw DataBlockError(DataStep::Split, "The split leaves no training items: " + moreItemsRemedy(spec, false));
  if (items.valid.empty())
    throw DataBlockError(DataStep::Split, "The split leaves no validation items: " + moreItemsRemedy(spec, true));
}

}  // namespace

fs::path resolvePath(const std::string& path, const fs::path& baseDir) {
  const fs::path p(path);
  return p.is_absolute() || baseDir.empty() ? p : baseDir / p;
}

void sortVocab(std::vector<std::string>& vocab) {
  std::sort(vocab.begin(), vocab.end());
  vocab.erase(std::unique(vocab.begin(), vocab.end()), vocab.end());
}

DataItems collectItems(const DataBlockSpec& spec, const fs::path& baseDir) {
  if (spec.source == SourceKind::FashionMnist) return fashionMnistItems(spec, baseDir);
  if (spec.path.empty())
    throw DataBlockError(DataStep::Source, spec.source == SourceKind::Folder
                                               ? "Choose the folder that holds your images."
                                               : "Choose the CSV file that lists your images.");
  const fs::path source = resolvePath(spec.path, baseDir);
  Found found = spec.source == SourceKind::Folder ? findImageFiles(spec, source)
                                                  : findCsvFiles(spec, source, baseDir);
  DataItems items;
  items.skipped = found.skipped;

  // Labels first (items without one are skipped), then the split of what is left.
  if (spec.label.kind == LabelKind::CsvColumn && spec.source != SourceKind::Csv)
    throw DataBlockError(DataStep::Label, "Labels from a CSV column need a CSV source: label by "
                                          "parent folder or by a pattern on the file name.");
  if (spec.label.kind == LabelKind::CsvColumn && !found.rows.empty() &&
      !found.rows.front().count(spec.csv.labelColumn))
    throw DataBlockError(DataStep::Label, "The CSV file has no column \"" + spec.csv.labelColumn +
                                              "\": choose the column that holds the labels.");
  std::regex pattern;
  if (spec.label.kind == LabelKind::Regex) {
    if (spec.label.regex.empty())
      throw DataBlockError(DataStep::Label, "Type a pattern whose first group is the label, such "
                                            "as ^([a-z_]+)_\\d+\\.jpg$.");
    try {
      pattern = std::regex(spec.label.regex, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw DataBlockError(DataStep::Label, "The pattern " + spec.label.regex +
                                                " is not a valid regular expression (" + e.what() +
                                                "): fix it.");
    }
    if (pattern.mark_count() < 1)
      throw DataBlockError(DataStep::Label, "The pattern " + spec.label.regex +
                                                " has no group: put the label part in parentheses.");
  }
  std::vector<std::vector<std::string>> texts;
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < found.files.size(); ++i) {
    std::string why;
    auto labels = labelsOf(spec, found, i, &pattern, why);
    if (!why.empty() || (labels.empty() && spec.target != TargetKind::MultiCategory)) {
      items.skipped.push_back({found.names[i], why.empty() ? "no label" : why});
      continue;
    }
    kept.push_back(i);
    texts.push_back(std::move(labels));
  }
  if (kept.empty())
    throw DataBlockError(DataStep::Label,
                         spec.label.kind == LabelKind::Regex
                             ? "The pattern " + spec.label.regex + " matches none of the " +
                                   count(found.files.size(), "file name") + " (for example " +
                                   found.files.front().filename().string() +
                                   "): change it so its first group captures the label."
                             : "No image has a label: check the label column.");

  std::vector<std::size_t> labelled = kept;  // indices into found
  std::vector<std::size_t> position(found.files.size());
  for (std::size_t i = 0; i < kept.size(); ++i) position[kept[i]] = i;
  splitItems(spec, found, baseDir, items, labelled);

  // The vocabulary, then each item's target.
  if (spec.target == TargetKind::Regression) {
    for (std::size_t k = 0; k < labelled.size(); ++k) {
      const std::string& text = texts[position[labelled[k]]].front();
      float value = 0;
      const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (err != std::errc() || end != text.data() + text.size())
        throw DataBlockError(DataStep::Label, "The label \"" + text + "\" of " +
                                                  found.names[labelled[k]] +
                                                  " is not a number: a regression target must be one.");
      items.values.push_back(value);
    }
  } else {
    for (std::size_t k = 0; k < labelled.size(); ++k)
      for (const auto& t : texts[position[labelled[k]]]) items.vocab.push_back(t);
    sortVocab(items.vocab);
    std::map<std::string, int> index;
    for (std::size_t v = 0; v < items.vocab.size(); ++v) index[items.vocab[v]] = int(v);
    for (std::size_t k = 0; k < labelled.size(); ++k) {
      std::vector<int> ids;
      for (const auto& t : texts[position[labelled[k]]]) ids.push_back(index.at(t));
      items.labels.push_back(std::move(ids));
    }
  }
  for (std::size_t k : labelled) {
    items.files.push_back(found.files[k]);
    items.names.push_back(found.names[k]);
  }

  if (spec.limit > 0 && int(items.train.size()) > spec.limit) {
    // A quick run on part of the data: `limit` training items at random, validation in the
    // same proportion.
    const double keep = double(spec.limit) / double(items.train.size());
    std::mt19937_64 rng(spec.split.seed + 1);
    std::shuffle(items.train.begin(), items.train.end(), rng);
    std::shuffle(items.valid.begin(), items.valid.end(), rng);
    items.train.resize(std::size_t(spec.limit));
    items.valid.resize(std::max<std::size_t>(1, std::size_t(std::lround(keep * double(items.valid.size())))));
    std::sort(items.train.begin(), items.train.end());
    std::sort(items.valid.begin(), items.valid.end());
  }
  checkSplitClasses(spec, items);
  return items;
}

void checkSplitClasses(const DataBlockSpec& spec, const DataItems& items) {
  if (items.train.empty())
    throw DataBlockError(DataStep::Split, "No training items are left: " + moreItemsRemedy(spec, false));
  if (items.valid.empty())
    throw DataBlockError(DataStep::Split, "No validation items are left: " + moreItemsRemedy(spec, true));
  if (spec.target != TargetKind::Category) return;
  if (items.vocab.size() < 2)
    throw DataBlockError(DataStep::Label, "Every image has the label \"" + items.vocab.front() +
                                              "\": a classifier needs at least two classes.");
  std::vector<int> train(items.vocab.size()), valid(items.vocab.size());
  for (int i : items.train) ++train[items.labels[i].front()];
  for (int i : items.valid) ++valid[items.labels[i].front()];
  for (std::size_t v = 0; v < items.vocab.size(); ++v) {
    if (!train[v])
      throw DataBlockError(DataStep::Split, "The class \"" + items.vocab[v] +
                                                "\" has no training items: add images of it, or " +
                                                moreItemsRemedy(spec, false));
    if (!valid[v])
      throw DataBlockError(DataStep::Split, "The class \"" + items.vocab[v] +
                                                "\" has no validation items: add images of it, or " +
                                                moreItemsRemedy(spec, true));
  }
}

void leaveOut(const DataBlockSpec& spec, DataItems& items, const std::map<int, std::string>& reasons) {
  if (reasons.empty()) return;
  std::vector<int> renumbered(items.size(), -1);
  DataItems kept;
  kept.vocab = items.vocab;
  kept.skipped = items.skipped;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto why = reasons.find(int(i));
    if (why != reasons.end()) {
      kept.skipped.push_back({items.names[i], why->second});
      continue;
    }
    renumbered[i] = int(kept.names.size());
    if (!items.files.empty()) kept.files.push_back(items.files[i]);
    kept.names.push_back(items.names[i]);
    if (!items.labels.empty()) kept.labels.push_back(items.labels[i]);
    if (!items.values.empty()) kept.values.push_back(items.values[i]);
  }
  for (auto [from, into] : {std::pair{&items.train, &kept.train}, {&items.valid, &kept.valid}})
    for (int i : *from)
      if (renumbered[i] >= 0) into->push_back(renumbered[i]);
  items = std::move(kept);
  checkSplitClasses(spec, items);
}

}  // namespace lb
