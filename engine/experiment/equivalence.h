#pragma once
// The equivalence check of data-parallel training (learnbench-cli equivalence, the Train page's
// Equivalence check): the loss of the first steps of a fit, and how far two such loss curves are
// apart, in one sentence. N processes at batch B and one process at batch N x B, started from the
// same weights, should follow the same curve: gradients averaged over the ranks are the whole
// batch's. BatchNorm and dropout, which see each process's share alone, move them apart a little.
// Torch-free, like experiment.h.
#include <atomic>
#include <string>
#include <vector>

#include "engine/experiment/experiment.h"

namespace lb {

inline constexpr int kDefaultEquivalenceSteps = 20;
inline constexpr int kMaxEquivalenceSteps = 10000;

// Trains `experiment` (one process, or one rank of a group: every rank must ask for the same
// `steps`) for its first `steps` batches of the project's planned fit and returns each batch's
// loss (the whole batch's, summed over the ranks). Writes no checkpoint and records nothing.
// Fewer losses when the fit has fewer batches or `stop` turns true. Throws what
// Experiment::train throws.
std::vector<double> firstStepLosses(Experiment& experiment, int steps,
                                    const std::atomic<bool>* stop = nullptr);

struct LossComparison {
  int steps = 0;                   // compared: the shorter curve's length
  double largestDifference = 0;    // largest |one - many| over the steps
  double largestRelative = 0;      // that difference over the loss of one process there
  std::string sentence;            // how far apart, and what that means
};

// Compares the curve of one process with the curve of `processes` processes, step by step.
LossComparison compareLosses(const std::vector<double>& one, const std::vector<double>& many,
                             int processes);

}  // namespace lb
