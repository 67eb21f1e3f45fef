// Training on several processes from the window (issue 16), for real: DistributedRun drives
// learnbench-cli with 2 processes on a small Fashion-MNIST project and hands on rank 0's batches
// and epoch, both ranks' images/s and the end; Stop ends every rank within a batch; a rank that
// dies ends the run with the launcher's sentence. Then the Train page as a user works it: the
// Processes spin box, Train, the per-process images/s, the run recorded in the project, and the
// Equivalence check's two curves.
#include <signal.h>

#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <map>

#include "app/distributed_run.h"
#include "common/distributed_support.h"
#include "app/equivalence_dialog.h"
#include "app/train_page.h"
#include "app/training_session.h"
#include "engine/project/project.h"
#include "widgets/qcustomplot_include.h"

using lb::DistributedRun;

namespace {

// 800 training images: 25 batches of 16 on each of 2 processes; a small CNN.
QString writeProject(const QTemporaryDir& dir, int epochs) {
  lb::Project p;
  p.name = "Processes";
  p.data.limit = 800;
  p.train.epochs = epochs;
  p.train.batchSize = 16;
  p.model.channels = {8, 16};
  const QString file = dir.filePath(QStringLiteral("p.lbproj"));
  lb::saveProject(p, file.toStdString());
  return file;
}

}  // namespace

class TstDistributedRun : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    if (!std::filesystem::exists(lb::kDefaultFashionMnistDir))
      QSKIP("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
  }

  void curvesProgressAndSpeedsArrive() {
    QTemporaryDir dir;
    const QString file = writeProject(dir, 1);
    DistributedRun run;
    run.setCliPath(QStringLiteral(LB_CLI_PATH));
    std::vector<lb::BatchProgress> batches;
    connect(&run, &DistributedRun::batchesArrived, this,
            [&](const std::vector<lb::BatchProgress>& b) {
              batches.insert(batches.end(), b.begin(), b.end());
            });
    std::map<int, double> speeds;
    connect(&run, &DistributedRun::rankSpeed, this,
            [&](int rank, double ips) { speeds[rank] = ips; });
    QSignalSpy epochs(&run, &DistributedRun::epochDone);
    QSignalSpy finished(&run, &DistributedRun::finished);
    QSignalSpy failed(&run, &DistributedRun::failed);
    QVERIFY(run.train(file, 2));
    QVERIFY(!run.train(file, 2));  // one run at a time
    QVERIFY(finished.wait(120000));
    QCOMPARE(failed.count(), 0);
    QCOMPARE(finished.at(0).at(0).toBool(), false);
    QCOMPARE(int(batches.size()), 25);
    for (int i = 0; i < 25; ++i) {
      QCOMPARE(batches[std::size_t(i)].batch, i);
      QCOMPARE(batches[std::size_t(i)].batches, 25);
      QVERIFY(batches[std::size_t(i)].loss > 0 && batches[std::size_t(i)].smoothLoss > 0);
    }
    QVERIFY(batches.back().elapsedSeconds > batches.front().elapsedSeconds);
    QCOMPARE(epochs.count(), 1);
    const auto epoch = epochs.at(0).at(0).value<lb::EpochResult>();
    QCOMPARE(epoch.metricName, std::string("accuracy"));
    QVERIFY(epoch.metric > 0.1 && epoch.validLoss > 0);
    QCOMPARE(int(speeds.size()), 2);
    QVERIFY(speeds[0] > 0 && speeds[1] > 0);
    QCOMPARE(int(lb::loadProject(file.toStdString()).runs.size()), 1);  // rank 0 recorded it
  }

  void stopEndsEveryRank() {
    QTemporaryDir dir;
    DistributedRun run;
    run.setCliPath(QStringLiteral(LB_CLI_PATH));
    QSignalSpy batches(&run, &DistributedRun::batchesArrived);
    QSignalSpy finished(&run, &DistributedRun::finished);
    QVERIFY(run.train(writeProject(dir, 50), 2, {QStringLiteral("--bs"), QStringLiteral("4")}));
    QVERIFY(batches.wait(120000));
    const auto ranks = ranksOf(run.launcherPid());
    QCOMPARE(int(ranks.size()), 2);
    QElapsedTimer clock;
    clock.start();
    run.stop();
    QVERIFY(finished.wait(20000));
    QCOMPARE(finished.at(0).at(0).toBool(), true);
    for (const auto& [rank, pid] : ranks) QVERIFY2(::kill(pid, 0) != 0, "every rank ended");
    qInfo("all ranks stopped %.1f s after Stop", clock.elapsed() / 1000.0);
  }

  void deadRankEndsTheRunWithASentence() {
    QTemporaryDir dir;
    DistributedRun run;
    run.setCliPath(QStringLiteral(LB_CLI_PATH));
    QSignalSpy batches(&run, &DistributedRun::batchesArrived);
    QSignalSpy failed(&run, &DistributedRun::failed);
    QVERIFY(run.train(writeProject(dir, 50), 2,
                      {QStringLiteral("--bs"), QStringLiteral("4"), QStringLiteral("--dist-timeout"),
                       QStringLiteral("10")}));
    QVERIFY(batches.wait(120000));
    const auto ranks = ranksOf(run.launcherPid());
    QCOMPARE(int(ranks.size()), 2);
    ::kill(ranks.at(1), SIGKILL);
    QVERIFY(failed.wait(30000));
    const QString sentence = failed.at(0).at(0).toString();
    QVERIFY2(sentence.contains(QStringLiteral("Rank 1 of 2 was killed by signal 9")),
             qPrintable(sentence));
  }

  void trainPageWithTwoProcesses() {
    QTemporaryDir dir;
    const QString file = writeProject(dir, 1);
    lb::TrainingSession session;
    session.processes()->setCliPath(QStringLiteral(LB_CLI_PATH));
    lb::TrainPage page(&session);
    page.resize(1280, 800);
    page.show();
    QSignalSpy ready(&session, &lb::TrainingSession::dataReady);
    QVERIFY(session.setProject(lb::loadProject(file.toStdString())));
    QVERIFY(ready.wait(60000));

    auto* spin = page.findChild<QSpinBox*>(QStringLiteral("processesSpin"));
    auto* equivalence = page.findChild<QPushButton*>(QStringLiteral("equivalenceButton"));
    QVERIFY(spin && equivalence);
    QCOMPARE(spin->value(), 1);
    QVERIFY(!equivalence->isEnabled());
    spin->setFocus();
    QTest::keyClick(spin, Qt::Key_Up);
    QCOMPARE(session.project().train.processes, 2);
    QVERIFY(equivalence->isEnabled());
    QVERIFY(!session.can(lb::Action::Step));

    QSignalSpy finished(&session, &lb::TrainingSession::trainingFinished);
    QSignalSpy failed(&session, &lb::TrainingSession::trainingFailed);
    QTest::mouseClick(page.findChild<QPushButton*>(QStringLiteral("trainButton")), Qt::LeftButton);
    QCOMPARE(session.state().run, lb::RunKind::Training);
    QVERIFY(!page.findChild<QPushButton*>(QStringLiteral("pauseButton"))->isEnabled());
    QVERIFY(!spin->isEnabled());
    const QString shots = qEnvironmentVariable("LB_SHOT_DIR");  // screenshots, when asked
    if (!shots.isEmpty()) {
      QTRY_VERIFY_WITH_TIMEOUT(
          page.findChild<QLabel*>(QStringLiteral("rankSpeedLabel"))->isVisible() ||
              !finished.isEmpty(),
          120000);
      page.grab().save(shots + QStringLiteral("/train_during.png"));
    }
    QVERIFY(finished.count() == 1 || finished.wait(120000));
    QCOMPARE(failed.count(), 0);
    QCOMPARE(page.findChild<QTableWidget*>(QStringLiteral("epochTable"))->rowCount(), 1);
    auto* speeds = page.findChild<QLabel*>(QStringLiteral("rankSpeedLabel"));
    QVERIFY(speeds->isVisible());
    QVERIFY2(speeds->text().contains(QStringLiteral("process 1: ")), qPrintable(speeds->text()));
    if (!shots.isEmpty()) page.grab().save(shots + QStringLiteral("/train_after.png"));
    QCOMPARE(int(session.project().runs.size()), 1);  // the recorded run, read back
    QCOMPARE(lb::loadProject(file.toStdString()).runs.back().epochs, 1);

    // The equivalence check: both curves of 20 steps and the sentence.
    QTest::mouseClick(equivalence, Qt::LeftButton);
    auto* dialog = page.findChild<lb::EquivalenceDialog*>();
    QVERIFY(dialog && dialog->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->run()->running(), 120000);
    QVERIFY2(dialog->sentence().startsWith(QStringLiteral("Over 20 steps")),
             qPrintable(dialog->sentence()));
    QCOMPARE(dialog->plot()->graphCount(), 2);
    QCOMPARE(dialog->plot()->graph(0)->dataCount(), 20);
    QCOMPARE(dialog->plot()->graph(1)->dataCount(), 20);
    if (!qEnvironmentVariableIsEmpty("LB_SHOT"))
      dialog->grab().save(qEnvironmentVariable("LB_SHOT"));
    dialog->close();
  }
};

QTEST_MAIN(TstDistributedRun)
#include "tst_distributed_run.moc"
