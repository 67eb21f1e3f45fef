#pragma once
// The steps around the engine that both front ends take, written once: train a project and
// record the run, find the checkpoint a command reads, plan the schedule a fit will follow, and
// say what a project's data holds. The window's worker and the CLI call these and only turn
// their results into widgets or text. Torch-free, like experiment.h.
#include <filesystem>
#include <string>
#include <vector>

#include "engine/experiment/experiment.h"
#include "engine/train/schedule.h"

namespace lb {

// What one training run ended with, and what to tell the user besides its epochs.
struct RecordedRun {
  TrainingOutcome outcome;
  // Sentences about what the run could not do as asked (mixed precision without a CUDA GPU,
  // a project file that could not take the run's record), in the order they happened.
  std::vector<std::string> notices;
};

// Trains `experiment` with `hooks` on the calling thread, holding the project's TrainingLock
// (engine/project/training_guard.h: a second training of it throws lb::Error at once, naming the
// process that holds it) and recording the run in the project file from its start and after
// every epoch (LiveRunRecord) (a checkpoint after every epoch at the
// project's lastCheckpoint() unless hooks.checkpointFile names another), keeps the run's files
// in runs/<id>/ (engine/project/run_store.h: every batch, every epoch, every epoch's validation
// predictions, its checkpoints), then appends the run to the project's file when that file
// exists (the built-in example's runs have none). Throws
// what Experiment::train throws: lb::Error with a sentence. A project file that cannot take the
// record is a notice, not an error: the run and its checkpoint are kept.
RecordedRun trainAndRecord(Experiment& experiment, TrainingHooks hooks);

// What the user can do when a checkpoint is missing; the CLI names its own commands instead.
inline constexpr const char* kTrainFirst = "train the project first, or name another checkpoint.";

// The checkpoint a command reads: `chosen` when one is named, else the project's last one (the
// one kept before it when that one is damaged: engine/train/checkpoint.h loadableCheckpoint).
// Throws lb::Error "There is no checkpoint at PATH: <remedy>" when that file does not exist, or
// a sentence saying it is damaged.
std::filesystem::path requireCheckpoint(const Project& project,
                                        const std::filesystem::path& chosen = {},
                                        const std::string& remedy = kTrainFirst);

// True when training starts from model.pretrained and so runs fastai's fine_tune.
bool trainsWithFineTune(const Project& project);

// The learning rate and momentum of every batch of the project's next fit, itersPerEpoch
// batches an epoch: fastai's one-cycle at train.lr, or fine_tune's two cycles (one frozen
// epoch, then train.epochs) when the model starts from a pretrained body. What `train` runs.
SchedulePlan plannedSchedule(const Project& project, int itersPerEpoch);

// What a loaded project's data holds and what the model makes of it.
struct DataSummary {
  std::vector<std::string> classes;
  int trainItems = 0;
  int validItems = 0;
  int batchesPerEpoch = 0;
  long long parameterCount = 0;
  ImageShape inputShape;   // one item as the model sees it
  std::vector<ImageShape> aspectShapes;  // the batches' shapes when grouped by aspect ratio
  int outputs = 0;         // what the model must output: classes, labels, or 1 for regression
  std::string metricName;  // accuracy, accuracy_multi or mae
  // Why the model cannot be built on this data (the data itself loaded); empty when it can.
  std::string modelProblem;
  // One training image's cost with this model on this machine; 0 when not measured.
  double secondsPerItem = 0;
  std::vector<SkippedFile> skipped;  // files left out of both splits, with the reason
  int greyExpanded = 0;              // grey images expanded to RGB, the others having colour
  OverrideCounts cleaning;           // what the cleaning decisions changed (cleaning_journal.h)

  // "60,000 training and 10,000 validation images, 10 classes", then what was left out and
  // expanded: "; 2 files left out (first: a/1.png, an empty file); 3 grey images read as RGB, ...",
  // and the shapes of batches grouped by aspect ratio: "; batches in 2 shapes by aspect ratio:
  // 44x24, 24x44 (width x height)".
  std::string sentence() const;
};

// The summary of `experiment`'s data; with `measureSpeed` (and a model that builds) it also
// times one training item (Experiment::secondsPerItem, a second or so).
DataSummary summarizeData(Experiment& experiment, bool measureSpeed);

}  // namespace lb
