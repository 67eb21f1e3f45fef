#pragma once
// Builds the Learner a Project describes: Fashion-MNIST loaders (normalised with the training
// set's statistics), the simple CNN split into body and head groups, cross-entropy, accuracy.
// The one place this wiring lives; Experiment, the tests and the benchmarks use it.
// Throws lb::Error when the data cannot be loaded or the settings do not fit.
#include <memory>
#include <string>
#include <vector>

#include "engine/project/project.h"
#include "engine/train/learner.h"

namespace lb {

struct BuiltLearner {
  std::unique_ptr<Learner> learner;
  std::vector<std::string> classes;
};

BuiltLearner buildLearner(const Project& project);

}  // namespace lb
