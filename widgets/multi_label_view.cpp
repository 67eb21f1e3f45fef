#include "widgets/multi_label_view.h"

#include <QDoubleSpinBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "engine/interpret/target_reports.h"
#include "widgets/plot_export.h"
#include "widgets/qcustomplot_include.h"
#include "widgets/text_format.h"

namespace lb {

namespace {
const QColor kBarColor = paletteColor(palette::kBlue);  // Okabe-Ito blue, as the other plots' "valid"

QString twoDecimals(double v) { return QString::number(v, 'f', 2); }

QTableWidgetItem* numberItem(const QString& text, double value) {
  auto* item = new QTableWidgetItem(text);
  item->setData(Qt::UserRole, value);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}
}  // namespace

MultiLabelView::MultiLabelView(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot) {
  m_slider = new QSlider(Qt::Horizontal);
  m_slider->setObjectName(QStringLiteral("thresholdSlider"));
  m_slider->setRange(1, 99);  // hundredths
  m_slider->setValue(50);
  m_spin = new QDoubleSpinBox;
  m_spin->setObjectName(QStringLiteral("thresholdBox"));
  m_spin->setRange(0.01, 0.99);
  m_spin->setSingleStep(0.01);
  m_spin->setDecimals(2);
  m_spin->setValue(0.5);
  const QString tip = QStringLiteral(
      "A label counts as predicted when its probability is above this threshold (fastai's "
      "accuracy_multi uses 0.5)");
  m_slider->setToolTip(tip);
  m_spin->setToolTip(tip);
  auto* thresholdLabel = new QLabel(QStringLiteral("Threshold:"));
  thresholdLabel->setBuddy(m_spin);
  m_bestButton = new QPushButton;
  m_bestButton->setObjectName(QStringLiteral("bestThresholdButton"));
  m_bestButton->setToolTip(QStringLiteral(
      "The threshold of 0.05, 0.10, ..., 0.95 with the highest accuracy_multi: click to use it"));
  m_overall = new QLabel;
  m_overall->setObjectName(QStringLiteral("accuracyMultiLabel"));
  QFont bold;  // only the weight: the size follows the zoom
  bold.setBold(true);
  m_overall->setFont(bold);
  auto* bar = new QHBoxLayout;
  bar->addWidget(thresholdLabel);
  bar->addWidget(m_slider, 1);
  bar->addWidget(m_spin);
  bar->addSpacing(12);
  bar->addWidget(m_overall);
  bar->addSpacing(12);
  bar->addWidget(m_bestButton);

  m_table = new QTableWidget(0, kColumns);
  m_table->setObjectName(QStringLiteral("perLabelTable"));
  m_table->setHorizontalHeaderLabels(
      {QStringLiteral("label"), QStringLiteral("items"), QStringLiteral("accuracy"),
       QStringLiteral("precision"), QStringLiteral("recall"), QStringLiteral("F1"),
       QStringLiteral("best threshold (F1)")});
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setSectionResizeMode(kLabel, QHeaderView::Stretch);
  m_table->verticalHeader()->setVisible(false);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSortingEnabled(false);  // rows stay in the labels' order, as the bars

  m_plot->setObjectName(QStringLiteral("perLabelPlot"));
  m_plot->xAxis->setLabel(QStringLiteral("F1 at the threshold"));
  m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
  m_plot->yAxis->setRangeReversed(true);  // the first label on top, as in the table
  m_plot->xAxis->ticker()->setTickCount(4);  // 0, 0.25, ... reads on a narrow plot
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  m_bars = new QCPBars(m_plot->yAxis, m_plot->xAxis);
  m_bars->setName(QStringLiteral("F1"));
  m_bars->setWidth(0.7);
  m_bars->setPen(Qt::NoPen);
  m_bars->setBrush(kBarColor);
  m_placeholder = addPlaceholder(
      m_plot, QStringLiteral("Each label's F1 appears here after training a multi-label project"));
  connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] { resetView(); });
  addPlotContextMenu(m_plot, [this] { resetView(); });

  auto* splitter = new QSplitter(Qt::Horizontal);
  splitter->addWidget(m_table);
  splitter->addWidget(m_plot);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  splitter->setSizes({600, 400});  // room for the bars' labels and ticks
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(bar);
  layout->addWidget(splitter, 1);
  setMinimumSize(320, 200);

  connect(m_slider, &QSlider::valueChanged, this, [this](int v) { setThreshold(v / 100.0); });
  connect(m_spin, &QDoubleSpinBox::valueChanged, this, [this](double v) { setThreshold(v); });
  connect(m_bestButton, &QPushButton::clicked, this, [this] { setThreshold(m_best); });
  applyStyle();
  clear();
}

MultiLabelView::~MultiLabelView() = default;

void MultiLabelView::setInterpretation(const Interpretation& interp) {
  m_report = interp.multiLabel;
  m_best = lb::bestThreshold(m_report);
  recompute();
  resetView();
}

void MultiLabelView::clear() {
  m_report = {};
  m_best = 0.5;
  recompute();
  resetView();
}

double MultiLabelView::threshold() const { return m_spin->value(); }

void MultiLabelView::setThreshold(double t) {
  t = std::clamp(std::round(t * 100) / 100, 0.01, 0.99);  // the spin box's own steps
  const bool changed = std::abs(t - m_spin->value()) > 1e-9 ||
                       std::lround(t * 100) != m_slider->value();
  {
    // Only when it differs: setting the spin box rewrites its text under the user's typing.
    const QSignalBlocker a(m_spin), b(m_slider);
    if (std::abs(m_spin->value() - t) > 1e-9) m_spin->setValue(t);
    m_slider->setValue(int(std::lround(t * 100)));
  }
  recompute();
  if (changed) Q_EMIT thresholdChanged(t);
}

void MultiLabelView::recompute() {
  const double t = threshold();
  const bool empty = m_report.labels.empty();
  const int n = int(m_report.labels.size());
  m_table->setRowCount(n);
  auto ticker = m_plot->yAxis->ticker().dynamicCast<QCPAxisTickerText>();
  ticker->clear();
  QVector<double> keys, values;
  for (int r = 0; r < n; ++r) {
    const LabelScores& label = m_report.labels[std::size_t(r)];
    const LabelMetrics m = labelMetrics(label, t);
    const QString name = QString::fromStdString(label.name);
    m_table->setItem(r, kLabel, new QTableWidgetItem(name));
    m_table->setItem(r, kSupport, numberItem(formatCount(label.support), double(label.support)));
    m_table->setItem(r, kAccuracy, numberItem(formatPercent(m.accuracy), m.accuracy));
    m_table->setItem(r, kPrecision, numberItem(twoDecimals(m.precision), m.precision));
    m_table->setItem(r, kRecall, numberItem(twoDecimals(m.recall), m.recall));
    m_table->setItem(r, kF1, numberItem(twoDecimals(m.f1), m.f1));
    const double best = bestLabelThreshold(label);
    m_table->setItem(r, kBestThreshold, numberItem(twoDecimals(best), best));
    ticker->addTick(r, name);
    keys.append(r);
    values.append(m.f1);
  }
  m_bars->setData(keys, values, true);
  m_placeholder->setVisible(empty);
  m_plot->yAxis->setTickLabels(!empty);
  m_bestButton->setEnabled(!empty);
  if (empty) {
    m_overall->setText(QStringLiteral("Train a multi-label project to see its scores"));
    m_bestButton->setText(QStringLiteral("Best threshold"));
  } else {
    m_overall->setText(QStringLiteral("accuracy_multi %1 at %2")
                           .arg(formatPercent(accuracyMulti(m_report, t)), twoDecimals(t)));
    m_bestButton->setText(QStringLiteral("Best threshold: %1 (%2)")
                              .arg(twoDecimals(m_best),
                                   formatPercent(accuracyMulti(m_report, m_best))));
  }
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void MultiLabelView::resetView() {
  m_plot->xAxis->setRange(0, 1.05);
  m_plot->yAxis->setRange(-0.6, std::max<double>(1, double(m_report.labels.size())) - 0.4);
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void MultiLabelView::applyStyle() {
  stylePlot(m_plot, font(), palette());
  m_plot->yAxis->grid()->setVisible(false);
  m_plot->legend->setVisible(false);
  stylePlaceholder(m_placeholder, font(), palette());
}

void MultiLabelView::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
    applyStyle();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
  }
  QWidget::changeEvent(event);
}

}  // namespace lb
