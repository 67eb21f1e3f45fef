#include "widgets/top_losses_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollArea>
#include <QScrollBar>
#include <QShortcut>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <cstring>

#include "widgets/plot_export.h"
#include "widgets/pixels_to_qimage.h"
#include "widgets/qcustomplot_include.h"
#include "widgets/text_format.h"

namespace lb {

namespace {
// Okabe-Ito: vermillion warns (wrong predictions), blue is the actual class.
const QColor kWrongColor = paletteColor(palette::kVermillion);
const QColor kActualColor = paletteColor(palette::kBlue);
constexpr int kGradCamAlpha = 128;  // half see-through: the image stays readable under it

// inferno at nine evenly spaced stops, interpolated linearly between them.
const QRgb kInferno[9] = {0x000004, 0x1F0C48, 0x550F6D, 0x88226A, 0xBA3655,
                          0xE35933, 0xF98E09, 0xF8C932, 0xFCFFA4};

QColor inferno(double v) {
  v = std::clamp(std::isfinite(v) ? v : 0.0, 0.0, 1.0) * 8;
  const int i = std::min(int(v), 7);
  const double t = v - i;
  const QColor a(kInferno[i]), b(kInferno[i + 1]);
  return QColor(int(a.red() + t * (b.red() - a.red()) + 0.5),
                int(a.green() + t * (b.green() - a.green()) + 0.5),
                int(a.blue() + t * (b.blue() - a.blue()) + 0.5));
}

// The colour scale's legend: low on the left, high on the right.
QPixmap infernoBar(int width, int height) {
  QImage bar(width, height, QImage::Format_RGB32);
  for (int x = 0; x < width; ++x) {
    const QRgb c = inferno(double(x) / std::max(1, width - 1)).rgb();
    for (int y = 0; y < height; ++y) bar.setPixel(x, y, c);
  }
  return QPixmap::fromImage(bar);
}

QString twoDecimals(double v) { return QString::number(v, 'f', 2); }
}  // namespace

QString lossAndProbability(const TopLoss& item) {
  // A replayed run stored before the probability was kept has none: say nothing, not "p 0.00".
  const QString loss = QStringLiteral("loss %1").arg(twoDecimals(item.loss));
  return std::isfinite(item.probability)
             ? QStringLiteral("%1 · p %2").arg(loss, twoDecimals(item.probability))
             : loss;
}

std::vector<TopLossTile> topLossTiles(const Interpretation& interp) {
  std::vector<TopLossTile> tiles;
  for (std::size_t i = 0; i < interp.topLosses.size(); ++i) {
    TopLossTile t;
    t.item = interp.topLosses[i];
    if (i < interp.images.size()) t.image = interp.images[i];
    if (i < interp.gradCams.size()) t.gradCam = interp.gradCams[i];
    tiles.push_back(std::move(t));
  }
  return tiles;
}

QImage image8ToQImage(const Image8& image) { return pixelsToQImage(image); }

QImage heatMapToQImage(const HeatMap& map, int alpha) {
  if (map.width <= 0 || map.height <= 0 || map.values.size() < std::size_t(map.width) * map.height)
    return {};
  QImage out(map.width, map.height, QImage::Format_ARGB32);
  for (int y = 0; y < map.height; ++y)
    for (int x = 0; x < map.width; ++x) {
      QColor c = inferno(map.values[std::size_t(y) * map.width + x]);
      c.setAlpha(alpha);
      out.setPixelColor(x, y, c);
    }
  return out;
}

// One tile of the grid, painted: the image on a neutral square, two lines of caption under it.
class TopLossTileWidget : public QWidget {
 public:
  TopLossTileWidget(TopLossesView* view, int visibleIndex, int width)
      : m_view(view), m_index(visibleIndex) {
    const TopLossTile& t = view->visibleTile(visibleIndex);
    m_hidden = !view->revealed(visibleIndex);
    const QString mark = t.item.correct() ? QStringLiteral("✓ ") : QStringLiteral("✗ ");
    // Hidden: nothing that gives the prediction away, not even the loss or the mark.
    m_line1 = m_hidden ? QStringLiteral("pred: ? / actual: %1").arg(view->className(t.item.actual))
                       : mark + QStringLiteral("pred: %1 / actual: %2")
                                    .arg(view->className(t.item.predicted),
                                         view->className(t.item.actual));
    m_line2 = m_hidden ? QStringLiteral("guess, then click")
                       : lossAndProbability(t.item);
    setToolTip(QStringLiteral("%1\n%2\nitem %3 of the validation set\n%4")
                   .arg(m_line1, m_line2)
                   .arg(t.item.index)
                   .arg(m_hidden ? QStringLiteral("click (or press space for all) to reveal the "
                                                  "prediction")
                                 : QStringLiteral("click to enlarge")));
    setCursor(Qt::PointingHandCursor);
    // The view's font, which the tile paints with once placed in the grid (made without a
    // parent, its own font is still the application's, smaller at a zoom).
    const int lines = 2 * view->fontMetrics().height();
    setFixedSize(width, view->imageSize() + lines + 12);
  }

 protected:
  void paintEvent(QPaintEvent*) override {
    const TopLossTile& t = m_view->visibleTile(m_index);
    const int side = m_view->imageSize();
    QPainter p(this);
    const QPalette pal = palette();
    const bool wrong = !m_hidden && !t.item.correct();
    p.drawPixmap((width() - side) / 2, 4, m_view->render(t, side));
    if (wrong) {  // a frame as well as the colour, for whoever cannot tell the colour apart
      p.setPen(QPen(kWrongColor, 2));
      p.setBrush(Qt::NoBrush);
      p.drawRect(QRectF((width() - side) / 2 - 1, 3, side + 2, side + 2));
    }
    const QFontMetrics fm = fontMetrics();
    const int y = side + 8;
    // Regular weight: the frame, the colour and the cross already mark a wrong prediction, and
    // a bold caption would widen every tile (fewer tiles to a row).
    p.setPen(wrong ? kWrongColor : pal.color(QPalette::Text));
    const QRect r1(0, y, width(), fm.height());
    p.drawText(r1, Qt::AlignHCenter | Qt::AlignVCenter,
               fm.elidedText(m_line1, Qt::ElideMiddle, width()));
    p.setPen(pal.color(QPalette::Text));
    p.drawText(QRect(0, y + fm.height(), width(), fm.height()), Qt::AlignHCenter | Qt::AlignVCenter,
               m_line2);
  }
  void mouseReleaseEvent(QMouseEvent* event) override {
    if (event->button() != Qt::LeftButton || !rect().contains(event->pos())) return;
    if (m_hidden)
      m_view->reveal(m_index);  // deletes this tile: nothing after it
    else
      m_view->openDetails(m_index);
  }

 private:
  TopLossesView* m_view;
  int m_index;
  bool m_hidden = false;  // guess first, not revealed yet
  QString m_line1, m_line2;
};

TopLossesView::TopLossesView(QWidget* parent) : QWidget(parent) {
  auto* revealAll = new QShortcut(QKeySequence(Qt::Key_Space), this);
  revealAll->setContext(Qt::WidgetWithChildrenShortcut);
  connect(revealAll, &QShortcut::activated, this, [this] {
    if (m_guessFirst) reveal(-1);
  });
  m_actual = new QComboBox;
  m_predicted = new QComboBox;
  m_actual->setToolTip(QStringLiteral("Show only the items of this actual class"));
  m_predicted->setToolTip(QStringLiteral("Show only the items predicted as this class"));
  m_gradCam = new QCheckBox(QStringLiteral("Grad-CAM"));
  m_gradCam->setObjectName(QStringLiteral("gradCamBox"));  // lessons may hide it
  m_gradCam->setToolTip(QStringLiteral(
      "Overlay the regions that drove each prediction: bright where they mattered most"));
  m_gradCamLegend = new QWidget;
  m_gradCamBar = new QLabel;
  auto* legend = new QHBoxLayout(m_gradCamLegend);
  legend->setContentsMargins(0, 0, 0, 0);
  legend->addWidget(new QLabel(QStringLiteral("low")));
  legend->addWidget(m_gradCamBar);
  legend->addWidget(new QLabel(QStringLiteral("high")));
  m_gradCamLegend->setToolTip(
      QStringLiteral("Grad-CAM's colour scale: how much each region "
                     "counted for the prediction"));
  m_gradCamLegend->setVisible(false);
  auto* bar = new QHBoxLayout;
  auto* actualLabel = new QLabel(QStringLiteral("Actual:"));
  actualLabel->setBuddy(m_actual);
  auto* predictedLabel = new QLabel(QStringLiteral("Predicted:"));
  predictedLabel->setBuddy(m_predicted);
  m_predictedLabel = predictedLabel;
  bar->addWidget(actualLabel);
  bar->addWidget(m_actual);
  bar->addSpacing(12);
  bar->addWidget(predictedLabel);
  bar->addWidget(m_predicted);
  bar->addSpacing(12);
  bar->addWidget(m_gradCam);
  bar->addWidget(m_gradCamLegend);
  bar->addStretch(1);

  m_message = new QLabel;
  m_message->setAlignment(Qt::AlignCenter);
  m_message->setWordWrap(true);
  m_grid = new QWidget;
  m_gridLayout = new QGridLayout(m_grid);
  m_gridLayout->setSpacing(8);
  m_gridLayout->setAlignment(Qt::AlignTop | Qt::AlignHCenter);
  m_scroll = new QScrollArea;
  m_scroll->setWidgetResizable(true);
  m_scroll->setWidget(m_grid);
  m_scroll->setFrameShape(QFrame::NoFrame);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(bar);
  layout->addWidget(m_message, 1);
  layout->addWidget(m_scroll, 1);
  setMinimumSize(240, 200);

  connect(m_actual, &QComboBox::currentIndexChanged, this, [this] { refilter(); });
  connect(m_predicted, &QComboBox::currentIndexChanged, this, [this] { refilter(); });
  connect(m_gradCam, &QCheckBox::toggled, this, [this] {
    m_gradCamLegend->setVisible(gradCamVisible());
    for (QWidget* w : std::as_const(m_tileWidgets)) w->update();
    updateDetails();
  });
  m_gradCamBar->setPixmap(infernoBar(fontMetrics().height() * 5, fontMetrics().height() / 2));
  clear();
}

TopLossesView::~TopLossesView() = default;

void TopLossesView::setGuessFirst(bool on) {
  if (m_guessFirst == on) return;
  m_guessFirst = on;
  m_revealed.clear();
  if (on) setPredictedFilter(-1);  // tiles of one predicted class would give it away
  layoutTiles();
  Q_EMIT guessFirstChanged(on);
}

bool TopLossesView::revealed(int i) const {
  return !m_guessFirst || m_revealed.count(m_visible[std::size_t(i)]) > 0;
}

void TopLossesView::reveal(int i) {
  if (i < 0)
    m_revealed.insert(m_visible.begin(), m_visible.end());
  else
    m_revealed.insert(m_visible[std::size_t(i)]);
  // Later, so a tile's own click may return before the tiles are made anew.
  QTimer::singleShot(0, this, [this] { layoutTiles(); });
  Q_EMIT tilesRevealed(i < 0);
}

void TopLossesView::setClasses(const std::vector<std::string>& classes) {
  m_classes = classes;
  fillCombos();
  refilter();
}

void TopLossesView::setTiles(std::vector<TopLossTile> tiles) {
  std::stable_sort(tiles.begin(), tiles.end(), [](const TopLossTile& a, const TopLossTile& b) {
    return a.item.loss > b.item.loss;
  });
  m_tiles = std::move(tiles);
  m_revealed.clear();  // a new epoch's mistakes: guess again
  bool anyMap = false;
  for (const TopLossTile& t : m_tiles) anyMap = anyMap || !t.gradCam.values.empty();
  m_gradCam->setEnabled(anyMap);
  m_gradCam->setToolTip(anyMap ? QStringLiteral("Overlay the regions that drove each prediction: "
                                                "bright where they mattered most")
                               : QStringLiteral("No Grad-CAM maps were computed for these items"));
  fillCombos();
  refilter();
}

void TopLossesView::setInterpretation(const Interpretation& interp) {
  m_classes = interp.classes;
  setTiles(topLossTiles(interp));
}

void TopLossesView::clear() {
  m_classes.clear();
  setTiles({});
  m_detailsTile.reset();
  if (m_details) m_details->hide();
}

void TopLossesView::setGradCamVisible(bool on) { m_gradCam->setChecked(on); }
bool TopLossesView::gradCamVisible() const {
  return m_gradCam->isChecked() && m_gradCam->isEnabled();
}

void TopLossesView::setActualFilter(int cls) {
  m_actual->setCurrentIndex(std::max(0, m_actual->findData(cls)));
}

void TopLossesView::setPredictedFilter(int cls) {
  m_predicted->setCurrentIndex(std::max(0, m_predicted->findData(cls)));
}

QWidget* TopLossesView::tileWidget(int i) const {
  return i >= 0 && i < m_tileWidgets.size() ? m_tileWidgets[i] : nullptr;
}

int TopLossesView::imageSize() const { return std::max(64, fontMetrics().height() * 9); }

QString TopLossesView::className(int cls) const {
  return cls >= 0 && cls < int(m_classes.size())
             ? QString::fromStdString(m_classes[std::size_t(cls)])
             : QStringLiteral("class %1").arg(cls);
}

void TopLossesView::fillCombos() {
  // Keep the chosen classes where they still exist.
  const int actual = m_actual->currentData().isValid() ? m_actual->currentData().toInt() : -1;
  const int predicted =
      m_predicted->currentData().isValid() ? m_predicted->currentData().toInt() : -1;
  for (QComboBox* combo : {m_actual, m_predicted}) {
    const QSignalBlocker block(combo);
    combo->clear();
    combo->addItem(QStringLiteral("any"), -1);
    for (int c = 0; c < int(m_classes.size()); ++c) combo->addItem(className(c), c);
  }
  const QSignalBlocker a(m_actual), p(m_predicted);
  m_actual->setCurrentIndex(std::max(0, m_actual->findData(actual)));
  m_predicted->setCurrentIndex(std::max(0, m_predicted->findData(predicted)));
}

void TopLossesView::refilter() {
  const int actual = m_actual->currentData().isValid() ? m_actual->currentData().toInt() : -1;
  const int predicted =
      m_predicted->currentData().isValid() ? m_predicted->currentData().toInt() : -1;
  m_visible.clear();
  for (int i = 0; i < int(m_tiles.size()); ++i) {
    const TopLoss& item = m_tiles[std::size_t(i)].item;
    if ((actual < 0 || item.actual == actual) && (predicted < 0 || item.predicted == predicted))
      m_visible.push_back(i);
  }
  if (m_tiles.empty()) {
    m_message->setText(QStringLiteral(
        "The images with the largest losses appear here after training: what the model got "
        "most wrong, or right but unsure."));
  } else if (m_visible.empty()) {
    m_message->setText(QStringLiteral("None of the %1 top losses has actual class %2 and "
                                      "predicted class %3. Choose \"any\" to see more.")
                           .arg(m_tiles.size())
                           .arg(m_actual->currentText(), m_predicted->currentText()));
  }
  m_message->setVisible(m_visible.empty());
  m_scroll->setVisible(!m_visible.empty());
  m_columns = 0;  // forces the grid to be rebuilt
  layoutTiles();
}

int TopLossesView::columnCount() const {
  if (m_tileWidgets.isEmpty()) return 1;
  const int tile = m_tileWidgets.front()->width() + m_gridLayout->spacing();
  // From the view's own width: the scroll area's viewport is resized only after this view.
  const QMargins margins = m_gridLayout->contentsMargins();
  const int available = width() - m_scroll->verticalScrollBar()->sizeHint().width() -
                        margins.left() - margins.right() + m_gridLayout->spacing();
  return std::max(1, available / std::max(1, tile));
}

void TopLossesView::layoutTiles() {
  for (QWidget* w : std::as_const(m_tileWidgets)) delete w;
  m_tileWidgets.clear();
  // One width for every tile, wide enough for the longest caption (within reason).
  const QFontMetrics fm = fontMetrics();
  int width = imageSize() + 8;
  for (int v : m_visible) {
    const TopLoss& item = m_tiles[std::size_t(v)].item;
    const QString line = QStringLiteral("✗ pred: %1 / actual: %2")
                             .arg(className(item.predicted), className(item.actual));
    width = std::max(width, fm.horizontalAdvance(line) + 12);
  }
  width = std::min(width, int(imageSize() * 2.5));
  for (int i = 0; i < int(m_visible.size()); ++i)
    m_tileWidgets.append(new TopLossTileWidget(this, i, width));
  m_columns = columnCount();
  for (int i = 0; i < m_tileWidgets.size(); ++i)
    m_gridLayout->addWidget(m_tileWidgets[i], i / m_columns, i % m_columns);
  bool hidden = false;
  for (int i = 0; i < visibleCount(); ++i) hidden = hidden || !revealed(i);
  m_predictedLabel->setVisible(!hidden);
  m_predicted->setVisible(!hidden);
}

void TopLossesView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  if (!m_tileWidgets.isEmpty() && columnCount() != m_columns) {
    m_columns = columnCount();
    for (int i = 0; i < m_tileWidgets.size(); ++i)
      m_gridLayout->addWidget(m_tileWidgets[i], i / m_columns, i % m_columns);
  }
}

void TopLossesView::changeEvent(QEvent* event) {
  if (event->type() == QEvent::FontChange) {
    m_gradCamBar->setPixmap(infernoBar(fontMetrics().height() * 5, fontMetrics().height() / 2));
    layoutTiles();  // the images and captions follow the zoom
    updateDetails();
  }
  QWidget::changeEvent(event);
}

QPixmap TopLossesView::render(const TopLossTile& tile, int size) const {
  QPixmap pm(size, size);
  pm.fill(palette().color(QPalette::AlternateBase));  // neutral, follows light and dark palettes
  const QImage image = image8ToQImage(tile.image);
  if (image.isNull()) return pm;
  const QImage scaled = fitToTile(image, size);
  const QRect target((size - scaled.width()) / 2, (size - scaled.height()) / 2, scaled.width(),
                     scaled.height());
  QPainter p(&pm);
  p.drawImage(target.topLeft(), scaled);
  if (gradCamVisible()) {
    const QImage heat = heatMapToQImage(tile.gradCam, kGradCamAlpha);
    // The map is coarser than the image: smooth it up to the image's size.
    if (!heat.isNull())
      p.drawImage(target,
                  heat.scaled(target.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation));
  }
  return pm;
}

void TopLossesView::openDetails(int i) {
  if (i < 0 || i >= int(m_visible.size())) return;
  m_detailsTile = m_tiles[std::size_t(m_visible[std::size_t(i)])];
  if (!m_details) {
    m_details = new QDialog(this);
    m_details->resize(900, 560);
    m_detailsImage = new QLabel;
    m_detailsImage->setAlignment(Qt::AlignCenter);
    m_detailsText = new QLabel;
    m_detailsText->setWordWrap(true);
    m_detailsPlot = new QCustomPlot;
    QCustomPlot* plot = m_detailsPlot;
    plot->xAxis->setLabel(QStringLiteral("probability"));
    plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    plot->yAxis->setRangeReversed(true);  // the first class on top
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->axisRect()->setRangeDrag(Qt::Horizontal);
    plot->axisRect()->setRangeZoom(Qt::Horizontal);
    plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    connect(plot, &QCustomPlot::mouseDoubleClick, this, [this] { updateDetails(); });
    addPlotContextMenu(plot, [this] { updateDetails(); });
    auto* left = new QVBoxLayout;
    left->addWidget(m_detailsImage, 1);
    left->addWidget(m_detailsText);
    auto* layout = new QHBoxLayout(m_details);
    layout->addLayout(left, 2);
    layout->addWidget(plot, 3);
  }
  updateDetails();
  m_details->show();
  m_details->raise();
}

void TopLossesView::updateDetails() {
  if (!m_details || !m_detailsTile) return;
  const TopLossTile& t = *m_detailsTile;
  const QFont f = font();
  m_details->setFont(f);
  m_details->setWindowTitle(
      QStringLiteral("Top loss: item %1 of the validation set").arg(t.item.index));
  m_detailsImage->setPixmap(render(t, QFontMetrics(f).height() * 20));
  const QString mark = t.item.correct() ? QStringLiteral("✓ right") : QStringLiteral("✗ wrong");
  m_detailsText->setText(QStringLiteral("%1: pred: %2 / actual: %3\n%4")
                             .arg(mark, className(t.item.predicted), className(t.item.actual),
                                  lossAndProbability(t.item)));
  QPalette textPalette = m_detailsText->palette();
  textPalette.setColor(QPalette::WindowText,
                       t.item.correct() ? palette().color(QPalette::WindowText) : kWrongColor);
  m_detailsText->setPalette(textPalette);

  // Every class's probability; the predicted and the actual class stand out.
  QCustomPlot* plot = m_detailsPlot;
  plot->clearPlottables();
  plot->clearItems();
  std::vector<double> probs = t.probabilities;
  if (probs.empty()) {  // only the predicted class's is known
    probs.assign(std::max<std::size_t>(m_classes.size(), std::size_t(t.item.predicted) + 1), 0.0);
    if (std::isfinite(t.item.probability))
      probs[std::size_t(t.item.predicted)] = t.item.probability;
  }
  auto ticker = plot->yAxis->ticker().dynamicCast<QCPAxisTickerText>();
  ticker->clear();
  const QColor text = palette().color(QPalette::Text);
  auto* others = new QCPBars(plot->yAxis, plot->xAxis);
  others->setName(QStringLiteral("other classes"));
  auto* actual = new QCPBars(plot->yAxis, plot->xAxis);
  actual->setName(QStringLiteral("actual: %1").arg(className(t.item.actual)));
  QCPBars* predicted = nullptr;
  if (!t.item.correct()) {
    predicted = new QCPBars(plot->yAxis, plot->xAxis);
    predicted->setName(QStringLiteral("predicted: %1").arg(className(t.item.predicted)));
  }
  for (int c = 0; c < int(probs.size()); ++c) {
    ticker->addTick(c, className(c));
    QCPBars* bars = c == t.item.actual                     ? actual
                    : (predicted && c == t.item.predicted) ? predicted
                                                           : others;
    bars->addData(c, probs[std::size_t(c)]);
    if (probs[std::size_t(c)] < 0.005) continue;  // "0.00" beside every empty bar is noise
    auto* label = new QCPItemText(plot);
    label->position->setCoords(probs[std::size_t(c)], c);
    label->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    label->setPadding(QMargins(6, 0, 0, 0));
    label->setText(twoDecimals(probs[std::size_t(c)]));
    label->setFont(f);
    label->setColor(text);
  }
  for (QCPBars* bars : {others, actual, predicted}) {
    if (!bars) continue;
    bars->setWidth(0.7);
    bars->setPen(Qt::NoPen);
  }
  others->setBrush(withAlpha(text, 90));
  actual->setBrush(kActualColor);
  if (predicted) predicted->setBrush(kWrongColor);
  stylePlot(plot, f, palette());
  plot->yAxis->grid()->setVisible(false);
  plot->legend->setVisible(true);
  plot->xAxis->setRange(0, 1.12);  // room for the numbers after the bars
  plot->yAxis->setRange(-0.6, probs.size() - 0.4);
  plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace lb
