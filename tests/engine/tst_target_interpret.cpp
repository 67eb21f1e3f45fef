// Interpretation of multi-label and regression projects: per-label metrics at a threshold against
// a hand count, the best thresholds against brute force, MAE / RMSE / R² against their formulas;
// then real projects from Fashion-MNIST images (two labels per item; the class number as a value)
// trained briefly and interpreted: sizes match the validation set, the numbers agree with what
// training reported, the worst residuals come largest first, and the CLI's files read back.
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <random>

#include "common/image_folder.h"
#include "common/test_support.h"
#include "engine/interpret/interpret_plots.h"
#include "engine/interpret/interpretation.h"
#include "engine/interpret/target_reports.h"
#include "engine/experiment/build_learner.h"
#include "engine/train/callbacks.h"
#include "engine/experiment/experiment.h"
#include "engine/util/error.h"
#include "engine/util/runtime.h"

using namespace lb;
namespace fs = std::filesystem;

namespace {

LabelScores label(std::vector<float> probs, std::vector<std::uint8_t> targets) {
  LabelScores l;
  l.name = "x";
  l.probabilities = std::move(probs);
  l.targets = std::move(targets);
  l.support = long(std::count(l.targets.begin(), l.targets.end(), 1));
  return l;
}

// Footwear or not: a second label every item has, learnable from the image.
bool footwear(const std::string& cls) {
  return cls == "Sandal" || cls == "Sneaker" || cls == "Ankle_boot";
}

int classNumber(const std::string& cls) {
  for (int c = 0; c < 10; ++c)
    if (test::safeClassName(c) == cls) return c;
  return -1;
}

// Real images with a CSV: name, tags ("Shirt;clothing"), score (the class number), is_valid.
Project csvProject(const fs::path& root, TargetKind target) {
  const auto written = test::writeImageFolder(root / "images", 900, 150, ".png", /*flat=*/true);
  std::ofstream csv(root / "labels.csv", std::ios::binary);
  csv << "name,tags,score,is_valid\n";
  for (const auto& w : written)
    csv << w.file << "," << w.label << ";" << (footwear(w.label) ? "footwear" : "clothing") << ","
        << classNumber(w.label) << "," << (w.valid ? "True" : "False") << "\n";
  csv.close();
  Project p;
  p.data.source = SourceKind::Csv;
  p.data.path = (root / "labels.csv").string();
  p.data.csv.folder = (root / "images").string();
  p.data.label.kind = LabelKind::CsvColumn;
  p.data.split.kind = SplitKind::CsvColumn;
  p.data.target = target;
  if (target == TargetKind::MultiCategory) {
    p.data.csv.labelColumn = "tags";
    p.data.csv.labelDelimiter = ";";
  } else {
    p.data.csv.labelColumn = "score";
  }
  p.train.batchSize = 64;
  p.train.seed = 1;
  return p;
}

// F1 counted directly, for the brute force.
double f1ByHand(const LabelScores& l, double t) {
  double tp = 0, fp = 0, fn = 0;
  for (std::size_t i = 0; i < l.targets.size(); ++i) {
    const bool p = l.probabilities[i] > t;
    tp += p && l.targets[i];
    fp += p && !l.targets[i];
    fn += !p && l.targets[i];
  }
  return tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0.0;
}

}  // namespace

class TestTargetInterpret : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { useThreads(0); }

  void labelMetricsMatchAHandCount() {
    const LabelScores l = label({0.9f, 0.6f, 0.4f, 0.2f, 0.7f, 0.5f}, {1, 0, 1, 0, 1, 1});
    // At 0.5 (strictly above, as fastai): predicted 1 1 0 0 1 0 -> TP 2, FP 1, FN 2, TN 1.
    LabelMetrics m = labelMetrics(l, 0.5);
    QCOMPARE(m.truePositives, 2L);
    QCOMPARE(m.falsePositives, 1L);
    QCOMPARE(m.falseNegatives, 2L);
    QCOMPARE(m.trueNegatives, 1L);
    LB_COMPARE_NEAR(m.accuracy, 3.0 / 6, 1e-12);
    LB_COMPARE_NEAR(m.precision, 2.0 / 3, 1e-12);
    LB_COMPARE_NEAR(m.recall, 2.0 / 4, 1e-12);
    LB_COMPARE_NEAR(m.f1, 4.0 / 7, 1e-12);
    // At 0.1 everything is predicted: TP 4, FP 2.
    m = labelMetrics(l, 0.1);
    LB_COMPARE_NEAR(m.precision, 4.0 / 6, 1e-12);
    LB_COMPARE_NEAR(m.recall, 1.0, 1e-12);
    LB_COMPARE_NEAR(m.f1, 0.8, 1e-12);
    // At 0.95 nothing is: precision, recall and F1 are 0, not NaN.
    m = labelMetrics(l, 0.95);
    QCOMPARE(m.precision, 0.0);
    QCOMPARE(m.f1, 0.0);
    LB_COMPARE_NEAR(m.accuracy, 2.0 / 6, 1e-12);

    // accuracy_multi: every (item, label) pair counts once.
    MultiLabelReport r;
    r.labels = {l, label({0.1f, 0.8f, 0.3f, 0.6f, 0.2f, 0.9f}, {0, 1, 0, 0, 0, 1})};
    QCOMPARE(r.items(), 6L);
    // Second label at 0.5: predicted 0 1 0 1 0 1 -> 5 of 6 right. First: 3 of 6.
    LB_COMPARE_NEAR(accuracyMulti(r, 0.5), 8.0 / 12, 1e-12);
  }

  void bestThresholdsAgreeWithBruteForce() {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(0, 1);
    MultiLabelReport r;
    for (int c = 0; c < 4; ++c) {
      std::vector<float> p;
      std::vector<std::uint8_t> t;
      for (int i = 0; i < 200; ++i) {
        t.push_back(u(rng) < 0.3 ? 1 : 0);
        p.push_back(std::clamp(t.back() ? 0.35f + 0.6f * u(rng) : 0.6f * u(rng), 0.f, 1.f));
      }
      r.labels.push_back(label(p, t));
    }
    const auto grid = thresholdGrid();
    QCOMPARE(int(grid.size()), 19);
    QCOMPARE(grid.front(), 0.05);
    QCOMPARE(grid.back(), 0.95);
    for (const LabelScores& l : r.labels) {
      double best = -1, bestT = 0;
      for (int k = 1; k <= 19; ++k)
        if (f1ByHand(l, k / 20.0) > best + 1e-12) best = f1ByHand(l, k / 20.0), bestT = k / 20.0;
      LB_COMPARE_NEAR(bestLabelThreshold(l), bestT, 1e-12);
    }
    double best = -1, bestT = 0;
    for (int k = 1; k <= 19; ++k) {
      double right = 0;
      for (const LabelScores& l : r.labels)
        for (std::size_t i = 0; i < l.targets.size(); ++i)
          right += (l.probabilities[i] > k / 20.0) == bool(l.targets[i]);
      if (right / 800 > best + 1e-12) best = right / 800, bestT = k / 20.0;
    }
    LB_COMPARE_NEAR(bestThreshold(r), bestT, 1e-12);
    LB_COMPARE_NEAR(accuracyMulti(r, bestT), best, 1e-12);
  }

  void regressionReportByHand() {
    const std::vector<double> pred{1, 2, 5, 4, 7}, actual{1, 3, 3, 5, 4};
    const RegressionReport r = regressionReport(pred, actual, 3);
    // Residuals 0, -1, 2, -1, 3; mean actual 3.2.
    LB_COMPARE_NEAR(r.mae, 7.0 / 5, 1e-12);
    LB_COMPARE_NEAR(r.rmse, std::sqrt(15.0 / 5), 1e-12);
    const double ssTot = 2.2 * 2.2 + 0.2 * 0.2 + 0.2 * 0.2 + 1.8 * 1.8 + 0.8 * 0.8;
    LB_COMPARE_NEAR(r.r2, 1 - 15.0 / ssTot, 1e-12);
    QCOMPARE(int(r.worst.size()), 3);
    QCOMPARE(r.worst[0].index, 4L);
    QCOMPARE(r.worst[1].index, 2L);
    QCOMPARE(r.worst[2].index, 1L);  // ties (items 1 and 3): the lower index first
    QCOMPARE(r.worst[2].residual(), -1.0);
    QCOMPARE(int(regressionReport(pred, actual, 99).worst.size()), 5);
    // Constant actual values: R² is 1 for a perfect fit, else 0 (sklearn's convention).
    QCOMPARE(regressionReport({2, 2}, {2, 2}, 0).r2, 1.0);
    QCOMPARE(regressionReport({1, 2}, {2, 2}, 0).r2, 0.0);
    QVERIFY_THROWS_EXCEPTION(Error, regressionReport({1}, {1, 2}, 1));
  }

  void multiLabelProjectInterprets() {
    QTemporaryDir dir;
    const Project p = csvProject(dir.path().toStdString(), TargetKind::MultiCategory);
    BuiltLearner built = buildLearner(p);
    built.learner->fitOneCycle(1, OneCycleOptions{}.setLrMax(1e-2));
    const Interpretation in =
        interpretLearner(*built.learner, built.classes, 9, {}, TargetKind::MultiCategory,
                         built.data.stats);
    QCOMPARE(in.target, TargetKind::MultiCategory);
    const long valid = long(built.learner->validLoader().items());
    QCOMPARE(in.validItems, valid);
    QVERIFY(in.topLosses.empty() && in.confusion.counts.empty());
    QCOMPARE(int(in.multiLabel.labels.size()), 12);  // 10 classes + clothing + footwear
    long pairs = 0;
    for (std::size_t c = 0; c < in.multiLabel.labels.size(); ++c) {
      const LabelScores& l = in.multiLabel.labels[c];
      QCOMPARE(l.name, built.classes[c]);
      QCOMPARE(long(l.probabilities.size()), valid);
      QCOMPARE(long(l.targets.size()), valid);
      QCOMPARE(l.support, long(std::count(l.targets.begin(), l.targets.end(), 1)));
      for (float q : l.probabilities) QVERIFY(q >= 0 && q <= 1);
      pairs += l.support;
    }
    QCOMPARE(pairs, 2 * valid);  // every item carries exactly two labels
    // The same accuracy_multi as training reported for the epoch, from the same model.
    const auto& epoch = built.learner->recorder().epochs.back();
    QCOMPARE(built.learner->recorder().metricNames.front(), std::string("accuracy_multi"));
    LB_COMPARE_NEAR(accuracyMulti(in.multiLabel, 0.5), epoch.metrics.front(), 1e-6);
    QVERIFY2(accuracyMulti(in.multiLabel, 0.5) > 0.85, "one epoch learns most labels");

    QTemporaryDir out;
    const fs::path csv = fs::path(out.path().toStdString()) / "per_label.csv";
    const fs::path png = fs::path(out.path().toStdString()) / "per_label.png";
    writePerLabelCsv(in.multiLabel, 0.5, csv);
    writePerLabelPlot(in.multiLabel, 0.5, png);
    QVERIFY(!cv::imread(png.string()).empty());
    std::ifstream f(csv);
    std::string line;
    std::getline(f, line);
    QCOMPARE(line, std::string("label,support,accuracy,precision,recall,f1,best_threshold"));
    int rows = 0;
    while (std::getline(f, line)) ++rows;
    QCOMPARE(rows, 12);
  }

  void regressionProjectInterprets() {
    QTemporaryDir dir;
    const Project p = csvProject(dir.path().toStdString(), TargetKind::Regression);
    BuiltLearner built = buildLearner(p);
    built.learner->fitOneCycle(2, OneCycleOptions{}.setLrMax(1e-2));
    const Interpretation in =
        interpretLearner(*built.learner, built.classes, 6, {}, TargetKind::Regression,
                         built.data.stats);
    QCOMPARE(in.target, TargetKind::Regression);
    const RegressionReport& r = in.regression;
    const long valid = long(built.learner->validLoader().items());
    QCOMPARE(in.validItems, valid);
    QCOMPARE(long(r.predicted.size()), valid);
    QCOMPARE(long(r.actual.size()), valid);
    for (double a : r.actual) QVERIFY(a == std::round(a) && a >= 0 && a <= 9);  // class numbers
    // MAE as training reported it; R² from its formula.
    const auto& epoch = built.learner->recorder().epochs.back();
    LB_COMPARE_NEAR(r.mae, epoch.metrics.front(), 1e-4);
    double mean = 0, ssRes = 0, ssTot = 0;
    for (double a : r.actual) mean += a / double(valid);
    for (long i = 0; i < valid; ++i) {
      ssRes += std::pow(r.predicted[std::size_t(i)] - r.actual[std::size_t(i)], 2);
      ssTot += std::pow(r.actual[std::size_t(i)] - mean, 2);
    }
    LB_COMPARE_NEAR(r.r2, 1 - ssRes / ssTot, 1e-9);
    LB_COMPARE_NEAR(r.rmse * r.rmse, epoch.validLoss, 1e-3);  // MSE is the loss
    QVERIFY2(r.r2 > 0.3, "two epochs learn something of the class number");
    // The 6 worst, largest first, each the largest among those after it and all the rest.
    QCOMPARE(int(r.worst.size()), 6);
    QCOMPARE(int(r.images.size()), 6);
    double smallestShown = INFINITY;
    for (const Residual& w : r.worst) {
      QVERIFY(std::abs(w.residual()) <= smallestShown);
      smallestShown = std::abs(w.residual());
      QCOMPARE(w.predicted, r.predicted[std::size_t(w.index)]);
      QCOMPARE(w.actual, r.actual[std::size_t(w.index)]);
    }
    for (long i = 0; i < valid; ++i)
      QVERIFY(std::abs(r.predicted[std::size_t(i)] - r.actual[std::size_t(i)]) <=
              std::abs(r.worst.front().residual()));
    QCOMPARE(r.images.front().width, 28);
    QCOMPARE(r.images.front().channels, 1);
    // Each image is its file's own pixels, fetched through the loader and un-normalised.
    const cv::Mat file = cv::imread(
        (fs::path(p.data.csv.folder) / built.data.validNames[std::size_t(r.worst.front().index)])
            .string(),
        cv::IMREAD_GRAYSCALE);
    QVERIFY(!file.empty() && file.isContinuous());
    QVERIFY(std::equal(r.images.front().pixels.begin(), r.images.front().pixels.end(), file.data));

    QTemporaryDir out;
    const fs::path root = out.path().toStdString();
    writeRegressionScatterPlot(r, root / "scatter.png");
    writeWorstResidualsPlot(r, root / "worst.png");
    writePredictionsCsv(in, root / "predictions.csv");
    QVERIFY(!cv::imread((root / "scatter.png").string()).empty());
    QVERIFY(!cv::imread((root / "worst.png").string()).empty());
    std::ifstream f(root / "predictions.csv");
    std::string line;
    std::getline(f, line);
    QCOMPARE(line, std::string("index,name,actual,predicted,residual"));
    long rows = 0;
    double previous = INFINITY;
    while (std::getline(f, line)) {
      const double residual = std::stod(line.substr(line.rfind(',') + 1));
      QVERIFY(std::abs(residual) <= previous + 1e-6);
      previous = std::abs(residual);
      ++rows;
    }
    QCOMPARE(rows, valid);
  }

  void experimentInterpretsEveryTarget() {
    QTemporaryDir dir;
    Project p = csvProject(dir.path().toStdString(), TargetKind::Regression);
    Experiment experiment(p);  // untrained: the shapes are what this checks
    const Interpretation in = experiment.interpret(4);
    QCOMPARE(in.target, TargetKind::Regression);
    QCOMPARE(in.validItems, long(experiment.validItems()));
    QCOMPARE(int(in.regression.worst.size()), 4);
    QCOMPARE(long(in.validNames.size()), in.validItems);  // for predictions.csv's names
  }
};

QTEST_APPLESS_MAIN(TestTargetInterpret)
#include "tst_target_interpret.moc"
