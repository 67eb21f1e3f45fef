// The data block's loader, from image files on disk (written here from the real Fashion-MNIST
// images), in one run so the figures compare:
//   decode   OpenCV's raw imread rate over the same files on one thread: the floor;
//   loader   Learnbench's ImageLoader (decode, item transforms, collate, batch transforms,
//            normalise) with 1 and 2 worker threads, batches taken as fast as it makes them;
//   waiting  one training epoch of the Fashion-MNIST CNN fed by the loader from PNG files:
//            the share of the step time the model spends waiting in batch(), and the epoch's
//            images/s against the same model fed from tensors in memory.
// Medians of --repeats runs.
//   bench_loader [--limit N (28x28 images, default 12000)] [--repeats R] [--threads T]
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <filesystem>
#include <functional>

#include "bench/bench_common.h"
#include "bench/timed_loader.h"
#include "engine/data/data_loaders.h"
#include "engine/data/fashion_mnist.h"
#include "engine/models/simple_cnn.h"
#include "engine/project/project.h"
#include "engine/train/callbacks.h"
#include "engine/train/learner.h"
#include "engine/util/runtime.h"

namespace fs = std::filesystem;
using lb::bench::median;
using lb::bench::Stopwatch;

namespace {

// Writes `count` training and count / 6 validation images as DIR/{train,valid}/<label>/<n>.png.
void writeFolder(const fs::path& dir, int count, int size, bool rgb) {
  const lb::FashionMnist data = lb::loadFashionMnist(lb::kDefaultFashionMnistDir, count, 1);
  auto write = [&](const lb::LabelledImages& split, const char* name) {
    for (int i = 0; i < split.size(); ++i) {
      auto pixels = split.images[i][0].contiguous();
      cv::Mat image = cv::Mat(28, 28, CV_8UC1, pixels.data_ptr()).clone();
      if (size != 28) cv::resize(image, image, cv::Size(size, size));
      if (rgb) cv::cvtColor(image, image, cv::COLOR_GRAY2BGR);
      const fs::path file = dir / name / std::to_string(split.labels[i].item<std::int64_t>()) /
                            (std::to_string(i) + ".png");
      fs::create_directories(file.parent_path());
      cv::imwrite(file.string(), image);
    }
  };
  write(data.train, "train");
  write(data.valid, "valid");
}

double decodeRate(const lb::DataItems& items, bool rgb) {
  Stopwatch clock;
  for (int i : items.train) cv::imread(items.files[i].string(), rgb ? cv::IMREAD_COLOR : cv::IMREAD_GRAYSCALE);
  return double(items.train.size()) / clock.seconds();
}

double loaderRate(const lb::DataBlockSpec& spec, int workers) {
  lb::DataLoaders dls = lb::buildDataLoaders(spec, {}, 64, 1, workers);
  dls.train->startEpoch(0);
  Stopwatch clock;
  for (int b = 0; b < dls.train->batches(); ++b) dls.train->batch(b);
  return double(dls.train->batches() * 64) / clock.seconds();
}

struct EpochFigures {
  double imagesPerSecond = 0, waitShare = 0;
};

// One training epoch (validation left out, as bench_training does).
EpochFigures trainEpoch(std::shared_ptr<lb::DataLoader> train, std::shared_ptr<lb::DataLoader> valid) {
  torch::manual_seed(0);
  auto timed = std::make_shared<lb::bench::TimedLoader>(std::move(train));
  lb::Learner learn(timed, valid, lb::makeSimpleCnn(1, 10, lb::ModelSettings{}.channels),
                    lb::crossEntropyLoss, {std::make_shared<lb::Accuracy>()});
  struct TrainOnly : lb::Callback {
    double seconds = 0;
    Stopwatch clock;
    void beforeTrain(lb::Learner&) override { clock = Stopwatch(); }
    void afterTrain(lb::Learner&) override { seconds = clock.seconds(); throw lb::CancelEpoch(); }
  };
  auto trainOnly = std::make_shared<TrainOnly>();
  learn.addCallback(trainOnly);
  learn.fit(1, 1e-3);
  return {double(timed->batches() * timed->batchSize()) / trainOnly->seconds,
          timed->waited / trainOnly->seconds};
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = lb::bench::parseArgs(argc, argv);
  const int count = args.limit > 0 ? args.limit : 12000;
  const int threads = lb::useThreads(args.threads);
  lb::tuneAllocator();
  const fs::path root = fs::temp_directory_path() / "learnbench_bench_loader";
  fs::remove_all(root);
  std::printf("writing %d PNGs at 28x28 and %d at 224x224 RGB to %s ...\n", count + count / 6,
              count / 6 + count / 36, root.c_str());
  writeFolder(root / "small", count, 28, false);
  writeFolder(root / "large", count / 6, 224, true);

  lb::DataBlockSpec small;
  small.source = lb::SourceKind::Folder;
  small.path = (root / "small").string();
  small.split.kind = lb::SplitKind::Grandparent;
  lb::DataBlockSpec large = small;
  large.path = (root / "large").string();
  large.resize = {224, 224};
  large.randomResizedCrop = {true, 0.35, 3.0 / 4.0, 4.0 / 3.0};
  large.augment.enabled = true;
  const lb::DataItems smallItems = lb::collectItems(small, {});
  const lb::DataItems largeItems = lb::collectItems(large, {});

  std::printf("\n%d intra-op threads for the model; medians of %d runs\n\n", threads, args.repeats);
  std::printf("%-44s%14s\n", "loader images/s (batches of 64)", "img/s");
  struct Row { const char* name; std::function<double()> run; };
  const std::vector<Row> rows = {
      {"28x28 gray PNG: OpenCV imread, 1 thread", [&] { return decodeRate(smallItems, false); }},
      {"28x28 gray PNG: loader, 1 worker", [&] { return loaderRate(small, 1); }},
      {"28x28 gray PNG: loader, 2 workers", [&] { return loaderRate(small, 2); }},
      {"224x224 RGB PNG: OpenCV imread, 1 thread", [&] { return decodeRate(largeItems, true); }},
      {"224x224 RGB PNG + RRC + aug: loader, 1 worker", [&] { return loaderRate(large, 1); }},
      {"224x224 RGB PNG + RRC + aug: loader, 2 workers", [&] { return loaderRate(large, 2); }},
  };
  for (const auto& row : rows) {
    std::vector<double> v;
    for (int r = 0; r < args.repeats; ++r) v.push_back(row.run());
    std::printf("%-48s%10.0f\n", row.name, median(v));
  }

  // The model's wait for data, and the epoch against tensors in memory (alternating runs).
  lb::FashionMnist memory = lb::loadFashionMnist(lb::kDefaultFashionMnistDir, count, 1);
  const auto stats = lb::measureNormalization(memory.train.images);
  std::vector<double> fileRate, fileWait, memRate;
  for (int r = 0; r < args.repeats; ++r) {
    lb::DataLoaders dls = lb::buildDataLoaders(small, {}, 64, 1);
    const EpochFigures f = trainEpoch(dls.train, dls.valid);
    fileRate.push_back(f.imagesPerSecond);
    fileWait.push_back(f.waitShare);
    auto train = std::make_shared<lb::TensorLoader>(lb::normalizeImages(memory.train.images, stats),
                                                    memory.train.labels, 64, true, 1);
    auto valid = std::make_shared<lb::TensorLoader>(lb::normalizeImages(memory.valid.images, stats),
                                                    memory.valid.labels, 128, false, 1);
    memRate.push_back(trainEpoch(train, valid).imagesPerSecond);
  }
  std::printf("\nFashion-MNIST CNN, one training epoch of %d items, batch 64, loader workers %d:\n",
              count, lb::loaderWorkers(small));
  std::printf("  from PNG files: %.0f img/s, waiting for data %.1f%% of the step time\n",
              median(fileRate), 100.0 * median(fileWait));
  std::printf("  from tensors in memory: %.0f img/s (files / memory = %.3f)\n", median(memRate),
              median(fileRate) / median(memRate));
  fs::remove_all(root);
  return 0;
}
