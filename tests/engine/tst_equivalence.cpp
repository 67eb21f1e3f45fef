// The equivalence check's engine half (engine/experiment/equivalence.h): the first steps' losses
// of a real Fashion-MNIST fit, repeatable and writing nothing, and the sentence that says how far
// two loss curves are apart. Two processes against one: tests/cli/tst_cli_equivalence.
#include <QtTest/QtTest>

#include <filesystem>

#include "common/test_support.h"
#include "engine/experiment/equivalence.h"

using namespace lb;

namespace {

Project fashionProject(const QTemporaryDir& dir) {
  Project p;
  p.data.path = test::fashionMnistDir();
  p.data.limit = 600;  // 480 training images: 15 batches of 32
  p.train.batchSize = 32;
  p.train.seed = 5;
  p.model.channels = {8, 16};
  p.file = dir.filePath(QStringLiteral("p.lbproj")).toStdString();
  return p;
}

}  // namespace

class TestEquivalence : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void firstStepsAreRepeatableAndWriteNothing();
  void fewerStepsWhenTheFitIsShorter();
  void sentenceSaysHowFarApart_data();
  void sentenceSaysHowFarApart();
};

void TestEquivalence::firstStepsAreRepeatableAndWriteNothing() {
  QTemporaryDir dir;
  const Project p = fashionProject(dir);
  Experiment a(p), b(p);
  const std::vector<double> first = firstStepLosses(a, 4);
  QCOMPARE(int(first.size()), 4);
  QCOMPARE(firstStepLosses(b, 4), first);  // the same start, the same data order
  QVERIFY(std::isfinite(first[0]) && first[0] > 0);
  QVERIFY2(first[0] != first[3], "the steps trained");
  QVERIFY2(!std::filesystem::exists(p.runFolder()), "no checkpoint, no run recorded");
}

void TestEquivalence::fewerStepsWhenTheFitIsShorter() {
  QTemporaryDir dir;
  const Project p = fashionProject(dir);
  Experiment e(p);
  QCOMPARE(int(firstStepLosses(e, 1000).size()), e.batchesPerEpoch() * p.train.epochs);
}

void TestEquivalence::sentenceSaysHowFarApart_data() {
  QTest::addColumn<std::vector<double>>("many");
  QTest::addColumn<QString>("says");
  QTest::addColumn<double>("largest");
  QTest::newRow("same") << std::vector<double>{2.0, 1.5000001, 1.0} << QStringLiteral("2 processes train as one")
                        << 1e-7;
  QTest::newRow("close") << std::vector<double>{2.0, 1.53, 1.0} << QStringLiteral("close; BatchNorm") << 0.03;
  QTest::newRow("far") << std::vector<double>{2.0, 1.5, 0.5} << QStringLiteral("far apart") << 0.5;
}

void TestEquivalence::sentenceSaysHowFarApart() {
  QFETCH(std::vector<double>, many);
  QFETCH(QString, says);
  QFETCH(double, largest);
  const LossComparison c = compareLosses({2.0, 1.5, 1.0, 0.8}, many, 2);
  QCOMPARE(c.steps, 3);
  LB_COMPARE_NEAR(c.largestDifference, largest, 1e-6);
  const QString sentence = QString::fromStdString(c.sentence);
  QVERIFY2(sentence.startsWith(QStringLiteral("Over 3 steps the two loss curves differ by at most")),
           qPrintable(sentence));
  QVERIFY2(sentence.contains(says), qPrintable(sentence));
  QVERIFY(QString::fromStdString(compareLosses({}, {1.0}, 2).sentence).contains(QStringLiteral("No training step")));
}

QTEST_APPLESS_MAIN(TestEquivalence)
#include "tst_equivalence.moc"
