#pragma once
// Builds the network a ModelSpec describes as one torch::nn::Sequential, whose top-level
// entries are what splitBodyHead splits: [0, headStart) is the body (frozen by fine_tune, lower
// learning rates), [headStart, end) the head. Input channels and the class count come from the
// data. ResNets follow torchvision's resnet18/34 exactly (BasicBlock, Kaiming fan_out init,
// BN weight 1 bias 0); layer lists use fastai's Kaiming fan_in init for conv and linear;
// spec.init "pytorch" resets every conv and linear to PyTorch's defaults instead.
// buildModel throws lb::Error with the summary's sentence when the layers do not fit the input.
#include <torch/nn/modules/container/sequential.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "engine/core/image_shape.h"
#include "engine/models/model_spec.h"

namespace lb {

struct BuiltModel {
  torch::nn::Sequential model;
  std::size_t headStart = 0;
};

BuiltModel buildModel(const ModelSpec& spec, const ImageShape& input, int numClasses);

// The walk behind buildModel and summarize: the layers built so far, each top-level entry's
// name and output shape, and the first problem (then the model stops before that layer).
struct ModelWalk {
  torch::nn::Sequential model;
  std::size_t headStart = 0;
  std::vector<std::string> names;
  std::vector<std::vector<long long>> shapes;
  std::string problem;
  int problemLayer = -1;
};

ModelWalk walkModel(const ModelSpec& spec, const ImageShape& input, int numClasses);

// Puts replace(norm) in the place of every BatchNorm1d and BatchNorm2d of a model buildModel
// built (in its Sequentials and residual blocks): training on several processes swaps in
// SyncBatchNorm (engine/train/sync_batch_norm.h). The replacement must take and return one
// tensor and keep the norm's parameter and buffer names; its state is the caller's to copy.
// Returns how many were replaced.
using BatchNormReplacer = std::function<torch::nn::AnyModule(torch::nn::Module& norm)>;
int replaceBatchNorms(torch::nn::Module& model, const BatchNormReplacer& replace);

}  // namespace lb
