#pragma once
// MainWindow: the step list (Data, Model, Learning rate, Train, Inspect, Export), one page per
// step, and a status line that says in words what is happening. Training and data loading run on
// a TrainingWorker in the "training" thread; a 40 ms timer drains its batches into the loss plot
// and the progress bar, so the GUI thread never trains and never redraws per batch.
#include <QElapsedTimer>
#include <QFont>
#include <QMainWindow>

#include "app/training_worker.h"
#include "engine/project/project.h"

class QAction;
class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QSplitter;
class QStackedWidget;
class QTableWidget;
class QThread;
class QTimer;

namespace lb {

class ConfusionMatrixView;
class DataBlockPage;
class ExportPage;
class LossPlot;
class LrFinderPlot;
class ModelEditor;
class MultiLabelView;
class RegressionView;
class SchedulePlot;
class TopLossesView;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  enum Step { DataStep, ModelStep, LearningRateStep, TrainStep, InspectStep, ExportStep };

  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens a project file; on failure the window keeps no project and the status line (and the
  // Data page) say why. Returns false on failure. Refused while training.
  bool openProject(const QString& path);
  // Opens the built-in Fashion-MNIST example (a Qt resource).
  bool openExampleProject();
  // Shows `project` and starts loading its data in the background, to tell what it holds.
  void setProject(const Project& project);

  bool hasProject() const { return m_hasProject; }
  const Project& project() const { return m_project; }
  // The Data page: the data block editor and its live preview.
  DataBlockPage* dataPage() const { return m_dataPage; }
  bool isTraining() const { return m_training; }
  bool isFindingLr() const { return m_findingLr; }
  bool isInspecting() const { return m_interpreting; }
  bool isPaused() const { return m_paused; }
  // The worker that trains (on its own thread), for tests and benchmarks that listen to it.
  TrainingWorker* trainingWorker() const { return m_worker; }
  QString statusText() const;
  double zoom() const { return m_zoom; }
  void showStep(Step step);

 public Q_SLOTS:
  // Writes the project to its file (asks for a name when it has none, as the built-in example);
  // false, with the reason on the status line, when it cannot.
  bool save();
  void startTraining();
  void stopTraining();  // also stops the learning-rate finder
  void findLearningRate();
  void togglePause();
  // Top losses and the confusion matrix of the last trained model, on the Inspect page.
  void inspect();
  // The top losses among the items of one confusion-matrix cell (what a click on it does);
  // -1 -1 shows the largest losses of all items again.
  void inspectCell(int actual, int predicted);
  void zoomIn();
  void zoomOut();
  void zoomReset();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  QWidget* createDataPage();
  QWidget* createModelPage();
  QWidget* createTrainPage();
  QWidget* createLearningRatePage();
  QWidget* createInspectPage();
  void createActions();
  void updateProjectPages();
  void setStatus(const QString& text);
  void setTraining(bool training);
  bool workerBusy() const { return m_training || m_findingLr || m_interpreting; }
  void updateSchedule();  // the planned one-cycle from the spins and the loaded data
  void setStepState(Step step, bool ok, const QString& tooltip);
  void reloadData();  // the worker loads m_project's data again, to tell what it holds
  // After the data block's or the model's check: reload the project when an edit (`edited`)
  // checked out, and show the verdict.
  void afterEditChecked(bool ok, bool& edited);
  void onModelEdited(const lb::ModelSpec& spec);
  void onModelSummary(bool fits, const QString& problem);
  void onDataEdited(const lb::DataBlockSpec& spec);
  void onPreviewReady(bool ok, const QString& firstError);
  void drainProgress();
  void showProgress(const BatchProgress& p);
  // The schedule plot's cursor to the last batch reported; at most twice a second unless `now`.
  void moveScheduleCursor(bool now);
  void applyZoom();
  void saveSettings() const;
  void restoreSettings();
  void shutdownWorker();  // stop, quit and join the training thread; idempotent

  void onDataReady(const lb::DataInfo& info);
  void onDataFailed(const QString& sentence);
  void onEpochDone(const lb::EpochResult& result);
  void onFinished(bool stopped);
  void onFailed(const QString& sentence);
  void onLrFound(const lb::LrFindResult& result);
  void onLrFailed(const QString& sentence);
  void onLrChosen(double lr);
  void onInterpreted(const lb::Interpretation& result);
  void onInterpretFailed(const QString& sentence);
  void clearInspection(const QString& message);  // empty views, the message in their place
  void markBestEpochs(bool metricHigherIsBetter);  // the epoch table's best value per column
  void showInspectSummary();  // m_inspectSummary in words, above the top losses
  void inspectTrainedModel();  // Inspect the last checkpoint when the page shows nothing yet

  // The project as runs see it: the built-in example lives in the resources, so its runs keep
  // their checkpoints in the user's data folder instead.
  Project runProject() const;

  Project m_project;
  bool m_hasProject = false;
  ItemFilter m_inspectFilter;  // which items the Inspect page's top losses come from
  bool m_training = false;
  bool m_findingLr = false;
  bool m_interpreting = false;
  bool m_paused = false;
  bool m_dataOk = true;  // false after the project's data failed to load
  DataInfo m_dataInfo;
  bool m_hasDataInfo = false;
  QString m_dataError;
  // The data block editor's latest check; Train waits while it fails.
  bool m_previewOk = true;
  QString m_previewError;
  bool m_dataEdited = false;
  // The model editor's latest summary; Train waits while the model does not fit.
  bool m_modelOk = true;
  QString m_modelProblem;
  bool m_modelEdited = false;  // edited since the worker last built the model
  // Why the worker could not build the model on the loaded data (a pretrained file that does
  // not fit, say), which the editor's shape check cannot see; Train waits while it is set.
  QString m_modelBuildProblem;

  QThread* m_thread = nullptr;
  TrainingWorker* m_worker = nullptr;  // lives in m_thread
  QTimer* m_pollTimer = nullptr;
  BatchProgress m_lastProgress;
  bool m_hasProgress = false;
  int m_completedEpochs = 0;
  EpochResult m_lastEpoch;
  // What the top losses and the confusion matrix shown now are of, for the words above them.
  struct InspectSummary {
    QString items, accuracy, which;
    int epoch = 0;  // the epoch of a run still training, 0 once it is over (or for Refresh)
  };
  InspectSummary m_inspectSummary;
  bool m_hasInspection = false;  // the Inspect views show a model's results
  QElapsedTimer m_runClock;
  QElapsedTimer m_scheduleClock;  // since the schedule cursor last moved

  QFont m_baseFont;
  double m_zoom = 1.0;

  QListWidget* m_stepList = nullptr;
  QStackedWidget* m_pages = nullptr;
  QSplitter* m_mainSplitter = nullptr;
  QSplitter* m_trainSplitter = nullptr;
  QLabel* m_statusLabel = nullptr;

  QLabel* m_dataSummary = nullptr;  // what loading the data found, or why it failed
  DataBlockPage* m_dataPage = nullptr;
  ModelEditor* m_modelEditor = nullptr;
  ExportPage* m_exportPage = nullptr;
  MultiLabelView* m_multiLabel = nullptr;
  RegressionView* m_regression = nullptr;
  QStackedWidget* m_inspectViews = nullptr;  // the view that fits the project's target

  QSpinBox* m_epochsSpin = nullptr;
  QDoubleSpinBox* m_lrSpin = nullptr;
  QSpinBox* m_batchSizeSpin = nullptr;
  QPushButton* m_trainButton = nullptr;
  QPushButton* m_stopButton = nullptr;
  QProgressBar* m_progressBar = nullptr;
  LossPlot* m_lossPlot = nullptr;
  QStackedWidget* m_resultsStack = nullptr;
  QTableWidget* m_epochTable = nullptr;
  SchedulePlot* m_schedulePlot = nullptr;
  QPushButton* m_pauseButton = nullptr;
  QPushButton* m_showAllLossesButton = nullptr;
  QLabel* m_estimateLabel = nullptr;

  QPushButton* m_findLrButton = nullptr;
  LrFinderPlot* m_lrPlot = nullptr;
  QLabel* m_lrSuggestions = nullptr;

  QPushButton* m_inspectButton = nullptr;
  QLabel* m_inspectMessage = nullptr;
  QSplitter* m_inspectSplitter = nullptr;
  TopLossesView* m_topLosses = nullptr;
  ConfusionMatrixView* m_confusion = nullptr;

  QAction* m_openAction = nullptr;
  QAction* m_saveAction = nullptr;
  QAction* m_exampleAction = nullptr;
  QAction* m_trainAction = nullptr;
  QAction* m_stopAction = nullptr;
  QAction* m_pauseAction = nullptr;
  QAction* m_findLrAction = nullptr;
  QAction* m_inspectAction = nullptr;
};

}  // namespace lb
