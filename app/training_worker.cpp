#include "app/training_worker.h"

#include <QMutexLocker>
#include <exception>
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
}

TrainingWorker::TrainingWorker(QObject* parent) : QObject(parent) { registerTrainingMetaTypes(); }

TrainingWorker::~TrainingWorker() = default;

void TrainingWorker::requestStop() { m_stop.store(true); }
void TrainingWorker::clearStop() { m_stop.store(false); }
bool TrainingWorker::stopRequested() const { return m_stop.load(); }

std::vector<BatchProgress> TrainingWorker::takePending() {
  std::vector<BatchProgress> out;
  QMutexLocker lock(&m_mutex);
  out.swap(m_pending);
  return out;
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
    const Experiment experiment(project);
    Q_EMIT dataReady(describe(experiment));
  } catch (const Error& e) {
    Q_EMIT dataFailed(QString::fromStdString(e.what()));
  } catch (const std::exception& e) {
    Q_EMIT dataFailed(internalError(e.what()));
  } catch (...) {
    Q_EMIT dataFailed(internalError("unknown exception"));
  }
}

void TrainingWorker::start(const Project& project) {
  takePending();  // nothing from an earlier run may leak into this one
  try {
    auto experiment = std::make_unique<Experiment>(project);
    Q_EMIT dataReady(describe(*experiment));

    TrainingHooks hooks;
    hooks.onBatch = [this](const BatchProgress& p) { onBatch(p); };
    hooks.onEpoch = [this](const EpochResult& r) { Q_EMIT epochDone(r); };
    hooks.stopRequested = &m_stop;
    m_lastNudge = {};
    const TrainingOutcome outcome = experiment->train(hooks);
    experiment.reset();  // free the data before telling the GUI we are done
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

}  // namespace lb
