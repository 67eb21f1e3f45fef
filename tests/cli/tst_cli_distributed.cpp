// learnbench-cli train on several processes (issue 16): 2 ranks on loopback, CPU, Gloo. Two
// ranks with batch 32 reach the weights one rank reaches with batch 64; the 2-rank run's
// validation equals one process's evaluation of the same weights (an odd validation set, so a
// rank's share is padded); resuming with another number of processes works; a rank killed
// mid-run ends the other with a sentence naming it within the timeout; a rank whose peer never
// comes gives a sentence, not a hang.
#include <QtTest/QtTest>

#include <signal.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/distributed_support.h"
#include "common/test_support.h"
#include "engine/experiment/build_learner.h"
#include "engine/interpret/interpretation.h"
#include "engine/project/project.h"
#include "engine/train/checkpoint.h"

namespace fs = std::filesystem;

namespace {

// Fashion-MNIST's training items kept: 20 batches of 64, or of 32 on each of 2 ranks (the rest
// dropped); the validation set is a sixth as many, 215: odd, so rank 1's share is padded.
constexpr int kLimit = 1290;

QString writeProject(const QString& dir) { return writeNoBatchNormProject(dir, kLimit); }

QStringList train(const QString& project, const QStringList& more) {
  return QStringList{QStringLiteral("train"), project, QStringLiteral("--json")} + more;
}

// The Learner of `project` with its last checkpoint loaded: weights and optimizer state.
std::unique_ptr<lb::Learner> trained(const QString& project) {
  const lb::Project p = lb::loadProject(project.toStdString());
  auto built = lb::buildLearner(p);
  lb::loadCheckpoint(*built.learner, p.lastCheckpoint());
  return std::move(built.learner);
}

// The largest difference between two lists of tensors, relative to the largest value of `a`.
double relativeDifference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, (a[i] - b[i]).abs().max().item<double>());
    scale = std::max(scale, a[i].abs().max().item<double>());
  }
  return diff / scale;
}

}  // namespace

class TestCliDistributed : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void twoRanksReachOneRanksWeights();
  void validationEqualsOneProcess();
  void killedRankEndsTheOther();
  void missingPeerIsASentence();
};

void TestCliDistributed::twoRanksReachOneRanksWeights() {
  QTemporaryDir one, two;
  const QString p1 = writeProject(one.path()), p2 = writeProject(two.path());
  const Result single = runCli(train(p1, {"--bs", "64", "--threads", "1"}));
  QVERIFY2(single.exitCode == 0, qPrintable(single.err));
  const Result pair = runCli(train(p2, {"--bs", "32", "--nproc", "2"}));
  QVERIFY2(pair.exitCode == 0, qPrintable(pair.err));
  // Rank 0 alone prints: one row for the one epoch.
  QCOMPARE(pair.out.trimmed().split(QLatin1Char('\n')).size(), 1);

  auto a = trained(p1), b = trained(p2);
  QCOMPARE(int(a->trainLoader().batches()), 20);
  const auto pa = a->model()->parameters(), pb = b->model()->parameters();
  QCOMPARE(pa.size(), pb.size());
  double largest = 0;
  for (std::size_t i = 0; i < pa.size(); ++i)
    largest = std::max(largest, (pa[i] - pb[i]).abs().max().item<double>());
  QVERIFY2(largest <= 1e-5, qPrintable(QStringLiteral("largest difference %1").arg(largest)));
  // The optimizer's running averages compare the gradients themselves (summed over the ranks
  // and divided by the world size), not only the steps Adam took with them.
  const auto sa = a->optimizer().state(), sb = b->optimizer().state();
  QVERIFY(relativeDifference(sa.gradAvg, sb.gradAvg) < 1e-4);
  QVERIFY(relativeDifference(sa.sqrAvg, sb.sqrAvg) < 1e-4);
  // The weights moved: equal because both trained the same way, not because neither trained.
  const auto fresh = lb::buildLearner(lb::loadProject(p1.toStdString()));
  QVERIFY((fresh.learner->model()->parameters()[0] - pa[0]).abs().max().item<double>() > 1e-3);

  // Resuming rank 0's checkpoint with another number of processes goes on from its epoch.
  const Result resumed = runCli(train(p2, {"--bs", "64", "--epochs", "2", "--resume"}));
  QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));
  QCOMPARE(nlohmann::json::parse(resumed.out.trimmed().toStdString())["epoch"].get<int>(), 1);
}

void TestCliDistributed::validationEqualsOneProcess() {
  QTemporaryDir dir;
  const QString project = writeProject(dir.path());
  const Result pair = runCli(train(project, {"--bs", "32", "--nproc", "2"}));
  QVERIFY2(pair.exitCode == 0, qPrintable(pair.err));
  const auto row = nlohmann::json::parse(pair.out.trimmed().toStdString());

  auto learn = trained(project);
  const lb::Predictions preds = lb::predictValidation(*learn);
  QVERIFY2(preds.size() % 2 == 1, "an odd validation set, so rank 1's share is padded");
  const double loss = preds.losses.mean().item<double>();
  const double accuracy =
      preds.predicted.eq(preds.targets).to(torch::kDouble).mean().item<double>();
  LB_COMPARE_NEAR(row["valid_loss"].get<double>(), loss, 1e-5);
  LB_COMPARE_NEAR(row["accuracy"].get<double>(), accuracy, 1e-12);
}

void TestCliDistributed::killedRankEndsTheOther() {
  QTemporaryDir dir;
  const QString project = writeProject(dir.path());
  QProcess launcher;
  launcher.start(
      QStringLiteral(LB_CLI_PATH),
      train(project, {"--bs", "8", "--epochs", "50", "--nproc", "2", "--dist-timeout", "10"}));
  QVERIFY(launcher.waitForStarted());
  std::map<int, pid_t> ranks;
  // Both ranks training: rank 0 has printed its first epoch.
  QByteArray seen;
  while (!seen.contains('\n') && launcher.waitForReadyRead(60000))
    seen += launcher.readAllStandardOutput();
  ranks = ranksOf(launcher.processId());
  QCOMPARE(int(ranks.size()), 2);
  QElapsedTimer clock;
  clock.start();
  ::kill(ranks[1], SIGKILL);
  QVERIFY2(launcher.waitForFinished(15000), "the launcher ends within the timeout (10 s) and 5 s");
  const QString err = QString::fromUtf8(launcher.readAllStandardError());
  QCOMPARE(launcher.exitStatus(), QProcess::NormalExit);
  QCOMPARE(launcher.exitCode(), 1);
  QVERIFY2(err.contains(QStringLiteral("Rank 1 of 2 was killed by signal 9")), qPrintable(err));
  QVERIFY2(err.contains(QStringLiteral("The other rank (rank 1) stopped answering rank 0")),
           qPrintable(err));
  qInfo("rank 0 and the launcher ended %.1f s after rank 1 was killed", clock.elapsed() / 1000.0);
}

void TestCliDistributed::missingPeerIsASentence() {
  QTemporaryDir dir;
  const QString project = writeProject(dir.path());
  for (const char* rank : {"0", "1"}) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("WORLD_SIZE"), QStringLiteral("2"));
    env.insert(QStringLiteral("RANK"), QString::fromLatin1(rank));
    env.insert(QStringLiteral("MASTER_ADDR"), QStringLiteral("127.0.0.1"));
    env.insert(QStringLiteral("MASTER_PORT"), QStringLiteral("29537"));
    p.setProcessEnvironment(env);
    QElapsedTimer clock;
    clock.start();
    p.start(QStringLiteral(LB_CLI_PATH), train(project, {"--dist-timeout", "2"}));
    QVERIFY2(p.waitForFinished(30000), "no hang");
    const QString err = QString::fromUtf8(p.readAllStandardError()).trimmed();
    QCOMPARE(p.exitCode(), 1);
    QVERIFY2(err == (QString::fromLatin1(rank) == QStringLiteral("0")
                         ? QStringLiteral("Not all 2 ranks arrived at 127.0.0.1:29537 within 2 s: "
                                          "start every rank with the same MASTER_ADDR, "
                                          "MASTER_PORT and WORLD_SIZE.")
                         : QStringLiteral("Rank 1 could not reach rank 0 at 127.0.0.1:29537 "
                                          "within 2 s: start rank 0 there, or correct "
                                          "MASTER_ADDR and MASTER_PORT.")),
             qPrintable(err));
    QVERIFY2(clock.elapsed() < 20000, "ended within a few timeouts");
  }
}

QTEST_APPLESS_MAIN(TestCliDistributed)
#include "tst_cli_distributed.moc"
