#pragma once
// fastai's hyper-parameter schedules as pure functions of the position p in [0, 1] over all
// training batches of a fit (batch i of T has p = i / T). See FASTAI_NOTES.md, "Schedules".

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

}  // namespace lb
