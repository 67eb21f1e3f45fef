// The data block editor and its preview, driven as a person would (offscreen): point it at a
// real folder of Fashion-MNIST PNGs, change the split, break the source and the label regex, and
// read the cards' check marks, the counts and the batch grid.
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <memory>
#include <opencv2/imgcodecs.hpp>

#include "common/test_support.h"
#include "engine/data/fashion_mnist.h"
#include "widgets/data_block_editor.h"
#include "widgets/data_block_page.h"
#include "widgets/data_preview_view.h"

using lb::DataBlockEditor;
using lb::DataBlockPage;
using lb::DataStep;

namespace {
constexpr int kWaitMs = 60000;
constexpr int kBatchTiles = 12;
const QString kOk = QStringLiteral("\u2713");
const QString kFailed = QStringLiteral("\u2717");

template <typename W>
W* child(QWidget* parent, const char* name) {
  return parent->findChild<W*>(QString::fromLatin1(name));
}

// Selects the combo entry whose data is `value`, as picking it from the list does.
template <typename E>
void pick(QComboBox* combo, E value) {
  const int index = combo->findData(int(value));
  QVERIFY(index >= 0);
  combo->setCurrentIndex(index);
}

// Replaces the text of a line edit or spin box by typing.
void type(QWidget* field, const QString& text) {
  QTest::keyClick(field, Qt::Key_A, Qt::ControlModifier);
  QTest::keyClick(field, Qt::Key_Delete);
  QTest::keyClicks(field, text);
}

// Every card's status line, for failure messages.
QString statuses(const DataBlockEditor* editor) {
  QStringList lines;
  for (int s = 0; s < 7; ++s) lines << editor->stepStatus(DataStep(s));
  return lines.join(QStringLiteral(" | "));
}

int countTrain(const lb::DataPreview& p) {
  int n = 0;
  for (const lb::ClassCount& c : p.counts) n += c.train;
  return n;
}
int countValid(const lb::DataPreview& p) {
  int n = 0;
  for (const lb::ClassCount& c : p.counts) n += c.valid;
  return n;
}
}  // namespace

class TstDataBlockEditor : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  void setSpecRoundTripsAndEmitsNothing();
  void optionsFollowTheChosenKinds();
  void folderDataSetChecksOut();
  void randomSplitChangesTheCounts();
  void missingFolderFailsOnTheSourceCard();
  void regexMatchingNothingFailsOnTheLabelCard();
  void droppingAFolderMakesItTheSource();

 private:
  // A page showing the folder data set, split by grandparent; waits for its preview.
  std::unique_ptr<DataBlockPage> folderPage();

  QTemporaryDir m_dir;
  QString m_data;  // DIR/train/<class>/*.png and DIR/valid/<class>/*.png
  int m_train = 0, m_valid = 0;
};

void TstDataBlockEditor::initTestCase() {
  if (!std::filesystem::exists(lb::test::fashionMnistDir()))
    QSKIP("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
  QVERIFY(m_dir.isValid());
  m_data = m_dir.filePath(QStringLiteral("clothes"));
  const lb::FashionMnist fm = lb::loadFashionMnist(lb::test::fashionMnistDir(), 100);
  const auto write = [&](const lb::LabelledImages& split, const char* name) {
    const auto images = split.images.contiguous();
    for (std::int64_t i = 0; i < split.size(); ++i) {
      // "T-shirt/top" cannot be a folder name.
      QString label = QString::fromStdString(fm.classes[split.labels[i].item<std::int64_t>()]);
      label.replace(QLatin1Char('/'), QLatin1Char('_'));
      const QString folder = QStringLiteral("%1/%2/%3").arg(m_data, QLatin1String(name), label);
      QVERIFY(QDir().mkpath(folder));
      const cv::Mat image(28, 28, CV_8UC1, images[i].data_ptr<std::uint8_t>());
      const QString file = QStringLiteral("%1/%2_%3.png").arg(folder, QLatin1String(name)).arg(i);
      QVERIFY(cv::imwrite(file.toStdString(), image));
    }
  };
  write(fm.train, "train");
  write(fm.valid, "valid");
  m_train = int(fm.train.size());
  m_valid = int(fm.valid.size());
  QVERIFY(m_train == 100 && m_valid > 0);
}

std::unique_ptr<DataBlockPage> TstDataBlockEditor::folderPage() {
  auto page = std::make_unique<DataBlockPage>();
  lb::PreviewOptions options;
  options.batchItems = kBatchTiles;
  page->setPreviewOptions(options);
  page->setSpec(lb::DataBlockSpec{}, m_dir.path());
  page->resize(1200, 900);
  page->show();
  QWidget* e = page->editor();
  pick(child<QComboBox>(e, "sourceKind"), lb::SourceKind::Folder);
  type(child<QLineEdit>(e, "sourcePath"), m_data);
  pick(child<QComboBox>(e, "splitKind"), lb::SplitKind::Grandparent);
  page->waitForPreview(kWaitMs);
  return page;
}

void TstDataBlockEditor::setSpecRoundTripsAndEmitsNothing() {
  DataBlockEditor editor;
  QSignalSpy changed(&editor, &DataBlockEditor::specChanged);
  lb::DataBlockSpec spec;
  spec.source = lb::SourceKind::Csv;
  spec.path = "labels.csv";
  spec.csv.labelDelimiter = std::string(1, ' ');  // a literal trips GCC 12's -Wrestrict
  spec.split.kind = lb::SplitKind::CsvColumn;
  spec.split.validPct = 0.25;
  spec.label.kind = lb::LabelKind::Regex;
  spec.label.regex = "^(.+)_\\d+$";
  spec.resize = {128, 96, lb::ResizeMethod::Pad, lb::PadMode::Reflection};
  spec.randomResizedCrop.enabled = true;
  spec.randomResizedCrop.minScale = 0.35;
  spec.augment.enabled = true;
  spec.augment.maxRotate = 20;
  spec.groupByAspect = true;
  spec.normalize = lb::NormalizeKind::ImageNet;
  spec.vocab = {"cat", "dog"};
  editor.setSpec(spec, QDir::tempPath());
  QCOMPARE(changed.count(), 0);
  QVERIFY(editor.spec() == spec);
  editor.setSpec(lb::DataBlockSpec{}, QDir::tempPath());
  QVERIFY(editor.spec() == lb::DataBlockSpec{});
  QCOMPARE(changed.count(), 0);

  // A user edit is announced once and lands in the spec.
  QTest::keyClicks(child<QLineEdit>(&editor, "extensions"), QStringLiteral(", gif"));
  QVERIFY(changed.count() > 0);
  QCOMPARE(editor.spec().extensions.back(), std::string(".gif"));
  QVERIFY(editor.stepStatus(DataStep::Source).startsWith(QStringLiteral("Not checked")));

  // A width alone would not load again: the height follows it, and back to "keep" together.
  auto* width = child<QSpinBox>(&editor, "resizeWidth");
  type(width, QStringLiteral("64"));
  QCOMPARE(editor.spec().resize.width, 64);
  QCOMPARE(editor.spec().resize.height, 64);
  type(child<QSpinBox>(&editor, "resizeHeight"), QStringLiteral("48"));
  QCOMPARE(editor.spec().resize.width, 64);
  QCOMPARE(editor.spec().resize.height, 48);
  type(width, QStringLiteral("0"));
  QVERIFY(!editor.spec().resize.active());
  QCOMPARE(editor.spec().resize.height, 0);
}

void TstDataBlockEditor::optionsFollowTheChosenKinds() {
  DataBlockEditor editor;
  editor.show();
  auto* limit = child<QSpinBox>(&editor, "sourceLimit");
  auto* csvColumn = child<QLineEdit>(&editor, "csvPathColumn");
  auto* validPct = child<QSpinBox>(&editor, "validPct");
  auto* trainName = child<QLineEdit>(&editor, "trainName");
  auto* regex = child<QLineEdit>(&editor, "labelRegex");
  auto* augment = child<QCheckBox>(&editor, "augment");
  QVERIFY(limit && csvColumn && validPct && trainName && regex && augment);
  QVERIFY(limit->isVisibleTo(&editor));  // the example is the default source
  QVERIFY(!csvColumn->isVisibleTo(&editor));
  QVERIFY(!validPct->isVisibleTo(&editor));  // the example comes split
  auto* groupByAspect = child<QCheckBox>(&editor, "groupByAspect");
  QVERIFY(groupByAspect && !groupByAspect->isVisibleTo(&editor));  // the example: all 28x28

  pick(child<QComboBox>(&editor, "sourceKind"), lb::SourceKind::Csv);
  QVERIFY(!limit->isVisibleTo(&editor));
  QVERIFY(csvColumn->isVisibleTo(&editor));
  QVERIFY(validPct->isVisibleTo(&editor));
  QVERIFY(!trainName->isVisibleTo(&editor));
  QVERIFY(groupByAspect->isVisibleTo(&editor));
  QVERIFY(!groupByAspect->toolTip().isEmpty());
  pick(child<QComboBox>(&editor, "splitKind"), lb::SplitKind::Grandparent);
  QVERIFY(!validPct->isVisibleTo(&editor));
  QVERIFY(trainName->isVisibleTo(&editor));

  QVERIFY(!regex->isVisibleTo(&editor));
  pick(child<QComboBox>(&editor, "labelKind"), lb::LabelKind::Regex);
  QVERIFY(regex->isVisibleTo(&editor));

  QVERIFY(!child<QWidget>(&editor, "maxRotate")->isVisibleTo(&editor));
  QTest::mouseClick(augment, Qt::LeftButton);
  QVERIFY(augment->isChecked());
  QVERIFY(child<QWidget>(&editor, "maxRotate")->isVisibleTo(&editor));
}

void TstDataBlockEditor::folderDataSetChecksOut() {
  auto page = folderPage();
  QVERIFY(!page->isPreviewPending());
  const lb::DataPreview& p = page->preview();
  for (int s = 0; s < 7; ++s)
    QVERIFY2(page->editor()->stepStatus(DataStep(s)).startsWith(kOk),
             qPrintable(page->editor()->stepStatus(DataStep(s))));
  QVERIFY(p.ok());
  QCOMPARE(p.counts.size(), std::size_t(10));
  QCOMPARE(p.trainItems, m_train);
  QCOMPARE(p.validItems, m_valid);
  QCOMPARE(countTrain(p), m_train);
  QCOMPARE(countValid(p), m_valid);
  QVERIFY(p.skipped.empty());
  QCOMPARE(page->view()->batchTileCount(), kBatchTiles);
  QCOMPARE(page->view()
               ->findChild<QWidget*>(QStringLiteral("batchGrid"))
               ->findChildren<QWidget*>(QStringLiteral("previewTile"))
               .size(),
           kBatchTiles);
  QVERIFY(page->view()->augmentedTileCount() > 0);
  QVERIFY(!p.summary.empty());
  // The spec the page holds is what was typed.
  QCOMPARE(QString::fromStdString(page->spec().path), m_data);
  QCOMPARE(page->spec().split.kind, lb::SplitKind::Grandparent);
}

void TstDataBlockEditor::randomSplitChangesTheCounts() {
  auto page = folderPage();
  QVERIFY(page->preview().ok());
  QCOMPARE(page->preview().validItems, m_valid);
  QSignalSpy ready(page.get(), &DataBlockPage::previewReady);
  QSignalSpy edited(page.get(), &DataBlockPage::specEdited);

  pick(child<QComboBox>(page->editor(), "splitKind"), lb::SplitKind::Random);
  auto* pct = child<QSpinBox>(page->editor(), "validPct");
  QVERIFY(pct->isVisible());
  type(pct, QStringLiteral("50"));
  QCOMPARE(pct->value(), 50);
  QVERIFY(page->waitForPreview(kWaitMs));
  QVERIFY(edited.count() > 0);
  QCOMPARE(edited.last().at(0).value<lb::DataBlockSpec>().split.validPct, 0.5);
  QVERIFY(ready.count() >= 1);  // stale previews are dropped, so fewer than the edits
  QVERIFY(ready.last().at(0).toBool());

  const lb::DataPreview& p = page->preview();
  const int total = m_train + m_valid;
  QCOMPARE(p.trainItems + p.validItems, total);
  QVERIFY2(std::abs(p.validItems - total / 2) <= 1, qPrintable(QString::number(p.validItems)));
  QCOMPARE(countValid(p), p.validItems);
  QVERIFY(page->editor()->stepStatus(DataStep::Split).startsWith(kOk));
}

void TstDataBlockEditor::missingFolderFailsOnTheSourceCard() {
  auto page = folderPage();
  QVERIFY(page->preview().ok());
  QSignalSpy ready(page.get(), &DataBlockPage::previewReady);
  const QString nowhere = m_dir.filePath(QStringLiteral("nowhere"));
  type(child<QLineEdit>(page->editor(), "sourcePath"), nowhere);
  QVERIFY(page->waitForPreview(kWaitMs));
  QVERIFY(!page->preview().ok());
  const QString status = page->editor()->stepStatus(DataStep::Source);
  QVERIFY2(status.startsWith(kFailed), qPrintable(statuses(page->editor())));
  QVERIFY2(status.contains(nowhere), qPrintable(status));  // the sentence names the folder
  QVERIFY(!ready.isEmpty());
  QVERIFY(!ready.last().at(0).toBool());
  QCOMPARE(QStringLiteral("\u2717 ") + ready.last().at(1).toString(), status);
  // The cards after it were not checked, and do not pretend to be.
  QVERIFY(page->editor()->stepStatus(DataStep::Split).startsWith(QStringLiteral("Not checked")));

  // An empty folder has no items: the sentence says what to do.
  const QString empty = m_dir.filePath(QStringLiteral("empty"));
  QVERIFY(QDir().mkpath(empty));
  type(child<QLineEdit>(page->editor(), "sourcePath"), empty);
  QVERIFY(page->waitForPreview(kWaitMs));
  const lb::StepCheck* failure = page->preview().firstFailure();
  QVERIFY(failure);
  QVERIFY(failure->step == DataStep::Source || failure->step == DataStep::Items);
  QVERIFY2(page->editor()->stepStatus(failure->step).contains(empty),
           qPrintable(statuses(page->editor())));
  QCOMPARE(page->view()->batchTileCount(), 0);
}

void TstDataBlockEditor::regexMatchingNothingFailsOnTheLabelCard() {
  auto page = folderPage();
  QVERIFY(page->preview().ok());
  pick(child<QComboBox>(page->editor(), "labelKind"), lb::LabelKind::Regex);
  auto* regex = child<QLineEdit>(page->editor(), "labelRegex");
  QVERIFY(regex->isVisible());
  type(regex, QStringLiteral("^nothing_(\\d+)\\.jpg$"));
  QVERIFY(page->waitForPreview(kWaitMs));
  QVERIFY(!page->preview().ok());
  const QString status = page->editor()->stepStatus(DataStep::Label);
  QVERIFY2(status.startsWith(kFailed), qPrintable(status));
  QVERIFY(page->editor()->stepStatus(DataStep::Source).startsWith(kOk));

  // A regex that matches every file checks out: the first digit of "train_12.png" is a label
  // found in both splits.
  type(regex, QStringLiteral("^[a-z]+_(\\d)\\d*\\.png$"));
  QVERIFY(page->waitForPreview(kWaitMs));
  QVERIFY2(page->editor()->stepStatus(DataStep::Label).startsWith(kOk),
           qPrintable(page->editor()->stepStatus(DataStep::Label)));
}

void TstDataBlockEditor::droppingAFolderMakesItTheSource() {
  DataBlockEditor editor;
  editor.show();
  QSignalSpy changed(&editor, &DataBlockEditor::specChanged);
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(m_data)});
  QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(&editor, &enter);
  QVERIFY(enter.isAccepted());
  QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(&editor, &drop);
  QCOMPARE(changed.count(), 1);
  QCOMPARE(editor.spec().source, lb::SourceKind::Folder);
  QCOMPARE(QDir(editor.baseDir()).absoluteFilePath(QString::fromStdString(editor.spec().path)),
           m_data);

  // A file is not a folder: refused.
  QFile note(m_dir.filePath(QStringLiteral("note.txt")));
  QVERIFY(note.open(QIODevice::WriteOnly));
  note.close();
  QMimeData file;
  file.setUrls({QUrl::fromLocalFile(note.fileName())});
  QDragEnterEvent refused(QPoint(10, 10), Qt::CopyAction, &file, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(&editor, &refused);
  QVERIFY(!refused.isAccepted());
}

QTEST_MAIN(TstDataBlockEditor)
#include "tst_data_block_editor.moc"
