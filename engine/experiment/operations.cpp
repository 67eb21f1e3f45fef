#include "engine/experiment/operations.h"

#include <ATen/Parallel.h>
#include <torch/version.h>

#include <cmath>
#include <limits>
#include <memory>
#include <system_error>

#include "engine/models/model_summary.h"
#include "engine/project/run_store.h"
#include "engine/project/training_guard.h"
#include "engine/train/checkpoint.h"
#include "engine/util/device.h"
#include "engine/util/error.h"
#include "engine/util/thousands.h"

namespace lb {

namespace {
// Where this run's files go and what it ran on; nullptr (with a notice) when the run folder
// cannot be written: the training itself still goes on.
std::unique_ptr<RunWriter> openRunWriter(const Experiment& experiment,
                                         std::vector<std::string>& notices) {
  const Project& project = experiment.project();
  RunInfo env;
  env.learnbenchVersion = LB_VERSION;
  env.libtorchVersion = TORCH_VERSION;
  env.device = defaultDevice().str();
  env.threads = project.train.threads > 0 ? project.train.threads : int(at::get_num_threads());
  env.seed = project.train.seed;
  env.metricName = experiment.metricName();
  env.metricLowerIsBetter = env.metricName == "mae";
  env.classes = experiment.classes();
  try {
    return std::make_unique<RunWriter>(project, env);
  } catch (const Error& e) {
    notices.push_back(std::string("The run's files are not kept: ") + e.what());
    return nullptr;
  }
}
}  // namespace

RecordedRun trainAndRecord(Experiment& experiment, TrainingHooks hooks) {
  const Project& project = experiment.project();
  if (hooks.checkpointFile.empty()) hooks.checkpointFile = project.lastCheckpoint();
  const std::string started = localTimeNow();
  RecordedRun run;
  // One training per project at a time: a second one stops here, before it writes anything.
  const TrainingLock lock(project, hooks.checkpointFile);
  LiveRunRecord live(project, runRecord(project, started, {}), run.notices);
  std::unique_ptr<RunWriter> writer = openRunWriter(experiment, run.notices);
  // The run's files are written beside the caller's hooks; a write that fails stops the files,
  // not the training, and is said once.
  const auto keep = [&](auto write) {
    if (!writer) return;
    try {
      write();
    } catch (const Error& e) {
      run.notices.push_back(std::string("The run's files stopped being written: ") + e.what());
      writer.reset();
    }
  };
  double bestValidLoss = std::numeric_limits<double>::infinity();
  bool lastWasBest = false;
  int lastEpoch = 0;
  const TrainingHooks given = hooks;
  hooks.onBatch = [&](const BatchProgress& b) {
    keep([&] { writer->addBatch(b); });
    if (given.onBatch) given.onBatch(b);
  };
  hooks.onEpoch = [&](const EpochResult& e) {
    lastEpoch = e.epoch;
    lastWasBest = std::isfinite(e.validLoss) && e.validLoss < bestValidLoss;
    if (lastWasBest) bestValidLoss = e.validLoss;
    keep([&] { writer->addEpoch(e); });
    live.addEpoch(e);  // a kill from here on keeps this epoch in the history
    if (given.onEpoch) given.onEpoch(e);
  };
  // After the epoch's checkpoint: every validation item's prediction, and the checkpoint linked.
  hooks.onInterpretation = [&](const Interpretation& in) {
    keep([&] { writer->addPredictions(lastEpoch, in, hooks.checkpointFile, lastWasBest); });
    if (given.onInterpretation) given.onInterpretation(in);
  };
  try {
    run.outcome = experiment.train(hooks);
  } catch (const Error& e) {
    live.fail(e.what());
    throw;
  }
  if (!run.outcome.notice.empty()) run.notices.push_back(run.outcome.notice);
  RunRecord record = runRecord(project, started, run.outcome);
  double seconds = 0;
  for (const EpochResult& e : run.outcome.epochs) seconds += e.seconds;
  keep([&] {
    writer->finish(record.ended, seconds);
    record.id = writer->id();
  });
  live.finish(record);
  return run;
}

std::filesystem::path requireCheckpoint(const Project& project,
                                        const std::filesystem::path& chosen,
                                        const std::string& remedy) {
  const std::filesystem::path checkpoint = chosen.empty() ? project.lastCheckpoint() : chosen;
  std::error_code ec;
  if (!std::filesystem::exists(checkpoint, ec) &&
      !std::filesystem::exists(previousCheckpoint(checkpoint), ec))
    throw Error("There is no checkpoint at " + checkpoint.string() + ": " + remedy);
  return loadableCheckpoint(checkpoint);  // the one kept before it when it is damaged
}

bool trainsWithFineTune(const Project& project) { return !project.model.pretrained.empty(); }

SchedulePlan plannedSchedule(const Project& project, int itersPerEpoch) {
  if (trainsWithFineTune(project)) {
    FineTuneOptions tuning;
    tuning.baseLr = project.train.lr;
    return fineTunePlan(project.train.epochs, itersPerEpoch, tuning);
  }
  return oneCyclePlan(project.train.epochs, itersPerEpoch,
                      OneCycleOptions{}.setLrMax(project.train.lr));
}

std::string DataSummary::sentence() const {
  std::string s = withThousands(trainItems) + " training and " + withThousands(validItems) +
                  " validation images, " + countOf((long long)classes.size(), "class", "classes");
  if (!skipped.empty())
    s += "; " + countOf((long long)skipped.size(), "file") + " left out (first: " +
         skipped.front().file + ", " + skipped.front().reason + ")";
  if (greyExpanded > 0)
    s += "; " + countOf(greyExpanded, "grey image") + " read as RGB, as the others have colour";
  if (!cleaning.sentence().empty()) s += "; " + cleaning.sentence();
  if (!aspectShapes.empty()) {
    s += "; batches in " + countOf((long long)aspectShapes.size(), "shape") +
         " by aspect ratio:";
    for (std::size_t i = 0; i < aspectShapes.size(); ++i)
      s += (i ? ", " : " ") + std::to_string(aspectShapes[i].width) + "x" +
           std::to_string(aspectShapes[i].height);
    s += " (width x height)";
  }
  return s;
}

DataSummary summarizeData(Experiment& experiment, bool measureSpeed) {
  DataSummary s;
  s.classes = experiment.classes();
  s.trainItems = experiment.trainItems();
  s.validItems = experiment.validItems();
  s.batchesPerEpoch = experiment.batchesPerEpoch();
  s.parameterCount = experiment.parameterCount();
  s.inputShape = experiment.inputShape();
  s.aspectShapes = experiment.aspectShapes();
  s.outputs = experiment.outputs();
  s.metricName = experiment.metricName();
  s.modelProblem = experiment.modelProblem();
  s.skipped = experiment.skippedFiles();
  s.greyExpanded = experiment.greyExpanded();
  s.cleaning = experiment.cleaningCounts();
  if (measureSpeed && s.modelProblem.empty()) s.secondsPerItem = experiment.secondsPerItem();
  return s;
}

}  // namespace lb
