// The Export page on a real project: a simple CNN trained briefly on real Fashion-MNIST is
// exported off the GUI thread, then predicts a real image written as PNG (bars best first, in
// [0, 1], the top label in the status line) and a picked validation item (with its actual
// label); an unreadable file gives its sentence; Export is disabled before any checkpoint.
// predictImage on pixels gives what predictImages gives on the same pixels as a PNG file.
// On a folder project, "Choose image…" predicts the file chosen in its dialog, and a file of the
// data block predicted as another class is marked wrong with its true label.
#include <QApplication>
#include <QFileDialog>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QtTest/QtTest>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "common/image_folder.h"
#include "common/test_support.h"
#include "engine/data/validation_samples.h"
#include "engine/experiment/export.h"
#include "engine/experiment/experiment.h"
#include "widgets/export_page.h"
#include "widgets/qcustomplot_include.h"

using namespace lb;
namespace fs = std::filesystem;

class TstExportPage : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    m_project.name = "fm";
    m_project.file = fs::path(m_dir.path().toStdString()) / "fm.lbproj";
    m_project.data.path = test::fashionMnistDir();
    m_project.data.limit = 600;
    m_project.train.epochs = 1;
    m_project.train.threads = 2;
    TrainingHooks hooks;
    hooks.checkpointFile = m_project.lastCheckpoint();
    Experiment(m_project).train(hooks);
    QVERIFY(fs::exists(m_project.lastCheckpoint()));
    for (const auto& image :
         test::writeImageFolder(fs::path(m_dir.path().toStdString()) / "images", 0, 3))
      m_images << m_dir.filePath(QStringLiteral("images/") + QString::fromStdString(image.file));
  }

  void exportDisabledBeforeTraining() {
    QTemporaryDir other;
    Project fresh = m_project;
    fresh.file = fs::path(other.path().toStdString()) / "new.lbproj";
    ExportPage page;
    page.setProject(fresh);
    QVERIFY(!page.canExport());
    QSignalSpy failed(&page, &ExportPage::failed);
    page.exportTo(other.filePath(QStringLiteral("x.pt")));
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(0).toString(),
             QStringLiteral("Train first: there is no trained model to export yet."));
    QVERIFY(!QFile::exists(other.filePath(QStringLiteral("x.pt"))));
  }

  void exportsThenPredictsADroppedFile() {
    ExportPage page;
    page.setProject(m_project);
    QVERIFY(page.canExport());
    page.show();
    QTRY_VERIFY_WITH_TIMEOUT(page.usesLatestModel(), 120000);  // its own load comes first
    QSignalSpy exported(&page, &ExportPage::exported);
    QSignalSpy loaded(&page, &ExportPage::modelLoaded);
    m_model = m_dir.filePath(QStringLiteral("fm.pt"));
    page.exportTo(m_model);
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 120000);
    QCOMPARE(loaded.count(), 1);
    QVERIFY(QFile::exists(m_model));

    QSignalSpy predicted(&page, &ExportPage::predicted);
    page.predictFile(m_images.front());
    QCOMPARE(predicted.count(), 1);
    checkBars(page);
    QVERIFY(page.statusText().contains(page.barLabels().front()));
  }

  // Trained: the page predicts with the latest model at once, without an export by hand.
  void predictsWithTheLatestModelWithoutExporting() {
    ExportPage page;
    page.setProject(m_project);
    QTest::qWait(100);
    QVERIFY(!page.usesLatestModel());  // nothing happens while the page is hidden
    page.show();
    QTRY_VERIFY_WITH_TIMEOUT(page.usesLatestModel() && page.validationSampleCount() > 0, 120000);
    QVERIFY2(page.statusText().startsWith(QStringLiteral("Predicting with the latest trained model")),
             qPrintable(page.statusText()));
    QSignalSpy predicted(&page, &ExportPage::predicted);
    page.predictSample(0);
    QCOMPARE(predicted.count(), 1);
    checkBars(page);
    // A model the user opens takes over, and stays when the project is set again.
    QVERIFY(!m_model.isEmpty());
    page.loadModel(m_model);
    QVERIFY(!page.usesLatestModel());
    page.setProject(m_project);
    QTest::qWait(200);
    QVERIFY(!page.usesLatestModel());
    QVERIFY(page.statusText().contains(QFileInfo(m_model).fileName()));
  }

  void predictsAValidationItem() {
    ExportPage page;
    page.setProject(m_project);
    page.loadModel(m_model);
    page.show();
    QTRY_VERIFY_WITH_TIMEOUT(page.validationSampleCount() > 0, 60000);
    QSignalSpy predicted(&page, &ExportPage::predicted);
    page.predictSample(1);
    QCOMPARE(predicted.count(), 1);
    checkBars(page);
    const auto& classes = fashionMnistClasses();
    QVERIFY(std::find(classes.begin(), classes.end(), page.actualLabel().toStdString()) !=
            classes.end());
    // LB_SCREENSHOT=page.png keeps a picture of the page, to look at it.
    if (qEnvironmentVariableIsSet("LB_SCREENSHOT")) {
      page.resize(1100, 650);
      page.show();
      QTest::qWait(300);
      page.grab().save(qEnvironmentVariable("LB_SCREENSHOT"));
    }
  }

  // Guess first: the image and its actual label show, the prediction (chart, status, right or
  // wrong) only after Reveal, or the space key on the next one.
  void guessFirstHidesThePredictionUntilRevealed() {
    ExportPage page;
    page.setProject(m_project);
    page.loadModel(m_model);
    page.setGuessFirst(true);
    page.show();
    QTRY_VERIFY_WITH_TIMEOUT(page.validationSampleCount() > 0, 60000);
    page.predictSample(1);
    const QString best = page.barLabels().front();
    QVERIFY(page.answerHidden());
    QVERIFY(page.revealButton()->isVisible());
    QVERIFY(!page.findChild<QCustomPlot*>()->isVisible());
    QVERIFY2(!page.statusText().contains(QStringLiteral("predicted")) &&
                 page.statusText().contains(page.actualLabel()),
             qPrintable(page.statusText()));
    QCOMPARE(page.captionText(), QStringLiteral("actual: %1").arg(page.actualLabel()));
    QTest::mouseClick(page.revealButton(), Qt::LeftButton);
    QVERIFY(!page.answerHidden());
    QVERIFY(page.findChild<QCustomPlot*>()->isVisible());
    QVERIFY2(page.statusText().contains(QStringLiteral("predicted %1").arg(best)),
             qPrintable(page.statusText()));
    page.predictSample(2);
    QVERIFY(page.answerHidden());
    page.activateWindow();
    page.setFocus();
    QTest::keyClick(&page, Qt::Key_Space);
    QVERIFY(!page.answerHidden());
    QVERIFY(page.statusText().contains(QStringLiteral("predicted")));
  }

  void chooseImageMarksAWrongPrediction() {
    const fs::path folder = fs::path(m_dir.path().toStdString()) / "folder";
    const auto written = test::writeImageFolder(folder, 200, 40);
    Project p;
    p.name = "folder";
    p.file = fs::path(m_dir.path().toStdString()) / "folder.lbproj";
    p.data.source = SourceKind::Folder;
    p.data.path = folder.string();
    p.data.split.kind = SplitKind::Grandparent;
    p.data.resize.width = p.data.resize.height = 28;
    p.train.epochs = 1;
    p.train.threads = 2;
    TrainingHooks hooks;
    hooks.checkpointFile = p.lastCheckpoint();
    Experiment(p).train(hooks);
    ExportPage page;
    page.setProject(p);
    page.show();
    QTRY_VERIFY_WITH_TIMEOUT(page.usesLatestModel(), 120000);

    // Choose image…: the file picked in the dialog is predicted, with its label from the data.
    std::vector<test::WrittenImage> valid;
    for (const auto& w : written)
      if (w.valid) valid.push_back(w);
    const QString chosen = QString::fromStdString((folder / valid.front().file).string());
    // The dialog, once it shows, picks the file and accepts.
    QTimer answer;
    QObject::connect(&answer, &QTimer::timeout, [&answer, chosen] {
      for (QWidget* w : QApplication::topLevelWidgets())
        if (auto* dialog = qobject_cast<QFileDialog*>(w); dialog && dialog->isVisible()) {
          answer.stop();
          dialog->findChild<QLineEdit*>(QStringLiteral("fileNameEdit"))->setText(chosen);
          static_cast<QDialog*>(dialog)->accept();  // QFileDialog::accept, protected there
        }
    });
    answer.start(100);
    QSignalSpy predicted(&page, &ExportPage::predicted);
    page.findChild<QPushButton*>(QStringLiteral("chooseImageButton"))->click();
    QCOMPARE(predicted.count(), 1);
    QCOMPARE(QFileInfo(predicted.at(0).at(0).toString()), QFileInfo(chosen));
    QCOMPARE(page.actualLabel(), QString::fromStdString(valid.front().label));
    checkBars(page);

    // Every validation file: wrong exactly when the best class is not its label, and said so.
    int wrong = 0, right = 0;
    for (const auto& w : valid) {
      page.predictFile(QString::fromStdString((folder / w.file).string()));
      const QString label = QString::fromStdString(w.label);
      QCOMPARE(page.actualLabel(), label);
      const bool isWrong = page.barLabels().front() != label;
      QCOMPARE(page.predictionWrong(), isWrong);
      QCOMPARE(page.captionText(), isWrong ? QStringLiteral("wrong: true label %1").arg(label)
                                           : QStringLiteral("right: true label %1").arg(label));
      (isWrong ? wrong : right)++;
      if (isWrong && wrong == 1 && qEnvironmentVariableIsSet("LB_SCREENSHOT")) {
        page.resize(1100, 650);
        QTest::qWait(300);
        page.grab().save(qEnvironmentVariable("LB_SCREENSHOT").replace(QStringLiteral(".png"), QStringLiteral("-wrong.png")));
      }
    }
    QVERIFY2(wrong > 0 && right > 0, qPrintable(QStringLiteral("%1 wrong, %2 right").arg(wrong).arg(right)));
    // A file outside the data block has no known label: nothing to be wrong about.
    page.predictFile(m_images.front());
    QVERIFY(page.actualLabel().isEmpty());
    QVERIFY(!page.predictionWrong());
  }

  void unreadableImageSaysWhy() {
    ExportPage page;
    page.loadModel(m_model);
    const QString broken = m_dir.filePath(QStringLiteral("broken.png"));
    std::ofstream(broken.toStdString()) << "not an image";
    QSignalSpy failed(&page, &ExportPage::failed);
    QSignalSpy predicted(&page, &ExportPage::predicted);
    page.predictFile(broken);
    page.predictFile(m_dir.filePath(QStringLiteral("missing.png")));
    QCOMPARE(failed.count(), 2);
    QCOMPARE(predicted.count(), 0);
    QVERIFY2(
        failed.at(0).at(0).toString().startsWith(QStringLiteral("broken.png could not be read")),
        qPrintable(failed.at(0).at(0).toString()));
    QCOMPARE(page.statusText(), failed.at(1).at(0).toString());

    ExportPage empty;  // no model yet
    QSignalSpy noModel(&empty, &ExportPage::failed);
    empty.predictFile(m_images.front());
    QCOMPARE(noModel.count(), 1);
    QVERIFY(noModel.at(0).at(0).toString().startsWith(QStringLiteral("Open a model first")));
  }

  void predictImageMatchesPredictImages() {
    const ExportedModel model = loadExportedModel(m_model.toStdString());
    const auto samples = validationSamples(m_project.data, m_project.folder(), 3);
    QCOMPARE(samples.size(), std::size_t(3));
    for (const auto& s : samples) {
      const fs::path png = fs::path(m_dir.path().toStdString()) / "sample.png";
      cv::Mat mat(s.image.height, s.image.width, CV_8UC1,
                  const_cast<std::uint8_t*>(s.image.pixels.data()));
      QVERIFY(cv::imwrite(png.string(), mat));
      const Prediction fromFile = predictImages(model, {png}, 3).at(0);
      const Prediction fromPixels = predictImage(model, s.image, 3);
      QVERIFY(fromPixels.error.empty());
      QCOMPARE(fromPixels.top.size(), fromFile.top.size());
      for (std::size_t i = 0; i < fromFile.top.size(); ++i) {
        QCOMPARE(fromPixels.top[i].first, fromFile.top[i].first);
        LB_COMPARE_NEAR(fromPixels.top[i].second, fromFile.top[i].second, 1e-5);
      }
    }
    Image8 bad;
    bad.width = 3;
    QVERIFY(!predictImage(model, bad, 3).error.empty());
  }

 private:
  QTemporaryDir m_dir;
  Project m_project;
  QString m_model;
  QStringList m_images;

  static void checkBars(const ExportPage& page) {
    const auto values = page.barValues();
    QCOMPARE(values.size(), std::size_t(5));
    QCOMPARE(page.barLabels().size(), 5);
    for (std::size_t i = 0; i < values.size(); ++i) {
      QVERIFY(values[i] >= 0 && values[i] <= 1);
      if (i > 0) QVERIFY(values[i] <= values[i - 1]);
    }
  }
};

QTEST_MAIN(TstExportPage)
#include "tst_export_page.moc"
