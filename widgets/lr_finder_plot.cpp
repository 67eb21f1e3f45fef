#include "widgets/lr_finder_plot.h"

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
// Okabe-Ito, as the engine's PNG (lr_plot.cpp) draws them, so both pictures agree.
const QColor kCurveColor = paletteColor(palette::kBlue);
struct Mark {
  const char* name;
  QColor colour;
  QCPScatterStyle::ScatterShape shape;  // a shape each, so colour is not the only cue
  Qt::Alignment align;                  // where the label sits around the marker
  double dx, dy;                        // label offset in font heights
};
const Mark kMarks[4] = {
    {"valley", paletteColor(palette::kVermillion), QCPScatterStyle::ssCircle, Qt::AlignLeft | Qt::AlignBottom,
     0.7, -0.4},
    {"slide", paletteColor(palette::kBluishGreen), QCPScatterStyle::ssSquare, Qt::AlignLeft | Qt::AlignTop,
     0.7, 0.4},
    {"minimum", paletteColor(palette::kOrange), QCPScatterStyle::ssTriangle,
     Qt::AlignHCenter | Qt::AlignTop, 0, 0.8},
    {"steep", paletteColor(palette::kReddishPurple), QCPScatterStyle::ssDiamond,
     Qt::AlignRight | Qt::AlignVCenter, -0.8, 0},
};

const Suggestion& suggestionAt(const Suggestions& s, int which) {
  switch (which) {
    case 0:
      return s.valley;
    case 1:
      return s.slide;
    case 2:
      return s.minimum;
    default:
      return s.steep;
  }
}
}  // namespace

LrFinderPlot::LrFinderPlot(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_plot);
  setMinimumSize(240, 160);

  m_plot->xAxis->setLabel(QStringLiteral("learning rate (log)"));
  m_plot->yAxis->setLabel(QStringLiteral("loss (smoothed)"));
  useLearningRateLabels(m_plot->xAxis, true);
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);

  m_curve = m_plot->addGraph();
  m_curve->setName(QStringLiteral("loss, smoothed"));
  for (int k = 0; k < 4; ++k) {
    m_markers[k] = m_plot->addGraph();
    m_markers[k]->setLineStyle(QCPGraph::lsNone);
    m_anchors[k] = new QCPItemTracer(m_plot);
    m_anchors[k]->setStyle(QCPItemTracer::tsNone);
    m_anchors[k]->setSelectable(false);
    m_labels[k] = new QCPItemText(m_plot);
    m_labels[k]->setPositionAlignment(kMarks[k].align);
    m_labels[k]->position->setParentAnchor(m_anchors[k]->position);
    m_labels[k]->position->setType(QCPItemPosition::ptAbsolute);
  }
  // Bottom left: a sweep starts high, so that corner is empty; the chosen lr labels the top.
  m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignLeft);

  m_chosenLine = new QCPItemStraightLine(m_plot);
  m_chosenLabel = new QCPItemText(m_plot);
  m_chosenLabel->position->setTypeX(QCPItemPosition::ptPlotCoords);
  m_chosenLabel->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
  m_chosenLabel->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
  m_chosenLabel->setPadding(QMargins(6, 4, 6, 4));

  m_placeholder =
      addPlaceholder(m_plot, QStringLiteral("Press Find learning rate to draw the curve"));

  connect(m_plot, &QCustomPlot::mousePress, this,
          [this](QMouseEvent* event) { m_pressPos = event->pos(); });
  connect(m_plot, &QCustomPlot::mouseRelease, this, [this](QMouseEvent* event) {
    // A click, not the end of a drag.
    if (event->button() == Qt::LeftButton && (event->pos() - m_pressPos).manhattanLength() <= 3)
      pick(event->pos());
  });
  connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
    if (!(event->buttons() & Qt::LeftButton)) showTooltip(event->pos());
  });
  connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] { resetView(); });
  addPlotContextMenu(m_plot, [this] { resetView(); });

  applyStyle();
  rebuild();
}

LrFinderPlot::~LrFinderPlot() = default;

void LrFinderPlot::setResult(const LrFindResult& result) {
  m_points = result.points;
  m_suggestions = result.suggestions;
  rebuild();
}

void LrFinderPlot::addPoint(const LrFindPoint& point) {
  m_points.push_back(point);
  m_suggestions = {};
  rebuild();
}

void LrFinderPlot::clear() {
  m_points.clear();
  m_suggestions = {};
  m_chosenLr = std::nan("");
  rebuild();
}

void LrFinderPlot::setChosenLr(double lr) {
  m_chosenLr = lr;
  const bool show = std::isfinite(lr) && lr > 0;
  m_chosenLine->setVisible(show);
  m_chosenLabel->setVisible(show);
  if (show) {
    m_chosenLine->point1->setCoords(lr, 0);
    m_chosenLine->point2->setCoords(lr, 1);
    m_chosenLabel->position->setCoords(lr, 0.0);
    m_chosenLabel->setText(QStringLiteral("chosen %1").arg(formatLearningRate(lr)));
  }
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int LrFinderPlot::curvePointCount() const { return int(m_lrs.size()); }

bool LrFinderPlot::markerPosition(int which, double* lr, double* loss) const {
  if (which < 0 || which > 3 || m_markers[which]->dataCount() == 0) return false;
  const auto it = m_markers[which]->data()->constBegin();
  *lr = it->key;
  *loss = it->value;
  return true;
}

void LrFinderPlot::rebuild() {
  // fastai's plot_lr_find: every recorded point but the last kSkipEnd, and nothing past a NaN.
  m_lrs.clear();
  m_losses.clear();
  const int shown = std::max(0, int(m_points.size()) - kSkipEnd);
  for (int i = 0; i < shown; ++i) {
    const LrFindPoint& p = m_points[std::size_t(i)];
    if (!std::isfinite(p.smoothLoss)) break;
    if (p.lr <= 0) continue;  // a log axis has no place for it
    m_lrs.append(p.lr);
    m_losses.append(p.smoothLoss);
  }
  m_curve->setData(m_lrs, m_losses, true);

  for (int k = 0; k < 4; ++k) {
    const Suggestion& s = suggestionAt(m_suggestions, k);
    m_markers[k]->data()->clear();
    m_markers[k]->setVisible(false);
    m_labels[k]->setVisible(false);
    if (!s.valid() || !std::isfinite(s.lr) || m_lrs.isEmpty()) continue;
    // The marker sits on the curve point it names; minimum's lr is a tenth of that point's.
    const double at = k == 2 ? s.lr * 10 : s.lr;
    int best = 0;
    for (int i = 1; i < m_lrs.size(); ++i)
      if (std::abs(std::log(m_lrs[i] / at)) < std::abs(std::log(m_lrs[best] / at))) best = i;
    const double y = std::isfinite(s.loss) ? s.loss : m_losses[best];
    m_markers[k]->addData(m_lrs[best], y);
    const QString text =
        QStringLiteral("%1 %2").arg(QLatin1String(kMarks[k].name), formatLearningRate(s.lr));
    m_markers[k]->setName(text);
    m_markers[k]->setVisible(true);
    m_anchors[k]->position->setCoords(m_lrs[best], y);
    m_labels[k]->setText(text);
    m_labels[k]->setVisible(true);
  }

  const bool empty = m_lrs.isEmpty();
  m_placeholder->setVisible(empty);
  m_plot->legend->setVisible(!empty);
  // Only the drawn series belong in the legend.
  for (int k = 0; k < 4; ++k) {
    if (m_markers[k]->visible())
      m_markers[k]->addToLegend();
    else
      m_markers[k]->removeFromLegend();
  }
  for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
    axis->setTickLabels(!empty);
    axis->setTicks(!empty);
    axis->grid()->setVisible(!empty);
  }
  setChosenLr(m_chosenLr);
  applyStyle();  // the label offsets depend on the font
  resetView();
}

void LrFinderPlot::resetView() {
  if (m_lrs.isEmpty()) {
    m_plot->xAxis->setRange(1e-7, 10);
    m_plot->yAxis->setRange(0, 1);
  } else {
    const auto [lo, hi] = std::minmax_element(m_losses.cbegin(), m_losses.cend());
    const double span = std::max(*hi - *lo, 1e-6);
    // A little room on the left and right, so the end points' markers are not cut in half.
    m_plot->xAxis->setRange(m_lrs.front() / 1.3, std::max(m_lrs.back(), m_lrs.front() * 10) * 1.3);
    m_plot->yAxis->setRange(*lo - 0.08 * span, *hi + 0.08 * span);
  }
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void LrFinderPlot::applyStyle() {
  const QPalette pal = palette();
  const QFont f = font();
  const double scale = plotLineScale(f);
  const double em = QFontMetricsF(f).height();
  stylePlot(m_plot, f, pal);
  m_curve->setPen(QPen(kCurveColor, 2 * scale));
  for (int k = 0; k < 4; ++k) {
    m_markers[k]->setPen(QPen(pal.color(QPalette::Text), scale));
    m_markers[k]->setScatterStyle(
        QCPScatterStyle(kMarks[k].shape, pal.color(QPalette::Text), kMarks[k].colour, 13 * scale));
    QCPItemText* label = m_labels[k];
    label->setFont(f);
    label->setColor(pal.color(QPalette::Text));
    label->setBrush(withAlpha(pal.color(QPalette::Base), 210));
    label->setPadding(QMargins(3, 1, 3, 1));
    // Offset in pixels from the marker: the label keeps its distance whatever the zoom.
    label->position->setCoords(kMarks[k].dx * em, kMarks[k].dy * em);
  }
  const QColor text = pal.color(QPalette::Text);
  m_chosenLine->setPen(QPen(withAlpha(text, 200), 1.5 * scale, Qt::DashLine));
  m_chosenLabel->setFont(f);
  m_chosenLabel->setColor(text);
  m_chosenLabel->setBrush(withAlpha(pal.color(QPalette::Base), 220));
  stylePlaceholder(m_placeholder, f, pal);
}

void LrFinderPlot::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
    applyStyle();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
  }
  QWidget::changeEvent(event);
}

int LrFinderPlot::nearestPoint(const QPoint& pos, double maxPixels) const {
  int best = -1;
  double bestDistance = maxPixels;
  for (int i = 0; i < m_lrs.size(); ++i) {
    const double d = std::hypot(m_plot->xAxis->coordToPixel(m_lrs[i]) - pos.x(),
                                m_plot->yAxis->coordToPixel(m_losses[i]) - pos.y());
    if (d <= bestDistance) {
      bestDistance = d;
      best = i;
    }
  }
  return best;
}

void LrFinderPlot::pick(const QPoint& pos) {
  if (!m_plot->axisRect()->rect().contains(pos) || m_lrs.isEmpty()) return;
  const double scale = plotLineScale(font());
  // A marker wins over the curve under it: it carries the suggestion's own lr.
  for (int k = 0; k < 4; ++k) {
    double x = 0, y = 0;
    if (!markerPosition(k, &x, &y)) continue;
    if (std::hypot(m_plot->xAxis->coordToPixel(x) - pos.x(),
                   m_plot->yAxis->coordToPixel(y) - pos.y()) <= 12 * scale) {
      const double lr = suggestionAt(m_suggestions, k).lr;
      setChosenLr(lr);
      Q_EMIT lrChosen(lr);
      return;
    }
  }
  const int i = nearestPoint(pos, 24 * scale);
  if (i < 0) return;
  setChosenLr(m_lrs[i]);
  Q_EMIT lrChosen(m_lrs[i]);
}

void LrFinderPlot::showTooltip(const QPoint& pos) {
  if (!m_plot->axisRect()->rect().contains(pos) || m_lrs.isEmpty()) {
    QToolTip::hideText();
    return;
  }
  const QPoint global = m_plot->mapToGlobal(pos);
  for (int k = 0; k < 4; ++k) {
    double x = 0, y = 0;
    if (!markerPosition(k, &x, &y)) continue;
    if (std::hypot(m_plot->xAxis->coordToPixel(x) - pos.x(),
                   m_plot->yAxis->coordToPixel(y) - pos.y()) <= 12 * plotLineScale(font())) {
      QToolTip::showText(
          global,
          QStringLiteral("%1: lr %2, loss %3\nclick to choose it")
              .arg(QLatin1String(kMarks[k].name),
                   formatLearningRate(suggestionAt(m_suggestions, k).lr), formatLoss(y)),
          m_plot);
      return;
    }
  }
  // The curve point nearest in x, as LossPlot reads its curve.
  const double x = m_plot->xAxis->pixelToCoord(pos.x());
  int i = int(std::lower_bound(m_lrs.cbegin(), m_lrs.cend(), x) - m_lrs.cbegin());
  if (i >= m_lrs.size()) i = int(m_lrs.size()) - 1;
  if (i > 0 && std::abs(std::log(m_lrs[i - 1] / x)) < std::abs(std::log(m_lrs[i] / x))) --i;
  if (std::abs(m_plot->xAxis->coordToPixel(m_lrs[i]) - pos.x()) > 8) {
    QToolTip::hideText();
    return;
  }
  QToolTip::showText(
      global,
      QStringLiteral("lr %1, loss %2").arg(formatLearningRate(m_lrs[i]), formatLoss(m_losses[i])),
      m_plot);
}

}  // namespace lb
