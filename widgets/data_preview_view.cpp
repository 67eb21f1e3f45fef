#include "widgets/data_preview_view.h"

#include <QEvent>
#include <QFontDatabase>
#include <QGridLayout>
#include <QLabel>
#include <QPainter>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QScrollArea>
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
// Okabe-Ito, as in LossPlot: train is blue, valid is orange.
const QColor kTrainColor = paletteColor(palette::kBlue);
const QColor kValidColor = paletteColor(palette::kOrange);
constexpr int kColumns = 4;

QLabel* sectionTitle(const QString& text) {
  auto* label = new QLabel(text);
  QFont bold;  // only the weight: the size follows the zoom
  bold.setBold(true);
  label->setFont(bold);
  return label;
}

// The image fitted into a square tile, aspect kept, on a neutral background. Small images grow
// by whole pixels (nearest neighbour) so their pixels stay sharp; large ones shrink smoothly.
QPixmap tilePixmap(const QImage& image, int tile, const QColor& background) {
  QPixmap pm(tile, tile);
  pm.fill(background);
  if (image.isNull()) return pm;
  const QImage scaled = fitToTile(image, tile);
  QPainter p(&pm);
  p.drawImage((tile - scaled.width()) / 2, (tile - scaled.height()) / 2, scaled);
  return pm;
}
}  // namespace

QImage toQImage(const PreviewImage& image) { return pixelsToQImage(image); }

DataPreviewView::DataPreviewView(QWidget* parent) : QWidget(parent) {
  m_busy = new QWidget;
  m_busy->setObjectName(QStringLiteral("previewBusy"));
  auto* busyLayout = new QHBoxLayout(m_busy);
  busyLayout->setContentsMargins(0, 0, 0, 0);
  m_busyBar = new QProgressBar;
  m_busyBar->setRange(0, 0);  // an indicator that moves: how long is not known
  m_busyBar->setTextVisible(false);
  m_busyBar->setMaximumWidth(160);
  busyLayout->addWidget(new QLabel(QStringLiteral("Checking the data block...")));
  busyLayout->addWidget(m_busyBar);
  busyLayout->addStretch(1);
  m_busy->hide();

  m_placeholder = new QLabel;
  m_placeholder->setObjectName(QStringLiteral("previewPlaceholder"));
  m_placeholder->setWordWrap(true);
  m_placeholder->setAlignment(Qt::AlignCenter);

  m_batchTitle = sectionTitle(QStringLiteral("A batch (show_batch)"));
  auto* batchWidget = new QWidget;
  batchWidget->setObjectName(QStringLiteral("batchGrid"));
  m_batchGrid = new QGridLayout(batchWidget);
  m_batchGrid->setContentsMargins(0, 0, 0, 0);
  m_augmentTitle = sectionTitle(QString());
  auto* augmentWidget = new QWidget;
  augmentWidget->setObjectName(QStringLiteral("augmentGrid"));
  m_augmentGrid = new QGridLayout(augmentWidget);
  m_augmentGrid->setContentsMargins(0, 0, 0, 0);

  m_plot = new QCustomPlot;
  m_plot->setObjectName(QStringLiteral("countsPlot"));
  m_plot->setMinimumHeight(fontMetrics().height() * 20);  // rotated class names need room
  m_plot->xAxis->setLabel(QStringLiteral("class"));
  m_plot->yAxis->setLabel(QStringLiteral("images"));
  m_plot->legend->setVisible(true);
  m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);  // one row: little height taken
  m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);

  m_skippedTitle = sectionTitle(QString());
  m_skipped = new QPlainTextEdit;
  m_skipped->setObjectName(QStringLiteral("skippedFiles"));
  m_skipped->setReadOnly(true);
  m_skipped->setMaximumHeight(120);

  m_summary = new QPlainTextEdit;
  m_summary->setObjectName(QStringLiteral("summaryText"));
  m_summary->setReadOnly(true);
  m_summary->setLineWrapMode(QPlainTextEdit::WidgetWidth);  // long sentences stay readable
  m_summary->setMinimumHeight(200);
  QFont mono;  // only the family: the size follows the zoom
  mono.setFamily(QFontDatabase::systemFont(QFontDatabase::FixedFont).family());
  mono.setStyleHint(QFont::Monospace);
  m_summary->setFont(mono);

  m_content = new QWidget;
  auto* content = new QVBoxLayout(m_content);
  content->setContentsMargins(0, 0, 0, 0);
  content->addWidget(m_batchTitle);
  content->addWidget(batchWidget);
  content->addSpacing(8);
  content->addWidget(m_augmentTitle);
  content->addWidget(augmentWidget);
  content->addSpacing(8);
  m_countsTitle = sectionTitle(QStringLiteral("Images per class"));
  content->addWidget(m_countsTitle);
  content->addWidget(m_plot);
  content->addWidget(m_skippedTitle);
  content->addWidget(m_skipped);
  content->addSpacing(8);
  content->addWidget(sectionTitle(QStringLiteral("Summary: one item through every step")));
  content->addWidget(m_summary);
  content->addStretch(1);

  auto* inner = new QWidget;
  auto* innerLayout = new QVBoxLayout(inner);
  innerLayout->addWidget(m_placeholder);
  innerLayout->addWidget(m_content);
  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setWidget(inner);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_busy);
  layout->addWidget(scroll, 1);

  styleCounts();
  clear(
      QStringLiteral("The preview appears here: a batch of images, their augmentations and "
                     "the images per class, as soon as the data block checks out."));
}

int DataPreviewView::tileSize() const {
  // Grows with the font, so the global zoom enlarges the thumbnails too.
  return std::max(64, fontMetrics().height() * 7);
}

void DataPreviewView::clear(const QString& placeholder) {
  m_batch.clear();
  m_augmented.clear();
  fillGrid(m_batchGrid, m_batch);
  fillGrid(m_augmentGrid, m_augmented);
  m_placeholder->setText(placeholder);
  m_placeholder->show();
  m_content->hide();
}

void DataPreviewView::showPreview(const DataPreview& preview) {
  m_batch = preview.batch;
  m_augmented = preview.augmented;
  fillGrid(m_batchGrid, m_batch);
  fillGrid(m_augmentGrid, m_augmented);
  m_augmentTitle->setText(
      QStringLiteral("One image, %1 augmentations").arg(preview.augmented.size()));
  m_augmentTitle->setVisible(!m_augmented.empty());
  m_batchTitle->setVisible(!m_batch.empty());  // no empty headings when a step failed

  fillCounts(preview.counts);

  m_skippedTitle->setText(preview.skipped.size() == 1
                              ? QStringLiteral("1 file could not be used and was skipped:")
                              : QStringLiteral("%1 files could not be used and were skipped:")
                                    .arg(formatCount(qint64(preview.skipped.size()))));
  QStringList skipped;
  for (const SkippedFile& s : preview.skipped)
    skipped << QStringLiteral("%1: %2").arg(QString::fromStdString(s.file),
                                            QString::fromStdString(s.reason));
  m_skipped->setPlainText(skipped.join(QLatin1Char('\n')));
  m_skippedTitle->setVisible(!preview.skipped.empty());
  m_skipped->setVisible(!preview.skipped.empty());

  m_summary->setPlainText(QString::fromStdString(preview.summary));

  const StepCheck* failure = preview.firstFailure();
  if (failure && m_batch.empty()) {
    // Nothing to show but the summary, which names the step that failed and why.
    m_placeholder->setText(QStringLiteral("No preview: the %1 step needs a change (see its card).")
                               .arg(QString::fromLatin1(dataStepName(failure->step)).toLower()));
    m_placeholder->show();
  } else {
    m_placeholder->hide();
  }
  m_content->show();
}

void DataPreviewView::setBusy(bool busy) { m_busy->setVisible(busy); }

bool DataPreviewView::isBusy() const { return !m_busy->isHidden(); }

void DataPreviewView::fillGrid(QGridLayout* grid, const std::vector<PreviewImage>& images) {
  while (QLayoutItem* item = grid->takeAt(0)) {
    delete item->widget();
    delete item;
  }
  const int tile = tileSize();
  const QColor background = palette().color(QPalette::Mid);
  for (std::size_t i = 0; i < images.size(); ++i) {
    auto* cell = new QWidget;
    cell->setObjectName(QStringLiteral("previewTile"));
    auto* v = new QVBoxLayout(cell);
    v->setContentsMargins(2, 2, 2, 2);
    v->setSpacing(2);
    auto* picture = new QLabel;
    picture->setPixmap(tilePixmap(toQImage(images[i]), tile, background));
    picture->setAlignment(Qt::AlignCenter);
    auto* caption = new QLabel(QString::fromStdString(images[i].caption));
    caption->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    caption->setWordWrap(true);
    caption->setFixedWidth(tile);
    caption->setToolTip(caption->text());
    caption->setVisible(!caption->text().isEmpty());
    v->addWidget(picture);
    v->addWidget(caption);
    v->addStretch(1);
    grid->addWidget(cell, int(i) / kColumns, int(i) % kColumns);
  }
  grid->setColumnStretch(kColumns, 1);  // tiles to the left, not spread out
}

void DataPreviewView::fillCounts(const std::vector<ClassCount>& counts) {
  m_plot->clearPlottables();
  m_plot->setVisible(!counts.empty());
  m_countsTitle->setVisible(!counts.empty());
  if (counts.empty()) return;
  auto* group = new QCPBarsGroup(m_plot);
  auto* train = new QCPBars(m_plot->xAxis, m_plot->yAxis);
  auto* valid = new QCPBars(m_plot->xAxis, m_plot->yAxis);
  train->setName(QStringLiteral("train"));
  valid->setName(QStringLiteral("valid"));
  QVector<double> keys, trainValues, validValues;
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  double top = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    keys << double(i);
    trainValues << counts[i].train;
    validValues << counts[i].valid;
    ticker->addTick(double(i), QString::fromStdString(counts[i].name));
    top = std::max({top, double(counts[i].train), double(counts[i].valid)});
  }
  train->setData(keys, trainValues, true);
  valid->setData(keys, validValues, true);
  for (QCPBars* bars : {train, valid}) {
    bars->setWidth(0.38);
    bars->setBarsGroup(group);
  }
  group->setSpacing(2);
  m_plot->xAxis->setTicker(ticker);
  m_plot->xAxis->setTickLabelRotation(counts.size() > 5 ? 35 : 0);
  m_plot->xAxis->setRange(-0.6, double(counts.size()) - 0.4);
  m_plot->yAxis->setRange(0, std::max(1.0, top * 1.4));  // headroom: the legend sits on top
  styleCounts();
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void DataPreviewView::styleCounts() {
  const QPalette pal = palette();
  const QColor text = pal.color(QPalette::Text);
  const QColor base = pal.color(QPalette::Base);
  const QFont f = font();
  m_plot->setBackground(base);
  for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
    axis->setBasePen(QPen(withAlpha(text, 160), 1));
    axis->setTickPen(QPen(withAlpha(text, 160), 1));
    axis->setSubTickPen(QPen(withAlpha(text, 120), 1));
    axis->setTickLabelColor(text);
    axis->setLabelColor(text);
    axis->setTickLabelFont(f);
    axis->setLabelFont(f);
    axis->grid()->setPen(QPen(withAlpha(text, 28), 1));
    axis->grid()->setSubGridVisible(false);
  }
  m_plot->xAxis->grid()->setVisible(false);
  m_plot->xAxis->setSubTicks(false);
  m_plot->xAxis->setTickLength(0, 3);
  m_plot->legend->setFont(f);
  m_plot->legend->setTextColor(text);
  m_plot->legend->setBrush(withAlpha(base, 230));
  m_plot->legend->setBorderPen(QPen(withAlpha(text, 80), 1));
  for (int i = 0; i < m_plot->plottableCount(); ++i) {
    auto* bars = qobject_cast<QCPBars*>(m_plot->plottable(i));
    if (!bars) continue;
    const QColor c = bars->name() == QStringLiteral("train") ? kTrainColor : kValidColor;
    bars->setPen(QPen(c.darker(120), 1));
    bars->setBrush(c);
  }
}

void DataPreviewView::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
    styleCounts();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
    if (event->type() == QEvent::FontChange) {  // the tiles follow the zoom
      fillGrid(m_batchGrid, m_batch);
      fillGrid(m_augmentGrid, m_augmented);
    }
  }
}

}  // namespace lb
