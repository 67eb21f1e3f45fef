// Project files: round trip, validation messages that name the field, atomic saving.
#include <QtTest/QtTest>

#include <sys/resource.h>

#include <csignal>

#include <fstream>

#include "common/test_support.h"
#include "engine/project/project.h"
#include "engine/util/error.h"

using namespace lb;

namespace {
QString errorOf(const std::string& json) {
  try {
    parseProject(json, "p.lbproj");
  } catch (const Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}
}  // namespace

class TestProject : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void exampleLoads() {
    Project p = loadProject(test::exampleProjectFile().toStdString());
    QVERIFY(p.data.source == SourceKind::FashionMnist);
    QCOMPARE(p.model.name, std::string("simple_cnn"));
    QVERIFY(p.train.epochs >= 1);
  }

  void roundTrip() {
    QTemporaryDir dir;
    Project p;
    p.name = "Round trip";
    p.data.limit = 1234;
    p.data.path = "data/fm";
    p.model.channels = {8, 16};
    p.train.epochs = 4;
    p.train.lr = 3e-3;
    p.train.batchSize = 32;
    p.train.seed = 99;
    p.train.threads = 1;
    const auto file = dir.filePath(QStringLiteral("x.lbproj")).toStdString();
    saveProject(p, file);
    Project q = loadProject(file);
    QCOMPARE(projectToJson(q), projectToJson(p));
    QCOMPARE(q.file.string(), file);
    // Relative data paths are relative to the project file.
    QCOMPARE(q.dataPath().string(), dir.filePath(QStringLiteral("data/fm")).toStdString());
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("x.lbproj.part"))));
  }

  void runsAreAppendedToTheFileOnDisk() {
    QTemporaryDir dir;
    const auto file = dir.filePath(QStringLiteral("r.lbproj")).toStdString();
    Project p;
    saveProject(p, file);
    RunRecord run{"2026-11-24 05:00:00", 3, 1e-3, 64, 42, "stopped", {}};
    run.results.push_back({0, 0.5, 0.4, "accuracy", 0.9, 8.0});
    run.results.push_back({1, std::nan(""), std::nan(""), "accuracy", 0.1, 8.0});  // diverged
    appendRun(file, run);
    run.results = {{0, 0.5, 0.4, "mae", 1.25, 8.0}};  // a regression run keeps its own metric
    appendRun(file, run);
    const Project q = loadProject(file);
    QCOMPARE(int(q.runs.size()), 2);
    QCOMPARE(q.runs[1].ended, std::string("stopped"));
    QCOMPARE(q.runs[0].results[0].metricName, std::string("accuracy"));
    QCOMPARE(q.runs[0].results[0].metric, 0.9);
    QVERIFY(std::isnan(q.runs[0].results[1].validLoss));
    QCOMPARE(q.runs[1].results[0].metricName, std::string("mae"));
    QCOMPARE(q.runs[1].results[0].metric, 1.25);
  }

  void badInputSaysWhatIsWrong_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("expected");
    QTest::newRow("bad json") << "{\"formatVersion\": 1," << "not valid JSON";
    QTest::newRow("unknown field") << R"({"formatVersion": 1, "trian": {}})"
                                   << "Unknown field \"trian\"";
    QTest::newRow("unknown nested field") << R"({"formatVersion": 1, "train": {"epoch": 2}})"
                                          << "Unknown field \"train.epoch\"";
    QTest::newRow("wrong type") << R"({"formatVersion": 1, "train": {"epochs": "two"}})"
                                << "\"train.epochs\" in p.lbproj must be a whole number";
    QTest::newRow("out of range") << R"({"formatVersion": 1, "train": {"batchSize": 0}})"
                                  << "\"train.batchSize\" in p.lbproj must be between 1";
    QTest::newRow("negative lr") << R"({"formatVersion": 1, "train": {"lr": -1}})"
                                 << "\"train.lr\" in p.lbproj must be a positive number";
    QTest::newRow("newer version") << R"({"formatVersion": 99})" << "newer Learnbench";
    QTest::newRow("no version") << R"({"name": "x"})" << "no \"formatVersion\"";
    QTest::newRow("not an object") << R"([1, 2])" << "must be an object";
    QTest::newRow("bad channels") << R"({"formatVersion": 1, "model": {"channels": [8, 0]}})"
                                  << "\"model.channels\"";
    QTest::newRow("unknown source") << R"({"formatVersion": 1, "data": {"source": "cifar"}})"
                                    << "\"data.source\"";
    QTest::newRow("half a size") << R"({"formatVersion": 1, "data": {"resize": {"width": 32}}})"
                                 << "\"data.resize\" in p.lbproj needs both a width and a height";
    QTest::newRow("bad run") << R"({"formatVersion": 1, "runs": [{"epochs": "x"}]})"
                             << "\"runs[0].epochs\"";
    // Found by tests/fuzz/fuzz_project (issue 14): nlohmann's out_of_range escaped the reader.
    QTest::newRow("number too large") << R"({"formatVersion": 1, "train": {"lr": 1e400}})"
                                      << "p.lbproj holds a number too large to read";
  }
  void badInputSaysWhatIsWrong() {
    QFETCH(QString, json);
    QFETCH(QString, expected);
    const QString error = errorOf(json.toStdString());
    QVERIFY2(error.contains(expected), qPrintable(error));
  }

  void oldModelObjectLoadsAsBefore() {
    const Project p = parseProject(
        R"({"formatVersion": 1, "model": {"name": "simple_cnn", "channels": [8, 16, 32]}})", "p.lbproj");
    QCOMPARE(p.model.name, std::string("simple_cnn"));
    QCOMPARE(p.model.channels, (std::vector<int>{8, 16, 32}));
    QCOMPARE(parseProject(R"({"formatVersion": 1})", "p.lbproj").model.channels,
             ModelSettings{}.channels);
    // Written back exactly as before: name and channels only.
    const auto model = QJsonDocument::fromJson(QByteArray::fromStdString(projectToJson(p)))
                           .object().value(QStringLiteral("model")).toObject();
    QCOMPARE(model.keys(), (QStringList{QStringLiteral("channels"), QStringLiteral("name")}));
  }

  void newModelFieldsRoundTrip_data() {
    QTest::addColumn<QString>("model");
    QTest::newRow("resnet") << R"({"name": "resnet34", "smallImages": true, "head": "fastai"})";
    QTest::newRow("mlp") << R"({"name": "mlp", "hidden": [64, 32], "dropout": 0.1})";
    QTest::newRow("layers") << R"({"name": "layers", "layers": [{"type": "Conv2d", "out": 8, "stride": 2},
        {"type": "LeakyReLU", "slope": 0.1}, {"type": "Flatten"}, {"type": "Linear", "in": 1568}]})";
  }
  void newModelFieldsRoundTrip() {
    QFETCH(QString, model);
    const std::string json = R"({"formatVersion": 1, "model": )" + model.toStdString() + "}";
    const Project p = parseProject(json, "p.lbproj");
    QCOMPARE(projectToJson(parseProject(projectToJson(p), "p.lbproj")), projectToJson(p));
    QVERIFY(static_cast<const ModelSpec&>(parseProject(projectToJson(p), "p.lbproj").model) ==
            static_cast<const ModelSpec&>(p.model));
    QVERIFY(p.model.name != "simple_cnn");
  }

  void badModelFieldNamesItAndTheFile() {
    QVERIFY(errorOf(R"({"formatVersion": 1, "model": {"name": "layers", "layers": [{"type": "ReLU"},
        {"type": "ReLU"}, {"type": "Flatten"}, {"type": "Linear", "out": 2.5}]}})")
                .contains(QStringLiteral("\"model.layers[3].out\" in p.lbproj must be a whole number")));
    QVERIFY(errorOf(R"({"formatVersion": 1, "model": {"name": "resnet50"}})")
                .contains(QStringLiteral("\"model.name\" in p.lbproj")));
  }

  void missingFileSaysSo() {
    try {
      loadProject("/nonexistent/p.lbproj");
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY(QString::fromUtf8(e.what()).contains(QStringLiteral("does not exist")));
    }
  }

  void failedSaveKeepsTheOldFile() {
    QTemporaryDir dir;
    const auto file = dir.filePath(QStringLiteral("keep.lbproj")).toStdString();
    Project p;
    p.name = "first";
    saveProject(p, file);
    // A file size limit makes the write fail part way, as a full disk does.
    p.name = "second";
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit old{};
    getrlimit(RLIMIT_FSIZE, &old);
    rlimit tiny = old;
    tiny.rlim_cur = 16;
    setrlimit(RLIMIT_FSIZE, &tiny);
    QVERIFY_THROWS_EXCEPTION(Error, saveProject(p, file));
    setrlimit(RLIMIT_FSIZE, &old);
    // No temporary is left beside it.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("keep.lbproj")});
    QCOMPARE(loadProject(file).name, std::string("first"));
  }
};

QTEST_APPLESS_MAIN(TestProject)
#include "tst_project.moc"
