// The LR finder on a real Fashion-MNIST subset: the lr follows start * (end / start)^(i / numIt),
// the sweep stops early once the smoothed loss passes 4 x its best or turns NaN, the suggestions
// are finite and inside the sweep, and the model (parameters and BatchNorm buffers) and the
// optimizer come back bit for bit, even from NaN weights.
#include <QtTest/QtTest>

#include <cmath>

#include "common/test_support.h"
#include "engine/data/fashion_mnist.h"
#include "engine/data/tensor_loader.h"
#include "engine/models/simple_cnn.h"
#include "engine/project/project.h"
#include "engine/train/callbacks.h"
#include "engine/experiment/experiment.h"
#include "engine/train/learner.h"
#include "engine/train/lr_finder.h"
#include "engine/util/error.h"
#include "engine/util/runtime.h"

using namespace lb;

namespace {

std::unique_ptr<Learner> fashionLearner(int limit, LossFunction loss = crossEntropyLoss) {
  const FashionMnist data = loadFashionMnist(test::fashionMnistDir(), limit, 1);
  const Normalization stats = measureNormalization(data.train.images);
  torch::manual_seed(1);
  return std::make_unique<Learner>(
      TensorLoader(normalizeImages(data.train.images, stats), data.train.labels, 64, true, 1),
      TensorLoader(normalizeImages(data.valid.images, stats), data.valid.labels, 128, false, 1),
      makeSimpleCnn(1, 10, ModelSettings{}.channels), std::move(loss),
      std::vector<std::shared_ptr<Metric>>{std::make_shared<Accuracy>()});
}

// Trains a few batches so that the optimizer has running averages and BatchNorm has statistics.
void warmUp(Learner& learn, int batches) {
  struct CancelAfter : Callback {
    int n;
    explicit CancelAfter(int n) : n(n) {}
    void afterBatch(Learner& l) override {
      if (l.training && l.trainIter + 1 >= n) throw CancelFit{};
    }
  };
  learn.optimizer().setLr(1e-3);
  learn.fitWith(1, {std::make_shared<CancelAfter>(batches)});
}

struct Snapshot {
  std::vector<torch::Tensor> params, buffers;
  Optimizer::State opt;
};

Snapshot snapshot(Learner& learn) {
  Snapshot s;
  for (const auto& p : learn.model()->parameters()) s.params.push_back(p.detach().clone());
  for (const auto& b : learn.model()->buffers()) s.buffers.push_back(b.detach().clone());
  s.opt = learn.optimizer().state();
  return s;
}

bool sameTensors(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].defined() != b[i].defined()) return false;
    if (a[i].defined() && !torch::equal(a[i], b[i])) return false;
  }
  return true;
}

void checkRestored(Learner& learn, const Snapshot& before) {
  const Snapshot after = snapshot(learn);
  QVERIFY(sameTensors(after.params, before.params));
  QVERIFY(sameTensors(after.buffers, before.buffers));
  QVERIFY(!before.buffers.empty());  // BatchNorm's running statistics are among them
  QVERIFY(sameTensors(after.opt.gradAvg, before.opt.gradAvg));
  QVERIFY(sameTensors(after.opt.sqrAvg, before.opt.sqrAvg));
  QCOMPARE(after.opt.steps, before.opt.steps);
  QCOMPARE(after.opt.lrs, before.opt.lrs);
  QCOMPARE(after.opt.mom, before.opt.mom);
  for (const auto& p : learn.model()->parameters())
    QVERIFY(!p.grad().defined() || p.grad().abs().sum().item<double>() == 0.0);
}

// Every point but the last is within 4 x the best smoothed loss so far (else the sweep would have
// stopped there); a sweep shorter than numIt ends on a point past it or NaN.
void checkStopRule(const std::vector<LrFindPoint>& points, int numIt) {
  double best = INFINITY;
  for (std::size_t i = 0; i + 1 < points.size(); ++i) {
    QVERIFY(std::isfinite(points[i].smoothLoss));
    best = std::min(best, points[i].smoothLoss);
    QVERIFY2(points[i].smoothLoss <= 4 * best, qPrintable(QString::number(i)));
  }
  if (int(points.size()) < numIt) {
    const double last = points.back().smoothLoss;
    QVERIFY2(std::isnan(last) || last > 4 * std::min(best, last), qPrintable(QString::number(last)));
  }
}

}  // namespace

class TestLrFinder : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { useThreads(0); }

  void sweepFollowsTheScheduleAndRestores() {
    auto learn = fashionLearner(2000);
    warmUp(*learn, 5);
    const Snapshot before = snapshot(*learn);
    QVERIFY(before.opt.steps.front() == 5);

    std::vector<LrFindPoint> seen;
    const LrFindResult r =
        findLearningRate(*learn, {}, nullptr, [&](const LrFindPoint& p) { seen.push_back(p); });
    QCOMPARE(seen.size(), r.points.size());
    // This model (BatchNorm, Adam) seldom passes 4 x its best smoothed loss by lr 10, so the
    // sweep may run to the end; it must not stop before the loss has fallen.
    QVERIFY2(r.points.size() > 60 && r.points.size() <= 100, qPrintable(QString::number(r.points.size())));
    checkStopRule(r.points, 100);
    for (std::size_t i = 0; i < r.points.size(); ++i) {
      QCOMPARE(r.points[i].iter, int(i));
      LB_COMPARE_NEAR(r.points[i].lr, 1e-7 * std::pow(10 / 1e-7, double(i) / 100), 1e-12);
    }
    for (const Suggestion* s : {&r.suggestions.valley, &r.suggestions.slide,
                                &r.suggestions.minimum, &r.suggestions.steep}) {
      QVERIFY(s->valid());
      QVERIFY2(std::isfinite(s->lr) && s->lr >= 1e-7 && s->lr <= 10, qPrintable(QString::number(s->lr)));
      QVERIFY(std::isfinite(s->loss));
    }
    checkRestored(*learn, before);
  }

  // Sweeping on to lr 1e4 blows the loss up: the sweep stops at the first point past 4 x best.
  void divergenceStopsTheSweepEarly() {
    auto learn = fashionLearner(1200);
    const Snapshot before = snapshot(*learn);
    LrFinderOptions o;
    o.endLr = 1e4;
    const LrFindResult r = findLearningRate(*learn, o);
    QVERIFY2(r.points.size() < 100, qPrintable(QString::number(r.points.size())));
    checkStopRule(r.points, 100);
    LB_COMPARE_NEAR(r.points.back().lr, 1e-7 * std::pow(1e11, double(r.points.size() - 1) / 100), 1e-12);
    QVERIFY(r.suggestions.valley.valid());
    checkRestored(*learn, before);
  }

  // A loss that turns NaN at the 30th batch (weights and Adam's averages follow): the sweep stops
  // there, the NaN point is recorded, and the model comes back whole.
  void nanStopsTheSweepAndRestores() {
    int calls = 0;
    auto learn = fashionLearner(1200, [&calls](const torch::Tensor& pred, const torch::Tensor& y) {
      auto loss = crossEntropyLoss(pred, y);
      return ++calls >= 30 ? loss * std::nan("") : loss;
    });
    warmUp(*learn, 3);
    calls = 0;
    const Snapshot before = snapshot(*learn);
    const LrFindResult r = findLearningRate(*learn);
    QCOMPARE(r.points.size(), std::size_t(30));
    QVERIFY(std::isnan(r.points.back().smoothLoss));
    QVERIFY(std::isfinite(r.points[28].smoothLoss));
    checkRestored(*learn, before);
  }

  void stopEndsTheSweepAndStillRestores() {
    auto learn = fashionLearner(1200);
    warmUp(*learn, 3);
    const Snapshot before = snapshot(*learn);
    std::atomic<bool> stop{false};
    int points = 0;
    const LrFindResult r = findLearningRate(*learn, {}, &stop, [&](const LrFindPoint&) {
      if (++points == 10) stop = true;
    });
    QCOMPARE(r.points.size(), std::size_t(10));
    checkRestored(*learn, before);
  }

  // Without divergence the sweep runs exactly numIt batches, across epochs (18 per epoch here).
  void fullSweepRunsNumItBatches() {
    auto learn = fashionLearner(1200);
    QCOMPARE(learn->trainLoader().batches(), 1200 / 64);
    LrFinderOptions o;
    o.endLr = 1e-3;
    o.numIt = 40;
    o.stopDiv = false;
    const Snapshot before = snapshot(*learn);
    const LrFindResult r = findLearningRate(*learn, o);
    QCOMPARE(r.points.size(), std::size_t(40));
    LB_COMPARE_NEAR(r.points.back().lr, 1e-7 * std::pow(1e-3 / 1e-7, 39.0 / 40), 1e-12);
    checkRestored(*learn, before);  // a fresh optimizer: no state before, none after
  }

  // Through the Experiment facade; restoring exactly means a second sweep repeats the first.
  void experimentSweepRepeats() {
    Project p;
    p.data.path = test::fashionMnistDir();
    p.data.limit = 1200;
    p.train.seed = 1;
    Experiment ex(p);
    const LrFindResult a = ex.findLearningRate();
    const LrFindResult b = ex.findLearningRate();
    QCOMPARE(a.points.size(), b.points.size());
    for (std::size_t i = 0; i < a.points.size(); ++i) {
      QCOMPARE(a.points[i].loss, b.points[i].loss);
      QCOMPARE(a.points[i].smoothLoss, b.points[i].smoothLoss);
    }
    QCOMPARE(a.suggestions.valley.lr, b.suggestions.valley.lr);
    QVERIFY(a.suggestions.valley.valid());
  }

  void badOptionsSaySo() {
    auto learn = fashionLearner(600);
    LrFinderOptions o;
    o.numIt = 5;
    QVERIFY_THROWS_EXCEPTION(Error, findLearningRate(*learn, o));
    o = {};
    o.startLr = 0;
    QVERIFY_THROWS_EXCEPTION(Error, findLearningRate(*learn, o));
  }
};

QTEST_APPLESS_MAIN(TestLrFinder)
#include "tst_lr_finder.moc"
