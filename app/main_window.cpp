#include "app/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QMimeData>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QTimer>
#include <QStatusBar>
#include <QStyle>
#include <QToolBar>
#include <QUndoStack>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <exception>

#include "app/inspect_page.h"
#include "app/suspects_page.h"
#include "app/learning_rate_page.h"
#include "app/lesson_view.h"
#include "app/new_project_dialog.h"
#include "app/page_style.h"
#include "app/presenter_mode.h"
#include "app/runs_page.h"
#include "app/train_page.h"
#include "app/training_session.h"
#include "engine/experiment/eject.h"
#include "engine/util/error.h"
#include "engine/util/runtime.h"
#include "widgets/data_block_editor.h"
#include "widgets/data_block_page.h"
#include "widgets/export_page.h"
#include "widgets/top_losses_view.h"
#include "widgets/loss_plot.h"
#include "widgets/model_editor.h"
#include "widgets/text_format.h"

// lb_app is a static library: without this call the linker drops its resources (the example).
static void initResources() { Q_INIT_RESOURCE(resources); }

namespace lb {

namespace {
constexpr double kZoomSteps[] = {0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5, 3.0};
const QString kExampleResource = QStringLiteral(":/examples/fashion-mnist.lbproj");

// Settings keys, declared once.
const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kMainSplitterKey = QStringLiteral("window/mainSplitter");
const QString kTrainSplitterKey = QStringLiteral("window/trainSplitter");
const QString kDataSplitterKey = QStringLiteral("window/dataSplitter");
const QString kInspectSplitterKey = QStringLiteral("window/inspectSplitter");
const QString kZoomKey = QStringLiteral("view/zoom");
const QString kRecentKey = QStringLiteral("projects/recent");  // newest first
constexpr int kRecentCount = 8;

// The first local folder or file among dropped URLs, or an empty string.
QString droppedPath(const QMimeData* mime) {
  if (!mime || !mime->hasUrls()) return {};
  for (const QUrl& url : mime->urls())
    if (url.isLocalFile()) return url.toLocalFile();
  return {};
}
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  initResources();
  useHelperThread();  // the GUI thread only helps: the worker's threads own the cores
  setWindowTitle(QStringLiteral("Learnbench"));
  setAcceptDrops(true);  // a folder of images dropped on the window starts a new project
  m_baseFont = QApplication::font();
  m_session = new TrainingSession(this);

  // Left: the steps in the order a beginner works; centre: one page per step.
  m_stepList = new QListWidget;
  m_stepList->setObjectName(QStringLiteral("stepList"));
  const QString steps[] = {QStringLiteral("Data"),          QStringLiteral("Model"),
                           QStringLiteral("Learning rate"), QStringLiteral("Train"),
                           QStringLiteral("Runs"),          QStringLiteral("Inspect"),
                           QStringLiteral("Export"),        QStringLiteral("Clean labels")};
  const QString stepTips[] = {
      QStringLiteral("Where the images come from and how they are labelled"),
      QStringLiteral("The network that learns from them"),
      QStringLiteral("Find a good learning rate with fastai's learning-rate finder"),
      QStringLiteral("Fit the model and watch the loss"),
      QStringLiteral("Every run kept: compare their curves, settings and mistakes"),
      QStringLiteral("See what the model gets wrong: top losses and the confusion matrix"),
      QStringLiteral("Save the trained model and try it on an image"),
      QStringLiteral("Find the images whose label is most likely wrong; keep, relabel or exclude them")};
  for (int i = 0; i < int(std::size(steps)); ++i) {
    auto* item = new QListWidgetItem(blankIcon(), steps[i], m_stepList);
    item->setToolTip(stepTips[i]);
  }
  m_stepList->setSpacing(3);
  m_stepList->setMinimumWidth(140);

  m_lrPage = new LearningRatePage(m_session);
  m_trainPage = new TrainPage(m_session);
  m_runsPage = new RunsPage(m_session);
  m_inspectPage = new InspectPage(m_session);
  m_pages = new QStackedWidget;
  m_pages->addWidget(createDataPage());
  m_pages->addWidget(createModelPage());
  m_pages->addWidget(m_lrPage);
  m_pages->addWidget(m_trainPage);
  m_pages->addWidget(m_runsPage);
  m_pages->addWidget(m_inspectPage);
  m_pages->addWidget(createExportPage());
  m_suspectsPage = new SuspectsPage(m_session);
  m_pages->addWidget(m_suspectsPage);
  connect(m_stepList, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);
  connect(m_stepList, &QListWidget::currentRowChanged, this, [this](int row) {
    if (row == InspectStep) m_inspectPage->inspectTrainedModel();
    if (row == RunsStep) m_runsPage->refresh();
    if (row == SuspectsStep) m_suspectsPage->showSuspects(-1);
  });
  // Inspect's "Clean these labels" opens the step on the class it shows.
  connect(m_inspectPage, &InspectPage::cleanLabels, this, [this](int actualClass) {
    m_stepList->setCurrentRow(SuspectsStep);
    m_suspectsPage->showSuspects(actualClass);
  });
  // Decisions change the data: load it again once the user pauses, so counts stay true.
  auto* reloadSoon = new QTimer(this);
  reloadSoon->setSingleShot(true);
  reloadSoon->setInterval(1500);
  connect(reloadSoon, &QTimer::timeout, m_session, [this] { m_session->reloadData(); });
  connect(m_suspectsPage, &SuspectsPage::decisionsChanged, reloadSoon, qOverload<>(&QTimer::start));

  // The lesson's banner above the pages; presenter view enlarges both, not the step list.
  // The pages scroll rather than widen the window past the screen (large zoom, small screen).
  auto* scroll = new QScrollArea;
  scroll->setWidget(m_pages);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  m_lessonView = new LessonView(this, m_stepList, m_session);
  QWidget* content = m_lessonView->wrap(scroll);
  m_presenter = new PresenterMode(this, content, m_session, [this] { applyZoom(); });

  m_mainSplitter = new QSplitter(Qt::Horizontal);
  m_mainSplitter->addWidget(m_stepList);
  m_mainSplitter->addWidget(content);
  m_mainSplitter->setStretchFactor(0, 0);
  m_mainSplitter->setStretchFactor(1, 1);
  m_mainSplitter->setChildrenCollapsible(false);
  m_mainSplitter->setSizes({170, 1000});
  setCentralWidget(m_mainSplitter);

  m_statusLabel = new QLabel;
  m_statusLabel->setObjectName(QStringLiteral("statusLabel"));
  statusBar()->addWidget(m_statusLabel, 1);
  statusBar()->setSizeGripEnabled(false);

  createActions();
  connectSession();

  restoreSettings();
  applyZoom();
  showStep(TrainStep);
  updateActions();
  updateProjectSteps();
  setStatus(QStringLiteral("Open a project to begin (File > Open project)."));
}

MainWindow::~MainWindow() { m_session->shutdown(); }

QWidget* MainWindow::createDataPage() {
  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);
  layout->addWidget(pageTitle(QStringLiteral("Data")));
  m_dataSummary = wrappedLabel();
  m_dataSummary->setObjectName(QStringLiteral("dataSummary"));
  layout->addWidget(m_dataSummary);
  m_dataPage = new DataBlockPage;
  m_dataPage->setObjectName(QStringLiteral("dataBlockPage"));
  layout->addWidget(m_dataPage, 1);
  connect(m_dataPage, &DataBlockPage::specEdited, m_session, &TrainingSession::setDataBlock);
  connect(m_dataPage, &DataBlockPage::previewReady, this, [this](bool ok, const QString& problem) {
    m_session->setPreviewCheck(ok, problem);
    if (!ok) setStatus(QStringLiteral("The data block needs a change: %1").arg(problem));
  });
  return page;
}

QWidget* MainWindow::createModelPage() {
  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);
  layout->addWidget(pageTitle(QStringLiteral("Model")));
  layout->addWidget(wrappedLabel(QStringLiteral(
      "The network that learns from the data: pick a ready architecture or stack layers. The "
      "table shows what each layer makes of the images; a layer that does not fit is marked in "
      "red with what would fit.")));
  m_modelEditor = new ModelEditor;
  m_modelEditor->setObjectName(QStringLiteral("modelEditor"));
  connect(m_modelEditor, &ModelEditor::specChanged, m_session, &TrainingSession::setModel);
  connect(m_modelEditor, &ModelEditor::summaryReady, this, [this](bool fits, const QString& problem) {
    m_session->setModelCheck(fits, problem);
    if (!fits) setStatus(QStringLiteral("The model needs a change: %1").arg(problem));
  });
  layout->addWidget(m_modelEditor, 1);
  return page;
}

QWidget* MainWindow::createExportPage() {
  m_exportPage = new ExportPage;
  m_exportPage->setObjectName(QStringLiteral("exportPage"));
  connect(m_exportPage, &ExportPage::failed, this, &MainWindow::setStatus);
  connect(m_exportPage, &ExportPage::exported, this, [this](const QString& file) {
    setStatus(QStringLiteral("Exported the model to %1").arg(file));
  });
  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);
  layout->addWidget(pageTitle(QStringLiteral("Export")));
  layout->addWidget(m_exportPage, 1);
  return page;
}

void MainWindow::connectSession() {
  TrainingSession* s = m_session;
  connect(s, &TrainingSession::stateChanged, this, [this] {
    updateActions();
    updateProjectSteps();
  });
  connect(s, &TrainingSession::projectChanged, this, &MainWindow::onProjectChanged);
  connect(s, &TrainingSession::projectEdited, this, [this] { setWindowModified(true); });
  connect(s, &TrainingSession::trainSettingsChanged, this, [this] { setWindowModified(true); });
  connect(s, &TrainingSession::projectRenamed, this, &MainWindow::updateTitle);
  connect(s, &TrainingSession::dataLoading, this, [this] {
    setStatus(QStringLiteral("Loading the data of %1...")
                  .arg(QString::fromStdString(m_session->project().name)));
  });
  connect(s, &TrainingSession::dataReady, this, &MainWindow::onDataReady);
  connect(s, &TrainingSession::dataFailed, this, &MainWindow::setStatus);
  connect(s, &TrainingSession::notice, this, &MainWindow::setStatus);
  // A run leaves a checkpoint the Export page can export.
  connect(s, &TrainingSession::trainingFinished, this,
          [this] { m_exportPage->setProject(m_session->runProject()); });

  connect(m_lrPage, &LearningRatePage::statusMessage, this, &MainWindow::setStatus);
  connect(m_trainPage, &TrainPage::statusMessage, this, &MainWindow::setStatus);
  connect(m_runsPage, &RunsPage::statusMessage, this, &MainWindow::setStatus);
  connect(m_runsPage, &RunsPage::branched, this, [this](const GhostCurve& parent) {
    m_trainPage->setGhost(parent);
    showStep(TrainStep);
  });
  connect(m_lrPage, &LearningRatePage::stepDone, this,
          [this](const QString& text) { setStepState(LearningRateStep, true, text); });
  connect(m_trainPage, &TrainPage::stepDone, this,
          [this](const QString& text) { setStepState(TrainStep, true, text); });
  connect(m_inspectPage, &InspectPage::stepState, this, [this](bool ok, const QString& text) {
    if (ok)
      setStepState(InspectStep, true, text);
    else
      clearStepState(InspectStep, text);
  });
}

void MainWindow::createActions() {
  QMenu* file = menuBar()->addMenu(QStringLiteral("&File"));
  m_newAction = file->addAction(QStringLiteral("&New project..."), this, [this] { newProject(); });
  m_newAction->setShortcut(QKeySequence::New);
  m_newAction->setToolTip(
      QStringLiteral("Start a project from a folder of your images or a CSV (Ctrl+N); dropping a "
                     "folder on the window does the same"));
  m_openAction = file->addAction(QStringLiteral("&Open project..."), this, [this] {
    if (!maybeSave()) return;
    const QString path = QFileDialog::getOpenFileName(
        this, QStringLiteral("Open project"), QString(),
        QStringLiteral("Learnbench projects (*.lbproj);;All files (*)"));
    if (!path.isEmpty()) openProject(path);
  });
  m_openAction->setShortcut(QKeySequence::Open);
  m_openAction->setToolTip(QStringLiteral("Open a project file (*.lbproj)"));
  m_recentMenu = file->addMenu(QStringLiteral("&Recent projects"));
  m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
  connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);
  fillRecentMenu();
  m_exampleAction = file->addAction(QStringLiteral("Open the &example"), this, [this] {
    if (maybeSave()) openExampleProject();
  });
  m_exampleAction->setToolTip(QStringLiteral("Open the built-in Fashion-MNIST example"));
  file->addSeparator();
  m_saveAction = file->addAction(QStringLiteral("&Save"), this, &MainWindow::save);
  m_saveAction->setShortcut(QKeySequence::Save);
  m_saveAction->setToolTip(QStringLiteral("Save the project, with its data block (Ctrl+S)"));
  m_saveAsAction = file->addAction(QStringLiteral("Save &as..."), this, [this] { saveAs(); });
  m_saveAsAction->setShortcut(QKeySequence::SaveAs);
  m_saveAsAction->setToolTip(QStringLiteral("Save the project under another name (Ctrl+Shift+S)"));
  // The same script as learnbench-cli eject; written off the GUI thread (it reads every file).
  file->addAction(QStringLiteral("E&xport as fastai script..."), this, [this] {
    const QString path = QFileDialog::getSaveFileName(
        this, QStringLiteral("Export as fastai script"), QStringLiteral("train.py"),
        QStringLiteral("Python scripts (*.py)"));
    if (path.isEmpty()) return;
    setStatus(QStringLiteral("Writing %1...").arg(path));
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher] {
      setStatus(watcher->result());
      watcher->deleteLater();
    });
    watcher->setFuture(QtConcurrent::run([project = m_session->project(), path] {
      useHelperThread();
      try {
        const auto skipped = ejectFastaiScript(project, path.toStdString()).skipped.size();
        return QStringLiteral("Wrote %1: the project as fastai 2.7 code%2.")
            .arg(path, skipped ? QStringLiteral(", without the %1 files Learnbench skips").arg(skipped)
                               : QString());
      } catch (const std::exception& e) {
        return QString::fromStdString(userMessage(e));
      }
    }));
  })->setToolTip(QStringLiteral("Write the project as a Python script for fastai 2.7, each step "
                                "commented with the setting it comes from"));
  file->addSeparator();
  QAction* quit = file->addAction(QStringLiteral("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  // The model editor's edits; inside the editor Ctrl+Z and Ctrl+Shift+Z act on it directly.
  QMenu* edit = menuBar()->addMenu(QStringLiteral("&Edit"));
  QAction* undo = m_modelEditor->undoStack()->createUndoAction(this, QStringLiteral("&Undo"));
  undo->setShortcut(QKeySequence::Undo);
  QAction* redo = m_modelEditor->undoStack()->createRedoAction(this, QStringLiteral("&Redo"));
  redo->setShortcut(QKeySequence::Redo);
  edit->addAction(undo);
  edit->addAction(redo);

  QMenu* training = menuBar()->addMenu(QStringLiteral("&Training"));
  m_trainAction = training->addAction(QStringLiteral("&Train"), this, &MainWindow::startTraining);
  m_trainAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
  m_pauseAction =
      training->addAction(QStringLiteral("&Pause / Resume"), this, &MainWindow::togglePause);
  m_pauseAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
  m_pauseAction->setObjectName(QStringLiteral("pauseAction"));
  m_stopAction = training->addAction(QStringLiteral("&Stop"), this, &MainWindow::stopTraining);
  m_stopAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
  training->addSeparator();
  m_findLrAction = training->addAction(QStringLiteral("Find the &learning rate"), this,
                                       &MainWindow::findLearningRate);
  m_findLrAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
  m_inspectAction =
      training->addAction(QStringLiteral("&Inspect the model again"), this, &MainWindow::inspect);
  m_inspectAction->setShortcut(QKeySequence::Refresh);

  QMenu* view = menuBar()->addMenu(QStringLiteral("&View"));
  QAction* in = view->addAction(QStringLiteral("Zoom &in"), this, &MainWindow::zoomIn);
  // Ctrl+= is what most keyboards type for Ctrl++.
  in->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Plus), QKeySequence(Qt::CTRL | Qt::Key_Equal)});
  QAction* out = view->addAction(QStringLiteral("Zoom &out"), this, &MainWindow::zoomOut);
  out->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Minus));  // what QKeySequence::ZoomOut is
  QAction* reset = view->addAction(QStringLiteral("&Actual size"), this, &MainWindow::zoomReset);
  reset->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
  view->addSeparator();
  QAction* resetPlot = view->addAction(QStringLiteral("&Reset the plot view"), this,
                                       [this] { m_trainPage->lossPlot()->resetView(); });
  resetPlot->setToolTip(QStringLiteral("Follow the data again (or double-click the plot)"));
  view->addSeparator();
  m_presenter->addActions(view);
  m_lessonView->addActions(view);
  m_lessonView->toolBar()->addAction(m_presenter->toggleAction());
  // Guess first: the class guesses before Inspect and Export show the model's prediction.
  m_guessFirstAction = view->addAction(QStringLiteral("&Guess first"));
  m_guessFirstAction->setObjectName(QStringLiteral("guessFirstAction"));
  m_guessFirstAction->setCheckable(true);
  m_guessFirstAction->setToolTip(QStringLiteral(
      "Hide the model's prediction on Inspect and Export until you reveal it (a click or the "
      "space key); the project remembers it"));
  connect(m_guessFirstAction, &QAction::toggled, this, &MainWindow::setGuessFirst);
}

void MainWindow::setGuessFirst(bool on) {
  m_guessFirstAction->setChecked(on);
  m_inspectPage->findChild<TopLossesView*>()->setGuessFirst(on);
  m_exportPage->setGuessFirst(on);
  Classroom c = m_session->project().classroom;
  if (!m_session->hasProject() || c.guessFirst == on) return;
  c.guessFirst = on;
  m_session->setClassroom(c);
}

bool MainWindow::hasProject() const { return m_session->hasProject(); }
const Project& MainWindow::project() const { return m_session->project(); }
bool MainWindow::isTraining() const { return m_session->state().run == RunKind::Training; }
bool MainWindow::isFindingLr() const { return m_session->state().run == RunKind::FindingLr; }
bool MainWindow::isInspecting() const { return m_session->state().inspecting; }
bool MainWindow::isPaused() const { return m_session->state().paused; }
TrainingWorker* MainWindow::trainingWorker() const { return m_session->worker(); }

bool MainWindow::openProject(const QString& path) {
  if (!m_session->can(Action::EditProject)) return false;
  try {
    setProject(loadProject(path.toStdString()));
    rememberProject(path);
    return true;
  } catch (const std::exception& e) {
    const QString sentence = QString::fromStdString(userMessage(e));
    m_session->clearProject(sentence);
    setStatus(sentence);
    return false;
  }
}

bool MainWindow::openExampleProject() {
  if (!m_session->can(Action::EditProject)) return false;
  QFile file(kExampleResource);
  if (!file.open(QIODevice::ReadOnly)) {
    setStatus(QStringLiteral("The built-in example project is missing from this build."));
    return false;
  }
  try {
    setProject(parseProject(file.readAll().toStdString(), kExampleResource.toStdString()));
    return true;
  } catch (const std::exception& e) {
    setStatus(QString::fromStdString(userMessage(e)));
    return false;
  }
}

void MainWindow::setProject(const Project& project) { m_session->setProject(project); }

void MainWindow::onProjectChanged() {
  const Project& project = m_session->project();
  for (Step step : {LearningRateStep, TrainStep}) clearStepState(step, {});
  if (!m_session->hasProject()) return;
  updateTitle();
  setWindowModified(false);
  m_dataPage->setSpec(project.data, QString::fromStdString(project.folder().string()));
  m_modelEditor->setSpec(project.model);
  m_exportPage->setProject(m_session->runProject());
  setGuessFirst(project.classroom.guessFirst);
}

void MainWindow::onDataReady(const DataSummary& summary) {
  m_modelEditor->setInput(summary.inputShape, summary.outputs);
  m_dataPage->setCleaningNote(
      summary.cleaning.sentence().empty()
          ? QString()
          : QStringLiteral("Cleaning: %1 (Clean labels step; the files are unchanged).")
                .arg(QString::fromStdString(summary.cleaning.sentence())));
  const QString sentence = QString::fromStdString(summary.sentence());
  if (m_session->state().run == RunKind::Training)
    setStatus(QStringLiteral("Training on %1").arg(sentence));
  else if (!summary.modelProblem.empty())
    setStatus(QStringLiteral("The model needs a change: %1")
                  .arg(QString::fromStdString(summary.modelProblem)));
  else
    setStatus(QStringLiteral("Ready: %1, %2 training images")
                  .arg(QString::fromStdString(m_session->project().name),
                       formatCount(summary.trainItems)));
}

bool MainWindow::save() {
  if (!m_session->can(Action::Save)) return false;
  if (m_session->isUntitled() || m_session->isExample()) return saveAs();
  return saveTo(QString::fromStdString(m_session->project().file.string()));
}

bool MainWindow::saveAs(const QString& chosen) {
  if (!m_session->can(Action::Save)) return false;
  QString file = chosen;
  if (file.isEmpty()) {
    // A new name beside the current file; the example and untitled projects in the home folder.
    const Project& project = m_session->project();
    const bool saved = !m_session->isUntitled() && !m_session->isExample();
    const QString folder = saved ? QString::fromStdString(project.folder().string()) : QDir::homePath();
    file = QFileDialog::getSaveFileName(
        this, QStringLiteral("Save project as"),
        QDir(folder).filePath(QStringLiteral("%1.lbproj").arg(QString::fromStdString(project.name))),
        QStringLiteral("Learnbench projects (*.lbproj)"));
    if (file.isEmpty()) return false;
  }
  if (!file.endsWith(QStringLiteral(".lbproj"))) file += QStringLiteral(".lbproj");
  return saveTo(file);
}

bool MainWindow::saveTo(const QString& file) {
  Project project = m_session->project();
  const std::filesystem::path data = project.dataPath();  // from the folder it was in
  const std::filesystem::path target = QFileInfo(file).absoluteFilePath().toStdString();
  if (target != project.file) project.name = target.stem().string();  // Save As: the new name
  project.file = target;
  if (!std::filesystem::path(project.data.path).is_absolute()) {
    // A relative data path is relative to the project's folder: it must still reach the data.
    const auto relative = data.lexically_relative(project.folder());
    project.data.path = !relative.empty() && *relative.begin() != ".." ? relative.generic_string()
                                                                      : data.string();
  }
  try {
    lb::saveProject(project, target);
  } catch (const std::exception& e) {
    setStatus(QString::fromStdString(userMessage(e)));
    return false;
  }
  if (project.data.path != m_session->project().data.path) m_session->setDataBlock(project.data);
  m_session->setProjectFile(target);
  setWindowModified(false);
  updateTitle();
  rememberProject(file);
  setStatus(QStringLiteral("Saved %1").arg(QDir::toNativeSeparators(file)));
  return true;
}

bool MainWindow::maybeSave() {
  if (!m_session->hasProject() || !isWindowModified()) return true;
  const QString name = QString::fromStdString(m_session->project().name);
  const QMessageBox::StandardButton answer =
      m_unsavedAnswer
          ? m_unsavedAnswer()
          : QMessageBox::question(
                this, QStringLiteral("Unsaved changes"),
                QStringLiteral("%1 has changes that are not saved. Save them first?").arg(name),
                QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Save) return save();
  return answer == QMessageBox::Discard;
}

void MainWindow::setUnsavedChangesAnswer(std::function<QMessageBox::StandardButton()> answer) {
  m_unsavedAnswer = std::move(answer);
}

NewProjectDialog* MainWindow::newProject(const QString& source) {
  if (!m_session->can(Action::EditProject)) {
    setStatus(m_session->blockedReason(Action::EditProject));
    return nullptr;
  }
  if (!maybeSave()) return nullptr;
  auto* dialog = new NewProjectDialog(this);
  dialog->setObjectName(QStringLiteral("newProjectDialog"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog, &QDialog::accepted, this, [this, dialog] {
    if (openProject(dialog->projectFile())) showStep(DataStep);
  });
  dialog->open();
  if (!source.isEmpty()) dialog->setSource(source);
  return dialog;
}

QStringList MainWindow::recentProjects() {
  QStringList kept;
  for (const QString& file : QSettings().value(kRecentKey).toStringList())
    if (QFileInfo::exists(file) && !kept.contains(file) && kept.size() < kRecentCount) kept << file;
  return kept;
}

void MainWindow::rememberProject(const QString& file) {
  const QString path = QFileInfo(file).absoluteFilePath();
  if (path.startsWith(QLatin1Char(':'))) return;  // the example has its own menu entry
  QStringList list = recentProjects();
  list.removeAll(path);
  list.prepend(path);
  while (list.size() > kRecentCount) list.removeLast();
  QSettings().setValue(kRecentKey, list);
}

void MainWindow::fillRecentMenu() {
  m_recentMenu->clear();
  const QStringList files = recentProjects();
  for (const QString& file : files) {
    QAction* action = m_recentMenu->addAction(QFileInfo(file).completeBaseName(), this, [this, file] {
      if (maybeSave()) openProject(file);
    });
    action->setToolTip(QDir::toNativeSeparators(file));
    action->setStatusTip(QDir::toNativeSeparators(file));
  }
  if (files.isEmpty()) m_recentMenu->addAction(QStringLiteral("No recent projects"))->setEnabled(false);
}

bool MainWindow::openLastProject() {
  const QStringList recent = recentProjects();
  if (!recent.isEmpty() && openProject(recent.first())) return true;
  return openExampleProject();
}

void MainWindow::updateTitle() {
  if (!m_session->hasProject()) {
    setWindowTitle(QStringLiteral("Learnbench"));
    return;
  }
  const QString name = QString::fromStdString(m_session->project().name);
  setWindowTitle(m_session->isUntitled()
                     ? QStringLiteral("%1 (not saved yet)[*] - Learnbench").arg(name)
                     : QStringLiteral("%1[*] - Learnbench").arg(name));
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  const QString path = droppedPath(event->mimeData());
  if (!path.isEmpty() && (QFileInfo(path).isDir() || path.endsWith(QStringLiteral(".csv"))) &&
      m_session->can(Action::EditProject))
    event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QString path = droppedPath(event->mimeData());
  if (path.isEmpty()) return;
  event->acceptProposedAction();
  newProject(path);
}

void MainWindow::updateProjectSteps() {
  const TrainingSession& s = *m_session;
  const SessionState& st = s.state();
  if (!st.hasProject) {
    const QString none = QStringLiteral("No project is open.");
    const QString why = st.dataProblem.isEmpty() ? none : st.dataProblem;
    m_dataSummary->setText(why);
    setStepState(DataStep, false, why);
    setStepState(ModelStep, false, none);
    return;
  }
  // The Data step: the editor's check first (it names the card to fix), then the load.
  if (!st.previewProblem.isEmpty()) {
    m_dataSummary->setText(QStringLiteral("The data block needs a change: %1").arg(st.previewProblem));
    setStepState(DataStep, false, st.previewProblem);
  } else if (!st.dataProblem.isEmpty()) {
    m_dataSummary->setText(st.dataProblem);
    setStepState(DataStep, false, st.dataProblem);
  } else if (s.hasData()) {
    QStringList classes;
    for (const std::string& c : s.data().classes) classes << QString::fromStdString(c);
    const QString sentence = QString::fromStdString(s.data().sentence());
    m_dataSummary->setText(
        QStringLiteral("Loaded: %1. Classes: %2.").arg(sentence, classes.join(QStringLiteral(", "))));
    setStepState(DataStep, true, sentence);
  } else {
    m_dataSummary->setText(QStringLiteral("Loading the data..."));
    clearStepState(DataStep, m_stepList->item(DataStep)->toolTip());
  }

  if (!st.modelProblem.isEmpty())
    setStepState(ModelStep, false, st.modelProblem);
  else if (!st.modelBuildProblem.isEmpty())
    setStepState(ModelStep, false, st.modelBuildProblem);
  else if (!st.dataProblem.isEmpty())
    setStepState(ModelStep, false, QStringLiteral("The model is built once the data loads."));
  else if (s.hasData())
    setStepState(ModelStep, true,
                 QStringLiteral("%1 parameters").arg(formatCount(s.data().parameterCount)));
  else
    clearStepState(ModelStep, m_stepList->item(ModelStep)->toolTip());
}

void MainWindow::updateActions() {
  const TrainingSession& s = *m_session;
  m_trainAction->setEnabled(s.can(Action::Train));
  m_findLrAction->setEnabled(s.can(Action::FindLearningRate));
  m_stopAction->setEnabled(s.can(Action::Stop));
  m_pauseAction->setEnabled(s.can(Action::Pause));
  m_inspectAction->setEnabled(s.can(Action::Inspect));
  m_openAction->setEnabled(s.can(Action::EditProject));
  m_newAction->setEnabled(s.can(Action::EditProject));
  m_recentMenu->setEnabled(s.can(Action::EditProject));
  m_saveAsAction->setEnabled(s.can(Action::Save));
  m_exampleAction->setEnabled(s.can(Action::EditProject));
  m_saveAction->setEnabled(s.can(Action::Save));
  // A run uses the data block and the model as they were when it started.
  m_dataPage->editor()->setEnabled(s.can(Action::EditProject));
  m_modelEditor->setEnabled(s.can(Action::EditProject));
  m_lessonView->applyLocks();  // after the pages and the lines above enabled the settings
}

void MainWindow::setStepState(Step step, bool ok, const QString& tooltip) {
  QListWidgetItem* item = m_stepList->item(step);
  item->setIcon(
      style()->standardIcon(ok ? QStyle::SP_DialogApplyButton : QStyle::SP_MessageBoxWarning));
  item->setToolTip(tooltip);
}

void MainWindow::clearStepState(Step step, const QString& tooltip) {
  QListWidgetItem* item = m_stepList->item(step);
  item->setIcon(blankIcon());
  if (!tooltip.isEmpty()) item->setToolTip(tooltip);
}

void MainWindow::showStep(Step step) { m_stepList->setCurrentRow(step); }

QString MainWindow::statusText() const { return m_statusLabel->text(); }

void MainWindow::setStatus(const QString& text) { m_statusLabel->setText(text); }

void MainWindow::startTraining() { m_trainPage->train(); }
void MainWindow::stopTraining() { m_trainPage->stop(); }
void MainWindow::togglePause() { m_trainPage->togglePause(); }
void MainWindow::findLearningRate() { m_lrPage->findLearningRate(); }
void MainWindow::inspect() { m_inspectPage->inspect(); }
void MainWindow::inspectCell(int actual, int predicted) {
  m_inspectPage->inspectCell(actual, predicted);
}

void MainWindow::zoomIn() {
  for (double z : kZoomSteps)
    if (z > m_zoom + 1e-6) {
      m_zoom = z;
      break;
    }
  applyZoom();
}

void MainWindow::zoomOut() {
  for (auto it = std::rbegin(kZoomSteps); it != std::rend(kZoomSteps); ++it)
    if (*it < m_zoom - 1e-6) {
      m_zoom = *it;
      break;
    }
  applyZoom();
}

void MainWindow::zoomReset() {
  m_zoom = 1.0;
  applyZoom();
}

void MainWindow::applyZoom() {
  // One application font for everything: widgets follow it and the plots restyle on FontChange.
  // Presenter view keeps the chrome (steps, menus, toolbar) at the normal size and enlarges the
  // pages: their container gets a font of its own.
  const QFont chrome = scaledFont(m_baseFont, m_presenter->isOn() ? 1.0 : m_zoom);
  QApplication::setFont(chrome);
  const QFont f = scaledFont(m_baseFont, m_presenter->contentScale(m_zoom, m_baseFont));
  m_mainSplitter->widget(1)->setFont(f);  // the pages and the lesson's banner

  // The explicitly styled fonts do not follow the application font: recompute them. Pages mark
  // their titles and primary buttons (app/page_style.h).
  QFont big = f;
  big.setBold(true);
  if (big.pointSizeF() > 0) big.setPointSizeF(f.pointSizeF() * 1.2);
  const int tall = QFontMetrics(big).height() * 2;
  for (QPushButton* button : findChildren<QPushButton*>()) {
    if (button->property(kPrimaryProperty).toBool()) {
      button->setFont(big);
      button->setMinimumWidth(QFontMetrics(big).horizontalAdvance(QStringLiteral("Train")) * 3);
    }
    if (button->property(kPrimaryProperty).toBool() || button->property(kTallProperty).toBool())
      button->setMinimumHeight(tall);
  }
  QFont title = f;
  title.setBold(true);
  if (title.pointSizeF() > 0) title.setPointSizeF(f.pointSizeF() * 1.4);
  for (QLabel* label : findChildren<QLabel*>())
    if (label->property(kTitleProperty).toBool()) label->setFont(title);
  const QFont steps = scaledFont(chrome, 1.1);
  m_stepList->setFont(steps);
  m_stepList->setIconSize(QSize(1, 1) * QFontMetrics(steps).height());
  // Wide enough for the longest step's name with its icon: nothing truncated at any zoom.
  int widest = 0;
  for (int row = 0; row < m_stepList->count(); ++row)
    widest = std::max(widest, QFontMetrics(steps).horizontalAdvance(m_stepList->item(row)->text()));
  m_stepList->setMinimumWidth(widest + QFontMetrics(steps).height() * 3);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!maybeSave()) {
    event->ignore();
    return;
  }
  saveSettings();
  // Ask the worker to stop now, so the window disappears at once; the destructor joins the
  // thread (within a batch, or after a data load that cannot be interrupted, about a second).
  m_session->beginShutdown();
  QMainWindow::closeEvent(event);
}

void MainWindow::saveSettings() const {
  QSettings settings;
  settings.setValue(kGeometryKey, saveGeometry());
  settings.setValue(kMainSplitterKey, m_mainSplitter->saveState());
  settings.setValue(kTrainSplitterKey, m_trainPage->splitter()->saveState());
  settings.setValue(kDataSplitterKey, m_dataPage->splitter()->saveState());
  settings.setValue(kInspectSplitterKey, m_inspectPage->splitter()->saveState());
  settings.setValue(kZoomKey, m_zoom);
}

void MainWindow::restoreSettings() {
  QSettings settings;
  if (restoreGeometry(settings.value(kGeometryKey).toByteArray())) {
    // Saved on a larger screen: keep the window on this one.
    if (screen() && !isMaximized()) setGeometry(fitInside(geometry(), screen()->availableGeometry()));
  } else {
    // First start: most of the screen, so the plot is large enough to read from a distance.
    const QSize screen = this->screen() ? this->screen()->availableSize() : QSize(1280, 800);
    resize(std::max(900, int(screen.width() * 0.85)), std::max(640, int(screen.height() * 0.85)));
  }
  m_mainSplitter->restoreState(settings.value(kMainSplitterKey).toByteArray());
  m_trainPage->splitter()->restoreState(settings.value(kTrainSplitterKey).toByteArray());
  m_dataPage->splitter()->restoreState(settings.value(kDataSplitterKey).toByteArray());
  m_inspectPage->splitter()->restoreState(settings.value(kInspectSplitterKey).toByteArray());
  m_zoom = std::clamp(settings.value(kZoomKey, 1.0).toDouble(), kZoomSteps[0],
                      kZoomSteps[std::size(kZoomSteps) - 1]);
}

}  // namespace lb
