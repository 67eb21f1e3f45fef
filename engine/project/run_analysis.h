#pragma once
// What the Runs page and the Inspect page make of stored runs (engine/project/run_store.h):
// runs that differ only by their seed grouped into a mean curve with a band, a run's validation
// images by their position in its predictions (to show a comparison image by image), a run's
// settings with one setting changed (Branch), and whether the project's data block is still the
// one its last model trained on.
#include <optional>
#include <string>
#include <vector>

#include "engine/data/validation_samples.h"
#include "engine/project/run_store.h"

namespace lb {

// Runs with the same settings but for train.seed, as groups of indices into `runs`: each group
// oldest first, the groups in the order of their first run; a run alone is a group of one.
std::vector<std::vector<int>> seedGroups(const std::vector<StoredRun>& runs);

// The mean, lowest and highest of several curves point by point, over the length all of them
// have (a run stopped early shortens the band). Empty when `curves` is.
struct CurveBand {
  std::vector<double> mean, low, high;
};
CurveBand curveBand(const std::vector<std::vector<double>>& curves);

// fastai's debiased moving average of the batches' losses at `beta` (its recorder: 0.98).
std::vector<double> smoothedLosses(const std::vector<StoredBatch>& batches, double beta);

// The validation images at `positions` (indices into the run's stored predictions) of the data
// block `run` trained on, its relative paths read against `project`'s folder. Throws lb::Error
// when the data no longer loads, or no longer holds the images the run was validated on (an
// image at a position has another label than the run stored).
std::vector<ValidationSample> runValidationImages(const Project& project, const StoredRun& run,
                                                  const std::vector<long>& positions);

// Branch: `project` with `parent`'s data block, model and training settings, and one of them
// changed: `path` as flatSettings names it ("train.lr") set to `value` as text ("0.003"). The
// file, name and run history stay the project's. Throws lb::Error when the run has no such
// setting or the value does not fit it (the project reader's sentence).
Project branchSettings(const Project& project, const StoredRun& parent, const std::string& path,
                       const std::string& value);

// The run whose model is the project's last checkpoint: the run that kept the same file, else
// the latest run that kept a checkpoint; none when no run did.
std::optional<StoredRun> checkpointRun(const Project& project);

// When the project's data block differs from the one the last checkpoint's run trained on in
// what decides the validation images and their labels (source, files, split, labels, target):
// a sentence naming the run and what changed, so results are not silently scored on other
// images; "" when it is the same (or no run is known).
std::string dataBlockChangeSinceCheckpoint(const Project& project);

}  // namespace lb
