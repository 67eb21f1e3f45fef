#include "app/training_session.h"

#include <QDateTime>
#include <QFileInfo>
#include <QPointer>
#include <QStandardPaths>
#include <QThread>
#include <QTimer>
#include <algorithm>
#include <filesystem>
#include <utility>

#include "engine/util/error.h"

namespace lb {

namespace {
constexpr int kDrainMs = 100;  // progress bar, status line and plot buffers: 10 updates a second
}  // namespace

TrainingSession::TrainingSession(QObject* parent) : QObject(parent) {
  registerTrainingMetaTypes();
  // The worker and its thread: only values cross, through queued signals and the drained buffers.
  m_thread = new QThread;
  m_thread->setObjectName(QStringLiteral("training"));
  m_worker = new TrainingWorker;
  m_worker->moveToThread(m_thread);
  connect(m_worker, &TrainingWorker::dataReady, this, &TrainingSession::onDataReady);
  connect(m_worker, &TrainingWorker::dataFailed, this, &TrainingSession::onDataFailed);
  connect(m_worker, &TrainingWorker::epochDone, this, [this](const EpochResult& r) {
    drain();  // the epoch's batches first
    ++m_completedEpochs;
    Q_EMIT epochDone(r);
  });
  connect(m_worker, &TrainingWorker::finished, this, [this](bool stopped) {
    onRunEnded();
    takeRecordedRuns();
    Q_EMIT trainingFinished(stopped);
  });
  connect(m_worker, &TrainingWorker::failed, this, [this](const QString& sentence) {
    onRunEnded();
    takeRecordedRuns();
    Q_EMIT trainingFailed(sentence);
  });
  connect(m_worker, &TrainingWorker::lrFound, this, [this](const LrFindResult& result) {
    const bool stopped = m_worker->stopRequested();
    onRunEnded();  // the result holds every point: the buffered ones are dropped
    Q_EMIT lrFound(result, stopped);
  });
  connect(m_worker, &TrainingWorker::lrFailed, this, [this](const QString& sentence) {
    onRunEnded();
    Q_EMIT lrFailed(sentence);
  });
  connect(m_worker, &TrainingWorker::interpreted, this, [this](const Interpretation& result) {
    m_state.inspecting = false;
    Q_EMIT stateChanged();  // a run may have been queued behind the inspection
    Q_EMIT interpreted(result);
  });
  connect(m_worker, &TrainingWorker::interpretFailed, this, [this](const QString& sentence) {
    m_state.inspecting = false;
    Q_EMIT stateChanged();
    Q_EMIT interpretFailed(sentence);
  });
  connect(m_worker, &TrainingWorker::notice, this, &TrainingSession::notice);
  connect(m_worker, &TrainingWorker::stepped, this, [this](const BatchStepReport& report) {
    drain();
    Q_EMIT stepped(report);
  });
  m_thread->start();

  // Several processes: the CLI's lines arrive gathered as the worker's batches do.
  m_processes = new DistributedRun(this);
  connect(m_processes, &DistributedRun::batchesArrived, this,
          [this](const std::vector<BatchProgress>& batches) {
            m_lastProgress = batches.back();
            m_hasProgress = true;
            Q_EMIT batchesArrived(batches);
          });
  connect(m_processes, &DistributedRun::epochDone, this, [this](const EpochResult& r) {
    ++m_completedEpochs;
    Q_EMIT epochDone(r);
  });
  connect(m_processes, &DistributedRun::rankSpeed, this, &TrainingSession::rankSpeed);
  const auto processesEnded = [this] {
    onRunEnded();
    takeRecordedRuns();  // rank 0 recorded the run
    // Inspect reads the checkpoint rank 0 wrote, not a model this window trained before.
    if (m_worker) {
      TrainingWorker* worker = m_worker;
      QMetaObject::invokeMethod(m_worker, [worker] { worker->forgetTrained(); },
                                Qt::QueuedConnection);
    }
  };
  connect(m_processes, &DistributedRun::finished, this, [this, processesEnded](bool stopped) {
    processesEnded();
    Q_EMIT trainingFinished(stopped);
    if (m_completedEpochs > 0) inspect();
  });
  connect(m_processes, &DistributedRun::failed, this, [this, processesEnded](const QString& s) {
    processesEnded();
    Q_EMIT trainingFailed(s);
  });

  m_drainTimer = new QTimer(this);
  m_drainTimer->setInterval(kDrainMs);
  connect(m_drainTimer, &QTimer::timeout, this, &TrainingSession::drain);
}

TrainingSession::~TrainingSession() { shutdown(); }

void TrainingSession::beginShutdown() {
  if (!m_thread) return;
  m_drainTimer->stop();
  m_worker->requestStop();
  m_processes->stop();
  m_thread->quit();
}

void TrainingSession::shutdown() {
  if (!m_thread) return;
  m_drainTimer->stop();
  // Stop answers within one batch (a data load in progress finishes first, about a second);
  // quit() lets the running request return, then the loop ends and queued requests are dropped.
  m_worker->requestStop();
  m_worker->disconnect(this);
  m_thread->quit();
  m_thread->wait();
  delete m_worker;
  m_worker = nullptr;
  delete m_thread;
  m_thread = nullptr;
  m_state.run = RunKind::None;
  m_state.inspecting = m_state.paused = m_state.stopping = false;
}

bool TrainingSession::setProject(const Project& project) {
  if (!m_worker || !can(Action::EditProject)) return false;
  m_project = project;
  m_untitledId = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-hhmmss-zzz"));
  m_state = SessionState{};
  m_state.hasProject = true;
  m_state.severalProcesses = project.train.processes > 1;
  m_dataEdited = m_modelEdited = false;
  m_hasProgress = false;
  m_completedEpochs = 0;
  m_measuredSecondsPerItem = 0;
  Q_EMIT projectChanged();
  Q_EMIT stateChanged();
  reload();
  return true;
}

void TrainingSession::clearProject(const QString& why) {
  if (!can(Action::EditProject)) return;
  m_project = Project{};
  m_state = SessionState{};
  m_state.dataProblem = why;
  m_hasData = false;
  Q_EMIT projectChanged();
  Q_EMIT stateChanged();
}

void TrainingSession::setTrainSettings(int epochs, double lr, int batchSize) {
  TrainSettings& t = m_project.train;
  if (t.epochs == epochs && t.lr == lr && t.batchSize == batchSize) return;
  t.epochs = epochs;
  t.lr = lr;
  t.batchSize = batchSize;
  Q_EMIT trainSettingsChanged();
}

void TrainingSession::setEpochCheckpoints(int count) {
  count = std::clamp(count, 0, kMaxEpochs);
  if (m_project.train.epochCheckpoints == count) return;
  m_project.train.epochCheckpoints = count;
  Q_EMIT trainSettingsChanged();
}

void TrainingSession::setProcesses(int processes) {
  processes = std::clamp(processes, 1, kMaxProcesses);
  if (m_project.train.processes == processes) return;
  m_project.train.processes = processes;
  m_state.severalProcesses = processes > 1;
  Q_EMIT trainSettingsChanged();
  Q_EMIT stateChanged();
}

std::filesystem::path TrainingSession::fileForProcesses() const {
  if (isUntitled() || isExample()) {
    const Project project = runProject();
    std::error_code ec;
    std::filesystem::create_directories(project.file.parent_path(), ec);
    saveProject(project, project.file);
    return project.file;
  }
  // runOptions passes the run settings; everything else the processes take from the file.
  const Project saved = loadProject(m_project.file);
  if (!(saved.data == m_project.data && saved.model == m_project.model &&
        saved.train.epochCheckpoints == m_project.train.epochCheckpoints))
    throw Error("Save the project first (File > Save): the processes read its data block, "
                "model and checkpoints for replay from its file.");
  return m_project.file;
}

QStringList TrainingSession::runOptions() const {
  const TrainSettings& t = m_project.train;
  QStringList options{QStringLiteral("--epochs"), QString::number(t.epochs),
                      QStringLiteral("--lr"),     QString::number(t.lr, 'g', 17),
                      QStringLiteral("--bs"),     QString::number(t.batchSize),
                      QStringLiteral("--seed"),   QString::number(t.seed)};
  if (t.mixedPrecision) options << QStringLiteral("--fp16");
  return options;
}

void TrainingSession::beginRun(RunKind kind) {
  if (kind == RunKind::Training) {
    m_completedEpochs = 0;
    m_hasProgress = false;
    m_runClock.start();
  }
  m_state.run = kind;
  m_state.paused = m_state.stopping = false;
  Q_EMIT stateChanged();
  if (kind == RunKind::Training)
    Q_EMIT trainingStarted();
  else
    Q_EMIT lrStarted();
}

bool TrainingSession::trainOnProcesses() {
  beginRun(RunKind::Training);
  try {
    m_processes->train(QString::fromStdString(fileForProcesses().string()),
                       m_project.train.processes, runOptions());
  } catch (const std::exception& e) {
    onRunEnded();
    Q_EMIT trainingFailed(QString::fromStdString(userMessage(e)));
  }
  return true;
}

void TrainingSession::setLearningRate(double lr) {
  const TrainSettings& t = m_project.train;
  setTrainSettings(t.epochs, lr, t.batchSize);
}

void TrainingSession::setDataBlock(const DataBlockSpec& spec) {
  if (m_state.run == RunKind::Training || !m_state.hasProject) return;
  m_project.data = spec;
  m_dataEdited = true;
  leaveExample();
  Q_EMIT projectEdited();
}

void TrainingSession::setModel(const ModelSpec& spec) {
  if (m_state.run == RunKind::Training || !m_state.hasProject) return;
  m_project.model = spec;
  m_modelEdited = true;
  leaveExample();
  Q_EMIT projectEdited();
}

void TrainingSession::setPreviewCheck(bool ok, const QString& problem) {
  m_state.previewProblem = ok ? QString() : problem;
  if (ok) afterEditChecked(m_dataEdited);
  Q_EMIT stateChanged();
}

void TrainingSession::setClassroom(const Classroom& classroom) {
  if (!m_state.hasProject || classroom == m_project.classroom) return;
  const bool lessonsEdited = !(classroom.lessons == m_project.classroom.lessons);
  m_project.classroom = classroom;
  if (isExample() && !lessonsEdited) return;
  leaveExample();
  Q_EMIT projectEdited();
}

void TrainingSession::setModelCheck(bool ok, const QString& problem) {
  m_state.modelProblem = ok ? QString() : problem;
  // A model that fits is built again on the worker: its parameters and time estimate change.
  if (ok) afterEditChecked(m_modelEdited);
  Q_EMIT stateChanged();
}

void TrainingSession::afterEditChecked(bool& edited) {
  // The worker reloads once an edit checks out: the check's debounce debounces the reload too.
  if (edited && m_state.run != RunKind::Training) {
    edited = false;
    reload();
  }
}

void TrainingSession::setProjectFile(const std::filesystem::path& file) {
  const std::filesystem::path oldRuns = runProject().runFolder();
  const bool untitled = isUntitled();
  if (file != m_project.file) m_project.name = file.stem().string();
  m_project.file = file;
  // The runs of a project never saved (its checkpoints) move with it to its first file.
  const std::filesystem::path newRuns = m_project.runFolder();
  std::error_code ec;
  if (untitled && std::filesystem::is_directory(oldRuns, ec) && !std::filesystem::exists(newRuns, ec)) {
    std::filesystem::create_directories(newRuns.parent_path(), ec);
    std::filesystem::rename(oldRuns, newRuns, ec);
    if (ec) {  // another file system: copy, then remove the old copy
      std::filesystem::copy(oldRuns, newRuns, std::filesystem::copy_options::recursive, ec);
      if (!ec) std::filesystem::remove_all(oldRuns, ec);
    }
  }
}

bool TrainingSession::isExample() const {
  return QString::fromStdString(m_project.file.string()).startsWith(QLatin1Char(':'));
}

void TrainingSession::leaveExample() {
  if (!isExample()) return;
  m_project.file.clear();
  m_untitledId = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-hhmmss-zzz"));
  Q_EMIT projectRenamed();
}

Project TrainingSession::runProject() const {
  Project project = m_project;
  const QString file = QString::fromStdString(project.file.string());
  const std::filesystem::path data =
      QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation).toStdString();
  if (isUntitled())
    project.file = data / "unsaved" / m_untitledId.toStdString() / "untitled.lbproj";
  else if (isExample())
    project.file =
        data / "examples" / (QFileInfo(file).completeBaseName().toStdString() + ".lbproj");
  return project;
}

double TrainingSession::runSeconds() const {
  return m_runClock.isValid() ? m_runClock.elapsed() / 1000.0 : 0.0;
}

void TrainingSession::reload() {
  if (!m_worker) return;
  m_hasData = false;
  m_state.dataProblem.clear();
  m_state.modelBuildProblem.clear();
  Q_EMIT dataLoading();
  Q_EMIT stateChanged();
  TrainingWorker* worker = m_worker;
  // As runs see it: its run folder keeps the cleaning decisions the data is loaded with.
  const Project project = runProject();
  // Latest request wins: the worker answers every load in order, so a mark queued to this
  // session just before each answer says which request the answer is for; answers to an older
  // one (the project opened before) are dropped in onDataReady and onDataFailed.
  const quint64 request = ++m_loadRequest;
  QPointer<TrainingSession> self(this);
  QMetaObject::invokeMethod(
      m_worker,
      [worker, project, self, request] {
        QMetaObject::invokeMethod(
            self, [self, request] { self->m_loadAnswered = request; }, Qt::QueuedConnection);
        worker->load(project);
      },
      Qt::QueuedConnection);
}

void TrainingSession::onDataReady(const DataSummary& summary) {
  if (m_loadAnswered != m_loadRequest) return;  // a newer load's answer is on its way
  m_data = summary;
  // A run's reload does not time the model: keep the figure load() measured.
  if (summary.secondsPerItem > 0)
    m_measuredSecondsPerItem = summary.secondsPerItem;
  else
    m_data.secondsPerItem = m_measuredSecondsPerItem;
  m_hasData = true;
  m_state.dataProblem.clear();
  m_state.modelBuildProblem = QString::fromStdString(summary.modelProblem);
  Q_EMIT dataReady(m_data);
  Q_EMIT stateChanged();
}

void TrainingSession::onDataFailed(const QString& sentence) {
  if (m_loadAnswered != m_loadRequest) return;
  m_hasData = false;
  m_state.dataProblem = sentence;
  Q_EMIT dataFailed(sentence);
  Q_EMIT stateChanged();
}

bool TrainingSession::train() {
  if (!m_worker || !can(Action::Train)) return false;
  if (m_project.train.processes > 1) return trainOnProcesses();
  m_worker->clearStop();  // before queuing start(): a Stop pressed right after still counts
  m_worker->setPaused(false);
  m_worker->pace().stepping = std::exchange(m_startStepping, false);
  m_worker->pace().stepsGranted = 0;
  m_drainTimer->start();
  beginRun(RunKind::Training);
  TrainingWorker* worker = m_worker;
  const Project project = runProject();
  QMetaObject::invokeMethod(
      m_worker, [worker, project] { worker->start(project, kDefaultTopLosses); },
      Qt::QueuedConnection);
  return true;
}

bool TrainingSession::findLearningRate() {
  if (!m_worker || !can(Action::FindLearningRate)) return false;
  m_worker->clearStop();
  m_worker->takePendingLr();
  m_drainTimer->start();
  beginRun(RunKind::FindingLr);
  TrainingWorker* worker = m_worker;
  const Project project = m_project;
  QMetaObject::invokeMethod(
      m_worker, [worker, project] { worker->findLr(project); }, Qt::QueuedConnection);
  return true;
}

bool TrainingSession::inspect(const ItemFilter& filter) {
  if (!m_worker || !can(Action::Inspect)) return false;
  m_state.inspecting = true;
  Q_EMIT stateChanged();
  Q_EMIT inspectStarted();
  TrainingWorker* worker = m_worker;
  const Project project = runProject();
  QMetaObject::invokeMethod(
      m_worker,
      [worker, project, filter] { worker->interpret(project, kDefaultTopLosses, filter); },
      Qt::QueuedConnection);
  return true;
}

bool TrainingSession::stop() {
  if (!m_worker || !can(Action::Stop)) return false;
  if (m_processes->running()) m_processes->stop();
  m_worker->requestStop();
  m_state.stopping = true;  // Stop and Pause grey out until the worker answers
  Q_EMIT stateChanged();
  return true;
}

bool TrainingSession::setPaused(bool paused) {
  if (!m_worker || !can(Action::Pause)) return false;
  if (!paused) m_worker->pace().stepping = m_state.stepping = false;
  m_state.paused = paused;
  m_worker->setPaused(paused);
  drain();  // what arrived before the pause, so the words name the last batch
  Q_EMIT stateChanged();
  return true;
}

bool TrainingSession::step() {
  if (!m_worker || !can(Action::Step)) return false;
  if (m_state.run == RunKind::None) {
    m_startStepping = true;
    if (!train()) return m_startStepping = false;
  }
  m_worker->setPaused(false);  // a paused run holds for steps instead
  m_worker->pace().stepping = true;
  m_worker->pace().grantStep();
  m_state.stepping = m_state.paused = true;
  Q_EMIT stateChanged();
  return true;
}

void TrainingSession::setBatchesPerSecond(double rate) {
  if (m_worker) m_worker->pace().batchesPerSecond = std::max(0.0, rate);
}

double TrainingSession::batchesPerSecond() const {
  return m_worker ? m_worker->pace().batchesPerSecond.load() : 0.0;
}

void TrainingSession::drain() {
  if (!m_worker) return;
  if (m_state.run == RunKind::FindingLr) {
    const std::vector<LrFindPoint> points = m_worker->takePendingLr();
    if (!points.empty()) Q_EMIT lrPointsArrived(points);
  }
  const std::vector<BatchProgress> batches = m_worker->takePending();
  if (batches.empty()) return;
  m_lastProgress = batches.back();
  m_hasProgress = true;
  Q_EMIT batchesArrived(batches);
}

void TrainingSession::takeRecordedRuns() {
  // The worker recorded the run in the project's file; the project in memory takes the file's
  // history, so File > Save writes it back rather than the history from before the run.
  std::error_code ec;
  if (m_project.file.empty() || !std::filesystem::is_regular_file(m_project.file, ec)) return;
  try {
    m_project.runs = loadProject(m_project.file).runs;
  } catch (const std::exception& e) {
    Q_EMIT notice(QStringLiteral("The runs recorded in the project could not be read back: %1")
                      .arg(QString::fromStdString(userMessage(e))));
  }
}

void TrainingSession::onRunEnded() {
  drain();  // the worker is done: everything it reported is in the buffers now
  if (m_worker) {
    m_worker->takePendingLr();
    m_worker->setPaused(false);
    m_worker->pace().stepping = false;
    m_worker->pace().stepsGranted = 0;
  }
  m_drainTimer->stop();
  m_state.run = RunKind::None;
  m_state.paused = m_state.stopping = m_state.stepping = false;
  Q_EMIT stateChanged();
}

bool TrainingSession::reloadData() {
  if (!m_state.hasProject || m_state.busy()) return false;
  reload();
  return true;
}

}  // namespace lb
