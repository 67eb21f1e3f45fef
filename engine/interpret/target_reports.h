#pragma once
// The numbers of the multi-label and regression views, from an Interpretation's reports, free of
// torch and Qt so the GUI recomputes them live (a threshold slider) and the CLI writes the same.
// Multi-label follows fastai's accuracy_multi: an item carries a label when its probability
// (the sigmoid of its score) is strictly above the threshold.
#include <vector>

#include "engine/interpret/interpret_types.h"

namespace lb {

// One label's counts and scores at a threshold. Precision (recall) is 0 when nothing is
// predicted (actually) positive, and F1 is 0 when both are 0, as sklearn's zero_division=0.
struct LabelMetrics {
  long truePositives = 0, falsePositives = 0, falseNegatives = 0, trueNegatives = 0;
  double accuracy = 0, precision = 0, recall = 0, f1 = 0;
};

LabelMetrics labelMetrics(const LabelScores& label, double threshold);
// fastai's accuracy_multi: the share of (item, label) pairs where (p > threshold) == target.
double accuracyMulti(const MultiLabelReport& report, double threshold);

// The thresholds searched for the best ones: 0.05, 0.10, ..., 0.95.
std::vector<double> thresholdGrid();
// The threshold of the grid with the highest F1 for this label (the lowest such on ties).
double bestLabelThreshold(const LabelScores& label);
// The threshold of the grid with the highest accuracy_multi over all labels (lowest on ties).
double bestThreshold(const MultiLabelReport& report);

// MAE, RMSE, R² of `predicted` against `actual` and the k largest |residuals|, largest first
// (ties: lower index first); images are left empty. R² = 1 - SS_res / SS_tot, and when every
// actual value is the same (SS_tot = 0): 1 for a perfect fit, else 0, as sklearn's r2_score.
// Throws lb::Error when the lengths differ or k < 0.
RegressionReport regressionReport(std::vector<double> predicted, std::vector<double> actual, int k);

}  // namespace lb
