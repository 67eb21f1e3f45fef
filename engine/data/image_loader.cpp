#include "engine/data/image_loader.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <string>
#include <unordered_map>

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
  if (m_cache) {
    cv::Mat kept = m_cache->get(std::size_t(item));
    if (!kept.empty()) return kept;
  }
  if (m_memory.defined()) {
    auto image = m_memory[item].permute({1, 2, 0}).contiguous();  // CHW -> HWC
    const int type = m_channels == 1 ? CV_8UC1 : CV_8UC3;
    return cv::Mat(int(image.size(0)), int(image.size(1)), type, image.data_ptr()).clone();
  }
  cv::Mat image = readImage(m_items.files[item], m_channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
  if (m_channels == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
  // The first epoch fills the cache as it streams; nothing below changes a decoded image.
  if (m_cache) m_cache->offer(std::size_t(item), image);
  return image;
}

void ImagePipeline::useCache(std::size_t budgetBytes, const DecodeCache* checked,
                             const std::vector<std::filesystem::path>& checkedFiles) {
  auto cache = std::make_unique<DecodeCache>(m_items.size(), budgetBytes);
  if (checked && checked->kept() > 0) {
    std::unordered_map<std::string, std::size_t> where;
    for (std::size_t k = 0; k < checkedFiles.size(); ++k) where.emplace(checkedFiles[k].string(), k);
    for (std::size_t i = 0; i < m_items.files.size(); ++i) {
      const auto found = where.find(m_items.files[i].string());
      if (found == where.end()) continue;
      const cv::Mat raw = checked->get(found->second);
      // The check's raw decode (keptByCheck: 8-bit grey or BGR) as decode() gives it: grey
      // stays grey or is expanded; colour for a grey block is left to decode (libpng's own
      // conversion to grey rounds differently from OpenCV's).
      if (raw.empty() || (m_channels == 1 && raw.channels() != 1)) continue;
      cv::Mat image = raw;
      if (m_channels == 3)
        cv::cvtColor(raw, image, raw.channels() == 1 ? cv::COLOR_GRAY2RGB : cv::COLOR_BGR2RGB);
      cache->offer(i, image);
    }
  }
  m_cache = std::move(cache);
}

bool ImagePipeline::holds(const std::vector<int>& split) const {
  if (m_memory.defined()) return true;
  if (!m_cache) return false;
  return std::all_of(split.begin(), split.end(),
                     [&](int item) { return !m_cache->get(std::size_t(item)).empty(); });
}

bool ImagePipeline::plain() const {
  return !m_spec.resize.active() && !m_spec.randomResizedCrop.enabled && !m_spec.augment.enabled;
}

cv::Mat ImagePipeline::transform(const cv::Mat& image, bool train, std::uint64_t seed,
                                 cv::Size shape) const {
  ResizeOptions size = m_spec.resize;
  if (!shape.empty()) {
    size.width = shape.width;
    size.height = shape.height;
  }
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
                            std::uint64_t seed, cv::Size size) const {
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
  cv::Mat image = transform(decoded, train, seed, size);
  // The batch transforms run per item here, on the 8-bit image (fast in OpenCV on a CPU).
  if (train && m_spec.augment.enabled)
    image = augmentImage(image, m_spec.augment, mixSeed(seed, 0xA06, 0));
  return image;
}

torch::Tensor ImagePipeline::collate(const std::vector<cv::Mat>& images) const {
  const cv::Mat& first = images.front();
  // Straight into [N, C, H, W]: one copy per image (colour split into its planes on the way).
  auto out = torch::empty({std::int64_t(images.size()), m_channels, first.rows, first.cols},
                          torch::kByte);
  const std::size_t plane = std::size_t(first.rows) * first.cols;
  auto* dst = out.data_ptr<std::uint8_t>();
  for (std::size_t i = 0; i < images.size(); ++i) {
    const cv::Mat& m = images[i];
    if (m.rows != first.rows || m.cols != first.cols)
      throw DataBlockError(DataStep::ItemTransforms,
                           "The images differ in size (" + std::to_string(first.cols) + "x" +
                               std::to_string(first.rows) + " and " + std::to_string(m.cols) +
                               "x" + std::to_string(m.rows) +
                               "): choose a Resize in Item transforms so every item has one size.");
    std::uint8_t* item = dst + i * plane * m_channels;
    if (m_channels == 1) {
      m.copyTo(cv::Mat(first.rows, first.cols, CV_8UC1, item));
    } else {  // mixChannels writes into the planes given (split might reallocate them)
      std::vector<cv::Mat> planes;
      std::vector<int> fromTo;
      for (int c = 0; c < m_channels; ++c) {
        planes.emplace_back(first.rows, first.cols, CV_8UC1, item + c * plane);
        fromTo.insert(fromTo.end(), {c, c});
      }
      cv::mixChannels(&m, 1, planes.data(), planes.size(), fromTo.data(), planes.size());
    }
  }
  return out;
}

torch::Tensor ImagePipeline::finish(const torch::Tensor& images) const {
  // (x / 255 - mean) / std as x * scale + shift per channel, in one pass over the batch.
  const auto u8 = images.contiguous();
  const std::int64_t n = u8.size(0), channels = u8.size(1), plane = u8.size(2) * u8.size(3);
  auto out = torch::empty(u8.sizes(), torch::kFloat);
  const std::uint8_t* src = u8.data_ptr<std::uint8_t>();
  float* dst = out.data_ptr<float>();
  for (std::int64_t i = 0; i < n * channels; ++i) {
    const auto c = std::size_t(i % channels);
    const float scale = 1.0f / (255.0f * m_stats.std[c]);
    const float shift = -m_stats.mean[c] / m_stats.std[c];
    const std::uint8_t* s = src + i * plane;
    float* d = dst + i * plane;
    for (std::int64_t k = 0; k < plane; ++k) d[k] = float(s[k]) * scale + shift;
  }
  return out;
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

ImageLoader::ImageLoader(std::shared_ptr<const ImagePipeline> pipeline, std::vector<int> split,
                         int batchSize, bool train, std::uint64_t seed, int workers, int prefetch)
    : m_pipeline(std::move(pipeline)), m_split(std::move(split)), m_batchSize(batchSize),
      m_train(train), m_seed(seed), m_prefetch(std::max(1, prefetch)) {
  if (batchSize < 1) throw Error("The batch size must be at least 1.");
  std::vector<int> order(m_split.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = int(i);
  m_order = std::make_shared<const std::vector<int>>(std::move(order));
  m_plan = std::make_shared<const std::vector<AspectBatch>>();
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

void ImageLoader::groupByAspect(std::vector<AspectGroup> groups) {
  std::lock_guard lock(m_mutex);
  m_groups = std::move(groups);
  m_epoch = -1;  // the next batch starts an epoch with the groups
  m_next = m_consumer = batches();
}

int ImageLoader::batches() const {
  if (!m_groups.empty()) return aspectBatches(m_groups, m_batchSize);
  const auto n = items();
  // Training drops the last partial batch, as fastai does; validation keeps every item.
  return int(m_train ? n / m_batchSize : (n + m_batchSize - 1) / m_batchSize);
}

void ImageLoader::startEpoch(int epoch) {
  std::vector<int> order(m_split.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = int(i);
  std::vector<AspectBatch> plan;
  const std::uint64_t seed = mixSeed(m_seed, 0x5EED, std::uint64_t(epoch));
  if (!m_groups.empty()) {
    plan = planAspectEpoch(m_groups, m_batchSize, seed, order, m_train);
  } else if (m_train) {
    std::mt19937_64 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
  }
  std::lock_guard lock(m_mutex);
  m_order = std::make_shared<const std::vector<int>>(std::move(order));
  m_plan = std::make_shared<const std::vector<AspectBatch>>(std::move(plan));
  m_epoch = epoch;
  restartAt(0);
}

void ImageLoader::restartAt(int index) {
  ++m_generation;
  m_ready.clear();
  m_next = m_consumer = index;
  m_changed.notify_all();
}

Batch ImageLoader::makeBatch(const std::vector<int>& order, const std::vector<AspectBatch>& plan,
                             int epoch, int index) const {
  std::size_t start = std::size_t(index) * m_batchSize;
  std::size_t end = std::min(start + m_batchSize, order.size());
  cv::Size size;
  if (!plan.empty()) {
    const AspectBatch& b = plan[std::size_t(index)];
    start = b.start;
    end = b.end;
    size = {b.width, b.height};
  }
  std::vector<std::size_t> positions;
  for (std::size_t p = start; p < end; ++p) positions.push_back(p);
  return makeItems(order, epoch, positions, size);
}

Batch ImageLoader::makeItems(const std::vector<int>& order, int epoch,
                             const std::vector<std::size_t>& positions, cv::Size size) const {
  std::vector<cv::Mat> images;
  std::vector<int> items;
  for (std::size_t p : positions) {
    // Seeded by the position, so an item drawn alone gets the batch's augmentation.
    const auto seed = mixSeed(m_seed, std::uint64_t(epoch), std::uint64_t(p), 1);
    images.push_back(m_pipeline->load(m_split, std::size_t(order[p]), m_train, seed, size));
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
    b = makeBatch(*m_order, *m_plan, m_epoch, index);
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
    const auto plan = m_plan;
    lock.unlock();
    Batch made;
    std::exception_ptr error;
    try {
      made = makeBatch(*order, *plan, epoch, index);
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
