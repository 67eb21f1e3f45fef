// learnbench-cli train --nproc 2 --sync-bn (issue 16): for the simple CNN, whose BatchNorm layers
// see each rank's half of the batch, two ranks with batch 32 and SyncBatchNorm reach the weights
// AND running statistics one rank reaches with batch 64 after 20 steps; without --sync-bn they
// do not (each rank normalises with its own half's statistics). Equal to float rounding: 1e-4.
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include "common/cli_runner.h"
#include "common/distributed_support.h"
#include "engine/experiment/build_learner.h"
#include "engine/project/project.h"
#include "engine/train/checkpoint.h"

namespace {

// 20 batches of 64, or of 32 on each of 2 ranks (as tst_cli_distributed).
constexpr int kLimit = 1290;

// The Fashion-MNIST example (tests/common/distributed_support.h's, 20 batches of 64) with its
// model made a small simple CNN: two conv + BatchNorm + ReLU layers.
QString writeProject(const QString& dir) {
  const QString file = writeNoBatchNormProject(dir, kLimit);
  lb::Project p = lb::loadProject(file.toStdString());
  p.model = lb::ModelSpec{};
  p.model.name = "simple_cnn";
  p.model.channels = {8, 16};
  lb::saveProject(p, file.toStdString());
  return file;
}

// Every parameter and buffer (running mean, variance, batches tracked) of the project's last
// checkpoint, as doubles.
std::vector<torch::Tensor> trainedState(const QString& project) {
  const lb::Project p = lb::loadProject(project.toStdString());
  auto built = lb::buildLearner(p);
  lb::loadCheckpoint(*built.learner, p.lastCheckpoint());
  std::vector<torch::Tensor> state;
  for (const auto& t : built.learner->model()->parameters()) state.push_back(t.to(torch::kDouble));
  for (const auto& t : built.learner->model()->buffers()) state.push_back(t.to(torch::kDouble));
  return state;
}

double largestDifference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double largest = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    largest = std::max(largest, (a[i] - b[i]).abs().max().item<double>());
  return largest;
}

QString trainedCopy(const QTemporaryDir& dir, const QStringList& args) {
  const QString project = writeProject(dir.path());
  const Result r = runCli(QStringList{QStringLiteral("train"), project} + args);
  if (r.exitCode != 0) qFatal("train failed: %s", qPrintable(r.err));
  return project;
}

}  // namespace

class TestCliSyncBn : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void twoRanksWithSyncBnReachOneRanksState();
};

void TestCliSyncBn::twoRanksWithSyncBnReachOneRanksState() {
  QTemporaryDir one, synced, own;
  const auto single = trainedState(trainedCopy(one, {"--bs", "64", "--threads", "1"}));
  const QString syncedProject = trainedCopy(synced, {"--bs", "32", "--nproc", "2", "--sync-bn"});
  const auto pair = trainedState(syncedProject);
  const auto pairOwn = trainedState(trainedCopy(own, {"--bs", "32", "--nproc", "2"}));
  QCOMPARE(pair.size(), single.size());

  const double synchronised = largestDifference(single, pair);
  const double perRank = largestDifference(single, pairOwn);
  qInfo("largest difference from 1 rank with batch 64: %.2g with --sync-bn, %.2g without",
        synchronised, perRank);
  // The floor is float rounding amplified by Adam over 20 steps: here the same one-process run on
  // 2 threads instead of 1 differs from it by 3.7e-5, and the synchronised pair by 3.7e-5.
  QVERIFY2(synchronised <= 1e-4, qPrintable(QString::number(synchronised)));
  // Without it each rank normalises with its own half: the test can fail.
  QVERIFY2(perRank > 1e-3, qPrintable(QString::number(perRank)));
}

QTEST_APPLESS_MAIN(TestCliSyncBn)
#include "tst_cli_sync_bn.moc"
