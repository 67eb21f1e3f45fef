#include "engine/experiment/propose.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "engine/data/csv_table.h"
#include "engine/data/image_file.h"
#include "engine/util/thousands.h"

namespace lb {

namespace fs = std::filesystem;

namespace {

constexpr int kSampleImages = 48;   // decoded to choose the size: enough for a stable median
constexpr int kKeepSizeUpTo = 64;   // small images keep their own size (28 for MNIST-like data)
constexpr int kMaxSize = 224;       // the size ImageNet models are trained at
constexpr int kPhotoSize = 96;      // from here on a ResNet pays for itself
const char* const kFlatLabelRegex = R"(^(.+)_\d+\.\w+$)";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The top-level folders that name the two splits, as they are spelled on disk; empty when none.
std::pair<std::string, std::string> splitFolders(const fs::path& dir) {
  std::map<std::string, std::string> present;  // lower-case name -> name on disk
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_directory(ec)) {
      const std::string name = entry.path().filename().string();
      present.emplace(lower(name), name);
    }
  static const std::pair<const char*, const char*> kPairs[] = {
      {"train", "valid"}, {"training", "validation"}, {"train", "validation"},
      {"train", "val"},   {"train", "test"},          {"training", "testing"}};
  for (const auto& [train, valid] : kPairs)
    if (present.count(train) && present.count(valid)) return {present[train], present[valid]};
  return {};
}

// The first column named as one of `names` (any case), or "".
std::string columnNamed(const CsvTable& table, std::initializer_list<const char*> names) {
  for (const char* name : names)
    for (const auto& column : table.columns)
      if (lower(column) == name) return column;
  return "";
}

// A CSV's columns: the file names (the first column whose first value has an image extension),
// the labels, and the validation flag when there is one.
void proposeColumns(const fs::path& csvFile, DataBlockSpec& d) {
  const CsvTable table = readCsv(csvFile);
  if (table.rows.empty())
    throw DataBlockError(DataStep::Source, "The CSV file " + csvFile.string() +
                                               " has a header but no rows: add a row per image.");
  std::string pathColumn;
  for (const auto& column : table.columns) {
    const std::string ext = lower(fs::path(table.rows.front().at(column)).extension().string());
    if (std::find(d.extensions.begin(), d.extensions.end(), ext) != d.extensions.end()) {
      pathColumn = column;
      break;
    }
  }
  if (pathColumn.empty()) pathColumn = columnNamed(table, {"name", "file", "filename", "path", "image"});
  if (pathColumn.empty())
    throw DataBlockError(DataStep::Items, "No column of the CSV file (" + table.columnList() +
                                              ") names image files: add one, such as "
                                              "\"name\" with values like cat/1.jpg.");
  d.csv.pathColumn = pathColumn;
  d.csv.validColumn = columnNamed(table, {"is_valid", "valid", "validation"});
  std::string label = columnNamed(table, {"label", "labels", "class", "category", "tags", "target"});
  for (const auto& column : table.columns)
    if (label.empty() && column != pathColumn && column != d.csv.validColumn) label = column;
  if (label.empty())
    throw DataBlockError(DataStep::Label, "The CSV file has no column for the labels besides " +
                                              pathColumn + ": add one.");
  d.csv.labelColumn = label;
  d.label.kind = LabelKind::CsvColumn;
  // Several labels in a cell, separated as fastai's planets are: a multi-label target.
  for (const char* delimiter : {";", " "})
    for (const auto& row : table.rows)
      if (row.at(label).find(delimiter) != std::string::npos && d.csv.labelDelimiter.empty())
        d.csv.labelDelimiter = delimiter;
  d.target = d.csv.labelDelimiter.empty() ? TargetKind::Category : TargetKind::MultiCategory;
  if (!d.csv.validColumn.empty()) d.split.kind = SplitKind::CsvColumn;
  if (d.csv.validColumn.empty()) d.csv.validColumn = CsvOptions{}.validColumn;
}

std::string percent(double share) { return std::to_string(int(share * 100 + 0.5)) + "%"; }

std::string splitWords(const DataBlockSpec& d, bool folders) {
  switch (d.split.kind) {
    case SplitKind::Grandparent:
      return "by folder: the images in " + d.split.trainName + "/ train the model, those in " +
             d.split.validName + "/ check it (validation)";
    case SplitKind::Random:
      return percent(d.split.validPct) + " of the images, picked at random (seed " +
             std::to_string(d.split.seed) + "), check the model (validation); the rest train it" +
             (folders ? "" : " (no train/ and valid/ folders were found)");
    case SplitKind::CsvColumn: return "by the CSV column " + d.csv.validColumn;
    case SplitKind::FileList: return "by the list of validation files " + d.split.file;
  }
  return "";
}

std::string labelWords(const DataBlockSpec& d) {
  switch (d.label.kind) {
    case LabelKind::ParentFolder: return "the name of the folder each image is in";
    case LabelKind::Regex: return "the start of each file name, before _<number> (" + d.label.regex + ")";
    case LabelKind::CsvColumn:
      return "the CSV column " + d.csv.labelColumn +
             (d.csv.labelDelimiter.empty() ? "" : ", several labels per image separated by \"" +
                                                      d.csv.labelDelimiter + "\"");
  }
  return "";
}

std::string modelWords(const ModelSpec& m) {
  if (m.name == "simple_cnn") return "simple_cnn, a small convolutional network that trains quickly on small images";
  if (m.name == "resnet18" || m.name == "resnet34")
    return m.name + ", torchvision's ResNet" + (m.smallImages ? " (for small images)" : ", made for photos");
  return m.name;
}

}  // namespace

Project proposedProject(const DataProposal& proposal, const fs::path& file) {
  Project project;
  project.file = fs::absolute(file);
  project.name = file.stem().string();
  project.data = proposal.data;
  project.model = proposal.model;
  const fs::path source = fs::weakly_canonical(fs::absolute(proposal.data.path));
  const fs::path relative = source.lexically_relative(fs::weakly_canonical(project.folder()));
  if (!relative.empty() && *relative.begin() != "..") project.data.path = relative.generic_string();
  return project;
}

fs::path proposedProjectFile(const fs::path& source) {
  const fs::path absolute = fs::absolute(source).lexically_normal();
  const fs::path named = absolute.has_filename() ? absolute : absolute.parent_path();
  return named.parent_path() / (named.stem().string() + ".lbproj");
}

int proposedSize(int medianSide) {
  if (medianSide <= kKeepSizeUpTo) return std::max(16, medianSide);
  return std::min(kMaxSize, (medianSide + 16) / 32 * 32);
}

ModelSpec proposedModel(int size, int classes) {
  ModelSpec model;
  if (size >= kPhotoSize) {
    model.name = "resnet18";
    model.smallImages = false;
  } else if (size >= 48 && classes > 20) {
    // Many classes: the simple CNN's 192 features are too few; a ResNet without the stem's pool.
    model.name = "resnet18";
    model.smallImages = true;
  }
  return model;
}

DataProposal proposeDataBlock(const fs::path& source, const DataBlockSpec& start,
                              const ModelSpec& model, const ProposalGiven& given) {
  DataProposal p;
  DataBlockSpec& d = p.data;
  d = start;
  d.path = source.string();
  const bool csv = lower(source.extension().string()) == ".csv";
  d.source = csv ? SourceKind::Csv : SourceKind::Folder;
  const fs::path baseDir = source.parent_path();
  bool folders = false;
  if (csv) {
    if (!given.columns) proposeColumns(source, d);
  } else {
    if (!given.split) {
      const auto [train, valid] = splitFolders(source);
      folders = !train.empty();
      if (folders) {
        d.split.kind = SplitKind::Grandparent;
        d.split.trainName = train;
        d.split.validName = valid;
      } else {
        d.split.kind = SplitKind::Random;
        d.split.validPct = 0.2;
      }
    }
    if (!given.label) d.label.kind = LabelKind::ParentFolder;
  }

  DataItems items;
  try {
    items = collectItems(d, baseDir);
  } catch (const DataBlockError& e) {
    // Every image in one folder: fastai's pets name the class in the file name instead.
    if (csv || given.label || e.step() != DataStep::Label) throw;
    DataBlockSpec byName = d;
    byName.label.kind = LabelKind::Regex;
    byName.label.regex = kFlatLabelRegex;
    std::optional<DataItems> named;
    try {
      named = collectItems(byName, baseDir);
    } catch (const DataBlockError&) {
    }
    // Only when every name reads so: a file left out for its name would be a silent loss.
    if (!named || !named->skipped.empty()) throw;
    d = byName;
    items = std::move(*named);
  }
  d.vocab = items.vocab;
  p.trainItems = int(items.train.size());
  p.validItems = int(items.valid.size());
  p.skipped = items.skipped;
  for (const auto& name : items.vocab) p.classes.push_back({name});
  if (d.target != TargetKind::Regression) {
    for (int i : items.train)
      for (int c : items.labels[i]) ++p.classes[c].train;
    for (int i : items.valid)
      for (int c : items.labels[i]) ++p.classes[c].valid;
  }

  // The size from a sample spread evenly over the (sorted) items.
  std::vector<int> sides;
  p.grayscale = true;
  const std::size_t n = items.files.size();
  const std::size_t step = std::max<std::size_t>(1, n / kSampleImages);
  for (std::size_t i = 0; i < n && int(sides.size()) < kSampleImages; i += step) {
    cv::Mat image;
    try {
      image = readImage(items.files[i], cv::IMREAD_UNCHANGED);  // quiet, and within the pixel limit
    } catch (const Error&) {
      continue;
    }
    sides.push_back(std::min(image.cols, image.rows));
    if (image.channels() > 1) p.grayscale = false;
  }
  if (sides.empty())
    throw DataBlockError(DataStep::Items, "None of the sampled images could be read: check that "
                                          "the files are images (jpg, png, bmp, webp, tif).");
  std::nth_element(sides.begin(), sides.begin() + sides.size() / 2, sides.end());
  p.sampled = int(sides.size());
  p.medianSide = sides[sides.size() / 2];
  if (!given.size) d.resize.width = d.resize.height = proposedSize(p.medianSide);
  p.model = given.model ? model : proposedModel(d.resize.width, int(items.vocab.size()));

  p.lines.push_back("Images: " + withThousands(p.trainItems + p.validItems) + " in " +
                    source.string() +
                    (p.skipped.empty() ? "" : " (" + std::to_string(p.skipped.size()) +
                                                  " files left out: they cannot be used)"));
  p.lines.push_back("Split: " + splitWords(d, folders) + ". " + withThousands(p.trainItems) +
                    " for training, " + withThousands(p.validItems) + " for validation.");
  p.lines.push_back("Labels: " + labelWords(d) + ", " + std::to_string(items.vocab.size()) +
                    " classes.");
  p.lines.push_back("Size: every image resized to " + std::to_string(d.resize.width) + " x " +
                    std::to_string(d.resize.height) + " pixels (the images' median side is " +
                    std::to_string(p.medianSide) + ", " + (p.grayscale ? "grey" : "colour") + ").");
  p.lines.push_back("Model: " + modelWords(p.model) + ".");
  p.items = std::move(items);
  return p;
}

}  // namespace lb
