#include "widgets/batch_step_view.h"

#include <QGridLayout>
#include <QLabel>
#include <QPixmap>
#include <QTextDocument>
#include <QScrollArea>
#include <QVBoxLayout>

#include "engine/core/palette.h"
#include "widgets/pixels_to_qimage.h"
#include "widgets/plot_export.h"
#include "widgets/text_format.h"

namespace lb {

namespace {

QString className(const std::vector<std::string>& classes, int c) {
  return c >= 0 && c < int(classes.size()) ? QString::fromStdString(classes[std::size_t(c)])
                                           : QStringLiteral("class %1").arg(c);
}

// "✓ Coat 54%" in the page's colour, or "✗ Shirt 31%" in the warning colour.
QString prediction(const std::vector<std::string>& classes, int predicted, float p, int actual) {
  const bool right = predicted == actual;
  const QString text = QStringLiteral("%1 %2 %3")
                           .arg(right ? QStringLiteral("✓") : QStringLiteral("✗"),
                                className(classes, predicted).toHtmlEscaped(),
                                QString::number(qRound(p * 100)) + QLatin1Char('%'));
  return right ? text
               : QStringLiteral("<span style=\"color:%1\">%2</span>")
                     .arg(paletteColor(palette::kVermillion).name(), text);
}
}  // namespace

BatchStepView::BatchStepView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  m_headline = new QLabel;
  m_headline->setObjectName(QStringLiteral("stepHeadline"));
  m_headline->setWordWrap(true);
  QFont big = m_headline->font();
  big.setPointSizeF(big.pointSizeF() * 1.3);
  m_headline->setFont(big);
  layout->addWidget(m_headline);
  m_placeholder = new QLabel(QStringLiteral(
      "Press Step to train one batch: its images appear here with the model's guess before and "
      "after that one step, and its loss joins the plot above."));
  m_placeholder->setWordWrap(true);
  m_placeholder->setAlignment(Qt::AlignCenter);
  layout->addWidget(m_placeholder, 1);
  m_grid = new QWidget;
  m_gridLayout = new QGridLayout(m_grid);
  m_gridLayout->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  m_scroll = new QScrollArea;
  m_scroll->setObjectName(QStringLiteral("stepImages"));
  m_scroll->setWidgetResizable(true);
  m_scroll->setWidget(m_grid);
  m_scroll->setFrameShape(QFrame::NoFrame);
  layout->addWidget(m_scroll, 1);
  clear();
}

void BatchStepView::clear() {
  while (QLayoutItem* item = m_gridLayout->takeAt(0)) {
    delete item->widget();
    delete item;
  }
  m_texts.clear();
  m_tileWidgets.clear();
  m_columns = 0;
  m_tiles = 0;
  m_hasReport = false;
  m_headline->clear();
  m_headline->hide();
  m_placeholder->show();
  m_scroll->hide();
}

void BatchStepView::setReport(const BatchStepReport& r, const std::vector<std::string>& classes) {
  clear();
  m_hasReport = true;
  m_placeholder->hide();
  m_scroll->show();
  const QString arrow = r.lossAfter < r.lossBefore ? QStringLiteral("went down")
                                                   : QStringLiteral("did not go down");
  m_headline->setText(QStringLiteral("Step %1: the loss on this batch %2, %3 → %4")
                          .arg(formatCount(r.step), arrow, formatLoss(r.lossBefore),
                               formatLoss(r.lossAfter)));
  m_headline->show();
  const int side = std::max(48, fontMetrics().height() * 4);
  for (std::size_t i = 0; i < r.images.size(); ++i) {
    auto* tile = new QWidget;
    auto* v = new QVBoxLayout(tile);
    v->setContentsMargins(2, 2, 2, 2);
    v->setSpacing(2);
    auto* image = new QLabel;
    image->setPixmap(QPixmap::fromImage(fitToTile(pixelsToQImage(r.images[i]), side)));
    image->setAlignment(Qt::AlignCenter);
    v->addWidget(image);
    auto* text = new QLabel;
    text->setTextFormat(Qt::RichText);
    if (i < r.actual.size() && i < r.predictedAfter.size()) {
      text->setText(QStringLiteral("actual: %1<br>before: %2<br>after: %3")
                        .arg(className(classes, r.actual[i]).toHtmlEscaped(),
                             prediction(classes, r.predictedBefore[i], r.probabilityBefore[i],
                                        r.actual[i]),
                             prediction(classes, r.predictedAfter[i], r.probabilityAfter[i],
                                        r.actual[i])));
    }
    v->addWidget(text);
    m_texts.push_back(text);
    m_tileWidgets.push_back(tile);
  }
  m_tiles = int(r.images.size());
  layoutTiles();
}

void BatchStepView::layoutTiles() {
  if (m_tileWidgets.empty()) return;
  int tileWidth = 0;
  for (QWidget* t : m_tileWidgets) tileWidth = std::max(tileWidth, t->sizeHint().width());
  const int space = m_scroll->viewport()->width() - 8;
  const int columns = std::max(1, space / std::max(1, tileWidth + m_gridLayout->spacing()));
  if (columns == m_columns) return;
  m_columns = columns;
  for (QWidget* t : m_tileWidgets) m_gridLayout->removeWidget(t);
  for (int i = 0; i < int(m_tileWidgets.size()); ++i)
    m_gridLayout->addWidget(m_tileWidgets[std::size_t(i)], i / columns, i % columns);
}

void BatchStepView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  layoutTiles();
}

QString BatchStepView::headline() const { return m_headline->text(); }

QString BatchStepView::tileText(int i) const {
  if (i < 0 || i >= int(m_texts.size())) return {};
  QTextDocument doc;
  doc.setHtml(m_texts[std::size_t(i)]->text());
  return doc.toPlainText();
}

}  // namespace lb
