// Metrics and losses on small hand-computed cases.
#include <QtTest/QtTest>

#include <cmath>

#include "common/test_support.h"
#include "engine/train/metrics.h"

using namespace lb;

namespace {
// Logits whose arg-max per row is `classes[i]`.
torch::Tensor logitsFor(const std::vector<int64_t>& classes, int numClasses) {
  auto t = torch::zeros({static_cast<int64_t>(classes.size()), numClasses});
  for (std::size_t i = 0; i < classes.size(); ++i) t[i][classes[i]] = 5.0;
  return t;
}
}  // namespace

class TestMetrics : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void accuracyAndErrorRateWeightByItems() {
    Accuracy acc;
    ErrorRate err;
    acc.reset();
    err.reset();
    // Batch 1: 3 of 4 right; batch 2: 0 of 2 right -> 3 / 6.
    auto p1 = logitsFor({0, 1, 2, 2}, 3), t1 = torch::tensor({0, 1, 2, 0}, torch::kLong);
    auto p2 = logitsFor({1, 1}, 3), t2 = torch::tensor({0, 2}, torch::kLong);
    for (Metric* m : std::vector<Metric*>{&acc, &err}) {
      m->accumulate(p1, t1);
      m->accumulate(p2, t2);
    }
    LB_COMPARE_NEAR(acc.value(), 0.5, 1e-12);
    LB_COMPARE_NEAR(err.value(), 0.5, 1e-12);
    QVERIFY(err.lowerIsBetter());
    QVERIFY(!acc.lowerIsBetter());
  }

  void topKCountsTargetsAmongTheBest() {
    TopKAccuracy top2(2);
    top2.reset();
    auto pred = torch::tensor({{3.0, 2.0, 1.0}, {3.0, 2.0, 1.0}, {1.0, 2.0, 3.0}});
    top2.accumulate(pred, torch::tensor({1, 2, 2}, torch::kLong));
    LB_COMPARE_NEAR(top2.value(), 2.0 / 3.0, 1e-12);
    QCOMPARE(top2.name(), std::string("top_2_accuracy"));
  }

  void f1MacroMatchesHandCount() {
    // targets 0 0 1 1 2, predictions 0 1 1 1 0:
    // class 0: tp 1 fp 1 fn 1 -> 0.5; class 1: tp 2 fp 1 fn 0 -> 0.8; class 2: tp 0 fn 1 -> 0.
    F1Macro f1(3);
    f1.accumulate(logitsFor({0, 1, 1, 1, 0}, 3), torch::tensor({0, 0, 1, 1, 2}, torch::kLong));
    LB_COMPARE_NEAR(f1.value(), (0.5 + 0.8 + 0.0) / 3, 1e-12);
  }

  void accuracyMultiUsesTheThreshold() {
    AccuracyMulti acc(0.5);
    acc.reset();
    auto pred = torch::tensor({{2.0, -2.0}, {0.1, 3.0}});  // sigmoid: .88 .12 / .52 .95
    auto target = torch::tensor({{1.0, 0.0}, {0.0, 1.0}});
    acc.accumulate(pred, target);
    LB_COMPARE_NEAR(acc.value(), 3.0 / 4.0, 1e-12);
    AccuracyMulti strict(0.6);
    strict.reset();
    strict.accumulate(pred, target);
    LB_COMPARE_NEAR(strict.value(), 1.0, 1e-12);
  }

  void regressionErrors() {
    MeanSquaredError mse;
    MeanAbsoluteError mae;
    mse.reset();
    mae.reset();
    auto pred = torch::tensor({{1.0}, {2.0}, {4.0}});
    auto target = torch::tensor({1.0, 3.0, 2.0});
    mse.accumulate(pred, target);
    mae.accumulate(pred, target);
    LB_COMPARE_NEAR(mse.value(), (0 + 1 + 4) / 3.0, 1e-12);
    LB_COMPARE_NEAR(mae.value(), (0 + 1 + 2) / 3.0, 1e-12);
  }

  void labelSmoothingMatchesFastaiFormula() {
    auto pred = torch::tensor({{1.0, 2.0, 0.5}, {0.0, -1.0, 3.0}}, torch::kDouble);
    auto target = torch::tensor({1, 0}, torch::kLong);
    const double eps = 0.1;
    double expected = 0;
    for (int i = 0; i < 2; ++i) {
      auto logp = torch::log_softmax(pred[i], 0);
      expected += eps / 3 * -logp.sum().item<double>() +
                  (1 - eps) * -logp[target[i].item<int64_t>()].item<double>();
    }
    expected /= 2;
    LB_COMPARE_NEAR(smoothedCrossEntropyLoss(pred, target, eps).item<double>(), expected, 1e-12);
    // Without smoothing it is plain cross-entropy.
    LB_COMPARE_NEAR(smoothedCrossEntropyLoss(pred, target, 0.0).item<double>(),
                    crossEntropyLoss(pred, target).item<double>(), 1e-12);
  }

  void bceAndMse() {
    auto pred = torch::tensor({{0.0}}, torch::kDouble);
    LB_COMPARE_NEAR(bceWithLogitsLoss(pred, torch::tensor({{1.0}}, torch::kDouble)).item<double>(),
                    std::log(2.0), 1e-12);
    LB_COMPARE_NEAR(mseLoss(torch::tensor({{1.0}, {3.0}}), torch::tensor({0.0, 1.0})).item<double>(),
                    (1.0 + 4.0) / 2, 1e-6);
  }
};

QTEST_APPLESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
