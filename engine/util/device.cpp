#include "engine/util/device.h"

#include <torch/cuda.h>

namespace lb {

torch::Device defaultDevice() {
  return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}

}  // namespace lb
