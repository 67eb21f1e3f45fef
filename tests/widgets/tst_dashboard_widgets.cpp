// The dashboard's widgets used as a person would: the LR finder plot and its suggestions, the
// one-cycle schedule, the top-losses grid, the confusion matrix, and saving plots to files.
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "widgets/confusion_matrix_view.h"
#include "widgets/lr_finder_plot.h"
#include "widgets/plot_export.h"
#include "widgets/qcustomplot_include.h"
#include "widgets/schedule_plot.h"
#include "widgets/text_format.h"
#include "widgets/top_losses_view.h"

class TstDashboardWidgets : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void lrFinderDrawsCurveAndMarkers();
  void lrFinderLeavesOutTheTail();
  void lrFinderClickOnValleyChoosesIt();
  void lrFinderClickOnCurveChoosesNearestPoint();
  void lrFinderLiveSweep();
  void schedulePeaksAtPctStart();
  void scheduleCursorMoves();
  void topLossesShowsSortedTiles();
  void topLossesFilterByActualClass();
  void topLossesGradCamChangesPixels();
  void topLossesClickOpensDetails();
  void confusionCellsShowCounts();
  void confusionCountsShowOnlyWhereTheyFit();
  void confusionNormalisesRows();
  void confusionClickEmitsCell();
  void confusionListsMostConfused();
  void exportsPngPdfCsv();
};

namespace {
// A sweep of 100 batches from 1e-7 to 10: flat, a long fall, then the blow-up.
lb::LrFindResult sweep() {
  lb::LrFindResult r;
  for (int i = 0; i < 100; ++i) {
    lb::LrFindPoint p;
    p.iter = i;
    p.lr = 1e-7 * std::pow(1e8, i / 100.0);
    const double x = std::log10(p.lr);
    p.smoothLoss = 2.3 - 1.8 / (1 + std::exp(-2.0 * (x + 3.5))) + std::exp(2.5 * (x + 0.8));
    p.loss = p.smoothLoss * (1 + 0.05 * std::sin(i));
    r.points.push_back(p);
  }
  // Fixed suggestions on points of the curve (index in the curve trimmed by numIt / 10 = 10).
  auto at = [&](int i, double divide = 1) {
    lb::Suggestion s;
    s.lr = r.points[std::size_t(i)].lr / divide;
    s.loss = r.points[std::size_t(i)].smoothLoss;
    s.index = i - 10;
    return s;
  };
  r.suggestions.valley = at(55);
  r.suggestions.slide = at(64);
  r.suggestions.minimum = at(72, 10);
  r.suggestions.steep = at(44);
  return r;
}

lb::Image8 stripes(int w, int h, int channels, int seed) {
  lb::Image8 img;
  img.width = w;
  img.height = h;
  img.channels = channels;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c)
        img.pixels.push_back(std::uint8_t(((x + seed) / 4 % 2) * 200 + c * 20));
  return img;
}

// Nine items over three classes, in no particular order, with maps and probabilities.
std::vector<lb::TopLossTile> tiles() {
  const double losses[9] = {1.2, 4.5, 0.3, 2.2, 3.1, 0.9, 5.0, 1.7, 2.8};
  const int actual[9] = {0, 1, 2, 1, 0, 2, 1, 0, 2};
  const int predicted[9] = {1, 0, 2, 2, 2, 0, 0, 1, 2};
  std::vector<lb::TopLossTile> out;
  for (int i = 0; i < 9; ++i) {
    lb::TopLossTile t;
    t.item.index = 100 + i;
    t.item.loss = losses[i];
    t.item.actual = actual[i];
    t.item.predicted = predicted[i];
    t.item.probability = 0.9;
    t.image = stripes(28, 28, i % 2 ? 3 : 1, i);
    t.gradCam.width = 7;
    t.gradCam.height = 7;
    for (int k = 0; k < 49; ++k) t.gradCam.values.push_back(float(k) / 48.0f);
    t.probabilities = {0.05, 0.05, 0.05};
    t.probabilities[std::size_t(t.item.predicted)] = 0.9;
    out.push_back(std::move(t));
  }
  return out;
}

lb::Confusion confusion() {
  lb::Confusion c;
  c.counts = {{50, 3, 7}, {2, 40, 0}, {10, 1, 30}};
  return c;
}

const std::vector<std::string> kClasses = {"T-shirt", "Trouser", "Pullover"};

// Shown at a fixed size and laid out, so axes map coordinates to real pixels.
void showAt(QWidget& w, QCustomPlot* plot = nullptr) {
  w.resize(1000, 700);
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  if (plot) plot->replot();
}

QPoint pixelOf(QCustomPlot* plot, double x, double y) {
  return QPoint(int(std::lround(plot->xAxis->coordToPixel(x))),
                int(std::lround(plot->yAxis->coordToPixel(y))));
}
}  // namespace

void TstDashboardWidgets::lrFinderDrawsCurveAndMarkers() {
  lb::LrFinderPlot plot;
  plot.setResult(sweep());
  QCOMPARE(plot.plot()->xAxis->scaleType(), QCPAxis::stLogarithmic);
  QVERIFY(plot.plot()->xAxis->label().contains(QStringLiteral("log")));
  QCOMPARE(plot.plot()->graph(0)->dataCount(), 95);
  const lb::Suggestions s = sweep().suggestions;
  const lb::Suggestion* all[4] = {&s.valley, &s.slide, &s.minimum, &s.steep};
  const char* names[4] = {"valley", "slide", "minimum", "steep"};
  QSet<int> shapes;
  for (int k = 0; k < 4; ++k) {
    double lr = 0, loss = 0;
    QVERIFY(plot.markerPosition(k, &lr, &loss));
    QCOMPARE(loss, all[k]->loss);
    QCPGraph* marker = plot.plot()->graph(1 + k);
    QCOMPARE(marker->dataCount(), 1);
    shapes.insert(int(marker->scatterStyle().shape()));
    // Named in the legend with its lr, as UI.md writes it.
    const QString name =
        QStringLiteral("%1 %2").arg(QLatin1String(names[k]), lb::formatLearningRate(all[k]->lr));
    QCOMPARE(marker->name(), name);
    QVERIFY(plot.plot()->legend->hasItemWithPlottable(marker));
  }
  QCOMPARE(shapes.size(), 4);  // a distinct marker each
  // The minimum's marker sits on the lowest point, a decade above its suggested lr.
  double lr = 0, loss = 0;
  plot.markerPosition(2, &lr, &loss);
  QVERIFY(std::abs(lr / (s.minimum.lr * 10) - 1) < 1e-9);
}

void TstDashboardWidgets::lrFinderLeavesOutTheTail() {
  lb::LrFinderPlot plot;
  const lb::LrFindResult r = sweep();
  plot.setResult(r);
  QCOMPARE(plot.curvePointCount(), int(r.points.size()) - lb::LrFinderPlot::kSkipEnd);
  bool found = false;
  const QCPRange keys = plot.plot()->graph(0)->getKeyRange(found);
  QVERIFY(found);
  QCOMPARE(keys.upper, r.points[94].lr);
  QVERIFY(keys.upper < r.points[95].lr);
}

void TstDashboardWidgets::lrFinderClickOnValleyChoosesIt() {
  lb::LrFinderPlot plot;
  plot.setResult(sweep());
  showAt(plot, plot.plot());
  QSignalSpy chosen(&plot, &lb::LrFinderPlot::lrChosen);
  double lr = 0, loss = 0;
  QVERIFY(plot.markerPosition(0, &lr, &loss));
  // A little off the marker's centre, as a hand clicks.
  QTest::mouseClick(plot.plot(), Qt::LeftButton, {},
                    pixelOf(plot.plot(), lr, loss) + QPoint(3, -2));
  QCOMPARE(chosen.count(), 1);
  QCOMPARE(chosen.at(0).at(0).toDouble(), sweep().suggestions.valley.lr);
  QCOMPARE(plot.chosenLr(), sweep().suggestions.valley.lr);
}

void TstDashboardWidgets::lrFinderClickOnCurveChoosesNearestPoint() {
  lb::LrFinderPlot plot;
  const lb::LrFindResult r = sweep();
  plot.setResult(r);
  showAt(plot, plot.plot());
  QSignalSpy chosen(&plot, &lb::LrFinderPlot::lrChosen);
  const lb::LrFindPoint& p = r.points[20];  // far from every marker
  QTest::mouseClick(plot.plot(), Qt::LeftButton, {},
                    pixelOf(plot.plot(), p.lr, p.smoothLoss) + QPoint(1, 4));
  QCOMPARE(chosen.count(), 1);
  QCOMPARE(chosen.at(0).at(0).toDouble(), p.lr);
  // Far from the curve, a click chooses nothing.
  QTest::mouseClick(plot.plot(), Qt::LeftButton, {}, pixelOf(plot.plot(), r.points[20].lr, 0.6));
  QCOMPARE(chosen.count(), 1);
}

void TstDashboardWidgets::lrFinderLiveSweep() {
  lb::LrFinderPlot plot;
  const lb::LrFindResult r = sweep();
  for (int i = 0; i < 30; ++i) plot.addPoint(r.points[std::size_t(i)]);
  QCOMPARE(plot.curvePointCount(), 25);
  double lr = 0, loss = 0;
  QVERIFY(!plot.markerPosition(0, &lr, &loss));  // no suggestions until the sweep ends
  plot.clear();
  QCOMPARE(plot.curvePointCount(), 0);
}

void TstDashboardWidgets::schedulePeaksAtPctStart() {
  lb::SchedulePlot plot;
  plot.setPlan(4, 100, 1e-2);
  QCPGraph* lr = plot.lrGraph();
  QVERIFY(lr->dataCount() > 100);
  double peak = 0, peakX = -1;
  for (auto it = lr->data()->constBegin(); it != lr->data()->constEnd(); ++it)
    if (it->value > peak) {
      peak = it->value;
      peakX = it->key;
    }
  QCOMPARE(peak, 1e-2);
  QCOMPARE(peakX, 1.0);  // pct_start 0.25 of 4 epochs
  QCOMPARE(lr->data()->constBegin()->value, 1e-2 / 25);
  QVERIFY(std::abs((lr->data()->constEnd() - 1)->value - 1e-7) < 1e-12);
  // Momentum falls to its low as the lr peaks, on the right axis.
  QCOMPARE(plot.momentumGraph()->valueAxis(), plot.plot()->yAxis2);
  QVERIFY(std::abs(plot.valueAt(1.0).mom - 0.85) < 1e-12);
  QCOMPARE(plot.plot()->xAxis->label(), QStringLiteral("epoch"));
}

void TstDashboardWidgets::scheduleCursorMoves() {
  lb::SchedulePlot plot;
  plot.setPlan(4, 100, 1e-2);
  showAt(plot, plot.plot());
  QVERIFY(!plot.cursor()->visible());
  plot.setPosition(0.5);
  plot.plot()->replot();
  QVERIFY(plot.cursor()->visible());
  const double first = plot.cursor()->point1->pixelPosition().x();
  QCOMPARE(plot.cursor()->point1->coords().x(), 0.5);
  plot.setPosition(2.75);
  plot.plot()->replot();
  QCOMPARE(plot.cursor()->point1->coords().x(), 2.75);
  QVERIFY(plot.cursor()->point1->pixelPosition().x() > first + 100);
}

void TstDashboardWidgets::topLossesShowsSortedTiles() {
  lb::TopLossesView view;
  view.setClasses(kClasses);
  view.setTiles(tiles());
  showAt(view);
  QCOMPARE(view.visibleCount(), 9);
  for (int i = 0; i < 9; ++i) {
    QVERIFY(view.tileWidget(i));
    QVERIFY(view.tileWidget(i)->isVisible());
    if (i > 0) QVERIFY(view.visibleTile(i - 1).item.loss >= view.visibleTile(i).item.loss);
  }
  QCOMPARE(view.visibleTile(0).item.loss, 5.0);
  // Tiles sit in rows: more than one column at 1000 px.
  QVERIFY(view.tileWidget(1)->y() == view.tileWidget(0)->y());
  QVERIFY(!view.gradCamBox()->isChecked());
  QCOMPARE(view.actualCombo()->currentText(), QStringLiteral("any"));
}

void TstDashboardWidgets::topLossesFilterByActualClass() {
  lb::TopLossesView view;
  view.setClasses(kClasses);
  view.setTiles(tiles());
  showAt(view);
  view.actualCombo()->setCurrentIndex(view.actualCombo()->findText(QStringLiteral("Pullover")));
  QCOMPARE(view.visibleCount(), 3);
  for (int i = 0; i < view.visibleCount(); ++i) QCOMPARE(view.visibleTile(i).item.actual, 2);
  view.predictedCombo()->setCurrentIndex(
      view.predictedCombo()->findText(QStringLiteral("T-shirt")));
  QCOMPARE(view.visibleCount(), 1);
  view.actualCombo()->setCurrentIndex(0);
  view.predictedCombo()->setCurrentIndex(0);
  QCOMPARE(view.visibleCount(), 9);
}

void TstDashboardWidgets::topLossesGradCamChangesPixels() {
  lb::TopLossesView view;
  view.setClasses(kClasses);
  view.setTiles(tiles());
  showAt(view);
  QVERIFY(view.gradCamBox()->isEnabled());
  const QImage before = view.tileWidget(0)->grab().toImage();
  QTest::mouseClick(view.gradCamBox(), Qt::LeftButton, {},
                    QPoint(8, view.gradCamBox()->height() / 2));
  QVERIFY(view.gradCamBox()->isChecked());
  const QImage after = view.tileWidget(0)->grab().toImage();
  QCOMPARE(after.size(), before.size());
  QVERIFY(after != before);
  // Without maps there is nothing to overlay: the box is off.
  std::vector<lb::TopLossTile> bare = tiles();
  for (auto& t : bare) t.gradCam = {};
  view.setTiles(bare);
  QVERIFY(!view.gradCamBox()->isEnabled());
}

void TstDashboardWidgets::topLossesClickOpensDetails() {
  lb::TopLossesView view;
  view.setClasses(kClasses);
  view.setTiles(tiles());
  showAt(view);
  QVERIFY(!view.details());
  QTest::mouseClick(view.tileWidget(1), Qt::LeftButton);
  QVERIFY(view.details());
  QVERIFY(view.details()->isVisible());
  // One bar per class, whatever the series that colours it.
  int bars = 0;
  for (int i = 0; i < view.detailsPlot()->plottableCount(); ++i)
    if (auto* b = qobject_cast<QCPBars*>(view.detailsPlot()->plottable(i))) bars += b->dataCount();
  QCOMPARE(bars, 3);
  view.details()->close();
}

void TstDashboardWidgets::confusionCellsShowCounts() {
  lb::ConfusionMatrixView view;
  view.setConfusion(confusion(), kClasses);
  const lb::Confusion c = confusion();
  for (int a = 0; a < 3; ++a)
    for (int p = 0; p < 3; ++p) {
      QCOMPARE(view.cellText(a, p), QString::number(c.counts[std::size_t(a)][std::size_t(p)]));
      QCOMPARE(view.cellValue(a, p), double(c.counts[std::size_t(a)][std::size_t(p)]));
    }
  QCOMPARE(view.plot()->xAxis->label(), QStringLiteral("predicted"));
  QCOMPARE(view.plot()->yAxis->label(), QStringLiteral("actual"));
}

// Ten classes of four-digit counts in a small view: numbers would run over each other, so only
// the colours show; the same matrix with room enough shows every count.
void TstDashboardWidgets::confusionCountsShowOnlyWhereTheyFit() {
  lb::Confusion big;
  big.counts.assign(10, std::vector<long>(10, 7));
  for (int i = 0; i < 10; ++i) big.counts[std::size_t(i)][std::size_t(i)] = 1234;
  std::vector<std::string> names;
  for (int i = 0; i < 10; ++i) names.push_back("class " + std::to_string(i));
  lb::ConfusionMatrixView view;
  view.setConfusion(big, names);
  view.resize(260, 260);
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  view.plot()->replot();
  QVERIFY(!view.countsShown());
  view.resize(1400, 1400);
  QTRY_VERIFY(view.plot()->width() > 1000);
  view.plot()->replot();
  QVERIFY(view.countsShown());
}

void TstDashboardWidgets::confusionNormalisesRows() {
  lb::ConfusionMatrixView view;
  view.setConfusion(confusion(), kClasses);
  showAt(view, view.plot());
  QTest::mouseClick(view.normalizeBox(), Qt::LeftButton, {},
                    QPoint(8, view.normalizeBox()->height() / 2));
  QVERIFY(view.isNormalized());
  for (int a = 0; a < 3; ++a) {
    double sum = 0;
    for (int p = 0; p < 3; ++p) sum += view.cellValue(a, p);
    QVERIFY2(std::abs(sum - 1) < 1e-12, qPrintable(QString::number(sum)));
  }
  QCOMPARE(view.cellText(0, 0), QStringLiteral("0.83"));  // 50 of 60
}

void TstDashboardWidgets::confusionClickEmitsCell() {
  lb::ConfusionMatrixView view;
  view.setConfusion(confusion(), kClasses);
  showAt(view, view.plot());
  QSignalSpy clicked(&view, &lb::ConfusionMatrixView::cellClicked);
  // Row 2 (Pullover, actual), column 0 (T-shirt, predicted), a little off centre.
  QTest::mouseClick(view.plot(), Qt::LeftButton, {},
                    view.cellCenter(2, 0).toPoint() + QPoint(10, -6));
  QCOMPARE(clicked.count(), 1);
  QCOMPARE(clicked.at(0).at(0).toInt(), 2);
  QCOMPARE(clicked.at(0).at(1).toInt(), 0);
}

void TstDashboardWidgets::confusionListsMostConfused() {
  lb::ConfusionMatrixView view;
  view.setConfusion(confusion(), kClasses);
  const auto& pairs = view.listedPairs();
  QCOMPARE(int(pairs.size()), 5);
  QCOMPARE(pairs[0].actual, 2);
  QCOMPARE(pairs[0].predicted, 0);
  QCOMPARE(pairs[0].count, 10L);
  QCOMPARE(view.pairList()->rowCount(), 5);
  QVERIFY(view.pairList()->item(0, 0)->text().contains(QStringLiteral("Pullover")));
  view.minCountBox()->setValue(3);
  QCOMPARE(int(view.listedPairs().size()), 3);
  QCOMPARE(view.pairList()->rowCount(), 3);
}

void TstDashboardWidgets::exportsPngPdfCsv() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  lb::LrFinderPlot lr;
  lr.setResult(sweep());
  lb::SchedulePlot schedule;
  schedule.setPlan(3, 50, 3e-3);
  lb::ConfusionMatrixView cm;
  cm.setConfusion(confusion(), kClasses);
  const QList<QPair<QString, QCustomPlot*>> plots = {{QStringLiteral("lr"), lr.plot()},
                                                     {QStringLiteral("schedule"), schedule.plot()},
                                                     {QStringLiteral("confusion"), cm.plot()}};
  for (const auto& [name, plot] : plots) {
    for (const QString& ext :
         {QStringLiteral("png"), QStringLiteral("pdf"), QStringLiteral("csv")}) {
      const QString file = dir.filePath(name + QLatin1Char('.') + ext);
      QVERIFY2(lb::exportPlot(plot, file), qPrintable(file));
      QVERIFY2(QFileInfo(file).size() > 0, qPrintable(file));
    }
    QVERIFY(!QImage(dir.filePath(name + QStringLiteral(".png"))).isNull());
    QFile csv(dir.filePath(name + QStringLiteral(".csv")));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QStringList lines =
        QString::fromUtf8(csv.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.first(), QStringLiteral("series,x,y,value"));
    QVERIFY(lines.size() > 5);
  }
  // The confusion matrix's CSV names the classes.
  QFile csv(dir.filePath(QStringLiteral("confusion.csv")));
  QVERIFY(csv.open(QIODevice::ReadOnly));
  QVERIFY(csv.readAll().contains("confusion,T-shirt,Pullover,10"));
  QVERIFY(!lb::exportPlot(lr.plot(), dir.filePath(QStringLiteral("lr.bmp"))));
}

QTEST_MAIN(TstDashboardWidgets)
#include "tst_dashboard_widgets.moc"
