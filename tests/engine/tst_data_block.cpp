// The data block on real Fashion-MNIST images written as files: each source, splitter and
// labeller; the loader's batches (shapes, targets, determinism whatever the thread count); and
// every bad-data case with the sentence and the step it names.
#include <QtTest/QtTest>

#include <fstream>
#include <set>

#include "common/image_folder.h"
#include "common/test_support.h"
#include "engine/data/data_block.h"
#include "engine/data/data_loaders.h"
#include "engine/data/data_preview.h"
#include "engine/data/image_loader.h"
#include "engine/project/project.h"
#include "engine/experiment/experiment.h"

using namespace lb;
namespace fs = std::filesystem;

namespace {

DataBlockSpec folderSpec(const QTemporaryDir& dir) {
  DataBlockSpec s;
  s.source = SourceKind::Folder;
  s.path = dir.path().toStdString();
  s.split.kind = SplitKind::Grandparent;
  return s;
}

void writeText(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

// Runs `f` and returns the DataBlockError it throws (the test fails if it throws none).
template <typename F>
DataBlockError errorOf(F f) {
  try {
    f();
  } catch (const DataBlockError& e) {
    return e;
  }
  return DataBlockError(DataStep::Source, "no error was thrown");
}

std::set<std::string> namesOf(const DataItems& items, const std::vector<int>& split) {
  std::set<std::string> names;
  for (int i : split) names.insert(items.names[i]);
  return names;
}

}  // namespace

class TestDataBlock : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void folderSplitByGrandparentLabelsByParent() {
    QTemporaryDir dir;
    const auto written = test::writeImageFolder(dir.path().toStdString(), 120, 20);
    const DataItems items = collectItems(folderSpec(dir), {});
    QCOMPARE(int(items.train.size()), 120);
    QCOMPARE(int(items.valid.size()), 20);
    QCOMPARE(int(items.vocab.size()), 10);
    QVERIFY(std::is_sorted(items.vocab.begin(), items.vocab.end()));
    // Every item's label is its parent folder, and its split its grandparent.
    std::map<std::string, test::WrittenImage> byName;
    for (const auto& w : written) byName[w.file] = w;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto& w = byName.at(items.names[i]);
      QCOMPARE(items.vocab[items.labels[i].front()], w.label);
    }
    for (int i : items.valid) QVERIFY(byName.at(items.names[i]).valid);
  }

  void randomSplitIsSeededAndSized() {
    QTemporaryDir dir;
    test::writeImageFolder(dir.path().toStdString(), 100, 30);
    DataBlockSpec s = folderSpec(dir);
    s.split.kind = SplitKind::Random;
    s.split.validPct = 0.25;
    s.split.seed = 3;
    const DataItems a = collectItems(s, {}), b = collectItems(s, {});
    QCOMPARE(int(a.valid.size()), 32);  // int(0.25 * 130), as fastai's RandomSplitter cuts
    QCOMPARE(int(a.train.size()), 98);
    QCOMPARE(namesOf(a, a.valid), namesOf(b, b.valid));
    s.split.seed = 4;
    const DataItems c = collectItems(s, {});
    QVERIFY(namesOf(a, a.valid) != namesOf(c, c.valid));
  }

  void extensionsAreCaseInsensitiveAndOthersIgnored() {
    QTemporaryDir dir;
    test::writeImageFolder(dir.path().toStdString(), 60, 10);
    const fs::path root = dir.path().toStdString();
    for (const auto& e : fs::directory_iterator(root / "train/Bag"))
      fs::rename(e.path(), fs::path(e.path()).replace_extension(".PNG"));
    writeText(root / "train/Bag/notes.txt", "not an image");
    writeText(root / "train/.hidden.png", "hidden");
    const DataItems items = collectItems(folderSpec(dir), {});
    QCOMPARE(int(items.train.size()), 60);
    for (const auto& n : items.names) QVERIFY2(n.find("notes") == std::string::npos, n.c_str());
  }

  void regexLabelsTheFileName() {
    QTemporaryDir dir;
    const auto written = test::writeImageFolder(dir.path().toStdString(), 60, 10, ".jpg", true);
    DataBlockSpec s = folderSpec(dir);
    s.split.kind = SplitKind::Random;
    s.split.validPct = 0.5;  // every class in both splits, even with 7 items a class
    s.label.kind = LabelKind::Regex;
    s.label.regex = R"(^(.+)_\d+\.jpg$)";
    const DataItems items = collectItems(s, {});
    QCOMPARE(int(items.size()), 70);
    for (std::size_t i = 0; i < items.size(); ++i)
      QVERIFY(items.names[i].rfind(items.vocab[items.labels[i].front()] + "_", 0) == 0);

    s.label.regex = R"(^cat_(\d+)\.png$)";
    const auto e = errorOf([&] { collectItems(s, {}); });
    QCOMPARE(e.step(), DataStep::Label);
    QVERIFY2(std::string(e.what()).find("matches none of the 70 file names") != std::string::npos, e.what());
    s.label.regex = "(unclosed";
    QCOMPARE(errorOf([&] { collectItems(s, {}); }).step(), DataStep::Label);
  }

  void csvSourceWithColumnsAndMultiLabel() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    const auto written = test::writeImageFolder(root / "images", 60, 12, ".png", true);
    std::string csv = "name,label,tags,is_valid,score\n";
    for (std::size_t i = 0; i < written.size(); ++i) {
      const auto& w = written[i];
      csv += w.file + "," + w.label + ",\"" + w.label + ";" + (i % 2 ? "odd" : "even") + "\"," +
             (w.valid ? "True" : "False") + "," + std::to_string(i * 0.5) + "\n";
    }
    csv += "missing.png,Bag,Bag,False,1\n";
    writeText(root / "labels.csv", csv);

    DataBlockSpec s;
    s.source = SourceKind::Csv;
    s.path = "labels.csv";  // relative to the project folder
    s.csv.folder = "images";
    s.label.kind = LabelKind::CsvColumn;
    s.split.kind = SplitKind::CsvColumn;
    const DataItems items = collectItems(s, root);
    QCOMPARE(int(items.train.size()), 60);
    QCOMPARE(int(items.valid.size()), 12);
    QCOMPARE(int(items.skipped.size()), 1);
    QCOMPARE(items.skipped.front().file, std::string("missing.png"));
    QCOMPARE(items.skipped.front().reason, std::string("missing"));

    s.target = TargetKind::MultiCategory;
    s.csv.labelColumn = "tags";
    s.csv.labelDelimiter = ";";
    const DataItems multi = collectItems(s, root);
    QCOMPARE(int(multi.vocab.size()), 12);  // 10 classes + even + odd
    for (const auto& l : multi.labels) QCOMPARE(int(l.size()), 2);
    auto pipeline = makePipeline(s, multi, root, 10);
    const auto y = pipeline->targets({0, 1});
    QCOMPARE(y.sizes(), (c10::IntArrayRef{2, 12}));
    QCOMPARE(y.sum().item<float>(), 4.0f);

    s.target = TargetKind::Regression;
    s.csv.labelColumn = "score";
    s.csv.labelDelimiter.clear();
    const DataItems values = collectItems(s, root);
    QCOMPARE(int(values.values.size()), 72);
    QCOMPARE(values.values[3], 1.5f);

    s.csv.pathColumn = "file";
    const auto e = errorOf([&] { collectItems(s, root); });
    QCOMPARE(e.step(), DataStep::Items);
    QVERIFY2(std::string(e.what()).find("no column \"file\"") != std::string::npos, e.what());
    s.csv.pathColumn = "name";
    s.csv.validColumn = "valid";
    QCOMPARE(errorOf([&] { collectItems(s, root); }).step(), DataStep::Split);
  }

  void fileListSplit() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    const auto written = test::writeImageFolder(root, 60, 10, ".png", true);
    std::string list;
    for (const auto& w : written) if (w.valid) list += w.file + "\n";
    writeText(root / "valid.txt", list);
    DataBlockSpec s = folderSpec(dir);
    s.split.kind = SplitKind::FileList;
    s.split.file = (root / "valid.txt").string();
    s.label = {LabelKind::Regex, R"(^(.+)_\d+\.png$)"};
    const DataItems items = collectItems(s, {});
    QCOMPARE(int(items.valid.size()), 10);
  }

  void badSourcesSaySoOnTheirStep() {
    QTemporaryDir dir;
    DataBlockSpec s = folderSpec(dir);
    auto e = errorOf([&] { collectItems(s, {}); });
    QCOMPARE(e.step(), DataStep::Items);
    QVERIFY2(std::string(e.what()).find("holds no image files") != std::string::npos, e.what());
    s.path = "/nonexistent/folder";
    e = errorOf([&] { collectItems(s, {}); });
    QCOMPARE(e.step(), DataStep::Source);
    QVERIFY2(std::string(e.what()).find("does not exist") != std::string::npos, e.what());
  }

  void aClassWithoutValidationItemsIsNamed() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    test::writeImageFolder(root, 60, 10);
    fs::remove_all(root / "valid/Bag");
    const auto e = errorOf([&] { collectItems(folderSpec(dir), {}); });
    QCOMPARE(e.step(), DataStep::Split);
    QVERIFY2(std::string(e.what()).find("\"Bag\" has no validation items") != std::string::npos, e.what());
  }

  void loaderBatchesRepeatWhateverTheThreadCount() {
    QTemporaryDir dir;
    test::writeImageFolder(dir.path().toStdString(), 100, 20);
    DataBlockSpec s = folderSpec(dir);
    s.resize = {32, 24, ResizeMethod::Pad, PadMode::Reflection};
    s.randomResizedCrop.enabled = true;
    s.randomResizedCrop.minScale = 0.5;
    s.augment.enabled = true;
    std::vector<torch::Tensor> firsts;
    for (int workers : {0, 1, 2}) {
      DataLoaders dls = buildDataLoaders(s, {}, 16, /*seed=*/5, workers);
      QCOMPARE(dls.shape.channels, 1);
      QCOMPARE(dls.shape.height, 24);
      QCOMPARE(dls.shape.width, 32);
      QCOMPARE(dls.train->batches(), 6);  // 100 / 16, the partial batch dropped
      QCOMPARE(dls.valid->batches(), 1);  // 20 in one batch of 32, nothing dropped
      dls.train->startEpoch(1);
      std::vector<torch::Tensor> xs;
      for (int b = 0; b < dls.train->batches(); ++b) {
        Batch batch = dls.train->batch(b);
        QCOMPARE(batch.x.sizes(), (c10::IntArrayRef{16, 1, 24, 32}));
        xs.push_back(batch.x);
      }
      firsts.push_back(torch::cat(xs));
      dls.valid->startEpoch(1);
      QCOMPARE(dls.valid->batch(0).x.size(0), 20);
    }
    QVERIFY(torch::equal(firsts[0], firsts[1]));
    QVERIFY(torch::equal(firsts[0], firsts[2]));
    // Another epoch draws another order and other augmentations.
    DataLoaders dls = buildDataLoaders(s, {}, 16, 5, 1);
    dls.train->startEpoch(2);
    QVERIFY(!torch::equal(dls.train->batch(0).x, firsts[0].slice(0, 0, 16)));
  }

  void corruptFilesAreSkippedAndListed() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    test::writeImageFolder(root, 60, 10);
    writeText(root / "train/Bag/broken.png", "\x89PNG not really");
    writeText(root / "train/Coat/empty.jpg", "");
    DataBlockSpec s = folderSpec(dir);
    const DataItems items = collectItems(s, {});
    const auto unreadable = checkFiles(items, 2);
    QCOMPARE(int(unreadable.size()), 2);
    DataLoaders dls = buildDataLoaders(s, {}, 31, 1, 1);
    dls.train->startEpoch(0);
    for (int b = 0; b < dls.train->batches(); ++b) QCOMPARE(dls.train->batch(b).x.size(0), 31);
    QCOMPARE(int(dls.pipeline->skipped().size()), 2);
  }

  void differentSizesWithoutResizeNameTheResize() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    test::writeImageFolder(root, 60, 10);
    test::writeImageFolder(root / "train/big", 10, 0, ".png", true, false, 40);
    test::writeImageFolder(root / "valid/big", 5, 0, ".png", true, false, 40);
    DataBlockSpec s = folderSpec(dir);
    DataPreview p = previewDataBlock(s, {}, {64, 2, 0});
    QVERIFY(p.firstFailure());
    QCOMPARE(p.firstFailure()->step, DataStep::ItemTransforms);
    QVERIFY2(p.firstFailure()->message.find("choose a Resize") != std::string::npos, p.firstFailure()->message.c_str());
    s.resize = {28, 28};
    p = previewDataBlock(s, {}, {64, 2, 0});
    QVERIFY2(p.ok(), p.summary.c_str());
  }

  void previewShowsBatchCountsAndWalkThrough() {
    QTemporaryDir dir;
    test::writeImageFolder(dir.path().toStdString(), 80, 20, ".png", false, true, 36);
    DataBlockSpec s = folderSpec(dir);
    s.resize = {32, 32, ResizeMethod::Crop};
    s.augment.enabled = true;
    const DataPreview p = previewDataBlock(s, {}, {9, 5, 1});
    QVERIFY2(p.ok(), p.summary.c_str());
    QCOMPARE(int(p.batch.size()), 9);
    QCOMPARE(int(p.augmented.size()), 5);
    QCOMPARE(p.batch.front().width, 32);
    QCOMPARE(p.batch.front().channels, 3);  // RGB files stay RGB
    int train = 0, valid = 0;
    for (const auto& c : p.counts) train += c.train, valid += c.valid;
    QCOMPARE(train, 80);
    QCOMPARE(valid, 20);
    for (const char* step : {"decode", "item tfms", "collate", "augment", "normalize"})
      QVERIFY2(p.summary.find(step) != std::string::npos, step);
    // The same item under different augmentations differs.
    QVERIFY(p.augmented[0].pixels != p.augmented[1].pixels);
  }

  void specRoundTripsThroughTheProjectFile() {
    Project p;
    p.data.source = SourceKind::Csv;
    p.data.path = "labels.csv";
    p.data.csv.labelDelimiter = ";";
    p.data.target = TargetKind::MultiCategory;
    p.data.split = {SplitKind::FileList, 0.3, 9, "tr", "va", "valid.txt"};
    p.data.label = {LabelKind::Regex, "^(.*)_"};
    p.data.resize = {64, 48, ResizeMethod::Pad, PadMode::Reflection};
    p.data.randomResizedCrop = {true, 0.35, 0.8, 1.25};
    p.data.augment.enabled = true;
    p.data.augment.maxRotate = 20;
    p.data.normalize = NormalizeKind::ImageNet;
    p.data.vocab = {"a", "b"};
    const Project back = parseProject(projectToJson(p), "p.lbproj");
    QVERIFY(back.data == p.data);
    try {
      parseProject(R"({"formatVersion": 1, "data": {"split": {"kind": "sideways"}}})", "p.lbproj");
      QFAIL("a bad split kind was accepted");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("data.split.kind") != std::string::npos, e.what());
    }
  }

  void trainsFromAPngFolderBeyondChance() {
    QTemporaryDir dir;
    test::writeImageFolder(dir.path().toStdString(), 1200, 200);
    Project p;
    p.data = folderSpec(dir);
    p.train.epochs = 2;
    p.train.lr = 1e-2;
    p.train.seed = 1;
    Experiment experiment(p);
    const TrainingOutcome outcome = experiment.train({});
    QCOMPARE(int(outcome.epochs.size()), 2);
    QVERIFY2(outcome.epochs.back().metric > 0.5,
             qPrintable(QString::number(outcome.epochs.back().metric)));
  }
};

QTEST_GUILESS_MAIN(TestDataBlock)
#include "tst_data_block.moc"
