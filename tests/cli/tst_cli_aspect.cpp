// A project grouped by aspect ratio (issue 15) as a user runs it: learnbench-cli trains it
// (beyond chance), exports the model and predicts wide and tall images with it; `new
// --group-by-aspect` writes such a project, and refuses the example and a missing size.
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest/QtTest>

#include "common/aspect_folder.h"
#include "common/cli_runner.h"
#include "engine/project/project.h"

using namespace lb;
namespace fs = std::filesystem;

class TestCliAspect : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void aGroupedProjectTrainsExportsAndPredicts() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    const auto written = test::writeTwoAspects(root / "images", 600, 100, /*byClass=*/false);
    Project p;
    p.data.source = SourceKind::Folder;
    p.data.path = "images";
    p.data.split.kind = SplitKind::Grandparent;
    p.data.resize = {32, 32};
    p.data.groupByAspect = true;
    p.train.batchSize = 32;
    p.train.seed = 1;
    const QString project = QString::fromStdString((root / "grouped.lbproj").string());
    saveProject(p, project.toStdString());

    const Result train = runCli({QStringLiteral("train"), project, QStringLiteral("--epochs"),
                                 QStringLiteral("2"), QStringLiteral("--json")});
    QVERIFY2(train.exitCode == 0, qPrintable(train.err));
    const QStringList lines = train.out.trimmed().split(QLatin1Char('\n'));
    const QJsonObject last = QJsonDocument::fromJson(lines.back().toUtf8()).object();
    const double accuracy = last.value(QStringLiteral("accuracy")).toDouble();
    QVERIFY2(accuracy > 0.5, qPrintable(train.out));

    const QString model = dir.filePath(QStringLiteral("grouped.pt"));
    const Result exported =
        runCli({QStringLiteral("export"), project, QStringLiteral("--out"), model});
    QVERIFY2(exported.exitCode == 0, qPrintable(exported.err));

    // Validation images of both shapes; the class folder is the label.
    QStringList images;
    int wide = 0;
    for (std::size_t i = 0; i < written.size(); ++i)
      if (written[i].valid && images.size() < 40) {
        images << QString::fromStdString((root / "images" / written[i].file).string());
        wide += test::isWide(written[i], i, false);
      }
    QVERIFY(wide > 0 && wide < images.size());
    const Result predicted =
        runCli(QStringList{QStringLiteral("predict"), model, QStringLiteral("--json")} + images);
    QVERIFY2(predicted.exitCode == 0, qPrintable(predicted.err));
    int right = 0, answered = 0;
    for (const QString& line : predicted.out.trimmed().split(QLatin1Char('\n'))) {
      const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
      const fs::path file = o.value(QStringLiteral("file")).toString().toStdString();
      const QString top = o.value(QStringLiteral("predictions"))
                              .toArray()
                              .first()
                              .toObject()
                              .value(QStringLiteral("label"))
                              .toString();
      ++answered;
      right += top.toStdString() == file.parent_path().filename().string();
    }
    QCOMPARE(answered, int(images.size()));
    QVERIFY2(right > images.size() / 2, qPrintable(predicted.out));
  }

  void newWritesAGroupedProject() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    test::writeTwoAspects(root / "images", 40, 10, /*byClass=*/false);
    const QString images = QString::fromStdString((root / "images").string());
    const QString project = dir.filePath(QStringLiteral("new.lbproj"));
    const Result made = runCli({QStringLiteral("new"), project, QStringLiteral("--images"), images,
                                QStringLiteral("--size"), QStringLiteral("32"),
                                QStringLiteral("--group-by-aspect")});
    QVERIFY2(made.exitCode == 0, qPrintable(made.err));
    const Project p = loadProject(project.toStdString());
    QVERIFY(p.data.groupByAspect);
    QCOMPARE(p.data.resize.width, 32);

    // The example's images are all one shape: a sentence, and no file.
    const QString example = dir.filePath(QStringLiteral("example.lbproj"));
    const Result refused = runCli({QStringLiteral("new"), example, QStringLiteral("--example"),
                                   QStringLiteral("fashion-mnist"),
                                   QStringLiteral("--group-by-aspect")});
    QCOMPARE(refused.exitCode, 2);
    QVERIFY2(refused.err.contains(QStringLiteral("all 28x28")), qPrintable(refused.err));
    QVERIFY(!QFileInfo::exists(example));
  }
};

QTEST_GUILESS_MAIN(TestCliAspect)
#include "tst_cli_aspect.moc"
