#include "app/distributed_run.h"

#include <signal.h>

#include <QCoreApplication>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTimer>

#include "engine/train/progress_json.h"

namespace lb {

namespace {
constexpr int kFlushMs = 100;  // batches to the pages ten times a second, as TrainingSession
constexpr int kStopWaitMs = 30000;
}  // namespace

DistributedRun::DistributedRun(QObject* parent) : QObject(parent), m_cli(defaultCliPath()) {
  qRegisterMetaType<lb::EquivalenceCurves>("lb::EquivalenceCurves");
  m_flushTimer = new QTimer(this);
  m_flushTimer->setInterval(kFlushMs);
  connect(m_flushTimer, &QTimer::timeout, this, &DistributedRun::flushBatches);
}

DistributedRun::~DistributedRun() {
  if (!running()) return;
  m_process->disconnect(this);
  stop();
  if (!m_process->waitForFinished(kStopWaitMs)) m_process->kill();
  m_process->waitForFinished(1000);
}

QString DistributedRun::defaultCliPath() {
  return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("learnbench-cli"));
}

bool DistributedRun::running() const {
  return m_process && m_process->state() != QProcess::NotRunning;
}

qint64 DistributedRun::launcherPid() const { return running() ? m_process->processId() : 0; }

bool DistributedRun::train(const QString& projectFile, int processes, const QStringList& options) {
  return start(QStringList{QStringLiteral("train"), projectFile, QStringLiteral("--nproc"),
                           QString::number(processes), QStringLiteral("--json"),
                           QStringLiteral("--progress")} +
               options);
}

bool DistributedRun::checkEquivalence(const QString& projectFile, int processes, int batchSize,
                                      int steps) {
  if (!start({QStringLiteral("equivalence"), projectFile, QStringLiteral("--nproc"),
              QString::number(processes), QStringLiteral("--bs"), QString::number(batchSize),
              QStringLiteral("--steps"), QString::number(steps), QStringLiteral("--json")}))
    return false;
  m_curves.processCount = processes;
  m_curves.batchSize = batchSize;
  return true;
}

bool DistributedRun::start(const QStringList& args) {
  if (running()) return false;
  delete m_process;
  m_process = new QProcess(this);
  m_stdout.clear();
  m_stderr.clear();
  m_pending.clear();
  m_curves = EquivalenceCurves{};
  m_stopping = false;
  connect(m_process, &QProcess::readyReadStandardOutput, this, &DistributedRun::readLines);
  connect(m_process, &QProcess::readyReadStandardError, this,
          [this] { m_stderr += m_process->readAllStandardError(); });
  connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
    onFinished(code, status == QProcess::CrashExit);
  });
  connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
    if (error != QProcess::FailedToStart) return;
    m_flushTimer->stop();
    Q_EMIT failed(QStringLiteral("Could not start %1 to train on several processes: %2. "
                                 "Install Learnbench's command line beside the window.")
                      .arg(m_cli, m_process->errorString()));
  });
  m_flushTimer->start();
  m_process->start(m_cli, args);
  return true;
}

void DistributedRun::stop() {
  if (!running() || m_process->processId() <= 0) return;
  m_stopping = true;
  ::kill(pid_t(m_process->processId()), SIGINT);  // the launcher passes it to every rank
}

void DistributedRun::readLines() {
  m_stdout += m_process->readAllStandardOutput();
  for (qsizetype end = m_stdout.indexOf('\n'); end >= 0; end = m_stdout.indexOf('\n')) {
    handleLine(m_stdout.left(end));
    m_stdout.remove(0, end + 1);
  }
}

void DistributedRun::handleLine(const QByteArray& line) {
  const std::string text = line.toStdString();
  if (const auto batch = readBatchProgressLine(text)) {
    m_pending.push_back(*batch);
    return;
  }
  if (const auto epoch = readEpochLine(text)) {
    flushBatches();  // the epoch's batches first
    Q_EMIT epochDone(*epoch);
    return;
  }
  const QJsonObject o = QJsonDocument::fromJson(line).object();
  if (o.contains(QStringLiteral("images_per_s"))) {
    Q_EMIT rankSpeed(o.value(QStringLiteral("rank")).toInt(),
                     o.value(QStringLiteral("images_per_s")).toDouble());
  } else if (o.contains(QStringLiteral("one_process"))) {
    m_curves.oneProcess.push_back(o.value(QStringLiteral("one_process")).toDouble());
    m_curves.processes.push_back(o.value(QStringLiteral("processes")).toDouble());
  } else if (o.contains(QStringLiteral("equivalence"))) {
    m_curves.sentence =
        o.value(QStringLiteral("equivalence")).toObject().value(QStringLiteral("sentence")).toString();
  }
}

void DistributedRun::flushBatches() {
  if (m_pending.empty()) return;
  std::vector<BatchProgress> batches;
  batches.swap(m_pending);
  Q_EMIT batchesArrived(batches);
}

QString DistributedRun::sentenceFromStderr() const {
  // The ranks' own sentences, then the launcher's (which rank ended, how); library warnings
  // ("[W ...]") are not for the user.
  QStringList sentences;
  for (const QByteArray& raw : m_stderr.split('\n')) {
    const QString line = QString::fromUtf8(raw).trimmed();
    if (!line.isEmpty() && !line.startsWith(QLatin1Char('[')) && !sentences.contains(line))
      sentences << line;
  }
  if (sentences.isEmpty()) return QStringLiteral("The processes ended without saying why.");
  return sentences.mid(std::max<qsizetype>(0, sentences.size() - 2)).join(QLatin1Char(' '));
}

void DistributedRun::onFinished(int exitCode, bool crashed) {
  readLines();
  m_stderr += m_process->readAllStandardError();
  flushBatches();
  m_flushTimer->stop();
  if (m_stopping) {
    Q_EMIT finished(true);
  } else if (exitCode == 0 && !crashed) {
    if (!m_curves.sentence.isEmpty()) Q_EMIT equivalenceDone(m_curves);
    Q_EMIT finished(false);
  } else {
    Q_EMIT failed(sentenceFromStderr());
  }
}

}  // namespace lb
