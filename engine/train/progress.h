#pragma once
// Plain value structs the Learner reports while it trains. No torch, no Qt: the CLI prints them,
// the GUI queues them across threads, the tests inspect them.

#include <string>

namespace lb {

struct BatchProgress {
  int epoch = 0;              // 0-based epoch of this batch
  int epochs = 0;             // epochs in the fit
  int batch = 0;              // 0-based training batch within the epoch
  int batches = 0;            // training batches per epoch
  double loss = 0;            // raw loss of this batch
  double smoothLoss = 0;      // fastai's debiased moving average (beta 0.98)
  double lr = 0;              // learning rate used for this batch
  double mom = 0;             // momentum (Adam's beta1) used for this batch
  double elapsedSeconds = 0;  // since the fit started
  double secondsLeft = 0;     // estimate for the rest of the fit, validation included
  // Of several processes: the time this rank has spent since the fit started summing gradients
  // with the others, waiting for the slowest included; 0 in one process.
  double syncSeconds = 0;

  // Position in epochs with batch resolution (epoch 1.5 = half way through the second epoch).
  double epochPosition() const { return epoch + double(batch + 1) / (batches > 0 ? batches : 1); }
};

struct EpochResult {
  int epoch = 0;         // 0-based
  double trainLoss = 0;  // smoothed training loss at the end of the epoch, as fastai prints it
  double validLoss = 0;  // mean over validation items
  // The project's metric over the validation set, as fastai names it: "accuracy" (categories),
  // "accuracy_multi" (multi-label) or "mae" (regression; lower is better).
  std::string metricName = "accuracy";
  double metric = 0;
  double seconds = 0;    // wall time of the epoch, validation included
  bool metricLowerIsBetter = false;  // as the metric itself says (mae: true)
};

// How long `epochs` epochs of `trainItems` training and `validItems` validation items take at
// `secondsPerItem` for a training step (engine/train/time_estimate.h measures it). Validation is
// a forward pass only, about a third of a training step (forward + backward is roughly three
// forwards).
inline double estimateFitSeconds(double secondsPerItem, long trainItems, long validItems,
                                 int epochs) {
  return secondsPerItem * (double(trainItems) + double(validItems) / 3.0) *
         (epochs > 0 ? epochs : 0);
}

}  // namespace lb
