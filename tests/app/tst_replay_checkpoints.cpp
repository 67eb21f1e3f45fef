// The Train page's "Checkpoints for replay" (issue 12): it shows the project's
// train.epochCheckpoints, an edit goes to the project and survives save and reopen, it is
// bounded (none to kMaxEpochs) with a tooltip saying what it costs, and it is locked while a
// run trains.
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>

#include "app/main_window.h"
#include "app/replay_view.h"
#include "app/training_session.h"
#include "common/test_support.h"
#include "common/window_test.h"

using namespace lb;

class TstReplayCheckpoints : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void initTestCase() {
    lb::test::useOwnSettings("tst_replay_checkpoints");
    if (!std::filesystem::exists(test::fashionMnistDir()))
      QSKIP("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
    QVERIFY(m_dir.isValid());
  }

  void editedOnTheTrainPageAndSavedWithTheProject() {
    Project p = loadProject(test::exampleProjectFile().toStdString());
    p.data.limit = 300;
    p.train.epochCheckpoints = 7;
    const QString file = m_dir.filePath(QStringLiteral("a.lbproj"));
    saveProject(p, file.toStdString());
    {
      MainWindow w;
      QVERIFY(w.openProject(file));
      w.showStep(MainWindow::TrainStep);
      w.show();
      auto* spin = w.findChild<QSpinBox*>(QStringLiteral("epochCheckpointsSpin"));
      QVERIFY(spin);
      QVERIFY(spin->isVisible());
      QCOMPARE(spin->value(), 7);  // the project's
      QCOMPARE(spin->minimum(), 0);
      QCOMPARE(spin->maximum(), kMaxEpochs);
      QVERIFY(spin->toolTip().contains(QStringLiteral("disk")));
      QCOMPARE(spin->text(), QStringLiteral("last 7 epochs"));
      QVERIFY(!w.isWindowModified());
      spin->setValue(0);
      QCOMPARE(spin->text(), QStringLiteral("none"));
      QCOMPARE(w.project().train.epochCheckpoints, 0);
      spin->setValue(kMaxEpochs + 10);  // typed past the end: bounded
      QCOMPARE(w.project().train.epochCheckpoints, kMaxEpochs);
      spin->setValue(12);
      QCOMPARE(w.project().train.epochCheckpoints, 12);
      QVERIFY(w.isWindowModified());
      QVERIFY(w.saveAs(m_dir.filePath(QStringLiteral("b.lbproj"))));
      // Another project shows its own.
      QVERIFY(w.openProject(file));
      QCOMPARE(spin->value(), 7);
    }
    QCOMPARE(loadProject(m_dir.filePath(QStringLiteral("b.lbproj")).toStdString())
                 .train.epochCheckpoints,
             12);
    MainWindow w;
    QVERIFY(w.openProject(m_dir.filePath(QStringLiteral("b.lbproj"))));
    QCOMPARE(w.findChild<QSpinBox*>(QStringLiteral("epochCheckpointsSpin"))->value(), 12);
  }

  void lockedWhileARunTrains() {
    TrainingSession session;
    ReplayCheckpointsBox box(&session);
    Project p;
    p.data.limit = 300;
    p.train.epochs = 3;
    QVERIFY(session.setProject(p));
    QTRY_VERIFY_WITH_TIMEOUT(session.can(Action::Train), 30000);
    QVERIFY(box.spin()->isEnabled());
    QVERIFY(session.train());
    QTRY_VERIFY(!box.spin()->isEnabled());
    session.stop();
    QTRY_VERIFY_WITH_TIMEOUT(box.spin()->isEnabled(), 60000);
  }
};

QTEST_MAIN(TstReplayCheckpoints)
#include "tst_replay_checkpoints.moc"
