// TrainingSession without a window, on real Fashion-MNIST: the run state moves as the worker
// answers, requests that blockedReason() refuses do nothing, Stop ends a run within a batch, and
// the run is recorded in the project's file with its checkpoint beside it.
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <memory>

#include "app/training_session.h"
#include "engine/project/project.h"

using lb::RunKind;
using lb::TrainingSession;

class TstTrainingSession : public QObject {
  Q_OBJECT

 private:
  std::unique_ptr<QTemporaryDir> m_dir;
  int m_projects = 0;

  lb::Project writeProject(int limit, int epochs) {
    lb::Project p;
    p.name = "Session";
    p.data.limit = limit;
    p.train.epochs = epochs;
    const QString file = m_dir->filePath(QStringLiteral("s%1.lbproj").arg(++m_projects));
    lb::saveProject(p, file.toStdString());
    return lb::loadProject(file.toStdString());
  }

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    if (!std::filesystem::exists(lb::kDefaultFashionMnistDir))
      QSKIP("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
  }

  void requestsWithoutAProjectAreRefused() {
    TrainingSession session;
    QSignalSpy started(&session, &TrainingSession::trainingStarted);
    QVERIFY(!session.train());
    QVERIFY(!session.findLearningRate());
    QVERIFY(!session.inspect());
    QVERIFY(!session.stop());
    QCOMPARE(started.count(), 0);
    QCOMPARE(session.state().run, RunKind::None);
  }

  void aRunIsRecordedAndTheStateFollowsIt() {
    TrainingSession session;
    const lb::Project project = writeProject(600, 2);
    QSignalSpy ready(&session, &TrainingSession::dataReady);
    QVERIFY(session.setProject(project));
    QVERIFY(ready.wait(60000));
    QCOMPARE(session.data().trainItems, 600);  // limit counts training items; valid is 1:6
    QVERIFY(session.data().secondsPerItem > 0);  // load() times the model for the estimate

    QSignalSpy epochs(&session, &TrainingSession::epochDone);
    QSignalSpy finished(&session, &TrainingSession::trainingFinished);
    QSignalSpy batches(&session, &TrainingSession::batchesArrived);
    QVERIFY(session.train());
    QCOMPARE(session.state().run, RunKind::Training);
    QVERIFY(!session.train());             // one run at a time
    QVERIFY(!session.findLearningRate());  // one worker
    QVERIFY(!session.setProject(project));  // the run keeps its project
    QVERIFY(finished.wait(120000));
    QCOMPARE(finished.first().first().toBool(), false);
    QCOMPARE(epochs.count(), 2);
    QCOMPARE(session.completedEpochs(), 2);
    QVERIFY(batches.count() > 0);
    QCOMPARE(session.state().run, RunKind::None);
    QVERIFY(session.can(lb::Action::Train));

    // The engine's trainAndRecord wrote the checkpoint and the run record.
    QVERIFY(std::filesystem::exists(project.lastCheckpoint()));
    const lb::Project saved = lb::loadProject(project.file);
    QCOMPARE(int(saved.runs.size()), 1);
    QCOMPARE(saved.runs.front().ended, std::string("finished"));
    QCOMPARE(int(saved.runs.front().results.size()), 2);
    // The session's project has the run too, so saving it keeps the history.
    QCOMPARE(int(session.project().runs.size()), 1);
    lb::saveProject(session.project(), project.file);
    QCOMPARE(int(lb::loadProject(project.file).runs.size()), 1);

    // Inspect reads the model the run left.
    QSignalSpy interpreted(&session, &TrainingSession::interpreted);
    QVERIFY(session.inspect());
    QVERIFY(session.state().inspecting);
    QVERIFY(interpreted.wait(60000));
    QVERIFY(!session.state().inspecting);
  }

  void stopEndsTheRunAndPauseHoldsIt() {
    TrainingSession session;
    QSignalSpy ready(&session, &TrainingSession::dataReady);
    QVERIFY(session.setProject(writeProject(3000, 50)));
    QVERIFY(ready.wait(60000));
    QSignalSpy batches(&session, &TrainingSession::batchesArrived);
    QSignalSpy finished(&session, &TrainingSession::trainingFinished);
    QVERIFY(session.train());
    QVERIFY(batches.wait(60000));
    QVERIFY(session.setPaused(true));
    QVERIFY(session.state().paused);
    QVERIFY(session.stop());
    QVERIFY(session.state().stopping);
    QVERIFY(!session.stop());  // already stopping
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.first().first().toBool(), true);
    QCOMPARE(session.state().run, RunKind::None);
    QVERIFY(!session.state().paused);
    QVERIFY(!session.state().stopping);
  }

  void inspectingWithoutACheckpointSaysSo() {
    TrainingSession session;
    QSignalSpy ready(&session, &TrainingSession::dataReady);
    QVERIFY(session.setProject(writeProject(600, 1)));
    QVERIFY(ready.wait(60000));
    QSignalSpy failed(&session, &TrainingSession::interpretFailed);
    QVERIFY(session.inspect());
    QVERIFY(failed.wait(60000));
    QVERIFY2(failed.first().first().toString().startsWith(QStringLiteral("There is no checkpoint")),
             qPrintable(failed.first().first().toString()));
    QVERIFY(!session.state().inspecting);
  }

  // Several processes read a saved project from its file: a setting the command line does not
  // carry must be saved first, or one process and N would train differently.
  void processesRefuseUnsavedSettingsTheirCommandLineLacks() {
    TrainingSession session;
    const lb::Project project = writeProject(300, 1);
    QVERIFY(session.setProject(project));
    QCOMPARE(session.fileForProcesses(), project.file);
    session.setTrainSettings(3, 0.005, 32);  // these go on the command line
    QVERIFY(session.runOptions().contains(QStringLiteral("--epochs")));
    QCOMPARE(session.fileForProcesses(), project.file);
    session.setEpochCheckpoints(2);
    try {
      session.fileForProcesses();
      QFAIL("an unsaved checkpoint count was not refused");
    } catch (const std::exception& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("Save the project first")),
               e.what());
    }
    lb::saveProject(session.project(), project.file);
    QCOMPARE(session.fileForProcesses(), project.file);
  }

  // Opening a project while the previous one's data still loads: only the new one's answer
  // counts (the old one's, arriving later, is dropped), so its figures are never shown as the
  // new project's.
  void aStaleDataAnswerIsDropped() {
    TrainingSession session;
    QSignalSpy ready(&session, &TrainingSession::dataReady);
    QVERIFY(session.setProject(writeProject(300, 1)));
    QVERIFY(session.setProject(writeProject(1200, 1)));
    QVERIFY(ready.wait(60000));
    QTest::qWait(2000);  // time for a late answer to the first project to arrive too
    QCOMPARE(ready.count(), 1);
    QCOMPARE(ready.first().first().value<lb::DataSummary>().trainItems, 1200);
    QCOMPARE(session.data().trainItems, 1200);
  }
};

QTEST_MAIN(TstTrainingSession)
#include "tst_training_session.moc"
