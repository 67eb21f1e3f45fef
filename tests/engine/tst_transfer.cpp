// Transfer learning from another Learnbench model file (model.pretrained): a simple CNN trained
// briefly on real Fashion-MNIST (10 classes) gives its body to a 2-class project of real images
// written as PNG files, from a checkpoint, a weights file and an exported TorchScript file; the
// head stays freshly initialised; training fine-tunes (a frozen epoch keeps the body's conv
// weights, then all layers learn) and resumes across the two phases; every bad file gives its
// sentence; "pretrained" round-trips through the project JSON.
#include <torch/script.h>
#include <torch/serialize/output-archive.h>

#include <QtTest/QtTest>
#include <atomic>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/image_folder.h"
#include "common/test_support.h"
#include "engine/experiment/export.h"
#include "engine/models/model_builder.h"
#include "engine/models/model_spec.h"
#include "engine/experiment/build_learner.h"
#include "engine/train/checkpoint.h"
#include "engine/experiment/experiment.h"
#include "engine/util/error.h"
#include "engine/util/runtime.h"

using namespace lb;
namespace fs = std::filesystem;

namespace {

Project fashionProject() {
  Project p;
  p.data.path = test::fashionMnistDir();
  p.data.limit = 600;
  p.train.epochs = 1;
  p.train.lr = 1e-2;
  p.train.batchSize = 64;
  p.train.seed = 1;
  return p;
}

std::map<std::string, torch::Tensor> state(torch::nn::Module& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model.named_parameters()) out[p.key()] = p.value().detach().cpu().clone();
  for (const auto& b : model.named_buffers()) out[b.key()] = b.value().detach().cpu().clone();
  return out;
}

bool inBody(const std::string& key, std::size_t headStart) {
  return std::stoul(key.substr(0, key.find('.'))) < headStart;
}

QString errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

}  // namespace

class TestTransfer : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    useThreads(0);
    QVERIFY(m_dir.isValid());
    m_root = m_dir.path().toStdString();
    // The source: 10 classes, trained one epoch.
    const Project source = fashionProject();
    BuiltLearner built = buildLearner(source);
    built.learner->fitOneCycle(1, OneCycleOptions{}.setLrMax(source.train.lr));
    m_source = state(*built.learner->model());
    saveCheckpoint(*built.learner, 1, m_root / "checkpoint.pt");
    saveModelWeights(*built.learner->model(), m_root / "weights.pt");
    exportModel(source, m_root / "weights.pt", m_root / "exported.pt");

    // The target: two classes of real images, as a user's folder.
    const fs::path images = m_root / "images";
    test::writeImageFolder(images, 300, 100);
    const std::set<std::string> keep = {test::safeClassName(0), test::safeClassName(9)};
    for (const char* split : {"train", "valid"})
      for (const auto& entry : fs::directory_iterator(images / split))
        if (!keep.count(entry.path().filename().string())) fs::remove_all(entry.path());
  }

  void copiesTheBodyLeavesTheHead_data() {
    QTest::addColumn<QString>("file");
    QTest::newRow("checkpoint") << QStringLiteral("checkpoint.pt");
    QTest::newRow("weights") << QStringLiteral("weights.pt");
    QTest::newRow("exported TorchScript") << QStringLiteral("exported.pt");
  }

  void copiesTheBodyLeavesTheHead() {
    QFETCH(QString, file);
    Project p = twoClassProject();
    p.model.pretrained = file.toStdString();  // relative to the project's folder
    QCOMPARE(pretrainedPath(p), m_root / file.toStdString());
    BuiltLearner built = buildLearner(p);
    QCOMPARE(built.classes.size(), std::size_t(2));
    const std::size_t headStart = headStartOf(p);
    const auto target = state(*built.learner->model());
    std::size_t body = 0;
    for (const auto& [key, t] : target) {
      if (inBody(key, headStart)) {
        ++body;
        QVERIFY2(torch::equal(t, m_source.at(key)), key.c_str());
      } else {
        // The head is new: two outputs where the source had ten.
        QVERIFY2(!m_source.count(key) || t.sizes() != m_source.at(key).sizes() ||
                     !torch::equal(t, m_source.at(key)),
                 key.c_str());
      }
    }
    QVERIFY(body > 0);
    QCOMPARE(built.pretrainedTensors, body);

    // Without the pretrained file the body is freshly initialised.
    BuiltLearner fresh = buildLearner(twoClassProject());
    QCOMPARE(fresh.pretrainedTensors, std::size_t(0));
    QVERIFY(!torch::equal(state(*fresh.learner->model()).at("0.weight"), m_source.at("0.weight")));
  }

  // fine_tune: the frozen epoch trains the head only (BatchNorm stays trainable, as in fastai),
  // so the body's conv weights are the file's; the next epochs train every layer. A stop after
  // the frozen epoch leaves a checkpoint that a resume goes on from with the unfrozen phase.
  void fineTunesFrozenThenUnfrozen() {
    Project p = twoClassProject();
    p.model.pretrained = (m_root / "weights.pt").string();
    p.train.epochs = 1;  // after the frozen one
    const fs::path checkpoint = m_root / "run" / "last.pt";
    const std::size_t headStart = headStartOf(p);
    auto convWeights = [&](const std::map<std::string, torch::Tensor>& s) {
      std::map<std::string, torch::Tensor> out;
      for (const auto& [key, t] : s)
        if (inBody(key, headStart) && t.dim() == 4) out[key] = t;
      return out;
    };
    QVERIFY(!convWeights(m_source).empty());

    std::atomic<bool> stop{false};
    TrainingHooks hooks;
    hooks.checkpointFile = checkpoint;
    hooks.stopRequested = &stop;
    hooks.onEpoch = [&](const EpochResult&) { stop = true; };
    {
      Experiment experiment(p);
      const TrainingOutcome first = experiment.train(hooks);
      QCOMPARE(first.epochs.size(), std::size_t(1));
      QCOMPARE(first.epochs[0].epoch, 0);
      QVERIFY(first.stopped);
    }
    BuiltLearner afterFrozen = buildLearner(p, false);
    QCOMPARE(loadCheckpoint(*afterFrozen.learner, checkpoint), 1);
    const auto frozen = state(*afterFrozen.learner->model());
    for (const auto& [key, t] : convWeights(m_source))
      QVERIFY2(torch::equal(frozen.at(key), t), key.c_str());
    const std::string headWeight =
        std::to_string(afterFrozen.learner->model()->size() - 1) + ".weight";
    if (frozen.count(headWeight)) {
      BuiltLearner initial = buildLearner(p);
      QVERIFY(
          !torch::equal(frozen.at(headWeight), state(*initial.learner->model()).at(headWeight)));
    }

    // Resume: the unfrozen epoch, numbered as the run's second.
    hooks.onEpoch = {};
    stop = false;
    hooks.resume = true;
    Experiment experiment(p);
    const TrainingOutcome second = experiment.train(hooks);
    QCOMPARE(second.resumedFrom, 1);
    QCOMPARE(second.epochs.size(), std::size_t(1));
    QCOMPARE(second.epochs[0].epoch, 1);
    QVERIFY(!second.stopped);
    BuiltLearner done = buildLearner(p, false);
    QCOMPARE(loadCheckpoint(*done.learner, checkpoint), 2);
    const auto unfrozen = state(*done.learner->model());
    bool changed = false;
    for (const auto& [key, t] : convWeights(m_source))
      changed = changed || !torch::equal(unfrozen.at(key), t);
    QVERIFY(changed);
    // All of it was done: resuming again says so.
    QVERIFY(errorOf([&] {
              Experiment(p).train(hooks);
            }).contains(QStringLiteral("already holds all 2 epochs")));

    // Without a stop, one call runs both phases: 1 + epochs.
    TrainingHooks plain;
    Experiment whole(p);
    const TrainingOutcome all = whole.train(plain);
    QCOMPARE(all.epochs.size(), std::size_t(2));
    QCOMPARE(all.epochs[1].epoch, 1);
  }

  void badFilesSayWhy_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("sentence");
    QTest::newRow("missing") << QStringLiteral("nowhere.pt") << QStringLiteral("does not exist");
    QTest::newRow("not a model") << QStringLiteral("notes.txt")
                                 << QStringLiteral("is not a Learnbench model");
    QTest::newRow("nothing of the body")
        << QStringLiteral("other.pt") << QStringLiteral("holds nothing of this model's body");
    QTest::newRow("wrong architecture")
        << QStringLiteral("weights.pt")
        << QStringLiteral(
               "The pretrained model's layer 0.weight is 24x1x3x3, this model's is "
               "32x1x3x3: choose the same architecture and input channels.");
  }

  void badFilesSayWhy() {
    QFETCH(QString, file);
    QFETCH(QString, sentence);
    std::ofstream(m_root / "notes.txt") << "not a model\n";
    {
      torch::serialize::OutputArchive other;
      other.write("something/else", torch::ones({3}));
      other.save_to((m_root / "other.pt").string());
    }
    Project p = twoClassProject();
    if (QByteArray(QTest::currentDataTag()) == "wrong architecture") p.model.channels = {32, 64};
    p.model.pretrained = file.toStdString();
    const QString message = errorOf([&] { buildLearner(p); });
    QVERIFY2(message.contains(sentence), qPrintable(message));
    // An Experiment still tells what the data holds, and says the model's problem as such.
    Experiment e(p);
    QCOMPARE(QString::fromStdString(e.modelProblem()), message);
    QVERIFY(e.trainItems() > 0 && e.validItems() > 0);
    QCOMPARE(e.parameterCount(), 0LL);
    QCOMPARE(errorOf([&] { e.train(); }), message);
  }

  void pretrainedRoundTrips() {
    ModelSpec spec;
    QVERIFY(!modelSpecToJson(spec).contains("pretrained"));
    spec.pretrained = "models/fm.pt";
    const nlohmann::json j = modelSpecToJson(spec);
    QCOMPARE(QString::fromStdString(j.at("pretrained").get<std::string>()),
             QStringLiteral("models/fm.pt"));
    QVERIFY(modelSpecFromJson(j) == spec);
    spec.name = "resnet18";
    QVERIFY(modelSpecFromJson(modelSpecToJson(spec)) == spec);
    const QString message = errorOf([] {
      modelSpecFromJson(nlohmann::json{{"pretrained", 3}}, "p.lbproj");
    });
    QVERIFY2(message.contains(QStringLiteral("\"model.pretrained\"")), qPrintable(message));
  }

 private:
  QTemporaryDir m_dir;
  fs::path m_root;
  std::map<std::string, torch::Tensor> m_source;

  Project twoClassProject() const {
    Project p = fashionProject();
    p.file = m_root / "two.lbproj";
    p.data.source = SourceKind::Folder;
    p.data.path = "images";
    p.data.limit = 0;
    p.data.split.kind = SplitKind::Grandparent;
    p.train.batchSize = 16;  // about 60 training images
    return p;
  }

  static std::size_t headStartOf(const Project& p) {
    return buildModel(p.model, ImageShape{}, 2).headStart;
  }
};

QTEST_APPLESS_MAIN(TestTransfer)
#include "tst_transfer.moc"
