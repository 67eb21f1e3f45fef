#pragma once
// SyncBatchNorm: what torch.nn.SyncBatchNorm does, for data-parallel training on several ranks
// (engine/train/distributed.h). In training, every BatchNorm normalises its batch with the mean
// and variance of all ranks' batches together, and updates its running statistics from those
// global figures, so N ranks with batch B normalise as one process with batch N x B and every
// rank's running statistics stay equal. Each layer costs one all-reduce in its forward pass (the
// per-channel sums of x and x^2 and the count, packed) and one in its backward pass (their
// gradients), so every rank must run the same layers in the same order. In evaluation it is the
// plain BatchNorm on the running statistics, with no collective.
// The layers keep torch's parameter and buffer names, so checkpoints and the optimizer's groups
// see a BatchNorm (module->as<torch::nn::BatchNorm2d>() still answers).
// Throws lb::Error (from DistributedGroup) when a rank stops answering.
#include <torch/nn/modules/batchnorm.h>

#include <memory>

#include "engine/train/distributed.h"

namespace lb {

// Every rank's `x` summed, in a way autograd follows: the backward pass sums the incoming
// gradients over the ranks the same way. Every rank must call it with the same shape.
torch::Tensor allreduceSumWithGrad(const torch::Tensor& x, DistributedGroup& group);

// A BatchNorm1d or BatchNorm2d (Base) whose training statistics are the group's.
template <class Base>
class SyncBatchNormImpl : public Base {
 public:
  SyncBatchNormImpl(const torch::nn::BatchNormOptions& options,
                    std::shared_ptr<DistributedGroup> group);
  torch::Tensor forward(const torch::Tensor& input);

 private:
  std::shared_ptr<DistributedGroup> m_group;
};

using SyncBatchNorm1dImpl = SyncBatchNormImpl<torch::nn::BatchNorm1dImpl>;
using SyncBatchNorm2dImpl = SyncBatchNormImpl<torch::nn::BatchNorm2dImpl>;

// Replaces every BatchNorm1d and BatchNorm2d of a model buildModel built
// (engine/models/model_builder.h) with a SyncBatchNorm over `group` holding the same weights and
// running statistics. Call it before the optimizer is made (the parameters are new tensors).
// Returns how many layers it replaced; none for a group of one rank (plain BatchNorm is the same).
int useSyncBatchNorm(torch::nn::Module& model, const std::shared_ptr<DistributedGroup>& group);

}  // namespace lb
