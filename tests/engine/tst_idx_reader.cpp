// The IDX reader and the Fashion-MNIST loader on the real files from dataset-fashion-mnist.
#include <QtTest/QtTest>
#include <zlib.h>

#include <fstream>

#include "common/test_support.h"
#include "engine/data/fashion_mnist.h"
#include "engine/data/idx_reader.h"
#include "engine/util/error.h"

using namespace lb;

class TestIdxReader : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void readsRealImageFile() {
    IdxArray a = readIdxFile(test::fashionMnistDir() + "/t10k-images-idx3-ubyte.gz");
    QCOMPARE(a.shape, (std::vector<std::int64_t>{10000, 28, 28}));
    QCOMPARE(a.data.size(), std::size_t(10000 * 28 * 28));
  }

  void fullDataCountsShapesAndLabels() {
    FashionMnist d = loadFashionMnist(test::fashionMnistDir());
    QCOMPARE(d.train.size(), 60000);
    QCOMPARE(d.valid.size(), 10000);
    QCOMPARE(d.train.images.sizes().vec(), (std::vector<std::int64_t>{60000, 1, 28, 28}));
    QCOMPARE(d.train.images.scalar_type(), torch::kUInt8);
    QCOMPARE(d.classes.size(), std::size_t(10));
    QCOMPARE(d.classes.front(), std::string("T-shirt/top"));
    QCOMPARE(d.classes.back(), std::string("Ankle boot"));
    QCOMPARE(d.train.labels.min().item<int64_t>(), 0);
    QCOMPARE(d.train.labels.max().item<int64_t>(), 9);
    // The official sets are balanced: 6,000 and 1,000 per class.
    auto trainCounts = torch::bincount(d.train.labels);
    auto validCounts = torch::bincount(d.valid.labels);
    for (int c = 0; c < 10; ++c) {
      QCOMPARE(trainCounts[c].item<int64_t>(), 6000);
      QCOMPARE(validCounts[c].item<int64_t>(), 1000);
    }
    // Pixels are real images, not zeros.
    QVERIFY(d.train.images.to(torch::kFloat).mean().item<double>() > 50);
  }

  void limitKeepsABalancedSubset() {
    FashionMnist d = loadFashionMnist(test::fashionMnistDir(), 1000, 7);
    QCOMPARE(d.train.size(), 1000);
    QCOMPARE(d.valid.size(), 166);
    auto trainCounts = torch::bincount(d.train.labels, {}, 10);
    for (int c = 0; c < 10; ++c) QCOMPARE(trainCounts[c].item<int64_t>(), 100);
    auto validCounts = torch::bincount(d.valid.labels, {}, 10);
    QVERIFY(validCounts.min().item<int64_t>() >= 16);
    QVERIFY(validCounts.max().item<int64_t>() <= 17);
  }

  void subsetIsReproducibleFromTheSeed() {
    FashionMnist a = loadFashionMnist(test::fashionMnistDir(), 500, 3);
    FashionMnist b = loadFashionMnist(test::fashionMnistDir(), 500, 3);
    FashionMnist c = loadFashionMnist(test::fashionMnistDir(), 500, 4);
    QVERIFY(torch::equal(a.train.images, b.train.images));
    QVERIFY(!torch::equal(a.train.images, c.train.images));
  }

  void missingFolderSaysWhatToInstall() {
    try {
      loadFashionMnist("/nonexistent/fashion");
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY(QString::fromUtf8(e.what()).contains(QStringLiteral("dataset-fashion-mnist")));
    }
  }

  void truncatedFileIsAnErrorNotACrash() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("short.gz")).toStdString();
    gzFile f = gzopen(path.c_str(), "wb");
    const unsigned char header[] = {0, 0, 8, 3, 0, 0, 0, 100, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3};
    gzwrite(f, header, sizeof header);
    gzclose(f);
    QVERIFY_THROWS_EXCEPTION(Error, readIdxFile(path));
  }

  void notAnIdxFileIsAnError() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("text.idx")).toStdString();
    std::ofstream(path) << "hello, this is not an idx file";
    try {
      readIdxFile(path);
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY(QString::fromUtf8(e.what()).contains(QStringLiteral("not an IDX file")));
    }
  }
};

QTEST_APPLESS_MAIN(TestIdxReader)
#include "tst_idx_reader.moc"
