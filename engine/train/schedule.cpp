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

FineTuneCycles fineTuneCycles(const FineTuneOptions& o) {
  FineTuneCycles c;
  c.frozen = OneCycleOptions{}.setLrMax(o.baseLr).setPctStart(0.99);
  const double baseLr = o.baseLr / 2;  // fastai halves base_lr after the frozen epochs
  c.unfrozen = OneCycleOptions{}.setLrMax(baseLr).setPctStart(o.pctStart).setDiv(o.div);
  c.unfrozenBodyLr = baseLr / o.lrMult;
  return c;
}

int SchedulePlan::epochs() const {
  int n = 0;
  for (const Phase& p : phases) n += p.epochs;
  return n;
}

long long SchedulePlan::iterations() const { return (long long)epochs() * itersPerEpoch; }

ScheduleValue SchedulePlan::atIteration(long long iter) const {
  long long start = 0;
  for (std::size_t k = 0; k < phases.size(); ++k) {
    const long long length = (long long)phases[k].epochs * itersPerEpoch;
    if (iter < start + length || k + 1 == phases.size())
      return oneCycleAt(phases[k].cycle, double(iter - start) / double(length));
    start += length;
  }
  return {};
}

ScheduleValue SchedulePlan::at(double epochs) const {
  double start = 0;
  for (std::size_t k = 0; k < phases.size(); ++k) {
    if (epochs < start + phases[k].epochs || k + 1 == phases.size())
      return oneCycleAt(phases[k].cycle, (epochs - start) / phases[k].epochs);
    start += phases[k].epochs;
  }
  return {};
}

SchedulePlan oneCyclePlan(int epochs, int itersPerEpoch, const OneCycleOptions& options) {
  return {{{epochs, options, false}}, itersPerEpoch};
}

SchedulePlan fineTunePlan(int epochs, int itersPerEpoch, const FineTuneOptions& options) {
  const FineTuneCycles c = fineTuneCycles(options);
  return {{{options.freezeEpochs, c.frozen, true}, {epochs, c.unfrozen, false}}, itersPerEpoch};
}

}  // namespace lb
