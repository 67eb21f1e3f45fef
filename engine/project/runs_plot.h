#pragma once
// The overlay of several runs' curves as a PNG, for `learnbench-cli runs --plot`: each run's
// smoothed training loss per batch (solid) and validation loss per epoch (dots joined, dashed
// look by thinner line) against the epoch, one colour per run in the order given (the window's
// Runs page uses the same order of colours, engine/core/palette.h), with a legend of run labels.
// Written to a temporary name and renamed. Throws lb::Error when it cannot be written or there
// is nothing to draw.
#include <filesystem>
#include <vector>

#include "engine/project/run_store.h"

namespace lb {

// The colour of the k-th run of a comparison, 0xRRGGBB, the same on every view.
std::uint32_t runColour(int k);

// 1100 x 650 px.
void writeRunsPlot(const std::vector<StoredRun>& runs, const std::filesystem::path& png);

}  // namespace lb
