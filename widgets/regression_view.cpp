#include "widgets/regression_view.h"

#include <QEvent>
#include <QGridLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/pixels_to_qimage.h"
#include "widgets/plot_export.h"
#include "widgets/qcustomplot_include.h"
#include "widgets/text_format.h"
#include "widgets/top_losses_view.h"

namespace lb {

namespace {
// Okabe-Ito: blue for the items, vermillion rings the worst.
const QColor kPointColor = paletteColor(palette::kBlue);
const QColor kWorstColor = paletteColor(palette::kVermillion);

QString value(double v) { return QString::number(v, 'f', 2); }

// "predicted 3.20 / actual 7.00", the tile's first line and its tooltip's.
QString caption(const Residual& r) {
  return QStringLiteral("predicted %1 / actual %2").arg(value(r.predicted), value(r.actual));
}
}  // namespace

RegressionView::RegressionView(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot) {
  m_plot->setObjectName(QStringLiteral("regressionPlot"));
  m_plot->xAxis->setLabel(QStringLiteral("actual"));
  m_plot->yAxis->setLabel(QStringLiteral("predicted"));
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  m_identity = m_plot->addGraph();
  m_identity->setName(QStringLiteral("y = x (exact)"));
  m_points = m_plot->addGraph();
  m_points->setName(QStringLiteral("validation items"));
  m_points->setLineStyle(QCPGraph::lsNone);
  m_worst = m_plot->addGraph();
  m_worst->setName(QStringLiteral("worst residuals"));
  m_worst->setLineStyle(QCPGraph::lsNone);
  m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
  m_placeholder = addPlaceholder(
      m_plot, QStringLiteral("Predicted against actual values appear here after training a "
                             "regression project"));
  connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] { resetView(); });
  connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
    if (!(event->buttons() & Qt::LeftButton)) showTooltip(event->pos());
  });
  addPlotContextMenu(m_plot, [this] { resetView(); });

  m_summary = new QLabel;
  m_summary->setObjectName(QStringLiteral("regressionSummary"));
  m_summary->setWordWrap(true);
  auto* left = new QWidget;
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  leftLayout->addWidget(m_summary);
  leftLayout->addWidget(m_plot, 1);

  m_tilesTitle = new QLabel;
  m_tilesTitle->setWordWrap(true);
  m_grid = new QWidget;
  m_gridLayout = new QGridLayout(m_grid);
  m_gridLayout->setSpacing(8);
  m_gridLayout->setAlignment(Qt::AlignTop | Qt::AlignHCenter);
  m_scroll = new QScrollArea;
  m_scroll->setObjectName(QStringLiteral("worstResiduals"));
  m_scroll->setWidgetResizable(true);
  m_scroll->setWidget(m_grid);
  m_scroll->setFrameShape(QFrame::NoFrame);
  auto* right = new QWidget;
  auto* rightLayout = new QVBoxLayout(right);
  rightLayout->setContentsMargins(0, 0, 0, 0);
  rightLayout->addWidget(m_tilesTitle);
  rightLayout->addWidget(m_scroll, 1);

  auto* splitter = new QSplitter(Qt::Horizontal);
  splitter->addWidget(left);
  splitter->addWidget(right);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(splitter);
  setMinimumSize(320, 200);
  applyStyle();
  clear();
}

RegressionView::~RegressionView() = default;

void RegressionView::setInterpretation(const Interpretation& interp) {
  m_report = interp.regression;
  m_names = interp.validNames;
  rebuildPlot();
  rebuildTiles();
}

void RegressionView::clear() {
  m_report = {};
  m_names.clear();
  rebuildPlot();
  rebuildTiles();
}

int RegressionView::pointCount() const { return m_points->data()->size(); }

QWidget* RegressionView::tile(int i) const {
  return i >= 0 && i < m_tiles.size() ? m_tiles[i] : nullptr;
}

QString RegressionView::tileText(int i) const {
  return i >= 0 && i < int(m_report.worst.size()) ? caption(m_report.worst[std::size_t(i)])
                                                   : QString();
}

int RegressionView::imageSize() const { return std::max(64, fontMetrics().height() * 7); }

void RegressionView::rebuildPlot() {
  const std::size_t n = std::min(m_report.predicted.size(), m_report.actual.size());
  QVector<double> x, y, wx, wy;
  for (std::size_t i = 0; i < n; ++i) x.append(m_report.actual[i]), y.append(m_report.predicted[i]);
  for (const Residual& r : m_report.worst) wx.append(r.actual), wy.append(r.predicted);
  m_points->setData(x, y);  // sorted by actual value; the tooltip finds items by position
  m_worst->setData(wx, wy, false);
  const bool empty = n == 0;
  m_placeholder->setVisible(empty);
  m_plot->legend->setVisible(!empty);
  for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) axis->setTickLabels(!empty);
  if (empty) {
    m_summary->setText(QStringLiteral(
        "Train a regression project: its predictions are compared with the actual values here."));
  } else {
    m_summary->setText(
        QStringLiteral("On average the predictions are %1 away from the actual values (mean "
                       "absolute error); root mean squared error %2, which weighs large misses "
                       "more; R² %3: the model explains %4 of the variation in the %5 validation "
                       "items.")
            .arg(QString::number(m_report.mae, 'g', 4), QString::number(m_report.rmse, 'g', 4),
                 QString::number(m_report.r2, 'f', 3),
                 formatPercent(std::max(0.0, m_report.r2)), formatCount(static_cast<long long>(n))));
  }
  applyStyle();
  resetView();
}

void RegressionView::resetView() {
  double lo = INFINITY, hi = -INFINITY;
  const std::size_t n = std::min(m_report.predicted.size(), m_report.actual.size());
  for (std::size_t i = 0; i < n; ++i)
    for (double v : {m_report.predicted[i], m_report.actual[i]})
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-9) lo -= 0.5, hi += 0.5;
  const double pad = 0.05 * (hi - lo);
  lo -= pad, hi += pad;
  // The same range on both axes, so y = x runs corner to corner.
  m_identity->setData(QVector<double>{lo, hi}, QVector<double>{lo, hi}, true);
  m_plot->xAxis->setRange(lo, hi);
  m_plot->yAxis->setRange(lo, hi);
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

// One tile: the image on a neutral square, the caption and the residual under it.
class ResidualTile : public QWidget {
 public:
  ResidualTile(const Residual& r, const Image8& image, int side, int width, const QString& name)
      : m_image(image8ToQImage(image)), m_side(side), m_line1(caption(r)),
        m_line2(QStringLiteral("residual %1").arg(value(r.residual()))) {
    setToolTip(QStringLiteral("%1\n%2\nitem %3 of the validation set%4")
                   .arg(m_line1, m_line2)
                   .arg(r.index)
                   .arg(name.isEmpty() ? QString() : QStringLiteral(": ") + name));
    setFixedSize(width, side + 2 * fontMetrics().height() + 12);
  }

 protected:
  void paintEvent(QPaintEvent*) override {
    QPainter p(this);
    const QRect box((width() - m_side) / 2, 4, m_side, m_side);
    p.fillRect(box, palette().color(QPalette::AlternateBase));  // neutral in light and dark
    const QImage scaled = fitToTile(m_image, m_side);
    p.drawImage(box.x() + (m_side - scaled.width()) / 2, box.y() + (m_side - scaled.height()) / 2,
                scaled);
    const QFontMetrics fm = fontMetrics();
    p.setPen(palette().color(QPalette::Text));
    const int y = m_side + 8;
    p.drawText(QRect(0, y, width(), fm.height()), Qt::AlignHCenter | Qt::AlignVCenter,
               fm.elidedText(m_line1, Qt::ElideMiddle, width()));
    p.drawText(QRect(0, y + fm.height(), width(), fm.height()), Qt::AlignHCenter | Qt::AlignVCenter,
               m_line2);
  }

 private:
  QImage m_image;
  int m_side;
  QString m_line1, m_line2;
};

void RegressionView::rebuildTiles() {
  for (QWidget* w : std::as_const(m_tiles)) delete w;
  m_tiles.clear();
  const int side = imageSize();
  int width = side + 8;
  for (const Residual& r : m_report.worst)
    width = std::max(width, fontMetrics().horizontalAdvance(caption(r)) + 12);
  for (std::size_t i = 0; i < m_report.worst.size(); ++i) {
    const Residual& r = m_report.worst[i];
    const QString name = std::size_t(r.index) < m_names.size()
                             ? QString::fromStdString(m_names[std::size_t(r.index)])
                             : QString();
    auto* t = new ResidualTile(r, i < m_report.images.size() ? m_report.images[i] : Image8{}, side,
                               width, name);
    t->setObjectName(QStringLiteral("residualTile%1").arg(i));
    m_tiles.append(t);
  }
  m_tilesTitle->setText(
      m_tiles.isEmpty()
          ? QStringLiteral("The images the model misses most appear here after training.")
          : QStringLiteral("The %1 worst residuals, largest |predicted − actual| first")
                .arg(m_tiles.size()));
  m_columns = 0;
  placeTiles();
}

void RegressionView::placeTiles() {
  if (m_tiles.isEmpty()) return;
  const int tileW = m_tiles.front()->width() + m_gridLayout->spacing();
  const int available = m_scroll->width() - m_scroll->verticalScrollBar()->sizeHint().width();
  const int columns = std::max(1, available / std::max(1, tileW));
  if (columns == m_columns) return;
  m_columns = columns;
  for (int i = 0; i < m_tiles.size(); ++i)
    m_gridLayout->addWidget(m_tiles[i], i / m_columns, i % m_columns);
}

void RegressionView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  placeTiles();
}

void RegressionView::applyStyle() {
  const QFont f = font();
  stylePlot(m_plot, f, palette());
  const double scale = plotLineScale(f);
  const double dot = QFontMetrics(f).height() * 0.45;
  m_points->setScatterStyle(
      QCPScatterStyle(QCPScatterStyle::ssDisc, withAlpha(kPointColor, 160), dot));
  m_worst->setScatterStyle(
      QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(kWorstColor, 2 * scale), QBrush(), dot * 2.2));
  m_identity->setPen(QPen(withAlpha(palette().color(QPalette::Text), 150), scale, Qt::DashLine));
  stylePlaceholder(m_placeholder, f, palette());
}

void RegressionView::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
    applyStyle();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
    if (event->type() == QEvent::FontChange) rebuildTiles();  // images follow the zoom
  }
  QWidget::changeEvent(event);
}

void RegressionView::showTooltip(const QPoint& pos) {
  // The nearest item within a few pixels.
  const std::size_t n = std::min(m_report.predicted.size(), m_report.actual.size());
  double bestDistance = fontMetrics().height();
  long best = -1;
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = m_plot->xAxis->coordToPixel(m_report.actual[i]) - pos.x();
    const double dy = m_plot->yAxis->coordToPixel(m_report.predicted[i]) - pos.y();
    const double d = std::hypot(dx, dy);
    if (d < bestDistance) bestDistance = d, best = long(i);
  }
  if (best < 0) {
    QToolTip::hideText();
    return;
  }
  const Residual r{best, m_report.predicted[std::size_t(best)], m_report.actual[std::size_t(best)]};
  const QString name = std::size_t(best) < m_names.size()
                           ? QStringLiteral(" (%1)").arg(QString::fromStdString(m_names[std::size_t(best)]))
                           : QString();
  QToolTip::showText(m_plot->mapToGlobal(pos),
                     QStringLiteral("item %1%2\n%3\nresidual %4")
                         .arg(best)
                         .arg(name, caption(r), value(r.residual())),
                     m_plot);
}

}  // namespace lb
