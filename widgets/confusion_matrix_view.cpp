#include "widgets/confusion_matrix_view.h"

#include <QCheckBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMouseEvent>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/plot_export.h"
#include "widgets/qcustomplot_include.h"
#include "widgets/text_format.h"

namespace lb {

namespace {
// matplotlib's "Blues", as fastai's plot_confusion_matrix: light for few items, dark for many.
QCPColorGradient bluesGradient() {
  QCPColorGradient g;
  g.clearColorStops();
  g.setColorStopAt(0.0, QColor(0xF7, 0xFB, 0xFF));
  g.setColorStopAt(0.25, QColor(0xC6, 0xDB, 0xEF));
  g.setColorStopAt(0.5, QColor(0x6B, 0xAE, 0xD6));
  g.setColorStopAt(0.75, QColor(0x21, 0x71, 0xB5));
  g.setColorStopAt(1.0, QColor(0x08, 0x30, 0x6B));
  g.setColorInterpolation(QCPColorGradient::ciRGB);
  return g;
}

QString className(const std::vector<std::string>& classes, int i) {
  return i >= 0 && i < int(classes.size()) ? QString::fromStdString(classes[std::size_t(i)])
                                           : QString::number(i);
}
}  // namespace

std::vector<ConfusedPair> mostConfusedPairs(const Confusion& confusion, long minCount) {
  std::vector<ConfusedPair> pairs;
  const auto& cm = confusion.counts;
  for (std::size_t a = 0; a < cm.size(); ++a)
    for (std::size_t p = 0; p < cm[a].size(); ++p)
      if (a != p && cm[a][p] >= std::max(1L, minCount)) pairs.push_back({int(a), int(p), cm[a][p]});
  // Stable, as fastai's sorted(): equal counts keep row-major order.
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const ConfusedPair& x, const ConfusedPair& y) { return x.count > y.count; });
  return pairs;
}

ConfusionMatrixView::ConfusionMatrixView(QWidget* parent)
    : QWidget(parent), m_plot(new QCustomPlot) {
  m_normalize = new QCheckBox(QStringLiteral("Normalise by row"));
  m_normalize->setToolTip(QStringLiteral(
      "Show each actual class's items as shares that sum to 1, so rare classes read as clearly "
      "as common ones"));
  auto* left = new QWidget;
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  leftLayout->addWidget(m_normalize);
  leftLayout->addWidget(m_plot, 1);

  auto* right = new QWidget;
  auto* rightLayout = new QVBoxLayout(right);
  rightLayout->setContentsMargins(0, 0, 0, 0);
  auto* title = new QLabel(QStringLiteral("Most confused"));
  QFont bold;  // only the weight: the size follows the zoom
  bold.setBold(true);
  title->setFont(bold);
  rightLayout->addWidget(title);
  auto* minRow = new QHBoxLayout;
  m_minCount = new QSpinBox;
  m_minCount->setRange(1, 1000000);
  m_minCount->setValue(1);
  m_minCount->setToolTip(QStringLiteral("List only the pairs confused at least this often"));
  auto* minLabel = new QLabel(QStringLiteral("At least"));
  minLabel->setBuddy(m_minCount);
  minRow->addWidget(minLabel);
  minRow->addWidget(m_minCount, 1);
  minRow->addWidget(new QLabel(QStringLiteral("items")));
  rightLayout->addLayout(minRow);
  m_list = new QTableWidget(0, 2);
  m_list->setHorizontalHeaderLabels(
      {QStringLiteral("actual → predicted"), QStringLiteral("items")});
  m_list->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  m_list->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
  m_list->verticalHeader()->setVisible(false);
  m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_list->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_list->setSelectionMode(QAbstractItemView::SingleSelection);
  m_list->setToolTip(QStringLiteral("Click a pair to see its images"));
  rightLayout->addWidget(m_list, 1);

  // The list under the matrix, so the matrix gets the whole width: ten columns of counts need it.
  auto* splitter = new QSplitter(Qt::Vertical);
  splitter->addWidget(left);
  splitter->addWidget(right);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({600, 200});
  // Guess first's cover: what is hidden, and the one click that shows it.
  auto* cover = new QWidget;
  auto* coverLayout = new QVBoxLayout(cover);
  auto* coverText = new QLabel(QStringLiteral(
      "The confusion matrix and the most confused pairs are hidden: they would give the "
      "model's answers away. Guess first, then reveal them."));
  coverText->setWordWrap(true);
  coverText->setAlignment(Qt::AlignCenter);
  m_reveal = new QPushButton(QStringLiteral("Reveal the confusion matrix"));
  m_reveal->setObjectName(QStringLiteral("revealConfusionButton"));
  m_reveal->setToolTip(QStringLiteral("Show the matrix and the most confused pairs (space in the "
                                      "top losses reveals everything)"));
  connect(m_reveal, &QPushButton::clicked, this, [this] {
    setAnswersHidden(false);
    Q_EMIT revealed();
  });
  coverLayout->addStretch(1);
  coverLayout->addWidget(coverText);
  coverLayout->addWidget(m_reveal, 0, Qt::AlignHCenter);
  coverLayout->addStretch(1);
  m_cover = new QStackedWidget;
  m_cover->addWidget(splitter);
  m_cover->addWidget(cover);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_cover);
  layout->setSizeConstraint(QLayout::SetNoConstraint);  // the minimum is minimumSizeHint()'s

  m_plot->xAxis->setLabel(QStringLiteral("predicted"));
  m_plot->yAxis->setLabel(QStringLiteral("actual"));
  m_plot->yAxis->setRangeReversed(true);  // the first class on top, as a table reads
  m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
  m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
  m_map->setName(QStringLiteral("confusion"));
  m_map->setGradient(bluesGradient());
  m_map->setInterpolate(false);
  m_scale = new QCPColorScale(m_plot);
  m_plot->plotLayout()->addElement(0, 1, m_scale);
  m_map->setColorScale(m_scale);
  m_scale->setGradient(bluesGradient());
  // The colour scale is this plot's legend; the two stay the same height.
  auto* group = new QCPMarginGroup(m_plot);
  m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, group);
  m_plot->legend->setVisible(false);
  m_placeholder =
      addPlaceholder(m_plot, QStringLiteral("The confusion matrix appears here after training:\n"
                                            "which classes the model mixes up"));

  connect(m_normalize, &QCheckBox::toggled, this, [this] { rebuild(); });
  connect(m_minCount, &QSpinBox::valueChanged, this, [this] { fillPairs(); });
  connect(m_list, &QTableWidget::cellClicked, this, [this](int row, int) {
    if (row >= 0 && row < int(m_pairs.size()))
      Q_EMIT cellClicked(m_pairs[std::size_t(row)].actual, m_pairs[std::size_t(row)].predicted);
  });
  connect(m_plot, &QCustomPlot::mousePress, this,
          [this](QMouseEvent* event) { m_pressPos = event->pos(); });
  connect(m_plot, &QCustomPlot::mouseRelease, this, [this](QMouseEvent* event) {
    int a = 0, p = 0;
    if (event->button() == Qt::LeftButton && (event->pos() - m_pressPos).manhattanLength() <= 3 &&
        cellAt(event->pos(), &a, &p))
      Q_EMIT cellClicked(a, p);
  });
  connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
    if (!(event->buttons() & Qt::LeftButton)) showTooltip(event->pos());
  });
  connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] { resetView(); });
  // Each replot lays out the cells first: counts show only where they fit (zoom in for the rest).
  connect(m_plot, &QCustomPlot::afterLayout, this, [this] {
    showTextsThatFit();
    turnClassNamesToFit();
  });
  addPlotContextMenu(m_plot, [this] { resetView(); });

  applyStyle();
  rebuild();
}

ConfusionMatrixView::~ConfusionMatrixView() = default;

void ConfusionMatrixView::setConfusion(const Confusion& confusion,
                                       const std::vector<std::string>& classes) {
  m_confusion = confusion;
  m_classes = classes;
  rebuild();
}

void ConfusionMatrixView::clear() { setConfusion({}, {}); }

void ConfusionMatrixView::setNormalized(bool on) { m_normalize->setChecked(on); }
bool ConfusionMatrixView::isNormalized() const { return m_normalize->isChecked(); }

double ConfusionMatrixView::cellValue(int actual, int predicted) const {
  const int n = classCount();
  if (actual < 0 || predicted < 0 || actual >= n || predicted >= n) return 0;
  return m_map->data()->cell(predicted, actual);
}

QString ConfusionMatrixView::cellText(int actual, int predicted) const {
  const int n = classCount();
  if (actual < 0 || predicted < 0 || actual >= n || predicted >= n) return {};
  return m_texts[actual * n + predicted]->text();
}

QPointF ConfusionMatrixView::cellCenter(int actual, int predicted) const {
  return {m_plot->xAxis->coordToPixel(predicted), m_plot->yAxis->coordToPixel(actual)};
}

void ConfusionMatrixView::rebuild() {
  for (QCPItemText* t : std::as_const(m_texts)) m_plot->removeItem(t);
  m_texts.clear();
  updateGeometry();  // the minimum size follows the classes and their counts
  const int n = classCount();
  const bool norm = isNormalized();

  auto xTicks = m_plot->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
  auto yTicks = m_plot->yAxis->ticker().dynamicCast<QCPAxisTickerText>();
  xTicks->clear();
  yTicks->clear();
  for (int i = 0; i < n; ++i) {
    xTicks->addTick(i, className(m_classes, i));
    yTicks->addTick(i, className(m_classes, i));
  }

  m_map->data()->setSize(std::max(n, 1), std::max(n, 1));
  m_map->data()->setRange(QCPRange(0, std::max(n - 1, 0)), QCPRange(0, std::max(n - 1, 0)));
  m_map->data()->fill(0);
  double maxValue = 0;
  for (int a = 0; a < n; ++a) {
    const auto& row = m_confusion.counts[std::size_t(a)];
    long rowSum = 0;
    for (long c : row) rowSum += c;
    for (int p = 0; p < n && p < int(row.size()); ++p) {
      const long count = row[std::size_t(p)];
      const double v = norm ? (rowSum > 0 ? double(count) / double(rowSum) : 0.0) : double(count);
      m_map->data()->setCell(p, a, v);
      maxValue = std::max(maxValue, v);
      auto* text = new QCPItemText(m_plot);
      text->position->setCoords(p, a);
      text->setPositionAlignment(Qt::AlignCenter);
      text->setText(norm ? QString::number(v, 'f', 2) : QString::number(count));
      text->setSelectable(false);
      m_texts.append(text);
    }
  }
  m_map->setVisible(n > 0);
  m_map->setDataRange(QCPRange(0, norm ? 1.0 : std::max(1.0, maxValue)));
  m_scale->setVisible(n > 0);
  m_scale->axis()->setLabel(norm ? QStringLiteral("share of the actual class")
                                 : QStringLiteral("items"));
  m_placeholder->setVisible(n == 0);
  for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
    axis->setTickLabels(n > 0);
    axis->setTicks(n > 0);
  }
  colourTexts();
  applyStyle();
  fillPairs();
  resetView();
}

void ConfusionMatrixView::fillPairs() {
  m_pairs = mostConfusedPairs(m_confusion, m_minCount->value());
  m_list->setRowCount(int(m_pairs.size()));
  for (int r = 0; r < int(m_pairs.size()); ++r) {
    const ConfusedPair& pair = m_pairs[std::size_t(r)];
    auto* name = new QTableWidgetItem(QStringLiteral("%1 → %2").arg(
        className(m_classes, pair.actual), className(m_classes, pair.predicted)));
    auto* count = new QTableWidgetItem(QString::number(pair.count));
    count->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_list->setItem(r, 0, name);
    m_list->setItem(r, 1, count);
  }
}

void ConfusionMatrixView::colourTexts() {
  const int n = classCount();
  QCPColorGradient gradient = m_map->gradient();  // colorize() is not const
  const QCPRange range = m_map->dataRange();
  for (int a = 0; a < n; ++a)
    for (int p = 0; p < n; ++p) {
      if (a * n + p >= m_texts.size()) return;
      // Dark text on light cells, white on dark ones (relative luminance, roughly).
      QRgb rgb = 0;
      const double v = m_map->data()->cell(p, a);
      gradient.colorize(&v, range, &rgb, 1);
      const double lum = (0.2126 * qRed(rgb) + 0.7152 * qGreen(rgb) + 0.0722 * qBlue(rgb)) / 255;
      m_texts[a * n + p]->setColor(lum > 0.5 ? QColor(0x11, 0x11, 0x11) : Qt::white);
    }
}

void ConfusionMatrixView::showTextsThatFit() {
  if (m_texts.isEmpty()) return;
  const QFont f = font();
  const QFontMetrics fm(f);
  int widest = 1;
  for (QCPItemText* t : std::as_const(m_texts))
    widest = std::max(widest, fm.horizontalAdvance(t->text()));
  const double cellWidth =
      std::abs(m_plot->xAxis->coordToPixel(1) - m_plot->xAxis->coordToPixel(0));
  const double cellHeight =
      std::abs(m_plot->yAxis->coordToPixel(1) - m_plot->yAxis->coordToPixel(0));
  // A large zoom or presenter view grows the font faster than the cells: the counts shrink to
  // fit them, down to kMinCountPixels; below that only the colours show.
  constexpr double kMinCountPixels = 9;
  const double scale = std::min({1.0, (cellWidth - 4) / widest, cellHeight / fm.height()});
  const double pixels = QFontInfo(f).pixelSize() * scale;
  QFont cell = f;
  cell.setPixelSize(std::max(1, int(pixels)));
  for (QCPItemText* t : std::as_const(m_texts)) {
    t->setFont(scale < 1 ? cell : f);
    t->setVisible(pixels >= kMinCountPixels);
  }
}

void ConfusionMatrixView::turnClassNamesToFit() {
  const int n = classCount();
  if (n == 0) return;
  const QFontMetrics fm(m_plot->xAxis->tickLabelFont());
  int widest = 0;
  for (int i = 0; i < n; ++i)
    widest = std::max(widest, fm.horizontalAdvance(className(m_classes, i)));
  const double column =
      std::abs(m_plot->xAxis->coordToPixel(1) - m_plot->xAxis->coordToPixel(0));
  // Neighbouring names are a column apart; slanted by a, a line apart across the slant when
  // column * sin(a) >= a line: flat if they fit, else slanted 45 degrees, else upright.
  const double line = fm.height();
  const double rotation = widest + 4 <= column                   ? 0
                          : column * std::sqrt(0.5) >= line + 1 ? -45
                                                                  : -90;
  if (m_plot->xAxis->tickLabelRotation() != rotation) {
    m_plot->xAxis->setTickLabelRotation(rotation);  // changes the margins: lay out again
    m_plot->replot(QCustomPlot::rpQueuedReplot);
  }
}

QSize ConfusionMatrixView::minimumSizeHint() const {
  const int n = std::max(classCount(), 1);
  const QFontMetrics fm(font());
  int widestName = 0;
  for (int i = 0; i < classCount(); ++i)
    widestName = std::max(widestName, fm.horizontalAdvance(className(m_classes, i)));
  int widestCount = fm.horizontalAdvance(QStringLiteral("0.00"));
  for (const QCPItemText* t : m_texts) widestCount = std::max(widestCount, fm.horizontalAdvance(t->text()));
  const int line = fm.height();
  // A cell holds its count with a little room, and is at least a line wide so upright names
  // under the columns do not touch.
  const int cell = std::max(widestCount + 8, line + 2);
  const int cellHeight = line + 4;
  // Left: the names and the axis title; right: the colour scale, its numbers and its title.
  const int left = widestName + 2 * line + 16;
  const int right = 3 * line + fm.horizontalAdvance(QStringLiteral("0000")) + 24;
  // Under the cells: the names, upright at worst, and the axis title; above them the box.
  const int below = widestName + 2 * line + 16;
  const int above = 2 * line + 12;
  const int list = 6 * line;  // the most confused pairs: a title, the minimum, a few rows
  return {left + n * cell + right, above + n * cellHeight + below + list};
}

void ConfusionMatrixView::setAnswersHidden(bool hidden) { m_cover->setCurrentIndex(hidden ? 1 : 0); }
bool ConfusionMatrixView::answersHidden() const { return m_cover->currentIndex() == 1; }

bool ConfusionMatrixView::countsShown() const {
  return !m_texts.isEmpty() && m_texts.front()->visible();
}

QFont ConfusionMatrixView::countFont() const {
  return m_texts.isEmpty() ? font() : m_texts.front()->font();
}

void ConfusionMatrixView::resetView() {
  const int n = std::max(classCount(), 1);
  m_plot->xAxis->setRange(-0.5, n - 0.5);
  m_plot->yAxis->setRange(-0.5, n - 0.5);
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ConfusionMatrixView::applyStyle() {
  const QFont f = font();
  stylePlot(m_plot, f, palette());
  for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
    axis->grid()->setVisible(false);
    // Ticks point out: drawn into the first row and column they read as minus signs ("-21").
    axis->setTickLength(0, 4);
    axis->setSubTicks(false);
  }
  m_scale->axis()->setTickLabelFont(f);
  m_scale->axis()->setLabelFont(f);
  m_scale->axis()->setTickLabelColor(palette().color(QPalette::Text));
  m_scale->axis()->setLabelColor(palette().color(QPalette::Text));
  m_scale->setBarWidth(QFontMetrics(f).height());
  for (QCPItemText* t : std::as_const(m_texts)) t->setFont(f);
  stylePlaceholder(m_placeholder, f, palette());
}

void ConfusionMatrixView::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
    if (event->type() == QEvent::FontChange) updateGeometry();
    applyStyle();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
  }
  QWidget::changeEvent(event);
}

bool ConfusionMatrixView::cellAt(const QPoint& pos, int* actual, int* predicted) const {
  const int n = classCount();
  if (n == 0 || !m_plot->axisRect()->rect().contains(pos)) return false;
  const int p = int(std::lround(m_plot->xAxis->pixelToCoord(pos.x())));
  const int a = int(std::lround(m_plot->yAxis->pixelToCoord(pos.y())));
  if (a < 0 || p < 0 || a >= n || p >= n) return false;
  *actual = a;
  *predicted = p;
  return true;
}

void ConfusionMatrixView::showTooltip(const QPoint& pos) {
  int a = 0, p = 0;
  if (!cellAt(pos, &a, &p)) {
    QToolTip::hideText();
    return;
  }
  const auto& row = m_confusion.counts[std::size_t(a)];
  long rowSum = 0;
  for (long c : row) rowSum += c;
  const long count = p < int(row.size()) ? row[std::size_t(p)] : 0;
  const QString actualName = className(m_classes, a);
  QToolTip::showText(
      m_plot->mapToGlobal(pos),
      QStringLiteral("actual %1, predicted %2\n%3 items (%4 of %1)\nclick to see them")
          .arg(actualName, className(m_classes, p), formatCount(count),
               formatPercent(rowSum > 0 ? double(count) / double(rowSum) : 0.0)),
      m_plot);
}

}  // namespace lb
