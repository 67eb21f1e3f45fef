#pragma once
// Files from an interpretation, for the CLI and the GUI (FASTAI_NOTES.md "Interpretation",
// UI.md "Images"): the top losses as a grid of enlarged images (optionally with Grad-CAM
// overlaid), the confusion matrix as a coloured table, and the same numbers as CSV; per-label
// scores for multi-label projects, and predicted against actual for regression. Every file
// is written to a temporary name beside the target and renamed, so a failure never leaves a
// half-written file. Torch-free. Throws lb::Error with a sentence when a file cannot be written.
#include <filesystem>
#include <string>
#include <vector>

#include "engine/interpret/interpret_types.h"

namespace lb {

// A grid of the top losses, largest first, about ceil(sqrt(k)) columns: each image enlarged to
// about 140 px by whole-pixel steps (never stretched), "pred: X / actual: Y" and
// "loss 4.21 · p 0.93" under it, wrong predictions framed in vermillion with a cross badge,
// right ones in blue with a tick. With `gradCam`, each image carries its Grad-CAM map as a
// semi-transparent inferno overlay, with a legend bar of the colour scale.
void writeTopLossesPlot(const Interpretation& interp, const std::filesystem::path& png,
                        bool gradCam = false);

// The counts in each cell, cells coloured by their share of the actual class (row), class names
// on both axes, "actual" down the side and "predicted" along the bottom.
void writeConfusionMatrixPlot(const Confusion& confusion, const std::vector<std::string>& classes,
                              const std::filesystem::path& png);

// index,actual,predicted,loss,probability; largest loss first; class names.
void writeTopLossesCsv(const Interpretation& interp, const std::filesystem::path& csv);
// "actual\predicted", then the class names; one row per actual class with its counts.
void writeConfusionCsv(const Confusion& confusion, const std::vector<std::string>& classes,
                       const std::filesystem::path& csv);
// actual,predicted,count; largest count first.
void writeMostConfusedCsv(const std::vector<ConfusedPair>& pairs,
                          const std::vector<std::string>& classes, const std::filesystem::path& csv);

// Multi-label (target_reports.h for the numbers): one row per label with its support, accuracy,
// precision, recall and F1 at `threshold`, and the threshold with its best F1.
// label,support,accuracy,precision,recall,f1,best_threshold
void writePerLabelCsv(const MultiLabelReport& report, double threshold,
                      const std::filesystem::path& csv);
// A bar of F1 per label at `threshold` with the other numbers beside it; accuracy_multi and the
// best overall threshold in the title.
void writePerLabelPlot(const MultiLabelReport& report, double threshold,
                       const std::filesystem::path& png);

// Regression: every validation item, largest |residual| first (ties: lower index first);
// residual = predicted - actual; name empty when unknown. index,name,actual,predicted,residual
void writePredictionsCsv(const Interpretation& interp, const std::filesystem::path& csv);
// Predicted (y) against actual (x) on equal axes with the y = x line; MAE, RMSE and R² in the
// title; the worst residuals ringed.
void writeRegressionScatterPlot(const RegressionReport& report, const std::filesystem::path& png);
// The worst residuals as a grid of images, "pred 3.20 / actual 7.00" and the residual under each.
void writeWorstResidualsPlot(const RegressionReport& report, const std::filesystem::path& png);

}  // namespace lb
