#include "app/training_worker.h"

#include <QMutexLocker>
#include <exception>
#include <filesystem>
#include <memory>

#include "engine/train/experiment.h"
#include "engine/util/error.h"
#include "widgets/text_format.h"

namespace lb {

namespace {
constexpr auto kNudgeInterval = std::chrono::milliseconds(30);

DataInfo describe(const Experiment& experiment) {
  DataInfo info;
  for (const std::string& c : experiment.classes()) info.classes << QString::fromStdString(c);
  info.trainItems = experiment.trainItems();
  info.validItems = experiment.validItems();
  info.batchesPerEpoch = experiment.batchesPerEpoch();
  info.parameterCount = experiment.parameterCount();
  info.inputShape = experiment.inputShape();
  info.outputs = experiment.outputs();
  info.modelProblem = QString::fromStdString(experiment.modelProblem());
  info.summary = QStringLiteral("%1 training and %2 validation images, %3 classes")
                     .arg(formatCount(info.trainItems), formatCount(info.validItems))
                     .arg(info.classes.size());
  return info;
}

QString internalError(const char* what) {
  return QStringLiteral("Something went wrong inside Learnbench: %1")
      .arg(QString::fromLocal8Bit(what));
}
}  // namespace

void registerTrainingMetaTypes() {
  qRegisterMetaType<lb::Project>("lb::Project");
  qRegisterMetaType<lb::BatchProgress>("lb::BatchProgress");
  qRegisterMetaType<lb::EpochResult>("lb::EpochResult");
  qRegisterMetaType<lb::DataInfo>("lb::DataInfo");
  qRegisterMetaType<lb::LrFindResult>("lb::LrFindResult");
  qRegisterMetaType<lb::Interpretation>("lb::Interpretation");
}

TrainingWorker::TrainingWorker(QObject* parent) : QObject(parent) { registerTrainingMetaTypes(); }

TrainingWorker::~TrainingWorker() = default;

void TrainingWorker::requestStop() { m_stop.store(true); }
void TrainingWorker::clearStop() { m_stop.store(false); }
bool TrainingWorker::stopRequested() const { return m_stop.load(); }
void TrainingWorker::setPaused(bool paused) { m_pause.store(paused); }
bool TrainingWorker::paused() const { return m_pause.load(); }

std::vector<BatchProgress> TrainingWorker::takePending() {
  std::vector<BatchProgress> out;
  QMutexLocker lock(&m_mutex);
  out.swap(m_pending);
  return out;
}

std::vector<LrFindPoint> TrainingWorker::takePendingLr() {
  std::vector<LrFindPoint> out;
  QMutexLocker lock(&m_mutex);
  out.swap(m_pendingLr);
  return out;
}

void TrainingWorker::recordRun(const Project& project, const RunRecord& run) {
  std::error_code ec;
  if (project.file.empty() || !std::filesystem::is_regular_file(project.file, ec)) return;
  try {
    appendRun(project.file, run);
  } catch (const Error& e) {
    Q_EMIT runNotRecorded(QStringLiteral("The run was not recorded in the project: %1")
                              .arg(QString::fromStdString(e.what())));
  }
}

void TrainingWorker::onBatch(const BatchProgress& progress) {
  {
    QMutexLocker lock(&m_mutex);
    m_pending.push_back(progress);
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - m_lastNudge >= kNudgeInterval) {
    m_lastNudge = now;
    Q_EMIT batchDone(progress);
  }
}

void TrainingWorker::load(const Project& project) {
  // Exceptions end here, at the thread boundary: the GUI gets a sentence, never a crash.
  try {
    Experiment experiment(project);
    DataInfo info = describe(experiment);
    if (info.modelProblem.isEmpty())
      info.secondsPerItem = experiment.secondsPerItem();  // for the estimate before Train
    Q_EMIT dataReady(info);
  } catch (const Error& e) {
    Q_EMIT dataFailed(QString::fromStdString(e.what()));
  } catch (const std::exception& e) {
    Q_EMIT dataFailed(internalError(e.what()));
  } catch (...) {
    Q_EMIT dataFailed(internalError("unknown exception"));
  }
}

void TrainingWorker::start(const Project& project, int topLosses) {
  takePending();  // nothing from an earlier run may leak into this one
  m_trained.reset();  // free the last model's data before loading again
  try {
    auto experiment = std::make_unique<Experiment>(project);
    Q_EMIT dataReady(describe(*experiment));

    TrainingHooks hooks;
    hooks.onBatch = [this](const BatchProgress& p) { onBatch(p); };
    hooks.onEpoch = [this](const EpochResult& r) { Q_EMIT epochDone(r); };
    // Inspect fills after every epoch, from the epoch's own validation pass, while the next trains.
    hooks.onInterpretation = [this](const Interpretation& in) { Q_EMIT interpreted(in); };
    hooks.interpretTopLosses = topLosses;
    hooks.stopRequested = &m_stop;
    hooks.pauseRequested = &m_pause;
    // Every epoch leaves a checkpoint, as the CLI's do: Inspect and Export read it later.
    hooks.checkpointFile = project.lastCheckpoint();
    m_lastNudge = {};
    const std::string started = localTimeNow();
    const TrainingOutcome outcome = experiment->train(hooks);
    m_trained = std::move(experiment);  // Inspect looks at this model next
    recordRun(project, runRecord(project, started, outcome));
    if (!outcome.stopReason.empty())
      Q_EMIT failed(QString::fromStdString(outcome.stopReason));  // the loss diverged: say so
    else
      Q_EMIT finished(outcome.stopped);
  } catch (const Error& e) {
    Q_EMIT failed(QString::fromStdString(e.what()));
  } catch (const std::exception& e) {
    Q_EMIT failed(internalError(e.what()));
  } catch (...) {
    Q_EMIT failed(internalError("unknown exception"));
  }
}

namespace {
// Runs `body`, turning any exception into a sentence for `fail`: exceptions end at the thread
// boundary, the GUI gets a sentence, never a crash.
template <typename Body, typename Fail>
void guarded(Body body, Fail fail) {
  try {
    body();
  } catch (const Error& e) {
    fail(QString::fromStdString(e.what()));
  } catch (const std::exception& e) {
    fail(internalError(e.what()));
  } catch (...) {
    fail(internalError("unknown exception"));
  }
}
}  // namespace

void TrainingWorker::findLr(const Project& project) {
  takePendingLr();
  guarded(
      [&] {
        Experiment experiment(project);
        const LrFindResult result =
            experiment.findLearningRate({}, &m_stop, [this](const LrFindPoint& point) {
              QMutexLocker lock(&m_mutex);
              m_pendingLr.push_back(point);
            });
        Q_EMIT lrFound(result);
      },
      [this](const QString& sentence) { Q_EMIT lrFailed(sentence); });
}

void TrainingWorker::interpret(const Project& project, int k, ItemFilter filter) {
  guarded(
      [&] {
        // The kept model answers only for the project it was trained on (not one opened since).
        const Project& trained = m_trained ? m_trained->project() : project;
        if (m_trained && trained.file == project.file && trained.data == project.data &&
            trained.model == project.model) {
          Q_EMIT interpreted(m_trained->interpret(k, {}, filter));
          return;
        }
        const auto checkpoint = project.lastCheckpoint();
        if (!std::filesystem::exists(checkpoint))
          throw Error("There is no trained model to inspect yet: train it on the Train page.");
        auto experiment = std::make_unique<Experiment>(project);
        const Interpretation result = experiment->interpret(k, checkpoint, filter);
        m_trained = std::move(experiment);
        Q_EMIT interpreted(result);
      },
      [this](const QString& sentence) { Q_EMIT interpretFailed(sentence); });
}

}  // namespace lb
