// Classroom Step and slow motion through the Train page, offscreen, on real Fashion-MNIST: one
// click on Step trains exactly one batch (the loss plot gains one point, the batch's loss falls,
// the step count is one) and the run then holds; the next click trains the next batch; Resume
// runs on; the speed control sets the session's rate.
#include <QComboBox>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <memory>

#include "app/step_panel.h"
#include "app/train_page.h"
#include "app/training_session.h"
#include "engine/project/project.h"
#include "widgets/batch_step_view.h"
#include "widgets/loss_plot.h"

using namespace lb;

class TstStepPanel : public QObject {
  Q_OBJECT
  std::unique_ptr<QTemporaryDir> m_dir;

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    if (!std::filesystem::exists(kDefaultFashionMnistDir))
      QSKIP("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
  }

  void stepTrainsOneBatchThenHolds() {
    Project p;
    p.name = "Step";
    p.data.limit = 640;
    p.train.epochs = 2;
    p.train.batchSize = 32;
    const std::string file = m_dir->filePath(QStringLiteral("step.lbproj")).toStdString();
    saveProject(p, file);
    TrainingSession session;
    TrainPage page(&session);
    page.resize(1280, 800);
    page.show();
    QSignalSpy ready(&session, &TrainingSession::dataReady);
    QVERIFY(session.setProject(loadProject(file)));
    QVERIFY(ready.wait(60000));

    StepPanel* panel = page.stepPanel();
    QSignalSpy stepped(&session, &TrainingSession::stepped);
    QVERIFY(panel->stepButton()->isEnabled());
    QTest::mouseClick(panel->stepButton(), Qt::LeftButton);
    QCOMPARE(session.state().run, RunKind::Training);
    QVERIFY(session.state().stepping);
    QVERIFY(session.state().paused);  // Resume is offered: it runs on
    QVERIFY(stepped.wait(60000));
    const auto first = stepped.takeFirst().first().value<BatchStepReport>();
    QCOMPARE(first.step, 1L);
    QCOMPARE(first.batches, 20);
    QCOMPARE(first.steps, 40L);
    QVERIFY2(first.lossAfter < first.lossBefore,  // the weights moved, downhill on this batch
             qPrintable(QStringLiteral("%1 -> %2").arg(first.lossBefore).arg(first.lossAfter)));
    QTRY_COMPARE_WITH_TIMEOUT(page.lossPlot()->batchPointCount(), 1, 5000);
    QTest::qWait(600);  // the run holds: no second point comes without a second click
    QCOMPARE(page.lossPlot()->batchPointCount(), 1);
    BatchStepView* view = panel->view();
    QVERIFY(view->isVisible());
    QCOMPARE(view->tileCount(), 16);
    QVERIFY2(view->headline().startsWith(QStringLiteral("Step 1: the loss on this batch went down")),
             qPrintable(view->headline()));
    QVERIFY(view->tileText(0).startsWith(QStringLiteral("actual: ")));
    QVERIFY(view->tileText(0).contains(QStringLiteral("after: ")));
    QVERIFY2(panel->positionLabel()->text().startsWith(QStringLiteral("Batch 1 of 40 · epoch 1 of 2")),
             qPrintable(panel->positionLabel()->text()));
    QVERIFY(panel->positionLabel()->text().contains(QStringLiteral("warming up")));

    if (!qEnvironmentVariableIsEmpty("LB_SHOTS"))
      page.grab().save(qEnvironmentVariable("LB_SHOTS") + QStringLiteral("/step.png"));

    QTest::mouseClick(panel->stepButton(), Qt::LeftButton);
    QVERIFY(stepped.wait(30000));
    QCOMPARE(stepped.takeFirst().first().value<BatchStepReport>().step, 2L);
    QTRY_COMPARE_WITH_TIMEOUT(page.lossPlot()->batchPointCount(), 2, 5000);

    // Resume runs on at the chosen speed (slow enough to see it go, then stop it).
    panel->speedCombo()->setCurrentIndex(panel->speedCombo()->findData(20.0));
    QCOMPARE(session.batchesPerSecond(), 20.0);
    QVERIFY(session.setPaused(false));
    QVERIFY(!session.state().stepping);
    QTRY_VERIFY_WITH_TIMEOUT(page.lossPlot()->batchPointCount() >= 4, 10000);
    QSignalSpy finished(&session, &TrainingSession::trainingFinished);
    QVERIFY(session.stop());
    QVERIFY(finished.wait(30000));
    QVERIFY(!session.state().stepping);
    QCOMPARE(stepped.count(), 0);  // batches run on are not stepped ones
  }
};

QTEST_MAIN(TstStepPanel)
#include "tst_step_panel.moc"
