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

class LossPlot;

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
  bool isTraining() const { return m_training; }
  // The worker that trains (on its own thread), for tests and benchmarks that listen to it.
  TrainingWorker* trainingWorker() const { return m_worker; }
  QString statusText() const;
  double zoom() const { return m_zoom; }
  void showStep(Step step);

 public Q_SLOTS:
  void startTraining();
  void stopTraining();
  void zoomIn();
  void zoomOut();
  void zoomReset();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  QWidget* createDataPage();
  QWidget* createModelPage();
  QWidget* createTrainPage();
  QWidget* createLaterPage(const QString& title, const QString& sentence);
  void createActions();
  void updateProjectPages();
  void setStatus(const QString& text);
  void setTraining(bool training);
  void setStepState(Step step, bool ok, const QString& tooltip);
  void drainProgress();
  void showProgress(const BatchProgress& p);
  void applyZoom();
  void saveSettings() const;
  void restoreSettings();
  void shutdownWorker();  // stop, quit and join the training thread; idempotent

  void onDataReady(const lb::DataInfo& info);
  void onDataFailed(const QString& sentence);
  void onEpochDone(const lb::EpochResult& result);
  void onFinished(bool stopped);
  void onFailed(const QString& sentence);

  Project m_project;
  bool m_hasProject = false;
  bool m_training = false;
  bool m_dataOk = true;  // false after the project's data failed to load
  DataInfo m_dataInfo;
  bool m_hasDataInfo = false;
  QString m_dataError;

  QThread* m_thread = nullptr;
  TrainingWorker* m_worker = nullptr;  // lives in m_thread
  QTimer* m_pollTimer = nullptr;
  BatchProgress m_lastProgress;
  bool m_hasProgress = false;
  int m_completedEpochs = 0;
  EpochResult m_lastEpoch;
  QElapsedTimer m_runClock;

  QFont m_baseFont;
  double m_zoom = 1.0;

  QListWidget* m_stepList = nullptr;
  QStackedWidget* m_pages = nullptr;
  QSplitter* m_mainSplitter = nullptr;
  QSplitter* m_trainSplitter = nullptr;
  QLabel* m_statusLabel = nullptr;

  QLabel* m_dataForm[6] = {};   // project, source, folder, items, found, classes
  QLabel* m_modelForm[3] = {};  // model, layers, parameters

  QSpinBox* m_epochsSpin = nullptr;
  QDoubleSpinBox* m_lrSpin = nullptr;
  QSpinBox* m_batchSizeSpin = nullptr;
  QPushButton* m_trainButton = nullptr;
  QPushButton* m_stopButton = nullptr;
  QProgressBar* m_progressBar = nullptr;
  LossPlot* m_lossPlot = nullptr;
  QStackedWidget* m_resultsStack = nullptr;
  QTableWidget* m_epochTable = nullptr;

  QAction* m_openAction = nullptr;
  QAction* m_exampleAction = nullptr;
  QAction* m_trainAction = nullptr;
  QAction* m_stopAction = nullptr;
};

}  // namespace lb
