#pragma once
// Classroom pacing of a fit: stepping (the fit holds before every training batch until a step is
// granted, so each click trains exactly one batch of the planned schedule) and slow motion (at
// most N training batches a second). PaceControl is the torch-free switchboard another thread
// sets; BatchPace is the callback that obeys it and, for a granted step, reports the batch:
// its images, the model's predictions and the batch's loss before and after the step.
// Validation batches are never held or slowed. GUI-free; the Experiment adds it when
// TrainingHooks::pace is set.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "engine/core/image8.h"

namespace lb {

// Set from any thread, read before every training batch.
struct PaceControl {
  // Training batches a second at most; 0 is full speed. Ignored while stepping.
  std::atomic<double> batchesPerSecond{0};
  // Hold before every training batch until a step is granted.
  std::atomic<bool> stepping{false};
  // Batches that may still pass while stepping: one per Step click.
  std::atomic<int> stepsGranted{0};
  void grantStep() { ++stepsGranted; }
};

// One stepped batch, as the Step view shows it. Class indices and probabilities are filled for
// category targets only (the loss for every target).
struct BatchStepReport {
  long step = 0;    // training batches of this fit done, this one included (1 = the first)
  long steps = 0;   // training batches the fit plans
  int epoch = 0;    // 0-based
  int epochs = 0;
  int batch = 0;    // 0-based, within the epoch
  int batches = 0;  // per epoch
  double lr = 0, mom = 0;  // what the schedule set for this batch (the last group's lr)
  double lossBefore = 0;   // the batch's loss, the one the step was taken on
  double lossAfter = 0;    // the same batch's loss with the weights after the step
  std::vector<Image8> images;  // the batch's first images (up to BatchPace's limit)
  std::vector<int> actual, predictedBefore, predictedAfter;  // one per image
  std::vector<float> probabilityBefore, probabilityAfter;    // of the predicted class

  double schedulePosition() const { return steps > 0 ? double(step) / double(steps) : 0.0; }
};

// Where `position` (0..1 of the fit's training batches) falls in fastai's one-cycle schedule
// with warm-up fraction `pctStart`, in words: "warming up: the learning rate rises" or
// "annealing: the learning rate falls".
std::string oneCyclePhase(double position, double pctStart = 0.25);

}  // namespace lb
