// What the Runs and Inspect pages make of stored runs (engine/project/run_analysis.h), on real
// runs of Fashion-MNIST: the prediction diff's images are the validation items at those
// positions (their labels the ones the run stored), even when an unreadable file was left out
// of a folder's split; each confusion-difference cell's items, counted by hand from the stored
// predictions; runs grouped by seed with a mean and a band computed by hand; Branch changes one
// setting and refuses a bad value with a sentence; a changed split names the checkpoint's run.
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>

#include "common/image_folder.h"
#include "common/test_support.h"
#include "engine/data/fashion_mnist.h"
#include "engine/experiment/operations.h"
#include "engine/project/run_analysis.h"

using namespace lb;
namespace fs = std::filesystem;

class TestRunAnalysis : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;

  Project writeProject(const QString& name, double lr) {
    Project p;
    p.name = name.toStdString();
    p.data.limit = 300;
    p.train.epochs = 1;
    p.train.lr = lr;
    p.train.threads = 2;
    const std::string file = m_dir.filePath(name + QStringLiteral(".lbproj")).toStdString();
    saveProject(p, file);
    return loadProject(file);
  }

  static void train(const Project& project) {
    Experiment experiment(project);
    trainAndRecord(experiment, {});
  }

  static StoredRun fakeRun(const std::string& id, const std::string& lr, const std::string& seed) {
    StoredRun r;
    r.info.id = id;
    r.flatSettings = {{"train.lr", lr}, {"train.seed", seed}, {"model.name", "simple_cnn"}};
    return r;
  }

 private Q_SLOTS:
  void initTestCase() {
    if (!fs::exists(test::fashionMnistDir()))
      QSKIP("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
    QVERIFY(m_dir.isValid());
  }

  void theDiffsImagesAndCellsAreTheStoredOnes() {
    const Project a = writeProject(QStringLiteral("diff"), 1e-2);
    train(a);
    Project b = a;
    b.train.lr = 1e-3;
    train(b);
    const std::vector<StoredRun> runs = listRuns(a);
    QCOMPARE(int(runs.size()), 2);
    const RunComparison c = compareRuns(runs[0], runs[1]);
    const auto pa = loadPredictions(runs[0]), pb = loadPredictions(runs[1]);
    QVERIFY(!c.fixed.empty());

    // Each cell's items by hand: B predicts the cell and A did not, or the reverse.
    long moved = 0;
    for (int r = 0; r < int(c.confusionDiff.size()); ++r)
      for (int p = 0; p < int(c.confusionDiff.size()); ++p) {
        std::vector<long> entered, left;
        for (std::size_t i = 0; i < pa.size(); ++i) {
          if (int(pa[i].actual) != r) continue;
          const bool inA = int(pa[i].predicted) == p, inB = int(pb[i].predicted) == p;
          if (inB && !inA) entered.push_back(long(i));
          if (inA && !inB) left.push_back(long(i));
        }
        const RunComparison::CellChange cell = c.cellChange(r, p);
        QCOMPARE(cell.entered, entered);
        QCOMPARE(cell.left, left);
        QCOMPARE(long(cell.entered.size()) - long(cell.left.size()),
                 c.confusionDiff[std::size_t(r)][std::size_t(p)]);
        moved += long(entered.size());
      }
    QVERIFY(moved > 0);

    // The fixed images are the validation set's items at those positions, with their labels.
    const std::vector<long> some(c.fixed.begin(), c.fixed.begin() + std::min<long>(5, long(c.fixed.size())));
    const std::vector<ValidationSample> images = runValidationImages(a, runs[1], some);
    QCOMPARE(images.size(), some.size());
    const FashionMnist data = loadFashionMnistSource(a.data, a.folder());
    for (std::size_t k = 0; k < some.size(); ++k) {
      const auto row = data.valid.images[some[k]][0].contiguous();
      const auto* pixels = row.data_ptr<std::uint8_t>();
      QCOMPARE(images[k].image.pixels, std::vector<std::uint8_t>(pixels, pixels + row.numel()));
      QCOMPARE(images[k].label, runs[1].info.classes[std::size_t(pb[std::size_t(some[k])].actual)]);
      QVERIFY(pb[std::size_t(some[k])].predicted == pb[std::size_t(some[k])].actual);
      QVERIFY(pa[std::size_t(some[k])].predicted != pa[std::size_t(some[k])].actual);
    }
    QVERIFY_THROWS_EXCEPTION(Error, runValidationImages(a, runs[1], {long(pa.size())}));
  }

  void aFoldersImagesSkipTheFileTrainingLeftOut() {
    const fs::path images = fs::path(m_dir.path().toStdString()) / "folder";
    test::writeImageFolder(images, 120, 40);
    // An unreadable file early in the validation split: training leaves it out, so every
    // later position moves by one.
    const fs::path firstClass = *fs::directory_iterator(images / "valid");
    std::ofstream(firstClass / "0000-broken.png") << "not a png";
    Project p;
    p.name = "folder";
    p.data.source = SourceKind::Folder;
    p.data.path = images.string();
    p.data.split.kind = SplitKind::Grandparent;
    p.data.resize.width = p.data.resize.height = 28;
    p.train.epochs = 1;
    p.train.threads = 2;
    saveProject(p, m_dir.filePath(QStringLiteral("folder.lbproj")).toStdString());
    p = loadProject(m_dir.filePath(QStringLiteral("folder.lbproj")).toStdString());
    train(p);
    const StoredRun run = listRuns(p).front();
    const auto predictions = loadPredictions(run);
    QCOMPARE(int(predictions.size()), 40);  // the broken file is not among them
    std::vector<long> all;
    for (long i = 0; i < long(predictions.size()); ++i) all.push_back(i);
    const std::vector<ValidationSample> shown = runValidationImages(p, run, all);
    for (std::size_t i = 0; i < shown.size(); ++i) {
      QCOMPARE(shown[i].label, run.info.classes[std::size_t(predictions[i].actual)]);
      QVERIFY(shown[i].file.filename() != "0000-broken.png");
    }
    // A chosen file's label is the data block's; a file outside it has none.
    QCOMPARE(knownLabel(p.data, p.folder(), shown[3].file), shown[3].label);
    QCOMPARE(knownLabel(p.data, p.folder(), m_dir.filePath(QStringLiteral("folder.lbproj")).toStdString()),
             std::string());

    // Relabelled on disk since the run: the run's predictions no longer name these images.
    // One image moved into another class's folder since the run: it is labelled otherwise now.
    const fs::path from = images / "valid" / run.info.classes[0];
    fs::path moved;
    for (const auto& entry : fs::directory_iterator(from))
      if (entry.path().filename() != "0000-broken.png") moved = entry.path();
    fs::rename(moved, images / "valid" / run.info.classes[1] / "zzz.png");
    try {
      runValidationImages(p, run, all);
      QFAIL("relabelled images were shown as the run's");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("changed since it ran") != std::string::npos, e.what());
    }
  }

  void seedsGroupIntoAMeanAndABand() {
    const std::vector<StoredRun> runs = {fakeRun("a", "0.01", "1"), fakeRun("b", "0.001", "1"),
                                         fakeRun("c", "0.01", "2"), fakeRun("d", "0.01", "3")};
    QCOMPARE(seedGroups(runs), (std::vector<std::vector<int>>{{0, 2, 3}, {1}}));
    const CurveBand band = curveBand({{1, 2, 3, 4}, {3, 2, 1}, {2, 5, 2}});
    QCOMPARE(band.mean, (std::vector<double>{2, 3, 2}));
    QCOMPARE(band.low, (std::vector<double>{1, 2, 1}));
    QCOMPARE(band.high, (std::vector<double>{3, 5, 3}));
    std::vector<StoredBatch> batches(3);
    batches[0].loss = 2;
    batches[1].loss = 1;
    batches[2].loss = 4;
    const std::vector<double> s = smoothedLosses(batches, 0.5);
    // Debiased: (0.5*2)/(1-0.5)=2; (0.25*2+0.5*1)/(1-0.25)=4/3; (0.125*2+0.25*1+0.5*4)/0.875.
    QCOMPARE(s.size(), std::size_t(3));
    QVERIFY(test::near(s[0], 2.0));
    QVERIFY(test::near(s[1], 1.0 / 0.75));
    QVERIFY(test::near(s[2], 2.5 / 0.875));
  }

  void branchChangesOneSetting() {
    const Project project = writeProject(QStringLiteral("branch"), 1e-2);
    train(project);
    const StoredRun parent = listRuns(project).front();
    const Project child = branchSettings(project, parent, "train.lr", "0.003");
    QCOMPARE(child.train.lr, 0.003);
    QCOMPARE(child.train.seed, parent.settings.train.seed);
    QVERIFY(child.data == parent.settings.data);
    QCOMPARE(child.file, project.file);
    QCOMPARE(branchSettings(project, parent, "train.batchSize", "32").train.batchSize, 32);
    for (const auto& [path, value] : std::vector<std::pair<std::string, std::string>>{
             {"train.lr", "fast"}, {"train.batchSize", "-4"}, {"train.nothing", "1"}}) {
      try {
        branchSettings(project, parent, path, value);
        QFAIL(qPrintable(QString::fromStdString(path + " took " + value)));
      } catch (const Error& e) {
        QVERIFY2(!std::string(e.what()).empty(), e.what());
      }
    }
  }

  void aChangedSplitNamesTheCheckpointsRun() {
    const Project project = writeProject(QStringLiteral("split"), 1e-2);
    QCOMPARE(dataBlockChangeSinceCheckpoint(project), std::string());  // no run yet
    train(project);
    const StoredRun run = listRuns(project).front();
    QCOMPARE(checkpointRun(project)->info.id, run.info.id);
    QCOMPARE(dataBlockChangeSinceCheckpoint(project), std::string());
    Project edited = project;
    edited.train.lr = 0.5;  // not the data block: still the same images
    QCOMPARE(dataBlockChangeSinceCheckpoint(edited), std::string());
    edited.data.split.seed = 7;
    const std::string why = dataBlockChangeSinceCheckpoint(edited);
    QVERIFY2(why.find(run.info.id) != std::string::npos, why.c_str());
    QVERIFY2(why.find("data.split.seed") != std::string::npos, why.c_str());
  }
};

QTEST_APPLESS_MAIN(TestRunAnalysis)
#include "tst_run_analysis.moc"
