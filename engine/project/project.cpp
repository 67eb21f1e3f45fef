#include "engine/project/project.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "engine/project/field_reader.h"
#include "engine/util/atomic_file.h"
#include "engine/util/error.h"

namespace lb {

using nlohmann::json;

std::filesystem::path Project::dataPath() const {
  std::filesystem::path p(data.path);
  if (p.is_absolute() || file.empty()) return p;
  return std::filesystem::absolute(file).parent_path() / p;
}

std::filesystem::path Project::runFolder() const {
  const auto absolute = std::filesystem::absolute(file.empty() ? "untitled.lbproj" : file);
  return absolute.parent_path() / absolute.stem();
}

Project parseProject(const std::string& text, const std::filesystem::path& file) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error("The project " + file.string() + " is not valid JSON (at byte " +
                std::to_string(e.byte) + "): fix the file or open another project.");
  }
  FieldReader top(root, "", file.string(), {"format", "formatVersion", "name", "data", "model", "train"});
  if (top.text("format", "learnbench-project") != "learnbench-project")
    top.fail("format", "must be \"learnbench-project\"");
  Project p;
  p.file = file;
  p.formatVersion = top.integer("formatVersion", 0, 0, 1 << 20);
  if (!top.find("formatVersion"))
    throw Error("The project " + file.string() + " has no \"formatVersion\": it is not a Learnbench project.");
  if (p.formatVersion > kProjectFormatVersion)
    throw Error("The project " + file.string() + " was written by a newer Learnbench (format " +
                std::to_string(p.formatVersion) + "; this one reads up to " +
                std::to_string(kProjectFormatVersion) + "): update Learnbench to open it.");
  if (p.formatVersion < 1) top.fail("formatVersion", "must be at least 1");
  p.name = top.text("name", p.name);

  FieldReader data(top.object("data"), "data", file.string(), {"source", "path", "limit"});
  p.data.source = data.text("source", p.data.source);
  if (p.data.source != "fashion-mnist")
    data.fail("data.source", "must be \"fashion-mnist\" (the only source this version reads)");
  p.data.path = data.text("path", p.data.path);
  p.data.limit = data.integer("limit", p.data.limit, 0, 1 << 30);

  // The model spec reads and checks its own fields (which depend on the model's name).
  static_cast<ModelSpec&>(p.model) = modelSpecFromJson(top.object("model"), file.string(), p.model);

  FieldReader train(top.object("train"), "train", file.string(),
                    {"epochs", "lr", "batchSize", "seed", "threads"});
  p.train.epochs = train.integer("epochs", p.train.epochs, 1, 100000);
  p.train.lr = train.positive("lr", p.train.lr);
  p.train.batchSize = train.integer("batchSize", p.train.batchSize, 1, 1 << 20);
  p.train.seed = static_cast<std::uint64_t>(train.integer("seed", int(p.train.seed), 0, 2147483647));
  p.train.threads = train.integer("threads", p.train.threads, 0, 1024);
  return p;
}

Project loadProject(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw Error("The project " + file.string() + " " +
                (std::filesystem::exists(file) ? "could not be read." : "does not exist."));
  std::stringstream text;
  text << in.rdbuf();
  return parseProject(text.str(), file);
}

std::string projectToJson(const Project& p) {
  json root = json::object();
  root["format"] = "learnbench-project";
  root["formatVersion"] = kProjectFormatVersion;
  root["name"] = p.name;
  root["data"] = {{"source", p.data.source}, {"path", p.data.path}, {"limit", p.data.limit}};
  root["model"] = modelSpecToJson(p.model);
  root["train"] = {{"epochs", p.train.epochs},         {"lr", p.train.lr},
                   {"batchSize", p.train.batchSize},   {"seed", p.train.seed},
                   {"threads", p.train.threads}};
  return root.dump(2) + "\n";
}

void saveProject(const Project& project, const std::filesystem::path& file) {
  writeFileAtomically(file, projectToJson(project), "project");
}

}  // namespace lb
