#pragma once
// MainWindow: the step list (Data, Model, Learning rate, Train, Inspect, Export), one page per
// step, the menus, the zoom, the saved window settings and a status line that says in words what
// is happening. The project and the worker thread live in a TrainingSession that every page
// shares; the window only places the pages, routes their words to the status line and their
// verdicts to the step list.
#include <QFont>
#include <QMainWindow>
#include <QMessageBox>
#include <functional>

#include "app/session_state.h"
#include "engine/project/project.h"

class QAction;
class QLabel;
class QListWidget;
class QSplitter;
class QStackedWidget;

namespace lb {

class DataBlockPage;
class SuspectsPage;
class ExportPage;
class InspectPage;
class LessonView;
class PresenterMode;
class LearningRatePage;
class RunsPage;
class NewProjectDialog;
class ModelEditor;
class TrainPage;
class TrainingSession;
class TrainingWorker;
struct DataSummary;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  enum Step {
    DataStep, ModelStep, LearningRateStep, TrainStep, RunsStep, InspectStep, ExportStep,
    SuspectsStep  // Clean labels: reached from Inspect's top losses and confusion cells too
  };

  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens a project file; on failure the window keeps no project and the status line (and the
  // Data page) say why. Returns false on failure. Refused while the worker is busy.
  bool openProject(const QString& path);
  // Opens the built-in Fashion-MNIST example (a Qt resource).
  bool openExampleProject();
  // What a start without a project opens: the last project opened or saved, the example when
  // there is none (the first start) or it cannot be opened any more.
  bool openLastProject();
  // File > New project: the dialog (opened, not modal; it deletes itself when closed), looking at
  // `source` when one is given (a folder dropped on the window). Once it writes the project, the
  // window opens it on the Data page. Null when the window is busy or the user kept their
  // unsaved changes.
  NewProjectDialog* newProject(const QString& source = {});
  // The projects opened or saved lately, newest first (at most 8, files that still exist).
  static QStringList recentProjects();
  // Whether closing, quitting or opening another project asks about unsaved changes: answers
  // Save, Discard or Cancel. Tests give an answer instead of the question box.
  void setUnsavedChangesAnswer(std::function<QMessageBox::StandardButton()> answer);
  // Shows `project` and starts loading its data in the background, to tell what it holds.
  void setProject(const Project& project);

  TrainingSession* session() const { return m_session; }
  bool hasProject() const;
  const Project& project() const;
  // The Data page: the data block editor and its live preview.
  DataBlockPage* dataPage() const { return m_dataPage; }
  bool isTraining() const;
  bool isFindingLr() const;
  bool isInspecting() const;
  bool isPaused() const;
  // The worker that trains (on its own thread), for tests and benchmarks that listen to it.
  TrainingWorker* trainingWorker() const;
  QString statusText() const;
  double zoom() const { return m_zoom; }
  // The project's lessons (app/lesson_view.h) and presenter view (app/presenter_mode.h).
  LessonView* lessonView() const { return m_lessonView; }
  PresenterMode* presenter() const { return m_presenter; }
  void showStep(Step step);

 public Q_SLOTS:
  // Writes the project to its file (asks for a name when it has none, as the built-in example);
  // false, with the reason on the status line, when it cannot.
  bool save();
  // Writes the project to `file`, or to a file the user names (empty `file`); the window's
  // title and the recent projects follow. False when it cannot, or the user cancelled.
  bool saveAs(const QString& file = {});
  void startTraining();
  void stopTraining();  // also stops the learning-rate finder
  void findLearningRate();
  void togglePause();
  // Top losses and the confusion matrix of the last trained model, on the Inspect page.
  void inspect();
  // The top losses among the items of one confusion-matrix cell; -1 -1 shows all again.
  void inspectCell(int actual, int predicted);
  void zoomIn();
  void zoomOut();
  void zoomReset();
  // View > Guess first: predictions on Inspect and Export hidden until revealed; remembered.
  void setGuessFirst(bool on);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  QWidget* createDataPage();
  QWidget* createModelPage();
  QWidget* createExportPage();
  void createActions();
  void connectSession();
  void setStatus(const QString& text);
  void setStepState(Step step, bool ok, const QString& tooltip);
  void clearStepState(Step step, const QString& tooltip);
  void updateProjectSteps();  // the Data and Model steps and the Data page's summary line
  void updateActions();       // every action and editor from the session's state
  void onProjectChanged();
  void onDataReady(const DataSummary& summary);
  void applyZoom();
  void saveSettings() const;
  // Unsaved changes: asks to save them; true when the caller may go on (saved or discarded).
  bool maybeSave();
  bool saveTo(const QString& file);
  void rememberProject(const QString& file);  // at the top of the recent projects
  void fillRecentMenu();
  void updateTitle();
  void restoreSettings();

  TrainingSession* m_session = nullptr;
  QFont m_baseFont;
  double m_zoom = 1.0;

  QListWidget* m_stepList = nullptr;
  QStackedWidget* m_pages = nullptr;
  QSplitter* m_mainSplitter = nullptr;
  QLabel* m_statusLabel = nullptr;

  QLabel* m_dataSummary = nullptr;  // what loading the data found, or why it failed
  DataBlockPage* m_dataPage = nullptr;
  SuspectsPage* m_suspectsPage = nullptr;
  ModelEditor* m_modelEditor = nullptr;
  LearningRatePage* m_lrPage = nullptr;
  TrainPage* m_trainPage = nullptr;
  RunsPage* m_runsPage = nullptr;
  InspectPage* m_inspectPage = nullptr;
  ExportPage* m_exportPage = nullptr;
  LessonView* m_lessonView = nullptr;
  PresenterMode* m_presenter = nullptr;

  QAction* m_openAction = nullptr;
  QAction* m_guessFirstAction = nullptr;
  QAction* m_newAction = nullptr;
  QAction* m_saveAsAction = nullptr;
  QMenu* m_recentMenu = nullptr;
  std::function<QMessageBox::StandardButton()> m_unsavedAnswer;
  QAction* m_saveAction = nullptr;
  QAction* m_exampleAction = nullptr;
  QAction* m_trainAction = nullptr;
  QAction* m_stopAction = nullptr;
  QAction* m_pauseAction = nullptr;
  QAction* m_findLrAction = nullptr;
  QAction* m_inspectAction = nullptr;
};

}  // namespace lb
