#include "engine/data/data_loaders.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <random>
#include <thread>

#include "engine/data/fashion_mnist.h"

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

int detectChannels(const DataBlockSpec& spec, const DataItems& items) {
  if (spec.input == InputKind::Grayscale || spec.source == SourceKind::FashionMnist) return 1;
  if (spec.input == InputKind::Rgb) return 3;
  for (int i : items.train) {  // the first training image that decodes decides
    const cv::Mat m = cv::imread(items.files[i].string(), cv::IMREAD_UNCHANGED);
    if (!m.empty()) return m.channels() == 1 ? 1 : 3;
  }
  return 3;
}

int loaderWorkers(const DataBlockSpec& spec) {
  if (spec.workers > 0) return spec.workers;
  // On two cores the model's threads need both; one loader thread keeps up with small images.
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  return std::clamp(cores / 2 - 1, 1, 6);
}

std::shared_ptr<ImagePipeline> makePipeline(const DataBlockSpec& spec, DataItems items,
                                            const std::filesystem::path& baseDir, int sample) {
  const int channels = detectChannels(spec, items);
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
                             int batchSize, std::uint64_t seed, int workers) {
  if (batchSize < 1) throw Error("The batch size must be at least 1.");
  DataLoaders dls;
  dls.target = spec.target;
  if (!needsPipeline(spec)) {
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
  auto pipeline = makePipeline(spec, collectItems(spec, baseDir), baseDir);
  const int threads = workers >= 0 ? workers : loaderWorkers(spec);
  if (spec.cache) pipeline->fillCache(std::max(1, threads));
  const DataItems& items = pipeline->items();
  dls.vocab = items.vocab;
  dls.stats = pipeline->normalization();
  const cv::Mat one = pipeline->load(items.train, 0, false, 0);
  dls.shape = {pipeline->channels(), one.rows, one.cols};
  for (int i : items.valid) dls.validNames.push_back(items.names[i]);
  dls.pipeline = pipeline;
  dls.train = std::make_shared<ImageLoader>(pipeline, items.train, batchSize, true, seed, threads);
  dls.valid = std::make_shared<ImageLoader>(pipeline, items.valid, batchSize * 2, false, seed, threads);
  return dls;
}

}  // namespace lb
