#pragma once
// The step between an axis's ticks, shared by the PNG plots the CLI writes.
#include <cmath>

namespace lb {

// 1, 2 or 5 times a power of ten, near range / 6.
inline double niceStep(double range) {
  const double raw = range / 6, magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * magnitude) return m * magnitude;
  return 10 * magnitude;
}

}  // namespace lb
