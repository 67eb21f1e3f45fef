#include "engine/train/lr_suggestions.h"

#include <algorithm>
#include <cmath>

namespace lb {
namespace {

Suggestion at(const std::vector<double>& lrs, const std::vector<double>& losses, int index,
              double scale = 1.0) {
  return {lrs[std::size_t(index)] * scale, losses[std::size_t(index)], index};
}

}  // namespace

LrCurve trimLrCurve(const std::vector<LrFindPoint>& points, int numIt) {
  // Python's points[numIt // 10 : -5].
  const long size = long(points.size());
  const long begin = std::min<long>(std::max(numIt, 0) / 10, size);
  const long end = std::max<long>(size - 5, 0);
  LrCurve curve;
  for (long i = begin; i < end; ++i) {
    const LrFindPoint& p = points[std::size_t(i)];
    if (std::isnan(p.smoothLoss)) break;
    curve.lrs.push_back(p.lr);
    curve.losses.push_back(p.smoothLoss);
  }
  return curve;
}

std::vector<double> numericalGradient(const std::vector<double>& y) {
  const std::size_t n = y.size();
  std::vector<double> g(n, 0.0);
  if (n < 2) return g;
  g[0] = y[1] - y[0];
  g[n - 1] = y[n - 1] - y[n - 2];
  for (std::size_t i = 1; i + 1 < n; ++i) g[i] = (y[i + 1] - y[i - 1]) / 2;
  return g;
}

Suggestion suggestValley(const std::vector<double>& lrs, const std::vector<double>& losses) {
  const int n = int(losses.size());
  if (n == 0) return {};
  // lds[i]: length of the longest strictly decreasing subsequence ending at i.
  std::vector<int> lds(std::size_t(n), 1);
  int end = 0;
  for (int i = 1; i < n; ++i) {
    for (int j = 0; j < i; ++j)
      if (losses[i] < losses[j]) lds[i] = std::max(lds[i], lds[j] + 1);
    if (lds[i] > lds[end]) end = i;  // strictly greater: the first end with the longest run
  }
  const int length = lds[end];
  const int start = end - length;
  int index = start + length / 3 + length / 6;
  if (index < 0) index += n;  // fastai indexes a Python list here: -1 is the last point
  return at(lrs, losses, index);
}

Suggestion suggestSlide(const std::vector<double>& lrs, const std::vector<double>& losses,
                        int window, double thresh) {
  const int n = int(losses.size());
  if (window < 1 || n < window + 1) return {};
  const std::vector<double> g = numericalGradient(losses);
  int r = n - 1, l = r - window;
  // fastai keeps the left end of the last window it moved past (the first one if none).
  int chosen = l;
  while (l >= 0 && std::abs(g[r] - g[l]) > thresh) {
    chosen = l;
    --r;
    --l;
  }
  return at(lrs, losses, chosen);
}

Suggestion suggestMinimum(const std::vector<double>& lrs, const std::vector<double>& losses) {
  if (losses.empty()) return {};
  const int index = int(std::min_element(losses.begin(), losses.end()) - losses.begin());
  return at(lrs, losses, index, 0.1);
}

Suggestion suggestSteep(const std::vector<double>& lrs, const std::vector<double>& losses) {
  const int n = int(losses.size());
  if (n < 2) return {};
  int best = 0;
  double bestSlope = INFINITY;
  for (int i = 0; i + 1 < n; ++i) {
    const double slope = (losses[i + 1] - losses[i]) / (std::log(lrs[i + 1]) - std::log(lrs[i]));
    if (slope < bestSlope) {  // first of equal slopes, as argmin gives
      bestSlope = slope;
      best = i;
    }
  }
  return at(lrs, losses, best);
}

Suggestions suggestLearningRates(const std::vector<LrFindPoint>& points, int numIt) {
  const LrCurve c = trimLrCurve(points, numIt);
  return {suggestValley(c.lrs, c.losses), suggestSlide(c.lrs, c.losses),
          suggestMinimum(c.lrs, c.losses), suggestSteep(c.lrs, c.losses)};
}

}  // namespace lb
