#pragma once
// Builds the Learner a Project describes: the data block's loaders, the model split into body
// and head groups, and the loss and metric of the target (cross-entropy and accuracy for
// categories, BCE and accuracy_multi for multi-label, MSE and MAE for regression).
// The one place this wiring lives; Experiment, the tests and the benchmarks use it.
// Throws lb::Error when the data cannot be loaded or the settings do not fit.
#include <memory>
#include <string>
#include <vector>

#include "engine/data/data_loaders.h"
#include "engine/project/project.h"
#include "engine/train/learner.h"

namespace lb {

struct BuiltLearner {
  std::unique_ptr<Learner> learner;
  std::vector<std::string> classes;
  DataLoaders data;
};

BuiltLearner buildLearner(const Project& project);

}  // namespace lb
