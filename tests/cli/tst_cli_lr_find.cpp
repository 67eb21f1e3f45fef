// learnbench-cli lr-find as a user runs it: the four suggestions as JSON, every point as CSV, the
// curve as a PNG that OpenCV reads back, and an unwritable output path refused in one sentence.
#include <QtTest/QtTest>

#include <cmath>
#include <opencv2/imgcodecs.hpp>

#include "common/cli_runner.h"
#include "common/test_support.h"

namespace {

QStringList lrFind(const QStringList& extra) {
  return QStringList{QStringLiteral("lr-find"),
                     lb::test::exampleProjectFile(),
                     QStringLiteral("--limit"), QStringLiteral("2000")} +
         extra;
}

}  // namespace

class TestCliLrFind : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void tablePrintsFourSuggestions() {
    const Result r = runCli(lrFind({}));
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 5);
    QVERIFY(lines[0].startsWith(QStringLiteral("suggestion")));
    const char* names[] = {"valley", "slide", "minimum", "steep"};
    for (int i = 0; i < 4; ++i) {
      QVERIFY2(lines[i + 1].startsWith(QLatin1String(names[i])), qPrintable(lines[i + 1]));
      // Two significant digits: "2.1e-3".
      QVERIFY2(QRegularExpression(QStringLiteral(R"(\d\.\de-?\d+)")).match(lines[i + 1]).hasMatch(),
               qPrintable(lines[i + 1]));
    }
  }

  void jsonHasTheFourSuggestions() {
    const Result r = runCli(lrFind({QStringLiteral("--json"), QStringLiteral("--seed"), QStringLiteral("3")}));
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 1);
    const QJsonObject s =
        QJsonDocument::fromJson(lines[0].toUtf8()).object().value(QStringLiteral("suggestions")).toObject();
    QCOMPARE(s.size(), 4);
    for (const char* name : {"valley", "slide", "minimum", "steep"}) {
      const QJsonObject o = s.value(QLatin1String(name)).toObject();
      const double lr = o.value(QStringLiteral("lr")).toDouble(-1);
      QVERIFY2(lr > 0 && std::isfinite(lr) && lr <= 10, name);
      QVERIFY2(o.value(QStringLiteral("loss")).isDouble(), name);
    }
  }

  void csvHasEveryPoint() {
    QTemporaryDir dir;
    const QString csv = dir.filePath(QStringLiteral("sweep.csv"));
    const Result r = runCli(lrFind({QStringLiteral("--csv"), csv, QStringLiteral("--bs"), QStringLiteral("32")}));
    QCOMPARE(r.exitCode, 0);
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines[0], QStringLiteral("iteration,lr,loss,smooth_loss"));
    QVERIFY2(lines.size() - 1 >= 20, qPrintable(QString::number(lines.size())));
    QVERIFY(lines.size() - 1 <= 100);
    for (int i = 1; i < lines.size(); ++i) {
      const QStringList cells = lines[i].split(QLatin1Char(','));
      QCOMPARE(cells.size(), 4);
      QCOMPARE(cells[0].toInt(), i - 1);
      LB_COMPARE_NEAR(cells[1].toDouble(), 1e-7 * std::pow(1e8, (i - 1) / 100.0), 1e-9);
    }
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 1);  // no temporary left behind
  }

  void plotWritesAReadablePng() {
    QTemporaryDir dir;
    const QString png = dir.filePath(QStringLiteral("sweep.png"));
    const Result r = runCli(lrFind({QStringLiteral("--plot"), png, QStringLiteral("--num-it"), QStringLiteral("60")}));
    QCOMPARE(r.exitCode, 0);
    QVERIFY(QFileInfo(png).size() > 0);
    const cv::Mat img = cv::imread(png.toStdString());
    QVERIFY(!img.empty());
    QCOMPARE(img.cols, 1000);
    QCOMPARE(img.rows, 650);
  }

  void unwritablePathFailsInOneSentence_data() {
    QTest::addColumn<QString>("option");
    QTest::newRow("csv") << QStringLiteral("--csv");
    QTest::newRow("plot") << QStringLiteral("--plot");
  }
  void unwritablePathFailsInOneSentence() {
    QFETCH(QString, option);
    const Result r = runCli(lrFind({option, QStringLiteral("/nonexistent/dir/x.csv")}));
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("/nonexistent/dir")), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("does not exist")), qPrintable(r.err));
    QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
    QVERIFY(r.out.isEmpty());
    QVERIFY(!QFileInfo::exists(QStringLiteral("/nonexistent/dir/x.csv")));
  }

  void badNumItSaysSo() {
    const Result r = runCli(lrFind({QStringLiteral("--num-it"), QStringLiteral("3")}));
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QStringLiteral("--num-it needs a whole number of at least 6")), qPrintable(r.err));
  }
};

QTEST_APPLESS_MAIN(TestCliLrFind)
#include "tst_cli_lr_find.moc"
