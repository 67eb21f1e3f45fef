#include "engine/data/tensor_loader.h"

#include "engine/util/error.h"

namespace lb {

Normalization measureNormalization(const torch::Tensor& images) {
  auto x = images.to(torch::kFloat).div_(255.0f);
  auto mean = x.mean({0, 2, 3});
  auto std = x.std({0, 2, 3}).add_(1e-7f);
  Normalization stats;
  for (int c = 0; c < mean.size(0); ++c) {
    stats.mean.push_back(mean[c].item<float>());
    stats.std.push_back(std[c].item<float>());
  }
  return stats;
}

Normalization imagenetNormalization(int channels) {
  if (channels == 3) return {{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
  return {std::vector<float>(channels, 0.449f), std::vector<float>(channels, 0.226f)};
}

torch::Tensor normalizeImages(const torch::Tensor& images, const Normalization& stats) {
  const auto channels = images.size(1);
  auto mean = torch::tensor(stats.mean).view({1, channels, 1, 1});
  auto std = torch::tensor(stats.std).view({1, channels, 1, 1});
  return images.to(torch::kFloat).div_(255.0f).sub_(mean).div_(std).contiguous();
}

TensorLoader::TensorLoader(torch::Tensor x, torch::Tensor y, int batchSize, bool shuffle,
                           std::uint64_t seed)
    : m_x(std::move(x)), m_y(std::move(y)), m_batchSize(batchSize), m_shuffle(shuffle),
      m_seed(seed) {
  if (batchSize < 1) throw Error("The batch size must be at least 1.");
  if (m_x.size(0) != m_y.size(0))
    throw Error("The data set has a different number of inputs and targets.");
  m_order = torch::arange(m_x.size(0), torch::kLong);
}

int TensorLoader::batches() const {
  const auto n = items();
  // Training drops the last partial batch, so every step sees a full batch (fastai's drop_last).
  return static_cast<int>(m_shuffle ? n / m_batchSize : (n + m_batchSize - 1) / m_batchSize);
}

void TensorLoader::startEpoch(int epoch) {
  if (!m_shuffle) return;
  auto gen = at::detail::createCPUGenerator(m_seed * 1000003ULL + static_cast<std::uint64_t>(epoch));
  m_order = torch::randperm(items(), gen, torch::kLong).to(m_x.device());
}

Batch TensorLoader::batch(int index) {
  const auto start = static_cast<std::int64_t>(index) * m_batchSize;
  const auto end = std::min<std::int64_t>(start + m_batchSize, items());
  auto idx = m_order.slice(0, start, end);
  if (!m_shuffle) return {m_x.slice(0, start, end), m_y.slice(0, start, end)};
  return {m_x.index_select(0, idx), m_y.index_select(0, idx)};
}

Batch TensorLoader::itemsAt(const std::vector<std::int64_t>& positions) {
  checkPositions(positions);
  const auto where = torch::tensor(positions, torch::kLong).to(m_order.device());
  const auto idx = m_shuffle ? m_order.index_select(0, where) : where;
  return {m_x.index_select(0, idx), m_y.index_select(0, idx)};
}

void TensorLoader::to(torch::Device device) {
  m_x = m_x.to(device);
  m_y = m_y.to(device);
  m_order = m_order.to(device);
}

}  // namespace lb
