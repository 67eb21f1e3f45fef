// The CLI's per-batch and per-epoch JSON lines (engine/train/progress_json.h) read back as they
// were written, whatever the metric; and a line of another kind, or not JSON, reads as neither.
#include <QtTest/QtTest>

#include "engine/train/progress_json.h"

using namespace lb;

class TestProgressJson : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void aBatchReadsBackAsWritten() {
    BatchProgress b;
    b.epoch = 1, b.epochs = 3, b.batch = 17, b.batches = 40;
    b.loss = 0.625, b.smoothLoss = 0.75, b.lr = 4e-4, b.mom = 0.93;
    b.elapsedSeconds = 12.5, b.secondsLeft = 30.25;
    const std::string line = batchProgressLine(b);
    QVERIFY(line.find('\n') == std::string::npos);
    const auto read = readBatchProgressLine(line);
    QVERIFY(read.has_value());
    QCOMPARE(read->epoch, 1);
    QCOMPARE(read->epochs, 3);
    QCOMPARE(read->batch, 17);
    QCOMPARE(read->batches, 40);
    QCOMPARE(read->loss, 0.625);
    QCOMPARE(read->smoothLoss, 0.75);
    QCOMPARE(read->lr, 4e-4);
    QCOMPARE(read->mom, 0.93);
    QCOMPARE(read->elapsedSeconds, 12.5);
    QCOMPARE(read->secondsLeft, 30.25);
    QVERIFY(!readEpochLine(line).has_value());
  }

  void anEpochReadsBackWithItsMetric_data() {
    QTest::addColumn<QString>("metric");
    QTest::addColumn<bool>("lowerIsBetter");
    QTest::newRow("accuracy") << "accuracy" << false;
    QTest::newRow("accuracy_multi") << "accuracy_multi" << false;
    QTest::newRow("mae") << "mae" << true;
  }
  void anEpochReadsBackWithItsMetric() {
    QFETCH(QString, metric);
    QFETCH(bool, lowerIsBetter);
    EpochResult e;
    e.epoch = 2, e.trainLoss = 0.5, e.validLoss = 0.375, e.metric = 0.875, e.seconds = 61.5;
    e.metricName = metric.toStdString();
    const std::string line = epochLine(e, "01:01");
    QVERIFY(line.find("\"time\":\"01:01\"") != std::string::npos);
    const auto read = readEpochLine(line);
    QVERIFY(read.has_value());
    QCOMPARE(read->epoch, 2);
    QCOMPARE(read->trainLoss, 0.5);
    QCOMPARE(read->validLoss, 0.375);
    QCOMPARE(read->seconds, 61.5);
    QCOMPARE(QString::fromStdString(read->metricName), metric);
    QCOMPARE(read->metric, 0.875);
    QCOMPARE(read->metricLowerIsBetter, lowerIsBetter);
    QVERIFY(!readBatchProgressLine(line).has_value());
  }

  void otherLinesReadAsNeither() {
    for (const std::string line : {"", "not json", "{\"rank\":1,\"images_per_s\":900.5}",
                                   "[1,2]", "{\"progress\":3}", "{\"progress\":{\"epoch\":"}) {
      QVERIFY2(!readBatchProgressLine(line).has_value(), line.c_str());
      QVERIFY2(!readEpochLine(line).has_value(), line.c_str());
    }
  }
};

QTEST_GUILESS_MAIN(TestProgressJson)
#include "tst_progress_json.moc"
