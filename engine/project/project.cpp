#include "engine/project/project.h"

#include <cmath>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "engine/core/field_reader.h"
#include "engine/util/atomic_file.h"
#include "engine/util/error.h"

namespace lb {

using nlohmann::json;

std::filesystem::path Project::folder() const {
  return file.empty() ? std::filesystem::current_path()
                      : std::filesystem::absolute(file).parent_path();
}

std::filesystem::path Project::dataPath() const {
  std::filesystem::path p(data.path);
  return p.is_absolute() ? p : folder() / p;
}

std::filesystem::path Project::runFolder() const {
  const auto absolute = std::filesystem::absolute(file.empty() ? "untitled.lbproj" : file);
  return absolute.parent_path() / (absolute.stem().string() + ".learnbench");
}

namespace {

std::vector<RunRecord> runsFromJson(const FieldReader& top, const std::string& where) {
  std::vector<RunRecord> runs;
  const json* list = top.find("runs");
  if (!list) return runs;
  if (!list->is_array()) top.fail("runs", "must be a list");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string name = "runs[" + std::to_string(i) + "]";
    FieldReader r((*list)[i], name, where,
                  {"id", "started", "epochs", "lr", "batchSize", "seed", "ended", "results"});
    RunRecord run;
    run.id = r.text("id", "");
    run.started = r.text("started", "");
    run.epochs = r.integer("epochs", 0, 0, 1 << 30);
    run.lr = r.number("lr", 0, 0, 1e300);
    run.batchSize = r.integer("batchSize", 0, 0, 1 << 30);
    run.seed = std::uint64_t(r.integer("seed", 0, 0, 2147483647));
    run.ended = r.text("ended", "");
    const json* results = r.find("results");
    if (results && !results->is_array()) r.fail(name + ".results", "must be a list");
    for (std::size_t e = 0; results && e < results->size(); ++e) {
      // Each epoch's metric is stored under its own name (fastai's: the targets' metrics).
      // With whether lower is better, as each metric says (engine/train/metrics.h).
      const std::pair<const char*, bool> metrics[] = {
          {"accuracy", false}, {"accuracy_multi", false}, {"mae", true}};
      std::set<std::string> known = {"epoch", "trainLoss", "validLoss", "seconds"};
      for (const auto& [metric, lower] : metrics) known.insert(metric);
      FieldReader er((*results)[e], name + ".results[" + std::to_string(e) + "]", where, known);
      // A loss that turned NaN is stored as null (JSON has no NaN).
      auto value = [&](const char* key) {
        const json* v = er.find(key);
        return v && v->is_null() ? std::nan("") : er.number(key, 0, -1e300, 1e300);
      };
      EpochResult res;
      res.epoch = er.integer("epoch", 0, 0, 1 << 30);
      res.trainLoss = value("trainLoss");
      res.validLoss = value("validLoss");
      for (const auto& [metric, lower] : metrics)
        if (er.find(metric)) {
          res.metricName = metric;
          res.metric = value(metric);
          res.metricLowerIsBetter = lower;
        }
      res.seconds = er.number("seconds", 0, 0, 1e300);
      run.results.push_back(res);
    }
    runs.push_back(std::move(run));
  }
  return runs;
}

json runsToJson(const std::vector<RunRecord>& runs) {
  json list = json::array();
  for (const auto& run : runs) {
    json results = json::array();
    for (const auto& e : run.results)
      results.push_back({{"epoch", e.epoch}, {"trainLoss", e.trainLoss}, {"validLoss", e.validLoss},
                         {e.metricName, e.metric}, {"seconds", e.seconds}});
    json one = {{"started", run.started}, {"epochs", run.epochs}, {"lr", run.lr},
                {"batchSize", run.batchSize}, {"seed", run.seed}, {"ended", run.ended},
                {"results", results}};
    if (!run.id.empty()) one["id"] = run.id;
    list.push_back(one);
  }
  return list;
}

}  // namespace

Project parseProject(const std::string& text, const std::filesystem::path& file) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error("The project " + file.string() + " is not valid JSON (at byte " +
                std::to_string(e.byte) + "): fix the file or open another project.");
  } catch (const json::exception&) {
    // The parser's other error: a number too large for a double (1e400).
    throw Error("The project " + file.string() +
                " holds a number too large to read: fix the file or open another project.");
  }
  FieldReader top(root, "", file.string(), {"format", "formatVersion", "name", "data", "model", "train", "runs", "lessons", "view"});
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

  p.data = dataBlockFromJson(top.object("data"), file.string(), p.data);

  // The model spec reads and checks its own fields (which depend on the model's name).
  static_cast<ModelSpec&>(p.model) = modelSpecFromJson(top.object("model"), file.string(), p.model);

  FieldReader train(top.object("train"), "train", file.string(),
                    {"epochs", "lr", "batchSize", "seed", "threads", "mixedPrecision",
                     "epochCheckpoints", "processes", "syncBatchNorm"});
  p.train.epochs = train.integer("epochs", p.train.epochs, 1, kMaxEpochs);
  p.train.lr = train.positive("lr", p.train.lr);
  p.train.batchSize = train.integer("batchSize", p.train.batchSize, 1, kMaxBatchSize);
  p.train.seed = static_cast<std::uint64_t>(train.integer("seed", int(p.train.seed), 0, kMaxSeed));
  p.train.threads = train.integer("threads", p.train.threads, 0, kMaxThreads);
  p.train.mixedPrecision = train.boolean("mixedPrecision", p.train.mixedPrecision);
  p.train.syncBatchNorm = train.boolean("syncBatchNorm", p.train.syncBatchNorm);
  p.train.epochCheckpoints =
      train.integer("epochCheckpoints", p.train.epochCheckpoints, 0, kMaxEpochs);
  p.train.processes = train.integer("processes", p.train.processes, 1, kMaxProcesses);
  p.runs = runsFromJson(top, file.string());
  p.classroom = classroomFromJson(top.find("lessons"), top.find("view"), file.string());
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
  dataBlockToJson(p.data, root["data"]);
  root["model"] = modelSpecToJson(p.model);
  root["train"] = {{"epochs", p.train.epochs},         {"lr", p.train.lr},
                   {"batchSize", p.train.batchSize},   {"seed", p.train.seed},
                   {"threads", p.train.threads}, {"mixedPrecision", p.train.mixedPrecision}};
  if (p.train.epochCheckpoints > 0) root["train"]["epochCheckpoints"] = p.train.epochCheckpoints;
  if (p.train.syncBatchNorm) root["train"]["syncBatchNorm"] = true;  // old files keep their bytes
  if (p.train.processes > 1) root["train"]["processes"] = p.train.processes;  // old files keep their bytes
  if (!p.runs.empty()) root["runs"] = runsToJson(p.runs);
  classroomToJson(p.classroom, root);
  return root.dump(2) + "\n";
}

void saveProject(const Project& project, const std::filesystem::path& file) {
  writeFileAtomically(file, projectToJson(project), "project");
}

void appendRun(const std::filesystem::path& file, const RunRecord& run) {
  Project onDisk = loadProject(file);
  onDisk.runs.push_back(run);
  saveProject(onDisk, file);
}

std::string localTimeNow() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
  return text;
}

}  // namespace lb
