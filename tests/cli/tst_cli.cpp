// learnbench-cli as a user runs it: error cases give one sentence and a non-zero exit; train and
// schedule print what DESIGN.md's command-line contract says.
#include <QtTest/QtTest>

#include "common/cli_runner.h"
#include "common/test_support.h"

namespace {

// The example project copied into `dir` (as example.lbproj), so runs write nothing into the
// source tree.
QString copyOfExample(const QTemporaryDir& dir) {
  const QString copy = dir.filePath(QStringLiteral("example.lbproj"));
  QFile::copy(lb::test::exampleProjectFile(), copy);
  return copy;
}


}  // namespace

class TestCli : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void errorsGiveOneSentence_data() {
    QTest::addColumn<QString>("content");  // empty: the file is missing
    QTest::addColumn<QStringList>("extraArgs");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("expected");
    const QString ok = QStringLiteral(R"({"formatVersion": 1, "data": {"limit": 600}})");
    QTest::newRow("missing file") << QString() << QStringList() << 1 << "does not exist";
    QTest::newRow("bad json") << QStringLiteral("{ nope") << QStringList() << 1 << "not valid JSON";
    QTest::newRow("unknown field") << QStringLiteral(R"({"formatVersion": 1, "modle": {}})")
                                   << QStringList() << 1 << "Unknown field \"modle\"";
    QTest::newRow("bad data path")
        << QStringLiteral(R"({"formatVersion": 1, "data": {"path": "/nonexistent"}})")
        << QStringList() << 1 << "dataset-fashion-mnist";
    QTest::newRow("unknown option") << ok << QStringList{QStringLiteral("--epoch"), QStringLiteral("2")}
                                    << 2 << "not one that \"train\" takes";
    QTest::newRow("bad number") << ok << QStringList{QStringLiteral("--epochs"), QStringLiteral("two")}
                                << 2 << "--epochs needs a whole number";
    QTest::newRow("bad lr") << ok << QStringList{QStringLiteral("--lr"), QStringLiteral("-1")} << 2
                            << "--lr needs a positive number";
    QTest::newRow("missing value") << ok << QStringList{QStringLiteral("--bs")} << 2
                                   << "needs a value";
  }
  void errorsGiveOneSentence() {
    QFETCH(QString, content);
    QFETCH(QStringList, extraArgs);
    QFETCH(int, exitCode);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString file = content.isEmpty() ? dir.filePath(QStringLiteral("missing.lbproj"))
                                           : writeFile(dir, QStringLiteral("p.lbproj"), content.toUtf8());
    const Result r = runCli(QStringList{QStringLiteral("train"), file} + extraArgs);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY2(r.err.contains(expected), qPrintable(r.err));
    QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);  // one sentence, one line
    QVERIFY(r.out.isEmpty());
  }

  void unknownCommand() {
    const Result r = runCli({QStringLiteral("trian")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains(QStringLiteral("Unknown command")));
  }

  void trainPrintsATableRowPerEpoch() {
    QTemporaryDir dir;
    const QString project = copyOfExample(dir);
    const Result r = runCli({QStringLiteral("train"), project,
                             QStringLiteral("--limit"), QStringLiteral("1200"), QStringLiteral("--epochs"),
                             QStringLiteral("2"), QStringLiteral("--fp16")});
    QCOMPARE(r.exitCode, 0);
    // No GPU here: mixed precision is declined in a sentence and the run goes on in full precision.
    QVERIFY2(r.err.contains(QStringLiteral("Mixed precision needs a CUDA GPU")), qPrintable(r.err));
    // The run is recorded in the project file, with its settings and both epochs, and the
    // command-line settings are not written into the project's own.
    QFile file(project);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject saved = QJsonDocument::fromJson(file.readAll()).object();
    const QJsonArray runs = saved.value(QStringLiteral("runs")).toArray();
    QCOMPARE(runs.size(), 1);
    QCOMPARE(runs[0].toObject().value(QStringLiteral("ended")).toString(), QStringLiteral("finished"));
    QCOMPARE(runs[0].toObject().value(QStringLiteral("epochs")).toInt(), 2);
    QCOMPARE(runs[0].toObject().value(QStringLiteral("results")).toArray().size(), 2);
    QCOMPARE(saved.value(QStringLiteral("train")).toObject().value(QStringLiteral("epochs")).toInt(), 1);
    const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 3);
    QVERIFY(lines[0].startsWith(QStringLiteral("epoch")));
    for (const char* column : {"train_loss", "valid_loss", "accuracy", "time"})
      QVERIFY(lines[0].contains(QLatin1String(column)));
    QVERIFY(lines[1].startsWith(QLatin1Char('0')));
    QVERIFY(lines[2].startsWith(QLatin1Char('1')));
  }

  void trainJsonHasTheFields() {
    QTemporaryDir dir;
    const Result r = runCli({QStringLiteral("train"), copyOfExample(dir),
                             QStringLiteral("--limit"), QStringLiteral("1200"), QStringLiteral("--json"),
                             QStringLiteral("--seed"), QStringLiteral("3"), QStringLiteral("--bs"),
                             QStringLiteral("32"), QStringLiteral("--lr"), QStringLiteral("5e-3")});
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 1);
    const QJsonObject row = QJsonDocument::fromJson(lines[0].toUtf8()).object();
    QCOMPARE(row.value(QStringLiteral("epoch")).toInt(-1), 0);
    for (const char* key : {"train_loss", "valid_loss", "accuracy"}) {
      QVERIFY2(row.value(QLatin1String(key)).isDouble(), key);
      QVERIFY(row.value(QLatin1String(key)).toDouble() > 0);
    }
    QVERIFY(row.value(QStringLiteral("time")).isString());
    QVERIFY(row.value(QStringLiteral("accuracy")).toDouble() > 0.3);
  }

  void resumeGoesOnFromTheLastCheckpoint() {
    QTemporaryDir dir;
    const QString project = copyOfExample(dir);
    const QStringList quick = {QStringLiteral("--limit"), QStringLiteral("1200"), QStringLiteral("--json")};
    // Nothing to resume yet.
    Result r = runCli(QStringList{QStringLiteral("train"), project, QStringLiteral("--resume")} + quick);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("no checkpoint to resume from")), qPrintable(r.err));

    r = runCli(QStringList{QStringLiteral("train"), project, QStringLiteral("--epochs"), QStringLiteral("2")} + quick);
    QCOMPARE(r.exitCode, 0);
    QVERIFY(QFile::exists(dir.filePath(QStringLiteral("example.learnbench/checkpoints/last.pt"))));
    // All epochs are done: resuming the same fit says so.
    r = runCli(QStringList{QStringLiteral("train"), project, QStringLiteral("--epochs"), QStringLiteral("2"),
                           QStringLiteral("--resume")} + quick);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("already holds all 2 epochs")), qPrintable(r.err));
    // A longer fit goes on from epoch 3 only.
    r = runCli(QStringList{QStringLiteral("train"), project, QStringLiteral("--epochs"), QStringLiteral("3"),
                           QStringLiteral("--resume")} + quick);
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 1);
    QCOMPARE(QJsonDocument::fromJson(lines[0].toUtf8()).object().value(QStringLiteral("epoch")).toInt(-1), 2);
  }

  void scheduleJsonMatchesTheCheckValues() {
    const Result r = runCli({QStringLiteral("schedule"), QStringLiteral("--epochs"), QStringLiteral("2"),
                             QStringLiteral("--iters-per-epoch"), QStringLiteral("10"),
                             QStringLiteral("--lr"), QStringLiteral("1e-2"), QStringLiteral("--json")});
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 20);
    const QJsonObject first = QJsonDocument::fromJson(lines[0].toUtf8()).object();
    const QJsonObject peak = QJsonDocument::fromJson(lines[5].toUtf8()).object();
    QCOMPARE(first.value(QStringLiteral("iter")).toInt(-1), 0);
    LB_COMPARE_NEAR(first.value(QStringLiteral("lr")).toDouble(), 4e-4, 1e-9);
    LB_COMPARE_NEAR(first.value(QStringLiteral("mom")).toDouble(), 0.95, 1e-9);
    LB_COMPARE_NEAR(peak.value(QStringLiteral("lr")).toDouble(), 1e-2, 1e-9);
  }
};

QTEST_APPLESS_MAIN(TestCli)
#include "tst_cli.moc"
