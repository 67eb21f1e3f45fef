#pragma once
// TrainingWorker: runs an lb::Experiment on the thread it is moved to (MainWindow names that
// thread "training"). Everything it sends the GUI is a value: queued signals for the rare events,
// and a drained buffer for batches, which can arrive thousands of times a second: onBatch keeps
// every BatchProgress under a short lock and the GUI takes them from its redraw timer, so no
// event floods the GUI thread. batchDone is only a nudge, emitted at most every 30 ms.
// Stop is an atomic, intentionally not a slot: a slot would wait behind the running fit.
#include <QMetaType>
#include <QMutex>
#include <QObject>
#include <QString>
#include <QStringList>
#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "engine/interpret/interpret_types.h"
#include "engine/project/project.h"
#include "engine/train/lr_find_types.h"
#include "engine/train/progress.h"

namespace lb {

class Experiment;

// What loading a project's data found, for the Data and Model pages and the status line.
struct DataInfo {
  QString summary;  // "60,000 training and 10,000 validation images, 10 classes"
  QStringList classes;
  int trainItems = 0;
  int validItems = 0;
  int batchesPerEpoch = 0;
  long long parameterCount = 0;
  ImageShape inputShape;  // one item as the model sees it, for the model editor's summary
  int outputs = 0;        // what the model must output: classes, labels, or 1 for regression
  // One training image's cost with this model on this machine (0 = not measured: start() does
  // not measure, so the window keeps load()'s figure).
  double secondsPerItem = 0;
  // Why the model cannot be built on this data (the data itself loaded); empty when it can.
  QString modelProblem;
};

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

  // Thread-safe: every batch reported since the last call, oldest first.
  std::vector<BatchProgress> takePending();
  // Thread-safe: every learning-rate finder point reported since the last call, oldest first.
  std::vector<LrFindPoint> takePendingLr();

 public Q_SLOTS:
  // Load the data only (to tell the user what the project holds); emits dataReady or dataFailed.
  void load(const lb::Project& project);
  // Load the data and fit. Emits dataReady, then batchDone while it trains, epochDone and
  // interpreted (the `topLosses` largest losses and the confusion matrix) after every epoch,
  // then exactly one of finished or failed.
  void start(const lb::Project& project, int topLosses);
  // Load the data and run fastai's learning-rate finder on a fresh model; points go to
  // takePendingLr() as they come, then exactly one of lrFound or lrFailed. Stop ends it early.
  void findLr(const lb::Project& project);
  // Top losses (of the items `filter` lets through) and the confusion matrix of the last trained
  // model (kept from start()), or of the project's last checkpoint; exactly one of interpreted or
  // interpretFailed.
  void interpret(const lb::Project& project, int k, lb::ItemFilter filter = {});

 Q_SIGNALS:
  void dataReady(const lb::DataInfo& info);
  void dataFailed(const QString& sentence);
  void batchDone(const lb::BatchProgress& latest);  // throttled; takePending() has them all
  void epochDone(const lb::EpochResult& result);
  void finished(bool stopped);
  void failed(const QString& sentence);
  void lrFound(const lb::LrFindResult& result);
  void lrFailed(const QString& sentence);
  void interpreted(const lb::Interpretation& result);
  void interpretFailed(const QString& sentence);
  void runNotRecorded(const QString& sentence);

 private:
  void onBatch(const BatchProgress& progress);
  // Adds the run to the project file's history when the project lives in a file; a project
  // that cannot be written says so through runNotRecorded.
  void recordRun(const Project& project, const RunRecord& run);

  std::atomic<bool> m_stop{false};
  std::atomic<bool> m_pause{false};
  QMutex m_mutex;
  std::vector<BatchProgress> m_pending;  // guarded by m_mutex
  std::vector<LrFindPoint> m_pendingLr;  // guarded by m_mutex
  // The last trained model, kept for interpret(); only touched on the worker's thread.
  std::unique_ptr<Experiment> m_trained;
  std::chrono::steady_clock::time_point m_lastNudge;
};

// Registers the value types above for queued connections (idempotent).
void registerTrainingMetaTypes();

}  // namespace lb

Q_DECLARE_METATYPE(lb::Project)
Q_DECLARE_METATYPE(lb::BatchProgress)
Q_DECLARE_METATYPE(lb::EpochResult)
Q_DECLARE_METATYPE(lb::DataInfo)
Q_DECLARE_METATYPE(lb::LrFindResult)
Q_DECLARE_METATYPE(lb::Interpretation)
