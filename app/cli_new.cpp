// learnbench-cli new: a project file from a folder of images, a CSV or the built-in example,
// with the choices the data block editor offers. The data is checked (items found, split,
// labelled) before the file is written, so a project that `new` writes opens and trains.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <ostream>
#include <stdexcept>
#include <thread>

#include "app/cli_commands.h"
#include "engine/data/data_block.h"
#include "engine/data/file_check.h"
#include "engine/experiment/propose.h"
#include "engine/models/model_spec.h"
#include "engine/project/project.h"
#include "engine/util/thousands.h"

namespace lb {

namespace fs = std::filesystem;

namespace {

// Inside the project's folder: relative (the folder can move); elsewhere: absolute.
std::string pathForProject(const std::string& given, const fs::path& projectDir) {
  const fs::path absolute = fs::weakly_canonical(fs::absolute(given));
  const fs::path relative = absolute.lexically_relative(projectDir);
  if (!relative.empty() && *relative.begin() != "..") return relative.generic_string();
  return absolute.string();
}

// "random", "random:30" (percent), "grandparent", "grandparent:train,valid", "csv", "file:LIST"
void parseSplit(const std::string& text, SplitOptions& split) {
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (kind == "random") {
    split.kind = SplitKind::Random;
    if (!arg.empty()) {
      std::size_t used = 0;
      double pct = -1;
      try {
        pct = std::stod(arg, &used);
      } catch (const std::exception&) {
      }
      if (used != arg.size() || !(pct > 0 && pct < 100))
        throw std::invalid_argument("--split random:PCT needs a percentage between 0 and 100, got \"" + arg + "\".");
      split.validPct = pct / 100.0;
    }
  } else if (kind == "grandparent") {
    split.kind = SplitKind::Grandparent;
    if (!arg.empty()) {
      const auto comma = arg.find(',');
      if (comma == std::string::npos || comma == 0 || comma + 1 == arg.size())
        throw std::invalid_argument("--split grandparent:TRAIN,VALID needs two folder names, got \"" + arg + "\".");
      split.trainName = arg.substr(0, comma);
      split.validName = arg.substr(comma + 1);
    }
  } else if (kind == "csv" && arg.empty()) {
    split.kind = SplitKind::CsvColumn;
  } else if (kind == "file" && !arg.empty()) {
    split.kind = SplitKind::FileList;
    split.file = arg;
  } else {
    throw std::invalid_argument("--split takes random[:PCT], grandparent[:TRAIN,VALID], csv or "
                                "file:LIST, got \"" + text + "\".");
  }
}

void parseLabel(const std::string& text, LabelOptions& label) {
  if (text == "parent") label.kind = LabelKind::ParentFolder;
  else if (text == "csv") label.kind = LabelKind::CsvColumn;
  else if (text.rfind("regex:", 0) == 0 && text.size() > 6) {
    label.kind = LabelKind::Regex;
    label.regex = text.substr(6);
  } else {
    throw std::invalid_argument("--label takes parent, regex:PATTERN or csv, got \"" + text + "\".");
  }
}

// "64" or "64x48" (width x height).
void parseSize(const std::string& text, ResizeOptions& resize) {
  const auto x = text.find('x');
  try {
    std::size_t used = 0;
    resize.width = std::stoi(text.substr(0, x), &used);
    if (used != (x == std::string::npos ? text.size() : x)) throw std::invalid_argument("");
    resize.height = resize.width;
    if (x != std::string::npos) {
      resize.height = std::stoi(text.substr(x + 1), &used);
      if (used != text.size() - x - 1) throw std::invalid_argument("");
    }
  } catch (const std::exception&) {
    resize.width = resize.height = 0;
  }
  if (resize.width < 1 || resize.height < 1 || resize.width > 8192 || resize.height > 8192)
    throw std::invalid_argument("--size takes N or WxH in pixels (1 to 8192), got \"" + text + "\".");
}

}  // namespace

int runNew(const std::vector<std::string>& args, std::ostream& out) {
  const Options o = parseOptions(
      "new", args,
      {"--images", "--csv", "--example", "--path-col", "--label-col", "--valid-col", "--label-delim",
       "--folder", "--split", "--label", "--size", "--model", "--target", "--seed", "--pretrained"},
      {"--augment", "--force", "--group-by-aspect"});
  if (o.positional.size() != 1)
    throw std::invalid_argument("new needs the project file to write: learnbench-cli new PROJECT --images DIR.");
  const int sources = int(o.values.count("--images") + o.values.count("--csv") + o.values.count("--example"));
  if (sources != 1)
    throw std::invalid_argument("new needs exactly one of --images DIR, --csv FILE or --example fashion-mnist.");

  fs::path file = o.positional[0];
  if (file.extension() != ".lbproj") file += ".lbproj";
  if (fs::exists(file) && !o.has("--force"))
    throw Error("The project " + file.string() + " already exists: choose another name, or add --force to replace it.");
  const fs::path projectDir = fs::weakly_canonical(fs::absolute(file)).parent_path();

  Project p;
  p.name = file.stem().string();
  DataBlockSpec& d = p.data;
  auto value = [&](const char* name) -> const std::string* {
    auto it = o.values.find(name);
    return it == o.values.end() ? nullptr : &it->second;
  };
  if (const auto* v = value("--example")) {
    if (*v != "fashion-mnist")
      throw std::invalid_argument("--example knows fashion-mnist only, got \"" + *v + "\".");
    d.source = SourceKind::FashionMnist;
  } else if (const auto* v = value("--images")) {
    d.source = SourceKind::Folder;
    d.path = pathForProject(*v, projectDir);
    d.split.kind = SplitKind::Random;
  } else {
    d.source = SourceKind::Csv;
    d.path = pathForProject(*value("--csv"), projectDir);
    d.label.kind = LabelKind::CsvColumn;
    d.split.kind = SplitKind::Random;
  }
  if (const auto* v = value("--path-col")) d.csv.pathColumn = *v;
  if (const auto* v = value("--label-col")) d.csv.labelColumn = *v;
  if (const auto* v = value("--valid-col")) {
    d.csv.validColumn = *v;
    d.split.kind = SplitKind::CsvColumn;
  }
  if (const auto* v = value("--label-delim")) {
    d.csv.labelDelimiter = *v;
    d.target = TargetKind::MultiCategory;
  }
  if (const auto* v = value("--folder")) d.csv.folder = fs::absolute(*v).string();
  if (const auto* v = value("--split")) parseSplit(*v, d.split);
  if (const auto* v = value("--label")) parseLabel(*v, d.label);
  if (const auto* v = value("--size")) parseSize(*v, d.resize);
  if (const auto* v = value("--target")) {
    // A wrong name is a wrong command line (exit 2), worded from the one table of names.
    const auto kind = findName(kTargetKindNames, *v);
    if (!kind)
      throw std::invalid_argument("--target takes " + allowedNames(kTargetKindNames) + ", got \"" +
                                  *v + "\".");
    d.target = *kind;
  }
  if (auto seed = wholeNumber(o, "--seed", 0)) d.split.seed = p.train.seed = std::uint64_t(*seed);
  d.augment.enabled = o.has("--augment");
  if (const auto* v = value("--model")) {
    const auto& names = modelNames();
    if (std::find(names.begin(), names.end(), *v) == names.end()) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      throw std::invalid_argument("--model takes one of " + list + ", got \"" + *v + "\".");
    }
    p.model.name = *v;
  }
  if (const auto* v = value("--pretrained")) {
    if (!fs::is_regular_file(*v))
      throw Error("The pretrained model " + *v +
                  " does not exist: name a checkpoint or an exported .pt file Learnbench wrote.");
    p.model.pretrained = pathForProject(*v, projectDir);
  }

  // A folder or CSV: what is not given is proposed from the data, as File > New project does;
  // either way the data block is checked as the editor would, and keeps its vocabulary.
  DataItems items;
  if (d.source == SourceKind::FashionMnist) {
    items = collectItems(d, projectDir);
  } else {
    const fs::path source = fs::absolute(*value(d.source == SourceKind::Folder ? "--images" : "--csv"));
    auto given = [&](std::initializer_list<const char*> names) {
      for (const char* name : names)
        if (value(name)) return true;
      return false;
    };
    const ProposalGiven kept{.split = given({"--split", "--valid-col"}),
                             .label = given({"--label", "--target", "--label-delim"}),
                             .columns = given({"--path-col", "--label-col", "--valid-col", "--label-delim"}),
                             .size = given({"--size"}),
                             .model = given({"--model"})};
    DataProposal proposal = proposeDataBlock(source, d, p.model, kept);
    d = proposal.data;
    d.path = pathForProject(source.string(), projectDir);
    if (!d.csv.folder.empty()) d.csv.folder = pathForProject(d.csv.folder, projectDir);
    p.model.name = proposal.model.name;
    p.model.smallImages = proposal.model.smallImages;
    items = std::move(proposal.items);
    // Count only what training will use: unreadable files are left out, as training leaves them.
    const int threads = int(std::max(1u, std::thread::hardware_concurrency()));
    leaveOut(d, items, checkImageFiles(items, threads).unreadable);
  }
  if (o.has("--group-by-aspect")) {
    if (d.source == SourceKind::FashionMnist)
      throw std::invalid_argument(
          "--group-by-aspect groups image files by their shape; the example's images are all "
          "28x28: leave it out, or use --images DIR or --csv FILE.");
    if (!d.resize.active())
      throw std::invalid_argument(
          "--group-by-aspect keeps the pixel count of the Resize size: add --size N or WxH.");
    d.groupByAspect = true;
  }
  d.vocab = items.vocab;
  saveProject(p, file);

  if (o.json) {
    out << nlohmann::ordered_json{{"project", file.string()},
                                  {"trainItems", items.train.size()},
                                  {"validItems", items.valid.size()},
                                  {"classes", items.vocab},
                                  {"skipped", items.skipped.size()}}
               .dump()
        << "\n";
  } else {
    out << "Wrote " << file.string() << ": " << items.train.size() << " training and "
        << items.valid.size() << " validation items";
    if (d.target != TargetKind::Regression) out << ", " << items.vocab.size() << " classes";
    out << ", model " << p.model.name << ".\n";
    if (d.source != SourceKind::FashionMnist)
      out << "Size " << d.resize.width << "x" << d.resize.height << ", split "
          << splitKindName(d.split.kind) << ", labels " << labelKindName(d.label.kind) << ".\n";
    if (!items.skipped.empty())
      out << countOf((long long)items.skipped.size(), "file") << " left out (first: "
          << items.skipped.front().file << ": " << items.skipped.front().reason
          << "); learnbench-cli summary lists them all.\n";
  }
  return 0;
}

}  // namespace lb
