#pragma once
// Runs learnbench-cli (LB_CLI_PATH, set by the test's CMake) as a user would and collects what
// it printed and its exit status.
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QString>
#include <QStringList>

namespace {

struct Result {
  int exitCode = -1;  // -1 when it did not finish within five minutes
  QString out, err;
};

inline Result runCli(const QStringList& args) {
  QProcess p;
  p.start(QStringLiteral(LB_CLI_PATH), args);
  if (!p.waitForFinished(300000)) {
    p.kill();
    return {};
  }
  return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
          QString::fromUtf8(p.readAllStandardError())};
}

// Writes `text` to dir/name and returns the file's path.
inline QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& text) {
  QFile f(dir.filePath(name));
  f.open(QIODevice::WriteOnly);
  f.write(text);
  return f.fileName();
}

}  // namespace
