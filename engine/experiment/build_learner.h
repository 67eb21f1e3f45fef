#pragma once
// Builds the Learner a Project describes: the data block's loaders, the model split into body
// and head groups, and the loss and metric of the target (cross-entropy and accuracy for
// categories, BCE and accuracy_multi for multi-label, MSE and MAE for regression).
// The one place this wiring lives; Experiment, the tests and the benchmarks use it.
// With model.pretrained set (and loadPretrained), the body's weights come from that file
// (engine/models/transfer.h); export and others that load a checkpoint next skip it.
// Throws lb::Error when the data cannot be loaded or the settings do not fit.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/data/data_loaders.h"
#include "engine/project/project.h"
#include "engine/train/distributed.h"
#include "engine/train/learner.h"

namespace lb {

struct BuiltLearner {
  std::unique_ptr<Learner> learner;
  std::vector<std::string> classes;
  DataLoaders data;
  std::size_t pretrainedTensors = 0;  // body tensors copied from model.pretrained; 0 = none
};

// model.pretrained made absolute against the project's folder; empty when unset.
std::filesystem::path pretrainedPath(const Project& project);

BuiltLearner buildLearner(const Project& project, bool loadPretrained = true);

// The metric each target is judged by, as fastai's defaults: accuracy, accuracy_multi, mae.
std::shared_ptr<Metric> targetMetric(TargetKind target);
std::string targetMetricName(TargetKind target);

// The two halves of buildLearner: the data block's loaders on the device, then the model, loss
// and Learner over them (a model that does not fit the data throws here, not in the first).
// With `group` (one rank of several) and train.syncBatchNorm, the model's BatchNorm layers are
// SyncBatchNorm over the group (engine/train/sync_batch_norm.h).
DataLoaders buildProjectData(const Project& project);
BuiltLearner buildLearnerOn(const Project& project, DataLoaders data, bool loadPretrained = true,
                            const std::shared_ptr<DistributedGroup>& group = nullptr);

}  // namespace lb
