// The Learner on real Fashion-MNIST subsets: loss falls, accuracy beats chance, runs repeat from
// a seed, stop answers within a batch, events come in fastai's order, and fastai's Adam step
// matches a hand computation.
#include <QtTest/QtTest>

#include <cmath>
#include <thread>

#include "common/test_support.h"
#include "engine/data/tensor_loader.h"
#include "engine/models/simple_cnn.h"
#include "engine/train/callbacks.h"
#include "engine/experiment/experiment.h"
#include "engine/train/learner.h"
#include "engine/train/optimizer.h"
#include "engine/train/time_estimate.h"
#include "engine/util/error.h"
#include "engine/util/runtime.h"

using namespace lb;

namespace {

Project smallProject(int limit, int epochs) {
  Project p;
  p.data.path = test::fashionMnistDir();
  p.data.limit = limit;
  p.train.epochs = epochs;
  p.train.lr = 1e-2;
  p.train.batchSize = 64;
  p.train.seed = 1;
  return p;
}

// Records event names, to check their order.
struct EventLog : Callback {
  std::vector<std::string> events;
  void beforeFit(Learner&) override { events.push_back("before_fit"); }
  void beforeEpoch(Learner&) override { events.push_back("before_epoch"); }
  void beforeTrain(Learner&) override { events.push_back("before_train"); }
  void beforeBatch(Learner&) override { events.push_back("before_batch"); }
  void afterPred(Learner&) override { events.push_back("after_pred"); }
  void afterLoss(Learner&) override { events.push_back("after_loss"); }
  void beforeBackward(Learner&) override { events.push_back("before_backward"); }
  void afterBackward(Learner&) override { events.push_back("after_backward"); }
  void beforeStep(Learner&) override { events.push_back("before_step"); }
  void afterStep(Learner&) override { events.push_back("after_step"); }
  void afterBatch(Learner&) override { events.push_back("after_batch"); }
  void afterTrain(Learner&) override { events.push_back("after_train"); }
  void beforeValidate(Learner&) override { events.push_back("before_validate"); }
  void afterValidate(Learner&) override { events.push_back("after_validate"); }
  void afterEpoch(Learner&) override { events.push_back("after_epoch"); }
  void afterFit(Learner&) override { events.push_back("after_fit"); }
};

Learner tinyLearner(int trainItems, int validItems, int bs) {
  torch::manual_seed(0);
  auto x = torch::randn({trainItems, 1, 8, 8});
  auto y = torch::randint(0, 2, {trainItems}, torch::kLong);
  auto vx = torch::randn({validItems, 1, 8, 8});
  auto vy = torch::randint(0, 2, {validItems}, torch::kLong);
  return Learner(TensorLoader(x, y, bs, true, 0), TensorLoader(vx, vy, bs, false, 0),
                 makeSimpleCnn(1, 2, {4}), crossEntropyLoss, {std::make_shared<Accuracy>()});
}

}  // namespace

class TestTraining : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { useThreads(0); }

  void shortRunLearns() {
    Experiment ex(smallProject(6000, 2));
    QCOMPARE(ex.trainItems(), 6000);
    QCOMPARE(ex.validItems(), 1000);
    QCOMPARE(ex.batchesPerEpoch(), 6000 / 64);
    std::vector<BatchProgress> batches;
    TrainingHooks hooks;
    hooks.onBatch = [&](const BatchProgress& p) { batches.push_back(p); };
    TrainingOutcome out = ex.train(hooks);
    QVERIFY(!out.stopped);
    QCOMPARE(out.epochs.size(), std::size_t(2));
    QCOMPARE(batches.size(), std::size_t(2 * (6000 / 64)));
    // The smoothed loss falls well below its start (ln 10 = 2.30 for a blind guess).
    QVERIFY2(batches.back().smoothLoss < 0.6 * batches[5].smoothLoss,
             qPrintable(QStringLiteral("%1 -> %2").arg(batches[5].smoothLoss).arg(batches.back().smoothLoss)));
    QVERIFY(out.epochs[1].validLoss < out.epochs[0].validLoss);
    // Chance is 10%.
    QVERIFY2(out.epochs.back().metric > 0.70, qPrintable(QString::number(out.epochs.back().metric)));
    // The schedule reached the batches: warm-up from lr/25, momentum low at the peak.
    LB_COMPARE_NEAR(batches.front().lr, 1e-2 / 25, 1e-9);
    LB_COMPARE_NEAR(batches.front().mom, 0.95, 1e-9);
    QVERIFY(batches.back().lr < 1e-5);
    QVERIFY(batches.back().secondsLeft < batches.front().secondsLeft);
  }

  void sameSeedSameLosses() {
    auto run = [] {
      Experiment ex(smallProject(1200, 1));
      std::vector<double> losses;
      TrainingHooks hooks;
      hooks.onBatch = [&](const BatchProgress& p) { losses.push_back(p.loss); };
      ex.train(hooks);
      return losses;
    };
    const auto a = run(), b = run();
    QCOMPARE(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) QVERIFY(std::abs(a[i] - b[i]) <= 1e-6);
  }

  void stopAnswersWithinOneBatch() {
    Experiment ex(smallProject(3000, 3));
    std::atomic<bool> stop{false};
    int batchesAfterStop = 0, seen = 0;
    TrainingHooks hooks;
    hooks.stopRequested = &stop;
    hooks.onBatch = [&](const BatchProgress&) {
      if (stop) ++batchesAfterStop;
      if (++seen == 10) stop = true;
    };
    TrainingOutcome out = ex.train(hooks);
    QVERIFY(out.stopped);
    QCOMPARE(batchesAfterStop, 0);
    QCOMPARE(seen, 10);
    QVERIFY(out.epochs.empty());
  }

  // Pause and resume from another thread: no batch runs while paused, and the fit then finishes.
  void pauseAndResumeFromAnotherThread() {
    Learner learn = tinyLearner(4000, 40, 4);
    auto control = std::make_shared<StopControl>();
    std::atomic<long> batches{0};
    struct Counter : Callback {
      std::atomic<long>* n;
      explicit Counter(std::atomic<long>* counter) : n(counter) {}
      void afterBatch(Learner& l) override { n->fetch_add(l.training); }
    };
    learn.addCallback(control);
    learn.addCallback(std::make_shared<Counter>(&batches));
    control->pause();
    std::thread fit([&] { learn.fit(1, LearningRates(1e-3)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    QCOMPARE(batches.load(), 0L);  // paused before the first batch
    control->resume();
    QTRY_VERIFY_WITH_TIMEOUT(batches.load() > 0, 10000);
    control->pause();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the batch under way ends
    const long atPause = batches.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    QCOMPARE(batches.load(), atPause);
    // A stop while paused ends the fit, too.
    control->requestStop();
    fit.join();
    QVERIFY(batches.load() < 1000);
  }

  // The time left leaves a pause out: a 1.5 s pause after batch 5 of a fit that takes well under
  // a second would otherwise make the estimate grow by 1.5 s for every 5 batches still to come.
  void timeLeftLeavesPausesOut() {
    Learner learn = tinyLearner(800, 40, 4);  // 200 batches
    auto control = std::make_shared<StopControl>();
    auto progress = std::make_shared<ProgressReporter>();
    std::vector<BatchProgress> seen;  // written on the fit's thread, read after join()
    std::atomic<int> batches{0};
    progress->onBatch = [&](const BatchProgress& p) {
      seen.push_back(p);
      if (p.batch == 4) control->pause();
      ++batches;
    };
    learn.addCallback(control);
    learn.addCallback(progress);
    std::thread fit([&] { learn.fit(1, LearningRates(1e-3)); });
    QTRY_COMPARE_WITH_TIMEOUT(batches.load(), 5, 10000);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    control->resume();
    fit.join();
    QCOMPARE(int(seen.size()), 200);
    const BatchProgress& afterPause = seen[5];
    QVERIFY2(afterPause.elapsedSeconds >= 1.5, "the pause is part of the elapsed time");
    QVERIFY2(learn.pausedSeconds >= 1.4 && learn.pausedSeconds < 3, "the pause was measured");
    // Without the pause left out this would be about 1.5 / 6 * 194 = 48 s.
    QVERIFY2(afterPause.secondsLeft < 5,
             qPrintable(QStringLiteral("%1 s left after the pause").arg(afterPause.secondsLeft)));
  }

  // The estimate shown before Train is pressed lands near the real fit's time (the machine is
  // noisy: a factor of four either way), and measuring leaves the model exactly as it was.
  void timeEstimateIsNearTheRealFit() {
    Experiment ex(smallProject(6000, 1));
    ex.secondsPerItem();  // warm the allocator the way a first fit would
    const double perItem = ex.secondsPerItem();
    QVERIFY(perItem > 0);
    const double estimate = estimateFitSeconds(perItem, ex.trainItems(), ex.validItems(), 1);
    const TrainingOutcome out = ex.train();
    const double real = out.epochs.at(0).seconds;
    qInfo("estimated %.2f s, took %.2f s", estimate, real);
    QVERIFY2(estimate > real / 4 && estimate < real * 4,
             qPrintable(QStringLiteral("estimated %1 s, took %2 s").arg(estimate).arg(real)));
    QCOMPARE(estimateFitSeconds(0.001, 1000, 300, 2), 0.001 * 1100 * 2);
  }

  void measuringLeavesTheModelAsItWas() {
    torch::manual_seed(0);
    auto model = makeSimpleCnn(1, 10, {4, 8});  // batch norm: running statistics as buffers
    model->eval();
    std::vector<torch::Tensor> before;
    for (const auto& t : model->parameters()) before.push_back(t.clone());
    for (const auto& t : model->buffers()) before.push_back(t.clone());
    QVERIFY(measureSecondsPerItem(model, ImageShape{1, 28, 28}, 16) > 0);
    std::size_t i = 0;
    for (const auto& t : model->parameters()) {
      QVERIFY(torch::equal(t, before[i++]));
      QVERIFY(!t.grad().defined());
    }
    for (const auto& t : model->buffers()) QVERIFY(torch::equal(t, before[i++]));
    QVERIFY(!model->is_training());
  }

  void eventsComeInFastaiOrder() {
    Learner learn = tinyLearner(8, 4, 4);
    auto log = std::make_shared<EventLog>();
    learn.addCallback(log);
    learn.fit(1, LearningRates(1e-3));
    const std::vector<std::string> batch = {"before_batch",   "after_pred", "after_loss",
                                            "before_backward", "after_backward", "before_step",
                                            "after_step",      "after_batch"};
    std::vector<std::string> expected = {"before_fit", "before_epoch", "before_train"};
    for (int i = 0; i < 2; ++i) expected.insert(expected.end(), batch.begin(), batch.end());
    expected.push_back("after_train");
    expected.push_back("before_validate");
    expected.insert(expected.end(), {"before_batch", "after_pred", "after_loss", "after_batch"});
    expected.insert(expected.end(), {"after_validate", "after_epoch", "after_fit"});
    QCOMPARE(log->events, expected);
  }

  void cancelBatchSkipsTheStepButNotAfterBatch() {
    Learner learn = tinyLearner(8, 4, 4);
    struct SkipFirst : Callback {
      int afterBatches = 0, steps = 0;
      void beforeBatch(Learner& l) override {
        if (l.training && l.iter == 0) throw CancelBatch{};
      }
      void afterStep(Learner&) override { ++steps; }
      void afterBatch(Learner& l) override { afterBatches += l.training; }
    };
    auto cb = std::make_shared<SkipFirst>();
    learn.addCallback(cb);
    learn.fit(1, LearningRates(1e-3));
    QCOMPARE(cb->steps, 1);
    QCOMPARE(cb->afterBatches, 2);
  }

  void cancelFitStillRunsAfterFit() {
    Learner learn = tinyLearner(8, 4, 4);
    auto log = std::make_shared<EventLog>();
    struct CancelAtSecondBatch : Callback {
      void beforeBatch(Learner& l) override {
        if (l.trainIter == 1) throw CancelFit{};
      }
    };
    learn.addCallback(log);
    learn.addCallback(std::make_shared<CancelAtSecondBatch>());
    learn.fit(2, 1e-3);
    QCOMPARE(log->events.back(), std::string("after_fit"));
    QCOMPARE(std::count(log->events.begin(), log->events.end(), std::string("after_step")), 1L);
    QCOMPARE(std::count(log->events.begin(), log->events.end(), std::string("after_epoch")), 0L);
  }

  // One Adam step and one SGD step on a single weight, against the formulas in FASTAI_NOTES.md.
  void adamStepMatchesHandComputation() {
    auto w = torch::tensor({1.0, -2.0}, torch::kDouble).requires_grad_(true);
    ParamGroup group{{w}, {true}, {false}, 0.1};
    OptimizerOptions o;
    o.mom = 0.9;
    Optimizer opt({group}, o);
    for (int step = 1; step <= 2; ++step) {
      w.mutable_grad() = torch::tensor({0.5, 0.25}, torch::kDouble) * step;
      opt.step();
    }
    // By hand, for the first element: g1 = 0.5, g2 = 1.0.
    double p = 1.0, m = 0, v = 0;
    const double lr = 0.1, b1 = 0.9, b2 = 0.99, eps = 1e-5, wd = 0.01;
    for (int t = 1; t <= 2; ++t) {
      const double g = 0.5 * t;
      p *= 1 - lr * wd;
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      p -= lr * (m / (1 - std::pow(b1, t))) / (std::sqrt(v / (1 - std::pow(b2, t))) + eps);
    }
    LB_COMPARE_NEAR(w[0].item<double>(), p, 1e-12);
  }

  void sgdWithMomentumMatchesHandComputation() {
    auto w = torch::tensor({1.0}, torch::kDouble).requires_grad_(true);
    OptimizerOptions o;
    o.kind = OptimizerOptions::Kind::Sgd;
    o.mom = 0.9;
    o.weightDecay = 0;
    Optimizer opt({ParamGroup{{w}, {true}, {false}, 0.1}}, o);
    w.mutable_grad() = torch::tensor({1.0}, torch::kDouble);
    opt.step();
    opt.step();  // same gradient: avg = 1, then 1.9
    LB_COMPARE_NEAR(w.item<double>(), 1.0 - 0.1 * 1.0 - 0.1 * 1.9, 1e-12);
  }

  void noWeightDecayOnBatchNormOrBias() {
    auto model = makeSimpleCnn(1, 10, {4});
    ParamGroup g = paramGroupOf(*model, 1e-3);
    int decayed = 0;
    for (std::size_t i = 0; i < g.params.size(); ++i) decayed += g.decay[i];
    // Decay on the conv weight and the linear weight only.
    QCOMPARE(decayed, 2);
    QCOMPARE(g.params.size(), std::size_t(5));  // conv w, bn w, bn b, linear w, linear b
  }

  void batchLargerThanDataSaysSo() {
    Project p = smallProject(100, 1);
    p.train.batchSize = 512;
    Experiment ex(p);
    try {
      ex.train();
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY(QString::fromUtf8(e.what()).contains(QStringLiteral("lower the batch size")));
    }
  }
};

QTEST_APPLESS_MAIN(TestTraining)
#include "tst_training.moc"
