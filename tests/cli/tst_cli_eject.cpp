// learnbench-cli eject PROJECT --out train.py: writes a fastai script that Debian's python3
// compiles, says what it wrote, refuses to replace a file without --force (leaving it as it was),
// and answers --json with the script's path and the count of files it leaves out.
#include <QtTest/QtTest>

#include <fstream>

#include "common/cli_runner.h"
#include "common/image_folder.h"
#include "common/test_support.h"

class TestCliEject : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir m_dir;
  QString m_project;

  QByteArray read(const QString& file) {
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    const auto images = m_dir.filePath(QStringLiteral("images")).toStdString();
    const auto written = lb::test::writeImageFolder(images, 30, 10);
    // An unreadable file: training skips it, so the script leaves it out.
    std::ofstream(images + "/train/" + written.front().label + "/broken.png") << "not a PNG";
    m_project = m_dir.filePath(QStringLiteral("shirts.lbproj"));
    const Result r = runCli({QStringLiteral("new"), m_project, QStringLiteral("--images"),
                             QString::fromStdString(images), QStringLiteral("--split"),
                             QStringLiteral("grandparent"), QStringLiteral("--size"),
                             QStringLiteral("32")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
  }

  void writesAScriptPythonCompiles() {
    const QString script = m_dir.filePath(QStringLiteral("train.py"));
    const Result r = runCli({QStringLiteral("eject"), m_project, QStringLiteral("--out"), script});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.startsWith(QStringLiteral("Wrote ") + script), qPrintable(r.out));
    const QByteArray text = read(script);
    QVERIFY(text.contains("from fastai.vision.all import *"));
    QVERIFY(text.contains("splitter=GrandparentSplitter(train_name='train', valid_name='valid')"));
    QVERIFY(text.contains("learn.fit_one_cycle(1, 0.01)"));
    QVERIFY(text.contains("/broken.png',  # "));
    QProcess python;
    python.start(QStringLiteral("/usr/bin/python3"),
                 {QStringLiteral("-m"), QStringLiteral("py_compile"), script});
    QVERIFY(python.waitForFinished(60000));
    QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
  }

  void refusesToReplaceWithoutForce() {
    const QString script = m_dir.filePath(QStringLiteral("mine.py"));
    QFile f(script);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("print('my own work')\n");
    f.close();
    Result r = runCli({QStringLiteral("eject"), m_project, QStringLiteral("--out"), script});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("--force")), qPrintable(r.err));
    QCOMPARE(read(script), QByteArray("print('my own work')\n"));
    r = runCli({QStringLiteral("eject"), m_project, QStringLiteral("--out"), script,
                QStringLiteral("--force"), QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(read(script).contains("fit_one_cycle"));
    const QJsonObject line = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(line.value(QStringLiteral("script")).toString(), script);
    QCOMPARE(line.value(QStringLiteral("skipped")).toInt(), 1);
  }

  void needsAnOutFile() {
    const Result r = runCli({QStringLiteral("eject"), m_project});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QStringLiteral("--out")), qPrintable(r.err));
  }
};

QTEST_GUILESS_MAIN(TestCliEject)
#include "tst_cli_eject.moc"
