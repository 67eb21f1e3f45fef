#include "widgets/schedule_plot.h"

#include <QEvent>
#include <QMouseEvent>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/plot_export.h"
#include "widgets/qcustomplot_include.h"
#include "widgets/text_format.h"

namespace lb {

namespace {
// Okabe-Ito: vermillion for the lr, bluish green (and dashes) for momentum.
const QColor kLrColor = paletteColor(palette::kVermillion);
const QColor kMomColor = paletteColor(palette::kBluishGreen);
// The curves are smooth: this many samples draw them exactly at any number of batches.
constexpr int kMaxSamples = 2000;
}  // namespace

SchedulePlot::SchedulePlot(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_plot);
  setMinimumSize(240, 160);

  m_plot->xAxis->setLabel(QStringLiteral("epoch"));
  m_plot->yAxis->setLabel(QStringLiteral("learning rate"));
  useLearningRateLabels(m_plot->yAxis, false);
  m_plot->yAxis2->setLabel(QStringLiteral("momentum"));
  m_plot->yAxis2->setVisible(true);
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  // Drag and wheel move the epochs; each curve keeps its own vertical scale.
  m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
  m_plot->axisRect()->setRangeZoom(Qt::Horizontal);

  m_lrGraph = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis);
  m_lrGraph->setName(QStringLiteral("learning rate (left)"));
  m_momGraph = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis2);
  m_momGraph->setName(QStringLiteral("momentum (right)"));
  m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);

  m_cursor = new QCPItemStraightLine(m_plot);
  m_cursorLabel = new QCPItemText(m_plot);
  // The cursor moves while the curves stand still: it has a layer of its own to repaint.
  m_cursorLayer = addBufferedLayer(m_plot, QStringLiteral("cursor"));
  m_cursor->setLayer(m_cursorLayer);
  m_cursorLabel->setLayer(m_cursorLayer);
  m_cursorLabel->position->setTypeX(QCPItemPosition::ptPlotCoords);
  m_cursorLabel->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
  m_cursorLabel->setPadding(QMargins(6, 4, 6, 4));
  m_placeholder = addPlaceholder(
      m_plot, QStringLiteral("The learning rate and momentum of each batch appear here\n"
                             "once the fit is planned"));

  connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
    if (!(event->buttons() & Qt::LeftButton)) showTooltip(event->pos());
  });
  connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] { resetView(); });
  addPlotContextMenu(m_plot, [this] { resetView(); });

  applyStyle();
  clear();
}

SchedulePlot::~SchedulePlot() = default;

void SchedulePlot::setPlan(int epochs, int itersPerEpoch, double lrMax, double pctStart, double div,
                           double divFinal, double momHigh, double momLow) {
  OneCycleOptions options;
  options.setLrMax(lrMax).setPctStart(pctStart).setDiv(div).setDivFinal(divFinal);
  options.momHigh = momHigh;
  options.momLow = momLow;
  setPlan(oneCyclePlan(std::max(0, epochs), std::max(0, itersPerEpoch), options));
}

void SchedulePlot::setPlan(const SchedulePlan& plan) {
  m_plan = plan;
  m_epochs = plan.itersPerEpoch > 0 ? plan.epochs() : 0;

  const long long total = m_epochs > 0 ? plan.iterations() : 0;
  QVector<double> xs;  // in epochs
  if (total > 0) {
    // Batch i of T sits at i / T of the fit; the last point shows where the schedule ends.
    const long long n = std::min<long long>(total, kMaxSamples);
    for (long long j = 0; j <= n; ++j) xs.append(double(j) / double(n) * m_epochs);
    // Each phase's peak is always drawn, even between samples, and so is the drop where one
    // phase ends and the next starts (fine_tune).
    double start = 0;
    for (const SchedulePlan::Phase& phase : plan.phases) {
      const double peak = start + phase.cycle.pctStart * phase.epochs;
      if (phase.cycle.pctStart > 0 && phase.cycle.pctStart < 1) xs.append(peak);
      if (start > 0) xs.append(std::nextafter(start, 0.0));
      start += phase.epochs;
    }
    std::sort(xs.begin(), xs.end());
    xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  }
  QVector<double> x, lr, mom;
  for (double e : std::as_const(xs)) {
    const ScheduleValue v = valueAt(e);
    x.append(e);
    lr.append(v.lr);
    mom.append(v.mom);
  }
  m_lrGraph->setData(x, lr, true);
  m_momGraph->setData(x, mom, true);
  m_lrMax = lr.isEmpty() ? 1e-3 : *std::max_element(lr.begin(), lr.end());
  m_momRange = {0.85, 0.95};
  if (!mom.isEmpty())
    m_momRange = {*std::min_element(mom.begin(), mom.end()),
                  *std::max_element(mom.begin(), mom.end())};

  const bool empty = x.isEmpty();
  m_placeholder->setVisible(empty);
  m_plot->legend->setVisible(!empty);
  for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis, m_plot->yAxis2}) {
    axis->setTickLabels(!empty);
    axis->setTicks(!empty);
  }
  m_plot->xAxis->grid()->setVisible(!empty);
  m_plot->yAxis->grid()->setVisible(!empty);
  setPosition(m_position);
  resetView();
}

void SchedulePlot::clear() {
  m_position = -1;
  setPlan(SchedulePlan{});
}

ScheduleValue SchedulePlot::valueAt(double epochs) const {
  if (m_epochs <= 0) return {};
  return m_plan.at(std::clamp(epochs, 0.0, double(m_epochs)));
}

void SchedulePlot::setPosition(double epochs) {
  m_position = epochs;
  const bool show = m_epochs > 0 && epochs >= 0;
  m_cursor->setVisible(show);
  m_cursorLabel->setVisible(show);
  if (show) {
    const double x = std::min(epochs, double(m_epochs));
    m_cursor->point1->setCoords(x, 0);
    m_cursor->point2->setCoords(x, 1);
    const ScheduleValue v = valueAt(x);
    m_cursorLabel->position->setCoords(x, 1.0);  // at the foot: the legend has the top
    m_cursorLabel->setText(QStringLiteral("now: lr %1, momentum %2")
                               .arg(formatLearningRate(v.lr), QString::number(v.mom, 'f', 3)));
    // The label stays inside the plot: left of the cursor in the second half.
    m_cursorLabel->setPositionAlignment(Qt::AlignBottom |
                                        (x > 0.6 * m_epochs ? Qt::AlignRight : Qt::AlignLeft));
  }
  m_cursorLayer->replot();
}

void SchedulePlot::resetView() {
  m_plot->xAxis->setRange(0, std::max(1, m_epochs));
  const double lrMax = m_epochs > 0 ? m_lrMax : 1e-3;
  // Headroom above the curves for the legend, and room below for the cursor's label.
  m_plot->yAxis->setRange(-0.12 * lrMax, lrMax * 1.3);
  const auto [lo, hi] = m_momRange;
  const double span = std::max(hi - lo, 0.01);
  m_plot->yAxis2->setRange(lo - 0.3 * span, hi + 0.45 * span);
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void SchedulePlot::applyStyle() {
  const QPalette pal = palette();
  const QFont f = font();
  const double scale = plotLineScale(f);
  stylePlot(m_plot, f, pal);
  m_plot->yAxis->setLabelColor(kLrColor);
  m_plot->yAxis2->setLabelColor(kMomColor);
  m_lrGraph->setPen(QPen(kLrColor, 2.5 * scale));
  m_momGraph->setPen(QPen(kMomColor, 2.5 * scale, Qt::DashLine));
  const QColor text = pal.color(QPalette::Text);
  m_cursor->setPen(QPen(withAlpha(text, 200), 1.5 * scale));
  m_cursorLabel->setFont(f);
  m_cursorLabel->setColor(text);
  m_cursorLabel->setBrush(withAlpha(pal.color(QPalette::Base), 220));
  stylePlaceholder(m_placeholder, f, pal);
}

void SchedulePlot::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
    applyStyle();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
  }
  QWidget::changeEvent(event);
}

void SchedulePlot::showTooltip(const QPoint& pos) {
  if (m_epochs <= 0 || !m_plot->axisRect()->rect().contains(pos)) {
    QToolTip::hideText();
    return;
  }
  const double x = m_plot->xAxis->pixelToCoord(pos.x());
  if (x < 0 || x > m_epochs) {
    QToolTip::hideText();
    return;
  }
  const ScheduleValue v = valueAt(x);
  QToolTip::showText(m_plot->mapToGlobal(pos),
                     QStringLiteral("epoch %1\nlr %2, momentum %3")
                         .arg(QString::number(x, 'f', 2), formatLearningRate(v.lr),
                              QString::number(v.mom, 'f', 3)),
                     m_plot);
}

}  // namespace lb
