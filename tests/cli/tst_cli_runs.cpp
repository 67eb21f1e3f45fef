// learnbench-cli runs as a user would run it: two trainings with different learning rates give
// two rows (JSON fields as the issue names them), --compare gives the settings diff and the
// fixed/broken counts that the runs' stored predictions give by hand, --plot writes a PNG, and
// an unknown run is a sentence with exit status 1.
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>

#include "common/cli_runner.h"
#include "engine/project/project.h"
#include "engine/project/run_store.h"

class TstCliRuns : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;
  QString m_file;

  static QList<QJsonObject> lines(const QString& out) {
    QList<QJsonObject> objects;
    for (const QString& line : out.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
      objects << QJsonDocument::fromJson(line.toUtf8()).object();
    return objects;
  }

 private Q_SLOTS:
  void initTestCase() {
    if (!std::filesystem::exists(lb::kDefaultFashionMnistDir))
      QSKIP("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
    lb::Project p;
    p.name = "runs";
    p.data.limit = 600;
    p.train.threads = 1;
    m_file = m_dir.filePath(QStringLiteral("runs.lbproj"));
    lb::saveProject(p, m_file.toStdString());
    QCOMPARE(runCli({QStringLiteral("runs"), m_file}).exitCode, 0);  // none yet: still fine
    for (const char* lr : {"1e-2", "1e-3"}) {
      const Result r = runCli({QStringLiteral("train"), m_file, QStringLiteral("--lr"),
                               QString::fromLatin1(lr)});
      QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }
  }

  void listsEveryRunWithItsFields() {
    const Result r = runCli({QStringLiteral("runs"), m_file, QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QList<QJsonObject> runs = lines(r.out);
    QCOMPARE(runs.size(), 2);
    for (const char* key : {"id", "started", "status", "epochs", "lr", "batch_size", "seed",
                            "best_valid_loss", "accuracy"})
      QVERIFY2(runs[0].contains(QLatin1String(key)), key);
    QCOMPARE(runs[0].value(QStringLiteral("lr")).toDouble(), 1e-2);
    QCOMPARE(runs[1].value(QStringLiteral("lr")).toDouble(), 1e-3);
    QCOMPARE(runs[0].value(QStringLiteral("status")).toString(), QStringLiteral("finished"));
    QVERIFY(runs[0].value(QStringLiteral("id")).toString() <
            runs[1].value(QStringLiteral("id")).toString());  // sortable by time
    // The table shows only the setting that differs.
    const Result table = runCli({QStringLiteral("runs"), m_file});
    QVERIFY(table.out.contains(QStringLiteral("train.lr")));
    QVERIFY(!table.out.contains(QStringLiteral("train.seed")));
  }

  void comparesTwoRunsImageByImage() {
    const lb::Project project = lb::loadProject(m_file.toStdString());
    const std::vector<lb::StoredRun> runs = lb::listRuns(project);
    QCOMPARE(int(runs.size()), 2);
    const QString a = QString::fromStdString(runs[0].info.id), b = QString::fromStdString(runs[1].info.id);
    const Result r = runCli({QStringLiteral("runs"), m_file, QStringLiteral("--compare"), a, b,
                             QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QJsonObject c = lines(r.out).front();
    // By hand from the stored predictions.
    const auto pa = lb::loadPredictions(runs[0]), pb = lb::loadPredictions(runs[1]);
    int fixed = 0, broken = 0;
    for (std::size_t i = 0; i < pa.size(); ++i) {
      fixed += pa[i].predicted != pa[i].actual && pb[i].predicted == pb[i].actual;
      broken += pa[i].predicted == pa[i].actual && pb[i].predicted != pb[i].actual;
    }
    QCOMPARE(c.value(QStringLiteral("fixed")).toInt(), fixed);
    QCOMPARE(c.value(QStringLiteral("broken")).toInt(), broken);
    const QJsonObject setting = c.value(QStringLiteral("settings")).toArray().first().toObject();
    QCOMPARE(setting.value(QStringLiteral("setting")).toString(), QStringLiteral("train.lr"));
    const Result text = runCli({QStringLiteral("runs"), m_file, QStringLiteral("--compare"), a, b});
    QVERIFY(text.out.contains(QStringLiteral("(fixed): %1").arg(fixed)));
  }

  void plotsTheOverlay() {
    const QString png = m_dir.filePath(QStringLiteral("runs.png"));
    const Result r = runCli({QStringLiteral("runs"), m_file, QStringLiteral("--plot"), png});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QFile f(png);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(f.read(8).startsWith("\x89PNG"));
  }

  void anUnknownRunIsASentence() {
    const Result r = runCli({QStringLiteral("runs"), m_file, QStringLiteral("--compare"),
                             QStringLiteral("nope"), QStringLiteral("other")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.startsWith(QStringLiteral("The project has no run \"nope\"")), qPrintable(r.err));
  }
};

QTEST_GUILESS_MAIN(TstCliRuns)
#include "tst_cli_runs.moc"
