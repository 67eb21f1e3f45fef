#pragma once
// Runs learnbench-cli (LB_CLI_PATH, set by the test's CMake) as a user would and collects what
// it printed and its exit status.
#include <QProcess>
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

}  // namespace
