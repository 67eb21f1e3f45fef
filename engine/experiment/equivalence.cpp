#include "engine/experiment/equivalence.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace lb {

namespace {
// Below this the curves are the same up to float rounding (summing in another order).
constexpr double kSameRelative = 1e-4;
// Below this they are close: what per-process BatchNorm statistics and dropout give.
constexpr double kCloseRelative = 0.05;

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2g", v);
  return buf;
}
}  // namespace

std::vector<double> firstStepLosses(Experiment& experiment, int steps,
                                    const std::atomic<bool>* stop) {
  std::vector<double> losses;
  std::atomic<bool> enough{false};
  TrainingHooks hooks;
  // Set on every rank at the same batch, so all of them end the fit there together.
  hooks.stopRequested = &enough;
  hooks.onBatch = [&](const BatchProgress& b) {
    losses.push_back(b.loss);
    if (int(losses.size()) >= steps || (stop && stop->load())) enough = true;
  };
  if (steps > 0) experiment.train(hooks);
  return losses;
}

LossComparison compareLosses(const std::vector<double>& one, const std::vector<double>& many,
                             int processes) {
  LossComparison c;
  c.steps = int(std::min(one.size(), many.size()));
  for (int i = 0; i < c.steps; ++i) {
    const double d = std::abs(one[std::size_t(i)] - many[std::size_t(i)]);
    if (!(d <= c.largestDifference)) {  // a NaN counts as the largest
      c.largestDifference = d;
      c.largestRelative = d / std::max(std::abs(one[std::size_t(i)]), 1e-12);
    }
  }
  const std::string n = std::to_string(processes) + " processes";
  if (c.steps == 0) {
    c.sentence = "No training step ran, so there is nothing to compare: the data has no whole batch "
                 "at this batch size.";
    return c;
  }
  const std::string apart = "Over " + std::to_string(c.steps) +
                            " steps the two loss curves differ by at most " +
                            number(c.largestDifference) + " (" +
                            number(100 * c.largestRelative) + "% of the loss)";
  if (c.largestRelative <= kSameRelative)
    c.sentence = apart + ": " + n + " train as one process with their batches together.";
  else if (c.largestRelative <= kCloseRelative)
    c.sentence = apart + ": close; BatchNorm and dropout see each process's own share of the "
                         "batch, which moves the curves apart a little.";
  else
    c.sentence = apart + ": far apart, more than BatchNorm or dropout explain; check that every "
                         "process reads the same data.";
  return c;
}

}  // namespace lb
