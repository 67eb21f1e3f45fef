#include "app/training_worker.h"

#include <QMutexLocker>
#include <exception>
#include <memory>

#include "engine/util/error.h"

namespace lb {

namespace {
// Runs `body`, turning any exception into a sentence for `fail`: exceptions end at the thread
// boundary, the GUI gets a sentence, never a crash.
template <typename Body, typename Fail>
void guarded(Body body, Fail fail) {
  try {
    body();
  } catch (const std::exception& e) {
    fail(QString::fromStdString(userMessage(e)));
  } catch (...) {
    fail(QString::fromStdString(userMessage(std::current_exception())));
  }
}
}  // namespace

void registerTrainingMetaTypes() {
  qRegisterMetaType<lb::Project>("lb::Project");
  qRegisterMetaType<lb::BatchProgress>("lb::BatchProgress");
  qRegisterMetaType<lb::EpochResult>("lb::EpochResult");
  qRegisterMetaType<lb::DataSummary>("lb::DataSummary");
  qRegisterMetaType<lb::LrFindResult>("lb::LrFindResult");
  qRegisterMetaType<lb::Interpretation>("lb::Interpretation");
  qRegisterMetaType<lb::BatchStepReport>("lb::BatchStepReport");
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

void TrainingWorker::load(const Project& project) {
  guarded(
      [&] {
        Experiment experiment(project);
        Q_EMIT dataReady(summarizeData(experiment, /*measureSpeed=*/true));
      },
      [this](const QString& sentence) { Q_EMIT dataFailed(sentence); });
}

void TrainingWorker::start(const Project& project, int topLosses) {
  takePending();      // nothing from an earlier run may leak into this one
  m_trained.reset();  // free the last model's data before loading again
  guarded(
      [&] {
        auto experiment = std::make_unique<Experiment>(project);
        Q_EMIT dataReady(summarizeData(*experiment, /*measureSpeed=*/false));

        TrainingHooks hooks;
        hooks.onBatch = [this](const BatchProgress& p) {
          QMutexLocker lock(&m_mutex);
          m_pending.push_back(p);
        };
        hooks.onEpoch = [this](const EpochResult& r) { Q_EMIT epochDone(r); };
        // Inspect fills after every epoch, from the epoch's own validation pass.
        hooks.onInterpretation = [this](const Interpretation& in) { Q_EMIT interpreted(in); };
        hooks.interpretTopLosses = topLosses;
        hooks.stopRequested = &m_stop;
        hooks.pauseRequested = &m_pause;
        hooks.pace = &m_pace;
        hooks.onStep = [this](const BatchStepReport& r) { Q_EMIT stepped(r); };
        const RecordedRun run = trainAndRecord(*experiment, hooks);
        m_trained = std::move(experiment);  // Inspect looks at this model next
        for (const std::string& n : run.notices) Q_EMIT notice(QString::fromStdString(n));
        if (!run.outcome.stopReason.empty())  // the loss diverged: say so
          Q_EMIT failed(QString::fromStdString(run.outcome.stopReason));
        else
          Q_EMIT finished(run.outcome.stopped);
      },
      [this](const QString& sentence) { Q_EMIT failed(sentence); });
}

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
        if (m_trained) {
          const Project& trained = m_trained->project();
          if (trained.file == project.file && trained.data == project.data &&
              trained.model == project.model) {
            Q_EMIT interpreted(m_trained->interpret(k, {}, filter));
            return;
          }
        }
        const auto checkpoint = requireCheckpoint(project);
        auto experiment = std::make_unique<Experiment>(project);
        const Interpretation result = experiment->interpret(k, checkpoint, filter);
        m_trained = std::move(experiment);
        Q_EMIT interpreted(result);
      },
      [this](const QString& sentence) { Q_EMIT interpretFailed(sentence); });
}

}  // namespace lb
