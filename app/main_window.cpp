#include "app/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QTableWidget>
#include <QThread>
#include <QTimer>
#include <QUndoStack>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>

#include "engine/util/error.h"
#include "engine/util/runtime.h"
#include "widgets/confusion_matrix_view.h"
#include "widgets/data_block_editor.h"
#include "widgets/data_block_page.h"
#include "widgets/export_page.h"
#include "widgets/loss_plot.h"
#include "widgets/lr_finder_plot.h"
#include "widgets/model_editor.h"
#include "widgets/multi_label_view.h"
#include "widgets/regression_view.h"
#include "widgets/schedule_plot.h"
#include "widgets/scientific_spin_box.h"
#include "widgets/text_format.h"
#include "widgets/top_losses_view.h"

// lb_app is a static library: without this call the linker drops its resources (the example).
static void initResources() { Q_INIT_RESOURCE(resources); }

namespace lb {

namespace {
constexpr int kPollMs = 100;  // progress bar, status line and plot buffers: 10 updates a second
constexpr int kScheduleCursorMs = 500;
constexpr double kZoomSteps[] = {0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5, 3.0};
const QString kExampleResource = QStringLiteral(":/examples/fashion-mnist.lbproj");

// Settings keys, declared once.
const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kMainSplitterKey = QStringLiteral("window/mainSplitter");
const QString kTrainSplitterKey = QStringLiteral("window/trainSplitter");
const QString kDataSplitterKey = QStringLiteral("window/dataSplitter");
const QString kInspectSplitterKey = QStringLiteral("window/inspectSplitter");
constexpr int kTopLosses = 9;  // fastai's plot_top_losses(9): a 3 x 3 grid
constexpr int kMetricColumn = 3;  // of the epoch table: accuracy, accuracy_multi or mae
const QString kZoomKey = QStringLiteral("view/zoom");

QLabel* wrappedLabel(const QString& text = {}) {
  auto* label = new QLabel(text);
  label->setWordWrap(true);
  label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  return label;
}

QLabel* pageTitle(const QString& text) {
  auto* label = new QLabel(text);
  QFont f = label->font();
  f.setBold(true);
  label->setFont(f);
  label->setProperty("lbTitle", true);  // applyZoom keeps titles larger than body text
  return label;
}

QString epochsWord(int n) {
  return n == 1 ? QStringLiteral("1 epoch") : QStringLiteral("%1 epochs").arg(n);
}

// The page's one primary action in the palette's highlight colour, so it reads as the thing to
// press.
void makePrimary(QPushButton* button) {
  button->setDefault(true);
  QPalette primary = button->palette();
  for (auto group : {QPalette::Active, QPalette::Inactive}) {
    primary.setColor(group, QPalette::Button, primary.color(QPalette::Highlight));
    primary.setColor(group, QPalette::ButtonText, primary.color(QPalette::HighlightedText));
  }
  button->setPalette(primary);
}

QIcon blankIcon() {
  QPixmap pm(16, 16);
  pm.fill(Qt::transparent);
  return QIcon(pm);
}
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  initResources();
  useHelperThread();  // the GUI thread only helps: the worker's threads own the cores
  registerTrainingMetaTypes();
  setWindowTitle(QStringLiteral("Learnbench"));
  m_baseFont = QApplication::font();

  // Left: the steps in the order a beginner works; centre: one page per step.
  m_stepList = new QListWidget;
  m_stepList->setObjectName(QStringLiteral("stepList"));
  const QString steps[] = {QStringLiteral("Data"),          QStringLiteral("Model"),
                           QStringLiteral("Learning rate"), QStringLiteral("Train"),
                           QStringLiteral("Inspect"),       QStringLiteral("Export")};
  const QString stepTips[] = {
      QStringLiteral("Where the images come from and how they are labelled"),
      QStringLiteral("The network that learns from them"),
      QStringLiteral("Find a good learning rate with fastai's learning-rate finder"),
      QStringLiteral("Fit the model and watch the loss"),
      QStringLiteral("See what the model gets wrong: top losses and the confusion matrix"),
      QStringLiteral("Save the trained model (in a later version)")};
  for (int i = 0; i < 6; ++i) {
    auto* item = new QListWidgetItem(blankIcon(), steps[i], m_stepList);
    item->setToolTip(stepTips[i]);
  }
  m_stepList->setSpacing(3);
  m_stepList->setMinimumWidth(140);

  m_pages = new QStackedWidget;
  m_pages->addWidget(createDataPage());
  m_pages->addWidget(createModelPage());
  QWidget* trainPage = createTrainPage();  // first: the Learning rate page sets its lr spin
  m_pages->addWidget(createLearningRatePage());
  m_pages->addWidget(trainPage);
  m_pages->addWidget(createInspectPage());
  m_exportPage = new ExportPage;
  m_exportPage->setObjectName(QStringLiteral("exportPage"));
  connect(m_exportPage, &ExportPage::failed, this, &MainWindow::setStatus);
  connect(m_exportPage, &ExportPage::exported, this, [this](const QString& file) {
    setStatus(QStringLiteral("Exported the model to %1").arg(file));
  });
  auto* exportPage = new QWidget;
  auto* exportLayout = new QVBoxLayout(exportPage);
  exportLayout->addWidget(pageTitle(QStringLiteral("Export")));
  exportLayout->addWidget(m_exportPage, 1);
  m_pages->addWidget(exportPage);
  connect(m_stepList, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);
  connect(m_stepList, &QListWidget::currentRowChanged, this, [this](int row) {
    if (row == InspectStep) inspectTrainedModel();
  });

  m_mainSplitter = new QSplitter(Qt::Horizontal);
  m_mainSplitter->addWidget(m_stepList);
  m_mainSplitter->addWidget(m_pages);
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

  // The worker and its thread: only values cross, through queued signals and takePending().
  m_thread = new QThread;
  m_thread->setObjectName(QStringLiteral("training"));
  m_worker = new TrainingWorker;
  m_worker->moveToThread(m_thread);
  connect(m_worker, &TrainingWorker::dataReady, this, &MainWindow::onDataReady);
  connect(m_worker, &TrainingWorker::dataFailed, this, &MainWindow::onDataFailed);
  connect(m_worker, &TrainingWorker::epochDone, this, &MainWindow::onEpochDone);
  connect(m_worker, &TrainingWorker::finished, this, &MainWindow::onFinished);
  connect(m_worker, &TrainingWorker::failed, this, &MainWindow::onFailed);
  connect(m_worker, &TrainingWorker::lrFound, this, &MainWindow::onLrFound);
  connect(m_worker, &TrainingWorker::lrFailed, this, &MainWindow::onLrFailed);
  connect(m_worker, &TrainingWorker::interpreted, this, &MainWindow::onInterpreted);
  connect(m_worker, &TrainingWorker::interpretFailed, this, &MainWindow::onInterpretFailed);
  connect(m_worker, &TrainingWorker::runNotRecorded, this, &MainWindow::setStatus);
  m_thread->start();

  m_pollTimer = new QTimer(this);
  m_pollTimer->setInterval(kPollMs);
  connect(m_pollTimer, &QTimer::timeout, this, &MainWindow::drainProgress);

  // Until a project opens, the settings show the defaults rather than the spin boxes' minimums.
  const TrainSettings defaults;
  m_epochsSpin->setValue(defaults.epochs);
  m_lrSpin->setValue(defaults.lr);
  m_batchSizeSpin->setValue(defaults.batchSize);

  restoreSettings();
  applyZoom();
  showStep(TrainStep);
  setTraining(false);
  setStatus(QStringLiteral("Open a project to begin (File > Open project)."));
}

MainWindow::~MainWindow() { shutdownWorker(); }

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
  connect(m_dataPage, &DataBlockPage::specEdited, this, &MainWindow::onDataEdited);
  connect(m_dataPage, &DataBlockPage::previewReady, this, &MainWindow::onPreviewReady);
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
  connect(m_modelEditor, &ModelEditor::specChanged, this, &MainWindow::onModelEdited);
  connect(m_modelEditor, &ModelEditor::summaryReady, this, &MainWindow::onModelSummary);
  layout->addWidget(m_modelEditor, 1);
  return page;
}

QWidget* MainWindow::createTrainPage() {
  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);

  // Settings, then the one primary action.
  auto* row = new QHBoxLayout;
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
  const auto addField = [row](const QString& text, QWidget* field) {
    auto* label = new QLabel(text);
    label->setBuddy(field);
    row->addWidget(label);
    row->addWidget(field);
    row->addSpacing(12);
  };
  addField(QStringLiteral("&Epochs"), m_epochsSpin);
  addField(QStringLiteral("&Learning rate"), m_lrSpin);
  addField(QStringLiteral("&Batch size"), m_batchSizeSpin);
  // The schedule plot shows the plan as the spins change, before Train is pressed.
  connect(m_epochsSpin, &QSpinBox::valueChanged, this, [this](int v) {
    m_project.train.epochs = v;
    updateSchedule();
  });
  connect(m_lrSpin, &QDoubleSpinBox::valueChanged, this, [this](double v) {
    m_project.train.lr = v;
    updateSchedule();
  });
  connect(m_batchSizeSpin, &QSpinBox::valueChanged, this, [this](int v) {
    m_project.train.batchSize = v;
    updateSchedule();
  });

  m_trainButton =
      new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), QStringLiteral("Train"));
  m_trainButton->setObjectName(QStringLiteral("trainButton"));
  makePrimary(m_trainButton);
  m_pauseButton =
      new QPushButton(style()->standardIcon(QStyle::SP_MediaPause), QStringLiteral("Pause"));
  m_pauseButton->setObjectName(QStringLiteral("pauseButton"));
  m_pauseButton->setToolTip(QStringLiteral("Hold training before the next batch; Resume goes on (Ctrl+P)"));
  connect(m_pauseButton, &QPushButton::clicked, this, &MainWindow::togglePause);
  m_stopButton =
      new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), QStringLiteral("Stop"));
  m_stopButton->setObjectName(QStringLiteral("stopButton"));
  m_stopButton->setToolTip(QStringLiteral("Stop after the current batch (Ctrl+.)"));
  connect(m_trainButton, &QPushButton::clicked, this, &MainWindow::startTraining);
  connect(m_stopButton, &QPushButton::clicked, this, &MainWindow::stopTraining);
  row->addWidget(m_trainButton);
  row->addWidget(m_pauseButton);
  row->addWidget(m_stopButton);
  m_estimateLabel = new QLabel;
  m_estimateLabel->setObjectName(QStringLiteral("estimateLabel"));
  m_estimateLabel->setToolTip(
      QStringLiteral("Measured with this model on this machine; reading image files from disk "
                     "can add to it. The time left while training corrects it."));
  row->addSpacing(12);
  row->addWidget(m_estimateLabel);
  row->addStretch(1);
  layout->addLayout(row);

  m_progressBar = new QProgressBar;
  m_progressBar->setObjectName(QStringLiteral("progressBar"));
  m_progressBar->setRange(0, 1000);
  m_progressBar->setValue(0);
  m_progressBar->setTextVisible(true);
  m_progressBar->setAlignment(Qt::AlignCenter);
  m_progressBar->setFormat(QStringLiteral("Not started"));
  layout->addWidget(m_progressBar);

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

  m_trainSplitter = new QSplitter(Qt::Vertical);
  m_trainSplitter->addWidget(m_lossPlot);
  m_trainSplitter->addWidget(bottom);
  m_trainSplitter->setStretchFactor(0, 3);
  m_trainSplitter->setStretchFactor(1, 2);
  m_trainSplitter->setChildrenCollapsible(false);
  m_trainSplitter->setSizes({520, 300});
  layout->addWidget(m_trainSplitter, 1);
  return page;
}

QWidget* MainWindow::createLearningRatePage() {
  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);
  layout->addWidget(pageTitle(QStringLiteral("Learning rate")));
  auto* intro = wrappedLabel(QStringLiteral(
      "The learning-rate finder trains for up to 100 batches with a growing learning rate and "
      "draws the loss against it; the model is left as it was. Pick a rate where the loss still "
      "falls steeply: click the curve or a suggestion to use it for training."));
  layout->addWidget(intro);
  auto* row = new QHBoxLayout;
  m_findLrButton = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay),
                                   QStringLiteral("Find learning rate"));
  m_findLrButton->setObjectName(QStringLiteral("findLrButton"));
  makePrimary(m_findLrButton);
  connect(m_findLrButton, &QPushButton::clicked, this, &MainWindow::findLearningRate);
  row->addWidget(m_findLrButton);
  row->addStretch(1);
  layout->addLayout(row);
  m_lrPlot = new LrFinderPlot;
  m_lrPlot->setObjectName(QStringLiteral("lrFinderPlot"));
  connect(m_lrPlot, &LrFinderPlot::lrChosen, this, &MainWindow::onLrChosen);
  layout->addWidget(m_lrPlot, 1);
  m_lrSuggestions = wrappedLabel(QStringLiteral(
      "Press Find learning rate to draw the curve; its suggestions appear here."));
  m_lrSuggestions->setObjectName(QStringLiteral("lrSuggestions"));
  layout->addWidget(m_lrSuggestions);
  return page;
}

QWidget* MainWindow::createInspectPage() {
  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);
  layout->addWidget(pageTitle(QStringLiteral("Inspect")));
  auto* row = new QHBoxLayout;
  m_inspectMessage = wrappedLabel(QStringLiteral(
      "After each epoch of training, the images the model got most wrong (top losses) and the "
      "confusion matrix appear here."));
  m_inspectMessage->setObjectName(QStringLiteral("inspectMessage"));
  row->addWidget(m_inspectMessage, 1);
  m_inspectButton =
      new QPushButton(style()->standardIcon(QStyle::SP_BrowserReload), QStringLiteral("Refresh"));
  m_inspectButton->setObjectName(QStringLiteral("inspectButton"));
  m_inspectButton->setToolTip(
      QStringLiteral("Look at the last trained model again over the validation set (F5)"));
  connect(m_inspectButton, &QPushButton::clicked, this, &MainWindow::inspect);
  m_showAllLossesButton = new QPushButton(QStringLiteral("Show all classes"));
  m_showAllLossesButton->setObjectName(QStringLiteral("showAllLossesButton"));
  m_showAllLossesButton->setToolTip(
      QStringLiteral("Show the largest losses of every validation image again"));
  m_showAllLossesButton->hide();
  connect(m_showAllLossesButton, &QPushButton::clicked, this, [this] { inspectCell(-1, -1); });
  row->addWidget(m_showAllLossesButton);
  row->addWidget(m_inspectButton);
  layout->addLayout(row);
  m_topLosses = new TopLossesView;
  m_topLosses->setObjectName(QStringLiteral("topLosses"));
  m_confusion = new ConfusionMatrixView;
  m_confusion->setObjectName(QStringLiteral("confusionMatrix"));
  connect(m_confusion, &ConfusionMatrixView::cellClicked, this, &MainWindow::inspectCell);
  m_inspectSplitter = new QSplitter(Qt::Horizontal);
  m_inspectSplitter->addWidget(m_topLosses);
  m_inspectSplitter->addWidget(m_confusion);
  m_inspectSplitter->setChildrenCollapsible(false);
  // The top losses first: two tiles to a row on a 1280-pixel projector.
  m_inspectSplitter->setStretchFactor(0, 3);
  m_inspectSplitter->setStretchFactor(1, 2);
  m_inspectSplitter->setSizes({600, 400});
  // Each target has its view: classes, labels (multi-label) or values (regression).
  m_multiLabel = new MultiLabelView;
  m_multiLabel->setObjectName(QStringLiteral("multiLabelView"));
  m_regression = new RegressionView;
  m_regression->setObjectName(QStringLiteral("regressionView"));
  m_inspectViews = new QStackedWidget;
  m_inspectViews->addWidget(m_inspectSplitter);
  m_inspectViews->addWidget(m_multiLabel);
  m_inspectViews->addWidget(m_regression);
  layout->addWidget(m_inspectViews, 1);
  return page;
}

void MainWindow::createActions() {
  QMenu* file = menuBar()->addMenu(QStringLiteral("&File"));
  m_openAction = file->addAction(QStringLiteral("&Open project..."), this, [this] {
    const QString path = QFileDialog::getOpenFileName(
        this, QStringLiteral("Open project"), QString(),
        QStringLiteral("Learnbench projects (*.lbproj);;All files (*)"));
    if (!path.isEmpty()) openProject(path);
  });
  m_openAction->setShortcut(QKeySequence::Open);
  m_openAction->setToolTip(QStringLiteral("Open a project file (*.lbproj)"));
  m_exampleAction =
      file->addAction(QStringLiteral("Open the &example"), this, [this] { openExampleProject(); });
  m_exampleAction->setToolTip(QStringLiteral("Open the built-in Fashion-MNIST example"));
  m_saveAction = file->addAction(QStringLiteral("&Save"), this, &MainWindow::save);
  m_saveAction->setShortcut(QKeySequence::Save);
  m_saveAction->setToolTip(QStringLiteral("Save the project, with its data block (Ctrl+S)"));
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
                                       [this] { m_lossPlot->resetView(); });
  resetPlot->setToolTip(QStringLiteral("Follow the data again (or double-click the plot)"));
}

bool MainWindow::openProject(const QString& path) {
  if (workerBusy()) return false;
  try {
    setProject(loadProject(path.toStdString()));
    return true;
  } catch (const std::exception& e) {
    // lb::Error carries a sentence; anything else still gets shown rather than lost.
    m_hasProject = false;
    m_dataError = QString::fromStdString(e.what());
    updateProjectPages();
    setTraining(false);
    setStatus(m_dataError);
    return false;
  }
}

bool MainWindow::openExampleProject() {
  if (workerBusy()) return false;
  QFile file(kExampleResource);
  if (!file.open(QIODevice::ReadOnly)) {
    setStatus(QStringLiteral("The built-in example project is missing from this build."));
    return false;
  }
  try {
    setProject(parseProject(file.readAll().toStdString(), kExampleResource.toStdString()));
    return true;
  } catch (const std::exception& e) {
    setStatus(QString::fromStdString(e.what()));
    return false;
  }
}

void MainWindow::setProject(const Project& project) {
  if (workerBusy()) return;
  m_project = project;
  m_hasProject = true;
  m_hasDataInfo = false;
  m_dataOk = true;
  m_dataError.clear();
  m_previewOk = true;
  m_previewError.clear();
  m_dataEdited = false;
  m_inspectFilter = {};
  m_hasProgress = false;
  m_completedEpochs = 0;

  const QSignalBlocker b1(m_epochsSpin), b2(m_lrSpin), b3(m_batchSizeSpin);
  m_epochsSpin->setValue(project.train.epochs);
  m_lrSpin->setValue(project.train.lr);
  m_batchSizeSpin->setValue(project.train.batchSize);

  m_lossPlot->clear();
  m_epochTable->setRowCount(0);
  m_resultsStack->setCurrentIndex(0);
  m_progressBar->setValue(0);
  m_progressBar->setFormat(QStringLiteral("Not started"));
  m_lrPlot->clear();
  m_lrSuggestions->setText(
      QStringLiteral("Press Find learning rate to draw the curve; its suggestions appear here."));
  clearInspection(QStringLiteral(
      "After each epoch of training, the images the model got most wrong (top losses) and the "
      "confusion matrix appear here."));
  for (Step step : {LearningRateStep, TrainStep})
    m_stepList->item(step)->setIcon(blankIcon());
  m_schedulePlot->clear();
  setWindowTitle(QStringLiteral("%1[*] - Learnbench").arg(QString::fromStdString(project.name)));
  setWindowModified(false);
  m_dataPage->setSpec(project.data, QString::fromStdString(project.folder().string()));
  m_modelEditor->setSpec(project.model);
  m_modelOk = true;
  m_modelProblem.clear();
  m_modelEdited = false;
  m_exportPage->setProject(runProject());
  updateProjectPages();
  setTraining(false);
  reloadData();
}

void MainWindow::reloadData() {
  // Loading tells the user what the data holds (and whether it loads at all) before they train.
  m_hasDataInfo = false;
  m_dataOk = true;
  m_dataError.clear();
  m_modelBuildProblem.clear();
  updateProjectPages();
  setStatus(
      QStringLiteral("Loading the data of %1...").arg(QString::fromStdString(m_project.name)));
  TrainingWorker* worker = m_worker;
  const Project project = m_project;
  QMetaObject::invokeMethod(
      m_worker, [worker, project] { worker->load(project); }, Qt::QueuedConnection);
}

void MainWindow::afterEditChecked(bool ok, bool& edited) {
  // The worker reloads once an edit checks out: the check's debounce debounces the reload too.
  if (ok && edited && !m_training) {
    edited = false;
    reloadData();
  }
  updateProjectPages();
  if (!m_training) setTraining(false);
}

void MainWindow::onModelEdited(const ModelSpec& spec) {
  if (m_training || !m_hasProject) return;
  m_project.model = spec;
  m_modelEdited = true;
  setWindowModified(true);
}

void MainWindow::onModelSummary(bool fits, const QString& problem) {
  m_modelOk = fits;
  m_modelProblem = problem;
  // A model that fits is built again on the worker: its parameters and time estimate change.
  afterEditChecked(fits, m_modelEdited);
  if (!fits) setStatus(QStringLiteral("The model needs a change: %1").arg(problem));
}

void MainWindow::onDataEdited(const DataBlockSpec& spec) {
  if (m_training || !m_hasProject) return;
  m_project.data = spec;
  m_dataEdited = true;
  setWindowModified(true);
}

void MainWindow::onPreviewReady(bool ok, const QString& firstError) {
  m_previewOk = ok;
  m_previewError = firstError;
  afterEditChecked(ok, m_dataEdited);
  if (!ok) setStatus(QStringLiteral("The data block needs a change: %1").arg(firstError));
}

bool MainWindow::save() {
  if (!m_hasProject) return false;
  QString file = QString::fromStdString(m_project.file.string());
  if (file.isEmpty() || file.startsWith(QLatin1Char(':'))) {  // the example lives in resources
    file = QFileDialog::getSaveFileName(this, QStringLiteral("Save project"),
                                        QStringLiteral("%1.lbproj").arg(QString::fromStdString(
                                            m_project.name)),
                                        QStringLiteral("Learnbench projects (*.lbproj)"));
    if (file.isEmpty()) return false;
  }
  try {
    lb::saveProject(m_project, file.toStdString());
  } catch (const std::exception& e) {
    setStatus(QString::fromStdString(e.what()));
    return false;
  }
  m_project.file = file.toStdString();
  setWindowModified(false);
  setStatus(QStringLiteral("Saved %1").arg(file));
  return true;
}

void MainWindow::updateProjectPages() {
  if (!m_hasProject) {
    const QString none = QStringLiteral("No project is open.");
    m_dataSummary->setText(m_dataError.isEmpty() ? none : m_dataError);
    setStepState(DataStep, false, m_dataError.isEmpty() ? none : m_dataError);
    setStepState(ModelStep, false, none);
    return;
  }
  if (!m_previewOk)
    m_dataSummary->setText(QStringLiteral("The data block needs a change: %1").arg(m_previewError));
  else if (!m_dataOk)
    m_dataSummary->setText(m_dataError);
  else if (m_hasDataInfo)
    m_dataSummary->setText(QStringLiteral("Loaded: %1. Classes: %2.")
                               .arg(m_dataInfo.summary,
                                    m_dataInfo.classes.join(QStringLiteral(", "))));
  else
    m_dataSummary->setText(QStringLiteral("Loading the data..."));


  // The Data step: the editor's check first (it names the card to fix), then the load.
  if (!m_previewOk)
    setStepState(DataStep, false, m_previewError);
  else if (!m_dataOk)
    setStepState(DataStep, false, m_dataError);
  else if (m_hasDataInfo)
    setStepState(DataStep, true, m_dataInfo.summary);
  else
    m_stepList->item(DataStep)->setIcon(blankIcon());

  if (!m_modelOk)
    setStepState(ModelStep, false, m_modelProblem);
  else if (!m_modelBuildProblem.isEmpty())
    setStepState(ModelStep, false, m_modelBuildProblem);
  else if (!m_dataOk)
    setStepState(ModelStep, false, QStringLiteral("The model is built once the data loads."));
  else if (m_hasDataInfo)
    setStepState(ModelStep, true,
                 QStringLiteral("%1 parameters").arg(formatCount(m_dataInfo.parameterCount)));
  else
    m_stepList->item(ModelStep)->setIcon(blankIcon());
}

void MainWindow::setStepState(Step step, bool ok, const QString& tooltip) {
  QListWidgetItem* item = m_stepList->item(step);
  item->setIcon(
      style()->standardIcon(ok ? QStyle::SP_DialogApplyButton : QStyle::SP_MessageBoxWarning));
  item->setToolTip(tooltip);
}

void MainWindow::showStep(Step step) { m_stepList->setCurrentRow(step); }

QString MainWindow::statusText() const { return m_statusLabel->text(); }

void MainWindow::setStatus(const QString& text) { m_statusLabel->setText(text); }

void MainWindow::setTraining(bool training) {
  m_training = training;
  if (!training) {
    m_paused = false;
    if (m_worker) m_worker->setPaused(false);
  }
  const bool stopping = m_worker && m_worker->stopRequested();
  // One worker thread: Train and Find learning rate exclude each other. Inspect does not hold
  // them back: a run pressed meanwhile queues behind it on the worker.
  const bool busy = workerBusy();
  const bool canTrain = !m_training && !m_findingLr && m_hasProject && m_dataOk && m_previewOk &&
                        m_modelOk && m_modelBuildProblem.isEmpty();
  m_trainButton->setEnabled(canTrain);
  m_trainAction->setEnabled(canTrain);
  m_findLrButton->setEnabled(canTrain);
  m_findLrAction->setEnabled(canTrain);
  m_inspectButton->setEnabled(!busy && m_hasProject);
  m_inspectAction->setEnabled(!busy && m_hasProject);
  const bool stoppable = (m_training || m_findingLr) && !stopping;
  m_stopButton->setEnabled(stoppable);
  m_stopAction->setEnabled(stoppable);
  m_pauseButton->setEnabled(m_training && !stopping);
  m_pauseAction->setEnabled(m_training && !stopping);
  m_pauseButton->setText(m_paused ? QStringLiteral("Resume") : QStringLiteral("Pause"));
  m_pauseButton->setIcon(
      style()->standardIcon(m_paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
  m_epochsSpin->setEnabled(!m_training);
  m_lrSpin->setEnabled(!m_training);
  m_batchSizeSpin->setEnabled(!busy);
  m_openAction->setEnabled(!busy);
  m_exampleAction->setEnabled(!busy);
  m_saveAction->setEnabled(m_hasProject);
  m_dataPage->editor()->setEnabled(!busy);  // the run uses the data block as it started
  m_modelEditor->setEnabled(!busy);          // and the model
  // Say why Train cannot be pressed, on hover.
  QString why = QStringLiteral("Fit the model with one-cycle training (Ctrl+Return)");
  if (m_training)
    why = QStringLiteral("Training is running");
  else if (m_findingLr)
    why = QStringLiteral("The learning-rate finder is running");
  else if (!m_hasProject)
    why = QStringLiteral("Open a project first (File > Open project)");
  else if (!m_previewOk)
    why = QStringLiteral("The data block needs a change: %1").arg(m_previewError);
  else if (!m_modelOk)
    why = QStringLiteral("The model needs a change: %1").arg(m_modelProblem);
  else if (!m_modelBuildProblem.isEmpty())
    why = QStringLiteral("The model needs a change: %1").arg(m_modelBuildProblem);
  else if (!m_dataOk)
    why = QStringLiteral("The data could not be loaded: %1").arg(m_dataError);
  m_trainButton->setToolTip(why);
  m_findLrButton->setToolTip(
      canTrain ? QStringLiteral("Train briefly with a growing learning rate and draw the loss (Ctrl+L)")
               : why);
  if (m_training || m_findingLr)
    m_pollTimer->start();
  else
    m_pollTimer->stop();
}

void MainWindow::updateSchedule() {
  if (!m_hasDataInfo || m_dataInfo.trainItems <= 0 || m_training) return;
  // As the training loader counts: whole batches only (fastai's drop_last).
  const int perEpoch = std::max(1, m_dataInfo.trainItems / std::max(1, m_batchSizeSpin->value()));
  m_schedulePlot->setPlan(m_epochsSpin->value(), perEpoch, m_lrSpin->value());
  const int epochs = m_epochsSpin->value();
  m_estimateLabel->setText(
      m_dataInfo.secondsPerItem <= 0
          ? QString()
          : QStringLiteral("About %1 for %2 epoch%3")
                .arg(formatDuration(estimateFitSeconds(m_dataInfo.secondsPerItem,
                                                       m_dataInfo.trainItems,
                                                       m_dataInfo.validItems, epochs)))
                .arg(epochs)
                .arg(epochs == 1 ? QString() : QStringLiteral("s")));
}

void MainWindow::startTraining() {
  if (m_training || m_findingLr || !m_hasProject || !m_dataOk || !m_previewOk || !m_worker)
    return;
  m_project.train.epochs = m_epochsSpin->value();
  m_project.train.lr = m_lrSpin->value();
  m_project.train.batchSize = m_batchSizeSpin->value();

  m_lossPlot->clear();
  m_lossPlot->setPlaceholderText(QStringLiteral("Loading the data..."));
  m_epochTable->setRowCount(0);
  m_resultsStack->setCurrentIndex(0);
  m_completedEpochs = 0;
  m_hasProgress = false;
  m_progressBar->setValue(0);
  m_progressBar->setFormat(QStringLiteral("Loading the data..."));
  // A new model: Inspect starts over, and fills as each epoch ends.
  m_inspectFilter = {};
  clearInspection(QStringLiteral(
      "The top losses and the confusion matrix of this run appear here after its first epoch, "
      "and change after every epoch."));
  m_runClock.start();
  updateSchedule();
  m_schedulePlot->setPosition(0);
  m_worker->clearStop();  // before queuing start(): a Stop pressed right after still counts
  m_worker->setPaused(false);
  m_paused = false;
  setTraining(true);
  setStatus(
      QStringLiteral("Loading the data of %1...").arg(QString::fromStdString(m_project.name)));

  TrainingWorker* worker = m_worker;
  const Project project = runProject();
  QMetaObject::invokeMethod(
      m_worker, [worker, project] { worker->start(project, kTopLosses); },
      Qt::QueuedConnection);
}

void MainWindow::stopTraining() {
  if (!(m_training || m_findingLr) || !m_worker) return;
  m_worker->requestStop();
  setTraining(m_training);  // Stop and Pause grey out until the worker answers
  setStatus(m_findingLr ? QStringLiteral("Stopping the learning-rate finder...")
                        : QStringLiteral("Stopping after this batch..."));
}

void MainWindow::togglePause() {
  if (!m_training || !m_worker || m_worker->stopRequested()) return;
  m_paused = !m_paused;
  m_worker->setPaused(m_paused);
  drainProgress();  // what arrived before the pause, so the words name the last batch
  setTraining(true);
  if (m_paused) {
    m_progressBar->setFormat(QStringLiteral("Paused"));
    setStatus(m_hasProgress ? QStringLiteral("Paused at epoch %1, batch %2")
                                  .arg(m_lastProgress.epoch + 1)
                                  .arg(m_lastProgress.batch + 1)
                            : QStringLiteral("Paused before the first batch"));
  } else {
    if (m_hasProgress) showProgress(m_lastProgress);
    setStatus(QStringLiteral("Resumed"));
  }
}

void MainWindow::findLearningRate() {
  if (m_training || m_findingLr || !m_hasProject || !m_dataOk || !m_previewOk || !m_worker)
    return;
  m_project.train.batchSize = m_batchSizeSpin->value();
  m_lrPlot->clear();
  m_lrSuggestions->setText(QStringLiteral("Finding the learning rate..."));
  m_worker->clearStop();
  m_worker->takePendingLr();
  m_findingLr = true;
  setTraining(false);
  setStatus(QStringLiteral("Finding the learning rate: loading the data of %1...")
                .arg(QString::fromStdString(m_project.name)));
  TrainingWorker* worker = m_worker;
  const Project project = m_project;
  QMetaObject::invokeMethod(
      m_worker, [worker, project] { worker->findLr(project); }, Qt::QueuedConnection);
}

void MainWindow::onLrFound(const LrFindResult& result) {
  m_worker->takePendingLr();  // the result holds every point
  m_findingLr = false;
  const bool stopped = m_worker->stopRequested();
  setTraining(false);
  m_lrPlot->setResult(result);
  m_lrPlot->setChosenLr(m_lrSpin->value());
  const Suggestions& sg = result.suggestions;
  const auto word = [](const QString& name, const Suggestion& s, const QString& note) {
    return s.valid() ? QStringLiteral("%1 %2%3").arg(name, formatLearningRate(s.lr), note)
                     : QStringLiteral("%1: none (the curve is too short)").arg(name);
  };
  const QStringList words = {word(QStringLiteral("valley"), sg.valley,
                                  QStringLiteral(" (fastai's default)")),
                             word(QStringLiteral("slide"), sg.slide, {}),
                             word(QStringLiteral("minimum"), sg.minimum,
                                  QStringLiteral(" (the lowest loss / 10)")),
                             word(QStringLiteral("steep"), sg.steep, {})};
  m_lrSuggestions->setText(QStringLiteral("Suggestions: %1. Click the curve or a marker to use "
                                          "that learning rate on the Train page.")
                               .arg(words.join(QStringLiteral(" \u00b7 "))));
  if (sg.valley.valid())
    setStatus(QStringLiteral("%1: valley suggests %2; click the curve to choose a learning rate")
                  .arg(stopped ? QStringLiteral("The learning-rate finder was stopped")
                               : QStringLiteral("The learning-rate finder is done"),
                       formatLearningRate(sg.valley.lr)));
  else
    setStatus(QStringLiteral("The learning-rate finder ended before it could suggest a rate"));
  setStepState(LearningRateStep, true, words.join(QStringLiteral(", ")));
}

void MainWindow::onLrFailed(const QString& sentence) {
  m_worker->takePendingLr();
  m_findingLr = false;
  setTraining(false);
  m_lrPlot->clear();
  m_lrSuggestions->setText(sentence);
  setStatus(sentence);
}

void MainWindow::onLrChosen(double lr) {
  if (m_training) return;  // the running fit keeps its rate
  m_lrSpin->setValue(lr);
  m_lrPlot->setChosenLr(m_lrSpin->value());
  setStatus(QStringLiteral("Learning rate set to %1 for training (Train page)")
                .arg(formatLearningRate(m_lrSpin->value())));
}

void MainWindow::inspect() {
  if (workerBusy() || !m_hasProject || !m_worker) return;
  m_interpreting = true;
  setTraining(m_training);
  m_inspectMessage->setText(
      QStringLiteral("Looking at every validation image with the trained model..."));
  TrainingWorker* worker = m_worker;
  const Project project = runProject();
  const ItemFilter filter = m_inspectFilter;
  QMetaObject::invokeMethod(
      m_worker, [worker, project, filter] { worker->interpret(project, kTopLosses, filter); },
      Qt::QueuedConnection);
}

void MainWindow::inspectTrainedModel() {
  // A project trained in an earlier session has a checkpoint: show what it gets wrong at once
  // rather than an empty page.
  std::error_code ec;
  if (!m_hasInspection && m_hasProject && !workerBusy() &&
      std::filesystem::exists(runProject().lastCheckpoint(), ec))
    inspect();
}

void MainWindow::inspectCell(int actual, int predicted) {
  if (m_training) {
    // The worker is training: narrow the tiles of the last epoch to the cell; once the run is
    // over, a click fetches all of the cell's images.
    m_topLosses->setActualFilter(actual);
    m_topLosses->setPredictedFilter(predicted);
    m_showAllLossesButton->setVisible(actual >= 0 || predicted >= 0);
    return;
  }
  m_topLosses->setActualFilter(-1);
  m_topLosses->setPredictedFilter(-1);
  m_inspectFilter = ItemFilter{actual, predicted};
  inspect();
}

Project MainWindow::runProject() const {
  Project project = m_project;
  const QString file = QString::fromStdString(project.file.string());
  if (file.isEmpty() || file.startsWith(QLatin1Char(':'))) {
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
    project.file = std::filesystem::path(folder.toStdString()) / "examples" /
                   (QFileInfo(file).completeBaseName().toStdString() + ".lbproj");
  }
  return project;
}

void MainWindow::onInterpreted(const Interpretation& result) {
  m_interpreting = false;
  m_hasInspection = true;
  setTraining(m_training);  // a run may have been queued behind the inspection
  if (result.target == "multi-category") {
    m_multiLabel->setInterpretation(result);
    m_inspectViews->setCurrentWidget(m_multiLabel);
    m_showAllLossesButton->hide();
    const QString text = QStringLiteral(
        "%1 validation images. Each label is predicted when its probability passes the "
        "threshold; move it to see each label's accuracy, precision and recall.")
                             .arg(formatCount(result.validItems));
    m_inspectMessage->setText(text);
    setStepState(InspectStep, true, text);
    return;
  }
  if (result.target == "regression") {
    m_regression->setInterpretation(result);
    m_inspectViews->setCurrentWidget(m_regression);
    m_showAllLossesButton->hide();
    const QString text =
        QStringLiteral("%1 validation images: predicted against actual values, and the images "
                       "the model misses most.")
            .arg(formatCount(result.validItems));
    m_inspectMessage->setText(text);
    setStepState(InspectStep, true, text);
    return;
  }
  m_inspectViews->setCurrentWidget(m_inspectSplitter);
  m_topLosses->setInterpretation(result);
  m_confusion->setConfusion(result.confusion, result.classes);
  const auto name = [&](int c) {
    return c >= 0 && c < int(result.classes.size()) ? QString::fromStdString(result.classes[c])
                                                     : QStringLiteral("any class");
  };
  const ItemFilter& f = result.filter;
  const QString which =
      f.any() ? QStringLiteral("the %1 largest losses").arg(result.topLosses.size())
      : result.topLosses.empty()
          ? QStringLiteral("no images: the model never predicted %1 for %2")
                .arg(name(f.predicted), name(f.actual))
          : QStringLiteral("the %1 images of %2 predicted as %3 with the largest losses")
                .arg(result.topLosses.size())
                .arg(name(f.actual), name(f.predicted));
  m_showAllLossesButton->setVisible(!f.any());
  // While training, each epoch's result arrives as the next epoch starts.
  m_inspectSummary = {formatCount(result.validItems), formatPercent(result.confusion.accuracy()),
                      which, m_training ? m_completedEpochs : 0};
  showInspectSummary();
}

void MainWindow::showInspectSummary() {
  const InspectSummary& s = m_inspectSummary;
  const QString when =
      s.epoch > 0 ? QStringLiteral("After epoch %1 of %2: ").arg(s.epoch).arg(
                        m_hasProgress ? m_lastProgress.epochs : m_epochsSpin->value())
                  : QString();
  const QString click = s.epoch > 0
                            ? QStringLiteral("click a cell to pick its images among these")
                            : QStringLiteral("click a cell to see its images");
  const QString text =
      QStringLiteral("%1%2 validation images, accuracy %3. Left: %4; right: the confusion matrix "
                     "(rows: actual class; %5).")
          .arg(when, s.items, s.accuracy, s.which, click);
  m_inspectMessage->setText(text);
  setStepState(InspectStep, true, text);
}

void MainWindow::onInterpretFailed(const QString& sentence) {
  m_interpreting = false;
  setTraining(m_training);
  clearInspection(sentence);
}

void MainWindow::clearInspection(const QString& message) {
  m_hasInspection = false;
  m_topLosses->clear();
  m_confusion->clear();
  m_multiLabel->clear();
  m_regression->clear();
  m_showAllLossesButton->hide();
  m_inspectMessage->setText(message);
  m_stepList->item(InspectStep)->setIcon(blankIcon());
  m_stepList->item(InspectStep)->setToolTip(message);
}

void MainWindow::drainProgress() {
  if (!m_worker) return;
  if (m_findingLr) {
    const std::vector<LrFindPoint> points = m_worker->takePendingLr();
    for (const LrFindPoint& p : points) m_lrPlot->addPoint(p);
    if (!points.empty() && !m_worker->stopRequested())
      setStatus(QStringLiteral("Finding the learning rate: batch %1, learning rate %2")
                    .arg(points.back().iter + 1)
                    .arg(formatLearningRate(points.back().lr)));
  }
  const std::vector<BatchProgress> pending = m_worker->takePending();
  if (pending.empty()) return;
  for (const BatchProgress& p : pending) m_lossPlot->addBatch(p);
  m_lastProgress = pending.back();
  m_hasProgress = true;
  moveScheduleCursor(false);
  if (m_training && !m_paused && !m_worker->stopRequested()) showProgress(m_lastProgress);
}

void MainWindow::moveScheduleCursor(bool now) {
  const BatchProgress& last = m_lastProgress;
  if (!m_hasProgress || last.batches <= 0) return;
  // The cursor crawls: twice a second is enough, and each replot takes the cores from training.
  if (!now && m_scheduleClock.isValid() && m_scheduleClock.elapsed() < kScheduleCursorMs) return;
  m_scheduleClock.start();
  if (m_schedulePlot->epochs() != last.epochs)  // the plan follows what the run really does
    m_schedulePlot->setPlan(last.epochs, last.batches, m_project.train.lr);
  m_schedulePlot->setPosition(last.epoch + double(last.batch + 1) / last.batches);
}

void MainWindow::showProgress(const BatchProgress& p) {
  const double total = double(std::max(1, p.epochs)) * std::max(1, p.batches);
  const double done = double(p.epoch) * std::max(1, p.batches) + p.batch + 1;
  m_progressBar->setValue(int(1000 * std::clamp(done / total, 0.0, 1.0)));
  m_progressBar->setFormat(QStringLiteral("Epoch %1/%2 \u00b7 batch %3/%4 \u00b7 %5 left")
                               .arg(p.epoch + 1)
                               .arg(p.epochs)
                               .arg(p.batch + 1)
                               .arg(p.batches)
                               .arg(formatDuration(p.secondsLeft)));
  setStatus(QStringLiteral("Epoch %1 of %2, batch %3 of %4, %5 left")
                .arg(p.epoch + 1)
                .arg(p.epochs)
                .arg(p.batch + 1)
                .arg(p.batches)
                .arg(formatDuration(p.secondsLeft)));
}

void MainWindow::onDataReady(const DataInfo& info) {
  const double measured = m_dataInfo.secondsPerItem;
  m_dataInfo = info;
  if (info.secondsPerItem <= 0) m_dataInfo.secondsPerItem = measured;
  m_modelEditor->setInput(info.inputShape, info.outputs);
  m_hasDataInfo = true;
  m_dataOk = true;
  m_modelBuildProblem = info.modelProblem;
  updateProjectPages();
  updateSchedule();
  if (m_training) {
    m_lossPlot->setPlaceholderText(QStringLiteral("The first batches are on their way..."));
    m_progressBar->setFormat(QStringLiteral("Starting..."));
    setStatus(QStringLiteral("Training on %1").arg(info.summary));
  } else {
    setTraining(false);
    if (!info.modelProblem.isEmpty())
      setStatus(QStringLiteral("The model needs a change: %1").arg(info.modelProblem));
    else
      setStatus(QStringLiteral("Ready: %1, %2 training images")
                    .arg(QString::fromStdString(m_project.name), formatCount(info.trainItems)));
  }
}

void MainWindow::onDataFailed(const QString& sentence) {
  m_dataOk = false;
  m_dataError = sentence;
  updateProjectPages();
  if (!m_training) setTraining(false);
  setStatus(sentence);
}

void MainWindow::onEpochDone(const EpochResult& r) {
  drainProgress();
  m_lossPlot->addEpoch(r);
  m_lastEpoch = r;
  ++m_completedEpochs;

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
  markBestEpochs(r.metricHigherIsBetter());
  m_epochTable->scrollToBottom();
  m_resultsStack->setCurrentIndex(1);
}

void MainWindow::markBestEpochs(bool metricHigherIsBetter) {
  // The losses are best lowest, the metric as it says; the best cell of each is bold and tinted
  // (bold for whoever cannot tell the tint apart).
  QColor tint = palette().color(QPalette::Highlight);
  tint.setAlpha(60);
  for (int c : {1, 2, kMetricColumn}) {
    const bool higher = c == kMetricColumn && metricHigherIsBetter;
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

void MainWindow::onFinished(bool stopped) {
  drainProgress();  // the worker is done: everything it reported is in the buffer now
  moveScheduleCursor(true);
  setTraining(false);
  m_lossPlot->setPlaceholderText(QStringLiteral("Press Train to watch the loss fall"));
  const QString time = formatDuration(m_runClock.elapsed() / 1000.0);
  if (stopped) {
    const QString text =
        m_completedEpochs == 0
            ? QStringLiteral("Training stopped before the first epoch ended")
            : QStringLiteral("Training stopped after %1").arg(epochsWord(m_completedEpochs));
    m_progressBar->setFormat(text);
    setStatus(text);
  } else {
    m_progressBar->setValue(m_progressBar->maximum());
    m_progressBar->setFormat(
        QStringLiteral("Finished: %1 in %2").arg(epochsWord(m_completedEpochs), time));
    const QString text = QStringLiteral("Training finished: %1 in %2, %3 %4")
                             .arg(epochsWord(m_completedEpochs), time,
                                  QString::fromStdString(m_lastEpoch.metricName),
                                  formatMetric(m_lastEpoch.metricName, m_lastEpoch.metric));
    setStatus(text);
    setStepState(TrainStep, true, text);
  }
  // Inspect already shows the last epoch's model. A run stopped within an epoch trained on
  // after it: look at the model as it is now (the status line keeps the training result).
  if (stopped && m_completedEpochs > 0) {
    inspectCell(-1, -1);
  } else if (m_inspectSummary.epoch > 0) {
    m_inspectSummary.epoch = 0;  // the last epoch's results are the run's: a cell click fetches
    showInspectSummary();        // all of its images now
  }
  m_exportPage->setProject(runProject());          // its checkpoint can be exported now
}

void MainWindow::onFailed(const QString& sentence) {
  drainProgress();
  moveScheduleCursor(true);
  setTraining(false);
  m_lossPlot->setPlaceholderText(QStringLiteral("Press Train to watch the loss fall"));
  m_progressBar->setFormat(QStringLiteral("Training failed"));
  setStatus(sentence);
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
  // One application font for everything: widgets follow it and LossPlot restyles on FontChange.
  QFont f = m_baseFont;
  if (f.pointSizeF() > 0)
    f.setPointSizeF(m_baseFont.pointSizeF() * m_zoom);
  else
    f.setPixelSize(std::max(1, int(m_baseFont.pixelSize() * m_zoom + 0.5)));
  QApplication::setFont(f);

  // The explicitly styled fonts do not follow the application font: recompute them.
  QFont big = f;
  big.setBold(true);
  if (big.pointSizeF() > 0) big.setPointSizeF(f.pointSizeF() * 1.2);
  m_trainButton->setFont(big);
  m_trainButton->setMinimumHeight(QFontMetrics(big).height() * 2);
  m_trainButton->setMinimumWidth(QFontMetrics(big).horizontalAdvance(QStringLiteral("Train")) * 3);
  m_stopButton->setMinimumHeight(QFontMetrics(big).height() * 2);
  m_pauseButton->setMinimumHeight(QFontMetrics(big).height() * 2);
  m_findLrButton->setFont(big);
  m_findLrButton->setMinimumHeight(QFontMetrics(big).height() * 2);
  QFont title = f;
  title.setBold(true);
  if (title.pointSizeF() > 0) title.setPointSizeF(f.pointSizeF() * 1.4);
  for (QLabel* label : findChildren<QLabel*>())
    if (label->property("lbTitle").toBool()) label->setFont(title);
  QFont steps = f;
  if (steps.pointSizeF() > 0) steps.setPointSizeF(f.pointSizeF() * 1.1);
  m_stepList->setFont(steps);
  m_stepList->setIconSize(QSize(1, 1) * QFontMetrics(steps).height());
}

void MainWindow::closeEvent(QCloseEvent* event) {
  saveSettings();
  // Ask the worker to stop now, so the window disappears at once; the destructor joins the
  // thread (within a batch, or after a data load that cannot be interrupted, about a second).
  if (m_worker) {
    m_pollTimer->stop();
    m_worker->requestStop();
    m_thread->quit();
  }
  QMainWindow::closeEvent(event);
}

void MainWindow::shutdownWorker() {
  if (!m_thread) return;
  m_pollTimer->stop();
  // Stop answers within one batch (a data load in progress finishes first, about a second);
  // quit() lets start() return, then the thread's loop ends and any queued start() is dropped.
  m_worker->requestStop();
  m_worker->disconnect(this);
  m_thread->quit();
  m_thread->wait();
  delete m_worker;
  m_worker = nullptr;
  delete m_thread;
  m_thread = nullptr;
  if (m_training) {
    m_training = false;
    m_trainButton->setEnabled(false);
    m_stopButton->setEnabled(false);
  }
  m_findingLr = m_interpreting = false;
}

void MainWindow::saveSettings() const {
  QSettings settings;
  settings.setValue(kGeometryKey, saveGeometry());
  settings.setValue(kMainSplitterKey, m_mainSplitter->saveState());
  settings.setValue(kTrainSplitterKey, m_trainSplitter->saveState());
  settings.setValue(kDataSplitterKey, m_dataPage->splitter()->saveState());
  settings.setValue(kInspectSplitterKey, m_inspectSplitter->saveState());
  settings.setValue(kZoomKey, m_zoom);
}

void MainWindow::restoreSettings() {
  QSettings settings;
  if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) {
    // First start: most of the screen, so the plot is large enough to read from a distance.
    const QSize screen = this->screen() ? this->screen()->availableSize() : QSize(1280, 800);
    resize(std::max(900, int(screen.width() * 0.85)), std::max(640, int(screen.height() * 0.85)));
  }
  m_mainSplitter->restoreState(settings.value(kMainSplitterKey).toByteArray());
  m_trainSplitter->restoreState(settings.value(kTrainSplitterKey).toByteArray());
  m_dataPage->splitter()->restoreState(settings.value(kDataSplitterKey).toByteArray());
  m_inspectSplitter->restoreState(settings.value(kInspectSplitterKey).toByteArray());
  m_zoom = std::clamp(settings.value(kZoomKey, 1.0).toDouble(), kZoomSteps[0],
                      kZoomSteps[std::size(kZoomSteps) - 1]);
}

}  // namespace lb
