// Every run kept (engine/project/run_store.h), on real Fashion-MNIST subsets: trainAndRecord
// leaves runs/<id>/ with every batch, every epoch, every epoch's predictions and its checkpoints;
// the stored predictions rebuild the confusion matrix the run showed; two runs compare image by
// image exactly as a hand count over their files; a run started again with its settings gives
// the same per-batch losses; a version-1 project file opens and keeps its runs.
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>

#include "common/image_folder.h"
#include "common/test_support.h"
#include "engine/experiment/operations.h"
#include "engine/project/run_store.h"

using namespace lb;

class TestRunStore : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;

  Project writeProject(const QString& name, double lr, int epochs = 2) {
    Project p;
    p.name = name.toStdString();
    p.data.limit = 600;
    p.train.epochs = epochs;
    p.train.lr = lr;
    p.train.threads = 1;
    const std::string file = m_dir.filePath(name + QStringLiteral(".lbproj")).toStdString();
    saveProject(p, file);
    return loadProject(file);
  }

  // Trains `project` as the CLI and the window do; the interpretations it showed, per epoch.
  std::vector<Interpretation> train(const Project& project) {
    Experiment experiment(project);
    std::vector<Interpretation> shown;
    TrainingHooks hooks;
    hooks.onInterpretation = [&](const Interpretation& in) { shown.push_back(in); };
    const RecordedRun run = trainAndRecord(experiment, hooks);
    for (const std::string& n : run.notices) qWarning("%s", n.c_str());
    return shown;
  }

 private Q_SLOTS:
  void initTestCase() {
    if (!std::filesystem::exists(test::fashionMnistDir()))
      QSKIP("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
    QVERIFY(m_dir.isValid());
  }

  void aRunKeepsEverythingAndRebuildsItsConfusion() {
    const Project project = writeProject(QStringLiteral("keep"), 1e-2);
    const std::vector<Interpretation> shown = train(project);
    QCOMPARE(int(shown.size()), 2);

    const std::vector<StoredRun> runs = listRuns(project);
    QCOMPARE(int(runs.size()), 1);
    const StoredRun& run = runs.front();
    QCOMPARE(run.info.status, std::string("finished"));
    QCOMPARE(int(run.epochs.size()), 2);
    QCOMPARE(run.settings.train.lr, 1e-2);
    QVERIFY(!run.info.libtorchVersion.empty());
    QCOMPARE(run.info.seed, project.train.seed);
    // The project's history names the run's folder.
    const Project saved = loadProject(project.file);
    QCOMPARE(int(saved.runs.size()), 1);
    QCOMPARE(saved.runs.front().id, run.info.id);
    QCOMPARE(saved.formatVersion, kProjectFormatVersion);

    const std::vector<StoredBatch> batches = loadBatches(run);
    QCOMPARE(int(batches.size()), 2 * (600 / 64));  // whole batches only, as the loader
    QCOMPARE(batches.front().iter, 0L);
    QVERIFY(batches.back().lr < batches[batches.size() / 4].lr);  // one cycle: down at the end

    for (int e = 0; e < 2; ++e) {
      const std::vector<StoredPrediction> preds = loadPredictions(run, e);
      QCOMPARE(long(preds.size()), shown[std::size_t(e)].validItems);
      const Confusion& confusion = shown[std::size_t(e)].confusion;
      std::vector<std::vector<long>> counts(confusion.counts.size(),
                                            std::vector<long>(confusion.counts.size(), 0));
      for (const StoredPrediction& p : preds) ++counts[std::size_t(p.actual)][std::size_t(p.predicted)];
      QCOMPARE(counts, confusion.counts);
    }
    QVERIFY(std::filesystem::exists(run.folder / "checkpoints" / "last.pt"));
    QVERIFY(std::filesystem::exists(run.folder / "checkpoints" / "best.pt"));
  }

  void twoRunsCompareImageByImage() {
    const Project a = writeProject(QStringLiteral("compare"), 1e-2, 1);
    train(a);
    Project b = a;
    b.train.lr = 1e-3;
    train(b);
    const std::vector<StoredRun> runs = listRuns(a);
    QCOMPARE(int(runs.size()), 2);
    const RunComparison c = compareRuns(runs[0], runs[1]);
    QCOMPARE(int(c.settings.size()), 1);
    QCOMPARE(c.settings.front().path, std::string("train.lr"));
    QCOMPARE(differingSettings(runs), std::vector<std::string>{"train.lr"});

    // By hand, from the two runs' stored files.
    const auto pa = loadPredictions(runs[0]), pb = loadPredictions(runs[1]);
    std::vector<long> fixed, broken;
    long changed = 0;
    for (std::size_t i = 0; i < pa.size(); ++i) {
      const bool ra = pa[i].predicted == pa[i].actual, rb = pb[i].predicted == pb[i].actual;
      if (!ra && rb) fixed.push_back(long(i));
      if (ra && !rb) broken.push_back(long(i));
      changed += pa[i].predicted != pb[i].predicted;
    }
    QCOMPARE(c.fixed, fixed);
    QCOMPARE(c.broken, broken);
    long moved = 0, total = 0;
    for (const auto& row : c.confusionDiff)
      for (long v : row) {
        moved += std::abs(v);
        total += v;
      }
    QCOMPARE(total, 0L);          // the same images, moved between cells
    QVERIFY(moved <= 2 * changed);
    QVERIFY(changed > 0);  // ten times another lr predicts differently
  }

  void aRunStartedAgainGivesTheSameLosses() {
    const Project project = writeProject(QStringLiteral("again"), 1e-2, 1);
    train(project);
    const StoredRun first = listRuns(project).front();
    Project again = first.settings;  // exactly its settings
    again.file = project.file;
    train(again);
    const std::vector<StoredRun> runs = listRuns(project);
    QCOMPARE(int(runs.size()), 2);
    const auto a = loadBatches(runs[0]), b = loadBatches(runs[1]);
    QCOMPARE(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) QCOMPARE(a[i].loss, b[i].loss);
  }

  void aFolderRunStartedAgainGivesTheSameLosses_data() {
    QTest::addColumn<int>("workers");
    QTest::addColumn<bool>("cache");
    QTest::newRow("in the training thread") << -1 << false;
    QTest::newRow("1 worker") << 1 << false;
    QTest::newRow("2 workers") << 2 << false;
    QTest::newRow("cache") << 1 << true;
  }

  void aFolderRunStartedAgainGivesTheSameLosses() {
    // PNG files with augmentation through the loader's threads: every draw is seeded by the
    // item, so neither the worker count nor the cache may change a loss.
    QFETCH(int, workers);
    QFETCH(bool, cache);
    static const std::filesystem::path images = [&] {
      const std::filesystem::path dir = m_dir.filePath(QStringLiteral("images")).toStdString();
      test::writeImageFolder(dir, 640, 100);
      return dir;
    }();
    Project p;
    p.name = "folder";
    p.data.source = SourceKind::Folder;
    p.data.path = images.string();
    p.data.split.kind = SplitKind::Grandparent;
    p.data.augment.enabled = true;
    p.data.workers = workers < 0 ? 0 : workers;
    p.data.cache = cache;
    p.train.epochs = 2;
    const std::string file =
        m_dir.filePath(QStringLiteral("folder-%1-%2.lbproj").arg(workers).arg(cache)).toStdString();
    saveProject(p, file);
    const Project project = loadProject(file);
    train(project);
    train(project);
    const std::vector<StoredRun> runs = listRuns(project);
    QCOMPARE(int(runs.size()), 2);
    const auto a = loadBatches(runs[0]), b = loadBatches(runs[1]);
    QCOMPARE(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
      QVERIFY2(a[i].loss == b[i].loss, qPrintable(QStringLiteral("batch %1: %2 against %3")
                                                     .arg(i)
                                                     .arg(a[i].loss, 0, 'g', 12)
                                                     .arg(b[i].loss, 0, 'g', 12)));
    QCOMPARE(loadPredictions(runs[0]).size(), loadPredictions(runs[1]).size());
    for (std::size_t i = 0; i < runs[0].epochs.size(); ++i)
      QCOMPARE(runs[0].epochs[i].validLoss, runs[1].epochs[i].validLoss);
  }

  void renameDeleteAndRestore() {
    const Project project = writeProject(QStringLiteral("edit"), 1e-2, 1);
    train(project);
    StoredRun run = listRuns(project).front();
    describeRun(run, "baseline", "the default lr");
    run = findRun(project, "baseline");
    QCOMPARE(run.info.note, std::string("the default lr"));
    deleteRun(run);
    QVERIFY(listRuns(project).empty());
    restoreRun(project, run.info.id);
    QCOMPARE(listRuns(project).front().info.name, std::string("baseline"));
    try {
      findRun(project, "nope");
      QFAIL("findRun found a run that is not there");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find(run.info.id) != std::string::npos, e.what());
    }
  }

  void aVersionOneProjectOpensAndKeepsItsRuns() {
    const std::string file = m_dir.filePath(QStringLiteral("v1.lbproj")).toStdString();
    std::ofstream(file) << R"({"format": "learnbench-project", "formatVersion": 1, "name": "old",
      "train": {"epochs": 2},
      "runs": [{"started": "2026-11-24 05:00:00", "epochs": 2, "lr": 0.01, "batchSize": 64,
                "seed": 42, "ended": "finished",
                "results": [{"epoch": 0, "trainLoss": 0.5, "validLoss": 0.4, "accuracy": 0.9,
                             "seconds": 8}]}]})";
    Project p = loadProject(file);
    QCOMPARE(p.formatVersion, 1);
    QCOMPARE(int(p.runs.size()), 1);
    QVERIFY(p.runs.front().id.empty());
    saveProject(p, file);  // written as version 2
    const Project q = loadProject(file);
    QCOMPARE(q.formatVersion, 2);
    QCOMPARE(int(q.runs.size()), 1);
    QCOMPARE(q.runs.front().results.front().metric, 0.9);
  }

  void runFolderNeverCollidesWithTheData() {
    Project p;
    p.file = "/data/mydigits.lbproj";
    p.data.path = "mydigits";
    QVERIFY(p.runFolder() != p.dataPath());
    QCOMPARE(p.runFolder().filename().string(), std::string("mydigits.learnbench"));
  }
};

QTEST_APPLESS_MAIN(TestRunStore)
#include "tst_run_store.moc"
