#pragma once
// The device the engine trains on: CUDA when LibTorch sees a GPU, else the CPU.
#include <torch/types.h>

namespace lb {

torch::Device defaultDevice();

}  // namespace lb
