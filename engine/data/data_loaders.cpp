#include "engine/data/data_loaders.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <random>
#include <thread>
#include <unordered_map>

#include "engine/data/fashion_mnist.h"
#include "engine/data/file_check.h"
#include "engine/data/image_file.h"

namespace lb {

namespace {

bool needsPipeline(const DataBlockSpec& spec) {
  return spec.source != SourceKind::FashionMnist || spec.resize.active() ||
         spec.randomResizedCrop.enabled || spec.augment.enabled;
}

Normalization chooseNormalization(const DataBlockSpec& spec, int channels,
                                  const std::function<torch::Tensor()>& sample) {
  switch (spec.normalize) {
    case NormalizeKind::ImageNet: return imagenetNormalization(channels);
    case NormalizeKind::None:
      return {std::vector<float>(channels, 0.0f), std::vector<float>(channels, 1.0f)};
    case NormalizeKind::Data: break;
  }
  return measureNormalization(sample());
}

}  // namespace

int detectChannels(const DataBlockSpec& spec, const DataItems& items, int sample) {
  if (spec.input == InputKind::Grayscale || spec.source == SourceKind::FashionMnist) return 1;
  if (spec.input == InputKind::Rgb) return 3;
  // Up to `sample` training images spread evenly over the split (sorted by path, so over the
  // classes of a folder): one in colour makes the data colour, and the grey ones are expanded.
  const std::size_t n = items.train.size();
  const std::size_t step = std::max<std::size_t>(1, n / std::size_t(std::max(1, sample)));
  bool anyReadable = false;
  for (std::size_t k = 0; k < n; k += step) {
    const std::filesystem::path& file = items.files[items.train[k]];
    int channels = readImageHeader(file).channels;
    if (channels == 0) {  // a format whose header is not read here: decode it
      try {
        channels = readImage(file, cv::IMREAD_UNCHANGED).channels();
      } catch (const std::exception&) {
        continue;
      }
    }
    if (channels > 1) return 3;
    anyReadable = true;
  }
  return anyReadable ? 1 : 3;
}

int loaderWorkers(const DataBlockSpec& spec, bool inMemoryAsIs) {
  if (spec.workers > 0) return spec.workers;
  // Decoded images in memory that no transform changes: a batch is a few copies, made sooner by
  // the training thread than handed over by a helper thread, which would take a core from the
  // model's threads (every team waits for its slowest thread).
  if (inMemoryAsIs) return 0;
  // On two cores the model's threads need both; one loader thread keeps up with small images.
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  return std::clamp(cores / 2 - 1, 1, 6);
}

std::shared_ptr<ImagePipeline> makePipeline(const DataBlockSpec& spec, DataItems items,
                                            const std::filesystem::path& baseDir, int sample,
                                            int channels) {
  if (channels == 0) channels = detectChannels(spec, items);
  torch::Tensor memory;
  if (spec.source == SourceKind::FashionMnist) {
    // train then valid, as collectItems lists the example's items
    const FashionMnist data = loadFashionMnistSource(spec, baseDir);
    memory = torch::cat({data.train.images, data.valid.images});
  }
  auto pipeline = std::make_shared<ImagePipeline>(spec, std::move(items), channels, memory);
  pipeline->setNormalization(chooseNormalization(spec, channels, [&] {
    // A seeded sample of the training split, with the validation split's (fixed) transforms.
    std::vector<int> train = pipeline->items().train;
    std::mt19937_64 rng(spec.split.seed);
    std::shuffle(train.begin(), train.end(), rng);
    std::vector<cv::Mat> images;
    for (std::size_t p = 0; p < train.size() && int(images.size()) < sample; ++p)
      images.push_back(pipeline->load(train, p, /*train=*/false, 0));
    return pipeline->collate(images);
  }));
  return pipeline;
}

DataLoaders buildDataLoaders(const DataBlockSpec& spec, const std::filesystem::path& baseDir,
                             int batchSize, std::uint64_t seed, int workers,
                             const ItemOverrides& overrides, bool stream) {
  if (batchSize < 1) throw Error("The batch size must be at least 1.");
  DataLoaders dls;
  dls.target = spec.target;
  if (!needsPipeline(spec) && overrides.empty() && !stream) {
    const FashionMnist data = loadFashionMnistSource(spec, baseDir);
    dls.vocab = data.classes;
    dls.stats = chooseNormalization(spec, 1, [&] { return data.train.images; });
    dls.shape = {1, int(data.train.images.size(2)), int(data.train.images.size(3))};
    for (std::int64_t i = 0; i < data.valid.size(); ++i)
      dls.validNames.push_back("valid/" + std::to_string(i));
    dls.train = std::make_shared<TensorLoader>(normalizeImages(data.train.images, dls.stats),
                                               data.train.labels, batchSize, true, seed);
    dls.valid = std::make_shared<TensorLoader>(normalizeImages(data.valid.images, dls.stats),
                                               data.valid.labels, batchSize * 2, false, seed);
    return dls;
  }
  const bool grouped = spec.groupByAspect && spec.source != SourceKind::FashionMnist;
  if (grouped && !spec.resize.active())
    throw DataBlockError(DataStep::ItemTransforms,
                         "Grouping by aspect ratio keeps the pixel count of the Resize size: "
                         "choose a Resize width and height in Item transforms, or turn the "
                         "grouping off.");
  DataItems collected = collectItems(spec, baseDir);
  std::unordered_map<std::string, ImageSize> sizeOf;  // file -> size, for the aspect groups
  int channels = 0;
  const std::size_t budget = cacheBudget(spec);
  std::unique_ptr<DecodeCache> checked;  // the check's decodes, for the pipeline's cache
  std::vector<std::filesystem::path> checkedFiles;
  if (spec.source != SourceKind::FashionMnist) {
    // Every file decoded once before training: the unreadable ones are left out of both splits
    // (so metrics are computed on the readable files only), and all of them decide the colour.
    // Nothing else runs yet, so every core decodes; what fits the budget is kept.
    if (budget > 0) {
      checked = std::make_unique<DecodeCache>(collected.size(), budget);
      checkedFiles = collected.files;
    }
    const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
    const FileCheck check = checkImageFiles(collected, cores, {}, checked.get());
    if (grouped)
      for (std::size_t i = 0; i < collected.files.size(); ++i)
        sizeOf.emplace(collected.files[i].string(), check.sizes[i]);
    leaveOut(spec, collected, check.unreadable);
    if (spec.input == InputKind::Auto) {
      channels = check.channels();
      if (channels == 3) dls.greyExpanded = check.greyImages;
    }
  }
  dls.overrides = applyOverrides(spec, collected, overrides);
  auto pipeline = makePipeline(spec, std::move(collected), baseDir, 1000, channels);
  if (budget > 0 && spec.source != SourceKind::FashionMnist)
    pipeline->useCache(budget, checked.get(), checkedFiles);
  checked.reset();
  const DataItems& items = pipeline->items();
  const int threads =
      workers >= 0 ? workers
                   : loaderWorkers(spec, pipeline->plain() && pipeline->holds(items.train) &&
                                             pipeline->holds(items.valid));
  dls.vocab = items.vocab;
  dls.stats = pipeline->normalization();
  dls.skipped = items.skipped;
  const cv::Mat one = pipeline->load(items.train, 0, false, 0);
  dls.shape = {pipeline->channels(), one.rows, one.cols};
  dls.pipeline = pipeline;
  auto train = std::make_shared<ImageLoader>(pipeline, items.train, batchSize, true, seed, threads);
  auto valid =
      std::make_shared<ImageLoader>(pipeline, items.valid, batchSize * 2, false, seed, threads);
  std::vector<int> validOrder(items.valid.size());  // positions into the split, loader order
  for (std::size_t k = 0; k < validOrder.size(); ++k) validOrder[k] = int(k);
  if (grouped) {
    auto sizesOf = [&](const std::vector<int>& split) {
      std::vector<ImageSize> sizes;
      for (int i : split) sizes.push_back(sizeOf[items.files[i].string()]);
      return sizes;
    };
    const int w = spec.resize.width, h = spec.resize.height;
    auto groups = groupByAspect(sizesOf(items.train), w, h, batchSize);
    for (const AspectGroup& g : groups)
      dls.aspectShapes.push_back({pipeline->channels(), g.height, g.width});
    // Validation sees each image in the training shape nearest its own, group after group.
    auto validGroups = assignToAspectGroups(groups, sizesOf(items.valid), w, h);
    planAspectEpoch(validGroups, batchSize * 2, 0, validOrder, /*shuffle=*/false);
    train->groupByAspect(std::move(groups));
    valid->groupByAspect(std::move(validGroups));
  }
  for (int k : validOrder) dls.validNames.push_back(items.names[items.valid[std::size_t(k)]]);
  dls.train = train;
  dls.valid = valid;
  return dls;
}

}  // namespace lb
