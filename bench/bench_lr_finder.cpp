// What an LR find costs against plain training on Fashion-MNIST (batch size 64): one sweep of 100
// iterations (saving and restoring the model and optimizer, no validation, suggestions) against
// 100 training batches at a constant lr on the same Learner and data. The sweep runs without its
// divergence stop so both do 100 batches. Runs alternate; medians of R.
//   bench_lr_finder [--limit N] [--repeats R] [--threads T]
#include <cstdio>
#include <cstring>
#include <string>

#include "bench/bench_common.h"
#include "engine/data/fashion_mnist.h"
#include "engine/data/tensor_loader.h"
#include "engine/models/simple_cnn.h"
#include "engine/project/project.h"
#include "engine/train/callbacks.h"
#include "engine/train/learner.h"
#include "engine/train/lr_finder.h"
#include "engine/util/runtime.h"

namespace {

constexpr int kBatches = 100, kBatchSize = 64;

struct CancelAfter : lb::Callback {
  int batches = 0;
  void beforeFit(lb::Learner&) override { batches = 0; }
  void afterBatch(lb::Learner& l) override {
    if (l.training && ++batches >= kBatches) throw lb::CancelFit{};
  }
  void beforeValidate(lb::Learner&) override { throw lb::CancelValidate{}; }
};

}  // namespace

int main(int argc, char** argv) {
  const auto [limit, repeats, requestedThreads] = lb::bench::parseArgs(argc, argv);
  lb::tuneAllocator();
  const int threads = lb::useThreads(requestedThreads);
  auto fm = lb::loadFashionMnist(lb::kDefaultFashionMnistDir, limit, 0);
  const auto stats = lb::measureNormalization(fm.train.images);
  torch::manual_seed(0);
  lb::Learner learn(
      lb::TensorLoader(lb::normalizeImages(fm.train.images, stats), fm.train.labels, kBatchSize, true, 0),
      lb::TensorLoader(lb::normalizeImages(fm.valid.images, stats), fm.valid.labels, kBatchSize * 2, false, 0),
      lb::makeSimpleCnn(1, 10, lb::ModelSettings{}.channels), lb::crossEntropyLoss,
      {std::make_shared<lb::Accuracy>()});
  const int epochs = kBatches / learn.trainLoader().batches() + 1;

  lb::LrFinderOptions sweep;
  sweep.numIt = kBatches;
  sweep.stopDiv = false;
  std::vector<double> find, train;
  std::size_t sweepBatches = 0;
  auto cancel = std::make_shared<CancelAfter>();
  for (int r = 0; r < repeats; ++r) {
    {
      lb::bench::Stopwatch clock;
      learn.optimizer().setLr(1e-3);
      learn.fitWith(epochs, {cancel});
      train.push_back(clock.seconds());
    }
    {
      lb::bench::Stopwatch clock;
      sweepBatches = lb::findLearningRate(learn, sweep).points.size();
      find.push_back(clock.seconds());
    }
  }
  const double f = lb::bench::median(find), t = lb::bench::median(train);
  std::printf("Fashion-MNIST, %lld training images, batch %d, %d intra-op threads, %d repeats (medians)\n",
              static_cast<long long>(fm.train.images.size(0)), kBatchSize, threads, repeats);
  std::printf("%-28s %10s %12s\n", "", "seconds", "ms/batch");
  std::printf("%-28s %10.3f %12.2f\n", "train, 100 batches", t, 1000 * t / kBatches);
  std::printf("%-28s %10.3f %12.2f\n",
              ("lr find, " + std::to_string(sweepBatches) + " batches").c_str(), f,
              1000 * f / double(sweepBatches));
  std::printf("lr find / train: %.3f\n", f / t);
  return 0;
}
