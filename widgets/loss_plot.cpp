#include "widgets/loss_plot.h"

#include <QEvent>
#include <QMouseEvent>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/plot_export.h"
#include "widgets/qcustomplot_include.h"
#include "widgets/text_format.h"

namespace lb {

namespace {
// Okabe-Ito, the same roles everywhere: train is blue, valid is orange.
const QColor kTrainColor = paletteColor(palette::kBlue);
const QColor kValidColor = paletteColor(palette::kOrange);
constexpr int kRedrawMs = 100;  // 10 redraws a second look live and leave the cores to training
// Display buckets kept; each draws at most two raw points, so at most ~4000 raw points.
constexpr int kMaxBuckets = 2000;
}  // namespace

LossPlot::LossPlot(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_plot);
  setMinimumSize(240, 160);

  m_plot->xAxis->setLabel(QStringLiteral("epoch"));
  m_plot->yAxis->setLabel(QStringLiteral("loss"));
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  m_plot->setNoAntialiasingOnDrag(true);

  m_rawGraph = m_plot->addGraph();
  m_rawGraph->setName(QStringLiteral("train loss, each batch"));
  // Thousands of faint segments: antialiasing them costs more than it shows.
  m_rawGraph->setAntialiased(false);
  m_smoothGraph = m_plot->addGraph();
  m_smoothGraph->setName(QStringLiteral("train loss, smoothed"));
  m_validGraph = m_plot->addGraph();
  m_validGraph->setName(QStringLiteral("valid loss, each epoch"));
  // The curves grow ten times a second; the axes around them rarely change.
  m_dataLayer = addBufferedLayer(m_plot, QStringLiteral("data"));
  for (QCPGraph* g : {m_rawGraph, m_smoothGraph, m_validGraph}) g->setLayer(m_dataLayer);
  // The ghost stays on the layer below, so the live curves draw over it.
  m_ghostTrain = m_plot->addGraph();
  m_ghostValid = m_plot->addGraph();
  for (QCPGraph* g : {m_ghostTrain, m_ghostValid}) {
    g->setLayer(QStringLiteral("main"));
    g->removeFromLegend();
  }

  m_plot->legend->setVisible(false);
  m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);

  m_placeholder = new QCPItemText(m_plot);
  m_placeholder->position->setType(QCPItemPosition::ptAxisRectRatio);
  m_placeholder->position->setCoords(0.5, 0.5);
  m_placeholder->setPositionAlignment(Qt::AlignCenter);
  m_placeholder->setText(QStringLiteral("Press Train to watch the loss fall"));

  connect(m_plot, &QCustomPlot::mouseWheel, this, [this] { m_followData = false; });
  connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
    if (event->buttons() & Qt::LeftButton)
      m_followData = false;  // the user is panning
    else
      showTooltip(event->pos());
  });
  connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] { resetView(); });

  m_timer = new QTimer(this);
  m_timer->setInterval(kRedrawMs);
  connect(m_timer, &QTimer::timeout, this, &LossPlot::redraw);
  m_timer->start();

  applyStyle();
  m_dirty = true;
  redraw();
}

LossPlot::~LossPlot() = default;

void LossPlot::addBatch(const BatchProgress& p) {
  const double x = p.epochPosition();
  m_batchX.append(x);
  m_batchLoss.append(p.loss);
  m_batchSmooth.append(p.smoothLoss);

  const Bucket point{x, p.loss, x, p.loss, x, p.smoothLoss};
  m_current = m_currentCount == 0 ? point : merge(m_current, point);
  if (++m_currentCount == m_bucketSize) {
    m_buckets.append(m_current);
    m_currentCount = 0;
    if (m_buckets.size() >= kMaxBuckets) {
      // Halve the display resolution: merging neighbours is O(kMaxBuckets), and happens each
      // time the run doubles, so the cost per batch stays constant.
      QVector<Bucket> merged;
      merged.reserve(m_buckets.size() / 2 + 1);
      for (int i = 0; i + 1 < m_buckets.size(); i += 2)
        merged.append(merge(m_buckets[i], m_buckets[i + 1]));
      if (m_buckets.size() % 2) merged.append(m_buckets.back());
      m_buckets = std::move(merged);
      m_bucketSize *= 2;
    }
  }
  m_epochs = std::max(m_epochs, p.epochs);
  m_epochBoundaries = std::max(m_epochBoundaries, p.epoch);
  m_dirty = true;
}

void LossPlot::addEpoch(const EpochResult& r) {
  // Validation happens at the end of the epoch, so its point sits on the boundary.
  m_epochX.append(r.epoch + 1);
  m_epochLoss.append(r.validLoss);
  m_epochBoundaries = std::max(m_epochBoundaries, r.epoch + 1);
  m_dirty = true;
}

void LossPlot::clear() {
  m_batchX.clear();
  m_batchLoss.clear();
  m_batchSmooth.clear();
  m_epochX.clear();
  m_epochLoss.clear();
  m_buckets.clear();
  m_currentCount = 0;
  m_bucketSize = 1;
  m_epochs = 0;
  m_epochBoundaries = 0;
  for (QCPItemStraightLine* line : std::as_const(m_epochLines)) m_plot->removeItem(line);
  m_epochLines.clear();
  m_followData = true;
  m_dirty = true;
  redraw();
}

void LossPlot::setGhost(const GhostCurve& ghost) {
  m_ghost = ghost;
  m_ghostTrain->setName(QStringLiteral("%1, train (parent)").arg(ghost.name));
  m_ghostValid->setName(QStringLiteral("%1, valid (parent)").arg(ghost.name));
  m_ghostTrain->setData(ghost.batchX, ghost.smooth, true);
  m_ghostValid->setData(ghost.epochX, ghost.valid, true);
  for (QCPGraph* g : {m_ghostTrain, m_ghostValid}) g->addToLegend();
  m_dirty = true;
  redraw();
  m_plot->replot(QCustomPlot::rpQueuedReplot);  // the ghost's layer is not the live one's
}

void LossPlot::clearGhost() {
  m_ghost = {};
  for (QCPGraph* g : {m_ghostTrain, m_ghostValid}) {
    g->data()->clear();
    g->removeFromLegend();
  }
  m_dirty = true;
  redraw();
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int LossPlot::displayedBatchPointCount() const { return m_displayedRaw; }

void LossPlot::setPlaceholderText(const QString& text) {
  m_placeholder->setText(text);
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

LossPlot::Bucket LossPlot::merge(const Bucket& a, const Bucket& b) {
  Bucket m;
  const Bucket& lo = a.minY <= b.minY ? a : b;
  const Bucket& hi = a.maxY >= b.maxY ? a : b;
  m.minX = lo.minX;
  m.minY = lo.minY;
  m.maxX = hi.maxX;
  m.maxY = hi.maxY;
  m.lastX = b.lastX;
  m.lastSmooth = b.lastSmooth;
  return m;
}

void LossPlot::redraw() {
  if (!m_dirty) return;
  m_dirty = false;

  QVector<double> rawX, rawY, smoothX, smoothY;
  rawX.reserve(2 * (m_buckets.size() + 1));
  rawY.reserve(2 * (m_buckets.size() + 1));
  smoothX.reserve(m_buckets.size() + 1);
  smoothY.reserve(m_buckets.size() + 1);
  auto append = [&](const Bucket& b) {
    if (b.minX == b.maxX) {
      rawX.append(b.minX);
      rawY.append(b.minY);
    } else if (b.minX < b.maxX) {
      rawX << b.minX << b.maxX;
      rawY << b.minY << b.maxY;
    } else {
      rawX << b.maxX << b.minX;
      rawY << b.maxY << b.minY;
    }
    smoothX.append(b.lastX);
    smoothY.append(b.lastSmooth);
  };
  for (const Bucket& b : std::as_const(m_buckets)) append(b);
  if (m_currentCount > 0) append(m_current);
  m_displayedRaw = int(rawX.size());
  const QCPRange xBefore = m_plot->xAxis->range(), yBefore = m_plot->yAxis->range();
  const bool placeholderBefore = m_placeholder->visible();
  const int linesBefore = int(m_epochLines.size());

  m_rawGraph->setData(rawX, rawY, true);
  // The first batches as dots (a class stepping one batch at a time): a line needs two points.
  m_rawGraph->setScatterStyle(
      rawX.size() <= 100 ? QCPScatterStyle(QCPScatterStyle::ssDisc, kTrainColor, kTrainColor,
                                           6 * plotLineScale(font()))
                         : QCPScatterStyle());
  m_smoothGraph->setData(smoothX, smoothY, true);
  m_validGraph->setData(m_epochX, m_epochLoss, true);

  const bool empty = m_batchX.isEmpty() && m_epochX.isEmpty() && !hasGhost();
  m_placeholder->setVisible(empty);
  m_plot->legend->setVisible(!empty);
  // Empty, only the axis titles and the sentence show: no grid of meaningless numbers.
  for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
    axis->setTickLabels(!empty);
    axis->setTicks(!empty);
    axis->grid()->setVisible(!empty);
  }
  updateEpochLines();
  if (m_followData) applyRanges();
  // Only the curves moved: repaint their layer alone (most redraws of a run).
  if (m_plot->xAxis->range() == xBefore && m_plot->yAxis->range() == yBefore &&
      m_placeholder->visible() == placeholderBefore && int(m_epochLines.size()) == linesBefore)
    m_dataLayer->replot();
  else
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void LossPlot::resetView() {
  m_followData = true;
  applyRanges();
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void LossPlot::applyRanges() {
  double lastX = m_batchX.isEmpty() ? 0 : m_batchX.back();
  if (!m_epochX.isEmpty()) lastX = std::max(lastX, m_epochX.back());
  if (!m_ghost.batchX.isEmpty()) lastX = std::max(lastX, m_ghost.batchX.back());
  // The whole fit ahead is shown, so the curve fills the plot as the run goes.
  m_plot->xAxis->setRange(0, std::max({1.0, double(m_epochs), lastX}));

  bool any = false;
  double lo = 0, hi = 1;
  auto take = [&](const QCPGraph* g) {
    bool found = false;
    const QCPRange r = g->getValueRange(found);
    if (!found) return;
    lo = any ? std::min(lo, r.lower) : r.lower;
    hi = any ? std::max(hi, r.upper) : r.upper;
    any = true;
  };
  take(m_rawGraph);
  take(m_smoothGraph);
  take(m_validGraph);
  take(m_ghostTrain);
  take(m_ghostValid);
  if (!any || !std::isfinite(lo) || !std::isfinite(hi)) {
    lo = 0;
    hi = 1;
  }
  lo = std::min(0.0, lo);  // losses are read against zero
  if (hi <= lo) hi = lo + 1;
  m_plot->yAxis->setRange(lo, hi + 0.05 * (hi - lo));
}

void LossPlot::updateEpochLines() {
  if (m_epochLines.size() >= m_epochBoundaries) return;
  while (m_epochLines.size() < m_epochBoundaries) {
    auto* line = new QCPItemStraightLine(m_plot);
    line->setLayer(QStringLiteral("grid"));
    line->setSelectable(false);
    const double x = m_epochLines.size() + 1;
    line->point1->setCoords(x, 0);
    line->point2->setCoords(x, 1);
    m_epochLines.append(line);
  }
  applyStyle();  // styles the new lines; happens once per epoch
}

void LossPlot::applyStyle() {
  const QPalette pal = palette();
  const QColor text = pal.color(QPalette::Text);
  const QFont f = font();
  // Lines grow with the font, so the global zoom (for projectors) thickens them too.
  const double scale = plotLineScale(f);
  stylePlot(m_plot, f, pal);  // axes, grid and legend as every plot of the dashboard has them

  m_rawGraph->setPen(QPen(withAlpha(kTrainColor, 80), scale));
  m_smoothGraph->setPen(QPen(kTrainColor, 2 * scale));
  m_validGraph->setPen(QPen(kValidColor, 2 * scale));
  m_validGraph->setScatterStyle(
      QCPScatterStyle(QCPScatterStyle::ssCircle, kValidColor, kValidColor, 7 * scale));
  // The parent run: the same roles' colours, faint and dashed, so the live run reads on top.
  m_ghostTrain->setPen(QPen(withAlpha(kTrainColor, 110), 2 * scale, Qt::DashLine));
  m_ghostValid->setPen(QPen(withAlpha(kValidColor, 110), 1.5 * scale, Qt::DashLine));
  m_ghostValid->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle,
                                                withAlpha(kValidColor, 110), Qt::white, 7 * scale));

  QPen epochPen(withAlpha(text, 70), scale, Qt::DashLine);
  for (QCPItemStraightLine* line : std::as_const(m_epochLines)) line->setPen(epochPen);

  QFont placeholderFont = f;
  placeholderFont.setPointSizeF(f.pointSizeF() > 0 ? f.pointSizeF() * 1.25 : 12);
  m_placeholder->setFont(placeholderFont);
  m_placeholder->setColor(withAlpha(text, 170));
}

void LossPlot::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
    applyStyle();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
  }
  QWidget::changeEvent(event);
}

void LossPlot::showTooltip(const QPoint& pos) {
  if (!m_plot->axisRect()->rect().contains(pos)) {
    QToolTip::hideText();
    return;
  }
  const QPoint global = m_plot->mapToGlobal(pos);
  // A validation point near the cursor wins: there are few and they matter most.
  for (int i = 0; i < m_epochX.size(); ++i) {
    const double px = m_plot->xAxis->coordToPixel(m_epochX[i]);
    const double py = m_plot->yAxis->coordToPixel(m_epochLoss[i]);
    if (std::hypot(px - pos.x(), py - pos.y()) < 12) {
      QToolTip::showText(global,
                         QStringLiteral("end of epoch %1\nvalid loss %2")
                             .arg(int(m_epochX[i]))
                             .arg(formatLoss(m_epochLoss[i])),
                         m_plot);
      return;
    }
  }
  if (m_batchX.isEmpty()) {
    QToolTip::hideText();
    return;
  }
  const double x = m_plot->xAxis->pixelToCoord(pos.x());
  int i = int(std::lower_bound(m_batchX.cbegin(), m_batchX.cend(), x) - m_batchX.cbegin());
  if (i >= m_batchX.size()) i = int(m_batchX.size()) - 1;
  if (i > 0 && std::abs(m_batchX[i - 1] - x) < std::abs(m_batchX[i] - x)) --i;
  if (std::abs(m_plot->xAxis->coordToPixel(m_batchX[i]) - pos.x()) > 8) {
    QToolTip::hideText();
    return;
  }
  QToolTip::showText(global,
                     QStringLiteral("epoch %1\ntrain loss %2 (smoothed %3)")
                         .arg(QString::number(m_batchX[i], 'f', 2), formatLoss(m_batchLoss[i]),
                              formatLoss(m_batchSmooth[i])),
                     m_plot);
}

}  // namespace lb
