// fastai's schedules against their formulas (FASTAI_NOTES.md, "Schedules").
#include <QtTest/QtTest>

#include <cmath>
#include <numbers>

#include "common/test_support.h"
#include "engine/train/schedule.h"

using namespace lb;

class TestSchedule : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void cosineEndsAndMiddle() {
    LB_COMPARE_NEAR(annealCos(1.0, 3.0, 0.0), 1.0, 1e-12);
    LB_COMPARE_NEAR(annealCos(1.0, 3.0, 1.0), 3.0, 1e-12);
    LB_COMPARE_NEAR(annealCos(1.0, 3.0, 0.5), 2.0, 1e-12);
    LB_COMPARE_NEAR(annealExp(1e-7, 10.0, 0.5), std::sqrt(1e-6), 1e-12);
  }

  // The check in FASTAI_NOTES: lr_max 1e-2 over 20 batches.
  void oneCycleStartPeakEnd() {
    OneCycleOptions o;
    o.lrMax = 1e-2;
    const int total = 20;
    LB_COMPARE_NEAR(oneCycleAt(o, 0.0).lr, 4e-4, 1e-12);
    LB_COMPARE_NEAR(oneCycleAt(o, 5.0 / total).lr, 1e-2, 1e-12);
    LB_COMPARE_NEAR(oneCycleAt(o, 1.0).lr, 1e-7, 1e-9);
    LB_COMPARE_NEAR(oneCycleAt(o, 0.0).mom, 0.95, 1e-12);
    LB_COMPARE_NEAR(oneCycleAt(o, 0.25).mom, 0.85, 1e-12);
    LB_COMPARE_NEAR(oneCycleAt(o, 1.0).mom, 0.95, 1e-12);
    // The lr rises strictly to the peak, then falls strictly.
    for (int i = 1; i < total; ++i) {
      const double prev = oneCycleAt(o, double(i - 1) / total).lr;
      const double cur = oneCycleAt(o, double(i) / total).lr;
      if (i <= 5) QVERIFY2(cur > prev, qPrintable(QString::number(i)));
      else QVERIFY2(cur < prev, qPrintable(QString::number(i)));
    }
  }

  void oneCycleMatchesFormula_data() {
    QTest::addColumn<double>("pos");
    QTest::addColumn<double>("pctStart");
    for (double pct : {0.25, 0.3, 0.5, 0.99})
      for (double pos : {0.0, 0.01, 0.1, 0.2, 0.25, 0.3, 0.42, 0.5, 0.75, 0.9, 0.999})
        QTest::addRow("p=%g pct=%g", pos, pct) << pos << pct;
  }
  void oneCycleMatchesFormula() {
    QFETCH(double, pos);
    QFETCH(double, pctStart);
    OneCycleOptions o;
    o.lrMax = 3e-3;
    o.pctStart = pctStart;
    // Written out independently of the implementation.
    auto cosine = [](double a, double b, double p) {
      return a + (1 + std::cos(std::numbers::pi * (1 - p))) * (b - a) / 2;
    };
    double lr, mom;
    if (pos < pctStart) {
      lr = cosine(3e-3 / 25, 3e-3, pos / pctStart);
      mom = cosine(0.95, 0.85, pos / pctStart);
    } else {
      lr = cosine(3e-3, 3e-3 / 1e5, (pos - pctStart) / (1 - pctStart));
      mom = cosine(0.85, 0.95, (pos - pctStart) / (1 - pctStart));
    }
    LB_COMPARE_NEAR(oneCycleAt(o, pos).lr, lr, 1e-12);
    LB_COMPARE_NEAR(oneCycleAt(o, pos).mom, mom, 1e-12);
  }

  void flatCosIsFlatThenDecays() {
    FlatCosOptions o;
    o.lr = 1e-3;
    LB_COMPARE_NEAR(flatCosAt(o, 0.0).lr, 1e-3, 1e-12);
    LB_COMPARE_NEAR(flatCosAt(o, 0.7).lr, 1e-3, 1e-12);
    LB_COMPARE_NEAR(flatCosAt(o, 0.875).lr, (1e-3 + 1e-8) / 2, 1e-9);
    LB_COMPARE_NEAR(flatCosAt(o, 1.0).lr, 1e-8, 1e-9);
    LB_COMPARE_NEAR(flatCosAt(o, 0.9, 0.9).mom, 0.9, 1e-12);
  }

  void zeroWidthWarmUpStartsAtThePeak() {
    OneCycleOptions o;
    o.lrMax = 1e-2;
    o.pctStart = 0.0;
    LB_COMPARE_NEAR(oneCycleAt(o, 0.0).lr, 1e-2, 1e-12);
  }

  void oneCyclePlanIsTheFormulaBatchByBatch() {
    const OneCycleOptions o = OneCycleOptions{}.setLrMax(5e-3);
    const SchedulePlan plan = oneCyclePlan(3, 7, o);
    QCOMPARE(plan.epochs(), 3);
    QCOMPARE(plan.iterations(), 21LL);
    for (long long i = 0; i < 21; ++i) {
      QCOMPARE(plan.atIteration(i).lr, oneCycleAt(o, double(i) / 21.0).lr);
      QCOMPARE(plan.atIteration(i).mom, oneCycleAt(o, double(i) / 21.0).mom);
    }
    LB_COMPARE_NEAR(plan.at(0.75).lr, 5e-3, 1e-12);  // the peak: pct_start 0.25 of 3 epochs
  }

  void fineTunePlanHasTwoCyclesAsFastai() {
    FineTuneOptions t;
    t.baseLr = 1e-2;
    const FineTuneCycles c = fineTuneCycles(t);
    LB_COMPARE_NEAR(c.frozen.lrMax, 1e-2, 1e-15);
    LB_COMPARE_NEAR(c.frozen.pctStart, 0.99, 1e-15);
    LB_COMPARE_NEAR(c.unfrozen.lrMax, 5e-3, 1e-15);  // base_lr halved
    LB_COMPARE_NEAR(c.unfrozenBodyLr, 5e-5, 1e-15);  // and divided by lr_mult for the body
    LB_COMPARE_NEAR(c.unfrozen.div, 5.0, 1e-15);
    LB_COMPARE_NEAR(c.unfrozen.pctStart, 0.3, 1e-15);

    const SchedulePlan plan = fineTunePlan(2, 10, t);
    QCOMPARE(plan.epochs(), 3);
    QCOMPARE(plan.phases.size(), std::size_t(2));
    QVERIFY(plan.phases[0].bodyFrozen && !plan.phases[1].bodyFrozen);
    // Batch 10 starts the unfrozen cycle at its lr_max / div; batch 9 ends the frozen one.
    LB_COMPARE_NEAR(plan.atIteration(10).lr, 5e-3 / 5.0, 1e-15);
    LB_COMPARE_NEAR(plan.atIteration(9).lr, oneCycleAt(c.frozen, 0.9).lr, 1e-15);
    LB_COMPARE_NEAR(plan.at(1.0).lr, 5e-3 / 5.0, 1e-15);
    LB_COMPARE_NEAR(plan.at(1.0 + 0.3 * 2).lr, 5e-3, 1e-12);  // the second peak
  }
};

QTEST_APPLESS_MAIN(TestSchedule)
#include "tst_schedule.moc"
