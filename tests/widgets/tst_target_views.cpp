// The multi-label and regression views driven as a user would: moving the threshold recomputes
// every label's numbers as the engine's functions say, the best-threshold button sets it; the
// scatter holds one point per validation item, the worst residuals come as tiles, largest first.
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QTableWidget>
#include <QtTest>
#include <random>

#include "engine/interpret/target_reports.h"
#include "widgets/multi_label_view.h"
#include "widgets/qcustomplot_include.h"
#include "widgets/regression_view.h"
#include "widgets/text_format.h"

using namespace lb;

namespace {

Interpretation multiLabel() {
  Interpretation in;
  in.target = lb::TargetKind::MultiCategory;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0, 1);
  for (const char* name : {"clothing", "footwear", "Bag"}) {
    LabelScores l;
    l.name = name;
    for (int i = 0; i < 60; ++i) {
      l.targets.push_back(u(rng) < 0.4 ? 1 : 0);
      l.probabilities.push_back(l.targets.back() ? 0.3f + 0.7f * u(rng) : 0.7f * u(rng));
      l.support += l.targets.back();
    }
    in.multiLabel.labels.push_back(l);
  }
  in.validItems = 60;
  return in;
}

Interpretation regression() {
  Interpretation in;
  in.target = lb::TargetKind::Regression;
  std::vector<double> actual, predicted;
  for (int i = 0; i < 40; ++i) {
    actual.push_back(i % 10);
    predicted.push_back(i % 10 + std::sin(i) * (i % 7));
  }
  in.regression = regressionReport(predicted, actual, 5);
  for (std::size_t i = 0; i < in.regression.worst.size(); ++i) {
    Image8 im;
    im.width = im.height = 28;
    im.pixels.assign(28 * 28, std::uint8_t(40 * i));
    in.regression.images.push_back(im);
  }
  in.validItems = 40;
  return in;
}

// The table's row `r` against the engine's numbers at `t`.
void checkRow(const MultiLabelView& view, const LabelScores& l, int r, double t) {
  const LabelMetrics m = labelMetrics(l, t);
  QTableWidget* table = view.table();
  QCOMPARE(table->item(r, MultiLabelView::kLabel)->text(), QString::fromStdString(l.name));
  QCOMPARE(table->item(r, MultiLabelView::kSupport)->data(Qt::UserRole).toDouble(), double(l.support));
  QCOMPARE(table->item(r, MultiLabelView::kAccuracy)->data(Qt::UserRole).toDouble(), m.accuracy);
  QCOMPARE(table->item(r, MultiLabelView::kAccuracy)->text(), formatPercent(m.accuracy));
  QCOMPARE(table->item(r, MultiLabelView::kPrecision)->data(Qt::UserRole).toDouble(), m.precision);
  QCOMPARE(table->item(r, MultiLabelView::kRecall)->data(Qt::UserRole).toDouble(), m.recall);
  QCOMPARE(table->item(r, MultiLabelView::kF1)->data(Qt::UserRole).toDouble(), m.f1);
  QCOMPARE(table->item(r, MultiLabelView::kF1)->text(), QString::number(m.f1, 'f', 2));
}

}  // namespace

class TstTargetViews : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void thresholdRecomputesTheTable() {
    MultiLabelView view;
    view.resize(1000, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCOMPARE(view.table()->rowCount(), 0);
    QVERIFY(!view.bestButton()->isEnabled());

    const Interpretation in = multiLabel();
    view.setInterpretation(in);
    QCOMPARE(view.table()->rowCount(), 3);
    QCOMPARE(view.threshold(), 0.5);
    for (int r = 0; r < 3; ++r) checkRow(view, in.multiLabel.labels[std::size_t(r)], r, 0.5);
    const QString f1At50 = view.table()->item(0, MultiLabelView::kF1)->text();

    // The slider, as a user drags it: the spin box follows, the numbers are recomputed.
    QSignalSpy changed(&view, &MultiLabelView::thresholdChanged);
    view.thresholdSlider()->setFocus();
    for (int i = 0; i < 30; ++i) QTest::keyClick(view.thresholdSlider(), Qt::Key_Left);
    QCOMPARE(view.thresholdSlider()->value(), 20);
    QCOMPARE(view.thresholdBox()->value(), 0.2);
    QCOMPARE(changed.size(), 30);
    for (int r = 0; r < 3; ++r) checkRow(view, in.multiLabel.labels[std::size_t(r)], r, 0.2);
    QVERIFY(view.table()->item(0, MultiLabelView::kF1)->text() != f1At50 ||
            view.table()->item(0, MultiLabelView::kAccuracy)->text() !=
                formatPercent(labelMetrics(in.multiLabel.labels[0], 0.5).accuracy));
    QVERIFY2(view.overallLabel()->text().contains(formatPercent(accuracyMulti(in.multiLabel, 0.2))),
             qPrintable(view.overallLabel()->text()));

    // Typed into the spin box.
    view.thresholdBox()->selectAll();
    QTest::keyClicks(view.thresholdBox(), QStringLiteral("0.85"));
    QCOMPARE(view.thresholdBox()->value(), 0.85);
    QCOMPARE(view.thresholdSlider()->value(), 85);
    for (int r = 0; r < 3; ++r) checkRow(view, in.multiLabel.labels[std::size_t(r)], r, 0.85);

    // The best threshold: shown on the button, set by a click.
    const double best = bestThreshold(in.multiLabel);
    QVERIFY2(view.bestButton()->text().contains(QString::number(best, 'f', 2)),
             qPrintable(view.bestButton()->text()));
    QTest::mouseClick(view.bestButton(), Qt::LeftButton);
    QCOMPARE(view.threshold(), best);
    for (int r = 0; r < 3; ++r) checkRow(view, in.multiLabel.labels[std::size_t(r)], r, best);
    for (int r = 0; r < 3; ++r)
      QCOMPARE(view.table()->item(r, MultiLabelView::kBestThreshold)->data(Qt::UserRole).toDouble(),
               bestLabelThreshold(in.multiLabel.labels[std::size_t(r)]));

    // The F1 bars follow the threshold too.
    auto* bars = qobject_cast<QCPBars*>(view.plot()->plottable(0));
    QVERIFY(bars);
    QCOMPARE(bars->data()->size(), 3);
    QCOMPARE(bars->data()->at(1)->value, labelMetrics(in.multiLabel.labels[1], best).f1);

    view.clear();
    QCOMPARE(view.table()->rowCount(), 0);
    QCOMPARE(bars->data()->size(), 0);
  }

  void scatterAndWorstResiduals() {
    RegressionView view;
    view.resize(1100, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCOMPARE(view.pointCount(), 0);
    QCOMPARE(view.tileCount(), 0);

    const Interpretation in = regression();
    view.setInterpretation(in);
    QCOMPARE(view.pointCount(), 40);
    // One point at (actual, predicted) per item (the plot keeps them sorted by x).
    std::vector<std::pair<double, double>> expected, shown;
    for (int i = 0; i < 40; ++i) {
      expected.push_back({in.regression.actual[std::size_t(i)], in.regression.predicted[std::size_t(i)]});
      shown.push_back({view.points()->data()->at(i)->key, view.points()->data()->at(i)->value});
    }
    std::sort(expected.begin(), expected.end());
    std::sort(shown.begin(), shown.end());
    QVERIFY(expected == shown);
    // Equal axes, so the y = x line runs corner to corner.
    QCOMPARE(view.plot()->xAxis->range().lower, view.plot()->yAxis->range().lower);
    QCOMPARE(view.plot()->xAxis->range().upper, view.plot()->yAxis->range().upper);
    QVERIFY(view.summaryLabel()->text().contains(QString::number(in.regression.r2, 'f', 3)));

    QCOMPARE(view.tileCount(), 5);
    QApplication::processEvents();  // new tiles are shown by a queued call
    double previous = INFINITY;
    for (int i = 0; i < 5; ++i) {
      const Residual& r = in.regression.worst[std::size_t(i)];
      QVERIFY(std::abs(r.residual()) <= previous);
      previous = std::abs(r.residual());
      QCOMPARE(view.tileText(i), QStringLiteral("predicted %1 / actual %2")
                                     .arg(QString::number(r.predicted, 'f', 2),
                                          QString::number(r.actual, 'f', 2)));
      QVERIFY(view.tile(i)->isVisible());
      QVERIFY(view.tile(i)->toolTip().contains(view.tileText(i)));
    }
    // Reading order: left to right, then the next row.
    for (int i = 1; i < 5; ++i) {
      const QPoint a = view.tile(i - 1)->pos(), b = view.tile(i)->pos();
      QVERIFY(b.y() > a.y() || (b.y() == a.y() && b.x() > a.x()));
    }

    // The zoom enlarges the tiles' images.
    const int before = view.imageSize();
    QFont big = view.font();
    big.setPointSizeF(big.pointSizeF() * 2);
    view.setFont(big);
    QVERIFY(view.imageSize() > before);
    QCOMPARE(view.tileCount(), 5);

    view.clear();
    QCOMPARE(view.pointCount(), 0);
    QCOMPARE(view.tileCount(), 0);
  }
};

QTEST_MAIN(TstTargetViews)
#include "tst_target_views.moc"
