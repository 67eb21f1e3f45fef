#include "widgets/plot_export.h"

#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QTextStream>
#include <algorithm>
#include <cmath>

#include "widgets/text_format.h"

namespace lb {

namespace {

QString number(double v) { return QString::number(v, 'g', 10); }

// CSV fields holding a comma or a quote are quoted ("Shirt, long").
QString field(QString text) {
  if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"'))) return text;
  text.replace(QStringLiteral("\""), QStringLiteral("\"\""));
  return QLatin1Char('"') + text + QLatin1Char('"');
}

// A class name where the axis labels its ticks with text (the confusion matrix), else the number.
QString coordText(QCPAxis* axis, double v) {
  if (auto text = axis->ticker().dynamicCast<QCPAxisTickerText>()) {
    const auto it = text->ticks().constFind(v);
    if (it != text->ticks().constEnd()) return field(it.value());
  }
  return number(v);
}

bool writeCsv(QCustomPlot* plot, const QString& file) {
  QSaveFile out(file);
  if (!out.open(QIODevice::WriteOnly | QIODevice::Text)) return false;
  QTextStream s(&out);
  s << "series,x,y,value\n";
  for (int i = 0; i < plot->plottableCount(); ++i) {
    QCPAbstractPlottable* p = plot->plottable(i);
    if (!p->visible()) continue;
    const QString name = field(p->name());
    if (auto* graph = qobject_cast<QCPGraph*>(p)) {
      for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
        s << name << ',' << number(it->key) << ',' << number(it->value) << ",\n";
    } else if (auto* bars = qobject_cast<QCPBars*>(p)) {
      for (auto it = bars->data()->constBegin(); it != bars->data()->constEnd(); ++it)
        s << name << ',' << coordText(bars->keyAxis(), it->key) << ',' << number(it->value)
          << ",\n";
    } else if (auto* map = qobject_cast<QCPColorMap*>(p)) {
      QCPColorMapData* d = map->data();
      for (int y = 0; y < d->valueSize(); ++y)
        for (int x = 0; x < d->keySize(); ++x) {
          double kx = 0, ky = 0;
          d->cellToCoord(x, y, &kx, &ky);
          s << name << ',' << coordText(map->keyAxis(), kx) << ','
            << coordText(map->valueAxis(), ky) << ',' << number(d->cell(x, y)) << '\n';
        }
    }
  }
  s.flush();
  return out.commit();
}

}  // namespace

bool exportPlot(QCustomPlot* plot, const QString& file) {
  const QString ext = QFileInfo(file).suffix().toLower();
  // A plot never shown has no real size yet: draw it at the size of a slide.
  const bool shown = plot->isVisible() && plot->width() > 50 && plot->height() > 50;
  const int w = shown ? plot->width() : 1000;
  const int h = shown ? plot->height() : 700;
  if (ext == QLatin1String("png")) return plot->savePng(file, w, h);
  if (ext == QLatin1String("pdf")) return plot->savePdf(file, w, h);
  if (ext == QLatin1String("csv")) return writeCsv(plot, file);
  return false;
}

void addPlotContextMenu(QCustomPlot* plot, std::function<void()> resetView) {
  plot->setContextMenuPolicy(Qt::CustomContextMenu);
  QObject::connect(plot, &QWidget::customContextMenuRequested, plot, [plot, resetView](QPoint pos) {
    QMenu menu(plot);
    QAction* save = menu.addAction(QStringLiteral("Save as..."));
    save->setToolTip(QStringLiteral("Save the plot as a PNG image, a PDF or its data as CSV"));
    QAction* reset = nullptr;
    if (resetView) reset = menu.addAction(QStringLiteral("Reset view"));
    QAction* chosen = menu.exec(plot->mapToGlobal(pos));
    if (chosen && chosen == reset) {
      resetView();
      return;
    }
    if (chosen != save) return;
    QString filter;
    QString file = QFileDialog::getSaveFileName(
        plot, QStringLiteral("Save plot"), QString(),
        QStringLiteral("PNG image (*.png);;PDF document (*.pdf);;CSV table (*.csv)"), &filter);
    if (file.isEmpty()) return;
    if (QFileInfo(file).suffix().isEmpty())
      file += filter.contains(QLatin1String("pdf"))   ? QStringLiteral(".pdf")
              : filter.contains(QLatin1String("csv")) ? QStringLiteral(".csv")
                                                      : QStringLiteral(".png");
    if (!exportPlot(plot, file))
      QMessageBox::warning(plot, QStringLiteral("Save plot"),
                           QStringLiteral("The plot could not be saved to %1. Choose a file "
                                          "ending in .png, .pdf or .csv in a folder you can "
                                          "write to.")
                               .arg(QDir::toNativeSeparators(file)));
  });
}

QColor withAlpha(QColor c, int alpha) {
  c.setAlpha(alpha);
  return c;
}

double plotLineScale(const QFont& font) {
  return std::max(1.0, QFontInfo(font).pixelSize() / 13.0);
}

void stylePlot(QCustomPlot* plot, const QFont& f, const QPalette& pal) {
  const QColor text = pal.color(QPalette::Text);
  const QColor base = pal.color(QPalette::Base);
  const double scale = plotLineScale(f);
  plot->setBackground(base);
  for (QCPAxisRect* rect : plot->axisRects()) {
    for (QCPAxis* axis : rect->axes()) {
      axis->setBasePen(QPen(withAlpha(text, 160), scale));
      axis->setTickPen(QPen(withAlpha(text, 160), scale));
      axis->setSubTickPen(QPen(withAlpha(text, 120), scale));
      axis->setTickLabelColor(text);
      axis->setLabelColor(text);
      axis->setTickLabelFont(f);
      axis->setLabelFont(f);
      axis->grid()->setPen(QPen(withAlpha(text, 28), 1));
      axis->grid()->setZeroLinePen(Qt::NoPen);
      axis->grid()->setSubGridVisible(false);
    }
  }
  plot->legend->setFont(f);
  plot->legend->setTextColor(text);
  plot->legend->setBrush(withAlpha(base, 230));
  plot->legend->setBorderPen(QPen(withAlpha(text, 80), 1));
}

QCPLayer* addBufferedLayer(QCustomPlot* plot, const QString& name) {
  plot->addLayer(name, plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);
  QCPLayer* layer = plot->layer(name);
  layer->setMode(QCPLayer::lmBuffered);
  return layer;
}

QCPItemText* addPlaceholder(QCustomPlot* plot, const QString& text) {
  auto* item = new QCPItemText(plot);
  item->position->setType(QCPItemPosition::ptAxisRectRatio);
  item->position->setCoords(0.5, 0.5);
  item->setPositionAlignment(Qt::AlignCenter);
  item->setClipToAxisRect(false);
  item->setText(text);
  return item;
}

void stylePlaceholder(QCPItemText* placeholder, const QFont& f, const QPalette& pal) {
  QFont big = f;
  big.setPointSizeF(f.pointSizeF() > 0 ? f.pointSizeF() * 1.25 : 12);
  placeholder->setFont(big);
  placeholder->setColor(withAlpha(pal.color(QPalette::Text), 170));
}

void useLearningRateLabels(QCPAxis* axis, bool logarithmic) {
  axis->setScaleType(logarithmic ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  if (logarithmic)
    axis->setTicker(QSharedPointer<PowerOfTenTicker>::create());
  else
    axis->setTicker(QSharedPointer<LearningRateTicker>::create());
  // Without "b" (beautiful powers) QCustomPlot draws our "1e-4" as written, not as 10 to the -4.
  axis->setNumberFormat(QStringLiteral("g"));
}

QString PowerOfTenTicker::getTickLabel(double tick, const QLocale& locale, QChar formatChar,
                                       int precision) {
  const double e = std::log10(tick);
  if (tick > 0 && std::abs(e - std::round(e)) < 1e-6)
    return QStringLiteral("1e%1").arg(int(std::round(e)));
  return QCPAxisTickerLog::getTickLabel(tick, locale, formatChar, precision);
}

QString LearningRateTicker::getTickLabel(double tick, const QLocale&, QChar, int) {
  // Ticks computed as sums can land a hair off zero.
  if (std::abs(tick) < 1e-15) return QStringLiteral("0");
  return formatLearningRate(tick);
}

}  // namespace lb
