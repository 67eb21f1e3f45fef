#include "engine/train/progress_json.h"

#include <nlohmann/json.hpp>

namespace lb {

namespace {

// An epoch line's keys besides the metric, which goes under its own name.
const char* const kEpochColumns[] = {"epoch", "train_loss", "valid_loss", "time", "seconds"};

nlohmann::json parsedLine(const std::string& line) {
  return nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
}

double numberAt(const nlohmann::json& o, const char* key) {
  const auto it = o.find(key);
  return it != o.end() && it->is_number() ? it->get<double>() : 0.0;
}

}  // namespace

std::string batchProgressLine(const BatchProgress& b) {
  const nlohmann::ordered_json line = {
      {"progress",
       {{"epoch", b.epoch}, {"epochs", b.epochs}, {"batch", b.batch}, {"batches", b.batches},
        {"loss", b.loss}, {"smooth_loss", b.smoothLoss}, {"lr", b.lr}, {"mom", b.mom},
        {"elapsed", b.elapsedSeconds}, {"seconds_left", b.secondsLeft}}}};
  return line.dump();
}

std::string epochLine(const EpochResult& e, const std::string& time) {
  const nlohmann::json line = {{"epoch", e.epoch},         {"train_loss", e.trainLoss},
                               {"valid_loss", e.validLoss}, {e.metricName, e.metric},
                               {"time", time},              {"seconds", e.seconds}};
  return line.dump();
}

std::optional<BatchProgress> readBatchProgressLine(const std::string& line) {
  const nlohmann::json o = parsedLine(line);
  if (!o.is_object() || !o.contains("progress") || !o["progress"].is_object()) return {};
  const nlohmann::json& p = o["progress"];
  BatchProgress b;
  b.epoch = int(numberAt(p, "epoch"));
  b.epochs = int(numberAt(p, "epochs"));
  b.batch = int(numberAt(p, "batch"));
  b.batches = int(numberAt(p, "batches"));
  b.loss = numberAt(p, "loss");
  b.smoothLoss = numberAt(p, "smooth_loss");
  b.lr = numberAt(p, "lr");
  b.mom = numberAt(p, "mom");
  b.elapsedSeconds = numberAt(p, "elapsed");
  b.secondsLeft = numberAt(p, "seconds_left");
  return b;
}

std::optional<EpochResult> readEpochLine(const std::string& line) {
  const nlohmann::json o = parsedLine(line);
  if (!o.is_object() || !o.contains("train_loss")) return {};
  EpochResult e;
  e.epoch = int(numberAt(o, "epoch"));
  e.trainLoss = numberAt(o, "train_loss");
  e.validLoss = numberAt(o, "valid_loss");
  e.seconds = numberAt(o, "seconds");
  for (const auto& [key, value] : o.items()) {  // the one key that is not a column: the metric
    bool column = false;
    for (const char* c : kEpochColumns) column = column || key == c;
    if (column || !value.is_number()) continue;
    e.metricName = key;
    e.metric = value.get<double>();
  }
  e.metricLowerIsBetter = e.metricName == "mae";
  return e;
}

}  // namespace lb
