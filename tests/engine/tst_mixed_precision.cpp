// Mixed precision: the loss scaler's arithmetic, CPU autocast (bfloat16) around the forward pass
// only, a real fit that learns, a skipped step on overflow, and clipping after unscaling.
#include <QtTest/QtTest>

#include <cmath>
#include <limits>

#include "common/test_support.h"
#include "engine/data/fashion_mnist.h"
#include "engine/data/tensor_loader.h"
#include "engine/models/simple_cnn.h"
#include "engine/train/callbacks.h"
#include "engine/train/learner.h"
#include "engine/train/metrics.h"
#include "engine/train/mixed_precision.h"
#include "engine/train/training_callbacks.h"
#include "engine/util/runtime.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>

using namespace lb;

namespace {

// Two classes split by a plane, for a small MLP.
Learner tinyLearner(int trainItems = 512, int bs = 32) {
  torch::manual_seed(0);
  auto x = torch::randn({trainItems, 16});
  auto y = (x.select(1, 0) + x.select(1, 1) > 0).to(torch::kLong);
  auto vx = torch::randn({64, 16});
  auto vy = (vx.select(1, 0) + vx.select(1, 1) > 0).to(torch::kLong);
  torch::nn::Sequential model(torch::nn::Linear(16, 32), torch::nn::ReLU(),
                              torch::nn::Linear(32, 2));
  return Learner(TensorLoader(x, y, bs, true, 0), TensorLoader(vx, vy, bs, false, 0), model,
                 crossEntropyLoss, {std::make_shared<Accuracy>()});
}

// Calls a function at one event, with a chosen order.
struct Probe : Callback {
  int ord;
  std::function<void(Learner&)> pred, loss, backward, step, batch, begin;
  explicit Probe(int o) : ord(o) {}
  int order() const override { return ord; }
  void beforeBatch(Learner& l) override { if (begin) begin(l); }
  void afterPred(Learner& l) override { if (pred) pred(l); }
  void afterLoss(Learner& l) override { if (loss) loss(l); }
  void afterBackward(Learner& l) override { if (backward) backward(l); }
  void beforeStep(Learner& l) override { if (step) step(l); }
  void afterBatch(Learner& l) override { if (batch) batch(l); }
};

std::vector<torch::Tensor> snapshot(torch::nn::Module& model) {
  std::vector<torch::Tensor> out;
  for (const auto& p : model.parameters()) out.push_back(p.detach().clone());
  return out;
}

bool sameWeights(const std::vector<torch::Tensor>& a, torch::nn::Module& model) {
  const auto now = model.parameters();
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!torch::equal(a[i], now[i])) return false;
  return true;
}

}  // namespace

class TestMixedPrecision : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { useThreads(0); }

  void scalerScalesTheLoss() {
    GradScaler scaler;
    QCOMPARE(scaler.scaleValue(), 65536.0);
    QCOMPARE(scaler.scale(torch::tensor(1.5)).item<double>(), 1.5 * 65536.0);
  }

  void unscaleDividesExactly() {
    GradScaler scaler;
    auto a = torch::randn({3, 4}, torch::requires_grad());
    auto b = torch::randn({5}, torch::requires_grad());
    auto noGrad = torch::randn({2}, torch::requires_grad());  // grad undefined: skipped
    a.mutable_grad() = torch::randn({3, 4}) * 65536.0;
    b.mutable_grad() = torch::randn({5}) * 65536.0;
    const auto ga = a.grad().clone(), gb = b.grad().clone();
    QVERIFY(scaler.unscaleAndCheck({a, b, noGrad}));
    QVERIFY(torch::equal(a.grad(), ga / 65536.0));
    QVERIFY(torch::equal(b.grad(), gb / 65536.0));
    QVERIFY(!noGrad.grad().defined());
  }

  void nonFiniteGradientsBackOff_data() {
    QTest::addColumn<double>("bad");
    QTest::newRow("inf") << std::numeric_limits<double>::infinity();
    QTest::newRow("-inf") << -std::numeric_limits<double>::infinity();
    QTest::newRow("nan") << std::numeric_limits<double>::quiet_NaN();
  }
  void nonFiniteGradientsBackOff() {
    QFETCH(double, bad);
    GradScaler scaler;
    auto a = torch::randn({4}, torch::requires_grad());
    auto b = torch::randn({4}, torch::requires_grad());
    a.mutable_grad() = torch::ones({4});
    b.mutable_grad() = torch::ones({4});
    b.mutable_grad()[2] = bad;
    QVERIFY(!scaler.unscaleAndCheck({a, b}));
    scaler.update(false);
    QCOMPARE(scaler.scaleValue(), 32768.0);
    QCOMPARE(scaler.growthTracker(), 0);
  }

  void growsAfterTheInterval() {
    GradScaler scaler(GradScalerOptions{.initScale = 8, .growthInterval = 3});
    scaler.update(true);
    scaler.update(true);
    QCOMPARE(scaler.scaleValue(), 8.0);
    QCOMPARE(scaler.growthTracker(), 2);
    scaler.update(true);
    QCOMPARE(scaler.scaleValue(), 16.0);
    QCOMPARE(scaler.growthTracker(), 0);
  }

  void overflowRestartsTheGrowthCount() {
    GradScaler scaler(GradScalerOptions{.initScale = 8, .growthInterval = 3});
    scaler.update(true);
    scaler.update(true);
    scaler.update(false);
    QCOMPARE(scaler.scaleValue(), 4.0);
    scaler.update(true);
    scaler.update(true);
    QCOMPARE(scaler.scaleValue(), 4.0);  // only two clean steps since the overflow
    scaler.update(true);
    QCOMPARE(scaler.scaleValue(), 8.0);
  }

  void autocastCoversTheForwardOnly() {
    Learner learn = tinyLearner(128);
    learn.addCallback(std::make_shared<MixedPrecision>());
    std::vector<torch::Dtype> rawPred, seenPred, lossTypes;
    std::vector<bool> onInPred, onAfterLoss, onAfterBatch;
    auto early = std::make_shared<Probe>(-100);  // before MixedPrecision's afterPred cast
    early->pred = [&](Learner& l) {
      rawPred.push_back(l.pred.scalar_type());
      onInPred.push_back(autocastEnabled(torch::kCPU));
    };
    auto late = std::make_shared<Probe>(100);
    late->pred = [&](Learner& l) { seenPred.push_back(l.pred.scalar_type()); };
    late->loss = [&](Learner& l) {
      lossTypes.push_back(l.loss.scalar_type());
      onAfterLoss.push_back(autocastEnabled(torch::kCPU));
    };
    late->batch = [&](Learner&) { onAfterBatch.push_back(autocastEnabled(torch::kCPU)); };
    learn.addCallback(early);
    learn.addCallback(late);
    QVERIFY(!autocastEnabled(torch::kCPU));
    learn.fit(1, LearningRates(1e-3));
    QVERIFY(!rawPred.empty());
    for (auto t : rawPred) QCOMPARE(t, torch::kBFloat16);  // the Linear ran in bfloat16
    for (bool on : onInPred) QVERIFY(on);
    for (auto t : seenPred) QCOMPARE(t, torch::kFloat);
    for (auto t : lossTypes) QCOMPARE(t, torch::kFloat);
    for (bool on : onAfterLoss) QVERIFY(!on);
    for (bool on : onAfterBatch) QVERIFY(!on);
    QVERIFY(!autocastEnabled(torch::kCPU));
  }

  void autocastIsRestoredWhenTheFitIsCancelled() {
    Learner learn = tinyLearner(128);
    learn.addCallback(std::make_shared<MixedPrecision>());
    auto stop = std::make_shared<Probe>(100);
    stop->pred = [](Learner&) { throw CancelFit{}; };  // mid-forward, autocast still on
    learn.addCallback(stop);
    learn.fit(1, LearningRates(1e-3));
    QVERIFY(!autocastEnabled(torch::kCPU));
  }

  void fashionMnistFitLearns() {
    const auto data = loadFashionMnist(test::fashionMnistDir(), 1024, 1);
    const auto stats = measureNormalization(data.train.images);
    torch::manual_seed(1);
    Learner learn(TensorLoader(normalizeImages(data.train.images, stats), data.train.labels, 64,
                               true, 1),
                  TensorLoader(normalizeImages(data.valid.images, stats), data.valid.labels, 64,
                               false, 1),
                  makeSimpleCnn(1, 10, {8, 16, 32}), crossEntropyLoss,
                  {std::make_shared<Accuracy>()});
    auto amp = std::make_shared<MixedPrecision>();
    learn.addCallback(amp);
    bool sawBf16 = false;
    auto probe = std::make_shared<Probe>(-100);
    probe->pred = [&](Learner& l) {
      sawBf16 = sawBf16 || l.pred.scalar_type() == torch::kBFloat16;
    };
    learn.addCallback(probe);
    learn.fitOneCycle(2, OneCycleOptions{}.setLrMax(1e-2));
    QVERIFY(sawBf16);
    QCOMPARE(amp->skippedSteps(), 0L);
    const auto& losses = learn.recorder().losses;
    QVERIFY(losses.size() >= 20);
    double first = 0, last = 0;
    for (std::size_t i = 0; i < 5; ++i) {
      first += losses[i] / 5;
      last += losses[losses.size() - 1 - i] / 5;
    }
    QVERIFY2(last < first * 0.7, qPrintable(QStringLiteral("%1 -> %2").arg(first).arg(last)));
    QVERIFY(!autocastEnabled(torch::kCPU));
  }

  void overflowSkipsTheStep() {
    Learner learn = tinyLearner(256);
    auto amp = std::make_shared<MixedPrecision>();
    learn.addCallback(amp);
    const long badBatch = 3;
    std::vector<torch::Tensor> before;
    bool badUnchanged = false, goodChanged = false, gradsZeroed = false;
    double scaleBefore = 0, scaleAfter = 0;
    auto probe = std::make_shared<Probe>(100);
    probe->begin = [&](Learner& l) {
      if (!l.training) return;
      before = snapshot(*l.model());
      if (l.trainIter == badBatch) scaleBefore = amp->scaler().scaleValue();
    };
    probe->backward = [&](Learner& l) {
      if (l.trainIter == badBatch)
        l.model()->parameters()[0].mutable_grad().fill_(std::numeric_limits<float>::infinity());
    };
    probe->batch = [&](Learner& l) {
      if (!l.training) return;
      if (l.trainIter == badBatch) {
        badUnchanged = sameWeights(before, *l.model());
        scaleAfter = amp->scaler().scaleValue();
        gradsZeroed = true;
        for (const auto& p : l.model()->parameters())
          if (p.grad().defined() && p.grad().abs().sum().item<double>() != 0) gradsZeroed = false;
      } else if (l.trainIter == badBatch - 1) {
        goodChanged = !sameWeights(before, *l.model());
      }
    };
    learn.addCallback(probe);
    learn.fit(1, LearningRates(1e-2));
    QVERIFY(goodChanged);
    QVERIFY(badUnchanged);
    QVERIFY(gradsZeroed);
    QCOMPARE(scaleBefore, 65536.0);
    QCOMPARE(scaleAfter, 32768.0);
    QCOMPARE(amp->skippedSteps(), 1L);
  }

  void clippingSeesUnscaledGradients() {
    QVERIFY(GradientAccumulation().order() < MixedPrecision().order());
    QVERIFY(MixedPrecision().order() < GradientClip().order());
    Learner learn = tinyLearner(128);
    learn.addCallback(std::make_shared<MixedPrecision>());
    learn.addCallback(std::make_shared<GradientClip>(1e-3));
    std::vector<double> norms;
    auto probe = std::make_shared<Probe>(50);  // after the clip, before the optimizer
    probe->step = [&](Learner& l) {
      double sq = 0;
      for (const auto& p : l.model()->parameters())
        if (p.grad().defined()) sq += p.grad().pow(2).sum().item<double>();
      norms.push_back(std::sqrt(sq));
    };
    learn.addCallback(probe);
    learn.fit(1, LearningRates(1e-3));
    QVERIFY(!norms.empty());
    // Clipped after unscaling: the norm is maxNorm, not maxNorm / 65536.
    for (double n : norms) LB_COMPARE_NEAR(n, 1e-3, 1e-3);
  }

  void supportNeedsCuda() {
    QVERIFY(mixedPrecisionSupported(torch::Device(torch::kCUDA, 0)));
    QVERIFY(!mixedPrecisionSupported(torch::Device(torch::kCPU)));
    QVERIFY(mixedPrecisionUnsupportedReason(torch::Device(torch::kCUDA, 0)).empty());
    QVERIFY(QString::fromStdString(mixedPrecisionUnsupportedReason(torch::Device(torch::kCPU)))
                .contains(QStringLiteral("CUDA")));
  }
};

QTEST_APPLESS_MAIN(TestMixedPrecision)
#include "tst_mixed_precision.moc"
