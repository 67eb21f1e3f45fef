// What the window reads from learnbench-cli when it trains on several processes (issue 16):
// train --json --progress adds a line per batch and every rank's images/s without changing the
// epoch lines; `equivalence` trains the first steps on 2 processes and on one with the whole
// batch from the same weights, prints both curves and how far apart they are, and records
// nothing. The model has no BatchNorm and no dropout, so the two curves must agree.
#include <QtTest/QtTest>

#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "common/distributed_support.h"
#include "engine/project/project.h"

namespace {

// Fashion-MNIST, 800 training items: 25 batches of 16 on each of 2 ranks.
QString writeProject(const QString& dir) {
  const QString file = writeNoBatchNormProject(dir, 800);
  lb::Project p = lb::loadProject(file.toStdString());
  p.train.batchSize = 16;
  lb::saveProject(p, file.toStdString());
  return file;
}

std::vector<nlohmann::json> lines(const QString& out) {
  std::vector<nlohmann::json> all;
  for (const QString& line : out.trimmed().split(QLatin1Char('\n')))
    all.push_back(nlohmann::json::parse(line.toStdString()));
  return all;
}

}  // namespace

class TestCliDistributedWindow : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void progressLinesBesideTheEpochLines();
  void equivalenceOfTwoProcessesAndOne();
  void equivalenceNeedsSeveralProcesses();
};

void TestCliDistributedWindow::progressLinesBesideTheEpochLines() {
  QTemporaryDir dir;
  const QString project = writeProject(dir.path());
  const Result r = runCli({QStringLiteral("train"), project, QStringLiteral("--json"),
                           QStringLiteral("--progress"), QStringLiteral("--nproc"),
                           QStringLiteral("2")});
  QVERIFY2(r.exitCode == 0, qPrintable(r.err));
  int batches = 0, epochs = 0;
  std::set<int> ranks;
  for (const auto& line : lines(r.out)) {
    if (line.contains("progress")) {
      const auto& p = line["progress"];
      QCOMPARE(p["batch"].get<int>(), batches++);  // rank 0 alone, every batch in order
      QCOMPARE(p["batches"].get<int>(), 25);
      QVERIFY(p["loss"].get<double>() > 0 && p["lr"].get<double>() > 0);
    } else if (line.contains("images_per_s")) {
      ranks.insert(line["rank"].get<int>());
      QVERIFY(line["images_per_s"].get<double>() > 0);
    } else {
      // The epoch line as scripts read it, unchanged.
      QCOMPARE(line.size(), std::size_t(6));
      QVERIFY(line.contains("train_loss") && line.contains("accuracy"));
      ++epochs;
    }
  }
  QCOMPARE(batches, 25);
  QCOMPARE(epochs, 1);
  QCOMPARE(ranks, (std::set<int>{0, 1}));
}

void TestCliDistributedWindow::equivalenceOfTwoProcessesAndOne() {
  QTemporaryDir dir;
  const QString project = writeProject(dir.path());
  const QByteArray before = [&] {
    QFile f(project);
    f.open(QIODevice::ReadOnly);
    return f.readAll();
  }();
  const Result r = runCli({QStringLiteral("equivalence"), project, QStringLiteral("--nproc"),
                           QStringLiteral("2"), QStringLiteral("--steps"), QStringLiteral("12"),
                           QStringLiteral("--json")});
  QVERIFY2(r.exitCode == 0, qPrintable(r.err));
  const auto all = lines(r.out);
  QCOMPARE(int(all.size()), 13);
  for (int i = 0; i < 12; ++i) {
    QCOMPARE(all[std::size_t(i)]["step"].get<int>(), i);
    const double one = all[std::size_t(i)]["one_process"], two = all[std::size_t(i)]["processes"];
    QVERIFY2(std::abs(one - two) <= 1e-4 * one, qPrintable(QStringLiteral("step %1: %2 and %3")
                                                               .arg(i).arg(one).arg(two)));
  }
  QVERIFY2(all[0]["one_process"].get<double>() != all[11]["one_process"].get<double>(),
           "the steps trained");
  const auto& summary = all.back()["equivalence"];
  QCOMPARE(summary["processes"].get<int>(), 2);
  QCOMPARE(summary["batch_size"].get<int>(), 16);
  QVERIFY2(QString::fromStdString(summary["sentence"]).contains(
               QStringLiteral("2 processes train as one process")),
           summary.dump().c_str());
  // Nothing recorded, no checkpoint.
  QFile after(project);
  after.open(QIODevice::ReadOnly);
  QCOMPARE(after.readAll(), before);
  QVERIFY(!std::filesystem::exists(lb::loadProject(project.toStdString()).lastCheckpoint()));

  // The table without --json: a row per step and the sentence.
  const Result table = runCli({QStringLiteral("equivalence"), project, QStringLiteral("--nproc"),
                               QStringLiteral("2"), QStringLiteral("--steps"),
                               QStringLiteral("3")});
  QVERIFY2(table.exitCode == 0, qPrintable(table.err));
  const QStringList rows = table.out.trimmed().split(QLatin1Char('\n'));
  QCOMPARE(rows.size(), 5);
  QVERIFY2(rows[0].contains(QStringLiteral("1 process, bs 32")), qPrintable(rows[0]));
  QVERIFY2(rows[4].startsWith(QStringLiteral("Over 3 steps")), qPrintable(rows[4]));
}

void TestCliDistributedWindow::equivalenceNeedsSeveralProcesses() {
  QTemporaryDir dir;
  const QString project = writeProject(dir.path());
  const Result none = runCli({QStringLiteral("equivalence"), project});
  QCOMPARE(none.exitCode, 2);
  QCOMPARE(none.err.trimmed(),
           QStringLiteral("equivalence compares several processes with one: give --nproc N (2 or "
                          "more), or start it as torchrun starts ranks."));
  const Result one = runCli({QStringLiteral("equivalence"), project, QStringLiteral("--nproc"),
                             QStringLiteral("1")});
  QCOMPARE(one.exitCode, 2);
  QVERIFY2(one.err.contains(QStringLiteral("--nproc needs a whole number of at least 2")),
           qPrintable(one.err));
}

QTEST_APPLESS_MAIN(TestCliDistributedWindow)
#include "tst_cli_distributed_window.moc"
