#pragma once
// TrainingSession: the open project and the one worker thread that trains it, behind typed
// requests (reload, train, find the learning rate, inspect, stop, pause). It owns the thread
// (named "training") and the TrainingWorker on it, keeps one explicit SessionState, refuses a
// request that blockedReason() refuses, and tells the pages what happened through its signals.
// Batches are drained from the worker on a 100 ms timer, so pages redraw at most ten times a
// second whatever the batch rate. The pages (Train, Learning rate, Inspect) and MainWindow all
// take this one session, as KDAB Hotspot's pages take its parser. GUI thread only.
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <vector>

#include "app/distributed_run.h"
#include "app/session_state.h"
#include "app/training_worker.h"

class QThread;
class QTimer;

namespace lb {

class TrainingSession : public QObject {
  Q_OBJECT
 public:
  explicit TrainingSession(QObject* parent = nullptr);
  ~TrainingSession() override;  // stops and joins the worker

  const SessionState& state() const { return m_state; }
  QString blockedReason(Action action) const { return lb::blockedReason(m_state, action); }
  bool can(Action action) const { return blockedReason(action).isEmpty(); }

  // The project. setProject() replaces it (refused while the worker is busy) and loads its data
  // on the worker; the edits below change it in place and say so through projectEdited().
  bool hasProject() const { return m_state.hasProject; }
  const Project& project() const { return m_project; }
  bool setProject(const Project& project);
  // No project: `why` says what went wrong opening one (shown on the Data page).
  void clearProject(const QString& why);
  void setTrainSettings(int epochs, double lr, int batchSize);  // each changed one is kept
  void setLearningRate(double lr);  // the finder's choice; trainSettingsChanged tells the spins
  // Local processes Train uses (1..kMaxProcesses): more than one trains through learnbench-cli
  // (DistributedRun), where Stop reaches every process and Pause and Step are refused.
  void setProcesses(int processes);
  // The file several processes read the project from: a saved project's own (when its data
  // block, model and epoch checkpoints are as saved; the run settings go on the command line),
  // or the example or an untitled project written where its runs are kept (runProject()).
  // Throws lb::Error with a sentence (save first, a folder that cannot be written).
  std::filesystem::path fileForProcesses() const;
  // learnbench-cli's options for the run settings of the project in memory.
  QStringList runOptions() const;
  // How many of a run's last epochs keep their own checkpoint, for its replay (0..kMaxEpochs).
  void setEpochCheckpoints(int count);
  void setDataBlock(const DataBlockSpec& spec);
  void setModel(const ModelSpec& spec);
  // Lessons, the lesson shown and presenter view, kept with the project. Choosing a lesson or
  // the view on the built-in example is not an edit of it (it stays the example); any other
  // change is.
  void setClassroom(const Classroom& classroom);
  // The editors' latest checks: an edit that checks out reloads the data on the worker.
  void setPreviewCheck(bool ok, const QString& problem);
  void setModelCheck(bool ok, const QString& problem);
  // The project was written to `file` (File > Save, Save As): later runs are recorded there, a
  // new file names the project after it, and the runs of a project not saved before move along.
  void setProjectFile(const std::filesystem::path& file);
  // The built-in example as it was opened (not edited): its file is a Qt resource.
  bool isExample() const;
  // Never saved: a new project, or the example once edited (it becomes a project of its own, so
  // its runs never mix with the example's).
  bool isUntitled() const { return m_project.file.empty(); }
  // The project as runs see it: the built-in example lives in the resources, so its runs keep
  // their checkpoints in the user's data folder instead (examples/), and an untitled project's
  // go to a folder of their own there (unsaved/<when>/) until it is saved.
  Project runProject() const;

  // What loading the data found; valid once dataReady has been sent for the current project.
  bool hasData() const { return m_hasData; }
  const DataSummary& data() const { return m_data; }

  // The run in progress or last finished: its latest batch and its completed epochs.
  bool hasProgress() const { return m_hasProgress; }
  const BatchProgress& lastProgress() const { return m_lastProgress; }
  int completedEpochs() const { return m_completedEpochs; }
  double runSeconds() const;  // since the last train() began

  // Requests. Each returns false, doing nothing, when blockedReason() refuses it.
  bool train();  // with topLosses() tiles after every epoch
  // Loads the project's data again (its cleaning decisions changed); refused while busy.
  bool reloadData();
  bool findLearningRate();
  bool inspect(const ItemFilter& filter = {});
  bool stop();  // the run or the finder, within one batch
  bool setPaused(bool paused);  // Resume also ends stepping: the run goes on at its speed
  // Trains exactly one batch: the first of a new run whose one-cycle schedule is planned for
  // all its epochs and advances one batch per Step, or the next of the run under way (which
  // then holds, as paused, until the next Step or Resume). stepped() reports the batch.
  bool step();
  // Slow motion: at most `rate` training batches a second from now on, 0 for full speed.
  void setBatchesPerSecond(double rate);
  double batchesPerSecond() const;
  // Asks the worker to stop and its thread to end once the running request returns, without
  // waiting (a closing window disappears at once); queued requests are dropped.
  void beginShutdown();
  // Stops and joins the worker thread; idempotent. The session answers nothing afterwards.
  void shutdown();

  // The worker, for tests and benchmarks that listen to it directly.
  TrainingWorker* worker() const { return m_worker; }
  // The run on several processes (tests point it at learnbench-cli).
  DistributedRun* processes() const { return m_processes; }

 Q_SIGNALS:
  void stateChanged();
  void projectChanged();                // setProject() or clearProject()
  void projectEdited();                 // an edit since the last save or open
  void projectRenamed();                // its file or name changed (the example became untitled)
  void trainSettingsChanged();          // epochs, lr or batch size
  void dataLoading();
  void dataReady(const lb::DataSummary& summary);
  void dataFailed(const QString& sentence);
  void trainingStarted();
  void batchesArrived(const std::vector<lb::BatchProgress>& batches);  // oldest first
  void epochDone(const lb::EpochResult& result);
  void trainingFinished(bool stopped);
  void trainingFailed(const QString& sentence);
  void lrStarted();
  void lrPointsArrived(const std::vector<lb::LrFindPoint>& points);
  void lrFound(const lb::LrFindResult& result, bool stopped);
  void lrFailed(const QString& sentence);
  void inspectStarted();
  void interpreted(const lb::Interpretation& result);
  void interpretFailed(const QString& sentence);
  // A sentence for the status line that no page owns (a run not recorded in the project).
  void notice(const QString& sentence);
  void stepped(const lb::BatchStepReport& report);  // a batch trained by step()
  // A run on several processes: one rank's images/s, its waits for the others left out.
  void rankSpeed(int rank, double imagesPerSecond);

 private:
  void reload();  // the worker loads the project's data again, to tell what it holds
  void afterEditChecked(bool& edited);
  void drain();  // the worker's batches and finder points to the pages
  void changeState(const SessionState& next);
  void onDataReady(const DataSummary& summary);
  void onDataFailed(const QString& sentence);
  void onRunEnded();
  void takeRecordedRuns();  // the run history the worker wrote to the project's file
  void leaveExample();      // the first edit of the example makes it an untitled project
  bool trainOnProcesses();  // train() with project.train.processes > 1
  // The state every run starts from (training also resets its epoch count, progress and clock),
  // then stateChanged and trainingStarted or lrStarted, so their slots see the new state.
  void beginRun(RunKind kind);

  Project m_project;
  SessionState m_state;
  DataSummary m_data;
  bool m_hasData = false;
  double m_measuredSecondsPerItem = 0;  // load()'s figure, kept when a run reloads
  bool m_dataEdited = false;   // edited since the worker last loaded the data
  bool m_modelEdited = false;  // edited since the worker last built the model
  BatchProgress m_lastProgress;
  bool m_hasProgress = false;
  int m_completedEpochs = 0;
  QElapsedTimer m_runClock;
  bool m_startStepping = false;  // the next train() starts holding for steps
  QString m_untitledId;  // names an untitled project's run folder (unsaved/<id>/)
  quint64 m_loadRequest = 0;   // the latest reload()
  quint64 m_loadAnswered = 0;  // the reload() the worker's next data answer is for

  QThread* m_thread = nullptr;
  TrainingWorker* m_worker = nullptr;  // lives in m_thread
  QTimer* m_drainTimer = nullptr;
  DistributedRun* m_processes = nullptr;
};

}  // namespace lb
