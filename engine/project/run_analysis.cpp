#include "engine/project/run_analysis.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/util/error.h"

namespace lb {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The settings that decide which images a model is validated on and what they are labelled.
bool decidesValidation(const std::string& path) {
  for (const char* prefix : {"data.source", "data.path", "data.extensions", "data.csv.",
                             "data.target", "data.split.", "data.label."})
    if (path.rfind(prefix, 0) == 0) return true;
  return false;
}

}  // namespace

std::vector<std::vector<int>> seedGroups(const std::vector<StoredRun>& runs) {
  std::vector<std::vector<int>> groups;
  const auto sameButSeed = [](const StoredRun& a, const StoredRun& b) {
    for (const std::string& path : differingSettings({a, b}))
      if (path != "train.seed") return false;
    return true;
  };
  for (int k = 0; k < int(runs.size()); ++k) {
    auto group = std::find_if(groups.begin(), groups.end(), [&](const std::vector<int>& g) {
      return sameButSeed(runs[std::size_t(g.front())], runs[std::size_t(k)]);
    });
    if (group == groups.end())
      groups.push_back({k});
    else
      group->push_back(k);
  }
  return groups;
}

CurveBand curveBand(const std::vector<std::vector<double>>& curves) {
  CurveBand band;
  if (curves.empty()) return band;
  std::size_t length = curves.front().size();
  for (const auto& c : curves) length = std::min(length, c.size());
  for (std::size_t i = 0; i < length; ++i) {
    double sum = 0, low = curves.front()[i], high = low;
    for (const auto& c : curves) {
      sum += c[i];
      low = std::min(low, c[i]);
      high = std::max(high, c[i]);
    }
    band.mean.push_back(sum / double(curves.size()));
    band.low.push_back(low);
    band.high.push_back(high);
  }
  return band;
}

std::vector<double> smoothedLosses(const std::vector<StoredBatch>& batches, double beta) {
  std::vector<double> out;
  double average = 0, weight = 1;
  for (const StoredBatch& b : batches) {
    average = beta * average + (1 - beta) * b.loss;
    weight *= beta;
    out.push_back(weight < 1 ? average / (1 - weight) : b.loss);
  }
  return out;
}

std::vector<ValidationSample> runValidationImages(const Project& project, const StoredRun& run,
                                                  const std::vector<long>& positions) {
  const std::vector<StoredPrediction> predictions = loadPredictions(run);
  std::vector<ValidationSample> images;
  try {
    images = validationItemsAt(run.settings.data, project.folder(), positions,
                               long(predictions.size()));
  } catch (const Error& e) {
    throw Error("The images of the run " + run.label() + " cannot be shown: " + userMessage(e));
  }
  // The run's labels must still be the images' labels, or these are other images.
  const bool category = run.settings.data.target == TargetKind::Category;
  for (std::size_t k = 0; category && k < images.size(); ++k) {
    const auto p = std::size_t(positions[k]);
    const auto actual = p < predictions.size() ? std::size_t(predictions[p].actual) : 0;
    if (p >= predictions.size() || actual >= run.info.classes.size() ||
        images[k].label != run.info.classes[actual])
      throw Error("The images of the run " + run.label() +
                  " have changed since it ran (" + images[k].name + " is labelled " +
                  images[k].label + " now): its predictions no longer name these images.");
  }
  return images;
}

Project branchSettings(const Project& project, const StoredRun& parent, const std::string& path,
                       const std::string& value) {
  Project base = project;
  base.data = parent.settings.data;
  base.model = parent.settings.model;
  base.train = parent.settings.train;
  if (parent.flatSettings.find(path) == parent.flatSettings.end())
    throw Error("The run " + parent.label() + " has no setting \"" + path + "\".");
  json j = json::parse(projectToJson(base));
  json* field = &j;
  for (std::size_t start = 0; start <= path.size();) {
    const std::size_t dot = std::min(path.find('.', start), path.size());
    field = &(*field)[path.substr(start, dot - start)];
    start = dot + 1;
  }
  if (field->is_string()) {
    *field = value;
  } else {
    json parsed = json::parse(value, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || parsed.is_object() != field->is_object() ||
        parsed.is_array() != field->is_array())
      throw Error("\"" + value + "\" is not a value " + path + " takes: it was " +
                  settingValue(parent, path) + ".");
    *field = parsed;
  }
  Project out = parseProject(j.dump(), project.file);  // checks the value as opening a file does
  out.file = project.file;
  out.name = project.name;
  out.runs = project.runs;
  return out;
}

std::optional<StoredRun> checkpointRun(const Project& project) {
  const std::vector<StoredRun> runs = listRuns(project);
  const fs::path last = project.lastCheckpoint();
  std::error_code ec;
  const StoredRun* latest = nullptr;
  for (const StoredRun& r : runs) {
    const fs::path kept = r.folder / "checkpoints" / "last.pt";
    if (!fs::exists(kept, ec)) continue;
    if (fs::equivalent(kept, last, ec)) return r;  // a hard link to the project's checkpoint
    latest = &r;
  }
  if (latest) return *latest;
  return std::nullopt;
}

std::string dataBlockChangeSinceCheckpoint(const Project& project) {
  const std::optional<StoredRun> run = checkpointRun(project);
  if (!run) return "";
  const auto dataOf = [](const Project& p) { return json::parse(projectToJson(p))["data"]; };
  std::string changes;
  const json before = dataOf(run->settings), after = dataOf(project);
  for (const auto& [key, value] : before.items()) {
    const std::string path = "data." + key;
    const json other = after.contains(key) ? after[key] : json();
    if (value == other) continue;
    if (value.is_object()) {
      for (const auto& [sub, v] : value.items()) {
        const std::string subPath = path + "." + sub;
        const json o = other.is_object() && other.contains(sub) ? other[sub] : json();
        if (v != o && decidesValidation(subPath))
          changes += (changes.empty() ? "" : ", ") + subPath + " was " + v.dump() + " (now " +
                     o.dump() + ")";
      }
    } else if (decidesValidation(path)) {
      changes += (changes.empty() ? "" : ", ") + path + " was " + value.dump() + " (now " +
                 other.dump() + ")";
    }
  }
  if (changes.empty()) return "";
  return "These results would belong to an earlier data block: the last model was trained by "
         "the run " + run->label() + " when " + changes +
         ", so its validation images are not this data block's. Train again to see results on "
         "this data block, or compare the runs on the Runs page.";
}

}  // namespace lb
