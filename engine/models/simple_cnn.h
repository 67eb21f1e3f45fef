#pragma once
// fastai's simple_cnn idea: a stack of ConvLayers (3x3 conv with stride 2, batch norm, ReLU),
// each halving the image, then average pooling and a linear head. Conv weights are initialised
// with Kaiming normal, as fastai's ConvLayer does.
#include <torch/nn/modules/container/sequential.h>

#include <vector>

namespace lb {

torch::nn::Sequential makeSimpleCnn(int inChannels, int numClasses, const std::vector<int>& channels);

// Index of the first head layer (pooling, flatten, linear) in makeSimpleCnn's Sequential.
std::size_t simpleCnnHeadStart(const std::vector<int>& channels);

long long countParameters(const torch::nn::Module& model);

}  // namespace lb
