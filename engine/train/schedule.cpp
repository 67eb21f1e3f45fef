#include "engine/train/schedule.h"

#include <cmath>
#include <numbers>

namespace lb {

double annealCos(double start, double end, double pos) {
  return start + (1.0 + std::cos(std::numbers::pi * (1.0 - pos))) * (end - start) / 2.0;
}

double annealExp(double start, double end, double pos) { return start * std::pow(end / start, pos); }

double combinedCos(double pct, double a, double b, double c, double pos) {
  // The phase holding pos is the last one starting at or before it (so p = pct belongs to the
  // second phase, and a zero-width first phase is skipped); p = 1 ends the last phase.
  if (pos >= pct) {
    const double width = 1.0 - pct;
    return annealCos(b, c, width > 0 ? (pos - pct) / width : 1.0);
  }
  return annealCos(a, b, pos / pct);
}

ScheduleValue oneCycleAt(const OneCycleOptions& o, double pos) {
  return {combinedCos(o.pctStart, o.lrMax / o.div, o.lrMax, o.lrMax / o.divFinal, pos),
          combinedCos(o.pctStart, o.momHigh, o.momLow, o.momHigh, pos)};
}

ScheduleValue flatCosAt(const FlatCosOptions& o, double pos, double mom) {
  return {combinedCos(o.pctStart, o.lr, o.lr, o.lr / o.divFinal, pos), mom};
}

}  // namespace lb
