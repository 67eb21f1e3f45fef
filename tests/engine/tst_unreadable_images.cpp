// Files that cannot be used (issue 14, defects 4, 5, 8 and 9): unreadable images are left out
// of both splits, counted and named, never replaced by a neighbour, so the confusion matrix
// counts the readable ones only; every image decides colour or grey, not the first; images over
// the pixel limit, truncated and empty files are refused with a reason; a CSV naming a file
// twice counts it once; messages say what fits the split and the model.
#include <QtTest/QtTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "common/image_folder.h"
#include "common/test_support.h"
#include "engine/data/data_block.h"
#include "engine/data/data_loaders.h"
#include "engine/data/file_check.h"
#include "engine/data/image_file.h"
#include "engine/experiment/experiment.h"
#include "engine/experiment/operations.h"
#include "engine/models/model_spec.h"
#include "engine/util/error.h"
#include "engine/util/thousands.h"

using namespace lb;
namespace fs = std::filesystem;

namespace {

DataBlockSpec folderSpec(const fs::path& dir) {
  DataBlockSpec s;
  s.source = SourceKind::Folder;
  s.path = dir.string();
  s.split.kind = SplitKind::Grandparent;
  return s;
}

void writeBytes(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
}

std::string readBytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The reason readImage gives for `file`, or "" when it reads.
std::string reasonFor(const fs::path& file) {
  try {
    readImage(file, cv::IMREAD_UNCHANGED);
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

std::uint32_t crc(const std::string& bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

void putBigEndian(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + std::size_t(i)] = char((v >> (24 - 8 * i)) & 0xFF);
}

}  // namespace

class TestUnreadableImages : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void unreadableValidationImagesAreLeftOutNotReplaced() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    test::writeImageFolder(root, 60, 28);
    writeBytes(root / "valid/Bag/broken.png", "\x89PNG\r\n\x1a\n not really");
    const std::string good = readBytes(root / "valid/Bag" / fs::directory_iterator(root / "valid/Bag")->path().filename());
    writeBytes(root / "valid/Coat/cut.png", good.substr(0, good.size() / 2));  // truncated
    Project p;
    p.data = folderSpec(root);
    p.train.batchSize = 16;
    Experiment experiment(p);
    QCOMPARE(experiment.validItems(), 28);
    const auto& skipped = experiment.skippedFiles();
    QCOMPARE(int(skipped.size()), 2);
    QCOMPARE(skipped[0].file, std::string("valid/Bag/broken.png"));
    QCOMPARE(skipped[1].file, std::string("valid/Coat/cut.png"));
    QVERIFY2(skipped[1].reason.find("truncated PNG") != std::string::npos, skipped[1].reason.c_str());
    const Interpretation in = experiment.interpret(9);
    QCOMPARE(in.confusion.total(), 28L);  // 30 before: two neighbours counted twice
    QCOMPARE(in.validItems, 28L);
    std::set<std::string> names(in.validNames.begin(), in.validNames.end());
    QCOMPARE(int(names.size()), 28);  // no item twice
    QVERIFY(!names.count("valid/Bag/broken.png"));
    const DataSummary summary = summarizeData(experiment, false);
    QVERIFY2(summary.sentence().find("2 files left out") != std::string::npos, summary.sentence().c_str());
  }

  void aClassWhoseValidationImagesAreAllUnreadableIsNamed() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    test::writeImageFolder(root, 60, 10);
    for (const auto& f : fs::directory_iterator(root / "valid/Bag")) writeBytes(f.path(), "");
    try {
      buildDataLoaders(folderSpec(root), {}, 8, 1, 0);
      QFAIL("no error");
    } catch (const DataBlockError& e) {
      QCOMPARE(e.step(), DataStep::Split);
      // a folder split: the remedy is a folder, not a validation share
      QVERIFY2(std::string(e.what()).find("\"Bag\" has no validation items") != std::string::npos, e.what());
      QVERIFY2(std::string(e.what()).find("\"valid\" folder") != std::string::npos, e.what());
      QVERIFY2(std::string(e.what()).find("share") == std::string::npos, e.what());
    }
  }

  void anyColourImageMakesTheDataRgb() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    test::writeImageFolder(root, 40, 10, ".png", false, /*rgb=*/true);
    // The alphabetically first training file is grey, and colourful files follow.
    fs::path firstDir;
    for (const auto& d : fs::directory_iterator(root / "train"))
      if (firstDir.empty() || d.path() < firstDir) firstDir = d.path();
    cv::imwrite((firstDir / "!grey.png").string(), cv::Mat(28, 28, CV_8UC1, cv::Scalar(90)));
    const DataItems items = collectItems(folderSpec(root), {});
    QCOMPARE(items.files[std::size_t(items.train.front())], firstDir / "!grey.png");
    QCOMPARE(detectChannels(folderSpec(root), items), 3);
    DataLoaders dls = buildDataLoaders(folderSpec(root), {}, 8, 1, 0);
    QCOMPARE(dls.shape.channels, 3);
    QCOMPARE(dls.greyExpanded, 1);
    QVERIFY(dls.skipped.empty());
  }

  void allGreyStaysGrey() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    test::writeImageFolder(root, 40, 10);
    DataLoaders dls = buildDataLoaders(folderSpec(root), {}, 8, 1, 0);
    QCOMPARE(dls.shape.channels, 1);
    QCOMPARE(dls.greyExpanded, 0);
  }

  void badFilesGetAReason() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    cv::Mat image(20, 30, CV_8UC3, cv::Scalar(10, 200, 30));
    cv::imwrite((root / "good.png").string(), image);
    cv::imwrite((root / "good.jpg").string(), image);
    QCOMPARE(reasonFor(root / "good.png"), std::string());
    QCOMPARE(reasonFor(root / "good.jpg"), std::string());
    QCOMPARE(readImageHeader(root / "good.png").width, 30);
    QCOMPARE(readImageHeader(root / "good.jpg").height, 20);
    QCOMPARE(readImageHeader(root / "good.jpg").channels, 3);
    writeBytes(root / "empty.png", "");
    QCOMPARE(reasonFor(root / "empty.png"), std::string("an empty file"));
    QCOMPARE(reasonFor(root / "gone.png"), std::string("missing"));
    writeBytes(root / "text.png", "hello, I am text");
    QVERIFY2(reasonFor(root / "text.png").find("not an image") == 0, reasonFor(root / "text.png").c_str());
    const std::string jpeg = readBytes(root / "good.jpg");
    writeBytes(root / "cut.jpg", jpeg.substr(0, jpeg.size() - 40));
    QVERIFY2(reasonFor(root / "cut.jpg").find("truncated JPEG") != std::string::npos, reasonFor(root / "cut.jpg").c_str());
    std::string png = readBytes(root / "good.png");
    png[png.size() - 20] ^= 0x55;  // inside the image data: its checksum no longer matches
    writeBytes(root / "damaged.png", png);
    QVERIFY2(reasonFor(root / "damaged.png").find("damaged PNG") != std::string::npos, reasonFor(root / "damaged.png").c_str());
  }

  void hugeImagesAreRefusedByTheirHeader() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    cv::imwrite((root / "small.png").string(), cv::Mat(8, 8, CV_8UC1, cv::Scalar(1)));
    // The same file claiming 20000x20000 pixels in its header (checksum updated): refused
    // before anything is decoded.
    std::string png = readBytes(root / "small.png");
    putBigEndian(png, 16, 20000);
    putBigEndian(png, 20, 20000);
    putBigEndian(png, 29, crc(png.substr(12, 17)));
    writeBytes(root / "huge.png", png);
    const std::string reason = reasonFor(root / "huge.png");
    QVERIFY2(reason.find("20,000x20,000 pixels") != std::string::npos, reason.c_str());
    QVERIFY2(reason.find("make it smaller") != std::string::npos, reason.c_str());
    QCOMPARE(readImageHeader(root / "huge.png").width, 20000);
  }

  void aCsvRowNamingAFileAgainIsLeftOutAndNamed() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    const auto written = test::writeImageFolder(root, 40, 10, ".png", /*flat=*/true);
    std::ofstream csv(root / "labels.csv");
    csv << "name,label,is_valid\n";
    for (const auto& w : written) csv << w.file << "," << w.label << "," << (w.valid ? 1 : 0) << "\n";
    csv << written[3].file << "," << written[3].label << ",0\n";  // row 52: a duplicate of row 5
    csv.close();
    DataBlockSpec s;
    s.source = SourceKind::Csv;
    s.path = (root / "labels.csv").string();
    s.split.kind = SplitKind::CsvColumn;
    s.label.kind = LabelKind::CsvColumn;
    const DataItems items = collectItems(s, {});
    QCOMPARE(int(items.size()), 50);
    QCOMPARE(int(items.skipped.size()), 1);
    QCOMPARE(items.skipped[0].file, written[3].file);
    QVERIFY2(items.skipped[0].reason.find("row 52") != std::string::npos, items.skipped[0].reason.c_str());
    QVERIFY2(items.skipped[0].reason.find("row 5 ") != std::string::npos, items.skipped[0].reason.c_str());
  }

  void anUnknownModelNameIsReportedAsTheName() {
    const auto object = nlohmann::json::parse(R"({"name": "resnet50", "channels": 32})");
    try {
      modelSpecFromJson(object, "p.lbproj", ModelSpec{});
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("\"model.name\"") != std::string::npos, e.what());
      QVERIFY2(std::string(e.what()).find("resnet50") != std::string::npos, e.what());
      QVERIFY2(std::string(e.what()).find("channels") == std::string::npos, e.what());
    }
  }

  void countsAgreeWithTheirNoun() {
    QCOMPARE(countOf(1, "file"), std::string("1 file"));
    QCOMPARE(countOf(0, "file"), std::string("0 files"));
    QCOMPARE(countOf(1200, "image"), std::string("1,200 images"));
    QCOMPARE(countOf(1, "class", "classes"), std::string("1 class"));
    QCOMPARE(countOf(3, "class", "classes"), std::string("3 classes"));
  }
};

QTEST_APPLESS_MAIN(TestUnreadableImages)
#include "tst_unreadable_images.moc"
