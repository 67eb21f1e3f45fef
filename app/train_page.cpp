#include "app/train_page.h"

#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QThread>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "app/equivalence_dialog.h"
#include "app/page_style.h"
#include "app/replay_view.h"
#include "app/step_panel.h"
#include "app/training_session.h"
#include "engine/experiment/equivalence.h"
#include "engine/experiment/operations.h"
#include "engine/util/error.h"
#include "widgets/batch_step_view.h"
#include "widgets/flow_layout.h"
#include "widgets/loss_plot.h"
#include "widgets/schedule_plot.h"
#include "widgets/scientific_spin_box.h"
#include "widgets/text_format.h"

namespace lb {

namespace {
constexpr int kScheduleCursorMs = 500;
constexpr int kMetricColumn = 3;  // of the epoch table: accuracy, accuracy_multi or mae
}  // namespace

TrainPage::TrainPage(TrainingSession* session, QWidget* parent)
    : QWidget(parent), m_session(session) {
  auto* layout = new QVBoxLayout(this);

  // Settings, then the one primary action. The row flows onto a second line when the page is
  // narrow (zoom, presenter view, a small screen) rather than pushing Train past the edge.
  auto* row = new FlowLayout(12);
  // A label stays beside its field and the buttons together, when the row wraps.
  const auto group = [row](std::initializer_list<QWidget*> widgets) {
    auto* box = new QWidget;
    auto* boxLayout = new QHBoxLayout(box);
    boxLayout->setContentsMargins(0, 0, 0, 0);
    for (QWidget* w : widgets) boxLayout->addWidget(w);
    row->addWidget(box);
  };
  m_epochsSpin = new QSpinBox;
  m_epochsSpin->setObjectName(QStringLiteral("epochsSpin"));
  m_epochsSpin->setRange(1, 1000);
  m_epochsSpin->setToolTip(QStringLiteral("How many times the model sees every training image"));
  m_lrSpin = new ScientificSpinBox;
  m_lrSpin->setObjectName(QStringLiteral("lrSpin"));
  m_lrSpin->setToolTip(
      QStringLiteral("The highest learning rate of the one-cycle schedule. Type 1e-3 or 0.001; "
                     "the arrows step 1e-3, 2e-3, 5e-3, 1e-2"));
  m_batchSizeSpin = new QSpinBox;
  m_batchSizeSpin->setObjectName(QStringLiteral("batchSizeSpin"));
  m_batchSizeSpin->setRange(1, 4096);
  m_batchSizeSpin->setToolTip(QStringLiteral("Images per training step"));
  const auto addField = [group](const QString& text, QWidget* field) {
    auto* label = new QLabel(text);
    label->setBuddy(field);
    group({label, field});
  };
  addField(QStringLiteral("&Epochs"), m_epochsSpin);
  addField(QStringLiteral("&Learning rate"), m_lrSpin);
  addField(QStringLiteral("&Batch size"), m_batchSizeSpin);
  // Data-parallel on this machine's cores through learnbench-cli (DistributedRun).
  m_processesSpin = new QSpinBox;
  m_processesSpin->setObjectName(QStringLiteral("processesSpin"));
  m_processesSpin->setRange(1, std::clamp(QThread::idealThreadCount(), 2, kMaxProcesses));
  m_processesSpin->setToolTip(QStringLiteral(
      "Train on this many processes at once, each on its share of every batch (batch size each); "
      "Stop stops them all. 1 trains in the window itself"));
  connect(m_processesSpin, &QSpinBox::valueChanged, session, &TrainingSession::setProcesses);
  m_equivalenceButton = new QPushButton(QStringLiteral("Equivalence check"));
  m_equivalenceButton->setObjectName(QStringLiteral("equivalenceButton"));
  m_equivalenceButton->setProperty(kTallProperty, true);
  connect(m_equivalenceButton, &QPushButton::clicked, this, &TrainPage::checkEquivalence);
  {
    auto* label = new QLabel(QStringLiteral("P&rocesses"));
    label->setBuddy(m_processesSpin);
    group({label, m_processesSpin, m_equivalenceButton});
  }
  row->addWidget(new ReplayCheckpointsBox(session));  // train.epochCheckpoints
  // Until a project opens, the settings show the defaults rather than the spin boxes' minimums.
  const TrainSettings defaults;
  m_epochsSpin->setValue(defaults.epochs);
  m_lrSpin->setValue(defaults.lr);
  m_batchSizeSpin->setValue(defaults.batchSize);
  // The session keeps what the spins say; the schedule plot shows the plan as they change.
  const auto settingsEdited = [this] {
    m_session->setTrainSettings(m_epochsSpin->value(), m_lrSpin->value(),
                                m_batchSizeSpin->value());
  };
  connect(m_epochsSpin, &QSpinBox::valueChanged, this, settingsEdited);
  connect(m_lrSpin, &QDoubleSpinBox::valueChanged, this, settingsEdited);
  connect(m_batchSizeSpin, &QSpinBox::valueChanged, this, settingsEdited);

  m_trainButton =
      new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), QStringLiteral("Train"));
  m_trainButton->setObjectName(QStringLiteral("trainButton"));
  makePrimary(m_trainButton);
  m_pauseButton =
      new QPushButton(style()->standardIcon(QStyle::SP_MediaPause), QStringLiteral("Pause"));
  m_pauseButton->setObjectName(QStringLiteral("pauseButton"));
  m_pauseButton->setToolTip(
      QStringLiteral("Hold training before the next batch; Resume goes on (Ctrl+P)"));
  m_pauseButton->setProperty(kTallProperty, true);
  m_stopButton =
      new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), QStringLiteral("Stop"));
  m_stopButton->setObjectName(QStringLiteral("stopButton"));
  m_stopButton->setToolTip(QStringLiteral("Stop after the current batch (Ctrl+.)"));
  m_stopButton->setProperty(kTallProperty, true);
  connect(m_trainButton, &QPushButton::clicked, this, &TrainPage::train);
  connect(m_pauseButton, &QPushButton::clicked, this, &TrainPage::togglePause);
  connect(m_stopButton, &QPushButton::clicked, this, &TrainPage::stop);
  group({m_trainButton, m_pauseButton, m_stopButton});
  m_estimateLabel = new QLabel;
  m_estimateLabel->setObjectName(QStringLiteral("estimateLabel"));
  m_estimateLabel->setToolTip(
      QStringLiteral("Measured with this model on this machine; reading image files from disk "
                     "can add to it. The time left while training corrects it."));
  row->addWidget(m_estimateLabel);
  layout->addLayout(row);
  m_stepPanel = new StepPanel(session);
  connect(m_stepPanel, &StepPanel::statusMessage, this, &TrainPage::statusMessage);
  layout->addWidget(m_stepPanel);

  m_progressBar = new QProgressBar;
  m_progressBar->setObjectName(QStringLiteral("progressBar"));
  m_progressBar->setRange(0, 1000);
  m_progressBar->setValue(0);
  m_progressBar->setTextVisible(true);
  m_progressBar->setAlignment(Qt::AlignCenter);
  m_progressBar->setFormat(QStringLiteral("Not started"));
  layout->addWidget(m_progressBar);
  m_rankSpeedLabel = new QLabel;
  m_rankSpeedLabel->setObjectName(QStringLiteral("rankSpeedLabel"));
  m_rankSpeedLabel->setToolTip(QStringLiteral(
      "Images each process trains per second, its waits for the others left out: the processes "
      "go in step, so the slowest one sets the pace for all"));
  m_rankSpeedLabel->setVisible(false);
  layout->addWidget(m_rankSpeedLabel);

  m_lossPlot = new LossPlot;
  m_lossPlot->setObjectName(QStringLiteral("lossPlot"));

  // Per-epoch results, like fastai's progress table; a sentence stands in until the first row.
  m_epochTable = new QTableWidget(0, 5);
  m_epochTable->setObjectName(QStringLiteral("epochTable"));
  m_epochTable->setHorizontalHeaderLabels({QStringLiteral("epoch"), QStringLiteral("train_loss"),
                                           QStringLiteral("valid_loss"), QStringLiteral("accuracy"),
                                           QStringLiteral("time")});
  m_epochTable->verticalHeader()->setVisible(false);
  m_epochTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_epochTable->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_epochTable->setAlternatingRowColors(true);
  // Compact columns like fastai's table; numbers and their headers right-aligned.
  m_epochTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_epochTable->horizontalHeader()->setStretchLastSection(false);
  m_epochTable->horizontalHeader()->setDefaultAlignment(Qt::AlignRight | Qt::AlignVCenter);
  m_epochTable->horizontalHeader()->setMinimumSectionSize(
      m_epochTable->fontMetrics().horizontalAdvance(QStringLiteral("1 min 12 s")) + 24);
  auto* tablePlaceholder = wrappedLabel(QStringLiteral(
      "After each epoch a row appears here with its train loss, valid loss, accuracy and time."));
  tablePlaceholder->setAlignment(Qt::AlignCenter);
  m_resultsStack = new QStackedWidget;
  m_resultsStack->addWidget(tablePlaceholder);
  m_resultsStack->addWidget(m_epochTable);

  // The planned learning rate and momentum beside the epoch table; its cursor follows training.
  m_schedulePlot = new SchedulePlot;
  m_schedulePlot->setObjectName(QStringLiteral("schedulePlot"));
  auto* bottom = new QSplitter(Qt::Horizontal);
  bottom->addWidget(m_resultsStack);
  bottom->addWidget(m_schedulePlot);
  bottom->setChildrenCollapsible(false);
  bottom->setSizes({500, 500});

  m_splitter = new QSplitter(Qt::Vertical);
  m_splitter->addWidget(m_lossPlot);
  m_splitter->addWidget(bottom);
  m_splitter->setStretchFactor(0, 3);
  m_splitter->setStretchFactor(1, 2);
  m_splitter->setChildrenCollapsible(false);
  m_splitter->setSizes({520, 300});
  m_splitter->addWidget(m_stepPanel->view());  // hidden until the first Step
  m_splitter->setStretchFactor(2, 3);
  layout->addWidget(m_splitter, 1);

  connect(session, &TrainingSession::projectChanged, this, &TrainPage::onProjectChanged);
  connect(session, &TrainingSession::trainSettingsChanged, this, &TrainPage::onSettingsChanged);
  connect(session, &TrainingSession::stateChanged, this, &TrainPage::onStateChanged);
  connect(session, &TrainingSession::dataReady, this, [this] {
    updateSchedule();
    if (m_session->state().run != RunKind::Training) return;
    m_lossPlot->setPlaceholderText(QStringLiteral("The first batches are on their way..."));
    m_progressBar->setFormat(QStringLiteral("Starting..."));
  });
  connect(session, &TrainingSession::trainingStarted, this, &TrainPage::onTrainingStarted);
  connect(session, &TrainingSession::batchesArrived, this, &TrainPage::onBatches);
  connect(session, &TrainingSession::epochDone, this, &TrainPage::onEpochDone);
  connect(session, &TrainingSession::trainingFinished, this, &TrainPage::onFinished);
  connect(session, &TrainingSession::trainingFailed, this, &TrainPage::onFailed);
  connect(session, &TrainingSession::rankSpeed, this, &TrainPage::showRankSpeed);
  onStateChanged();
}

void TrainPage::train() { m_session->train(); }

void TrainPage::stop() {
  const bool finder = m_session->state().run == RunKind::FindingLr;
  if (m_session->stop())
    Q_EMIT statusMessage(finder ? QStringLiteral("Stopping the learning-rate finder...")
                                : QStringLiteral("Stopping after this batch..."));
}

void TrainPage::togglePause() {
  const bool paused = !m_session->state().paused;
  if (!m_session->setPaused(paused)) return;
  if (paused) {
    m_progressBar->setFormat(QStringLiteral("Paused"));
    const BatchProgress& p = m_session->lastProgress();
    Q_EMIT statusMessage(m_session->hasProgress()
                             ? QStringLiteral("Paused at epoch %1, batch %2")
                                   .arg(p.epoch + 1)
                                   .arg(p.batch + 1)
                             : QStringLiteral("Paused before the first batch"));
  } else {
    if (m_session->hasProgress()) showProgress(m_session->lastProgress());
    Q_EMIT statusMessage(QStringLiteral("Resumed"));
  }
}

void TrainPage::onProjectChanged() {
  onSettingsChanged();
  m_lossPlot->clear();
  m_epochTable->setRowCount(0);
  m_resultsStack->setCurrentIndex(0);
  m_progressBar->setValue(0);
  m_progressBar->setFormat(QStringLiteral("Not started"));
  m_schedulePlot->clear();
  m_estimateLabel->clear();
}

void TrainPage::onSettingsChanged() {
  if (!m_session->hasProject()) return;
  // Set one by one: each spin's own change writes all three back, so the others must be current
  // first. A spin that rounds a value (the learning rate's) writes the rounded one back.
  const TrainSettings t = m_session->project().train;
  {
    const QSignalBlocker b1(m_epochsSpin), b2(m_lrSpin), b3(m_batchSizeSpin);
    m_epochsSpin->setValue(t.epochs);
    m_batchSizeSpin->setValue(t.batchSize);
    const QSignalBlocker b4(m_processesSpin);
    m_processesSpin->setMaximum(std::max(m_processesSpin->maximum(), t.processes));
    m_processesSpin->setValue(t.processes);
  }
  m_lrSpin->setValue(t.lr);
  if (m_lrSpin->value() != m_session->project().train.lr) m_session->setLearningRate(m_lrSpin->value());
  updateSchedule();
}

void TrainPage::onStateChanged() {
  const TrainingSession& s = *m_session;
  const bool paused = s.state().paused;
  m_trainButton->setEnabled(s.can(Action::Train));
  // Say why Train cannot be pressed, on hover.
  const QString why = s.blockedReason(Action::Train);
  m_trainButton->setToolTip(
      why.isEmpty() ? QStringLiteral("Fit the model with one-cycle training (Ctrl+Return)") : why);
  m_stopButton->setEnabled(s.can(Action::Stop));
  m_pauseButton->setEnabled(s.can(Action::Pause));
  m_pauseButton->setText(paused ? QStringLiteral("Resume") : QStringLiteral("Pause"));
  m_pauseButton->setIcon(
      style()->standardIcon(paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
  m_epochsSpin->setEnabled(s.can(Action::EditRunSettings));
  m_lrSpin->setEnabled(s.can(Action::EditRunSettings));
  m_batchSizeSpin->setEnabled(s.can(Action::EditBatchSize));
  m_processesSpin->setEnabled(s.can(Action::EditBatchSize));
  const bool several = s.hasProject() && s.project().train.processes > 1;
  m_equivalenceButton->setEnabled(several && s.can(Action::Train));
  m_equivalenceButton->setToolTip(
      !several ? QStringLiteral("Set Processes to 2 or more to compare them with one process")
      : !s.can(Action::Train)
          ? s.blockedReason(Action::Train)
          : QStringLiteral("Train 20 steps on %1 processes and on one process with the whole "
                           "batch, and overlay the two loss curves")
                .arg(s.project().train.processes));
}

void TrainPage::checkEquivalence() {
  if (!m_session->can(Action::Train) || m_session->project().train.processes < 2) return;
  QString file;
  try {
    file = QString::fromStdString(m_session->fileForProcesses().string());
  } catch (const std::exception& e) {
    Q_EMIT statusMessage(QString::fromStdString(userMessage(e)));
    return;
  }
  auto* dialog = new EquivalenceDialog(this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setModal(true);  // the cores are the check's until it ends
  dialog->run()->setCliPath(m_session->processes()->cliPath());
  const TrainSettings& t = m_session->project().train;
  dialog->start(file, t.processes, t.batchSize, kDefaultEquivalenceSteps);
  dialog->show();
}

void TrainPage::showRankSpeed(int rank, double imagesPerSecond) {
  if (rank < 0 || rank >= kMaxProcesses) return;
  if (std::size_t(rank) >= m_rankSpeeds.size()) m_rankSpeeds.resize(std::size_t(rank) + 1, 0.0);
  m_rankSpeeds[std::size_t(rank)] = imagesPerSecond;
  const auto [slow, fast] = std::minmax_element(m_rankSpeeds.begin(), m_rankSpeeds.end());
  // A rank a fifth slower than the fastest holds all of them back: name it.
  const bool straggler = m_rankSpeeds.size() > 1 && *slow > 0 && *slow < 0.8 * *fast;
  QStringList parts;
  for (std::size_t r = 0; r < m_rankSpeeds.size(); ++r)
    parts << QStringLiteral("process %1: %2%3")
                 .arg(r)
                 .arg(m_rankSpeeds[r] > 0 ? formatCount(std::llround(m_rankSpeeds[r]))
                                          : QStringLiteral("..."))
                 .arg(straggler && m_rankSpeeds.begin() + long(r) == slow
                          ? QStringLiteral(" (slowest: the others wait for it)")
                          : QString());
  m_rankSpeedLabel->setText(QStringLiteral("Images/s \u00b7 ") +
                            parts.join(QStringLiteral(" \u00b7 ")));
  m_rankSpeedLabel->setVisible(true);
}

void TrainPage::updateSchedule() {
  const TrainingSession& s = *m_session;
  if (!s.hasData() || s.data().trainItems <= 0 || s.state().run == RunKind::Training) return;
  // As the training loader counts: whole batches only (fastai's drop_last).
  const Project& project = s.project();
  const int perEpoch = std::max(1, s.data().trainItems / std::max(1, project.train.batchSize));
  const SchedulePlan plan = plannedSchedule(project, perEpoch);
  m_schedulePlot->setPlan(plan);
  const int epochs = plan.epochs();
  m_estimateLabel->setText(
      s.data().secondsPerItem <= 0
          ? QString()
          : QStringLiteral("About %1 for %2")
                .arg(formatDuration(estimateFitSeconds(s.data().secondsPerItem,
                                                       s.data().trainItems, s.data().validItems,
                                                       epochs)),
                     epochsWord(epochs)));
}

void TrainPage::setGhost(const GhostCurve& ghost) {
  m_lossPlot->setGhost(ghost);
  m_ghostForNextRun = true;
}

void TrainPage::onTrainingStarted() {
  if (!std::exchange(m_ghostForNextRun, false)) m_lossPlot->clearGhost();
  m_lossPlot->clear();
  m_lossPlot->setPlaceholderText(QStringLiteral("Loading the data..."));
  m_epochTable->setRowCount(0);
  m_resultsStack->setCurrentIndex(0);
  m_progressBar->setValue(0);
  m_progressBar->setFormat(QStringLiteral("Loading the data..."));
  // The plan as the run starts (the settings are locked from here on).
  if (m_session->hasData() && m_session->data().trainItems > 0) {
    const Project& project = m_session->project();
    const int perEpoch =
        std::max(1, m_session->data().trainItems / std::max(1, project.train.batchSize));
    m_schedulePlot->setPlan(plannedSchedule(project, perEpoch));
  }
  m_schedulePlot->setPosition(0);
  m_cursorClock.invalidate();
  m_rankSpeeds.clear();
  m_rankSpeedLabel->setVisible(false);
  Q_EMIT statusMessage(QStringLiteral("Loading the data of %1...")
                           .arg(QString::fromStdString(m_session->project().name)));
}

void TrainPage::onBatches(const std::vector<BatchProgress>& batches) {
  for (const BatchProgress& p : batches) m_lossPlot->addBatch(p);
  moveScheduleCursor(false);
  const SessionState& s = m_session->state();
  // A stepping run is paused between steps, and each step's batch shows.
  if (s.run == RunKind::Training && (!s.paused || s.stepping) && !s.stopping)
    showProgress(batches.back());
}

void TrainPage::moveScheduleCursor(bool now) {
  if (!m_session->hasProgress()) return;
  const BatchProgress& last = m_session->lastProgress();
  if (last.batches <= 0) return;
  // The cursor crawls: twice a second is enough, and each replot takes the cores from training.
  if (!now && m_cursorClock.isValid() && m_cursorClock.elapsed() < kScheduleCursorMs) return;
  m_cursorClock.start();
  if (m_schedulePlot->epochs() != last.epochs)  // the plan follows what the run really does
    m_schedulePlot->setPlan(plannedSchedule(m_session->project(), last.batches));
  m_schedulePlot->setPosition(last.epoch + double(last.batch + 1) / last.batches);
}

void TrainPage::showProgress(const BatchProgress& p) {
  const double total = double(std::max(1, p.epochs)) * std::max(1, p.batches);
  const double done = double(p.epoch) * std::max(1, p.batches) + p.batch + 1;
  m_progressBar->setValue(int(1000 * std::clamp(done / total, 0.0, 1.0)));
  m_progressBar->setFormat(QStringLiteral("Epoch %1/%2 \u00b7 batch %3/%4 \u00b7 %5 left")
                               .arg(p.epoch + 1)
                               .arg(p.epochs)
                               .arg(p.batch + 1)
                               .arg(p.batches)
                               .arg(formatDuration(p.secondsLeft)));
  Q_EMIT statusMessage(QStringLiteral("Epoch %1 of %2, batch %3 of %4, %5 left")
                           .arg(p.epoch + 1)
                           .arg(p.epochs)
                           .arg(p.batch + 1)
                           .arg(p.batches)
                           .arg(formatDuration(p.secondsLeft)));
}

void TrainPage::onEpochDone(const EpochResult& r) {
  m_lossPlot->addEpoch(r);
  m_lastEpoch = r;
  const int row = m_epochTable->rowCount();
  m_epochTable->insertRow(row);
  m_epochTable->horizontalHeaderItem(kMetricColumn)->setText(QString::fromStdString(r.metricName));
  const QString cells[] = {QString::number(r.epoch + 1), formatLoss(r.trainLoss),
                           formatLoss(r.validLoss), formatMetric(r.metricName, r.metric),
                           formatDuration(r.seconds)};
  const double values[] = {double(r.epoch), r.trainLoss, r.validLoss, r.metric, r.seconds};
  for (int c = 0; c < 5; ++c) {
    auto* item = new QTableWidgetItem(cells[c]);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    item->setData(Qt::UserRole, values[c]);
    m_epochTable->setItem(row, c, item);
  }
  markBestEpochs(r.metricLowerIsBetter);
  m_epochTable->scrollToBottom();
  m_resultsStack->setCurrentIndex(1);
}

void TrainPage::markBestEpochs(bool metricLowerIsBetter) {
  // The losses are best lowest, the metric as it says; the best cell of each is bold and tinted
  // (bold for whoever cannot tell the tint apart).
  QColor tint = palette().color(QPalette::Highlight);
  tint.setAlpha(60);
  for (int c : {1, 2, kMetricColumn}) {
    const bool higher = c == kMetricColumn && !metricLowerIsBetter;
    int best = -1;
    for (int r = 0; r < m_epochTable->rowCount(); ++r) {
      const double v = m_epochTable->item(r, c)->data(Qt::UserRole).toDouble();
      if (!std::isfinite(v)) continue;
      const double b = best < 0 ? 0 : m_epochTable->item(best, c)->data(Qt::UserRole).toDouble();
      if (best < 0 || (higher ? v > b : v < b)) best = r;
    }
    for (int r = 0; r < m_epochTable->rowCount(); ++r) {
      QTableWidgetItem* item = m_epochTable->item(r, c);
      QFont f = item->font();
      f.setBold(r == best);
      item->setFont(f);
      item->setBackground(r == best ? QBrush(tint) : QBrush());
      item->setToolTip(r == best ? QStringLiteral("The best of this run") : QString());
    }
  }
}

void TrainPage::endRunDisplay() {
  moveScheduleCursor(true);
  m_lossPlot->setPlaceholderText(QStringLiteral("Press Train to watch the loss fall"));
}

void TrainPage::onFinished(bool stopped) {
  endRunDisplay();
  const int epochs = m_session->completedEpochs();
  if (stopped) {
    const QString text =
        epochs == 0 ? QStringLiteral("Training stopped before the first epoch ended")
                    : QStringLiteral("Training stopped after %1").arg(epochsWord(epochs));
    m_progressBar->setFormat(text);
    Q_EMIT statusMessage(text);
    return;
  }
  const QString time = formatDuration(m_session->runSeconds());
  m_progressBar->setValue(m_progressBar->maximum());
  m_progressBar->setFormat(QStringLiteral("Finished: %1 in %2").arg(epochsWord(epochs), time));
  const QString text = QStringLiteral("Training finished: %1 in %2, %3 %4")
                           .arg(epochsWord(epochs), time,
                                QString::fromStdString(m_lastEpoch.metricName),
                                formatMetric(m_lastEpoch.metricName, m_lastEpoch.metric));
  Q_EMIT statusMessage(text);
  Q_EMIT stepDone(text);
}

void TrainPage::onFailed(const QString& sentence) {
  endRunDisplay();
  m_progressBar->setFormat(QStringLiteral("Training failed"));
  Q_EMIT statusMessage(sentence);
}

}  // namespace lb
