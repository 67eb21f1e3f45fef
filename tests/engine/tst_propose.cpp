// proposeDataBlock on folders and CSVs of real Fashion-MNIST images laid out as users bring them:
// the split from train/valid folders or at random, labels from folders or file names, the size
// from the images and a model that suits it.
#include <QtTest/QtTest>

#include <fstream>

#include "common/image_folder.h"
#include "engine/experiment/propose.h"

using namespace lb;
namespace fs = std::filesystem;

class TestPropose : public QObject {
  Q_OBJECT

  static fs::path root(const QTemporaryDir& dir) { return fs::path(dir.path().toStdString()); }

  static int total(const DataProposal& p, bool valid) {
    int n = 0;
    for (const auto& c : p.classes) n += valid ? c.valid : c.train;
    return n;
  }

 private Q_SLOTS:
  void trainAndValidFoldersSplitByFolder() {
    QTemporaryDir dir;
    test::writeImageFolder(root(dir) / "clothes", 120, 20);
    const DataProposal p = proposeDataBlock(root(dir) / "clothes");
    QCOMPARE(p.data.source, SourceKind::Folder);
    QCOMPARE(p.data.split.kind, SplitKind::Grandparent);
    QCOMPARE(p.data.split.trainName, std::string("train"));
    QCOMPARE(p.data.split.validName, std::string("valid"));
    QCOMPARE(p.data.label.kind, LabelKind::ParentFolder);
    QCOMPARE(p.trainItems, 120);
    QCOMPARE(p.validItems, 20);
    QCOMPARE(int(p.classes.size()), 10);
    QCOMPARE(total(p, false), 120);
    QCOMPARE(total(p, true), 20);
    QVERIFY(p.grayscale);
    QCOMPARE(p.medianSide, 28);
    QCOMPARE(p.data.resize.width, 28);
    QCOMPARE(p.data.resize.height, 28);
    QCOMPARE(p.model.name, std::string("simple_cnn"));
    QCOMPARE(p.data.vocab.size(), std::size_t(10));
    QVERIFY(QString::fromStdString(p.lines[1]).contains(QStringLiteral("train/")));
  }

  void otherSplitFolderNames() {
    QTemporaryDir dir;
    test::writeImageFolder(root(dir), 40, 10);
    fs::rename(root(dir) / "train", root(dir) / "Training");
    fs::rename(root(dir) / "valid", root(dir) / "Validation");
    const DataProposal p = proposeDataBlock(root(dir));
    QCOMPARE(p.data.split.kind, SplitKind::Grandparent);
    QCOMPARE(p.data.split.trainName, std::string("Training"));  // as spelled on disk
    QCOMPARE(p.data.split.validName, std::string("Validation"));
    QCOMPARE(p.validItems, 10);
  }

  void classFoldersOnlySplitAtRandom() {
    QTemporaryDir dir;
    test::writeImageFolder(root(dir), 100, 0);
    const DataProposal p = proposeDataBlock(root(dir) / "train");  // train/<class>/n.png
    QCOMPARE(p.data.split.kind, SplitKind::Random);
    QCOMPARE(p.data.split.validPct, 0.2);
    QCOMPARE(p.data.split.seed, std::uint64_t(42));
    QCOMPARE(p.trainItems + p.validItems, 100);
    QCOMPARE(p.validItems, 20);
    QCOMPARE(int(p.classes.size()), 10);
  }

  void flatFolderLabelsFromFileNames() {
    QTemporaryDir dir;
    test::writeImageFolder(root(dir), 250, 50, ".jpg", true);  // <class>_<n>.jpg
    const DataProposal p = proposeDataBlock(root(dir));
    QCOMPARE(p.data.label.kind, LabelKind::Regex);
    QCOMPARE(int(p.classes.size()), 10);
    QCOMPARE(p.data.split.kind, SplitKind::Random);
    QCOMPARE(p.trainItems + p.validItems, 300);
  }

  void photosGetAResNet() {
    QTemporaryDir dir;
    test::writeImageFolder(root(dir), 20, 10, ".jpg", false, true, 150);
    const DataProposal p = proposeDataBlock(root(dir));
    QVERIFY(!p.grayscale);
    QCOMPARE(p.medianSide, 150);
    QCOMPARE(p.data.resize.width, 160);
    QCOMPARE(p.model.name, std::string("resnet18"));
    QVERIFY(!p.model.smallImages);
  }

  void sizeAndModelRules() {
    QCOMPARE(proposedSize(28), 28);
    QCOMPARE(proposedSize(8), 16);
    QCOMPARE(proposedSize(64), 64);
    QCOMPARE(proposedSize(100), 96);
    QCOMPARE(proposedSize(500), 224);
    QCOMPARE(proposedModel(28, 10).name, std::string("simple_cnn"));
    QCOMPARE(proposedModel(95, 10).name, std::string("simple_cnn"));
    QCOMPARE(proposedModel(96, 2).name, std::string("resnet18"));
    QCOMPARE(proposedModel(64, 100).name, std::string("resnet18"));
    QVERIFY(proposedModel(64, 100).smallImages);
  }

  void givenChoicesAreKept() {
    QTemporaryDir dir;
    test::writeImageFolder(root(dir), 100, 0);
    DataBlockSpec start;
    start.split.kind = SplitKind::Random;
    start.split.validPct = 0.5;
    start.resize.width = start.resize.height = 32;
    ModelSpec model;
    model.name = "mlp";
    const DataProposal p = proposeDataBlock(root(dir), start, model,
                                            {.split = true, .size = true, .model = true});
    QCOMPARE(p.data.split.kind, SplitKind::Random);
    QCOMPARE(p.validItems, 50);
    QCOMPARE(p.data.resize.width, 32);
    QCOMPARE(p.model.name, std::string("mlp"));
  }

  void csvColumnsFound() {
    QTemporaryDir dir;
    const auto written = test::writeImageFolder(root(dir), 60, 12, ".png", true);
    std::string csv = "file,kind,is_valid\n";
    for (const auto& w : written) csv += w.file + "," + w.label + "," + (w.valid ? "1" : "0") + "\n";
    std::ofstream(root(dir) / "list.csv") << csv;
    const DataProposal p = proposeDataBlock(root(dir) / "list.csv");
    QCOMPARE(p.data.source, SourceKind::Csv);
    QCOMPARE(p.data.csv.pathColumn, std::string("file"));
    QCOMPARE(p.data.csv.labelColumn, std::string("kind"));
    QCOMPARE(p.data.split.kind, SplitKind::CsvColumn);
    QCOMPARE(p.trainItems, 60);
    QCOMPARE(p.validItems, 12);
  }

  void oneClassIsRefused() {
    QTemporaryDir dir;
    fs::create_directories(root(dir) / "cats");
    test::writeImageFolder(root(dir) / "tmp", 10, 0);
    for (const auto& e : fs::recursive_directory_iterator(root(dir) / "tmp"))
      if (e.is_regular_file()) fs::rename(e.path(), root(dir) / "cats" / e.path().filename());
    fs::remove_all(root(dir) / "tmp");
    try {
      proposeDataBlock(root(dir));
      QFAIL("one class was accepted");
    } catch (const DataBlockError& e) {
      QCOMPARE(e.step(), DataStep::Label);
      QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("label \"cats\"")), e.what());
    }
  }
};

QTEST_APPLESS_MAIN(TestPropose)
#include "tst_propose.moc"
