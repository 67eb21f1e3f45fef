// learnbench-cli under faults (issue 14): kill -9 at random moments then --resume, two trainings
// of one project at once, a full disk, a read-only folder, a loss that turns NaN, a damaged model
// file, and numbers beyond the project file's bounds. Every case ends with exit 0, or exit 1 and
// a sentence: never a signal, never a partial file.
#include <QtTest/QtTest>

#include <sys/mount.h>

#include <csignal>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/cli_runner.h"
#include "common/test_support.h"
#include "engine/project/project.h"

namespace fs = std::filesystem;

namespace {

// The example project copied into `dir`, so runs write nothing into the source tree.
QString copyOfExample(const QString& dir) {
  const QString copy = dir + QStringLiteral("/p.lbproj");
  QFile::copy(lb::test::exampleProjectFile(),
              copy);
  QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther);
  return copy;
}

// Runs the CLI and also says whether it ended by a signal (which cli_runner cannot tell).
struct Ended {
  bool crashed = true;
  int exitCode = -1;
  QString out, err;
};

Ended run(const QStringList& args) {
  QProcess p;
  p.start(QStringLiteral(LB_CLI_PATH), args);
  Ended e;
  if (!p.waitForFinished(120000)) {
    p.kill();
    p.waitForFinished();
    return e;
  }
  e.crashed = p.exitStatus() != QProcess::NormalExit;
  e.exitCode = p.exitCode();
  e.out = QString::fromUtf8(p.readAllStandardOutput());
  e.err = QString::fromUtf8(p.readAllStandardError());
  return e;
}

// Starts `train` and returns once it has printed `epochs` epoch rows (JSON lines).
void startUntilEpochs(QProcess& p, const QStringList& args, int epochs) {
  p.start(QStringLiteral(LB_CLI_PATH), QStringList{QStringLiteral("train")} + args +
                                           QStringList{QStringLiteral("--json")});
  QByteArray seen;
  while (seen.count('\n') < epochs && p.waitForReadyRead(60000)) seen += p.readAllStandardOutput();
}

// Files a write left half done (our temporaries, LibTorch's old ".saving").
QStringList leftovers(const QString& dir) {
  QStringList found;
  for (const auto& e : fs::recursive_directory_iterator(dir.toStdString())) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".part") || name.ends_with(".saving")) found << QString::fromStdString(name);
  }
  return found;
}

// A tmpfs of `size` at a new folder in `dir` (we run as root in CI); empty when it cannot be had.
QString mountTmpfs(const QTemporaryDir& dir, const char* options) {
  const QString at = dir.filePath(QStringLiteral("disk"));
  QDir().mkpath(at);
  if (::mount("tmpfs", at.toLocal8Bit().constData(), "tmpfs", 0, options) != 0) return {};
  return at;
}

}  // namespace

class TestCliFaults : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void killedAtRandomMomentsThenResumed() {
    QTemporaryDir dir;
    const QString project = copyOfExample(dir.path());
    const QStringList args{project, QStringLiteral("--limit"), QStringLiteral("200"),
                           QStringLiteral("--bs"), QStringLiteral("32"), QStringLiteral("--epochs"),
                           QStringLiteral("20")};
    std::mt19937 random(14);
    for (int round = 0; round < 4; ++round) {
      QProcess p;
      // After at least one epoch (so there is a checkpoint), at a random moment: a checkpoint or
      // the project file may be being written.
      startUntilEpochs(p, round == 0 ? args : args + QStringList{QStringLiteral("--resume")}, 1);
      QTest::qWait(int(random() % 400));
      ::kill(pid_t(p.processId()), SIGKILL);
      p.waitForFinished();
      QCOMPARE(p.exitStatus(), QProcess::CrashExit);
      // The project file is whole, and the killed run's completed epochs are in it.
      const lb::Project onDisk = lb::loadProject(project.toStdString());
      QVERIFY(!onDisk.runs.empty());
      QCOMPARE(onDisk.runs.back().ended, std::string("running"));
      QVERIFY(!onDisk.runs.back().results.empty());
    }
    const Ended resumed = run(QStringList{QStringLiteral("train")} + args +
                              QStringList{QStringLiteral("--resume")});
    QVERIFY2(!resumed.crashed && resumed.exitCode == 0, qPrintable(resumed.err));
    const lb::Project done = lb::loadProject(project.toStdString());
    QCOMPARE(done.runs.back().ended, std::string("finished"));
    for (std::size_t i = 0; i + 1 < done.runs.size(); ++i)
      QVERIFY2(done.runs[i].ended.rfind("interrupted", 0) == 0, done.runs[i].ended.c_str());
    QCOMPARE(leftovers(dir.path()), QStringList());
  }

  void twoTrainingsOfOneProject() {
    QTemporaryDir dir;
    const QString project = copyOfExample(dir.path());
    QProcess first;
    startUntilEpochs(first,
                     {project, QStringLiteral("--limit"), QStringLiteral("200"),
                      QStringLiteral("--epochs"), QStringLiteral("200")},
                     1);
    const Ended second = run({QStringLiteral("train"), project, QStringLiteral("--limit"),
                              QStringLiteral("200"), QStringLiteral("--epochs"),
                              QStringLiteral("1")});
    QCOMPARE(second.exitCode, 1);
    QVERIFY2(second.err.contains(QStringLiteral("is being trained already (held by process %1")
                                     .arg(first.processId())),
             qPrintable(second.err));
    // Its holder killed, the lock is stale: the next training takes it over.
    ::kill(pid_t(first.processId()), SIGKILL);
    first.waitForFinished();
    const Ended third = run({QStringLiteral("train"), project, QStringLiteral("--limit"),
                             QStringLiteral("200"), QStringLiteral("--epochs"), QStringLiteral("1")});
    QVERIFY2(third.exitCode == 0, qPrintable(third.err));
  }

  void fullDiskIsASentence() {
    QTemporaryDir dir;
    const QString disk = mountTmpfs(dir, "size=3m");
    if (disk.isEmpty()) QSKIP("Cannot mount a small tmpfs here (needs root): no full-disk test.");
    const QString project = copyOfExample(disk);
    const Ended r = run({QStringLiteral("train"), project, QStringLiteral("--limit"),
                         QStringLiteral("600"), QStringLiteral("--epochs"), QStringLiteral("2")});
    const QStringList left = leftovers(disk);
    const bool loads = fs::exists(project.toStdString());
    ::umount2(disk.toLocal8Bit().constData(), MNT_DETACH);
    QVERIFY2(!r.crashed, qPrintable(r.err));
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("the disk is full")), qPrintable(r.err));
    QCOMPARE(left, QStringList());
    QVERIFY(loads);
  }

  void readOnlyFolderIsASentence() {
    QTemporaryDir dir;
    const QString disk = mountTmpfs(dir, "size=1m");
    if (disk.isEmpty()) QSKIP("Cannot mount a tmpfs here (needs root): no read-only test.");
    const QString project = copyOfExample(disk);
    const bool readOnly = ::mount("tmpfs", disk.toLocal8Bit().constData(), "tmpfs",
                                  MS_REMOUNT | MS_RDONLY, "size=1m") == 0;
    const Ended r = run({QStringLiteral("train"), project, QStringLiteral("--limit"),
                         QStringLiteral("200"), QStringLiteral("--epochs"), QStringLiteral("1")});
    ::umount2(disk.toLocal8Bit().constData(), MNT_DETACH);
    if (!readOnly) QSKIP("Cannot remount the tmpfs read-only here.");
    QVERIFY2(!r.crashed, qPrintable(r.err));
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("not writable")), qPrintable(r.err));
    QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
  }

  void nanLossStopsWithExitOneAndKeepsTheCheckpoint() {
    QTemporaryDir dir;
    const QString project = copyOfExample(dir.path());
    const QStringList small{project, QStringLiteral("--limit"), QStringLiteral("64"),
                            QStringLiteral("--epochs"), QStringLiteral("1")};
    QCOMPARE(run(QStringList{QStringLiteral("train")} + small).exitCode, 0);
    const fs::path last = lb::loadProject(project.toStdString()).lastCheckpoint();
    const auto good = fs::last_write_time(last);
    const Ended r = run(QStringList{QStringLiteral("train")} + small +
                        QStringList{QStringLiteral("--lr"), QStringLiteral("1e6")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("so training stopped")), qPrintable(r.err));
    QVERIFY(fs::last_write_time(last) == good);
    QVERIFY(lb::loadProject(project.toStdString()).runs.back().ended.rfind("The loss became", 0) == 0);
    // The kept model still exports and predicts.
    const QString model = dir.filePath(QStringLiteral("m.pt"));
    QCOMPARE(run({QStringLiteral("export"), project, QStringLiteral("--out"), model}).exitCode, 0);
  }

  void damagedModelFileIsASentence() {
    QTemporaryDir dir;
    const QString project = copyOfExample(dir.path());
    QCOMPARE(run({QStringLiteral("train"), project, QStringLiteral("--limit"), QStringLiteral("200"),
                  QStringLiteral("--epochs"), QStringLiteral("1")})
                 .exitCode,
             0);
    const QString model = dir.filePath(QStringLiteral("m.pt"));
    QCOMPARE(run({QStringLiteral("export"), project, QStringLiteral("--out"), model}).exitCode, 0);
    {
      std::fstream f(model.toStdString(), std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(std::streamoff(fs::file_size(model.toStdString()) / 2));
      const std::string junk(4096, '\xff');
      f.write(junk.data(), std::streamsize(junk.size()));
    }
    const QString image = dir.filePath(QStringLiteral("x.png"));
    QImage(28, 28, QImage::Format_Grayscale8).save(image);
    const Ended r = run({QStringLiteral("predict"), model, image});
    QVERIFY(!r.crashed);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("damaged")) ||
                 r.err.contains(QStringLiteral("not a TorchScript model")),
             qPrintable(r.err));
  }

  void numbersBeyondTheProjectBounds_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    QTest::newRow("threads") << QStringList{QStringLiteral("--threads"), QStringLiteral("100000")}
                             << "--threads needs a whole number of at least 0 and at most 1024";
    QTest::newRow("epochs") << QStringList{QStringLiteral("--epochs"), QStringLiteral("1000000")}
                            << "--epochs needs a whole number of at least 1 and at most 100000";
    QTest::newRow("bs") << QStringList{QStringLiteral("--bs"), QStringLiteral("99999999")}
                        << "--bs needs a whole number of at least 1 and at most";
    QTest::newRow("limit") << QStringList{QStringLiteral("--limit"), QStringLiteral("9999999999")}
                           << "--limit needs a whole number of at least 0 and at most";
  }
  void numbersBeyondTheProjectBounds() {
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString project = copyOfExample(dir.path());
    const Ended r = run(QStringList{QStringLiteral("train"), project} + args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(expected), qPrintable(r.err));
    const Ended lr = run({QStringLiteral("lr-find"), project, QStringLiteral("--num-it"),
                          QStringLiteral("100000000")});
    QCOMPARE(lr.exitCode, 2);
    QVERIFY2(lr.err.contains(QStringLiteral("--num-it needs a whole number of at least 6 and at most")),
             qPrintable(lr.err));
  }
};

QTEST_GUILESS_MAIN(TestCliFaults)
#include "tst_cli_faults.moc"
