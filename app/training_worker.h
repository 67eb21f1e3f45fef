#pragma once
// TrainingWorker: runs an lb::Experiment on the thread it is moved to (the TrainingSession owns
// that thread, named "training"). It only turns engine results into values for the GUI: the
// engine's operations (engine/experiment/operations.h) do the work, the same ones the CLI calls.
// Queued signals carry the rare events; batches, which can arrive thousands of times a second,
// wait in a buffer under a short lock that the session drains on its redraw timer.
// Stop and pause are atomics, intentionally not slots: a slot would wait behind the running fit.
#include <QMetaType>
#include <QMutex>
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <vector>

#include "engine/experiment/operations.h"
#include "engine/interpret/interpret_types.h"
#include "engine/project/project.h"
#include "engine/train/lr_find_types.h"
#include "engine/train/progress.h"

namespace lb {

class TrainingWorker : public QObject {
  Q_OBJECT
 public:
  explicit TrainingWorker(QObject* parent = nullptr);
  ~TrainingWorker() override;

  // Thread-safe. Ends a running fit within one batch; a start() that has not begun yet ends
  // before its first batch. Cleared by clearStop(), which the caller does before start().
  void requestStop();
  void clearStop();
  bool stopRequested() const;

  // Thread-safe. While set, a running fit waits before its next batch; Stop still ends it.
  void setPaused(bool paused);
  bool paused() const;

  // Thread-safe: stepping and slow motion for the runs start() trains (engine/train/batch_pace.h).
  PaceControl& pace() { return m_pace; }

  // Thread-safe: every batch reported since the last call, oldest first.
  std::vector<BatchProgress> takePending();
  // Thread-safe: every learning-rate finder point reported since the last call, oldest first.
  std::vector<LrFindPoint> takePendingLr();

 public Q_SLOTS:
  // Load the data only (to tell the user what the project holds); emits dataReady or dataFailed.
  void load(const lb::Project& project);
  // Load the data, fit and record the run. Emits dataReady, then epochDone and interpreted (the
  // `topLosses` largest losses and the confusion matrix) after every epoch, a notice for what the
  // run could not do as asked, then exactly one of finished or failed.
  void start(const lb::Project& project, int topLosses);
  // Load the data and run fastai's learning-rate finder on a fresh model; points go to
  // takePendingLr() as they come, then exactly one of lrFound or lrFailed. Stop ends it early.
  void findLr(const lb::Project& project);
  // Top losses (of the items `filter` lets through) and the confusion matrix of the last trained
  // model (kept from start()), or of the project's last checkpoint; exactly one of interpreted or
  // interpretFailed.
  void interpret(const lb::Project& project, int k, lb::ItemFilter filter = {});
  // The project was trained elsewhere (on several processes): interpret() reads its checkpoint.
  void forgetTrained() { m_trained.reset(); }

 Q_SIGNALS:
  void dataReady(const lb::DataSummary& summary);
  void dataFailed(const QString& sentence);
  void epochDone(const lb::EpochResult& result);
  void finished(bool stopped);
  void failed(const QString& sentence);
  void lrFound(const lb::LrFindResult& result);
  void lrFailed(const QString& sentence);
  void interpreted(const lb::Interpretation& result);
  void interpretFailed(const QString& sentence);
  void notice(const QString& sentence);
  void stepped(const lb::BatchStepReport& report);  // a batch trained by a granted step

 private:
  std::atomic<bool> m_stop{false};
  std::atomic<bool> m_pause{false};
  PaceControl m_pace;
  QMutex m_mutex;
  std::vector<BatchProgress> m_pending;  // guarded by m_mutex
  std::vector<LrFindPoint> m_pendingLr;  // guarded by m_mutex
  // The last trained model, kept for interpret(); only touched on the worker's thread.
  std::unique_ptr<Experiment> m_trained;
};

// Registers the value types above for queued connections (idempotent).
void registerTrainingMetaTypes();

}  // namespace lb

Q_DECLARE_METATYPE(lb::Project)
Q_DECLARE_METATYPE(lb::BatchProgress)
Q_DECLARE_METATYPE(lb::EpochResult)
Q_DECLARE_METATYPE(lb::DataSummary)
Q_DECLARE_METATYPE(lb::LrFindResult)
Q_DECLARE_METATYPE(lb::Interpretation)
Q_DECLARE_METATYPE(lb::BatchStepReport)
