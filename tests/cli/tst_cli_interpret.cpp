// learnbench-cli interpret as a user runs it: train the example for one epoch, then interpret
// it into a folder: every file is there, the top losses come largest first, the confusion
// counts add up to the validation set; without a checkpoint it says to train first. A regression
// project gets its scatter, worst residuals and predictions.csv instead.
#include <QtTest/QtTest>

#include <opencv2/imgcodecs.hpp>

#include <fstream>

#include "common/cli_runner.h"
#include "common/image_folder.h"
#include "common/test_support.h"
#include "engine/project/project.h"

namespace {

QString copyOfExample(const QTemporaryDir& dir) {
  const QString copy = dir.filePath(QStringLiteral("example.lbproj"));
  QFile::copy(lb::test::exampleProjectFile(), copy);
  return copy;
}

QStringList readLines(const QString& file) {
  QFile f(file);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QString::fromUtf8(f.readAll()).trimmed().split(QLatin1Char('\n'));
}

}  // namespace

class TestCliInterpret : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  QString m_project;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    m_project = copyOfExample(m_dir);
    const Result r = runCli({QStringLiteral("train"), m_project, QStringLiteral("--limit"),
                             QStringLiteral("1200"), QStringLiteral("--epochs"), QStringLiteral("1")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
  }

  void writesEveryFile() {
    const QString out = m_dir.filePath(QStringLiteral("interp"));
    const Result r = runCli({QStringLiteral("interpret"), m_project, QStringLiteral("--limit"),
                             QStringLiteral("1200"), QStringLiteral("--out"), out,
                             QStringLiteral("--gradcam"), QStringLiteral("--k"), QStringLiteral("12")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("accuracy")), qPrintable(r.out));
    const QStringList files = {QStringLiteral("top_losses.png"), QStringLiteral("top_losses_gradcam.png"),
                               QStringLiteral("top_losses.csv"), QStringLiteral("confusion_matrix.png"),
                               QStringLiteral("confusion_matrix.csv"), QStringLiteral("most_confused.csv")};
    for (const QString& f : files) {
      QVERIFY2(QFileInfo(out + QLatin1Char('/') + f).size() > 0, qPrintable(f));
      QVERIFY2(r.out.contains(f), qPrintable(f));
    }
    QCOMPARE(QDir(out).entryList(QDir::Files).size(), files.size());  // no temporaries left
    for (const char* png : {"/top_losses.png", "/top_losses_gradcam.png", "/confusion_matrix.png"})
      QVERIFY2(!cv::imread((out + QLatin1String(png)).toStdString()).empty(), png);

    // Top losses: k rows, largest loss first, probabilities in (0, 1].
    const QStringList top = readLines(out + QStringLiteral("/top_losses.csv"));
    QCOMPARE(top[0], QStringLiteral("index,actual,predicted,loss,probability"));
    QCOMPARE(top.size(), 13);
    double previous = INFINITY;
    for (int i = 1; i < top.size(); ++i) {
      const QStringList cells = top[i].split(QLatin1Char(','));
      QCOMPARE(cells.size(), 5);
      const double loss = cells[3].toDouble(), p = cells[4].toDouble();
      QVERIFY2(loss <= previous, qPrintable(top[i]));
      QVERIFY(p > 0 && p <= 1);
      previous = loss;
    }

    // Confusion counts: one row per class, adding up to the validation set (1200 / 6).
    const QStringList cm = readLines(out + QStringLiteral("/confusion_matrix.csv"));
    QCOMPARE(cm.size(), 11);
    QVERIFY(cm[0].startsWith(QStringLiteral("actual\\predicted,T-shirt/top,")));
    long total = 0;
    for (int i = 1; i < cm.size(); ++i) {
      const QStringList cells = cm[i].split(QLatin1Char(','));
      QCOMPARE(cells.size(), 11);
      for (int j = 1; j < cells.size(); ++j) total += cells[j].toLong();
    }
    QCOMPARE(total, 200L);

    const QStringList confused = readLines(out + QStringLiteral("/most_confused.csv"));
    QCOMPARE(confused[0], QStringLiteral("actual,predicted,count"));
    for (int i = 2; i < confused.size(); ++i)
      QVERIFY(confused[i - 1].section(QLatin1Char(','), -1).toLong() >=
              confused[i].section(QLatin1Char(','), -1).toLong());
  }

  void jsonHasTheSummary() {
    const QString out = m_dir.filePath(QStringLiteral("json"));
    const Result r = runCli({QStringLiteral("interpret"), m_project, QStringLiteral("--limit"),
                             QStringLiteral("1200"), QStringLiteral("--out"), out, QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 1);
    const QJsonObject o = QJsonDocument::fromJson(lines[0].toUtf8()).object();
    QCOMPARE(o.value(QStringLiteral("valid_items")).toInt(), 200);
    const double accuracy = o.value(QStringLiteral("accuracy")).toDouble(-1);
    QVERIFY(accuracy >= 0 && accuracy <= 1);
    QCOMPARE(o.value(QStringLiteral("top_losses")).toArray().size(), 9);
    QCOMPARE(o.value(QStringLiteral("files")).toArray().size(), 5);  // no Grad-CAM without --gradcam
  }

  void missingCheckpointSaysToTrainFirst() {
    QTemporaryDir dir;
    const QString project = copyOfExample(dir);
    const Result r = runCli({QStringLiteral("interpret"), project, QStringLiteral("--out"),
                             dir.filePath(QStringLiteral("out"))});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("learnbench-cli train")), qPrintable(r.err));
    QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);  // one sentence
    QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("out"))));  // nothing written
  }

  // A regression project made from real images (the class number as the value), trained one
  // epoch: the scatter, the worst residuals and every item's prediction, worst first.
  void regressionProjectWritesItsViews() {
    QTemporaryDir dir;
    const auto root = std::filesystem::path(dir.path().toStdString());
    const auto written = lb::test::writeImageFolder(root, 300, 60, ".png", true);
    std::string csv = "file,score,valid\n";
    for (const auto& w : written) {
      int number = 0;
      while (lb::test::safeClassName(number) != w.label) ++number;
      csv += w.file + "," + std::to_string(number) + "," + (w.valid ? "1" : "0") + "\n";
    }
    std::ofstream(root / "scores.csv") << csv;
    const QString project = dir.filePath(QStringLiteral("scores.lbproj"));
    Result r = runCli({QStringLiteral("new"), project, QStringLiteral("--csv"),
                       dir.filePath(QStringLiteral("scores.csv")), QStringLiteral("--path-col"),
                       QStringLiteral("file"), QStringLiteral("--label-col"), QStringLiteral("score"),
                       QStringLiteral("--valid-col"), QStringLiteral("valid"),
                       QStringLiteral("--target"), QStringLiteral("regression")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    r = runCli({QStringLiteral("train"), project, QStringLiteral("--epochs"), QStringLiteral("1")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    // fastai's table names the regression metric, mae, where categories have accuracy; and so
    // does the run recorded in the project.
    QVERIFY2(r.out.section(QLatin1Char('\n'), 0, 0).contains(QStringLiteral("mae")), qPrintable(r.out));
    QVERIFY2(!r.out.contains(QStringLiteral("accuracy")), qPrintable(r.out));
    const lb::Project trained = lb::loadProject(project.toStdString());
    QCOMPARE(trained.runs.back().results.back().metricName, std::string("mae"));
    const QString out = dir.filePath(QStringLiteral("interp"));
    r = runCli({QStringLiteral("interpret"), project, QStringLiteral("--out"), out,
                QStringLiteral("--k"), QStringLiteral("4")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("MAE")) && r.out.contains(QStringLiteral("R2")),
             qPrintable(r.out));
    const QStringList files = {QStringLiteral("predicted_vs_actual.png"),
                               QStringLiteral("worst_residuals.png"), QStringLiteral("predictions.csv")};
    for (const QString& f : files) {
      QVERIFY2(QFileInfo(out + QLatin1Char('/') + f).size() > 0, qPrintable(f));
      QVERIFY2(r.out.contains(f), qPrintable(f));
    }
    QCOMPARE(QDir(out).entryList(QDir::Files).size(), files.size());
    for (const char* png : {"/predicted_vs_actual.png", "/worst_residuals.png"})
      QVERIFY2(!cv::imread((out + QLatin1String(png)).toStdString()).empty(), png);

    // Every validation item, largest |residual| first, residual = predicted - actual.
    const QStringList rows = readLines(out + QStringLiteral("/predictions.csv"));
    QCOMPARE(rows[0], QStringLiteral("index,name,actual,predicted,residual"));
    QCOMPARE(rows.size(), 61);
    double previous = INFINITY;
    for (int i = 1; i < rows.size(); ++i) {
      const QStringList cells = rows[i].split(QLatin1Char(','));
      QCOMPARE(cells.size(), 5);
      QVERIFY2(cells[1].endsWith(QStringLiteral(".png")), qPrintable(rows[i]));
      const double actual = cells[2].toDouble(), predicted = cells[3].toDouble();
      const double residual = cells[4].toDouble();
      QVERIFY(std::abs(predicted - actual - residual) < 1e-5);
      QVERIFY2(std::abs(residual) <= previous, qPrintable(rows[i]));
      previous = std::abs(residual);
    }
  }

  void wrongCommandLinesExitTwo() {
    QCOMPARE(runCli({QStringLiteral("interpret"), m_project}).exitCode, 2);  // no --out
    QCOMPARE(runCli({QStringLiteral("interpret"), m_project, QStringLiteral("--out"),
                     m_dir.filePath(QStringLiteral("x")), QStringLiteral("--k"), QStringLiteral("0")})
                 .exitCode,
             2);
  }
};

QTEST_APPLESS_MAIN(TestCliInterpret)
#include "tst_cli_interpret.moc"
