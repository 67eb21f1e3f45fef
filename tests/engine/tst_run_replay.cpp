// A replayed epoch's top losses carry the probability of the predicted class the run showed
// live (stored with each epoch's predictions), so a replay's tiles say "p 0.93" and not a false
// "p 0.00"; a run stored before the probability was kept still opens, its wrong predictions
// with no probability (NaN) rather than 0 (issue 12).
#include <QTemporaryDir>
#include <QtTest/QtTest>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "common/test_support.h"
#include "engine/experiment/operations.h"
#include "engine/project/run_replay.h"
#include "engine/project/run_store.h"

using namespace lb;

class TestRunReplay : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;

 private Q_SLOTS:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  void storedTopLossesCarryTheLiveProbability() {
    if (!std::filesystem::exists(test::fashionMnistDir()))
      QSKIP("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
    Project p;
    p.name = "probability";
    p.data.limit = 300;
    p.train.epochs = 1;
    p.train.threads = 1;
    const std::string file = m_dir.filePath(QStringLiteral("p.lbproj")).toStdString();
    saveProject(p, file);
    const Project project = loadProject(file);
    std::vector<TopLoss> live;
    {
      Experiment experiment(project);
      TrainingHooks hooks;
      hooks.onInterpretation = [&](const Interpretation& in) { live = in.topLosses; };
      trainAndRecord(experiment, hooks);
    }
    QVERIFY(!live.empty());
    const std::vector<StoredRun> runs = listRuns(project);
    QCOMPARE(int(runs.size()), 1);
    const std::vector<StoredPrediction> stored = loadPredictions(runs.front(), 0);
    for (const StoredPrediction& s : stored)
      QVERIFY2(s.probability > 0 && s.probability <= 1, qPrintable(QString::number(s.probability)));
    const std::vector<TopLoss> replayed = storedTopLosses(stored, int(live.size()));
    QCOMPARE(replayed.size(), live.size());
    int wrong = 0;
    for (std::size_t i = 0; i < live.size(); ++i) {
      QCOMPARE(replayed[i].index, live[i].index);
      QCOMPARE(replayed[i].predicted, live[i].predicted);
      // Stored to four significant digits.
      QVERIFY2(std::abs(replayed[i].probability - live[i].probability) <= 1e-3 * live[i].probability,
               qPrintable(QStringLiteral("item %1: replayed p %2, live p %3")
                              .arg(live[i].index)
                              .arg(replayed[i].probability)
                              .arg(live[i].probability)));
      wrong += live[i].correct() ? 0 : 1;
    }
    QVERIFY(wrong > 0);  // the wrong predictions, whose probability exp(-loss) does not give
  }

  void aRunStoredWithoutProbabilitiesSaysNone() {
    // A run's predictions as they were stored before: four columns. gzread reads plain text
    // as it is, so the file need not be compressed.
    StoredRun run;
    run.info.id = "2026-12-01_10-00-00";
    run.folder = m_dir.filePath(QStringLiteral("old-run")).toStdString();
    std::filesystem::create_directories(run.folder / "predictions");
    std::ofstream(run.folder / "predictions" / "epoch-001.csv.gz")
        << "item,actual,predicted,loss\n0,1,1,0.105\n1,2,0,2.3\n2,0,0,0.01\n";
    const std::vector<StoredPrediction> stored = loadPredictions(run, 0);
    QCOMPARE(int(stored.size()), 3);
    for (const StoredPrediction& s : stored) QVERIFY(std::isnan(s.probability));
    const std::vector<TopLoss> top = storedTopLosses(stored, 3);
    QCOMPARE(top[0].index, 1L);
    QVERIFY(std::isnan(top[0].probability));  // wrong: unknown, not 0
    QCOMPARE(top[1].index, 0L);
    QVERIFY(std::abs(top[1].probability - std::exp(-0.105)) < 1e-12);  // right: exp(-loss)
  }
};

QTEST_APPLESS_MAIN(TestRunReplay)
#include "tst_run_replay.moc"
