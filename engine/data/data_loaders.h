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
#include "engine/data/item_overrides.h"
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
  std::vector<SkippedFile> skipped;         // files left out of both splits, with the reason
  int greyExpanded = 0;  // grey images expanded to RGB because others have colour
  OverrideCounts overrides;  // what the user's cleaning decisions changed
  std::vector<ImageShape> aspectShapes;  // the training batches' shapes when grouped by aspect
  int outputs() const { return target == TargetKind::Regression ? 1 : int(vocab.size()); }
};

// Channels the model gets: the spec's choice, or (auto) 3 when any of up to `sample` training
// images spread over the split has colour (read from the file headers where they tell), else 1.
int detectChannels(const DataBlockSpec& spec, const DataItems& items, int sample = 200);

// An ImagePipeline over `items` (Fashion-MNIST items are read into memory), with its
// normalisation measured on up to `sample` training items or taken from ImageNet. `channels`
// 0 lets detectChannels choose.
std::shared_ptr<ImagePipeline> makePipeline(const DataBlockSpec& spec, DataItems items,
                                            const std::filesystem::path& baseDir,
                                            int sample = 1000, int channels = 0);

// `workers` < 0 takes the spec's count (0 there = loaderWorkers' choice). Decodes every
// file of a folder or CSV source once (checkImageFiles, keeping what fits the spec's cache
// budget, the rest kept as the first epoch decodes it) and leaves the unreadable ones out,
// listed in `skipped`; throws DataBlockError as collectItems, also when that empties a class,
// and when spec.groupByAspect has no Resize size to keep the pixel count of. With groupByAspect
// (folder and CSV sources), the training loader is grouped by the sizes the check decoded
// (groupByAspect in engine/data/aspect_groups.h), `aspectShapes` lists the groups' shapes, and
// the validation loader gives each image the shape nearest its own, group after group
// (`validNames` in that order).
// `overrides` (the cleaning decisions) are applied after that (applyOverrides); with them, or
// with `stream`, even the built-in example goes through the pipeline (its items are needed).
DataLoaders buildDataLoaders(const DataBlockSpec& spec, const std::filesystem::path& baseDir,
                             int batchSize, std::uint64_t seed, int workers = -1,
                             const ItemOverrides& overrides = {}, bool stream = false);

// Loader threads for `spec` on this machine: spec.workers when set; else 0 (batches made on
// the training thread) when `inMemoryAsIs` (every item decoded in memory, no transform to run);
// else one helper thread per two cores beyond the first two, at least one, at most 6.
int loaderWorkers(const DataBlockSpec& spec, bool inMemoryAsIs = false);

}  // namespace lb
