#pragma once
// The value types of fastai's ClassificationInterpretation (FASTAI_NOTES.md, "Interpretation"):
// top losses, the confusion matrix, the most confused pairs, and the images and Grad-CAM maps
// to draw them with. Free of torch and Qt, so the Experiment facade, the CLI and the GUI can hold
// them without compiling LibTorch. Class indices index Interpretation::classes. Multi-label and
// regression projects get their own reports (per-label scores; predicted against actual).
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/core/image8.h"
#include "engine/data/data_block_spec.h"  // TargetKind

namespace lb {

// One validation item among the largest losses.
struct TopLoss {
  long index = 0;            // position in the validation set (its loader keeps order)
  int predicted = 0;         // the class with the highest probability
  int actual = 0;            // the target class
  double loss = 0;           // the item's own cross-entropy
  double probability = 0;    // probability of the predicted class (the maximum)
  bool correct() const { return predicted == actual; }
};

// An off-diagonal cell of the confusion matrix: `count` items of `actual` predicted as `predicted`.
struct ConfusedPair {
  int actual = 0;
  int predicted = 0;
  long count = 0;
};

// counts[actual][predicted], numClasses x numClasses.
struct Confusion {
  std::vector<std::vector<long>> counts;
  long total() const {
    long n = 0;
    for (const auto& row : counts)
      for (long c : row) n += c;
    return n;
  }
  long correct() const {
    long n = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) n += counts[i][i];
    return n;
  }
  double accuracy() const { return total() > 0 ? double(correct()) / double(total()) : 0.0; }
};

// A Grad-CAM map on the image's grid, values in [0, 1], rows top to bottom.
struct HeatMap {
  int width = 0, height = 0;
  std::vector<float> values;  // width * height
};

// Which validation items the top losses are drawn from: class indices, -1 for any. A click on a
// confusion-matrix cell asks for the items of that (actual, predicted) pair.
struct ItemFilter {
  int actual = -1;
  int predicted = -1;
  bool any() const { return actual < 0 && predicted < 0; }
};

// Multi-label: one label's sigmoid probability and 0/1 target for every validation item, in
// order, so a view can recompute its metrics at any threshold without torch (target_reports.h).
struct LabelScores {
  std::string name;
  long support = 0;                    // validation items that carry the label
  std::vector<float> probabilities;    // one per validation item
  std::vector<std::uint8_t> targets;   // one per validation item, 1 when it carries the label
};

struct MultiLabelReport {
  std::vector<LabelScores> labels;
  long items() const { return labels.empty() ? 0 : long(labels.front().targets.size()); }
};

// Regression: one validation item among the largest residuals.
struct Residual {
  long index = 0;  // position in the validation set
  double predicted = 0, actual = 0;
  double residual() const { return predicted - actual; }
};

struct RegressionReport {
  std::vector<double> predicted, actual;  // one per validation item, in order
  double mae = 0, rmse = 0, r2 = 0;
  std::vector<Residual> worst;  // largest |predicted - actual| first
  std::vector<Image8> images;   // one per worst residual
};

// One validation item's outcome, compact (16 bytes), for the run store: the actual and the
// predicted class index (regression: the values; multi-label: -1, labels are not kept), the
// item's loss, and the probability of the predicted class (category only; NaN otherwise).
struct ItemPrediction {
  float actual = 0;
  float predicted = 0;
  float loss = 0;
  float probability = std::numeric_limits<float>::quiet_NaN();
};

// How many of the largest losses every top-losses view shows unless told: fastai's
// plot_top_losses(9), a 3 x 3 grid.
inline constexpr int kDefaultTopLosses = 9;

struct Interpretation {
  std::vector<ItemPrediction> items;  // every validation item, in order
  // Which of the parts below are filled. Top losses, confusion and mostConfused are for
  // categories; multiLabel and regression for theirs.
  TargetKind target = TargetKind::Category;
  std::vector<std::string> classes;
  ItemFilter filter;               // what topLosses were drawn from
  std::vector<TopLoss> topLosses;  // largest loss first
  std::vector<Image8> images;      // one per top loss: the image as it was loaded
  std::vector<HeatMap> gradCams;   // one per top loss: Grad-CAM for its predicted class
  Confusion confusion;
  std::vector<ConfusedPair> mostConfused;  // every off-diagonal pair with count >= 1
  long validItems = 0;
  std::vector<std::string> validNames;  // the validation items' file names, in order, when known
  MultiLabelReport multiLabel;
  RegressionReport regression;
};

}  // namespace lb
