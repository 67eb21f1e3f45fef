// Classroom pacing (engine/train/batch_pacer.h) on real Fashion-MNIST subsets: a granted step
// trains exactly one batch of the planned schedule and reports it; a hold ends on a stop; slow
// motion keeps to its rate.
#include <QtTest/QtTest>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/test_support.h"
#include "engine/experiment/build_learner.h"
#include "engine/train/batch_pacer.h"
#include "engine/train/callbacks.h"
#include "engine/util/runtime.h"

using namespace lb;

namespace {

std::unique_ptr<Learner> fashionLearner(int limit, int batchSize) {
  Project p;
  p.data.path = test::fashionMnistDir();
  p.data.limit = limit;
  p.train.batchSize = batchSize;
  p.train.seed = 3;
  p.model.channels = {8, 16, 32};
  return buildLearner(p).learner;
}

Image8 blank(const torch::Tensor& x) {
  Image8 im;
  im.height = int(x.size(1));
  im.width = int(x.size(2));
  im.channels = int(x.size(0));
  im.pixels.assign(std::size_t(x.numel()), 0);
  return im;
}

// Every weight of the model in one tensor, to tell whether a step moved any.
torch::Tensor flatWeights(torch::nn::Module& model) {
  std::vector<torch::Tensor> parts;
  for (const auto& p : model.parameters()) parts.push_back(p.detach().flatten());
  return torch::cat(parts).clone();
}

}  // namespace

class TestBatchPace : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { useThreads(0); }

  // Each granted step trains one batch of the one-cycle fit and reports it; the fit then holds.
  void stepTrainsOneBatchAtATime() {
    auto learn = fashionLearner(1500, 32);
    const torch::Tensor before = flatWeights(*learn->model());
    PaceControl pace;
    pace.stepping = true;
    pace.stepsGranted = 3;
    std::atomic<bool> stop{false};
    std::vector<BatchStepReport> reports;
    auto pacer = std::make_shared<BatchPacer>(&pace, &stop, blank, true,
                                              [&](const BatchStepReport& r) {
                                                reports.push_back(r);
                                                if (reports.size() == 3) stop = true;
                                              });
    auto stopControl = std::make_shared<StopControl>();
    stopControl->watch(&stop);
    learn->addCallback(pacer);
    learn->addCallback(stopControl);
    learn->fitOneCycle(2, OneCycleOptions{}.setLrMax(3e-3));

    QCOMPARE(int(reports.size()), 3);
    QCOMPARE(int(learn->recorder().losses.size()), 3);  // the plot's points: one per step
    QVERIFY(learn->cancelled);
    QVERIFY(!torch::equal(before, flatWeights(*learn->model())));
    const BatchStepReport& first = reports.front();
    QCOMPARE(first.step, 1L);
    QCOMPARE(reports[2].step, 3L);
    QCOMPARE(first.epoch, 0);
    QCOMPARE(first.epochs, 2);
    QVERIFY(first.batches > 3);
    QCOMPARE(first.steps, long(2 * first.batches));
    QCOMPARE(first.lossBefore, learn->recorder().losses.front());
    // One step of Adam on a batch lowers that batch's loss.
    QVERIFY2(first.lossAfter < first.lossBefore,
             qPrintable(QStringLiteral("%1 -> %2").arg(first.lossBefore).arg(first.lossAfter)));
    QCOMPARE(int(first.images.size()), 16);
    QCOMPARE(int(first.actual.size()), 16);
    QCOMPARE(int(first.predictedAfter.size()), 16);
    QCOMPARE(int(first.probabilityBefore.size()), 16);
    for (float p : first.probabilityAfter) QVERIFY(p > 0 && p <= 1);
    // The schedule starts warming up: the learning rate rises from batch to batch.
    QVERIFY(reports[1].lr > first.lr);
    QVERIFY(QString::fromStdString(oneCyclePhase(first.schedulePosition()))
                .startsWith(QStringLiteral("warming up")));
  }

  // A hold with no step granted waits; a stop ends it and the fit, with no batch trained.
  void stopEndsAHold() {
    auto learn = fashionLearner(600, 32);
    PaceControl pace;
    pace.stepping = true;
    std::atomic<bool> stop{false};
    auto stopControl = std::make_shared<StopControl>();
    stopControl->watch(&stop);
    learn->addCallback(std::make_shared<BatchPacer>(&pace, &stop, blank, true, nullptr));
    learn->addCallback(stopControl);
    std::thread stopper([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      stop = true;
    });
    QElapsedTimer clock;
    clock.start();
    learn->fitOneCycle(1, OneCycleOptions{}.setLrMax(1e-3));
    stopper.join();
    QVERIFY(clock.elapsed() >= 250);
    QVERIFY(learn->cancelled);
    QCOMPARE(int(learn->recorder().losses.size()), 0);
    QVERIFY(learn->pausedSeconds >= 0.25);  // a hold is not slowness for the time estimates
  }

  // Slow motion: 20 batches at 10 a second take at least the 1.9 s their starts are spread over
  // (checked loosely: >= 1.8 s; a busy machine only makes it slower).
  void slowMotionKeepsItsRate() {
    useThreads(1);  // one thread: the full-speed figure below stays far under the paced one
    auto learn = fashionLearner(320, 16);  // 20 training batches an epoch
    PaceControl pace;
    learn->addCallback(std::make_shared<BatchPacer>(&pace, nullptr, blank, true, nullptr));
    QElapsedTimer clock;
    clock.start();
    learn->fitOneCycle(1, OneCycleOptions{}.setLrMax(1e-3));
    const qint64 fast = clock.elapsed();
    pace.batchesPerSecond = 10;
    clock.restart();
    learn->fitOneCycle(1, OneCycleOptions{}.setLrMax(1e-3));
    const qint64 slow = clock.elapsed();
    QCOMPARE(int(learn->recorder().losses.size()), 20);
    qInfo("20 batches at full speed: %lld ms, at 10 a second: %lld ms", fast, slow);
    QVERIFY2(slow >= 1800, qPrintable(QStringLiteral("%1 ms").arg(slow)));
    useThreads(0);
  }
};

QTEST_APPLESS_MAIN(TestBatchPace)
#include "tst_batch_pace.moc"
