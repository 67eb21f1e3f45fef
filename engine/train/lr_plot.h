#pragma once
// Files from an LR find, for the CLI and the GUI: the curve as a PNG (smoothed loss against lr on
// a log axis, without the last 5 points as fastai's plot, the four suggestions marked and
// labelled) and every recorded point as CSV. Both are written to a temporary name beside the
// target and renamed, so a failure never leaves a half-written file. Torch-free.
// Throws lb::Error with a sentence when the file cannot be written.
#include <filesystem>
#include <string>

#include "engine/train/lr_find_types.h"

namespace lb {

// 1000 x 650 px. numIt is the sweep's, to place the markers on the trimmed curve.
void writeLrFindPlot(const LrFindResult& result, int numIt, const std::filesystem::path& png);

// Header iteration,lr,loss,smooth_loss, then every point before any trimming.
void writeLrFindCsv(const LrFindResult& result, const std::filesystem::path& csv);

// Two significant digits, short exponent: 0.00209 -> "2.1e-3"; "n/a" for NaN.
std::string formatLr(double lr);

}  // namespace lb
