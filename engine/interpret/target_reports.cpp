#include "engine/interpret/target_reports.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/util/error.h"

namespace lb {

LabelMetrics labelMetrics(const LabelScores& label, double threshold) {
  LabelMetrics m;
  const std::size_t n = std::min(label.probabilities.size(), label.targets.size());
  for (std::size_t i = 0; i < n; ++i) {
    const bool predicted = label.probabilities[i] > threshold, actual = label.targets[i] != 0;
    if (predicted && actual) ++m.truePositives;
    else if (predicted) ++m.falsePositives;
    else if (actual) ++m.falseNegatives;
    else ++m.trueNegatives;
  }
  const auto ratio = [](long a, long b) { return b > 0 ? double(a) / double(b) : 0.0; };
  m.accuracy = ratio(m.truePositives + m.trueNegatives, long(n));
  m.precision = ratio(m.truePositives, m.truePositives + m.falsePositives);
  m.recall = ratio(m.truePositives, m.truePositives + m.falseNegatives);
  m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0.0;
  return m;
}

double accuracyMulti(const MultiLabelReport& report, double threshold) {
  long right = 0, pairs = 0;
  for (const LabelScores& label : report.labels) {
    const LabelMetrics m = labelMetrics(label, threshold);
    right += m.truePositives + m.trueNegatives;
    pairs += m.truePositives + m.trueNegatives + m.falsePositives + m.falseNegatives;
  }
  return pairs > 0 ? double(right) / double(pairs) : 0.0;
}

std::vector<double> thresholdGrid() {
  std::vector<double> grid;
  for (int i = 1; i <= 19; ++i) grid.push_back(i * 5 / 100.0);  // exact to the last digit shown
  return grid;
}

namespace {
// The grid's first threshold where score() is largest.
template <typename Score>
double bestOnGrid(Score score) {
  double best = 0.5, bestScore = -1;
  for (double t : thresholdGrid()) {
    const double s = score(t);
    if (s > bestScore) best = t, bestScore = s;
  }
  return best;
}
}  // namespace

double bestLabelThreshold(const LabelScores& label) {
  return bestOnGrid([&](double t) { return labelMetrics(label, t).f1; });
}

double bestThreshold(const MultiLabelReport& report) {
  return bestOnGrid([&](double t) { return accuracyMulti(report, t); });
}

RegressionReport regressionReport(std::vector<double> predicted, std::vector<double> actual, int k) {
  if (predicted.size() != actual.size())
    throw Error("The predictions and the actual values differ in length: they cannot be compared.");
  if (k < 0) throw Error("The number of worst residuals must not be negative.");
  RegressionReport r;
  const std::size_t n = actual.size();
  if (n > 0) {
    const double mean = std::accumulate(actual.begin(), actual.end(), 0.0) / double(n);
    double absSum = 0, sqSum = 0, total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double d = predicted[i] - actual[i];
      absSum += std::abs(d);
      sqSum += d * d;
      total += (actual[i] - mean) * (actual[i] - mean);
    }
    r.mae = absSum / double(n);
    r.rmse = std::sqrt(sqSum / double(n));
    r.r2 = total > 0 ? 1 - sqSum / total : (sqSum == 0 ? 1.0 : 0.0);
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  const std::size_t kept = std::min(n, std::size_t(k));
  const auto residual = [&](std::size_t i) { return std::abs(predicted[i] - actual[i]); };
  std::partial_sort(order.begin(), order.begin() + long(kept), order.end(),
                    [&](std::size_t a, std::size_t b) {
                      return residual(a) != residual(b) ? residual(a) > residual(b) : a < b;
                    });
  for (std::size_t j = 0; j < kept; ++j)
    r.worst.push_back({long(order[j]), predicted[order[j]], actual[order[j]]});
  r.predicted = std::move(predicted);
  r.actual = std::move(actual);
  return r;
}

}  // namespace lb
