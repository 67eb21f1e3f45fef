// A rectangular training size end to end (issue 15; fastai's rectangular images): real
// Fashion-MNIST images written as 36x36 PNGs, resized to 32 wide by 24 high, go through the
// data preview, training (beyond chance), interpretation with Grad-CAM, export and prediction,
// each keeping height and width apart.
#include <QtTest/QtTest>

#include "common/image_folder.h"
#include "engine/data/data_preview.h"
#include "engine/experiment/experiment.h"
#include "engine/experiment/export.h"
#include "engine/experiment/operations.h"
#include "engine/project/project.h"

using namespace lb;
namespace fs = std::filesystem;

class TestRectangular : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void aRectangularProjectTrainsAndExports() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    const auto written = test::writeImageFolder(root / "images", 600, 100, ".png", false, false, 36);
    Project p;
    p.data.source = SourceKind::Folder;
    p.data.path = "images";
    p.data.split.kind = SplitKind::Grandparent;
    p.data.resize = {32, 24};  // width x height
    p.train.epochs = 2;
    p.train.lr = 1e-2;
    p.train.batchSize = 32;
    p.train.seed = 1;
    saveProject(p, root / "rect.lbproj");
    p = loadProject(root / "rect.lbproj");
    QCOMPARE(p.data.resize.width, 32);
    QCOMPARE(p.data.resize.height, 24);

    const DataPreview preview = previewDataBlock(p.data, p.folder());
    QVERIFY(preview.ok());
    QCOMPARE(preview.height, 24);
    QCOMPARE(preview.width, 32);
    QCOMPARE(preview.batch.front().height, 24);
    QCOMPARE(preview.batch.front().width, 32);

    Experiment experiment(p);
    QCOMPARE(experiment.inputShape().height, 24);
    QCOMPARE(experiment.inputShape().width, 32);
    const RecordedRun run = trainAndRecord(experiment, {});
    const double accuracy = run.outcome.epochs.back().metric;
    QVERIFY2(accuracy > 0.5, qPrintable(QString::number(accuracy)));

    const Interpretation in = experiment.interpret(3);
    QCOMPARE(in.images.size(), std::size_t(3));
    QCOMPARE(in.images.front().height, 24);
    QCOMPARE(in.images.front().width, 32);
    QCOMPARE(in.gradCams.front().height, 24);
    QCOMPARE(in.gradCams.front().width, 32);

    const fs::path model = root / "rect.pt";
    exportModel(p, requireCheckpoint(p, {}), model);
    const ExportedModel exported = loadExportedModel(model);
    std::vector<fs::path> files;
    int right = 0;
    for (const auto& w : written)
      if (w.valid && files.size() < 20) files.push_back(root / "images" / w.file);
    const auto predictions = predictImages(exported, files, 1);
    for (std::size_t i = 0; i < files.size(); ++i) {
      QVERIFY2(predictions[i].error.empty(), predictions[i].error.c_str());
      // The file's class folder is its label.
      if (predictions[i].top.front().first == files[i].parent_path().filename().string()) ++right;
    }
    QVERIFY2(right > 8, qPrintable(QStringLiteral("%1 of 20 right").arg(right)));
  }
};

QTEST_GUILESS_MAIN(TestRectangular)
#include "tst_rectangular.moc"
