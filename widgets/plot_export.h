#pragma once
// What the dashboard plots share: saving a plot as PNG, PDF or CSV (offered by a "Save as..."
// context menu), and their common look (UI.md "Plots"): palette colours, fonts and line widths
// that follow the widget's font, so the global zoom scales them together, and tick labels for
// learning rates in powers of ten ("1e-4") and scientific notation ("2.0e-3").
#include <QColor>
#include <QString>
#include <functional>

#include "engine/core/palette.h"
#include "widgets/qcustomplot_include.h"

namespace lb {

// Writes the plot to `file`, choosing by the extension (.png, .pdf or .csv, any case). PNG and
// PDF are drawn at the plot's size; CSV holds the plotted data of every graph, bar chart and
// colour map, one row per point: series,x,y,value. False when the extension is unknown or the
// file cannot be written.
bool exportPlot(QCustomPlot* plot, const QString& file);

// A context menu on `plot` with "Save as..." (a file dialog, then exportPlot) and, when given,
// "Reset view".
void addPlotContextMenu(QCustomPlot* plot, std::function<void()> resetView = {});

QColor withAlpha(QColor c, int alpha);
// A colour of engine/core/palette.h (0xRRGGBB), the same hue the engine's PNG plots use.
inline QColor paletteColor(std::uint32_t rgb) { return QColor(QRgb(rgb)); }
// Line widths grow with the font: 1 at the platform's usual 13 px, more when zoomed.
double plotLineScale(const QFont& font);
// Background, axes, grid, legend and fonts from the palette and `font`.
void stylePlot(QCustomPlot* plot, const QFont& font, const QPalette& palette);

// A layer above the plottables' "main" layer with a paint buffer of its own: what changes many
// times a second (live data, a cursor) goes there, and layer->replot() repaints only it, not the
// axes, tick labels, grid and legend.
QCPLayer* addBufferedLayer(QCustomPlot* plot, const QString& name);

// A sentence in the middle of the axis rect, shown while there is nothing to plot.
QCPItemText* addPlaceholder(QCustomPlot* plot, const QString& text);
void stylePlaceholder(QCPItemText* placeholder, const QFont& font, const QPalette& palette);

// Log axis ticks labelled "1e-5", "1e-4", ... rather than 0.00001.
class PowerOfTenTicker : public QCPAxisTickerLog {
 protected:
  QString getTickLabel(double tick, const QLocale& locale, QChar formatChar,
                       int precision) override;
};

// Linear ticks labelled as learning rates: "0", "2.0e-3", "4.0e-3".
class LearningRateTicker : public QCPAxisTicker {
 protected:
  QString getTickLabel(double tick, const QLocale& locale, QChar formatChar,
                       int precision) override;
};

// Learning-rate ticks and labels on `axis`: powers of ten on a log axis, else scientific notation.
void useLearningRateLabels(QCPAxis* axis, bool logarithmic);

}  // namespace lb
