// learnbench-cli new and summary on folders and CSVs made from real Fashion-MNIST images: the
// project is written only when the data checks out, with the vocabulary and relative paths;
// summary walks an item through the block, counts the classes and lists the files it will skip.
#include <QtTest/QtTest>

#include <fstream>

#include "common/cli_runner.h"
#include "common/image_folder.h"
#include "engine/project/project.h"

using namespace lb;

class TestCliNew : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void newFromAFolderThenSummary() {
    QTemporaryDir dir;
    const auto root = std::filesystem::path(dir.path().toStdString());
    test::writeImageFolder(root / "clothes", 120, 20);
    std::ofstream(root / "clothes/train/Bag/broken.png") << "not a png";
    const QString project = dir.filePath(QStringLiteral("clothes.lbproj"));
    Result r = runCli({QStringLiteral("new"), project, QStringLiteral("--images"),
                       dir.filePath(QStringLiteral("clothes")), QStringLiteral("--split"),
                       QStringLiteral("grandparent"), QStringLiteral("--size"), QStringLiteral("32")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    // The unreadable file is not counted (issue 14: it was, as 121 training items).
    QVERIFY2(r.out.contains(QStringLiteral("120 training and 20 validation items, 10 classes")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("1 file left out (first: train/Bag/broken.png")), qPrintable(r.out));
    const Project p = loadProject(project.toStdString());
    QCOMPARE(p.data.path, std::string("clothes"));  // inside the project folder: relative
    QCOMPARE(int(p.data.vocab.size()), 10);
    QCOMPARE(p.data.resize.width, 32);

    r = runCli({QStringLiteral("summary"), project});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("1x32x32 images")), qPrintable(r.out));
    QVERIFY(r.out.contains(QStringLiteral("collate")));
    QVERIFY(r.out.contains(QStringLiteral("train/Bag/broken.png: not an image")));
    QVERIFY(r.out.contains(QStringLiteral("Total parameters")));

    // Writing over an existing project needs --force.
    r = runCli({QStringLiteral("new"), project, QStringLiteral("--example"), QStringLiteral("fashion-mnist")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("already exists")), qPrintable(r.err));
  }

  void newFromACsv() {
    QTemporaryDir dir;
    const auto root = std::filesystem::path(dir.path().toStdString());
    const auto written = test::writeImageFolder(root, 60, 12, ".jpg", true);
    std::string csv = "file,kind,valid\n";
    for (const auto& w : written) csv += w.file + "," + w.label + "," + (w.valid ? "1" : "0") + "\n";
    std::ofstream(root / "list.csv") << csv;
    const QString project = dir.filePath(QStringLiteral("csv.lbproj"));
    Result r = runCli({QStringLiteral("new"), project, QStringLiteral("--csv"),
                       dir.filePath(QStringLiteral("list.csv")), QStringLiteral("--path-col"),
                       QStringLiteral("file"), QStringLiteral("--label-col"), QStringLiteral("kind"),
                       QStringLiteral("--valid-col"), QStringLiteral("valid"), QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const auto json = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(json.value(QStringLiteral("trainItems")).toInt(), 60);
    QCOMPARE(json.value(QStringLiteral("validItems")).toInt(), 12);
  }

  void badDataWritesNoProject() {
    QTemporaryDir dir;
    QDir(dir.path()).mkdir(QStringLiteral("empty"));
    const QString project = dir.filePath(QStringLiteral("empty.lbproj"));
    Result r = runCli({QStringLiteral("new"), project, QStringLiteral("--images"),
                       dir.filePath(QStringLiteral("empty"))});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("holds no image files")), qPrintable(r.err));
    QVERIFY(!QFile::exists(project));
    r = runCli({QStringLiteral("new"), project, QStringLiteral("--images"), dir.path(),
                QStringLiteral("--split"), QStringLiteral("random:150")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QStringLiteral("percentage between 0 and 100")), qPrintable(r.err));
  }

  // What is not given is proposed from the data (engine/experiment/propose.h), as the window's
  // File > New project does: train/valid folders split by folder, the size from the images.
  void newProposesWhatIsNotGiven() {
    QTemporaryDir dir;
    test::writeImageFolder(std::filesystem::path(dir.path().toStdString()) / "clothes", 100, 30);
    const QString project = dir.filePath(QStringLiteral("proposed.lbproj"));
    const Result r = runCli({QStringLiteral("new"), project, QStringLiteral("--images"),
                             dir.filePath(QStringLiteral("clothes"))});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("100 training and 30 validation items")), qPrintable(r.out));
    const Project p = loadProject(project.toStdString());
    QCOMPARE(p.data.split.kind, SplitKind::Grandparent);
    QCOMPARE(p.data.resize.width, 28);
    QCOMPARE(p.model.name, std::string("simple_cnn"));
  }
};

QTEST_GUILESS_MAIN(TestCliNew)
#include "tst_cli_new.moc"
