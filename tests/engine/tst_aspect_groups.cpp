// Grouping training images by aspect ratio (issue 15, fastai's rectangular training): the
// groups and their shapes as functions of image sizes, then a folder of real Fashion-MNIST
// images stretched to two aspect ratios (wide for some classes, tall for the others, so a
// batch's labels say which images it holds): every training batch is of one group's shape and
// holds only that group's images, every item comes once an epoch, the same seed gives the same
// batches with or without a loader thread and the cache, validation takes each image in the
// group shape of its own ratio (its names in the loader's order), and a
// data block without a size or a model that cannot take other shapes gets a sentence.
#include <QtTest/QtTest>

#include <map>
#include <set>

#include "common/aspect_folder.h"
#include "engine/data/aspect_groups.h"
#include "engine/data/data_loaders.h"
#include "engine/data/data_preview.h"
#include "engine/experiment/experiment.h"
#include "engine/experiment/operations.h"
#include "engine/project/project.h"

using namespace lb;
namespace fs = std::filesystem;

namespace {

DataBlockSpec twoAspectSpec(const fs::path& dir) {
  DataBlockSpec spec;
  spec.source = SourceKind::Folder;
  spec.path = dir.string();
  spec.split.kind = SplitKind::Grandparent;
  spec.resize = {32, 32};
  spec.groupByAspect = true;
  return spec;
}

// Every training batch of epoch `epoch`, inputs and targets on the CPU.
std::vector<Batch> epochBatches(DataLoader& loader, int epoch) {
  loader.startEpoch(epoch);
  std::vector<Batch> out;
  for (int i = 0; i < loader.batches(); ++i) out.push_back(loader.batch(i));
  return out;
}

bool sameBatches(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!a[i].x.sizes().equals(b[i].x.sizes()) || !torch::equal(a[i].x, b[i].x) ||
        !torch::equal(a[i].y, b[i].y))
      return false;
  return true;
}

}  // namespace

class TestAspectGroups : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  fs::path m_images;

 private Q_SLOTS:
  void initTestCase() {
    m_images = fs::path(m_dir.path().toStdString()) / "images";
    test::writeTwoAspects(m_images, 300, 60, /*byClass=*/true);
  }

  void theSetSizesOwnRatioKeepsTheSetSize_data() {
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QTest::newRow("28x28") << 28 << 28;
    QTest::newRow("224x224") << 224 << 224;
    QTest::newRow("160x224") << 160 << 224;
    QTest::newRow("100x60") << 100 << 60;
  }
  void theSetSizesOwnRatioKeepsTheSetSize() {
    QFETCH(int, width);
    QFETCH(int, height);
    const ImageSize same = aspectShape(double(width) / height, width, height);
    QCOMPARE(same.width, width);
    QCOMPARE(same.height, height);
    // Other ratios: about the same pixels (within a step on each side), the ratio followed.
    const int step = aspectStep(width, height);
    for (double ratio : {0.5, 2.0 / 3.0, 1.5, 2.0}) {
      const ImageSize s = aspectShape(ratio, width, height);
      QCOMPARE((s.width - width) % step, 0);
      QCOMPARE((s.height - height) % step, 0);
      const double pixels = double(s.width) * s.height, set = double(width) * height;
      QVERIFY2(pixels > 0.7 * set && pixels < 1.3 * set, qPrintable(QString::number(pixels)));
      QVERIFY2(std::abs(std::log(double(s.width) / s.height / ratio)) < 0.35,
               qPrintable(QStringLiteral("%1x%2 for %3").arg(s.width).arg(s.height).arg(ratio)));
    }
  }

  void groupsFollowTheSizesAndMergeSmallOnes() {
    std::vector<ImageSize> sizes;
    for (int i = 0; i < 40; ++i) sizes.push_back(i % 2 ? ImageSize{300, 150} : ImageSize{150, 300});
    sizes.push_back({200, 200});  // one square image: too few for a batch of its own
    const auto groups = groupByAspect(sizes, 64, 64, 8);
    QCOMPARE(groups.size(), std::size_t(2));
    QVERIFY(groups[0].width < groups[0].height);  // tall first, widest last
    QVERIFY(groups[1].width > groups[1].height);
    std::set<int> seen;
    for (const AspectGroup& g : groups) {
      const bool wide = g.width > g.height;
      for (int p : g.positions) {
        QVERIFY(seen.insert(p).second);
        if (p < 40) QCOMPARE(wide, sizes[std::size_t(p)].width > sizes[std::size_t(p)].height);
      }
    }
    QCOMPARE(seen.size(), sizes.size());
    // With batches of 1, the square image keeps a group of the set size.
    const auto three = groupByAspect(sizes, 64, 64, 1);
    QCOMPARE(three.size(), std::size_t(3));
    QCOMPARE(three[1].width, 64);
    QCOMPARE(three[1].height, 64);
  }

  void anEpochPlanTakesEveryItemOnceInBatchesOfOneGroup() {
    std::vector<ImageSize> sizes;
    for (int i = 0; i < 101; ++i) sizes.push_back(i % 3 ? ImageSize{300, 150} : ImageSize{150, 300});
    const auto groups = groupByAspect(sizes, 64, 64, 16);
    std::vector<int> order, again, other;
    const auto plan = planAspectEpoch(groups, 16, 7, order);
    QCOMPARE(int(plan.size()), aspectBatches(groups, 16));
    QCOMPARE(std::multiset<int>(order.begin(), order.end()).size(), sizes.size());
    QCOMPARE(std::set<int>(order.begin(), order.end()).size(), sizes.size());
    for (const AspectBatch& b : plan) {
      QVERIFY(b.end - b.start <= 16 && b.end - b.start >= 8);
      for (std::size_t k = b.start; k < b.end; ++k) {
        const ImageSize s = sizes[std::size_t(order[k])];
        QCOMPARE(s.width > s.height, b.width > b.height);
      }
    }
    planAspectEpoch(groups, 16, 7, again);
    planAspectEpoch(groups, 16, 8, other);
    QCOMPARE(again, order);
    QVERIFY(other != order);
  }

  void everyTrainingBatchIsOfOneGroup() {
    const DataBlockSpec spec = twoAspectSpec(m_images);
    DataLoaders dls = buildDataLoaders(spec, {}, 16, 3);
    QCOMPARE(dls.aspectShapes.size(), std::size_t(2));
    std::map<std::pair<int, int>, bool> wideShape;  // (height, width) -> wide
    for (const ImageShape& s : dls.aspectShapes) wideShape[{s.height, s.width}] = s.width > s.height;
    QCOMPARE(wideShape.size(), std::size_t(2));
    std::multiset<std::int64_t> labels;
    std::int64_t items = 0;
    for (const Batch& b : epochBatches(*dls.train, 0)) {
      const auto shape = wideShape.find({int(b.x.size(2)), int(b.x.size(3))});
      QVERIFY2(shape != wideShape.end(), qPrintable(QStringLiteral("a batch of %1x%2")
                                                        .arg(b.x.size(3)).arg(b.x.size(2))));
      QVERIFY(b.x.size(0) <= 16);
      for (std::int64_t i = 0; i < b.y.size(0); ++i) {
        const std::int64_t label = b.y[i].item<std::int64_t>();
        QCOMPARE(test::isWideClass(dls.vocab[std::size_t(label)]), shape->second);
        labels.insert(label);
      }
      items += b.x.size(0);
    }
    // Every training item once: as many as the split holds, each class as often.
    QCOMPARE(items, dls.train->items());
    std::multiset<std::int64_t> expected;
    const DataItems& all = dls.pipeline->items();
    for (int i : all.train) expected.insert(all.labels[std::size_t(i)].front());
    QVERIFY(labels == expected);
    // Validation gives each image the group shape of its own ratio, and its names follow the
    // loader's order.
    std::size_t row = 0;
    for (const Batch& b : epochBatches(*dls.valid, 0)) {
      const auto shape = wideShape.find({int(b.x.size(2)), int(b.x.size(3))});
      QVERIFY(shape != wideShape.end());
      for (std::int64_t i = 0; i < b.y.size(0); ++i, ++row) {
        const std::string& name = dls.vocab[std::size_t(b.y[i].item<std::int64_t>())];
        QCOMPARE(test::isWideClass(name), shape->second);
        QCOMPARE(fs::path(dls.validNames[row]).parent_path().filename().string(), name);
      }
    }
    QCOMPARE(std::int64_t(row), dls.valid->items());
  }

  void theSameSeedGivesTheSameBatches() {
    DataBlockSpec spec = twoAspectSpec(m_images);
    spec.augment.enabled = true;  // the augmentation's draws are seeded too
    DataLoaders a = buildDataLoaders(spec, {}, 16, 5, 0);
    DataBlockSpec streamed = spec;
    streamed.cacheMb = 0;
    DataLoaders b = buildDataLoaders(streamed, {}, 16, 5, 1);  // a loader thread, no cache
    DataLoaders other = buildDataLoaders(spec, {}, 16, 6, 0);
    for (int epoch : {0, 1}) {
      const auto first = epochBatches(*a.train, epoch);
      QVERIFY(sameBatches(first, epochBatches(*b.train, epoch)));
      QVERIFY(!sameBatches(first, epochBatches(*other.train, epoch)));
    }
    QVERIFY(!sameBatches(epochBatches(*a.train, 0), epochBatches(*a.train, 1)));
  }

  void groupingWithoutASizeSaysWhatToChoose() {
    DataBlockSpec spec = twoAspectSpec(m_images);
    spec.resize = {};
    try {
      buildDataLoaders(spec, {}, 16, 1);
      QFAIL("no error");
    } catch (const DataBlockError& e) {
      QCOMPARE(e.step(), DataStep::ItemTransforms);
      QVERIFY2(QString::fromStdString(e.what()).contains(QStringLiteral("Resize width and height")),
               e.what());
    }
  }

  void theProjectFileKeepsTheChoice() {
    const fs::path file = fs::path(m_dir.path().toStdString()) / "grouped.lbproj";
    Project p;
    saveProject(p, file);
    QVERIFY(!loadProject(file).data.groupByAspect);
    p.data = twoAspectSpec(m_images);
    saveProject(p, file);
    QVERIFY(loadProject(file).data.groupByAspect);
  }

  void aModelThatTakesOneShapeIsNamed() {
    Project p;
    p.data = twoAspectSpec(m_images);
    p.model.name = "mlp";
    Experiment grouped(p);
    QVERIFY2(QString::fromStdString(grouped.modelProblem())
                 .contains(QStringLiteral("turn off Group by aspect ratio")),
             grouped.modelProblem().c_str());
    p.data.groupByAspect = false;
    Experiment square(p);
    QVERIFY2(square.modelProblem().empty(), square.modelProblem().c_str());
  }

  // The data card's sentence names the group shapes, so the user sees what grouping made.
  void theSummaryNamesTheGroupShapes() {
    Project p;
    p.data = twoAspectSpec(m_images);
    Experiment grouped(p);
    const DataSummary summary = summarizeData(grouped, false);
    QCOMPARE(summary.aspectShapes.size(), std::size_t(2));
    std::string shapes;
    for (const ImageShape& s : summary.aspectShapes)
      shapes += (shapes.empty() ? " " : ", ") + std::to_string(s.width) + "x" +
                std::to_string(s.height);
    const std::string expected = "; batches in 2 shapes by aspect ratio:" + shapes;
    QVERIFY2(summary.sentence().find(expected) != std::string::npos, summary.sentence().c_str());
    p.data.groupByAspect = false;
    Experiment square(p);
    QVERIFY(summarizeData(square, false).sentence().find("aspect") == std::string::npos);
  }

  void thePreviewSaysBatchesTakeTheirGroupsShape() {
    DataBlockSpec spec = twoAspectSpec(m_images);
    auto itemTransforms = [&] {
      const DataPreview preview = previewDataBlock(spec, {});
      return preview.ok() ? preview.steps[std::size_t(DataStep::ItemTransforms)].message
                          : std::string("the preview failed");
    };
    QVERIFY(itemTransforms().find("aspect-ratio group") != std::string::npos);
    spec.groupByAspect = false;
    QVERIFY(itemTransforms().find("aspect") == std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TestAspectGroups)
#include "tst_aspect_groups.moc"
