// The model engine: zoo parameter counts against torchvision's, the summary's shapes and its
// sentences for layers that do not fit, JSON round trips of every spec kind, and a layer-list
// model that trains.
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include "common/test_support.h"
#include "engine/data/tensor_loader.h"
#include "engine/models/model_builder.h"
#include "engine/models/model_spec.h"
#include "engine/models/model_summary.h"
#include "engine/models/simple_cnn.h"
#include "engine/train/learner.h"
#include "engine/train/metrics.h"
#include "engine/util/error.h"
#include "engine/util/thousands.h"

using namespace lb;

namespace {

ModelSpec zoo(const std::string& name) {
  ModelSpec s;
  s.name = name;
  return s;
}

LayerSpec conv(int out, int kernel, int stride, int padding) {
  LayerSpec l = layerOf(LayerKind::Conv2d);
  l.out = out;
  l.kernel = kernel;
  l.stride = stride;
  l.padding = padding;
  return l;
}

LayerSpec linear(int out, int in = 0) {
  LayerSpec l = layerOf(LayerKind::Linear);
  l.out = out;
  l.in = in;
  return l;
}

ModelSpec stack(std::vector<LayerSpec> layers) {
  ModelSpec s;
  s.name = "layers";
  s.layers = std::move(layers);
  return s;
}

const LayerSpec kFlatten = layerOf(LayerKind::Flatten);
const LayerSpec kRelu = layerOf(LayerKind::ReLU);

}  // namespace

Q_DECLARE_METATYPE(lb::ModelSpec)

class TestModels : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void resnetCountsMatchTorchvision_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<qlonglong>("expected");
    // torchvision.models.resnet18(num_classes=10) / resnet34(num_classes=10).
    QTest::newRow("resnet18") << QStringLiteral("resnet18") << 11181642LL;
    QTest::newRow("resnet34") << QStringLiteral("resnet34") << 21289802LL;
  }
  void resnetCountsMatchTorchvision() {
    QFETCH(QString, name);
    QFETCH(qlonglong, expected);
    const BuiltModel m = buildModel(zoo(name.toStdString()), {3, 64, 64}, 10);
    QCOMPARE(countParameters(*m.model), expected);
    // The body ends after layer4: stem (conv, bn, relu, maxpool) and four stages.
    QCOMPARE(m.headStart, std::size_t(8));
    QCOMPARE(summarize(zoo(name.toStdString()), {3, 64, 64}, 10).totalParameters, expected);
  }

  void resnetOptions() {
    ModelSpec s = zoo("resnet18");
    s.smallImages = true;
    ModelSummary sum = summarize(s, {1, 28, 28}, 10);
    QVERIFY2(sum.fits(), sum.problem.c_str());
    // No max-pool: layer1 keeps the stem's 14x14.
    QVERIFY(sum.layers[3].outputShape == (std::vector<long long>{64, 14, 14}));
    // One input channel: conv1 has 64*1*7*7 weights instead of 64*3*7*7.
    QCOMPARE(sum.totalParameters, 11181642LL - 64 * 2 * 49);
    s.head = "fastai";
    // fastai's create_head(512, 10): BN(1024) + Linear(1024, 512, no bias) + BN(512) +
    // Linear(512, 10, no bias) instead of fc's 512*10 + 10.
    const long long fastaiHead = 2 * 1024 + 1024 * 512 + 2 * 512 + 512 * 10;
    BuiltModel m = buildModel(s, {1, 28, 28}, 10);
    QCOMPARE(countParameters(*m.model), 11181642LL - 64 * 2 * 49 - 5130 + fastaiHead);
    QCOMPARE(m.headStart, std::size_t(7));
    QVERIFY(m.model->forward(torch::zeros({2, 1, 28, 28})).sizes() == (torch::IntArrayRef{2, 10}));
  }

  void simpleCnnUnchanged() {
    const std::vector<int> channels = {24, 48, 96, 192};
    ModelSpec s = zoo("simple_cnn");
    s.channels = channels;
    torch::manual_seed(1);
    const BuiltModel m = buildModel(s, {1, 28, 28}, 10);
    torch::manual_seed(1);
    auto direct = makeSimpleCnn(1, 10, channels);
    QCOMPARE(countParameters(*m.model), countParameters(*direct));
    QCOMPARE(countParameters(*m.model), 220594LL);
    QCOMPARE(m.headStart, simpleCnnHeadStart(channels));
    // Same weights from the same seed: the builder adds nothing to the random stream.
    auto a = m.model->parameters(), b = direct->parameters();
    QCOMPARE(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) QVERIFY(torch::equal(a[i], b[i]));
  }

  void mlp() {
    ModelSpec s = zoo("mlp");
    s.hidden = {128, 64};
    s.dropout = 0.2;
    const BuiltModel m = buildModel(s, {1, 28, 28}, 10);
    QCOMPARE(countParameters(*m.model), 784LL * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10);
    QCOMPARE(m.headStart, m.model->size() - 1);
  }

  void summaryShapes() {
    ModelSummary sum = summarize(
        stack({conv(8, 3, 2, 1), layerOf(LayerKind::BatchNorm2d), kRelu, layerOf(LayerKind::MaxPool2d),
               layerOf(LayerKind::AdaptiveAvgPool2d), kFlatten, linear(10)}),
        {1, 28, 28}, 10);
    QVERIFY2(sum.fits(), sum.problem.c_str());
    QCOMPARE(sum.layers.size(), std::size_t(7));
    QCOMPARE(sum.layers[0].shapeText(), std::string("8x14x14"));
    QCOMPARE(sum.layers[0].parameters, 8LL * 9 + 8);
    QCOMPARE(sum.layers[1].parameters, 16LL);
    QCOMPARE(sum.layers[3].shapeText(), std::string("8x7x7"));
    QCOMPARE(sum.layers[4].shapeText(), std::string("8x1x1"));
    QCOMPARE(sum.layers[6].shapeText(), std::string("10"));
    QCOMPARE(sum.totalParameters, 80LL + 16 + 90);
    QCOMPARE(totalLine(sum), std::string("Total parameters: 186 (0.0 MB)"));
    QCOMPARE(withThousands(1234567), std::string("1,234,567"));

    LayerSpec res = layerOf(LayerKind::Residual);
    res.out = 16;
    res.stride = 2;
    sum = summarize(stack({res, layerOf(LayerKind::AdaptiveAvgPool2d), kFlatten, linear(10)}),
                    {3, 9, 9}, 10);
    QVERIFY2(sum.fits(), sum.problem.c_str());
    QCOMPARE(sum.layers[0].shapeText(), std::string("16x5x5"));
    // Two 3x3 convs + BNs and a 1x1 projection + BN.
    QCOMPARE(sum.layers[0].parameters, 3LL * 16 * 9 + 32 + 16 * 16 * 9 + 32 + 3 * 16 + 32);
  }

  void mismatchSentences_data() {
    QTest::addColumn<ModelSpec>("spec");
    QTest::addColumn<int>("layer");
    QTest::addColumn<QString>("sentence");
    QTest::newRow("linear in")
        << stack({conv(32, 3, 2, 1), kFlatten, linear(10, 3136)}) << 2
        << "Linear expects 3136 inputs, gets 6272: set in_features to 6272";
    QTest::newRow("kernel too big")
        << stack({conv(8, 3, 2, 1), conv(8, 3, 2, 1), conv(8, 3, 2, 1), conv(8, 3, 2, 1),
                  conv(8, 5, 1, 0), kFlatten, linear(10)})
        << 4 << "Conv2d kernel 5 does not fit a 2x2 input: use a smaller kernel or fewer stride-2 layers before it";
    QTest::newRow("pool too big")
        << stack({conv(8, 3, 2, 1), conv(8, 3, 2, 1), conv(8, 3, 2, 1), conv(8, 3, 2, 1),
                  [] { LayerSpec p = layerOf(LayerKind::MaxPool2d); p.kernel = 3; return p; }()})
        << 4 << "MaxPool2d kernel 3 does not fit a 2x2 input";
    QTest::newRow("no flatten") << stack({conv(8, 3, 2, 1), linear(10)}) << 1
                                << "add a Flatten before Linear";
    QTest::newRow("conv after flatten") << stack({kFlatten, conv(8, 3, 1, 1)}) << 1
                                        << "Conv2d needs an image";
    QTest::newRow("wrong class count") << stack({kFlatten, linear(5)}) << 1
                                       << "the last layer gives 5 outputs but the data has 10 classes: set its out to 10";
    QTest::newRow("no head") << stack({conv(8, 3, 2, 1), kRelu}) << 1
                             << "end with Flatten and Linear (out 10)";
  }
  void mismatchSentences() {
    QFETCH(ModelSpec, spec);
    QFETCH(int, layer);
    QFETCH(QString, sentence);
    const ModelSummary sum = summarize(spec, {1, 28, 28}, 10);
    QVERIFY(!sum.fits());
    QVERIFY2(QString::fromStdString(sum.problem).contains(sentence), sum.problem.c_str());
    QCOMPARE(sum.problemLayer, layer);
    // The layers before the bad one are still summarised (all of them when the output is wrong).
    if (sum.layers.size() != spec.layers.size()) QCOMPARE(int(sum.layers.size()), layer);
    try {
      buildModel(spec, {1, 28, 28}, 10);
      QFAIL("buildModel built a model whose layers do not fit");
    } catch (const Error& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("model.layers[%1]").arg(layer)), e.what());
    }
  }

  void jsonRoundTrip_data() {
    QTest::addColumn<ModelSpec>("spec");
    ModelSpec simple = zoo("simple_cnn");
    simple.channels = {8, 16};
    QTest::newRow("simple_cnn") << simple;
    ModelSpec r18 = zoo("resnet18");
    r18.smallImages = true;
    r18.head = "fastai";
    QTest::newRow("resnet18") << r18;
    QTest::newRow("resnet34") << zoo("resnet34");
    ModelSpec mlp = zoo("mlp");
    mlp.hidden = {300, 100};
    mlp.dropout = 0.25;
    QTest::newRow("mlp") << mlp;
    std::vector<LayerSpec> all;
    for (LayerKind k : {LayerKind::Conv2d, LayerKind::BatchNorm2d, LayerKind::ReLU,
                        LayerKind::LeakyReLU, LayerKind::GELU, LayerKind::MaxPool2d,
                        LayerKind::AvgPool2d, LayerKind::AdaptiveAvgPool2d, LayerKind::Dropout,
                        LayerKind::Flatten, LayerKind::Linear, LayerKind::Residual})
      all.push_back(layerOf(k));
    all[0].bias = false;
    all[3].slope = 0.2;
    all[8].p = 0.1;
    all.push_back(linear(7, 42));
    QTest::newRow("layers") << stack(all);
  }
  void jsonRoundTrip() {
    QFETCH(ModelSpec, spec);
    const nlohmann::json j = modelSpecToJson(spec);
    const ModelSpec back = modelSpecFromJson(nlohmann::json::parse(j.dump()));
    QVERIFY2(back == spec, j.dump().c_str());
    QCOMPARE(modelSpecToJson(back).dump(), j.dump());
  }

  void jsonErrorsNameTheField_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("expected");
    QTest::newRow("layer out") << R"({"name": "layers", "layers": [{"type": "ReLU"}, {"type": "ReLU"}, {"type": "Flatten"}, {"type": "Linear", "out": "ten"}]})"
                               << "\"model.layers[3].out\" must be a whole number";
    QTest::newRow("layer type") << R"({"name": "layers", "layers": [{"type": "Conv3d"}]})"
                                << "\"model.layers[0].type\" must be one of Conv2d";
    QTest::newRow("layer field") << R"({"name": "layers", "layers": [{"type": "ReLU", "slope": 1}]})"
                                 << "Unknown field \"model.layers[0].slope\"";
    QTest::newRow("name") << R"({"name": "vgg16"})" << "\"model.name\" must be one of";
    QTest::newRow("head") << R"({"name": "resnet18", "head": "big"})" << "\"model.head\"";
    QTest::newRow("field of another model") << R"({"name": "resnet18", "channels": [8]})"
                                            << "Unknown field \"model.channels\"";
    QTest::newRow("dropout") << R"({"name": "mlp", "dropout": 1.5})" << "\"model.dropout\"";
  }
  void jsonErrorsNameTheField() {
    QFETCH(QString, json);
    QFETCH(QString, expected);
    try {
      modelSpecFromJson(nlohmann::json::parse(json.toStdString()));
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(expected), e.what());
    }
  }

  void layerListTrains() {
    torch::manual_seed(0);
    LayerSpec pool = layerOf(LayerKind::AdaptiveAvgPool2d);
    LayerSpec res = layerOf(LayerKind::Residual);
    res.out = 8;
    ModelSpec s = stack({conv(4, 3, 2, 1), layerOf(LayerKind::BatchNorm2d), kRelu, res, pool,
                         kFlatten, layerOf(LayerKind::Dropout), linear(0)});
    const BuiltModel m = buildModel(s, {1, 8, 8}, 3);
    QCOMPARE(m.headStart, std::size_t(4));
    auto x = torch::randn({64, 1, 8, 8});
    auto y = torch::randint(0, 3, {64}, torch::kLong);
    Learner learn(TensorLoader(x, y, 16, true, 0), TensorLoader(x, y, 32, false, 0), m.model,
                  crossEntropyLoss, {std::make_shared<Accuracy>()}, OptimizerOptions{},
                  splitBodyHead(m.headStart));
    QCOMPARE(learn.parameterGroups(), std::size_t(2));
    learn.fit(2, LearningRates(1e-2));
    learn.model()->eval();
    const double loss = crossEntropyLoss(learn.model()->forward(x), y).item<double>();
    QVERIFY(std::isfinite(loss));
  }
};

QTEST_APPLESS_MAIN(TestModels)
#include "tst_models.moc"
