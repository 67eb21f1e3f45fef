#include "engine/models/simple_cnn.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "engine/util/error.h"

namespace lb {

torch::nn::Sequential makeSimpleCnn(int inChannels, int numClasses,
                                    const std::vector<int>& channels) {
  if (channels.empty()) throw Error("The simple CNN needs at least one conv layer (channels).");
  if (numClasses < 1)  // one output: a regression's value; classes (>= 2) are the data's check
    throw Error("A model needs at least one output: one per class, or one for regression.");
  torch::nn::Sequential model;
  int in = inChannels;
  for (int out : channels) {
    if (out < 1) throw Error("Every conv layer of the simple CNN needs at least one channel.");
    auto conv = torch::nn::Conv2d(
        torch::nn::Conv2dOptions(in, out, 3).stride(2).padding(1).bias(false));
    torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanIn, torch::kReLU);
    model->push_back(conv);
    model->push_back(torch::nn::BatchNorm2d(out));
    model->push_back(torch::nn::ReLU(torch::nn::ReLUOptions().inplace(true)));
    in = out;
  }
  model->push_back(torch::nn::AdaptiveAvgPool2d(torch::nn::AdaptiveAvgPool2dOptions(1)));
  model->push_back(torch::nn::Flatten());
  model->push_back(torch::nn::Linear(in, numClasses));
  return model;
}

std::size_t simpleCnnHeadStart(const std::vector<int>& channels) { return 3 * channels.size(); }

long long countParameters(const torch::nn::Module& model) {
  long long total = 0;
  for (const auto& p : model.parameters()) total += p.numel();
  return total;
}

}  // namespace lb
