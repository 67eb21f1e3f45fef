// The decode cache and the loader's automatic choices, on real Fashion-MNIST images written as
// files: a cached data block gives exactly the batches streaming gives (grey and colour, with
// and without augmentation, PNG kept by the file check and JPEG kept by the first epoch); the
// cache budget is honoured (over it, the rest streams); the worker count is chosen from the
// cache and the transforms unless the spec sets it; the one-pass normalisation matches the
// in-memory path's.
#include <QtTest/QtTest>

#include <thread>

#include "common/image_folder.h"
#include "engine/data/data_loaders.h"
#include "engine/data/decode_cache.h"
#include "engine/data/image_loader.h"

using namespace lb;

namespace {

DataBlockSpec folderSpec(const QTemporaryDir& dir, int cacheMb) {
  DataBlockSpec s;
  s.source = SourceKind::Folder;
  s.path = dir.path().toStdString();
  s.split.kind = SplitKind::Grandparent;
  s.cacheMb = cacheMb;
  return s;
}

// Every training batch of epochs 0 and 1 and the validation batch, in one tensor.
torch::Tensor epochs(DataLoaders& dls) {
  std::vector<torch::Tensor> xs;
  for (int epoch : {0, 1}) {
    dls.train->startEpoch(epoch);
    for (int b = 0; b < dls.train->batches(); ++b) xs.push_back(dls.train->batch(b).x);
  }
  dls.valid->startEpoch(0);
  xs.push_back(dls.valid->batch(0).x);
  return torch::cat(xs);
}

int workersOf(const DataLoaders& dls) {
  return dynamic_cast<const ImageLoader&>(*dls.train).workers();
}

}  // namespace

class TestDecodeCache : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void cachedBatchesAreTheStreamedOnes_data() {
    QTest::addColumn<QString>("ext");
    QTest::addColumn<bool>("rgb");
    QTest::addColumn<bool>("augment");
    QTest::newRow("grey png") << ".png" << false << false;
    QTest::newRow("colour png") << ".png" << true << false;
    QTest::newRow("colour png, augmented") << ".png" << true << true;
    QTest::newRow("colour jpeg, augmented") << ".jpg" << true << true;
  }
  void cachedBatchesAreTheStreamedOnes() {
    QFETCH(QString, ext);
    QFETCH(bool, rgb);
    QFETCH(bool, augment);
    QTemporaryDir dir;
    test::writeImageFolder(dir.path().toStdString(), 80, 20, ext.toStdString(), false, rgb);
    DataBlockSpec cached = folderSpec(dir, -1), streamed = folderSpec(dir, 0);
    cached.augment.enabled = streamed.augment.enabled = augment;
    DataLoaders a = buildDataLoaders(cached, {}, 16, 3), b = buildDataLoaders(streamed, {}, 16, 3);
    QCOMPARE(b.pipeline->cache(), nullptr);
    const DecodeCache& cache = *a.pipeline->cache();
    // PNGs are kept by the file check before training; JPEGs as the first epoch decodes them
    // (one already: the first, read for the data's shape).
    QCOMPARE(cache.kept(), ext == ".png" ? std::size_t(100) : std::size_t(1));
    const torch::Tensor x = epochs(a);
    QCOMPARE(cache.kept(), std::size_t(100));
    QCOMPARE(x.size(1), rgb ? 3 : 1);
    QVERIFY(torch::equal(x, epochs(b)));
  }

  void overTheBudgetTheRestStreams() {
    QTemporaryDir dir;
    // 100 grey 224x224 images of 50,176 bytes: a budget of 1 MiB holds 20 of them.
    test::writeImageFolder(dir.path().toStdString(), 80, 20, ".png", false, false, 224);
    DataBlockSpec small = folderSpec(dir, 1);
    DataLoaders a = buildDataLoaders(small, {}, 16, 3);
    const DecodeCache& cache = *a.pipeline->cache();
    QCOMPARE(cache.budget(), std::size_t(1) << 20);
    QCOMPARE(cache.kept(), std::size_t((1 << 20) / (224 * 224)));
    const torch::Tensor x = epochs(a);
    QVERIFY(cache.bytes() <= cache.budget());
    QCOMPARE(cache.kept(), std::size_t((1 << 20) / (224 * 224)));
    QVERIFY(workersOf(a) >= 1);  // not all in memory: a helper thread decodes ahead
    DataLoaders b = buildDataLoaders(folderSpec(dir, 0), {}, 16, 3);
    QVERIFY(torch::equal(x, epochs(b)));
  }

  void workersAreChosenUnlessSet() {
    QTemporaryDir dir;
    test::writeImageFolder(dir.path().toStdString(), 40, 10);
    DataBlockSpec s = folderSpec(dir, -1);
    // In memory as decoded: the training thread makes its batches.
    QCOMPARE(workersOf(buildDataLoaders(s, {}, 16, 1)), 0);
    QCOMPARE(loaderWorkers(s, true), 0);
    // Streaming, or a transform to run: at least one helper thread.
    QCOMPARE(workersOf(buildDataLoaders(folderSpec(dir, 0), {}, 16, 1)), loaderWorkers(s));
    QVERIFY(loaderWorkers(s) >= 1);
    s.augment.enabled = true;
    QCOMPARE(workersOf(buildDataLoaders(s, {}, 16, 1)), loaderWorkers(s));
    // The user's count wins.
    s.augment.enabled = false;
    s.workers = 2;
    QCOMPARE(workersOf(buildDataLoaders(s, {}, 16, 1)), 2);
    QCOMPARE(loaderWorkers(s, true), 2);
  }

  void defaultBudgetIsAQuarterOfMemory() {
    QVERIFY(physicalMemoryBytes() > 0);
    QCOMPARE(defaultCacheBudget(), physicalMemoryBytes() / 4);
    DataBlockSpec s;
    QCOMPARE(cacheBudget(s), defaultCacheBudget());
    s.cacheMb = 0;
    QCOMPARE(cacheBudget(s), std::size_t(0));
    s.cacheMb = 3;
    QCOMPARE(cacheBudget(s), std::size_t(3) << 20);
    s.cache = true;  // everything, whatever the budget
    QVERIFY(cacheBudget(s) > physicalMemoryBytes());
  }

  void oneBudgetForThreadsOfferingAtOnce() {
    DecodeCache cache(64, 10 * 100);
    const cv::Mat image(10, 10, CV_8UC1, cv::Scalar(7));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int i = t; i < 64; i += 4) cache.offer(std::size_t(i), image.clone());
      });
    for (auto& t : threads) t.join();
    QCOMPARE(cache.kept(), std::size_t(10));
    QCOMPARE(cache.bytes(), std::size_t(1000));
    for (std::size_t i = 0; i < 64; ++i) QVERIFY(!cache.offer(i, image));  // full, or kept
    QCOMPARE(cache.kept(), std::size_t(10));
  }

  void oneNormalisationPassMatchesTheInMemoryPath() {
    QTemporaryDir dir;
    test::writeImageFolder(dir.path().toStdString(), 40, 10, ".png", false, true);
    DataLoaders dls = buildDataLoaders(folderSpec(dir, -1), {}, 16, 1);
    dls.valid->startEpoch(0);
    const Batch b = dls.valid->batch(0);
    std::vector<cv::Mat> images;
    for (int item : dls.pipeline->items().valid) images.push_back(dls.pipeline->decode(item));
    const torch::Tensor expected = normalizeImages(dls.pipeline->collate(images), dls.stats);
    QVERIFY(torch::allclose(b.x, expected, 1e-5, 1e-5));
  }
};

QTEST_GUILESS_MAIN(TestDecodeCache)
#include "tst_decode_cache.moc"
