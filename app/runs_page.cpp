#include "app/runs_page.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolTip>
#include <QVBoxLayout>
#include <cmath>

#include "app/page_style.h"
#include "app/replay_view.h"
#include "app/training_session.h"
#include "engine/project/run_analysis.h"
#include "engine/project/runs_plot.h"
#include "engine/util/error.h"
#include "engine/util/runtime.h"
#include "widgets/flow_layout.h"
#include "widgets/loss_plot.h"
#include "widgets/pixels_to_qimage.h"
#include "widgets/plot_export.h"
#include "widgets/qcustomplot_include.h"
#include "widgets/text_format.h"

namespace lb {

namespace {
constexpr int kFixedColumns = 5;  // colour, run, started, time, status; then what differs
constexpr int kGridImages = 48;   // per grid: enough to see a pattern, quick to read

// A grid of validation images with their labels under them.
QListWidget* imageGrid(const char* name) {
  auto* grid = new QListWidget;
  grid->setObjectName(QString::fromLatin1(name));
  grid->setViewMode(QListView::IconMode);
  grid->setResizeMode(QListView::Adjust);
  grid->setMovement(QListView::Static);
  grid->setWordWrap(true);
  grid->setSelectionMode(QAbstractItemView::NoSelection);
  grid->setSpacing(4);
  return grid;
}

// A run's curves as the Runs page draws them: the smoothed train loss per batch and the valid
// loss per epoch, x in epochs or seconds.
struct Curve {
  QVector<double> x, y, validX, validY;
};

Curve curveOf(const StoredRun& run, const std::vector<StoredBatch>& batches, double beta,
              bool seconds) {
  Curve c;
  int perEpoch = 1;
  for (const StoredBatch& b : batches) perEpoch = std::max(perEpoch, b.batch + 1);
  const std::vector<double> smooth = smoothedLosses(batches, beta);
  for (std::size_t i = 0; i < batches.size(); ++i) {
    const StoredBatch& b = batches[i];
    c.x << (seconds ? b.seconds : b.epoch + double(b.batch + 1) / perEpoch);
    c.y << smooth[i];
  }
  double elapsed = 0;
  for (const EpochResult& e : run.epochs) {
    elapsed += e.seconds;
    if (!std::isfinite(e.validLoss)) continue;
    c.validX << (seconds ? elapsed : e.epoch + 1.0);
    c.validY << e.validLoss;
  }
  return c;
}

QTableWidgetItem* cell(const QString& text, const QVariant& sortKey = {}) {
  auto* item = new QTableWidgetItem(text);
  item->setFlags(item->flags() & ~Qt::ItemIsEditable);
  if (sortKey.isValid()) item->setData(Qt::UserRole, sortKey);
  return item;
}

QString number(double v, int decimals) {
  return std::isfinite(v) ? QString::number(v, 'f', decimals) : QStringLiteral("n/a");
}
}  // namespace

RunsPage::RunsPage(TrainingSession* session, QWidget* parent)
    : QWidget(parent), m_session(session) {
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(pageTitle(QStringLiteral("Runs")));
  m_summary = wrappedLabel();
  m_summary->setObjectName(QStringLiteral("runsSummary"));
  layout->addWidget(m_summary);

  // Flows onto more lines rather than widening the page (presenter view at 1280x720).
  auto* buttons = new FlowLayout(12);
  const auto addButton = [&](const QString& text, const QString& tip, const char* name) {
    auto* b = new QPushButton(text);
    b->setToolTip(tip);
    b->setObjectName(QString::fromLatin1(name));
    buttons->addWidget(b);
    return b;
  };
  m_compareButton = addButton(QStringLiteral("Compare"),
                              QStringLiteral("Two selected runs side by side: what differs, and "
                                             "which images the second fixed and broke"),
                              "compareButton");
  m_againButton = addButton(QStringLiteral("Run again"),
                            QStringLiteral("Train again with exactly this run's settings"),
                            "runAgainButton");
  m_branchButton = addButton(QStringLiteral("Branch..."),
                             QStringLiteral("Train a new run from this one with one setting "
                                            "changed; its curve is drawn over this run's"),
                             "branchButton");
  auto* replayButton = addButton(QStringLiteral("Replay..."),
                                 QStringLiteral("Scrub the selected run epoch by epoch: its loss, "
                                                "confusion matrix, top losses and Grad-CAM"),
                                 "replayButton");
  connect(replayButton, &QPushButton::clicked, this, [this] {
    const std::vector<int> picked = selectedRuns();
    QString why;
    if (picked.size() != 1)
      why = QStringLiteral("Select one run to replay");
    else
      openReplay(m_session->runProject(), m_runs[std::size_t(picked.front())], this, &why);
    if (!why.isEmpty()) Q_EMIT statusMessage(why);
  });
  m_renameButton = addButton(QStringLiteral("Name and note..."),
                             QStringLiteral("Give the run a name and a note (\"tried a bigger "
                                            "model\")"),
                             "renameButton");
  m_deleteButton = addButton(QStringLiteral("Delete"),
                             QStringLiteral("Move the run aside (Undo brings it back)"),
                             "deleteButton");
  m_undoButton = addButton(QStringLiteral("Undo delete"), QStringLiteral("Bring the run back"),
                           "undoDeleteButton");
  m_undoButton->hide();
  // A label stays beside its control when the row wraps.
  const auto addLabelled = [buttons](const QString& text, QWidget* control) {
    auto* box = new QWidget;
    auto* boxLayout = new QHBoxLayout(box);
    boxLayout->setContentsMargins(0, 0, 0, 0);
    boxLayout->addWidget(new QLabel(text));
    boxLayout->addWidget(control);
    buttons->addWidget(box);
  };
  m_xAxis = new QComboBox;
  m_xAxis->addItems({QStringLiteral("epochs"), QStringLiteral("seconds")});
  addLabelled(QStringLiteral("x axis:"), m_xAxis);
  m_smoothing = new QSlider(Qt::Horizontal);
  m_smoothing->setObjectName(QStringLiteral("smoothingSlider"));
  m_smoothing->setRange(0, 99);
  m_smoothing->setValue(98);  // fastai's recorder: beta 0.98
  m_smoothing->setMaximumWidth(160);
  m_smoothing->setToolTip(QStringLiteral("How much the train loss is smoothed (0.98 as fastai)"));
  addLabelled(QStringLiteral("smoothing:"), m_smoothing);
  m_groupSeeds = new QCheckBox(QStringLiteral("Group seeds"));
  m_groupSeeds->setObjectName(QStringLiteral("groupSeedsBox"));
  m_groupSeeds->setToolTip(QStringLiteral(
      "Runs with the same settings but another seed as one mean curve, with a band from the "
      "lowest to the highest: how much of a difference is chance"));
  buttons->addWidget(m_groupSeeds);
  layout->addLayout(buttons);

  m_table = new QTableWidget;
  m_table->setObjectName(QStringLiteral("runsTable"));
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_table->verticalHeader()->setVisible(false);
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->setSortingEnabled(true);

  m_plot = new QCustomPlot;
  m_plot->setObjectName(QStringLiteral("runsPlot"));
  m_plot->setMinimumHeight(200);
  stylePlot(m_plot, font(), palette());
  m_plot->xAxis->setLabel(QStringLiteral("epoch"));
  m_plot->yAxis->setLabel(QStringLiteral("loss"));
  m_plot->legend->setVisible(true);
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  addPlotContextMenu(m_plot, [this] {
    m_plot->rescaleAxes();
    m_plot->replot();
  });
  connect(m_plot, &QCustomPlot::mouseMove, this,
          [this](QMouseEvent* e) { showTooltip(e->pos()); });

  // Beside the plot: the comparison of two runs, or what to do to get one.
  m_side = new QStackedWidget;
  auto* hint = wrappedLabel(QStringLiteral(
      "Select two runs (Ctrl+click) and press Compare to see what differs between them and "
      "which validation images the second one fixed and broke."));
  hint->setAlignment(Qt::AlignCenter);
  m_side->addWidget(hint);
  auto* compare = new QWidget;
  auto* compareLayout = new QVBoxLayout(compare);
  compareLayout->setContentsMargins(0, 0, 0, 0);
  m_comparison = wrappedLabel();
  m_comparison->setObjectName(QStringLiteral("comparisonText"));
  m_comparison->setTextFormat(Qt::RichText);
  compareLayout->addWidget(m_comparison);
  m_compareTabs = new QTabWidget;
  m_compareTabs->setObjectName(QStringLiteral("compareTabs"));
  // Fixed and broken side by side, each a grid of the images with true, A and B under them.
  auto* images = new QWidget;
  auto* imagesLayout = new QHBoxLayout(images);
  const auto column = [&](QLabel*& title, QListWidget*& grid, const char* name) {
    auto* box = new QVBoxLayout;
    title = wrappedLabel();
    box->addWidget(title);
    grid = imageGrid(name);
    box->addWidget(grid, 1);
    imagesLayout->addLayout(box, 1);
  };
  column(m_fixedTitle, m_fixedGrid, "fixedGrid");
  column(m_brokenTitle, m_brokenGrid, "brokenGrid");
  m_compareTabs->addTab(images, QStringLiteral("Fixed and broken images"));
  auto* confusion = new QWidget;
  auto* confusionLayout = new QVBoxLayout(confusion);
  confusionLayout->addWidget(wrappedLabel(QStringLiteral(
      "Confusion matrix of B minus A (rows: actual class): green where B does better (more right "
      "on the diagonal, fewer mistakes off it), orange where it does worse. Click a cell to see "
      "the images that moved in or out of it.")));
  m_confusion = new QTableWidget;
  m_confusion->setObjectName(QStringLiteral("confusionDiff"));
  m_confusion->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_confusion->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  confusionLayout->addWidget(m_confusion, 1);
  m_cellTitle = wrappedLabel();
  confusionLayout->addWidget(m_cellTitle);
  m_cellGrid = imageGrid("cellGrid");
  confusionLayout->addWidget(m_cellGrid, 1);
  m_compareTabs->addTab(confusion, QStringLiteral("Confusion B \u2212 A"));
  compareLayout->addWidget(m_compareTabs, 1);
  m_side->addWidget(compare);

  auto* bottom = new QSplitter(Qt::Horizontal);
  m_bottom = bottom;
  bottom->addWidget(m_plot);
  bottom->addWidget(m_side);
  bottom->setStretchFactor(0, 3);
  bottom->setStretchFactor(1, 2);
  bottom->setChildrenCollapsible(false);
  bottom->setSizes({600, 400});
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(m_table);
  split->addWidget(bottom);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 3);
  split->setChildrenCollapsible(false);
  split->setSizes({180, 540});
  layout->addWidget(split, 1);

  connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
    drawSelected();
    updateButtons();
  });
  connect(m_xAxis, &QComboBox::currentIndexChanged, this, &RunsPage::drawSelected);
  connect(m_smoothing, &QSlider::valueChanged, this, &RunsPage::drawSelected);
  connect(m_groupSeeds, &QCheckBox::toggled, this, &RunsPage::drawSelected);
  connect(m_compareButton, &QPushButton::clicked, this, &RunsPage::compareSelected);
  connect(m_confusion, &QTableWidget::cellClicked, this, &RunsPage::showCell);
  connect(m_againButton, &QPushButton::clicked, this, &RunsPage::runAgain);
  connect(m_branchButton, &QPushButton::clicked, this, &RunsPage::chooseBranch);
  connect(m_renameButton, &QPushButton::clicked, this, &RunsPage::rename);
  connect(m_deleteButton, &QPushButton::clicked, this, &RunsPage::removeSelected);
  connect(m_undoButton, &QPushButton::clicked, this, [this] {
    try {
      restoreRun(m_session->project(), m_deletedId);
      m_undoButton->hide();
      refresh();
    } catch (const std::exception& e) {
      Q_EMIT statusMessage(QString::fromStdString(userMessage(e)));
    }
  });
  connect(session, &TrainingSession::projectChanged, this, &RunsPage::refresh);
  connect(session, &TrainingSession::trainingFinished, this, &RunsPage::refresh);
  connect(session, &TrainingSession::trainingFailed, this, &RunsPage::refresh);
  connect(session, &TrainingSession::stateChanged, this, &RunsPage::updateButtons);
  refresh();
}

void RunsPage::refresh() {
  const std::vector<int> keep = selectedRuns();
  std::vector<std::string> ids;
  for (int k : keep) ids.push_back(m_runs[std::size_t(k)].info.id);
  m_runs = m_session->hasProject() ? listRuns(m_session->runProject()) : std::vector<StoredRun>{};
  fillTable();
  // The same runs stay selected, with a new run added; at first the latest five show overlaid.
  std::vector<int> rows;
  for (std::size_t k = 0; k < m_runs.size(); ++k)
    if (std::find(ids.begin(), ids.end(), m_runs[k].info.id) != ids.end()) rows.push_back(int(k));
  if (rows.empty())
    for (int k = std::max(0, int(m_runs.size()) - 5); k < int(m_runs.size()); ++k) rows.push_back(k);
  else if (!m_runs.empty() && rows.back() != int(m_runs.size()) - 1)
    rows.push_back(int(m_runs.size()) - 1);
  selectRuns(rows);
  m_summary->setText(
      m_runs.empty()
          ? QStringLiteral("Every training run is kept here with its curves, its settings and "
                           "its predictions. Train the model to make the first one.")
          : QStringLiteral("%1 runs. Select runs to overlay their curves (Ctrl+click for more); "
                           "the columns show only the settings that differ.")
                .arg(m_runs.size()));
  updateButtons();
}

void RunsPage::fillTable() {
  const std::vector<std::string> differ = differingSettings(m_runs);
  QStringList headers = {QString(), QStringLiteral("run"), QStringLiteral("started"),
                         QStringLiteral("time"), QStringLiteral("status")};
  for (const std::string& path : differ) headers << QString::fromStdString(path);
  const QString metric = m_runs.empty() ? QStringLiteral("accuracy")
                                        : QString::fromStdString(m_runs.front().info.metricName);
  headers << QStringLiteral("valid_loss") << metric;
  const QSignalBlocker block(m_table);
  m_table->setSortingEnabled(false);
  m_table->clear();
  m_table->setColumnCount(int(headers.size()));
  m_table->setHorizontalHeaderLabels(headers);
  m_table->setRowCount(int(m_runs.size()));
  for (std::size_t k = 0; k < m_runs.size(); ++k) {
    const StoredRun& r = m_runs[k];
    const int row = int(k);
    auto* swatch = cell(QString(), int(k));
    swatch->setBackground(paletteColor(runColour(int(k))));
    swatch->setData(Qt::UserRole + 1, int(k));  // the run, whatever the sort
    m_table->setItem(row, 0, swatch);
    QString label = QString::fromStdString(r.label());
    if (!r.info.note.empty()) label += QStringLiteral(" \u2014 ") + QString::fromStdString(r.info.note);
    m_table->setItem(row, 1, cell(label));
    m_table->setItem(row, 2, cell(QString::fromStdString(r.info.started)));
    m_table->setItem(row, 3, cell(formatDuration(r.info.seconds), r.info.seconds));
    m_table->setItem(row, 4, cell(QString::fromStdString(r.info.status)));
    int column = kFixedColumns;
    for (const std::string& path : differ)
      m_table->setItem(row, column++, cell(QString::fromStdString(settingValue(r, path))));
    m_table->setItem(row, column++, cell(number(r.bestValidLoss(), 4), r.bestValidLoss()));
    m_table->setItem(row, column, cell(formatMetric(r.info.metricName, r.bestMetric()), r.bestMetric()));
  }
  m_table->setSortingEnabled(true);
}

std::vector<int> RunsPage::selectedRuns() const {
  std::vector<int> out;
  if (!m_table) return out;
  for (const QModelIndex& index : m_table->selectionModel()->selectedRows(0))
    out.push_back(m_table->item(index.row(), 0)->data(Qt::UserRole + 1).toInt());
  std::sort(out.begin(), out.end());
  return out;
}

void RunsPage::selectRuns(const std::vector<int>& runs) {
  m_table->clearSelection();
  const auto mode = m_table->selectionMode();
  m_table->setSelectionMode(QAbstractItemView::MultiSelection);
  for (int row = 0; row < m_table->rowCount(); ++row)
    if (std::find(runs.begin(), runs.end(),
                  m_table->item(row, 0)->data(Qt::UserRole + 1).toInt()) != runs.end())
      m_table->selectRow(row);
  m_table->setSelectionMode(mode);
  drawSelected();
}

void RunsPage::drawSelected() {
  m_plot->clearGraphs();
  const bool seconds = m_xAxis->currentIndex() == 1;
  const double beta = m_smoothing->value() / 100.0;
  m_plot->xAxis->setLabel(seconds ? QStringLiteral("seconds") : QStringLiteral("epoch"));
  // Each selected run's curves; a run without its batches still shows in the table.
  std::vector<int> shown;
  std::vector<StoredRun> shownRuns;
  std::vector<Curve> curves;
  for (int k : selectedRuns()) {
    const StoredRun& run = m_runs[std::size_t(k)];
    try {
      curves.push_back(curveOf(run, loadBatches(run), beta, seconds));
    } catch (const std::exception&) {
      continue;
    }
    shown.push_back(k);
    shownRuns.push_back(run);
  }
  std::vector<std::vector<int>> groups;  // positions in `shown`
  if (m_groupSeeds->isChecked()) {
    groups = seedGroups(shownRuns);
  } else {
    for (int i = 0; i < int(shown.size()); ++i) groups.push_back({i});
  }
  for (const std::vector<int>& group : groups) {
    const int first = group.front();
    const QColor colour = paletteColor(runColour(shown[std::size_t(first)]));
    QString label = QString::fromStdString(shownRuns[std::size_t(first)].label());
    Curve c = curves[std::size_t(first)];
    if (group.size() > 1) {
      // The mean of the group's curves, point by point, over the length all of them have.
      std::vector<std::vector<double>> train, valid;
      for (int i : group) {
        train.emplace_back(curves[std::size_t(i)].y.begin(), curves[std::size_t(i)].y.end());
        valid.emplace_back(curves[std::size_t(i)].validY.begin(),
                           curves[std::size_t(i)].validY.end());
      }
      const CurveBand band = curveBand(train), validBand = curveBand(valid);
      label = QStringLiteral("%1 and %2 more seeds, mean").arg(label).arg(group.size() - 1);
      c.x.resize(qsizetype(band.mean.size()));
      c.y = QVector<double>(band.mean.begin(), band.mean.end());
      c.validX.resize(qsizetype(validBand.mean.size()));
      c.validY = QVector<double>(validBand.mean.begin(), validBand.mean.end());
      QCPGraph* low = m_plot->addGraph();
      low->setName(QStringLiteral("%1 (lowest)").arg(label));
      low->setPen(QPen(withAlpha(colour, 90), 1));
      low->setData(c.x, QVector<double>(band.low.begin(), band.low.end()), true);
      low->removeFromLegend();
      QCPGraph* high = m_plot->addGraph();
      high->setName(QStringLiteral("%1 (highest)").arg(label));
      high->setPen(QPen(withAlpha(colour, 90), 1));
      high->setBrush(withAlpha(colour, 50));
      high->setChannelFillGraph(low);
      high->setData(c.x, QVector<double>(band.high.begin(), band.high.end()), true);
      high->removeFromLegend();
    }
    QCPGraph* train = m_plot->addGraph();
    train->setName(QStringLiteral("%1, train").arg(label));
    train->setPen(QPen(colour, 2));
    train->setData(c.x, c.y, true);
    QCPGraph* valid = m_plot->addGraph();
    valid->setName(QStringLiteral("%1, valid").arg(label));
    valid->setPen(QPen(colour, 1, Qt::DashLine));
    valid->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, colour, colour, 8));
    valid->setData(c.validX, c.validY, true);
  }
  m_plot->rescaleAxes();
  m_plot->yAxis->setRangeLower(0);
  m_plot->yAxis->setRangeUpper(m_plot->yAxis->range().upper * 1.05);
  // Room at the right edge for the last epoch's valid-loss dot.
  m_plot->xAxis->setRangeUpper(m_plot->xAxis->range().upper * 1.03);
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void RunsPage::showTooltip(const QPoint& pos) {
  // The run under the pointer, by the nearest curve within a few pixels.
  for (int g = 0; g < m_plot->graphCount(); ++g) {
    QCPGraph* graph = m_plot->graph(g);
    if (graph->selectTest(pos, false) >= 0 && graph->selectTest(pos, false) < 8) {
      QToolTip::showText(m_plot->mapToGlobal(pos), graph->name(), m_plot);
      return;
    }
  }
  QToolTip::hideText();
}

void RunsPage::compareSelected() {
  const std::vector<int> picked = selectedRuns();
  if (picked.size() != 2) {
    Q_EMIT statusMessage(QStringLiteral("Select exactly two runs to compare them."));
    return;
  }
  m_runA = m_runs[std::size_t(picked[0])];
  m_runB = m_runs[std::size_t(picked[1])];
  const StoredRun& a = m_runA;
  const StoredRun& b = m_runB;
  try {
    m_compared = compareRuns(a, b);
  } catch (const std::exception& e) {
    Q_EMIT statusMessage(QString::fromStdString(userMessage(e)));
    return;
  }
  const RunComparison& c = m_compared;
  QString settings;
  for (const auto& s : c.settings)
    settings += QStringLiteral("<br>%1: %2 \u2192 <b>%3</b>")
                    .arg(QString::fromStdString(s.path).toHtmlEscaped(),
                         QString::fromStdString(s.a).toHtmlEscaped(),
                         QString::fromStdString(s.b).toHtmlEscaped());
  if (settings.isEmpty()) settings = QStringLiteral("<br>the same settings (another run of them)");
  const QString metric = QString::fromStdString(c.metricName);
  QString text =
      QStringLiteral("<b>A</b> %1 &nbsp; <b>B</b> %2<br><br><b>What differs</b>%3<br><br>"
                     "valid_loss %4 \u2192 <b>%5</b><br>%6 %7 \u2192 <b>%8</b>")
          .arg(QString::fromStdString(a.label()).toHtmlEscaped(),
               QString::fromStdString(b.label()).toHtmlEscaped(), settings,
               number(c.validLossA, 4), number(c.validLossB, 4), metric,
               formatMetric(c.metricName, c.metricA), formatMetric(c.metricName, c.metricB));
  if (!c.confusionDiff.empty())
    text += QStringLiteral("<br><br>B got <b>%1</b> validation images right that A got wrong "
                           "(fixed), and <b>%2</b> wrong that A got right (broken).")
                .arg(c.fixed.size())
                .arg(c.broken.size());
  m_comparison->setText(text);
  // B minus A: green where B does better, orange (vermillion) where it does worse.
  const int n = int(c.confusionDiff.size());
  QStringList classes;
  for (int i = 0; i < n; ++i)
    classes << (i < int(a.info.classes.size())
                    ? QString::fromStdString(a.info.classes[std::size_t(i)])
                    : QString::number(i));
  m_confusion->clear();
  m_confusion->setRowCount(n);
  m_confusion->setColumnCount(n);
  m_confusion->setHorizontalHeaderLabels(classes);
  m_confusion->setVerticalHeaderLabels(classes);
  for (int r = 0; r < n; ++r)
    for (int p = 0; p < n; ++p) {
      const long v = c.confusionDiff[std::size_t(r)][std::size_t(p)];
      auto* item = cell(v == 0 ? QString() : (v > 0 ? QStringLiteral("+%1") : QStringLiteral("%1")).arg(v));
      item->setTextAlignment(Qt::AlignCenter);
      const bool diagonal = r == p;
      // On the diagonal a gain is good; off it, a gain is a new mistake.
      if (v != 0)
        item->setBackground(withAlpha(paletteColor((v > 0) == diagonal ? palette::kBluishGreen
                                                                       : palette::kVermillion),
                                      std::min(200, 40 + int(std::abs(v)) * 20)));
      m_confusion->setItem(r, p, item);
    }
  m_side->setCurrentIndex(1);
  m_bottom->setSizes({450, 830});  // the images need the room
  m_fixedGrid->clear();
  m_brokenGrid->clear();
  m_cellGrid->clear();
  m_cellTitle->setText(QString());
  const bool category = !c.confusionDiff.empty();
  m_compareTabs->setTabEnabled(1, category);
  if (!category) {
    m_fixedTitle->setText(QStringLiteral("Only runs that predict classes compare image by image."));
    m_brokenTitle->clear();
    return;
  }
  const auto title = [](const QString& what, std::size_t count) {
    return count > std::size_t(kGridImages)
               ? QStringLiteral("%1: %2 images (the first %3)").arg(what).arg(count).arg(kGridImages)
               : QStringLiteral("%1: %2 images").arg(what).arg(count);
  };
  m_fixedTitle->setText(title(QStringLiteral("<b>Fixed</b>, B right where A was wrong"), c.fixed.size()));
  m_brokenTitle->setText(title(QStringLiteral("<b>Broken</b>, B wrong where A was right"), c.broken.size()));
  // Both grids' images in one read of the data: the first of each list.
  std::vector<long> fixed(c.fixed.begin(), c.fixed.begin() + std::min<long>(kGridImages, long(c.fixed.size())));
  std::vector<long> broken(c.broken.begin(), c.broken.begin() + std::min<long>(kGridImages, long(c.broken.size())));
  std::vector<long> both = fixed;
  both.insert(both.end(), broken.begin(), broken.end());
  const Project project = m_session->runProject();
  const StoredRun run = b;
  m_imagesJob.start(
      [project, run, both] {
        useHelperThread();
        return runValidationImages(project, run, both);
      },
      [this, fixed, broken](std::vector<ValidationSample> images) {
        const auto middle = images.begin() + long(fixed.size());
        fillGrid(m_fixedGrid, {images.begin(), middle}, fixed);
        fillGrid(m_brokenGrid, {middle, images.end()}, broken);
        Q_EMIT imagesShown();
      },
      [this](const QString& error) {
        m_fixedTitle->setText(error);
        Q_EMIT statusMessage(error);
      });
}

void RunsPage::showCell(int actual, int predicted) {
  const RunComparison& c = m_compared;
  const int n = int(c.confusionDiff.size());
  if (actual < 0 || predicted < 0 || actual >= n || predicted >= n) return;
  const RunComparison::CellChange cell = c.cellChange(actual, predicted);
  const auto name = [&](int k) {
    return k < int(m_runA.info.classes.size())
               ? QString::fromStdString(m_runA.info.classes[std::size_t(k)])
               : QString::number(k);
  };
  m_cellTitle->setText(
      QStringLiteral("Actual %1, predicted %2: %3 images B puts here that A did not, %4 that A "
                     "put here and B does not.")
          .arg(name(actual), name(predicted))
          .arg(cell.entered.size())
          .arg(cell.left.size()));
  std::vector<long> items = cell.entered;
  items.insert(items.end(), cell.left.begin(), cell.left.end());
  if (items.size() > std::size_t(kGridImages)) items.resize(std::size_t(kGridImages));
  m_cellGrid->clear();
  const Project project = m_session->runProject();
  const StoredRun run = m_runB;
  m_cellJob.start(
      [project, run, items] {
        useHelperThread();
        return runValidationImages(project, run, items);
      },
      [this, items](std::vector<ValidationSample> images) {
        fillGrid(m_cellGrid, images, items);
        Q_EMIT imagesShown();
      },
      [this](const QString& error) { m_cellTitle->setText(error); });
}

void RunsPage::fillGrid(QListWidget* grid, const std::vector<ValidationSample>& images,
                        const std::vector<long>& items) {
  const RunComparison& c = m_compared;
  const auto name = [&](int k) {
    return k >= 0 && k < int(m_runA.info.classes.size())
               ? QString::fromStdString(m_runA.info.classes[std::size_t(k)])
               : QString::number(k);
  };
  // Large enough to see the image from the back of the room; it grows with the global zoom.
  const int tile = std::max(96, fontMetrics().height() * 6);
  grid->clear();
  grid->setIconSize(QSize(tile, tile));
  grid->setGridSize(QSize(tile + 24, tile + fontMetrics().height() * 3 + 12));
  for (std::size_t k = 0; k < images.size() && k < items.size(); ++k) {
    const auto i = std::size_t(items[k]);
    const QImage image = fitToTile(pixelsToQImage(images[k].image), tile);
    auto* item = new QListWidgetItem(
        QIcon(QPixmap::fromImage(image)),
        QStringLiteral("true: %1\nA: %2\nB: %3")
            .arg(name(c.actual[i]), name(c.predictedA[i]), name(c.predictedB[i])));
    item->setToolTip(QString::fromStdString(images[k].name));
    item->setData(Qt::UserRole, qlonglong(items[k]));
    grid->addItem(item);
  }
}

void RunsPage::runAgain() {
  const std::vector<int> picked = selectedRuns();
  if (picked.size() != 1) return;
  // A copy: setting the project refreshes the page, which reads m_runs anew.
  const StoredRun run = m_runs[std::size_t(picked.front())];
  // The run's data block, model and training settings become the project's.
  Project project = m_session->project();
  project.data = run.settings.data;
  project.model = run.settings.model;
  project.train = run.settings.train;
  if (!m_session->setProject(project)) {
    Q_EMIT statusMessage(m_session->blockedReason(Action::EditProject));
    return;
  }
  Q_EMIT m_session->projectEdited();
  if (m_session->train())
    Q_EMIT statusMessage(QStringLiteral("Running %1 again with its settings")
                             .arg(QString::fromStdString(run.label())));
}

void RunsPage::chooseBranch() {
  const std::vector<int> picked = selectedRuns();
  if (picked.size() != 1) return;
  const StoredRun& run = m_runs[std::size_t(picked.front())];
  QDialog dialog(this);
  dialog.setWindowTitle(QStringLiteral("Branch from %1").arg(QString::fromStdString(run.label())));
  auto* form = new QFormLayout(&dialog);
  form->addRow(wrappedLabel(QStringLiteral(
      "A new run with this run's settings and one of them changed. It starts at once, and its "
      "curve is drawn over this run's on the Train page.")));
  auto* setting = new QComboBox;
  setting->setObjectName(QStringLiteral("branchSetting"));
  // The settings people change most first, then the rest.
  QStringList paths = {QStringLiteral("train.lr"), QStringLiteral("train.batchSize"),
                       QStringLiteral("train.epochs"), QStringLiteral("train.seed")};
  for (const auto& [path, value] : run.flatSettings)
    if (!paths.contains(QString::fromStdString(path))) paths << QString::fromStdString(path);
  setting->addItems(paths);
  auto* value = new QLineEdit;
  value->setObjectName(QStringLiteral("branchValue"));
  const auto current = [&run, value, setting] {
    value->setText(QString::fromStdString(settingValue(run, setting->currentText().toStdString())));
    value->selectAll();
  };
  connect(setting, &QComboBox::currentTextChanged, &dialog, current);
  current();
  form->addRow(QStringLiteral("Setting:"), setting);
  form->addRow(QStringLiteral("New value:"), value);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
  makePrimary(buttons->addButton(QStringLiteral("Branch and train"), QDialogButtonBox::AcceptRole));
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  form->addRow(buttons);
  if (dialog.exec() == QDialog::Accepted)
    branch(setting->currentText().toStdString(), value->text().trimmed().toStdString());
}

bool RunsPage::branch(const std::string& path, const std::string& value) {
  const std::vector<int> picked = selectedRuns();
  if (picked.size() != 1) {
    Q_EMIT statusMessage(QStringLiteral("Select the one run to branch from."));
    return false;
  }
  const StoredRun parent = m_runs[std::size_t(picked.front())];
  Project project;
  try {
    project = branchSettings(m_session->project(), parent, path, value);
  } catch (const std::exception& e) {
    Q_EMIT statusMessage(QString::fromStdString(userMessage(e)));
    return false;
  }
  // The parent's curves, to draw under the branch's as it trains.
  GhostCurve ghost;
  ghost.name = QString::fromStdString(parent.label());
  try {
    const Curve c = curveOf(parent, loadBatches(parent), 0.98, false);
    ghost.batchX = c.x;
    ghost.smooth = c.y;
    ghost.epochX = c.validX;
    ghost.valid = c.validY;
  } catch (const std::exception&) {
    // a parent without its batches is branched from all the same, without a ghost
  }
  if (!m_session->setProject(project)) {
    Q_EMIT statusMessage(m_session->blockedReason(Action::EditProject));
    return false;
  }
  Q_EMIT m_session->projectEdited();
  Q_EMIT branched(ghost);
  if (!m_session->train()) {
    Q_EMIT statusMessage(m_session->blockedReason(Action::Train));
    return false;
  }
  Q_EMIT statusMessage(QStringLiteral("Branch of %1 with %2 = %3: its curve is drawn over the "
                                      "parent's, dashed")
                           .arg(QString::fromStdString(parent.label()), QString::fromStdString(path),
                                QString::fromStdString(value)));
  return true;
}

void RunsPage::setGroupSeeds(bool on) { m_groupSeeds->setChecked(on); }

void RunsPage::rename() {
  const std::vector<int> picked = selectedRuns();
  if (picked.size() != 1) return;
  const StoredRun& run = m_runs[std::size_t(picked.front())];
  bool ok = false;
  const QString name = QInputDialog::getText(this, QStringLiteral("Name the run"),
                                             QStringLiteral("Name:"), QLineEdit::Normal,
                                             QString::fromStdString(run.info.name), &ok);
  if (!ok) return;
  const QString note = QInputDialog::getText(this, QStringLiteral("Note on the run"),
                                             QStringLiteral("Note (what you tried):"),
                                             QLineEdit::Normal,
                                             QString::fromStdString(run.info.note), &ok);
  if (!ok) return;
  try {
    describeRun(run, name.trimmed().toStdString(), note.trimmed().toStdString());
  } catch (const std::exception& e) {
    Q_EMIT statusMessage(QString::fromStdString(userMessage(e)));
  }
  refresh();
}

void RunsPage::removeSelected() {
  const std::vector<int> picked = selectedRuns();
  if (picked.size() != 1) return;
  const StoredRun run = m_runs[std::size_t(picked.front())];
  try {
    deleteRun(run);
  } catch (const std::exception& e) {
    Q_EMIT statusMessage(QString::fromStdString(userMessage(e)));
    return;
  }
  m_deletedId = run.info.id;
  m_undoButton->show();
  Q_EMIT statusMessage(QStringLiteral("Moved %1 aside: Undo delete brings it back")
                           .arg(QString::fromStdString(run.label())));
  refresh();
}

void RunsPage::updateButtons() {
  const std::size_t n = selectedRuns().size();
  const bool idle = m_session->can(Action::Train);
  m_compareButton->setEnabled(n == 2);
  m_againButton->setEnabled(n == 1 && idle);
  m_branchButton->setEnabled(n == 1 && m_session->can(Action::EditProject));
  m_renameButton->setEnabled(n == 1);
  m_deleteButton->setEnabled(n == 1);
}

}  // namespace lb
