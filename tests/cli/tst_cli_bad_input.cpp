// A corpus of bad input made by the test itself (issue 14): truncated, empty and text files
// named as images, 16-bit, alpha, 1x1, grey among colour, an image whose header says 20000x20000,
// odd file names, a symlink loop and a dangling link, an empty class folder, a class with
// training images only, bad CSVs and damaged project files. Each goes through the commands that
// apply (new, summary, train --epochs 1, interpret, export, predict), each call with a timeout.
// Every call must end with exit 0, or exit 1 or 2 with a sentence on stderr: no signal, no hang,
// no internal error; and no file that was on disk before a call changes, except the project file
// and its folder, which train and export write by design.
#include <QCryptographicHash>
#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include "common/image_folder.h"

namespace fs = std::filesystem;

namespace {

struct Tally {
  int calls = 0, clean = 0, sentences = 0, crashes = 0, hangs = 0;
  QStringList problems;
};

std::string readBytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void writeBytes(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << bytes;
}

// Every regular file under `root` (links not followed) and its hash.
std::map<QString, QByteArray> hashes(const QString& root) {
  std::map<QString, QByteArray> out;
  QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::NoSymLinks, QDirIterator::Subdirectories);
  while (it.hasNext()) {
    const QString f = it.next();
    QFile file(f);
    if (file.open(QIODevice::ReadOnly))
      out[f] = QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
  }
  return out;
}

}  // namespace

class TestCliBadInput : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  Tally m_tally;

  QString path(const QString& name) const { return m_dir.filePath(name); }

  // Runs one command; `mayWrite` is the project whose file and folder it may change.
  int run(const QString& what, const QStringList& args, const QString& mayWrite = {}) {
    const auto before = hashes(m_dir.path());
    QProcess p;
    p.start(QStringLiteral(LB_CLI_PATH), args);
    ++m_tally.calls;
    const bool finished = p.waitForFinished(60000);
    if (!finished) {
      p.kill();
      p.waitForFinished();
      ++m_tally.hangs;
      m_tally.problems << what + QStringLiteral(": no answer within 60 s");
      return -1;
    }
    const QString err = QString::fromUtf8(p.readAllStandardError());
    // A decoder's own line names no file: our sentences do.
    for (const char* raw : {"libpng", "libjpeg", "Corrupt JPEG", "Premature end", "imread_"})
      if (err.contains(QLatin1String(raw)))
        m_tally.problems << what + QStringLiteral(": a decoder's own message on stderr: ") + err.left(300);
    if (p.exitStatus() != QProcess::NormalExit) {
      ++m_tally.crashes;
      m_tally.problems << what + QStringLiteral(": killed by a signal; stderr: ") + err;
    } else if (err.contains(QStringLiteral("Something went wrong inside Learnbench"))) {
      ++m_tally.crashes;
      m_tally.problems << what + QStringLiteral(": an internal error: ") + err;
    } else if (p.exitCode() == 0) {
      ++m_tally.clean;
    } else if ((p.exitCode() == 1 || p.exitCode() == 2) && err.trimmed().endsWith(QLatin1Char('.'))) {
      ++m_tally.sentences;
    } else {
      ++m_tally.crashes;
      m_tally.problems << what + QStringLiteral(": exit %1 without a sentence: ").arg(p.exitCode()) + err;
    }
    if (qEnvironmentVariableIsSet("LB_BAD_INPUT_VERBOSE"))
      qInfo("%s: exit %d: %s", qPrintable(what), p.exitCode(), qPrintable(err.left(300)));
    // Nothing already on disk changes (the project's own file and folder aside).
    const auto after = hashes(m_dir.path());
    for (const auto& [file, hash] : before) {
      if (!mayWrite.isEmpty() && file.startsWith(mayWrite)) continue;
      const auto it = after.find(file);
      if (it == after.end() || it->second != hash)
        m_tally.problems << what + QStringLiteral(": changed or removed ") + file;
    }
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  }

  // new, summary, train, interpret, export and predict on one data source.
  void allCommands(const QString& name, const QStringList& source, const QStringList& images) {
    const QString project = path(name + QStringLiteral(".lbproj"));
    const QString base = path(name);  // project file, project.learnbench/ ...
    if (run(name + QStringLiteral(" new"),
            QStringList{QStringLiteral("new"), project} + source + QStringList{QStringLiteral("--size"), QStringLiteral("16")},
            base) != 0)
      return;
    run(name + QStringLiteral(" summary"), {QStringLiteral("summary"), project});
    if (run(name + QStringLiteral(" train"),
            {QStringLiteral("train"), project, QStringLiteral("--epochs"), QStringLiteral("1"),
             QStringLiteral("--bs"), QStringLiteral("8")},
            base) != 0)
      return;
    run(name + QStringLiteral(" interpret"),
        {QStringLiteral("interpret"), project, QStringLiteral("--out"), path(name + QStringLiteral("-interpret"))},
        base);
    const QString model = path(name + QStringLiteral("-model.pt"));
    if (run(name + QStringLiteral(" export"), {QStringLiteral("export"), project, QStringLiteral("--out"), model}, base) != 0)
      return;
    run(name + QStringLiteral(" predict"), QStringList{QStringLiteral("predict"), model} + images);
    run(name + QStringLiteral(" predict one"), {QStringLiteral("predict"), model, images.front()});
  }

 private Q_SLOTS:
  void everyBadInputEndsWithASentence() {
    QElapsedTimer clock;
    clock.start();
    const fs::path root = m_dir.path().toStdString();

    // One folder with every kind of bad image among good ones, in both splits.
    const fs::path images = root / "images";
    lb::test::writeImageFolder(images, 48, 16);
    const std::string goodPng = readBytes(images / "train/Bag" / fs::directory_iterator(images / "train/Bag")->path().filename());
    cv::Mat colour(20, 24, CV_8UC3, cv::Scalar(30, 140, 220));
    std::vector<uchar> jpeg;
    cv::imencode(".jpg", colour, jpeg);
    const std::string goodJpeg(jpeg.begin(), jpeg.end());
    std::vector<fs::path> bad;
    for (const char* split : {"train", "valid"}) {
      const fs::path d = images / split / "Bag";
      auto add = [&](const std::string& name, const std::string& bytes) {
        writeBytes(d / name, bytes);
        bad.push_back(d / name);
      };
      add("truncated.png", goodPng.substr(0, goodPng.size() / 2));
      add("truncated.jpg", goodJpeg.substr(0, goodJpeg.size() / 2));
      add("empty.png", "");
      add("text.png", "This is a text file, not a picture.\n");
      add("html.jpg", "<html><body>404 not found</body></html>");
      std::string huge = goodPng;  // a header claiming 20000x20000 pixels
      for (int at : {16, 20}) {
        huge[std::size_t(at) + 0] = 0, huge[std::size_t(at) + 1] = 0;
        huge[std::size_t(at) + 2] = char(0x4E), huge[std::size_t(at) + 3] = char(0x20);
      }
      add("huge.png", huge);
      cv::imwrite((d / "sixteen-bit.png").string(), cv::Mat(30, 30, CV_16UC1, cv::Scalar(40000)));
      cv::imwrite((d / "alpha.png").string(), cv::Mat(30, 30, CV_8UC4, cv::Scalar(10, 20, 30, 128)));
      cv::imwrite((d / "one-pixel.png").string(), cv::Mat(1, 1, CV_8UC1, cv::Scalar(7)));
      cv::imwrite((d / "colour.jpg").string(), colour);
      cv::imwrite((d / "with space.png").string(), cv::Mat(28, 28, CV_8UC1, cv::Scalar(50)));
      cv::imwrite((d / "ünïcödé.png").string(), cv::Mat(28, 28, CV_8UC1, cv::Scalar(60)));
      cv::imwrite((d / "-leading-dash.png").string(), cv::Mat(28, 28, CV_8UC1, cv::Scalar(70)));
      bad.push_back(d / "sixteen-bit.png");
      bad.push_back(d / "alpha.png");
      bad.push_back(d / "one-pixel.png");
      bad.push_back(d / "ünïcödé.png");
    }
    fs::create_directory_symlink("..", images / "train/Coat/loop");  // a symlink loop
    fs::create_symlink("nowhere.png", images / "train/Coat/dangling.png");
    fs::create_symlink("itself.png", images / "train/Coat/itself.png");  // a link to itself
    fs::create_directories(images / "train/Empty");  // an empty class folder
    QStringList imageArgs;
    for (const auto& f : bad) imageArgs << QString::fromStdString(f.string());
    allCommands(QStringLiteral("images"),
                {QStringLiteral("--images"), QString::fromStdString(images.string()),
                 QStringLiteral("--split"), QStringLiteral("grandparent")},
                imageArgs);

    // A class with training images only.
    const fs::path oneSided = root / "one-sided";
    lb::test::writeImageFolder(oneSided, 40, 10);
    fs::remove_all(oneSided / "valid/Bag");
    run(QStringLiteral("one-sided new"),
        {QStringLiteral("new"), path(QStringLiteral("one-sided.lbproj")), QStringLiteral("--images"),
         QString::fromStdString(oneSided.string()), QStringLiteral("--split"), QStringLiteral("grandparent")},
        path(QStringLiteral("one-sided.lbproj")));

    // CSVs: missing columns, no rows, nothing at all, a row twice, bad quoting.
    const fs::path flat = root / "flat";
    const auto written = lb::test::writeImageFolder(flat, 40, 10, ".png", /*flat=*/true);
    std::string rows;
    for (const auto& w : written) rows += w.file + "," + w.label + "\n";
    const std::map<std::string, std::string> csvs = {
        {"missing-column.csv", "name\n" + written[0].file + "\n"},
        {"header-only.csv", "name,label\n"},
        {"empty.csv", ""},
        {"duplicate-rows.csv", "name,label\n" + rows + written[0].file + "," + written[0].label + "\n" + rows},
        {"bad-quoting.csv", "name,label\n\"" + written[0].file + ",Bag\n" + rows},
        {"extra-fields.csv", "name,label\n" + written[0].file + ",Bag,extra,more\n" + rows},
        {"binary.csv", std::string("\x89PNG\r\n\x1a\n\0\0\0", 11)}};
    for (const auto& [name, text] : csvs) {
      writeBytes(flat / name, text);
      const QString project = path(QString::fromStdString("csv-" + name + ".lbproj"));
      const int code = run(QString::fromStdString("csv " + name + " new"),
                           {QStringLiteral("new"), project, QStringLiteral("--csv"),
                            QString::fromStdString((flat / name).string()), QStringLiteral("--size"),
                            QStringLiteral("16")},
                           project);
      if (code == 0)
        run(QString::fromStdString("csv " + name + " summary"), {QStringLiteral("summary"), project});
    }

    // Damaged project files: empty, truncated, a wrong type, from a newer version, not JSON.
    const QString good = path(QStringLiteral("images.lbproj"));
    QFile file(good);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QJsonObject wrongType = QJsonDocument::fromJson(text).object();
    QJsonObject train = wrongType.value(QStringLiteral("train")).toObject();
    train[QStringLiteral("epochs")] = QStringLiteral("five");
    wrongType[QStringLiteral("train")] = train;
    QJsonObject newer = QJsonDocument::fromJson(text).object();
    newer[QStringLiteral("formatVersion")] = 999;
    const std::map<QString, QByteArray> projects = {
        {QStringLiteral("empty"), QByteArray()},
        {QStringLiteral("truncated"), text.left(text.size() / 2)},
        {QStringLiteral("wrong-type"), QJsonDocument(wrongType).toJson()},
        {QStringLiteral("newer"), QJsonDocument(newer).toJson()},
        {QStringLiteral("array"), QByteArrayLiteral("[1, 2, 3]")},
        {QStringLiteral("binary"), QByteArray("\0\1\2\3\xff\xfe", 6)}};
    for (const auto& [name, bytes] : projects) {
      const QString project = path(QStringLiteral("bad-") + name + QStringLiteral(".lbproj"));
      QFile out(project);
      QVERIFY(out.open(QIODevice::WriteOnly));
      out.write(bytes);
      out.close();
      for (const QStringList& args :
           {QStringList{QStringLiteral("summary"), project},
            QStringList{QStringLiteral("train"), project, QStringLiteral("--epochs"), QStringLiteral("1")},
            QStringList{QStringLiteral("interpret"), project, QStringLiteral("--out"), path(QStringLiteral("bad-out"))},
            QStringList{QStringLiteral("export"), project, QStringLiteral("--out"), path(QStringLiteral("bad.pt"))}})
        run(QStringLiteral("project ") + name + QLatin1Char(' ') + args.front(), args);
    }
    // A model file that is not one.
    run(QStringLiteral("predict with a text file as the model"),
        {QStringLiteral("predict"), path(QStringLiteral("images/train/Bag/text.png")), imageArgs.front()});

    qInfo("bad input: %d calls, %d clean exits, %d sentences, %d crashes, %d hangs (%.1f s)",
          m_tally.calls, m_tally.clean, m_tally.sentences, m_tally.crashes, m_tally.hangs,
          double(clock.elapsed()) / 1000.0);
    QVERIFY2(m_tally.problems.isEmpty(), qPrintable(m_tally.problems.join(QLatin1Char('\n'))));
    QCOMPARE(m_tally.crashes + m_tally.hangs, 0);
  }
};

QTEST_GUILESS_MAIN(TestCliBadInput)
#include "tst_cli_bad_input.moc"
