// learnbench-cli summary: the example project's table ends with its total; a layer list that
// does not fit prints the table up to the bad layer, then its sentence, and exits 1.
#include <QtTest/QtTest>

#include "common/cli_runner.h"
#include "common/test_support.h"


class TestCliSummary : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void exampleEndsWithTheTotal() {
    QTemporaryDir dir;
    const QString copy = dir.filePath(QStringLiteral("example.lbproj"));
    QVERIFY(QFile::copy(lb::test::exampleProjectFile(), copy));
    const Result r = runCli({QStringLiteral("summary"), copy});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(QStringLiteral("60,000 training items")), qPrintable(r.out));
    QVERIFY(r.out.contains(QStringLiteral("Conv2d")));
    const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
    QVERIFY2(QRegularExpression(QStringLiteral(R"(^Total parameters: [0-9,]+ \([0-9.]+ MB\)$)"))
                 .match(lines.last()).hasMatch(), qPrintable(lines.last()));
  }

  void resnetJson() {
    QTemporaryDir dir;
    const QString file = writeFile(dir, QStringLiteral("r.lbproj"),
                                   R"({"formatVersion": 1, "model": {"name": "resnet18", "smallImages": true}})");
    const Result r = runCli({QStringLiteral("summary"), file, QStringLiteral("--json")});
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
    const QJsonObject last = QJsonDocument::fromJson(lines.last().toUtf8()).object();
    // torchvision's 11,181,642 less the two input channels Fashion-MNIST lacks (64 x 2 x 7 x 7).
    QCOMPARE(last.value(QStringLiteral("totalParams")).toInteger(), 11181642 - 6272);
  }

  void badLayerExitsOneWithTheSentence() {
    QTemporaryDir dir;
    const QString file = writeFile(dir, QStringLiteral("bad.lbproj"), R"({"formatVersion": 1, "model": {
      "name": "layers", "layers": [
        {"type": "Conv2d", "out": 32, "kernel": 3, "stride": 2, "padding": 1},
        {"type": "ReLU"}, {"type": "Flatten"}, {"type": "Linear", "in": 3136, "out": 10}]}})");
    const Result r = runCli({QStringLiteral("summary"), file});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("Linear expects 3136 inputs, gets 6272: set in_features to 6272")),
             qPrintable(r.err));
    QVERIFY(r.out.contains(QStringLiteral("Flatten")));
    QVERIFY(!r.out.contains(QStringLiteral("Total parameters")));
  }
};

QTEST_APPLESS_MAIN(TestCliSummary)
#include "tst_cli_summary.moc"
