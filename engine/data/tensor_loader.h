#pragma once
// TensorLoader: batches from a data set already in memory as tensors. Images are converted to
// float and normalised once; a batch is then one index_select of a permutation drawn from the
// seed and the epoch, so runs repeat exactly. Training loaders shuffle and drop the last partial
// batch (as fastai does); validation loaders keep order and every item.
#include <torch/types.h>

#include <cstdint>

namespace lb {

struct Batch {
  torch::Tensor x;
  torch::Tensor y;
};

struct Normalization {
  std::vector<float> mean;  // per channel, on the 0..1 scale
  std::vector<float> std;
};

// Mean and standard deviation per channel of uint8 images [N, C, H, W], on the 0..1 scale.
Normalization measureNormalization(const torch::Tensor& images);

// uint8 [N, C, H, W] -> float, (x / 255 - mean) / std.
torch::Tensor normalizeImages(const torch::Tensor& images, const Normalization& stats);

class TensorLoader {
 public:
  TensorLoader(torch::Tensor x, torch::Tensor y, int batchSize, bool shuffle, std::uint64_t seed);

  std::int64_t items() const { return m_x.size(0); }
  int batches() const;
  int batchSize() const { return m_batchSize; }
  // Draws the order for `epoch` (a no-op for loaders that keep order).
  void startEpoch(int epoch);
  Batch batch(int index) const;
  void to(torch::Device device);

 private:
  torch::Tensor m_x, m_y, m_order;
  int m_batchSize;
  bool m_shuffle;
  std::uint64_t m_seed;
};

}  // namespace lb
