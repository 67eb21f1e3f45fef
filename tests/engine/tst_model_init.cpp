// model.init (issue 15): each choice starts every conv and linear weight with the spread its
// rule gives (Kaiming normal: std sqrt(2 / fan); PyTorch's default: U(-b, b), b = 1/sqrt(fan_in),
// so std b / sqrt(3)), for every kind of model; the choice survives save and open; a wrong value
// is refused with a sentence naming the field.
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <cmath>

#include "common/test_support.h"
#include "engine/models/model_builder.h"
#include "engine/models/model_spec.h"
#include "engine/project/project.h"
#include "engine/util/error.h"

using namespace lb;

namespace {

// The std a rule gives a weight: "fan_in" / "fan_out" (Kaiming normal for ReLU), "pytorch".
double expectedStd(const std::string& rule, const torch::Tensor& w) {
  const double receptive = w.dim() == 4 ? double(w.size(2) * w.size(3)) : 1.0;
  const double fanIn = double(w.size(1)) * receptive, fanOut = double(w.size(0)) * receptive;
  if (rule == "fan_in") return std::sqrt(2.0 / fanIn);
  if (rule == "fan_out") return std::sqrt(2.0 / fanOut);
  return 1.0 / std::sqrt(3.0 * fanIn);
}

ModelSpec specOf(const QString& name, const QString& init) {
  ModelSpec s;
  s.name = name.toStdString();
  s.init = init.toStdString();
  s.smallImages = true;
  if (s.name == "layers") {
    LayerSpec conv = layerOf(LayerKind::Conv2d);
    conv.out = 64;
    LayerSpec hidden = layerOf(LayerKind::Linear);
    hidden.out = 128;
    s.layers = {conv, layerOf(LayerKind::ReLU), layerOf(LayerKind::Flatten), hidden,
                layerOf(LayerKind::ReLU), layerOf(LayerKind::Linear)};
  }
  return s;
}

}  // namespace

class TestModelInit : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void weightsFollowTheRule_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("init");
    QTest::addColumn<QString>("convRule");
    QTest::addColumn<QString>("linearRule");
    // kaiming: each model's own rule (the simple CNN's and torchvision's heads keep PyTorch's).
    QTest::newRow("simple_cnn kaiming") << "simple_cnn" << "kaiming" << "fan_in" << "pytorch";
    QTest::newRow("layers kaiming") << "layers" << "kaiming" << "fan_in" << "fan_in";
    QTest::newRow("mlp kaiming") << "mlp" << "kaiming" << "" << "fan_in";
    QTest::newRow("resnet18 kaiming") << "resnet18" << "kaiming" << "fan_out" << "pytorch";
    for (const char* model : {"simple_cnn", "layers", "mlp", "resnet18"})
      QTest::newRow((std::string(model) + " pytorch").c_str())
          << model << "pytorch" << "pytorch" << "pytorch";
  }

  void weightsFollowTheRule() {
    QFETCH(QString, model);
    QFETCH(QString, init);
    QFETCH(QString, convRule);
    QFETCH(QString, linearRule);
    torch::manual_seed(0);
    auto built = buildModel(specOf(model, init), {1, 28, 28}, 10).model;
    int checked = 0;
    for (const auto& m : built->modules(/*include_self=*/false)) {
      torch::Tensor w, b;
      std::string rule;
      if (auto* conv = m->as<torch::nn::Conv2d>())
        w = conv->weight, b = conv->bias, rule = convRule.toStdString();
      if (auto* lin = m->as<torch::nn::Linear>())
        w = lin->weight, b = lin->bias, rule = linearRule.toStdString();
      if (!w.defined()) continue;
      const double expected = expectedStd(rule, w);
      const double actual = w.std().item<double>();
      // The sample std of n draws is within 4 / sqrt(2n) of the true one (relative, ~4 sigma).
      const double tolerance = 4.0 / std::sqrt(2.0 * double(w.numel()));
      if (std::abs(actual / expected - 1.0) > tolerance)
        QFAIL(qPrintable(QStringLiteral("%1 weight %2: std %3, expected %4 (%5)")
                             .arg(QString::fromStdString(m->name()))
                             .arg(checked).arg(actual).arg(expected)
                             .arg(QString::fromStdString(rule))));
      // A uniform with this std ends at sqrt(3) std; a normal's tails reach beyond it.
      const double edge = std::sqrt(3.0) * expected;
      if (rule == "pytorch") {  // uniform, biases inside the same bound (1 / sqrt(fan_in))
        QVERIFY(w.abs().max().item<double>() <= edge * (1 + 1e-6));  // 1e-6: a float's rounding
        if (b.defined()) {
          QVERIFY(b.abs().max().item<double>() <= edge * (1 + 1e-6));
          QVERIFY(b.abs().max().item<double>() > 0);
        }
      } else {
        QVERIFY(w.abs().max().item<double>() > edge);
        if (b.defined()) QCOMPARE(b.abs().max().item<double>(), 0.0);
      }
      ++checked;
    }
    QVERIFY(checked >= 2);
  }

  void theChoiceSurvivesSaveAndOpen() {
    QTemporaryDir dir;
    const auto file = dir.filePath(QStringLiteral("init.lbproj")).toStdString();
    Project p;
    p.model.init = "pytorch";
    saveProject(p, file);
    QCOMPARE(loadProject(file).model.init, std::string("pytorch"));
    // The default stays out of the file, so projects from before read and write as they did.
    p.model.init = "kaiming";
    QVERIFY(modelSpecToJson(p.model).count("init") == 0);
    saveProject(p, file);
    QCOMPARE(loadProject(file).model.init, std::string("kaiming"));
  }

  void aWrongChoiceIsNamed() {
    const auto bad = nlohmann::json::parse(R"({"name": "simple_cnn", "init": "xavier"})");
    try {
      modelSpecFromJson(bad, "p.lbproj");
      QFAIL("an unknown init was accepted");
    } catch (const Error& e) {
      const std::string what = e.what();
      QVERIFY2(what.find("\"model.init\"") != std::string::npos, e.what());
      QVERIFY2(what.find("pytorch") != std::string::npos, e.what());
    }
    const auto number = nlohmann::json::parse(R"({"name": "mlp", "init": 3})");
    QVERIFY_THROWS_EXCEPTION(Error, modelSpecFromJson(number, "p.lbproj"));
  }
};

QTEST_APPLESS_MAIN(TestModelInit)
#include "tst_model_init.moc"
