// Nothing lost, nothing crashes (issue 14): atomic writes with a temporary per writer and stale
// ones removed, the training lock, checkpoints with checksums and a previous copy to fall back
// to, a non-finite validation loss ending the fit with the last finite checkpoint kept, and the
// run recorded in the project file from its start and after every epoch.
#include <QtTest/QtTest>

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <thread>

#include "common/test_support.h"
#include "engine/experiment/export.h"
#include "engine/experiment/operations.h"
#include "engine/project/training_guard.h"
#include "engine/train/checkpoint.h"
#include "engine/util/atomic_file.h"
#include "engine/util/error.h"
#include "engine/util/process_lock.h"

using namespace lb;
namespace fs = std::filesystem;

namespace {

std::string readAll(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Overwrites 4 KiB in the middle of `file`, as a bad sector or a stray write would.
void damage(const fs::path& file) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(std::streamoff(fs::file_size(file) / 2));
  const std::string junk(4096, '\xff');
  f.write(junk.data(), std::streamsize(junk.size()));
}

// A small project saved in `dir`, so runs are recorded in its file.
Project savedProject(const QTemporaryDir& dir, int limit, int epochs, double lr = 1e-2) {
  Project p;
  p.data.path = test::fashionMnistDir();
  p.data.limit = limit;
  p.train.epochs = epochs;
  p.train.lr = lr;
  p.train.batchSize = 64;
  p.train.seed = 1;
  const fs::path file = dir.filePath(QStringLiteral("p.lbproj")).toStdString();
  saveProject(p, file);
  return loadProject(file);
}

QStringList filesIn(const fs::path& dir) {
  QStringList names;
  for (const auto& e : fs::directory_iterator(dir))
    names << QString::fromStdString(e.path().filename().string());
  names.sort();
  return names;
}

}  // namespace

class TestFaults : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void staleTemporariesOfDeadWritersGo() {
    QTemporaryDir dir;
    const fs::path target = dir.filePath(QStringLiteral("last.pt")).toStdString();
    writeFileAtomically(target, "good", "checkpoint");
    // A killed writer's temporary (pid 999999 runs nowhere) and a live one's (ours).
    std::ofstream(target.string() + ".999999.0.part") << "half";
    const std::string mine = target.string() + "." + std::to_string(getpid()) + ".7.part";
    std::ofstream(mine) << "being written";
    removeStaleTemporaries(target);
    QCOMPARE(filesIn(dir.path().toStdString()),
             (QStringList{QStringLiteral("last.pt"),
                          QString::fromStdString(fs::path(mine).filename().string())}));
    QCOMPARE(readAll(target), std::string("good"));
  }

  // Two writers of one file at once (two trainings the lock did not stop, a checkpoint and a
  // replay copy): each write lands whole, none fails, and a reader never sees a torn file.
  void concurrentWritersNeverTearOrFail() {
    QTemporaryDir dir;
    const fs::path target = dir.filePath(QStringLiteral("last.pt")).toStdString();
    const fs::path previous = dir.filePath(QStringLiteral("last.pt.previous")).toStdString();
    const std::string a(1 << 16, 'a'), b(1 << 16, 'b');
    writeFileAtomically(target, a, "checkpoint", previous);
    std::atomic<int> failures{0};
    std::atomic<bool> writing{true};
    auto writer = [&](const std::string& bytes) {
      for (int i = 0; i < 60; ++i) {
        try {
          writeFileAtomically(target, bytes, "checkpoint", previous);
        } catch (const Error&) {
          ++failures;
        }
      }
    };
    int torn = 0;
    std::thread readerThread([&] {
      while (writing) {
        const std::string seen = readAll(target);
        if (seen != a && seen != b) ++torn;
      }
    });
    std::thread first(writer, a), second(writer, b);
    first.join();
    second.join();
    writing = false;
    readerThread.join();
    QCOMPARE(failures.load(), 0);
    QCOMPARE(torn, 0);
    QVERIFY(readAll(previous) == a || readAll(previous) == b);
    QCOMPARE(filesIn(dir.path().toStdString()),
             (QStringList{QStringLiteral("last.pt"), QStringLiteral("last.pt.previous")}));
  }

  // Only a full disk is said to be one: a write that fails for another reason (here a folder
  // standing where the file goes) names that reason instead.
  void aFailedWriteNamesItsOwnReason() {
    QTemporaryDir dir;
    const fs::path target = dir.filePath(QStringLiteral("last.pt")).toStdString();
    fs::create_directories(target / "in-the-way");
    try {
      writeFileAtomically(target, "bytes", "checkpoint");
      QFAIL("wrote over a folder");
    } catch (const Error& e) {
      const QString m = QString::fromUtf8(e.what());
      QVERIFY2(m.startsWith(QStringLiteral("Cannot write the checkpoint to ")), qPrintable(m));
      QVERIFY2(!m.contains(QStringLiteral("full")), qPrintable(m));
      QVERIFY2(m.contains(QString::fromUtf8(std::strerror(EISDIR))) ||
                   m.contains(QString::fromUtf8(std::strerror(ENOTEMPTY))),
               qPrintable(m));
    }
    QCOMPARE(filesIn(target), QStringList{QStringLiteral("in-the-way")});  // no temporary left
    QCOMPARE(filesIn(dir.path().toStdString()), QStringList{QStringLiteral("last.pt")});
  }

  void aSecondLockSaysWhoHoldsIt() {
    QTemporaryDir dir;
    const fs::path file = dir.filePath(QStringLiteral("run/training.lock")).toStdString();
    {
      ProcessLock first(file, "The project p is being trained already");
      try {
        ProcessLock second(file, "The project p is being trained already");
        QFAIL("two holders");
      } catch (const Error& e) {
        const QString m = QString::fromUtf8(e.what());
        QVERIFY2(m.contains(QStringLiteral("being trained already (held by process %1 on ")
                                .arg(getpid())),
                 qPrintable(m));
      }
    }
    QVERIFY(!fs::exists(file));  // released
    // A lock file a killed process left (no one holds it) is taken over.
    std::ofstream(file) << "process 999999 on elsewhere since 2020-01-01 00:00:00\n";
    ProcessLock taken(file, "busy");
    QVERIFY(readAll(file).find(std::to_string(getpid())) != std::string::npos);
  }

  void trainingALockedProjectFailsAtOnce() {
    QTemporaryDir dir;
    const Project p = savedProject(dir, 300, 1);
    TrainingLock held(p, p.lastCheckpoint());
    Experiment experiment(p);
    try {
      trainAndRecord(experiment, {});
      QFAIL("trained a locked project");
    } catch (const Error& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("is being trained already")),
               e.what());
    }
    QVERIFY(!fs::exists(p.lastCheckpoint()));
    QVERIFY(loadProject(p.file).runs.empty());  // nothing recorded by the one that did not run
  }

  void damagedCheckpointFallsBackToThePreviousOne() {
    QTemporaryDir dir;
    Project p = savedProject(dir, 300, 2);
    {
      Experiment experiment(p);
      trainAndRecord(experiment, {});
    }
    const fs::path last = p.lastCheckpoint();
    QVERIFY(fs::exists(previousCheckpoint(last)));
    QCOMPARE(loadableCheckpoint(last), last);
    damage(last);
    QCOMPARE(loadableCheckpoint(last), previousCheckpoint(last));
    // Resuming goes on from the epoch before, and says so.
    p.train.epochs = 3;
    Experiment again(p);
    TrainingHooks hooks;
    hooks.resume = true;
    const RecordedRun run = trainAndRecord(again, hooks);
    QCOMPARE(run.outcome.resumedFrom, 1);
    QVERIFY(!run.notices.empty());
    QVERIFY2(QString::fromStdString(run.notices.front()).contains(QStringLiteral("damaged")),
             run.notices.front().c_str());
    // Both damaged: a sentence, never a model loaded from garbage.
    damage(last);
    damage(previousCheckpoint(last));
    try {
      loadableCheckpoint(last);
      QFAIL("a damaged checkpoint loaded");
    } catch (const Error& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("is damaged")), e.what());
    }
  }

  void nanValidationEndsTheFitAndKeepsTheLastFiniteCheckpoint() {
    QTemporaryDir dir;
    Project p = savedProject(dir, 64, 1);
    {
      Experiment experiment(p);
      trainAndRecord(experiment, {});
    }
    const std::string good = readAll(p.lastCheckpoint());
    // One batch an epoch at lr 1e6: its loss is still finite, the step makes the weights NaN.
    p.train.lr = 1e6;
    Experiment wild(p);
    const RecordedRun run = trainAndRecord(wild, {});
    QVERIFY2(QString::fromStdString(run.outcome.stopReason)
                 .contains(QStringLiteral("so training stopped")),
             run.outcome.stopReason.c_str());
    QVERIFY(run.outcome.epochs.empty());
    QVERIFY(readAll(p.lastCheckpoint()) == good);
    const RunRecord recorded = loadProject(p.file).runs.back();
    QCOMPARE(recorded.ended, run.outcome.stopReason);
    QVERIFY(recorded.results.empty());
  }

  void theRunIsInTheProjectFileAfterEveryEpoch() {
    QTemporaryDir dir;
    const Project p = savedProject(dir, 300, 3);
    // A run a killed process left "running" is marked as such when the next one starts.
    {
      Project withKilled = loadProject(p.file);
      RunRecord killed;
      killed.started = "2020-01-01 00:00:00";
      killed.ended = kRunRunning;
      withKilled.runs.push_back(killed);
      saveProject(withKilled, p.file);
    }
    Experiment experiment(p);
    TrainingHooks hooks;
    std::vector<std::size_t> seen;
    hooks.onEpoch = [&](const EpochResult&) {
      const Project onDisk = loadProject(p.file);
      QCOMPARE(onDisk.runs.size(), std::size_t(2));
      QCOMPARE(onDisk.runs.front().ended, std::string(kRunKilled));
      QCOMPARE(onDisk.runs.back().ended, std::string(kRunRunning));
      seen.push_back(onDisk.runs.back().results.size());
    };
    trainAndRecord(experiment, hooks);
    QCOMPARE(seen, (std::vector<std::size_t>{1, 2, 3}));
    const RunRecord done = loadProject(p.file).runs.back();
    QCOMPARE(done.ended, std::string("finished"));
    QCOMPARE(done.results.size(), std::size_t(3));
  }

  void damagedModelFileIsRefused() {
    QTemporaryDir dir;
    const Project p = savedProject(dir, 300, 1);
    {
      Experiment experiment(p);
      trainAndRecord(experiment, {});
    }
    const fs::path model = dir.filePath(QStringLiteral("model.pt")).toStdString();
    exportModel(p, p.lastCheckpoint(), model);
    QCOMPARE(loadExportedModel(model).info.labels.size(), std::size_t(10));
    damage(model);
    QVERIFY_THROWS_EXCEPTION(Error, loadExportedModel(model));
  }
};

QTEST_APPLESS_MAIN(TestFaults)
#include "tst_faults.moc"
