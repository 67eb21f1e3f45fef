#pragma once
// TensorLoader: batches from a data set already in memory as tensors. Images are converted to
// float and normalised once; a batch is then one index_select of a permutation drawn from the
// seed and the epoch, so runs repeat exactly. Training loaders shuffle and drop the last partial
// batch (as fastai does); validation loaders keep order and every item.
#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "engine/data/data_loader.h"

namespace lb {

struct Normalization {
  std::vector<float> mean;  // per channel, on the 0..1 scale
  std::vector<float> std;
};

// Mean and standard deviation per channel of uint8 images [N, C, H, W], on the 0..1 scale.
Normalization measureNormalization(const torch::Tensor& images);

// uint8 [N, C, H, W] -> float, (x / 255 - mean) / std.
torch::Tensor normalizeImages(const torch::Tensor& images, const Normalization& stats);

// ImageNet's statistics, for models pretrained on it (gray images use the channel averages).
Normalization imagenetNormalization(int channels);

class TensorLoader : public DataLoader {
 public:
  TensorLoader(torch::Tensor x, torch::Tensor y, int batchSize, bool shuffle, std::uint64_t seed);

  std::int64_t items() const override { return m_x.size(0); }
  int batches() const override;
  int batchSize() const override { return m_batchSize; }
  void startEpoch(int epoch) override;  // a no-op for loaders that keep order
  Batch batch(int index) override;
  Batch itemsAt(const std::vector<std::int64_t>& positions) override;
  void to(torch::Device device) override;

 private:
  torch::Tensor m_x, m_y, m_order;
  int m_batchSize;
  bool m_shuffle;
  std::uint64_t m_seed;
};

}  // namespace lb
