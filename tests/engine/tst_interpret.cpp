// Interpretation on a real Fashion-MNIST subset trained one epoch: top losses agree with a
// brute-force sort, the confusion matrix with a hand count, most confused pairs come in order,
// Grad-CAM gives a map of the image's size in [0, 1], and the plots are PNGs OpenCV reads back.
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>

#include "common/test_support.h"
#include "engine/interpret/interpret_plots.h"
#include "engine/interpret/interpretation.h"
#include "engine/experiment/build_learner.h"
#include "engine/train/checkpoint.h"
#include "engine/experiment/experiment.h"
#include "engine/train/metrics.h"
#include "engine/util/error.h"
#include "engine/util/runtime.h"

using namespace lb;

namespace {

Project smallProject(int limit) {
  Project p;
  p.data.path = test::fashionMnistDir();
  p.data.limit = limit;
  p.train.epochs = 1;
  p.train.lr = 1e-2;
  p.train.batchSize = 64;
  p.train.seed = 1;
  return p;
}

// A prediction set by hand: targets and predictions only.
Predictions fixedPredictions() {
  Predictions p;
  p.targets = torch::tensor(std::vector<std::int64_t>{0, 0, 1, 1, 2, 2, 2}, torch::kLong);
  p.predicted = torch::tensor(std::vector<std::int64_t>{0, 1, 1, 1, 0, 2, 1}, torch::kLong);
  return p;
}

}  // namespace

class TestInterpret : public QObject {
  Q_OBJECT

  BuiltLearner m_built;
  Predictions m_preds;
  torch::Tensor m_inputs;  // the validation set as the model takes it, in order

 private Q_SLOTS:
  void initTestCase() {
    useThreads(0);
    m_built = buildLearner(smallProject(2000));
    m_built.learner->fitOneCycle(1, OneCycleOptions{}.setLrMax(1e-2));
    m_preds = predictValidation(*m_built.learner);
    DataLoader& valid = m_built.learner->validLoader();
    std::vector<torch::Tensor> xs;
    for (int i = 0; i < valid.batches(); ++i) xs.push_back(valid.batch(i).x.cpu());
    m_inputs = torch::cat(xs);
  }

  void predictionsCoverTheValidationSetInOrder() {
    Learner& learn = *m_built.learner;
    QCOMPARE(long(m_preds.size()), long(learn.validLoader().items()));
    QCOMPARE(int(m_preds.probabilities.size(1)), 10);
    // In order: the targets are the loader's, batch after batch.
    std::vector<torch::Tensor> ys;
    for (int i = 0; i < learn.validLoader().batches(); ++i) ys.push_back(learn.validLoader().batch(i).y);
    QVERIFY(torch::equal(torch::cat(ys).cpu(), m_preds.targets));
    QVERIFY(torch::allclose(m_preds.probabilities.sum(1), torch::ones({m_preds.size()}), 1e-4, 1e-5));
    // Unreduced cross-entropy: its mean is the loss the Learner reports.
    torch::Tensor logits;
    {
      torch::NoGradGuard g;
      logits = learn.model()->forward(m_inputs);
    }
    LB_COMPARE_NEAR(m_preds.losses.mean().item<double>(),
                    crossEntropyLoss(logits, m_preds.targets).item<double>(), 1e-4);
    QVERIFY(torch::equal(m_preds.predicted, logits.argmax(1)));
    // The loader hands out single items as its batches hold them.
    const std::vector<long> some = {0, 5, long(m_preds.size()) - 1};
    const auto items = validationInputs(learn, some);
    for (std::size_t i = 0; i < some.size(); ++i)
      QVERIFY(torch::equal(items[long(i)], m_inputs[some[i]]));
    QVERIFY_THROWS_EXCEPTION(Error, validationInputs(learn, {long(m_preds.size())}));
  }

  // Images are shown as they were before normalisation: the exact pixels come back.
  void imagesMapBackToTheirPixels() {
    const auto pixels = torch::randint(0, 256, {2, 3, 5, 4}, torch::kLong).to(torch::kByte);
    const Normalization stats{{0.2f, 0.5f, 0.7f}, {0.3f, 0.25f, 0.1f}};
    const auto x = normalizeImages(pixels, stats);
    const Image8 img = toImage8(x[1], stats);
    QCOMPARE(img.width, 4);
    QCOMPARE(img.height, 5);
    QCOMPARE(img.channels, 3);
    const auto hwc = pixels[1].permute({1, 2, 0}).contiguous();
    QVERIFY(std::equal(img.pixels.begin(), img.pixels.end(), hwc.data_ptr<std::uint8_t>()));
    QVERIFY_THROWS_EXCEPTION(Error, toImage8(x[1], Normalization{{0.5f}, {0.25f}}));
  }

  // After every epoch the fit itself reports its top losses and confusion matrix, from its own
  // validation pass: the same as interpreting the model afresh after the fit.
  void eachEpochIsInterpretedDuringTheFit() {
    Project project = smallProject(2000);
    project.train.epochs = 2;
    Experiment e(project);
    std::vector<Interpretation> reports;
    int epochsSeen = 0;
    TrainingHooks hooks;
    hooks.onEpoch = [&](const EpochResult&) { ++epochsSeen; };
    hooks.onInterpretation = [&](const Interpretation& in) {
      QCOMPARE(int(reports.size()) + 1, epochsSeen);  // after the epoch's own report
      reports.push_back(in);
    };
    hooks.interpretTopLosses = 6;
    e.train(hooks);
    QCOMPARE(int(reports.size()), 2);
    const Interpretation after = e.interpret(6);
    const Interpretation& last = reports.back();
    QCOMPARE(last.validItems, long(e.validItems()));
    QVERIFY(last.confusion.counts == after.confusion.counts);
    QCOMPARE(int(last.topLosses.size()), 6);
    QCOMPARE(int(last.images.size()), 6);
    QCOMPARE(int(last.gradCams.size()), 6);
    for (std::size_t i = 0; i < 6; ++i) {
      QCOMPARE(last.topLosses[i].index, after.topLosses[i].index);
      LB_COMPARE_NEAR(last.topLosses[i].loss, after.topLosses[i].loss, 1e-5);
      QVERIFY(last.images[i].pixels == after.images[i].pixels);
      if (i > 0) QVERIFY(last.topLosses[i - 1].loss >= last.topLosses[i].loss);
    }
    // The model changed between the epochs, and so did what it gets wrong.
    QVERIFY(reports[0].confusion.counts != reports[1].confusion.counts);
  }

  // An epoch whose validation is cut short has no whole set to interpret: it reports nothing.
  void aCutValidationReportsNothing() {
    BuiltLearner built = buildLearner(smallProject(600));
    struct CutSecondValidation : Callback {
      void beforeBatch(Learner& learn) override {
        if (!learn.training && learn.epoch == 1 && learn.iter == 0) throw CancelValidate();
      }
    };
    int reports = 0;
    built.learner->addCallback(std::make_shared<CutSecondValidation>());
    built.learner->addCallback(std::make_shared<InterpretEachEpoch>(
        built.classes, 3, TargetKind::Category, built.data.stats,
        [&](const Interpretation&) { ++reports; }));
    built.learner->fitOneCycle(3, OneCycleOptions{}.setLrMax(1e-2));
    QCOMPARE(reports, 2);  // epochs 0 and 2
  }

  void topLossesMatchABruteForceSort() {
    const auto losses = m_preds.losses.contiguous();
    std::vector<std::pair<float, long>> all;
    for (long i = 0; i < m_preds.size(); ++i) all.push_back({losses[i].item<float>(), i});
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    const auto top = topLosses(m_preds, 25);
    QCOMPARE(int(top.size()), 25);
    for (int j = 0; j < 25; ++j) {
      QCOMPARE(top[std::size_t(j)].index, all[std::size_t(j)].second);
      QCOMPARE(float(top[std::size_t(j)].loss), all[std::size_t(j)].first);
      const long i = top[std::size_t(j)].index;
      QCOMPARE(long(top[std::size_t(j)].predicted), m_preds.predicted[i].item<long>());
      QCOMPARE(long(top[std::size_t(j)].actual), m_preds.targets[i].item<long>());
      LB_COMPARE_NEAR(top[std::size_t(j)].probability, m_preds.probabilities[i].max().item<double>(), 1e-6);
    }
    // More than there are: all of them, still sorted.
    const auto every = topLosses(m_preds, int(m_preds.size()) + 10);
    QCOMPARE(long(every.size()), long(m_preds.size()));
    for (std::size_t j = 1; j < every.size(); ++j) QVERIFY(every[j - 1].loss >= every[j].loss);
  }

  void topLossesFilterByClass() {
    const auto shirts = topLosses(m_preds, 1000, 6);
    QCOMPARE(long(shirts.size()), m_preds.targets.eq(6).sum().item<long>());
    for (const auto& t : shirts) QCOMPARE(t.actual, 6);
    const auto both = topLosses(m_preds, 1000, 6, 0);
    QCOMPARE(long(both.size()), (m_preds.targets.eq(6) & m_preds.predicted.eq(0)).sum().item<long>());
    for (std::size_t j = 0; j < both.size(); ++j) {
      QCOMPARE(both[j].actual, 6);
      QCOMPARE(both[j].predicted, 0);
      if (j > 0) QVERIFY(both[j - 1].loss >= both[j].loss);
    }
  }

  void confusionMatrixMatchesAHandCount() {
    const Confusion cm = toConfusion(confusionMatrix(fixedPredictions(), 4));
    const std::vector<std::vector<long>> expected = {
        {1, 1, 0, 0}, {0, 2, 0, 0}, {1, 1, 1, 0}, {0, 0, 0, 0}};
    QVERIFY(cm.counts == expected);
    QCOMPARE(cm.total(), 7L);
    QCOMPARE(cm.correct(), 4L);
    const auto normalised = confusionMatrix(fixedPredictions(), 4, /*normalize=*/true);
    LB_COMPARE_NEAR(normalised[2][0].item<double>(), 1.0 / 3, 1e-12);
    LB_COMPARE_NEAR(normalised[0][1].item<double>(), 0.5, 1e-12);
    QCOMPARE(normalised[3].sum().item<double>(), 0.0);  // a class without items stays 0
    QVERIFY_THROWS_EXCEPTION(Error, confusionMatrix(fixedPredictions(), 2));
  }

  void confusionMatrixOfTheRealSetSumsToItsSize() {
    const Confusion cm = toConfusion(confusionMatrix(m_preds, 10));
    QCOMPARE(cm.total(), long(m_preds.size()));
    LB_COMPARE_NEAR(cm.accuracy(),
                    m_preds.predicted.eq(m_preds.targets).to(torch::kDouble).mean().item<double>(), 1e-12);
    QVERIFY2(cm.accuracy() > 0.5, qPrintable(QString::number(cm.accuracy())));
  }

  void mostConfusedIsOrderedAndHonoursMinCount() {
    Confusion cm;
    cm.counts = {{5, 2, 3}, {0, 4, 3}, {1, 0, 6}};
    const auto all = mostConfused(cm, 1);
    QCOMPARE(int(all.size()), 4);
    const int expected[4][3] = {{0, 2, 3}, {1, 2, 3}, {0, 1, 2}, {2, 0, 1}};
    for (int i = 0; i < 4; ++i) {
      QCOMPARE(all[std::size_t(i)].actual, expected[i][0]);
      QCOMPARE(all[std::size_t(i)].predicted, expected[i][1]);
      QCOMPARE(all[std::size_t(i)].count, long(expected[i][2]));
    }
    QCOMPARE(int(mostConfused(cm, 3).size()), 2);
    QVERIFY(mostConfused(cm, 4).empty());  // the diagonal never counts
    const auto real = mostConfused(toConfusion(confusionMatrix(m_preds, 10)), 2);
    for (std::size_t i = 0; i < real.size(); ++i) {
      QVERIFY(real[i].count >= 2);
      QVERIFY(real[i].actual != real[i].predicted);
      if (i > 0) QVERIFY(real[i - 1].count >= real[i].count);
    }
  }

  void gradCamHasTheImageSizeAndRange() {
    auto& model = m_built.learner->model();
    // Gradients already on the parameters (from training) must come back untouched.
    std::vector<torch::Tensor> before;
    for (const auto& p : model->parameters())
      before.push_back(p.grad().defined() ? p.grad().clone() : torch::Tensor());
    const auto top = topLosses(m_preds, 3);
    for (const auto& t : top) {
      const auto map = gradCam(model, m_inputs[t.index].unsqueeze(0), t.predicted);
      QVERIFY(map.sizes() == torch::IntArrayRef({28, 28}));
      QVERIFY(map.scalar_type() == torch::kFloat);
      QVERIFY(map.min().item<float>() >= 0.0f);
      QVERIFY(map.max().item<float>() <= 1.0f);
      QVERIFY2(map.max().item<float>() - map.min().item<float>() > 0.1f, "the map is constant");
    }
    const auto params = model->parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
      QCOMPARE(params[i].grad().defined(), before[i].defined());
      if (before[i].defined()) QVERIFY(torch::equal(params[i].grad(), before[i]));
    }
    QVERIFY_THROWS_EXCEPTION(Error, gradCam(model, m_inputs.slice(0, 0, 2), 0));
    QVERIFY_THROWS_EXCEPTION(Error, gradCam(model, m_inputs[0].unsqueeze(0), 10));
  }

  // A model without convolutions trains and is interpreted with no Grad-CAM maps (the window
  // interprets after every epoch; a throw there ended the training of an MLP).
  void anMlpIsInterpretedWithoutGradCam() {
    Project p = smallProject(300);
    p.model.name = "mlp";
    BuiltLearner built = buildLearner(p);
    QVERIFY(!hasConvolution(built.learner->model()));
    QVERIFY(hasConvolution(m_built.learner->model()));
    const Interpretation in = interpretLearner(*built.learner, built.classes, 4, {},
                                               TargetKind::Category, built.data.stats);
    QCOMPARE(int(in.topLosses.size()), 4);
    QCOMPARE(int(in.images.size()), 4);
    QVERIFY(in.gradCams.empty());
    QTemporaryDir dir;
    const std::filesystem::path d = dir.path().toStdString();
    writeTopLossesPlot(in, d / "top.png");
    QVERIFY_THROWS_EXCEPTION(Error, writeTopLossesPlot(in, d / "cam.png", true));
  }

  void plotsAreReadablePngs() {
    const Interpretation in = interpretLearner(*m_built.learner, m_built.classes, 9, {},
                                               TargetKind::Category, m_built.data.stats);
    QCOMPARE(int(in.topLosses.size()), 9);
    QCOMPARE(int(in.images.size()), 9);
    QCOMPARE(int(in.gradCams.size()), 9);
    QCOMPARE(in.images[0].width, 28);
    QCOMPARE(in.gradCams[0].height, 28);
    QCOMPARE(in.confusion.total(), long(m_preds.size()));
    QTemporaryDir dir;
    const std::filesystem::path d = dir.path().toStdString();
    writeTopLossesPlot(in, d / "top.png");
    writeTopLossesPlot(in, d / "cam.png", true);
    writeConfusionMatrixPlot(in.confusion, in.classes, d / "cm.png");
    for (const char* name : {"top.png", "cam.png", "cm.png"}) {
      const cv::Mat img = cv::imread((d / name).string(), cv::IMREAD_COLOR);
      QVERIFY2(!img.empty(), name);
      QVERIFY2(img.cols >= 400 && img.rows >= 400, name);
      // Not one flat colour.
      cv::Scalar mean, sd;
      cv::meanStdDev(img, mean, sd);
      QVERIFY2(sd[0] > 10, name);
    }
    writeTopLossesCsv(in, d / "top.csv");
    QFile csv(dir.filePath(QStringLiteral("top.csv")));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(csv.readAll()).trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines[0], QStringLiteral("index,actual,predicted,loss,probability"));
    QCOMPARE(lines.size(), 10);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 4);  // no temporary left behind
    QVERIFY_THROWS_EXCEPTION(Error, writeTopLossesPlot(in, d / "no" / "such" / "top.png"));
  }

  void experimentInterpretsACheckpoint() {
    // The same project (so the same validation items) with the trained weights loaded from a
    // file gives the trained model's confusion matrix.
    QTemporaryDir dir;
    const std::filesystem::path weights = dir.filePath(QStringLiteral("trained.pt")).toStdString();
    saveModelWeights(*m_built.learner->model(), weights);
    Experiment e(smallProject(2000));
    QVERIFY_THROWS_EXCEPTION(
        Error, e.interpret(4, dir.filePath(QStringLiteral("missing.pt")).toStdString()));
    const Interpretation in = e.interpret(4, weights);
    QCOMPARE(in.validItems, long(e.validItems()));
    QCOMPARE(int(in.topLosses.size()), 4);
    QVERIFY(in.classes == e.classes());
    QVERIFY(in.confusion.counts == toConfusion(confusionMatrix(m_preds, 10)).counts);
    QCOMPARE(in.topLosses[0].index, topLosses(m_preds, 1)[0].index);
  }
};

QTEST_APPLESS_MAIN(TestInterpret)
#include "tst_interpret.moc"
