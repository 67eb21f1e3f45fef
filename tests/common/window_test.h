#pragma once
// Shared by the window's tests: settings kept apart from the user's and from other tests'.
#include <QCoreApplication>
#include <QSettings>
#include <QStandardPaths>

namespace lb::test {

// QSettings in a test folder of its own, named after the test and empty at the start, so no
// test reads what the user or another test saved (zoom, presenter view, window geometry).
inline void useOwnSettings(const char* testName) {
  QStandardPaths::setTestModeEnabled(true);
  QCoreApplication::setOrganizationName(QStringLiteral("LearnbenchTest"));
  QCoreApplication::setApplicationName(QString::fromUtf8(testName));
  QSettings().clear();
}

}  // namespace lb::test
