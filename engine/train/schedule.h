#pragma once
// fastai's hyper-parameter schedules as pure functions of the position p in [0, 1] over all
// training batches of a fit (batch i of T has p = i / T). See FASTAI_NOTES.md, "Schedules".
// A SchedulePlan strings one-cycle fits together as a Learner runs them (fine_tune runs two),
// so the CLI's `schedule` and the window's schedule plot show what training will really do.
#include <vector>

namespace lb {

double annealCos(double start, double end, double pos);
double annealExp(double start, double end, double pos);

struct OneCycleOptions {
  double lrMax = 1e-3;
  double div = 25.0;        // starting lr = lrMax / div
  double divFinal = 1e5;    // final lr = lrMax / divFinal
  double pctStart = 0.25;   // fraction of the fit spent warming up
  double momHigh = 0.95;    // momentum at both ends
  double momLow = 0.85;     // momentum at the peak lr

  OneCycleOptions& setLrMax(double v) { lrMax = v; return *this; }
  OneCycleOptions& setDiv(double v) { div = v; return *this; }
  OneCycleOptions& setDivFinal(double v) { divFinal = v; return *this; }
  OneCycleOptions& setPctStart(double v) { pctStart = v; return *this; }
};

struct FlatCosOptions {
  double lr = 1e-3;
  double divFinal = 1e5;
  double pctStart = 0.75;  // fraction at constant lr before the cosine decay
};

struct ScheduleValue {
  double lr = 0;
  double mom = 0;
};

// fastai's combined cosine schedule: cos(a -> b) over [0, pct], cos(b -> c) over [pct, 1].
double combinedCos(double pct, double a, double b, double c, double pos);

ScheduleValue oneCycleAt(const OneCycleOptions& options, double pos);
// Flat-cos schedules only the lr; momentum stays at `mom` (the optimizer's own value).
ScheduleValue flatCosAt(const FlatCosOptions& options, double pos, double mom = 0.9);

// fastai's fine_tune(epochs, base_lr): freezeEpochs of one cycle on the head with the body
// frozen, then epochs of one cycle on every layer at discriminative learning rates.
struct FineTuneOptions {
  double baseLr = 2e-3;
  int freezeEpochs = 1;
  double lrMult = 100;
  double pctStart = 0.3;
  double div = 5.0;
};

// The two cycles of fine_tune as fastai computes them: the frozen one reaches baseLr (pct_start
// 0.99); the unfrozen one reaches baseLr / 2 for the head and baseLr / 2 / lrMult for the body.
struct FineTuneCycles {
  OneCycleOptions frozen;
  OneCycleOptions unfrozen;  // lrMax is the head's
  double unfrozenBodyLr = 0;
};
FineTuneCycles fineTuneCycles(const FineTuneOptions& options);

// A planned fit as consecutive phases of one cycle each, itersPerEpoch batches an epoch. The
// learning rate it gives is the head's (the last parameter group's), as fastai's recorder shows.
struct SchedulePlan {
  struct Phase {
    int epochs = 1;
    OneCycleOptions cycle;
    bool bodyFrozen = false;
  };
  std::vector<Phase> phases;
  int itersPerEpoch = 1;

  int epochs() const;              // of all phases
  long long iterations() const;    // epochs() * itersPerEpoch
  // The values at batch `iter` of the whole fit (0 .. iterations() - 1), exactly as the fit
  // computes them: batch i of a phase of T batches is at p = i / T.
  ScheduleValue atIteration(long long iter) const;
  // The values `epochs` into the fit (1.5 = half way through the second epoch), for plots.
  ScheduleValue at(double epochs) const;
};
// fastai's fit_one_cycle(epochs) as a plan.
SchedulePlan oneCyclePlan(int epochs, int itersPerEpoch, const OneCycleOptions& options);
// fastai's fine_tune(epochs): options.freezeEpochs + epochs epochs in all.
SchedulePlan fineTunePlan(int epochs, int itersPerEpoch, const FineTuneOptions& options);

}  // namespace lb
