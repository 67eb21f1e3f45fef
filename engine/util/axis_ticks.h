#pragma once
// The step between an axis's ticks, shared by the PNG plots the CLI writes.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace lb {

// 1, 2 or 5 times a power of ten, near range / 6.
inline double niceStep(double range) {
  const double raw = range / 6, magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * magnitude) return m * magnitude;
  return 10 * magnitude;
}

// A tick's label with as many decimals as the step needs ("0.25" for a step of 0.05); a value
// within rounding of zero reads "0", never "-0.00".
inline std::string tickLabel(double value, double step) {
  const int decimals = std::max(0, int(-std::floor(std::log10(step) + 1e-9)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::abs(value) < step * 1e-6 ? 0.0 : value);
  return buf;
}

}  // namespace lb
