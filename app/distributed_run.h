#pragma once
// DistributedRun: training on several local processes, driven through learnbench-cli in a
// QProcess, as a user would run it (`train PROJECT --nproc N --json --progress`; the launcher
// and its ranks are app/cli_distributed.cpp). It reads the lines as they come and tells what they
// say through value signals: rank 0's batches (gathered, at most ten times a second) and epochs,
// each rank's images/s, and how the run ended, with the CLI's own sentence when it failed (a rank
// that died, a project that cannot be read). It also runs the equivalence check
// (`learnbench-cli equivalence`) and hands back both loss curves. Stop sends the launcher SIGINT,
// which passes it to every rank: all stop within a batch. GUI thread only; torch-free.
#include <QByteArray>
#include <QObject>
#include <QString>
#include <QStringList>
#include <vector>

#include "app/training_worker.h"  // the metatypes of BatchProgress and EpochResult
#include "engine/train/progress.h"

class QProcess;
class QTimer;

namespace lb {

// The equivalence check's answer: the loss of each step on one process (batch N x B) and on N
// processes (batch B each), and the sentence that says how far apart they are.
struct EquivalenceCurves {
  std::vector<double> oneProcess, processes;
  int processCount = 0;
  int batchSize = 0;  // per process
  QString sentence;
};

class DistributedRun : public QObject {
  Q_OBJECT
 public:
  explicit DistributedRun(QObject* parent = nullptr);
  ~DistributedRun() override;  // stops a run in progress and waits for it

  // learnbench-cli beside the running program (the window's own folder).
  static QString defaultCliPath();
  void setCliPath(const QString& path) { m_cli = path; }
  QString cliPath() const { return m_cli; }

  // Starts `learnbench-cli train PROJECT --nproc N --json --progress` with `options` (--epochs,
  // --lr, ...). Returns false, doing nothing, while a run is in progress.
  bool train(const QString& projectFile, int processes, const QStringList& options = {});
  // Starts `learnbench-cli equivalence PROJECT --nproc N --bs B --steps S --json`.
  bool checkEquivalence(const QString& projectFile, int processes, int batchSize, int steps);
  bool running() const;
  qint64 launcherPid() const;  // the CLI's process while running (tests find its ranks)
  // Every rank stops within a batch; finished(true) follows.
  void stop();

 Q_SIGNALS:
  void batchesArrived(const std::vector<lb::BatchProgress>& batches);  // oldest first
  void epochDone(const lb::EpochResult& result);
  void rankSpeed(int rank, double imagesPerSecond);
  void equivalenceDone(const lb::EquivalenceCurves& curves);
  void finished(bool stopped);
  void failed(const QString& sentence);

 private:
  bool start(const QStringList& args);
  void readLines();
  void handleLine(const QByteArray& line);
  void flushBatches();
  void onFinished(int exitCode, bool crashed);
  QString sentenceFromStderr() const;

  QString m_cli;
  QProcess* m_process = nullptr;
  QTimer* m_flushTimer = nullptr;
  QByteArray m_stdout, m_stderr;
  std::vector<BatchProgress> m_pending;
  EquivalenceCurves m_curves;
  bool m_stopping = false;
};

}  // namespace lb

Q_DECLARE_METATYPE(lb::EquivalenceCurves)
