#include "engine/train/metrics.h"

#include <torch/nn/functional/loss.h>

namespace lb {

void Accuracy::accumulate(const torch::Tensor& pred, const torch::Tensor& target) {
  m_correct += pred.argmax(1).eq(target).sum().item<int64_t>();
  m_total += target.size(0);
}

torch::Tensor crossEntropyLoss(const torch::Tensor& pred, const torch::Tensor& target) {
  return torch::nn::functional::cross_entropy(pred, target);
}

}  // namespace lb
