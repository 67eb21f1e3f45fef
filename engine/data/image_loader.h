#pragma once
// ImagePipeline: how one item of a data block becomes part of a batch — decode (OpenCV, from the
// file or from memory), the item transforms, the batch transforms (training only; fastai runs
// them on the GPU batch, here each worker runs them on its 8-bit images, which on a CPU is many
// times faster), collate and normalisation — with every random draw seeded from (seed, epoch, position), so a batch is the
// same whatever thread makes it. ImageLoader runs the pipeline on worker threads with bounded
// prefetch. Its items are expected to be checked (buildDataLoaders leaves unreadable files out);
// a file that cannot be decoded all the same is an lb::Error naming it, never replaced by another.
#include <opencv2/core/mat.hpp>
#include <torch/types.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "engine/data/aspect_groups.h"
#include "engine/data/data_block.h"
#include "engine/data/data_block_spec.h"
#include "engine/data/data_loader.h"
#include "engine/data/decode_cache.h"
#include "engine/data/tensor_loader.h"

namespace lb {

class ImagePipeline {
 public:
  // `memory`: uint8 [N, C, H, W] images of every item (the built-in example); undefined for
  // file sources. `channels`: 1 or 3.
  ImagePipeline(const DataBlockSpec& spec, DataItems items, int channels,
                torch::Tensor memory = {});

  const DataItems& items() const { return m_items; }
  const DataBlockSpec& spec() const { return m_spec; }
  int channels() const { return m_channels; }

  // The item as decoded (8-bit, `channels` channels, RGB order), from the cache when it holds
  // it, else from the file (then offered to the cache). Throws lb::Error with the reason.
  cv::Mat decode(int item) const;
  // The item transforms; `train` chooses RandomResizedCrop's random crop over its center crop.
  // A non-empty `size` replaces the Resize's width and height (an aspect group's shape).
  cv::Mat transform(const cv::Mat& image, bool train, std::uint64_t seed,
                    cv::Size size = {}) const;
  // decode + item transforms + (training) augmentation of item split[position]. Throws lb::Error
  // naming the file when it cannot be decoded.
  cv::Mat load(const std::vector<int>& split, std::size_t position, bool train,
               std::uint64_t seed, cv::Size size = {}) const;
  // uint8 [N, C, H, W] from same-sized images (a DataBlockError names the Resize otherwise).
  torch::Tensor collate(const std::vector<cv::Mat>& images) const;
  // uint8 batch -> normalised float, in one pass.
  torch::Tensor finish(const torch::Tensor& images) const;
  torch::Tensor targets(const std::vector<int>& items) const;

  void setNormalization(Normalization stats) { m_stats = std::move(stats); }
  const Normalization& normalization() const { return m_stats; }
  // Keeps decoded images in memory up to `budgetBytes` (engine/data/decode_cache.h), starting
  // with the raw decodes the file check kept (`checked`, whose item k is `checkedFiles[k]`)
  // that give exactly what decode() would; the others are kept as they are first decoded.
  void useCache(std::size_t budgetBytes, const DecodeCache* checked = nullptr,
                const std::vector<std::filesystem::path>& checkedFiles = {});
  // Null without useCache.
  const DecodeCache* cache() const { return m_cache.get(); }
  // Whether every item of `split` is in the cache (or in memory).
  bool holds(const std::vector<int>& split) const;
  // Whether the item transforms and augmentation of the training split leave decoded images
  // as they are (no Resize, RandomResizedCrop or augmentation).
  bool plain() const;
  // The files the data block left out (unreadable ones included), with the reason.
  const std::vector<SkippedFile>& skipped() const { return m_items.skipped; }

 private:
  DataBlockSpec m_spec;
  DataItems m_items;
  int m_channels;
  torch::Tensor m_memory;
  std::unique_ptr<DecodeCache> m_cache;
  Normalization m_stats;
};

// A seed for one draw, mixed from the loader's seed and where the draw happens.
std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c = 0);

class ImageLoader : public DataLoader {
 public:
  // `workers` = 0 makes batches on the calling thread.
  ImageLoader(std::shared_ptr<const ImagePipeline> pipeline, std::vector<int> split, int batchSize,
              bool train, std::uint64_t seed, int workers, int prefetch = 4);
  ~ImageLoader() override;

  std::int64_t items() const override { return std::int64_t(m_split.size()); }
  int batches() const override;
  int batchSize() const override { return m_batchSize; }
  // Threads making batches ahead (0: the calling thread makes each batch when asked).
  int workers() const { return int(m_workers.size()); }
  // From the next epoch on, each batch takes items of one of `groups` (positions into the
  // split, each in one group) at its shape (engine/data/aspect_groups.h): shuffled for training,
  // group after group in order for validation. itemsAt() keeps the set size. Empty groups:
  // batches of the set size.
  void groupByAspect(std::vector<AspectGroup> groups);
  const std::vector<AspectGroup>& aspectGroups() const { return m_groups; }
  void startEpoch(int epoch) override;
  Batch batch(int index) override;
  Batch itemsAt(const std::vector<std::int64_t>& positions) override;
  void to(torch::Device device) override { m_device = device; }
  // Batch `index` of the epoch whose order (positions into the split) is `order` and whose
  // batches are `plan` (empty: batchSize items each, at the set size).
  Batch makeBatch(const std::vector<int>& order, const std::vector<AspectBatch>& plan, int epoch,
                  int index) const;
  // The items at `positions` of that order, as one batch (on the CPU), at `size` (empty: the
  // set size).
  Batch makeItems(const std::vector<int>& order, int epoch,
                  const std::vector<std::size_t>& positions, cv::Size size = {}) const;

 private:
  void work();
  void restartAt(int index);  // under m_mutex

  std::shared_ptr<const ImagePipeline> m_pipeline;
  std::vector<int> m_split;  // item indices
  std::shared_ptr<const std::vector<int>> m_order;  // positions into m_split, this epoch
  std::vector<AspectGroup> m_groups;
  std::shared_ptr<const std::vector<AspectBatch>> m_plan;  // this epoch's batches when grouped
  int m_batchSize;
  bool m_train;
  std::uint64_t m_seed;
  int m_epoch = -1;
  int m_prefetch;
  torch::Device m_device = torch::kCPU;

  std::vector<std::thread> m_workers;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  bool m_stop = false;
  int m_generation = 0;  // bumped when the order or position changes; stale work is dropped
  int m_next = 0;        // next batch a worker makes
  int m_consumer = 0;    // next batch batch() hands out
  std::map<int, std::pair<Batch, std::exception_ptr>> m_ready;
};

}  // namespace lb
