#pragma once
// The value types of fastai's learning-rate finder (FASTAI_NOTES.md, "LR finder"): its options,
// the points of a sweep and the four suggestions. Free of torch and Qt, so the Experiment facade,
// the CLI and the GUI can hold them without compiling LibTorch.
#include <cmath>
#include <vector>

namespace lb {

struct LrFinderOptions {
  double startLr = 1e-7;
  double endLr = 10;
  static constexpr int kMinIterations = 6, kMaxIterations = 100000;
  int numIt = 100;     // batches in a full sweep (kMinIterations to kMaxIterations)
  bool stopDiv = true;  // stop once the smoothed loss exceeds 4 x the best one
};

struct LrFindPoint {
  int iter = 0;           // 0-based training batch of the sweep
  double lr = 0;          // lr used for that batch
  double loss = 0;        // raw loss of the batch
  double smoothLoss = 0;  // the Recorder's smoothed loss after the batch
};

// One suggested lr. `loss` is the curve's (smoothed) loss at the marked point and `index` that
// point's index in the trimmed curve; a curve too short for the method gives index -1, lr NaN.
struct Suggestion {
  double lr = std::nan("");
  double loss = std::nan("");
  int index = -1;
  bool valid() const { return index >= 0; }
};

struct Suggestions {
  Suggestion valley, slide, minimum, steep;
};

struct LrFindResult {
  std::vector<LrFindPoint> points;  // every recorded point, before any trimming
  Suggestions suggestions;
};

}  // namespace lb
