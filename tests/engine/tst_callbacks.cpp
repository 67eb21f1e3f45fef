// The standard callbacks, parameter groups and checkpoints on real Fashion-MNIST subsets.
#include <QtTest/QtTest>

#include <cmath>

#include "common/test_support.h"
#include "engine/experiment/build_learner.h"
#include "engine/train/callbacks.h"
#include "engine/train/checkpoint.h"
#include "engine/train/training_callbacks.h"
#include "engine/util/error.h"
#include "engine/util/runtime.h"

#include <torch/nn/modules/linear.h>

using namespace lb;

namespace {

std::unique_ptr<Learner> fashionLearner(int limit, int batchSize = 64, std::uint64_t seed = 1) {
  Project p;
  p.data.path = test::fashionMnistDir();
  p.data.limit = limit;
  p.train.batchSize = batchSize;
  p.train.seed = seed;
  p.model.channels = {8, 16, 32};
  return buildLearner(p).learner;
}

std::vector<torch::Tensor> snapshot(torch::nn::Module& model) {
  std::vector<torch::Tensor> out;
  for (const auto& p : model.parameters()) out.push_back(p.detach().clone());
  return out;
}

// Ends the fit after a fixed number of training batches.
struct StopAfter : Callback {
  long batches;
  explicit StopAfter(long n) : batches(n) {}
  void beforeBatch(Learner& l) override {
    if (l.training && l.trainIter >= batches) throw CancelFit{};
  }
};

}  // namespace

class TestCallbacks : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { useThreads(0); }

  void nanGuardStopsAndSaysWhere() {
    auto learn = fashionLearner(2000);
    learn->addCallback(std::make_shared<NanGuard>());
    learn->fit(2, LearningRates(1e4));
    const QString reason = QString::fromStdString(learn->stopReason);
    QVERIFY2(reason.contains(QStringLiteral("at batch")), qPrintable(reason));
    QVERIFY(reason.contains(QStringLiteral("ten times lower")));
    // Nothing after the bad batch was recorded, and no epoch finished.
    for (double l : learn->recorder().losses) QVERIFY(std::isfinite(l));
    QVERIFY(learn->recorder().epochs.empty());
  }

  void earlyStoppingWaitsForPatience() {
    auto learn = fashionLearner(1200);
    // A min_delta no epoch can beat: the first epoch sets the best, then `patience` epochs wait.
    learn->addCallback(std::make_shared<EarlyStopping>("valid_loss", 100.0, 2));
    learn->fit(10, LearningRates(1e-3));
    QCOMPARE(learn->recorder().epochs.size(), std::size_t(3));
    QVERIFY(QString::fromStdString(learn->stopReason).contains(QStringLiteral("since epoch 1")));
  }

  void earlyStoppingMonitorsMetrics() {
    auto learn = fashionLearner(1200);
    learn->addCallback(std::make_shared<EarlyStopping>("nonsense"));
    QVERIFY_THROWS_EXCEPTION(Error, learn->fit(1, LearningRates(1e-3)));
  }

  void saveBestModelKeepsTheBestEpoch() {
    QTemporaryDir dir;
    const std::string file = dir.filePath(QStringLiteral("best.pt")).toStdString();
    auto learn = fashionLearner(1200);
    auto best = std::make_shared<SaveBestModel>(file, "accuracy", /*reloadAtEnd=*/true);
    learn->addCallback(best);
    learn->fit(3, LearningRates(3e-3));
    QVERIFY(QFile::exists(QString::fromStdString(file)));
    double bestAcc = 0;
    for (const auto& e : learn->recorder().epochs) bestAcc = std::max(bestAcc, e.metrics[0]);
    LB_COMPARE_NEAR(best->best(), bestAcc, 1e-12);
  }

  void gradientClipBoundsTheNorm() {
    auto learn = fashionLearner(1200);
    struct NormProbe : Callback {
      double maxNorm = 0;
      int order() const override { return 10; }  // after the clip (order 0)
      void beforeStep(Learner& l) override {
        double sq = 0;
        for (const auto& p : l.model()->parameters())
          if (p.grad().defined()) sq += p.grad().pow(2).sum().item<double>();
        maxNorm = std::max(maxNorm, std::sqrt(sq));
      }
    };
    auto probe = std::make_shared<NormProbe>();
    learn->addCallback(std::make_shared<GradientClip>(0.05));
    learn->addCallback(probe);
    learn->addCallback(std::make_shared<StopAfter>(5));
    learn->fit(1, LearningRates(1e-3));
    QVERIFY2(probe->maxNorm <= 0.05 + 1e-6, qPrintable(QString::number(probe->maxNorm)));
    QVERIFY(probe->maxNorm > 0.01);
  }

  // Two batches of 32 with accumulation over 64 items make the same step as one batch of 64
  // (a model without batch norm, whose statistics would differ between the two).
  void gradientAccumulationMatchesALargerBatch() {
    auto run = [](int bs, bool accumulate) {
      torch::manual_seed(3);
      auto x = torch::randn({128, 1, 8, 8});
      auto y = torch::randint(0, 10, {128}, torch::kLong);
      torch::nn::Sequential model(torch::nn::Flatten(), torch::nn::Linear(64, 10));
      // Shuffled with the same seed, the first 64 items are the same for both batch sizes.
      Learner learn(TensorLoader(x, y, bs, true, 5), TensorLoader(x, y, 64, false, 5), model,
                    crossEntropyLoss, {});
      if (accumulate) learn.addCallback(std::make_shared<GradientAccumulation>(64));
      learn.addCallback(std::make_shared<StopAfter>(64 / bs));
      learn.fit(1, LearningRates(1e-2));
      return snapshot(*learn.model());
    };
    const auto big = run(64, false), accumulated = run(32, true), plain = run(32, false);
    for (std::size_t i = 0; i < big.size(); ++i)
      QVERIFY(torch::allclose(big[i], accumulated[i], 1e-5, 1e-6));
    // Without accumulation, two small steps land elsewhere.
    QVERIFY(!torch::allclose(big[0], plain[0], 1e-5, 1e-6));
  }

  void checkpointResumeMatchesAnUninterruptedRun() {
    QTemporaryDir dir;
    const std::string file = dir.filePath(QStringLiteral("ckpt.pt")).toStdString();
    const auto options = OneCycleOptions{}.setLrMax(5e-3);

    auto straight = fashionLearner(1280);
    straight->fitOneCycle(2, options);

    auto first = fashionLearner(1280);
    first->addCallback(std::make_shared<CheckpointEveryEpoch>(file));
    first->addCallback(std::make_shared<StopAfter>(first->trainLoader().batches()));  // dies in epoch 2
    first->fitOneCycle(2, options);

    auto resumed = fashionLearner(1280);
    const int done = loadCheckpoint(*resumed, file);
    QCOMPARE(done, 1);
    resumed->fitOneCycle(2, options, std::nullopt, done);

    const auto& a = straight->recorder();
    const auto& b = resumed->recorder();
    QCOMPARE(b.losses.size(), a.losses.size());
    for (std::size_t i = 0; i < a.losses.size(); ++i) {
      QVERIFY2(std::abs(a.losses[i] - b.losses[i]) <= 1e-6, qPrintable(QString::number(i)));
      QVERIFY(std::abs(a.smoothLosses[i] - b.smoothLosses[i]) <= 1e-6);
      QVERIFY(std::abs(a.lrs[i] - b.lrs[i]) <= 1e-12);
    }
    QCOMPARE(b.epochs.size(), std::size_t(2));
    QVERIFY(std::abs(a.epochs[1].validLoss - b.epochs[1].validLoss) <= 1e-6);
  }

  void checkpointOfAnotherModelIsRefused() {
    QTemporaryDir dir;
    const std::string file = dir.filePath(QStringLiteral("other.pt")).toStdString();
    auto learn = fashionLearner(640);
    saveCheckpoint(*learn, 0, file);
    Project p;
    p.data.path = test::fashionMnistDir();
    p.data.limit = 640;
    p.model.channels = {4, 8};
    auto other = buildLearner(p).learner;
    try {
      loadCheckpoint(*other, file);
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY(QString::fromUtf8(e.what()).contains(QStringLiteral("different architecture")));
    }
    QVERIFY_THROWS_EXCEPTION(Error, loadCheckpoint(*other, "/nonexistent/x.pt"));
  }

  void mixUpTrainsAndKeepsValidationPlain() {
    auto learn = fashionLearner(1200);
    // Records whether the training inputs were mixed: a mix of two images is no longer one of
    // the loader's images.
    struct InputProbe : Callback {
      int order() const override { return 10; }  // after MixUp (order 0)
      bool mixedInTraining = false, plainInValidation = true;
      void afterPred(Learner& l) override {
        auto original = l.training ? l.trainLoader().batch(l.iter).x : l.validLoader().batch(l.iter).x;
        const bool same = torch::equal(original, l.xb);
        if (l.training) mixedInTraining |= !same;
        else plainInValidation &= same;
      }
    };
    auto probe = std::make_shared<InputProbe>();
    learn->addCallback(std::make_shared<MixUp>(0.4));
    learn->addCallback(probe);
    learn->fitOneCycle(4, OneCycleOptions{}.setLrMax(1e-2));
    const auto& rec = learn->recorder();
    QVERIFY(probe->mixedInTraining);
    QVERIFY(probe->plainInValidation);
    QCOMPARE(rec.epochs.size(), std::size_t(4));
    const double accuracy = rec.epochs.back().metrics[0];
    QVERIFY2(accuracy > 0.5, qPrintable(QString::number(accuracy)));  // chance is 0.1
    for (double l : rec.losses) QVERIFY(std::isfinite(l));
  }

  void discriminativeRatesSpreadOverGroups() {
    QCOMPARE(LearningRates(1e-3).forGroups(2), (std::vector<double>{1e-3, 1e-3}));
    const auto range = LearningRates::range(1e-5, 1e-3).forGroups(3);
    LB_COMPARE_NEAR(range[0], 1e-5, 1e-12);
    LB_COMPARE_NEAR(range[1], 1e-4, 1e-12);
    LB_COMPARE_NEAR(range[2], 1e-3, 1e-12);
    QCOMPARE(LearningRates::upTo(1e-3).forGroups(3), (std::vector<double>{1e-4, 1e-4, 1e-3}));

    auto learn = fashionLearner(640);
    QCOMPARE(learn->parameterGroups(), std::size_t(2));
    learn->addCallback(std::make_shared<StopAfter>(3));
    learn->fitOneCycle(1, OneCycleOptions{}, LearningRates::range(1e-4, 1e-2));
    // At p = 0 each group starts at its own maximum / 25.
    QCOMPARE(learn->optimizer().groups().size(), std::size_t(2));
    QVERIFY(learn->optimizer().lr(0) < learn->optimizer().lr(1) / 50);
  }

  void freezeKeepsBatchNormTrainable() {
    auto learn = fashionLearner(640);
    const auto before = snapshot(*learn->model());
    learn->freeze();
    learn->addCallback(std::make_shared<StopAfter>(3));
    learn->fit(1, LearningRates(1e-2));
    // Body convs unchanged; body batch norm and head changed.
    const auto after = snapshot(*learn->model());
    auto named = learn->model()->named_parameters();
    for (std::size_t i = 0; i < named.size(); ++i) {
      const std::string& name = named[i].key();
      const bool changed = !torch::equal(before[i], after[i]);
      const bool isHead = name.rfind(std::to_string(3 * 3 + 2), 0) == 0;  // the Linear's index
      const bool isConv = named[i].value().dim() == 4;
      if (isConv) QVERIFY2(!changed, name.c_str());
      else QVERIFY2(changed || !isHead, name.c_str());
      if (!isConv && !isHead) QVERIFY2(changed, name.c_str());  // batch norm trains
    }
    learn->unfreeze();
    for (const auto& p : learn->model()->parameters()) QVERIFY(p.requires_grad());
  }

  void fineTuneFollowsFastaiSchedule() {
    auto learn = fashionLearner(640);
    learn->fineTune(1, FineTuneOptions{});
    const auto& rec = learn->recorder();
    // The second fit's first lr (last group) is base_lr / 2 / div = 2e-3 / 2 / 5.
    LB_COMPARE_NEAR(rec.lrs.front(), 1e-3 / 5, 1e-9);
    QCOMPARE(rec.epochs.size(), std::size_t(1));
    QVERIFY(learn->optimizer().lr(0) < learn->optimizer().lr(1));
  }

  void fineTuneRunsItsPlannedSchedule() {
    // The plan the window draws and `schedule --kind fine-tune` prints is what the fit runs:
    // the recorder keeps the second (unfrozen) fit, batch by batch.
    auto learn = fashionLearner(640);
    const FineTuneOptions options;
    learn->fineTune(2, options);
    const auto& rec = learn->recorder();
    const int perEpoch = int(rec.lrs.size()) / 2;
    QVERIFY(perEpoch > 0);
    const SchedulePlan plan = fineTunePlan(2, perEpoch, options);
    QCOMPARE(plan.epochs(), 3);
    for (std::size_t i = 0; i < rec.lrs.size(); ++i) {
      const ScheduleValue v = plan.atIteration(options.freezeEpochs * perEpoch + long(i));
      LB_COMPARE_NEAR(rec.lrs[i], v.lr, 1e-12);
      LB_COMPARE_NEAR(rec.moms[i], v.mom, 1e-12);
    }
    // The frozen epoch peaks at base_lr near its end (pct_start 0.99).
    LB_COMPARE_NEAR(plan.at(0.99).lr, options.baseLr, 1e-9);
  }
};

QTEST_APPLESS_MAIN(TestCallbacks)
#include "tst_callbacks.moc"
