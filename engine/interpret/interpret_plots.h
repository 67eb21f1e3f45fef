#pragma once
// Files from an interpretation, for the CLI and the GUI (FASTAI_NOTES.md "Interpretation",
// UI.md "Images"): the top losses as a grid of enlarged images (optionally with Grad-CAM
// overlaid), the confusion matrix as a coloured table, and the same numbers as CSV. Every file
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

}  // namespace lb
