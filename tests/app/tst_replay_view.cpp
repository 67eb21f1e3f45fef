// Replay of a finished run, offscreen, on real Fashion-MNIST: the slider shows each epoch's
// stored confusion matrix, equal to the one the run showed live at that epoch; the run keeps
// the checkpoints of its last train.epochCheckpoints epochs, and the pinned image's Grad-CAM is
// drawn from the epoch's own, or its absence said.
#include <QLabel>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <memory>

#include "app/replay_view.h"
#include "engine/experiment/operations.h"
#include "engine/project/run_store.h"
#include "widgets/confusion_matrix_view.h"
#include "widgets/loss_plot.h"
#include "widgets/top_losses_view.h"

using namespace lb;

class TstReplayView : public QObject {
  Q_OBJECT
  std::unique_ptr<QTemporaryDir> m_dir;

 private Q_SLOTS:
  void initTestCase() {
    if (!std::filesystem::exists(kDefaultFashionMnistDir))
      QSKIP("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
  }

  void sliderShowsTheLiveConfusionOfEachEpoch() {
    Project p;
    p.name = "Replay";
    p.data.limit = 600;
    p.train.epochs = 3;
    p.train.epochCheckpoints = 2;
    const std::string file = m_dir->filePath(QStringLiteral("replay.lbproj")).toStdString();
    saveProject(p, file);
    const Project project = loadProject(file);
    QCOMPARE(project.train.epochCheckpoints, 2);  // the setting survives the file

    std::vector<Confusion> live;
    {
      Experiment experiment(project);
      TrainingHooks hooks;
      hooks.onInterpretation = [&](const Interpretation& in) { live.push_back(in.confusion); };
      trainAndRecord(experiment, hooks);
    }
    QCOMPARE(int(live.size()), 3);
    const std::vector<StoredRun> runs = listRuns(project);
    QCOMPARE(int(runs.size()), 1);
    const StoredRun& run = runs.front();
    // The last two epochs' checkpoints are kept, the first's removed.
    QVERIFY(epochCheckpoint(run, 0).empty());
    QVERIFY(std::filesystem::exists(epochCheckpoint(run, 1)));
    QVERIFY(std::filesystem::exists(epochCheckpoint(run, 2)));

    ReplayView view(project, run);
    view.resize(1280, 800);
    view.show();
    QCOMPARE(view.epochs(), 3);
    QSignalSpy images(&view, &ReplayView::imagesReady);
    bool differ = false;
    for (int e : {2, 0, 1}) {
      view.slider()->setValue(e);  // what dragging the slider does
      QCOMPARE(view.epoch(), e);
      QCOMPARE(view.confusion().counts, live[std::size_t(e)].counts);
      const Confusion& shown = live[std::size_t(e)];
      for (int a = 0; a < int(shown.counts.size()); ++a)
        for (int c = 0; c < int(shown.counts.size()); ++c)
          QCOMPARE(view.confusionView()->cellValue(a, c), double(shown.counts[a][c]));
      if (e > 0 && live[e].counts != live[e - 1].counts) differ = true;
      QTRY_VERIFY_WITH_TIMEOUT(view.imagesShown(), 60000);
      QCOMPARE(view.topLosses()->visibleCount(), kDefaultTopLosses);
      // Each tile's probability is the one stored with the epoch: a wrong prediction's too,
      // so no tile says a false "p 0.00".
      for (int i = 0; i < view.topLosses()->visibleCount(); ++i) {
        const TopLoss& t = view.topLosses()->visibleTile(i).item;
        QVERIFY2(t.probability > 0.05 && t.probability <= 1,
                 qPrintable(QStringLiteral("epoch %1, tile %2: p %3").arg(e).arg(i).arg(t.probability)));
        QVERIFY(view.topLosses()->tileWidget(i)->toolTip().contains(
            QStringLiteral("p %1").arg(t.probability, 0, 'f', 2)));
      }
      const QString text = view.pinnedText()->text();
      if (e == 0) {
        QVERIFY2(text.contains(QStringLiteral("last 2 epochs only")), qPrintable(text));
        if (!qEnvironmentVariableIsEmpty("LB_SHOTS"))
          view.grab().save(qEnvironmentVariable("LB_SHOTS") + QStringLiteral("/replay-first.png"));
      } else {
        QVERIFY2(text.contains(QStringLiteral("where it looked")), qPrintable(text));
        if (e == 2 && !qEnvironmentVariableIsEmpty("LB_SHOTS"))
          view.grab().save(qEnvironmentVariable("LB_SHOTS") + QStringLiteral("/replay-last.png"));
      }
    }
    QVERIFY(differ);  // the epochs really differ, so equality above picked the right one
    // The loss curve stops at the epoch shown.
    view.setEpoch(0);
    QCOMPARE(view.lossPlot()->epochPointCount(), 1);
    view.setEpoch(2);
    QCOMPARE(view.lossPlot()->epochPointCount(), 3);

    // Play runs from the first epoch to the last, one a second.
    view.play();
    QCOMPARE(view.epoch(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(view.epoch(), 2, 5000);
  }

  void aRunThatCannotBeReplayedSaysWhy() {
    StoredRun run;
    run.info.id = "2026-12-03_09-00-00";
    QString why;
    QVERIFY(openReplay(Project{}, run, nullptr, &why) == nullptr);
    QVERIFY2(why.contains(QStringLiteral("no finished epoch")), qPrintable(why));
  }
};

QTEST_MAIN(TstReplayView)
#include "tst_replay_view.moc"
