#include "engine/train/time_estimate.h"

#include <torch/autograd.h>
#include <torch/cuda.h>
#include <torch/nn/module.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace lb {

namespace {
constexpr double kMeasureBudgetSeconds = 1.0;
}  // namespace

double measureSecondsPerItem(torch::nn::Sequential& model, const ImageShape& input, int batchSize) {
  batchSize = std::max(1, batchSize);
  const auto device = model->parameters().empty() ? torch::Device(torch::kCPU)
                                                  : model->parameters().front().device();
  // Save what a training pass changes, to put it back afterwards.
  std::vector<torch::Tensor> buffers, grads;
  {
    torch::NoGradGuard noGrad;
    for (const auto& b : model->buffers()) buffers.push_back(b.clone());
  }
  for (const auto& p : model->parameters())
    grads.push_back(p.grad().defined() ? p.grad().clone() : torch::Tensor());
  const bool wasTraining = model->is_training();

  model->train();
  const auto x = torch::randn({batchSize, input.channels, input.height, input.width},
                              torch::TensorOptions().device(device));
  // One pass to warm up, then the fastest of up to three: the least disturbed by other programs.
  // A model that takes seconds a batch (a ResNet at 224x224 on a CPU) stops after one timed
  // pass, so opening its project does not hold the worker for half a minute.
  double seconds = 0, spent = 0;
  for (int pass = 0; pass < 4 && !(pass > 1 && spent > kMeasureBudgetSeconds); ++pass) {
    const auto start = std::chrono::steady_clock::now();
    model->forward(x).sum().backward();
    if (device.is_cuda()) torch::cuda::synchronize();
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    spent += took;
    if (pass == 1 || (pass > 1 && took < seconds)) seconds = took;
  }

  model->train(wasTraining);
  torch::NoGradGuard noGrad;
  auto params = model->parameters();
  for (std::size_t i = 0; i < params.size(); ++i) params[i].mutable_grad() = grads[i];
  auto liveBuffers = model->buffers();
  for (std::size_t i = 0; i < liveBuffers.size(); ++i) liveBuffers[i].copy_(buffers[i]);
  return seconds / batchSize;
}

}  // namespace lb
