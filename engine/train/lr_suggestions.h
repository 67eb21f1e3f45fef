#pragma once
// fastai's four learning-rate suggestions (valley, slide, minimum, steep) as pure functions over
// a sweep's curve, and the trimming fastai applies before suggesting (FASTAI_NOTES.md, "LR
// finder"; details as in fastai/callback/schedule.py). Like fastai, they read the smoothed losses.
// Requires: lrs and losses of equal length, lrs increasing. Throws nothing; a curve too short for
// a method gives an invalid Suggestion (index -1, lr NaN).
#include <vector>

#include "engine/train/lr_find_types.h"

namespace lb {

struct LrCurve {
  std::vector<double> lrs, losses;
};

// Drops the first numIt / 10 points and the last 5 (by numIt, even after an early stop), then
// everything from the first NaN loss on. Uses the smoothed losses.
LrCurve trimLrCurve(const std::vector<LrFindPoint>& points, int numIt);

// numpy.gradient with unit spacing: central differences inside, one-sided at the ends.
std::vector<double> numericalGradient(const std::vector<double>& y);

// Middle of the longest strictly decreasing run (not necessarily contiguous): index
// start + L/3 + L/6 with start = end - L, as fastai computes it (start may be -1, and a negative
// index counts from the end, as Python's does).
Suggestion suggestValley(const std::vector<double>& lrs, const std::vector<double>& losses);
// Slides a window of `window` points left from the end while the loss gradients at its ends
// differ by more than `thresh`; needs window + 1 points.
Suggestion suggestSlide(const std::vector<double>& lrs, const std::vector<double>& losses,
                        int window = 15, double thresh = 0.005);
// A tenth of the lr at the lowest loss; index and loss mark the lowest point itself.
Suggestion suggestMinimum(const std::vector<double>& lrs, const std::vector<double>& losses);
// The lr where the loss falls fastest against ln(lr); needs 2 points.
Suggestion suggestSteep(const std::vector<double>& lrs, const std::vector<double>& losses);

// All four, on the trimmed curve.
Suggestions suggestLearningRates(const std::vector<LrFindPoint>& points, int numIt);

}  // namespace lb
