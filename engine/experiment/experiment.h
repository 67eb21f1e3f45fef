#pragma once
// Experiment: the data, model and Learner a Project describes, behind a header free of torch so
// the GUI and the CLI can hold one without compiling LibTorch. The constructor loads the data
// (throws lb::Error with a sentence when it cannot); train() runs fastai's one-cycle fit (its
// fine_tune when model.pretrained gave the body its weights) on the calling thread, sets that
// thread's intra-op thread count, and reports through the hooks.
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/image_shape.h"
#include "engine/data/data_block.h"
#include "engine/data/item_overrides.h"
#include "engine/interpret/interpret_types.h"
#include "engine/project/project.h"
#include "engine/train/batch_pace.h"
#include "engine/train/lr_find_types.h"
#include "engine/train/progress.h"

namespace lb {

class Learner;
class DistributedGroup;

struct TrainingHooks {
  // Both are called on the training thread: keep them short (copy the struct and return).
  std::function<void(const BatchProgress&)> onBatch;  // after every training batch
  std::function<void(const EpochResult&)> onEpoch;    // after every epoch's validation
  // Read before every batch; when it turns true the fit ends within one batch.
  const std::atomic<bool>* stopRequested = nullptr;
  // While it is true the fit waits before its next batch (a stop still ends it).
  const std::atomic<bool>* pauseRequested = nullptr;
  // When set, called after every epoch (after onEpoch) with what interpret() tells of the model
  // as it is then: the `interpretTopLosses` largest losses and the confusion matrix, made from
  // the epoch's own validation pass. Called on the training thread.
  std::function<void(const Interpretation&)> onInterpretation;
  int interpretTopLosses = kDefaultTopLosses;
  // When set, a checkpoint is written there after every epoch (atomically).
  std::filesystem::path checkpointFile;
  // Continue the fit from checkpointFile, with the schedule where it stopped.
  bool resume = false;
  // Classroom pacing (stepping, slow motion), read before every training batch; onStep hears
  // of every stepped batch (engine/train/batch_pace.h). Called on the training thread.
  PaceControl* pace = nullptr;
  std::function<void(const BatchStepReport&)> onStep;
};

struct TrainingOutcome {
  std::vector<EpochResult> epochs;  // epochs completed by this call (not those resumed from)
  int resumedFrom = 0;              // epochs already done in the checkpoint resumed from
  bool stopped = false;             // true when stopRequested ended the fit early
  std::string stopReason;           // why the engine itself ended it early (a NaN loss), in words
  std::string notice;               // something the user asked for that this machine cannot do
};

class Experiment {
 public:
  explicit Experiment(Project project);
  // One rank of a data-parallel training (engine/train/distributed.h): this rank's share of
  // every epoch's data (engine/data/sharded_loader.h); train() keeps the ranks in step
  // (engine/train/data_parallel.h) and only rank 0 writes checkpoints. The batch size is per rank.
  Experiment(Project project, std::shared_ptr<DistributedGroup> group);
  ~Experiment();
  Experiment(const Experiment&) = delete;
  Experiment& operator=(const Experiment&) = delete;

  const Project& project() const;
  // Why the model cannot be built on this data, in a sentence; empty when it was. The data's
  // figures below still answer; train(), findLearningRate(), interpret() and secondsPerItem()
  // throw lb::Error with this sentence.
  const std::string& modelProblem() const;
  const std::vector<std::string>& classes() const;
  int trainItems() const;
  int validItems() const;
  // The files the data block left out of both splits (unreadable, missing, unlabelled, named
  // twice), with the reason: accuracy, losses and the confusion matrix leave them out too.
  const std::vector<SkippedFile>& skippedFiles() const;
  // Grey images expanded to RGB because others in the data have colour (0 when none were).
  int greyExpanded() const;
  // What the project's cleaning decisions changed in its data (engine/project/cleaning_journal.h).
  OverrideCounts cleaningCounts() const;
  int batchesPerEpoch() const;
  long long parameterCount() const;
  ImageShape inputShape() const;  // one item as the model sees it
  // The training batches' shapes when the data block groups by aspect ratio; empty otherwise.
  std::vector<ImageShape> aspectShapes() const;
  int outputs() const;            // the model's outputs: classes, labels, or 1 for regression
  // The metric each epoch reports, as fastai names it: accuracy, accuracy_multi or mae.
  std::string metricName() const;
  // One training item's cost on this machine, measured with the real model on random inputs
  // (engine/train/time_estimate.h); the model comes back as it was.
  double secondsPerItem();

  TrainingOutcome train(const TrainingHooks& hooks = {});

  // fastai's lr_find on this experiment's model and data, on the calling thread; the model and
  // optimizer come back exactly as they were. `stop` and `onPoint` as for train()'s hooks.
  LrFindResult findLearningRate(const LrFinderOptions& options = {},
                                const std::atomic<bool>* stop = nullptr,
                                std::function<void(const LrFindPoint&)> onPoint = {});

  // fastai's ClassificationInterpretation over the validation set, on the calling thread: the
  // k largest losses with their images and Grad-CAM maps, the confusion counts and the most
  // confused pairs. With a checkpoint, its model weights replace this experiment's first (they
  // stay loaded); throws lb::Error when it is missing or does not fit the model. `filter` picks
  // which items the top losses come from (a confusion-matrix cell). Multi-label and regression
  // projects get their own reports instead (Interpretation::target says which); k is then the
  // number of worst residuals.
  Interpretation interpret(int k, const std::filesystem::path& checkpoint = {},
                           const ItemFilter& filter = {});

  // The validation items at `indices` as loaded, for views of stored predictions (a replay).
  // Throws lb::Error for an index outside the validation set.
  std::vector<Image8> validImages(const std::vector<long>& indices);
  // Grad-CAM of validation item `index` for class `classIndex`, with the weights of
  // `checkpoint` (they stay loaded). Throws lb::Error when the checkpoint is missing, damaged
  // or does not fit the model, or the index is outside the validation set.
  HeatMap gradCamOf(long index, int classIndex, const std::filesystem::path& checkpoint);

 private:
  // The validation items' file names added, when the data block knows them.
  Interpretation withValidNames(Interpretation in) const;
  Learner& learner();  // throws lb::Error with modelProblem() when there is none

  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The project history's record of a run that began at `started` (localTimeNow()) and ended with
// `outcome`: the settings, how it ended ("finished", "stopped" or the engine's reason) and its
// epochs. The CLI and the window both record runs through it.
RunRecord runRecord(const Project& project, std::string started, const TrainingOutcome& outcome);

}  // namespace lb
