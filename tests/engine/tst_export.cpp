// TorchScript export: every zoo model and a layer list with a residual block, trained briefly on
// real Fashion-MNIST, load back with torch::jit::load (and Python's torch.jit.load) and give the
// C++ model's outputs on a real batch; the attributes round-trip; predictImages prepares image files as training did; a layer
// export does not know is an lb::Error naming it, and nothing is written.
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/script.h>

#include <QProcess>
#include <QtTest/QtTest>
#include <algorithm>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "common/test_support.h"
#include "engine/data/fashion_mnist.h"
#include "engine/experiment/export.h"
#include "engine/experiment/build_learner.h"
#include "engine/train/checkpoint.h"
#include "engine/util/error.h"
#include "engine/util/runtime.h"

using namespace lb;

Q_DECLARE_METATYPE(lb::ModelSpec)

namespace {

Project smallProject(const ModelSpec& model) {
  Project p;
  p.data.path = test::fashionMnistDir();
  p.data.limit = 600;
  p.model = model;
  p.train.epochs = 1;
  p.train.lr = 1e-2;
  p.train.batchSize = 64;
  p.train.seed = 1;
  return p;
}

LayerSpec layer(LayerKind kind, int out = 0, int stride = 1) {
  LayerSpec l = layerOf(kind);
  if (out) l.out = out;
  l.stride = stride;
  return l;
}

// A Python that can import torch (Debian's python3-torch is in /usr/bin), or empty.
QString pythonWithTorch() {
  for (const QString& python : {QStringLiteral("/usr/bin/python3"), QStringLiteral("python3")}) {
    QProcess p;
    p.start(python, {QStringLiteral("-c"), QStringLiteral("import torch")});
    if (p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0)
      return python;
  }
  return {};
}

// What Python's torch.jit.load makes of `model` on the float32 batch `x`: its logits and
// predict_proba, concatenated along dim 1; the labels attribute must come through as well.
torch::Tensor pythonOutputs(const QString& python, const std::filesystem::path& model,
                            const torch::Tensor& x, const QTemporaryDir& dir) {
  const auto in = x.contiguous();
  const std::string inFile = dir.filePath(QStringLiteral("x.bin")).toStdString();
  const std::string outFile = dir.filePath(QStringLiteral("y.bin")).toStdString();
  std::ofstream(inFile, std::ios::binary)
      .write(reinterpret_cast<const char*>(in.data_ptr<float>()), std::streamsize(in.nbytes()));
  const QString script = QStringLiteral(
      "import sys, numpy, torch\n"
      "m = torch.jit.load(sys.argv[1])\n"
      "assert len(m.labels) == 10, m.labels\n"
      "x = torch.from_numpy(numpy.fromfile(sys.argv[2], dtype=numpy.float32))\n"
      "x = x.reshape(-1, m.channels, m.height, m.width)\n"
      "with torch.no_grad():\n"
      "    y = torch.cat([m(x), m.predict_proba(x)], 1)\n"
      "y.numpy().astype(numpy.float32).tofile(sys.argv[3])\n");
  QProcess p;
  p.start(python, {QStringLiteral("-c"), script, QString::fromStdString(model.string()),
                   QString::fromStdString(inFile), QString::fromStdString(outFile)});
  if (!p.waitForFinished(120000) || p.exitCode() != 0)
    throw std::runtime_error("Python failed: " + p.readAllStandardError().toStdString());
  std::ifstream f(outFile, std::ios::binary);
  const std::int64_t columns = 2 * std::int64_t(10);  // logits and probabilities, 10 classes
  std::vector<float> y(std::size_t(in.size(0) * columns));
  f.read(reinterpret_cast<char*>(y.data()), std::streamsize(y.size() * sizeof(float)));
  if (f.gcount() != std::streamsize(y.size() * sizeof(float)))
    throw std::runtime_error("Python wrote fewer outputs than the batch has items");
  return torch::from_blob(y.data(), {in.size(0), columns}).clone();
}

}  // namespace

class TestExport : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    useThreads(0);
    m_python = pythonWithTorch();
  }

  void matchesTheCppModel_data() {
    QTest::addColumn<ModelSpec>("spec");
    ModelSpec cnn;
    QTest::newRow("simple_cnn") << cnn;
    ModelSpec resnet;
    resnet.name = "resnet18";
    resnet.smallImages = true;
    QTest::newRow("resnet18") << resnet;
    resnet.head = "fastai";  // concat pooling, BatchNorm1d, Linear without bias
    QTest::newRow("resnet18 fastai head") << resnet;
    ModelSpec mlp;
    mlp.name = "mlp";
    mlp.hidden = {64, 32};
    mlp.dropout = 0.2;
    QTest::newRow("mlp") << mlp;
    ModelSpec layers;
    layers.name = "layers";
    LayerSpec leaky = layerOf(LayerKind::LeakyReLU);
    leaky.slope = 0.1;
    LayerSpec avg = layerOf(LayerKind::AvgPool2d);
    avg.stride = 0;
    LayerSpec max = layerOf(LayerKind::MaxPool2d);
    max.stride = 0;
    layers.layers = {layer(LayerKind::Conv2d, 16),
                     layerOf(LayerKind::BatchNorm2d),
                     layerOf(LayerKind::ReLU),
                     max,
                     layer(LayerKind::Residual, 32, 2),
                     leaky,
                     avg,
                     layerOf(LayerKind::GELU),
                     layerOf(LayerKind::Dropout),
                     layerOf(LayerKind::AdaptiveAvgPool2d),
                     layerOf(LayerKind::Flatten),
                     layer(LayerKind::Linear, 0)};
    QTest::newRow("layers with a residual block") << layers;
  }

  void matchesTheCppModel() {
    QFETCH(ModelSpec, spec);
    const Project project = smallProject(spec);
    BuiltLearner built = buildLearner(project);
    built.learner->fitOneCycle(1, OneCycleOptions{}.setLrMax(project.train.lr));
    QTemporaryDir dir;
    const std::filesystem::path weights = dir.filePath(QStringLiteral("w.pt")).toStdString();
    const std::filesystem::path file = dir.filePath(QStringLiteral("model.pt")).toStdString();
    saveModelWeights(*built.learner->model(), weights);
    exportModel(project, weights, file);

    auto module = torch::jit::load(file.string());
    auto model = built.learner->model();
    model->eval();
    torch::NoGradGuard noGrad;
    const torch::Tensor x = built.learner->validLoader().batch(0).x.to(torch::kCPU);
    const torch::Tensor expected = model->forward(x);
    const torch::Tensor actual = module.forward({x}).toTensor();
    QVERIFY(actual.sizes() == expected.sizes());
    const double diff = (actual - expected).abs().max().item<double>();
    QVERIFY2(diff < 1e-5, qPrintable(QStringLiteral("max difference %1").arg(diff)));
    const torch::Tensor probs = module.get_method("predict_proba")({x}).toTensor();
    QVERIFY(torch::allclose(probs, torch::softmax(expected, 1), 1e-5, 1e-6));

    const ExportedModel loaded = loadExportedModel(file);
    QVERIFY(loaded.info.labels == fashionMnistClasses());
    QCOMPARE(loaded.info.channels, 1);
    QCOMPARE(loaded.info.height, 28);
    QCOMPARE(loaded.info.width, 28);
    QCOMPARE(loaded.info.target, lb::TargetKind::Category);
    QCOMPARE(loaded.info.formatVersion, 1);
    QCOMPARE(loaded.info.mean.size(), std::size_t(1));
    LB_COMPARE_NEAR(loaded.info.mean[0], built.data.stats.mean[0], 1e-6);
    LB_COMPARE_NEAR(loaded.info.std[0], built.data.stats.std[0], 1e-6);

    // The file is meant for use elsewhere too: Python's torch.jit.load gives the same outputs.
    if (m_python.isEmpty()) QSKIP("No Python with torch here (Debian: python3-torch).");
    const torch::Tensor fromPython = pythonOutputs(m_python, file, x, dir);
    const double pyDiff =
        (fromPython - torch::cat({expected, probs}, 1)).abs().max().item<double>();
    QVERIFY2(pyDiff < 1e-5, qPrintable(QStringLiteral("Python: max difference %1").arg(pyDiff)));
  }

  // Real test images written as PNG files: predictImages gives the probabilities the model gives
  // the same pixels normalised as the loaders normalise them.
  void predictPreparesFilesAsTraining() {
    const Project project = smallProject(ModelSpec{});
    BuiltLearner built = buildLearner(project);
    QTemporaryDir dir;
    const std::filesystem::path weights = dir.filePath(QStringLiteral("w.pt")).toStdString();
    const std::filesystem::path file = dir.filePath(QStringLiteral("model.pt")).toStdString();
    saveModelWeights(*built.learner->model(), weights);
    exportModel(project, weights, file);
    const ExportedModel model = loadExportedModel(file);

    const FashionMnist data = loadFashionMnist(test::fashionMnistDir(), 60, 3);
    const auto images = data.valid.images.slice(0, 0, 10);
    std::vector<std::filesystem::path> files;
    for (int i = 0; i < 10; ++i) {
      auto pixels = images[i][0].contiguous();
      files.push_back(dir.filePath(QStringLiteral("%1.png").arg(i)).toStdString());
      QVERIFY(cv::imwrite(files.back().string(), cv::Mat(28, 28, CV_8UC1, pixels.data_ptr())));
    }
    files.push_back(dir.filePath(QStringLiteral("missing.png")).toStdString());
    const auto predictions = predictImages(model, files, 10);
    QCOMPARE(predictions.size(), files.size());
    QVERIFY(predictions.back().top.empty());
    QVERIFY(!predictions.back().error.empty());

    torch::NoGradGuard noGrad;
    const auto x = normalizeImages(images, built.data.stats);
    const auto probs = model.module->get_method("predict_proba")({x}).toTensor();
    for (int i = 0; i < 10; ++i) {
      const Prediction& p = predictions[std::size_t(i)];
      QVERIFY2(p.error.empty(), p.error.c_str());
      QCOMPARE(p.top.size(), std::size_t(10));
      for (std::size_t t = 0; t + 1 < p.top.size(); ++t)
        QVERIFY(p.top[t].second >= p.top[t + 1].second);
      for (const auto& [label, probability] : p.top) {
        const auto c =
            std::find(fashionMnistClasses().begin(), fashionMnistClasses().end(), label) -
            fashionMnistClasses().begin();
        LB_COMPARE_NEAR(probability, probs[i][c].item<double>(), 1e-5);
      }
    }
  }

  void unsupportedLayerIsAnError() {
    torch::nn::Sequential model(torch::nn::Flatten(), torch::nn::Linear(784, 10),
                                torch::nn::Softmax(1));
    ExportInfo info;
    info.labels = fashionMnistClasses();
    info.mean = {0.5};
    info.std = {0.25};
    QTemporaryDir dir;
    const std::filesystem::path file = dir.filePath(QStringLiteral("model.pt")).toStdString();
    try {
      exportSequential(*model, info, file);
      QFAIL("exported a Softmax");
    } catch (const Error& e) {
      QVERIFY2(QString::fromStdString(e.what()).contains(QStringLiteral("Softmax")), e.what());
    }
    QVERIFY(!std::filesystem::exists(file));
  }

  void notAModelIsAnError() {
    QTemporaryDir dir;
    const std::filesystem::path file = dir.filePath(QStringLiteral("model.pt")).toStdString();
    std::ofstream(file) << "not a model";
    QVERIFY_THROWS_EXCEPTION(Error, loadExportedModel(file));
    QVERIFY_THROWS_EXCEPTION(Error, loadExportedModel(file.parent_path() / "none.pt"));
  }

 private:
  QString m_python;  // a Python with torch, or empty
};

QTEST_APPLESS_MAIN(TestExport)
#include "tst_export.moc"
