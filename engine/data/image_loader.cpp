#include "engine/data/image_loader.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>

#include "engine/data/batch_transforms.h"
#include "engine/data/image_file.h"
#include "engine/data/item_transforms.h"
#include "engine/util/runtime.h"

namespace lb {

std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  // splitmix64 over the parts: nearby inputs give unrelated seeds.
  auto mix = [](std::uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  return mix(mix(mix(mix(seed) ^ a) ^ b) ^ c);
}

ImagePipeline::ImagePipeline(const DataBlockSpec& spec, DataItems items, int channels,
                             torch::Tensor memory)
    : m_spec(spec), m_items(std::move(items)), m_channels(channels), m_memory(std::move(memory)) {
  m_stats = {std::vector<float>(channels, 0.0f), std::vector<float>(channels, 1.0f)};
}

cv::Mat ImagePipeline::decode(int item) const {
  if (!m_cache.empty() && !m_cache[item].empty()) return m_cache[item];
  if (m_memory.defined()) {
    auto image = m_memory[item].permute({1, 2, 0}).contiguous();  // CHW -> HWC
    const int type = m_channels == 1 ? CV_8UC1 : CV_8UC3;
    return cv::Mat(int(image.size(0)), int(image.size(1)), type, image.data_ptr()).clone();
  }
  cv::Mat image = readImage(m_items.files[item], m_channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
  if (m_channels == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
  return image;
}

cv::Mat ImagePipeline::transform(const cv::Mat& image, bool train, std::uint64_t seed) const {
  const ResizeOptions& size = m_spec.resize;
  const auto& rrc = m_spec.randomResizedCrop;
  if (rrc.enabled) {
    const int w = size.active() ? size.width : image.cols;
    const int h = size.active() ? size.height : image.rows;
    if (!train) return centerCropResize(image, w, h);
    std::mt19937_64 rng(seed);
    return randomResizedCrop(image, w, h, rrc, rng);
  }
  return size.active() ? resizeImage(image, size) : image;
}

cv::Mat ImagePipeline::load(const std::vector<int>& split, std::size_t position, bool train,
                            std::uint64_t seed) const {
  const int item = split[position % split.size()];
  cv::Mat decoded;
  try {
    decoded = decode(item);
  } catch (const DataBlockError&) {
    throw;
  } catch (const Error& e) {
    // The files were checked when the data was loaded: this one changed since.
    throw Error("The image " + m_items.names[item] + " is " + e.what() +
                ", though it could be read when the data was loaded: restore it, or load the "
                "data again to leave it out.");
  }
  cv::Mat image = transform(decoded, train, seed);
  // The batch transforms run per item here, on the 8-bit image (fast in OpenCV on a CPU).
  if (train && m_spec.augment.enabled)
    image = augmentImage(image, m_spec.augment, mixSeed(seed, 0xA06, 0));
  return image;
}

torch::Tensor ImagePipeline::collate(const std::vector<cv::Mat>& images) const {
  const cv::Mat& first = images.front();
  auto out = torch::empty({std::int64_t(images.size()), first.rows, first.cols, m_channels},
                          torch::kByte);
  const std::size_t bytes = std::size_t(first.rows) * first.cols * m_channels;
  auto* dst = out.data_ptr<std::uint8_t>();
  for (std::size_t i = 0; i < images.size(); ++i) {
    const cv::Mat& m = images[i];
    if (m.rows != first.rows || m.cols != first.cols)
      throw DataBlockError(DataStep::ItemTransforms,
                           "The images differ in size (" + std::to_string(first.cols) + "x" +
                               std::to_string(first.rows) + " and " + std::to_string(m.cols) +
                               "x" + std::to_string(m.rows) +
                               "): choose a Resize in Item transforms so every item has one size.");
    const cv::Mat c = m.isContinuous() ? m : m.clone();
    std::memcpy(dst + i * bytes, c.data, bytes);
  }
  return out.permute({0, 3, 1, 2}).contiguous();
}

torch::Tensor ImagePipeline::finish(const torch::Tensor& images) const {
  auto x = images.to(torch::kFloat).div_(255.0f);
  const auto c = x.size(1);
  auto mean = torch::tensor(m_stats.mean).view({1, c, 1, 1});
  auto std = torch::tensor(m_stats.std).view({1, c, 1, 1});
  return x.sub_(mean).div_(std);
}

torch::Tensor ImagePipeline::targets(const std::vector<int>& items) const {
  const auto n = std::int64_t(items.size());
  switch (m_spec.target) {
    case TargetKind::Category: {
      auto y = torch::empty({n}, torch::kLong);
      auto* p = y.data_ptr<std::int64_t>();
      for (std::int64_t i = 0; i < n; ++i) p[i] = m_items.labels[items[i]].front();
      return y;
    }
    case TargetKind::MultiCategory: {
      auto y = torch::zeros({n, std::int64_t(m_items.vocab.size())}, torch::kFloat);
      auto a = y.accessor<float, 2>();
      for (std::int64_t i = 0; i < n; ++i)
        for (int c : m_items.labels[items[i]]) a[i][c] = 1.0f;
      return y;
    }
    case TargetKind::Regression: {
      auto y = torch::empty({n, 1}, torch::kFloat);
      for (std::int64_t i = 0; i < n; ++i) y[i][0] = m_items.values[items[i]];
      return y;
    }
  }
  return {};
}

void ImagePipeline::fillCache(int threads) {
  std::vector<cv::Mat> cache(m_items.size());
  std::atomic<std::size_t> next{0};
  auto decodeSome = [&] {
    for (std::size_t i; (i = next++) < cache.size();) {
      try {
        cache[i] = decode(int(i));
      } catch (const std::exception&) {
      }  // left empty: decoded again (and named) when a batch needs it
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, threads); ++t) pool.emplace_back(decodeSome);
  decodeSome();
  for (auto& t : pool) t.join();
  m_cache = std::move(cache);
}

ImageLoader::ImageLoader(std::shared_ptr<const ImagePipeline> pipeline, std::vector<int> split,
                         int batchSize, bool train, std::uint64_t seed, int workers, int prefetch)
    : m_pipeline(std::move(pipeline)), m_split(std::move(split)), m_batchSize(batchSize),
      m_train(train), m_seed(seed), m_prefetch(std::max(1, prefetch)) {
  if (batchSize < 1) throw Error("The batch size must be at least 1.");
  std::vector<int> order(m_split.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = int(i);
  m_order = std::make_shared<const std::vector<int>>(std::move(order));
  m_next = batches();  // nothing to make before the first epoch starts
  for (int w = 0; w < workers; ++w) m_workers.emplace_back([this] { work(); });
}

ImageLoader::~ImageLoader() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_changed.notify_all();
  for (auto& t : m_workers) t.join();
}

int ImageLoader::batches() const {
  const auto n = items();
  // Training drops the last partial batch, as fastai does; validation keeps every item.
  return int(m_train ? n / m_batchSize : (n + m_batchSize - 1) / m_batchSize);
}

void ImageLoader::startEpoch(int epoch) {
  std::vector<int> order(m_split.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = int(i);
  if (m_train) {
    std::mt19937_64 rng(mixSeed(m_seed, 0x5EED, std::uint64_t(epoch)));
    std::shuffle(order.begin(), order.end(), rng);
  }
  std::lock_guard lock(m_mutex);
  m_order = std::make_shared<const std::vector<int>>(std::move(order));
  m_epoch = epoch;
  restartAt(0);
}

void ImageLoader::restartAt(int index) {
  ++m_generation;
  m_ready.clear();
  m_next = m_consumer = index;
  m_changed.notify_all();
}

Batch ImageLoader::makeBatch(const std::vector<int>& order, int epoch, int index) const {
  const std::size_t start = std::size_t(index) * m_batchSize;
  const std::size_t end = std::min(start + m_batchSize, order.size());
  std::vector<std::size_t> positions;
  for (std::size_t p = start; p < end; ++p) positions.push_back(p);
  return makeItems(order, epoch, positions);
}

Batch ImageLoader::makeItems(const std::vector<int>& order, int epoch,
                             const std::vector<std::size_t>& positions) const {
  std::vector<cv::Mat> images;
  std::vector<int> items;
  for (std::size_t p : positions) {
    // Seeded by the position, so an item drawn alone gets the batch's augmentation.
    const auto seed = mixSeed(m_seed, std::uint64_t(epoch), std::uint64_t(p), 1);
    images.push_back(m_pipeline->load(m_split, std::size_t(order[p]), m_train, seed));
    items.push_back(m_split[order[p]]);
  }
  return {m_pipeline->finish(m_pipeline->collate(images)), m_pipeline->targets(items)};
}

Batch ImageLoader::itemsAt(const std::vector<std::int64_t>& positions) {
  std::shared_ptr<const std::vector<int>> order;
  int epoch = 0;
  {
    std::lock_guard lock(m_mutex);
    order = m_order;
    epoch = std::max(0, m_epoch);
  }
  checkPositions(positions);
  Batch b = makeItems(*order, epoch, {positions.begin(), positions.end()});
  return {b.x.to(m_device), b.y.to(m_device)};
}

Batch ImageLoader::batch(int index) {
  Batch b;
  if (m_workers.empty()) {
    if (m_epoch < 0) startEpoch(0);
    b = makeBatch(*m_order, m_epoch, index);
  } else {
    std::unique_lock lock(m_mutex);
    if (m_epoch < 0) {
      lock.unlock();
      startEpoch(0);
      lock.lock();
    }
    if (index != m_consumer || m_next < m_consumer) restartAt(index);
    m_changed.wait(lock, [&] { return m_ready.count(index) > 0; });
    auto [made, error] = std::move(m_ready[index]);
    m_ready.erase(index);
    m_consumer = index + 1;
    m_changed.notify_all();
    if (error) std::rethrow_exception(error);
    b = std::move(made);
  }
  return {b.x.to(m_device), b.y.to(m_device)};
}

void ImageLoader::work() {
  useHelperThread();  // the model's threads own the cores
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_changed.wait(lock, [&] {
      return m_stop || (m_next < batches() && m_next < m_consumer + m_prefetch);
    });
    if (m_stop) return;
    const int index = m_next++;
    const int generation = m_generation;
    const int epoch = m_epoch;
    const auto order = m_order;
    lock.unlock();
    Batch made;
    std::exception_ptr error;
    try {
      made = makeBatch(*order, epoch, index);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    if (generation == m_generation) {
      m_ready[index] = {std::move(made), error};
      m_changed.notify_all();
    }
  }
}

}  // namespace lb
