#pragma once
// The training and validation loaders a data block describes, ready for the Learner. The
// built-in example without transforms stays in memory as tensors (TensorLoader: the fastest
// path); everything else streams through an ImagePipeline on worker threads (ImageLoader).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/image_shape.h"
#include "engine/data/data_block.h"
#include "engine/data/data_block_spec.h"
#include "engine/data/data_loader.h"
#include "engine/data/image_loader.h"
#include "engine/data/tensor_loader.h"

namespace lb {

struct DataLoaders {
  std::shared_ptr<DataLoader> train, valid;
  std::vector<std::string> vocab;
  TargetKind target = TargetKind::Category;
  ImageShape shape;  // of one item as the model sees it
  Normalization stats;
  std::shared_ptr<ImagePipeline> pipeline;  // null on the in-memory path
  std::vector<std::string> validNames;      // the validation items, in loader order
  int outputs() const { return target == TargetKind::Regression ? 1 : int(vocab.size()); }
};

// Channels the model gets: the spec's choice, or (auto) what the first training image holds.
int detectChannels(const DataBlockSpec& spec, const DataItems& items);

// An ImagePipeline over `items` (Fashion-MNIST items are read into memory), with its
// normalisation measured on up to `sample` training items or taken from ImageNet.
std::shared_ptr<ImagePipeline> makePipeline(const DataBlockSpec& spec, DataItems items,
                                            const std::filesystem::path& baseDir,
                                            int sample = 1000);

// `workers` < 0 takes the spec's count (0 there = chosen from the core count).
DataLoaders buildDataLoaders(const DataBlockSpec& spec, const std::filesystem::path& baseDir,
                             int batchSize, std::uint64_t seed, int workers = -1);

// Loader threads for `spec` on this machine.
int loaderWorkers(const DataBlockSpec& spec);

}  // namespace lb
