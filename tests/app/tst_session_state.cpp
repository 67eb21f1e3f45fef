// blockedReason(): the one rule for which actions the window offers, checked as a plain value,
// without a window or a worker: each action against each run state and each project problem.
#include <QtTest>

#include "app/session_state.h"

using lb::Action;
using lb::RunKind;
using lb::SessionState;

class TstSessionState : public QObject {
  Q_OBJECT

 private:
  static SessionState ready() {
    SessionState s;
    s.hasProject = true;
    return s;
  }
  static bool can(const SessionState& s, Action a) { return lb::blockedReason(s, a).isEmpty(); }

 private Q_SLOTS:
  void readyProjectOffersTrainingButNoStop() {
    const SessionState s = ready();
    for (Action a : {Action::Train, Action::FindLearningRate, Action::Inspect,
                     Action::EditRunSettings, Action::EditBatchSize, Action::EditProject,
                     Action::Save})
      QVERIFY(can(s, a));
    QCOMPARE(lb::blockedReason(s, Action::Stop), QStringLiteral("Nothing is running"));
    QVERIFY(!can(s, Action::Pause));
  }

  void noProjectOffersOnlyOpening() {
    const SessionState s;
    QVERIFY(!can(s, Action::Train));
    QVERIFY(lb::blockedReason(s, Action::Train).startsWith(QStringLiteral("Open a project")));
    QVERIFY(!can(s, Action::FindLearningRate));
    QVERIFY(!can(s, Action::Inspect));
    QVERIFY(!can(s, Action::Save));
    QVERIFY(can(s, Action::EditProject));
  }

  // Step starts a stepping run like Train, advances a run under way, and waits for the finder.
  void stepFollowsTheRun() {
    SessionState s = ready();
    QVERIFY(can(s, Action::Step));
    s.previewProblem = QStringLiteral("the folder is empty");
    QVERIFY(lb::blockedReason(s, Action::Step).startsWith(QStringLiteral("The data block")));
    s = ready();
    s.run = RunKind::Training;
    QVERIFY(can(s, Action::Step));
    s.stopping = true;
    QCOMPARE(lb::blockedReason(s, Action::Step), QStringLiteral("Stopping after this batch"));
    s = ready();
    s.run = RunKind::FindingLr;
    QCOMPARE(lb::blockedReason(s, Action::Step),
             QStringLiteral("The learning-rate finder is running"));
    QVERIFY(!can(SessionState{}, Action::Step));
  }

  void trainingLocksWhatTheRunUses() {
    SessionState s = ready();
    s.run = RunKind::Training;
    QCOMPARE(lb::blockedReason(s, Action::Train), QStringLiteral("Training is running"));
    QVERIFY(!can(s, Action::FindLearningRate));
    QVERIFY(!can(s, Action::EditRunSettings));
    QVERIFY(!can(s, Action::EditBatchSize));
    QVERIFY(!can(s, Action::EditProject));
    QVERIFY(!can(s, Action::Inspect));
    QVERIFY(can(s, Action::Stop));
    QVERIFY(can(s, Action::Pause));
    QVERIFY(can(s, Action::Save));
    s.stopping = true;  // Stop and Pause grey out until the worker answers
    QVERIFY(!can(s, Action::Stop));
    QVERIFY(!can(s, Action::Pause));
  }

  void severalProcessesStopButNeitherPauseNorStep() {
    SessionState s = ready();
    s.severalProcesses = true;
    const QString why =
        QStringLiteral("Pause and Step work on one process: set Processes to 1 to use them");
    QVERIFY(can(s, Action::Train));
    QCOMPARE(lb::blockedReason(s, Action::Step), why);
    s.run = RunKind::Training;
    QVERIFY(can(s, Action::Stop));
    QCOMPARE(lb::blockedReason(s, Action::Pause), why);
    QCOMPARE(lb::blockedReason(s, Action::Step), why);
  }

  void theFinderHoldsTrainingBackButNotTheSettings() {
    SessionState s = ready();
    s.run = RunKind::FindingLr;
    QCOMPARE(lb::blockedReason(s, Action::Train),
             QStringLiteral("The learning-rate finder is running"));
    QVERIFY(can(s, Action::Stop));
    QVERIFY(!can(s, Action::Pause));             // only a training run pauses
    QVERIFY(can(s, Action::EditRunSettings));     // the finder does not use epochs or lr
    QVERIFY(!can(s, Action::EditBatchSize));      // it does use the batch size
  }

  void anInspectionQueuesARunBehindIt() {
    SessionState s = ready();
    s.inspecting = true;
    QVERIFY(can(s, Action::Train));
    QVERIFY(can(s, Action::FindLearningRate));
    QVERIFY(!can(s, Action::Inspect));
    QVERIFY(!can(s, Action::EditProject));
  }

  void projectProblemsAreNamedInOrder_data() {
    QTest::addColumn<QString>("preview");
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("build");
    QTest::addColumn<QString>("data");
    QTest::addColumn<QString>("expected");
    QTest::newRow("preview first") << "bad regex" << "bad layer" << "" << "no folder"
                                   << "The data block needs a change: bad regex";
    QTest::newRow("then the model") << "" << "bad layer" << "no fit" << "no folder"
                                    << "The model needs a change: bad layer";
    QTest::newRow("then the build") << "" << "" << "no fit" << "no folder"
                                    << "The model needs a change: no fit";
    QTest::newRow("then the data") << "" << "" << "" << "no folder"
                                   << "The data could not be loaded: no folder";
  }

  void projectProblemsAreNamedInOrder() {
    QFETCH(QString, preview);
    QFETCH(QString, model);
    QFETCH(QString, build);
    QFETCH(QString, data);
    QFETCH(QString, expected);
    SessionState s = ready();
    s.previewProblem = preview;
    s.modelProblem = model;
    s.modelBuildProblem = build;
    s.dataProblem = data;
    QCOMPARE(lb::blockedReason(s, Action::Train), expected);
    QCOMPARE(lb::blockedReason(s, Action::FindLearningRate), expected);
    QVERIFY(can(s, Action::Inspect));  // an earlier model can still be looked at
  }
};

QTEST_GUILESS_MAIN(TstSessionState)
#include "tst_session_state.moc"
