#pragma once
// TrainPage: the Train step. The settings (epochs, learning rate, batch size), Train, Pause and
// Stop, the time estimate, the progress bar, the live loss plot, fastai's table per epoch (the
// best value of each column marked) and the planned schedule with its cursor. Everything it
// shows comes from the TrainingSession's signals; everything it asks goes through the session.
#include <QElapsedTimer>
#include <QWidget>
#include <vector>

#include "engine/train/progress.h"

namespace lb {

class LossPlot;
struct GhostCurve;
class SchedulePlot;
class StepPanel;
class TrainingSession;

}  // namespace lb

class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QSplitter;
class QStackedWidget;
class QTableWidget;

namespace lb {

class TrainPage : public QWidget {
  Q_OBJECT
 public:
  explicit TrainPage(TrainingSession* session, QWidget* parent = nullptr);

  void train();
  void stop();
  void togglePause();
  LossPlot* lossPlot() const { return m_lossPlot; }
  // Branch: the parent run's curves under the next run's, until a run that is not its branch.
  void setGhost(const GhostCurve& ghost);
  StepPanel* stepPanel() const { return m_stepPanel; }
  // Several processes: the equivalence check of N processes against one (EquivalenceDialog).
  void checkEquivalence();
  QSplitter* splitter() const { return m_splitter; }

 Q_SIGNALS:
  void statusMessage(const QString& text);
  // A run finished: the Train step is done, with `text` on hover.
  void stepDone(const QString& text);

 private:
  void onProjectChanged();
  void onSettingsChanged();
  void onStateChanged();
  void onTrainingStarted();
  void onBatches(const std::vector<BatchProgress>& batches);
  void onEpochDone(const EpochResult& result);
  void onFinished(bool stopped);
  void onFailed(const QString& sentence);
  void updateSchedule();  // the planned schedule and the estimate from the settings and the data
  void showProgress(const BatchProgress& p);
  // The schedule plot's cursor to the last batch; at most twice a second unless `now`.
  void moveScheduleCursor(bool now);
  void markBestEpochs(bool metricLowerIsBetter);
  void endRunDisplay();  // after finished or failed: the plot and cursor settle
  void showRankSpeed(int rank, double imagesPerSecond);

  TrainingSession* m_session;
  QSpinBox* m_epochsSpin = nullptr;
  QDoubleSpinBox* m_lrSpin = nullptr;
  QSpinBox* m_batchSizeSpin = nullptr;
  QSpinBox* m_processesSpin = nullptr;
  QPushButton* m_equivalenceButton = nullptr;
  QLabel* m_rankSpeedLabel = nullptr;  // each process's images/s while several train
  std::vector<double> m_rankSpeeds;    // by rank; 0 until its first figure
  QPushButton* m_trainButton = nullptr;
  QPushButton* m_pauseButton = nullptr;
  QPushButton* m_stopButton = nullptr;
  QLabel* m_estimateLabel = nullptr;
  StepPanel* m_stepPanel = nullptr;  // Step, slow motion, the stepped batch
  QProgressBar* m_progressBar = nullptr;
  LossPlot* m_lossPlot = nullptr;
  bool m_ghostForNextRun = false;  // the ghost set for the run about to start
  QStackedWidget* m_resultsStack = nullptr;
  QTableWidget* m_epochTable = nullptr;
  SchedulePlot* m_schedulePlot = nullptr;
  QSplitter* m_splitter = nullptr;
  EpochResult m_lastEpoch;  // for the words when the run finishes
  QElapsedTimer m_cursorClock;  // since the schedule cursor last moved
};

}  // namespace lb
