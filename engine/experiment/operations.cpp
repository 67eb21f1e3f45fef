#include "engine/experiment/operations.h"

#include <system_error>

#include "engine/models/model_summary.h"
#include "engine/util/error.h"
#include "engine/util/thousands.h"

namespace lb {

RecordedRun trainAndRecord(Experiment& experiment, TrainingHooks hooks) {
  const Project& project = experiment.project();
  if (hooks.checkpointFile.empty()) hooks.checkpointFile = project.lastCheckpoint();
  const std::string started = localTimeNow();
  RecordedRun run;
  run.outcome = experiment.train(hooks);
  if (!run.outcome.notice.empty()) run.notices.push_back(run.outcome.notice);
  std::error_code ec;
  if (!project.file.empty() && std::filesystem::is_regular_file(project.file, ec)) {
    try {
      appendRun(project.file, runRecord(project, started, run.outcome));
    } catch (const Error& e) {
      run.notices.push_back(std::string("The run was not recorded in the project: ") + e.what());
    }
  }
  return run;
}

std::filesystem::path requireCheckpoint(const Project& project,
                                        const std::filesystem::path& chosen,
                                        const std::string& remedy) {
  const std::filesystem::path checkpoint = chosen.empty() ? project.lastCheckpoint() : chosen;
  std::error_code ec;
  if (!std::filesystem::exists(checkpoint, ec))
    throw Error("There is no checkpoint at " + checkpoint.string() + ": " + remedy);
  return checkpoint;
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
  s.outputs = experiment.outputs();
  s.metricName = experiment.metricName();
  s.modelProblem = experiment.modelProblem();
  if (measureSpeed && s.modelProblem.empty()) s.secondsPerItem = experiment.secondsPerItem();
  return s;
}

}  // namespace lb
  s.skipped = experiment.skippedFiles();
  s.greyExpanded = experiment.greyExpanded();
