// LossPlot buffers and decimation, the learning-rate spin box, and the number formats.
#include <QtTest>

#include "widgets/loss_plot.h"
#include "widgets/qcustomplot_include.h"
#include "widgets/scientific_spin_box.h"
#include "widgets/text_format.h"

class TstLossPlot : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void startsEmptyWithASentence();
  void buffersBatchesAndEpochs();
  void longRunsAreDecimatedForDisplay();
  void decimationKeepsTheExtremes();
  void clearForgetsTheRun();
  void formats_data();
  void formats();
  void learningRateSteps_data();
  void learningRateSteps();
  void learningRateText();
};

namespace {
lb::BatchProgress batch(int epoch, int i, int batches, double loss, int epochs = 1) {
  lb::BatchProgress p;
  p.epoch = epoch;
  p.epochs = epochs;
  p.batch = i;
  p.batches = batches;
  p.loss = loss;
  p.smoothLoss = loss;
  return p;
}

QCPItemText* placeholder(lb::LossPlot& plot) {
  for (int i = 0; i < plot.plot()->itemCount(); ++i)
    if (auto* text = qobject_cast<QCPItemText*>(plot.plot()->item(i))) return text;
  return nullptr;
}
}  // namespace

void TstLossPlot::startsEmptyWithASentence() {
  lb::LossPlot plot;
  QCOMPARE(plot.batchPointCount(), 0);
  QCOMPARE(plot.epochPointCount(), 0);
  QCPItemText* text = placeholder(plot);
  QVERIFY(text);
  QVERIFY(text->visible());
  QVERIFY(text->text().contains(QStringLiteral("Train")));
  QCOMPARE(plot.plot()->xAxis->label(), QStringLiteral("epoch"));
  QCOMPARE(plot.plot()->yAxis->label(), QStringLiteral("loss"));
}

void TstLossPlot::buffersBatchesAndEpochs() {
  lb::LossPlot plot;
  for (int e = 0; e < 2; ++e) {
    for (int i = 0; i < 10; ++i) plot.addBatch(batch(e, i, 10, 2.0 - 0.05 * i, 2));
    lb::EpochResult r;
    r.epoch = e;
    r.validLoss = 1.0;
    plot.addEpoch(r);
  }
  QCOMPARE(plot.batchPointCount(), 20);
  QCOMPARE(plot.epochPointCount(), 2);
  plot.redraw();
  QCOMPARE(plot.displayedBatchPointCount(), 20);  // short runs are drawn whole
  QVERIFY(!placeholder(plot)->visible());
  QVERIFY(plot.plot()->legend->visible());
  // The x axis covers the whole fit, in epochs.
  QCOMPARE(plot.plot()->xAxis->range().lower, 0.0);
  QCOMPARE(plot.plot()->xAxis->range().upper, 2.0);
  QCOMPARE(plot.plot()->graph(2)->dataCount(), 2);  // valid loss, one point per epoch
}

void TstLossPlot::longRunsAreDecimatedForDisplay() {
  lb::LossPlot plot;
  const int n = 200000;
  for (int i = 0; i < n; ++i) plot.addBatch(batch(0, i, n, 1.0 + (i % 7) * 0.01));
  plot.redraw();
  QCOMPARE(plot.batchPointCount(), n);
  QVERIFY2(plot.displayedBatchPointCount() <= 4002,
           qPrintable(QString::number(plot.displayedBatchPointCount())));
  QVERIFY(plot.displayedBatchPointCount() > 1000);
}

void TstLossPlot::decimationKeepsTheExtremes() {
  lb::LossPlot plot;
  const int n = 50000;
  for (int i = 0; i < n; ++i) {
    double loss = 1.0;
    if (i == 12345) loss = 9.0;  // one spike
    if (i == 40000) loss = 0.1;  // one dip
    plot.addBatch(batch(0, i, n, loss));
  }
  plot.redraw();
  bool found = false;
  const QCPRange values = plot.plot()->graph(0)->getValueRange(found);
  QVERIFY(found);
  QCOMPARE(values.upper, 9.0);
  QCOMPARE(values.lower, 0.1);
}

void TstLossPlot::clearForgetsTheRun() {
  lb::LossPlot plot;
  for (int i = 0; i < 5000; ++i) plot.addBatch(batch(i / 1000, i % 1000, 1000, 1.0, 5));
  lb::EpochResult r;
  plot.addEpoch(r);
  plot.redraw();
  plot.clear();
  QCOMPARE(plot.batchPointCount(), 0);
  QCOMPARE(plot.epochPointCount(), 0);
  QCOMPARE(plot.displayedBatchPointCount(), 0);
  QVERIFY(placeholder(plot)->visible());
  // Only the placeholder is left: the epoch lines went with the run.
  QCOMPARE(plot.plot()->itemCount(), 1);
}

void TstLossPlot::formats_data() {
  QTest::addColumn<QString>("actual");
  QTest::addColumn<QString>("expected");
  QTest::newRow("loss") << lb::formatLoss(0.412345) << QStringLiteral("0.4123");
  QTest::newRow("percent") << lb::formatPercent(0.8531) << QStringLiteral("85.3%");
  QTest::newRow("lr") << lb::formatLearningRate(0.0021) << QStringLiteral("2.1e-3");
  QTest::newRow("lr 1e-2") << lb::formatLearningRate(0.01) << QStringLiteral("1.0e-2");
  QTest::newRow("seconds") << lb::formatDuration(41.2) << QStringLiteral("41 s");
  QTest::newRow("minutes") << lb::formatDuration(72) << QStringLiteral("1 min 12 s");
  QTest::newRow("whole minutes") << lb::formatDuration(120) << QStringLiteral("2 min");
  QTest::newRow("hours") << lb::formatDuration(7500) << QStringLiteral("2 h 5 min");
  QTest::newRow("count") << lb::formatCount(60000) << QStringLiteral("60,000");
}

void TstLossPlot::formats() {
  QFETCH(QString, actual);
  QFETCH(QString, expected);
  QCOMPARE(actual, expected);
}

void TstLossPlot::learningRateSteps_data() {
  QTest::addColumn<double>("value");
  QTest::addColumn<int>("steps");
  QTest::addColumn<double>("expected");
  QTest::newRow("1e-3 up") << 1e-3 << 1 << 2e-3;
  QTest::newRow("2e-3 up") << 2e-3 << 1 << 5e-3;
  QTest::newRow("5e-3 up") << 5e-3 << 1 << 1e-2;
  QTest::newRow("1e-2 down") << 1e-2 << -1 << 5e-3;
  QTest::newRow("3e-3 up") << 3e-3 << 1 << 5e-3;
  QTest::newRow("3e-3 down") << 3e-3 << -1 << 2e-3;
  QTest::newRow("1e-1 up 3") << 1e-1 << 3 << 1.0;
}

void TstLossPlot::learningRateSteps() {
  QFETCH(double, value);
  QFETCH(int, steps);
  QFETCH(double, expected);
  QCOMPARE(lb::ScientificSpinBox::stepSeries(value, steps), expected);
}

void TstLossPlot::learningRateText() {
  lb::ScientificSpinBox box;
  box.setValue(1e-5);
  QCOMPARE(box.value(), 1e-5);  // not rounded away
  QCOMPARE(box.text(), QStringLiteral("1.0e-5"));
  QCOMPARE(box.valueFromText(QStringLiteral("0.003")), 0.003);
  QCOMPARE(box.valueFromText(QStringLiteral("3e-4")), 3e-4);
}

QTEST_MAIN(TstLossPlot)
#include "tst_loss_plot.moc"
