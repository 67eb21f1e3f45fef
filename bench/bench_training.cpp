// Training throughput on Fashion-MNIST, one epoch at a time, in one run so the figures compare:
//   bare   a plain LibTorch loop (torch::optim::AdamW, index_select batches) over the same
//          normalised tensors and the same model: the floor any framework pays;
//   engine Learnbench's Learner (callbacks, recorder, one-cycle schedule, fastai's Adam).
// The GUI-attached figure is printed by bench_gui_training. Runs alternate between the variants
// and report medians, since this machine is noisy.
//   bench_training [--limit N] [--repeats R] [--threads T]
#include <torch/nn/functional/loss.h>
#include <torch/optim/adamw.h>

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
#include "engine/util/runtime.h"

namespace {

struct Data {
  torch::Tensor trainX, trainY, validX, validY;
};

const std::vector<int> kChannels = lb::ModelSettings{}.channels;

double bareEpoch(const Data& d, int bs) {
  torch::manual_seed(0);
  auto model = lb::makeSimpleCnn(1, 10, kChannels);
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-3));
  model->train();
  const auto n = d.trainX.size(0);
  auto order = torch::randperm(n, torch::kLong);
  lb::bench::Stopwatch clock;
  for (int64_t start = 0; start + bs <= n; start += bs) {
    auto idx = order.slice(0, start, start + bs);
    auto x = d.trainX.index_select(0, idx);
    auto y = d.trainY.index_select(0, idx);
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
    loss.backward();
    opt.step();
    loss.item<float>();  // as any loop that reports its loss must
  }
  return double((n / bs) * bs) / clock.seconds();
}

double engineEpoch(const Data& d, int bs) {
  torch::manual_seed(0);
  lb::Learner learn(lb::TensorLoader(d.trainX, d.trainY, bs, true, 0),
                    lb::TensorLoader(d.validX, d.validY, bs * 2, false, 0),
                    lb::makeSimpleCnn(1, 10, kChannels), lb::crossEntropyLoss,
                    {std::make_shared<lb::Accuracy>()});
  // Time training only, as the bare loop does: the clock stops before validation.
  struct TrainClock : lb::Callback {
    lb::bench::Stopwatch clock;
    double seconds = 0;
    void beforeTrain(lb::Learner&) override { clock = {}; }
    void afterTrain(lb::Learner&) override { seconds = clock.seconds(); }
  };
  auto timer = std::make_shared<TrainClock>();
  learn.addCallback(timer);
  learn.fitOneCycle(1, lb::OneCycleOptions{}.setLrMax(1e-2));
  return double(learn.trainLoader().batches() * bs) / timer->seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const auto [limit, repeats, requestedThreads] = lb::bench::parseArgs(argc, argv);
  lb::tuneAllocator();
  const int threads = lb::useThreads(requestedThreads);
  auto fm = lb::loadFashionMnist(lb::kDefaultFashionMnistDir, limit, 0);
  const auto stats = lb::measureNormalization(fm.train.images);
  Data d{lb::normalizeImages(fm.train.images, stats), fm.train.labels,
         lb::normalizeImages(fm.valid.images, stats), fm.valid.labels};
  std::printf("Fashion-MNIST, %lld training images, %d intra-op threads, %d repeats (medians)\n",
              static_cast<long long>(d.trainX.size(0)), threads, repeats);
  std::printf("%-6s %14s %14s %12s\n", "batch", "bare img/s", "engine img/s", "engine/bare");
  for (int bs : {64, 128}) {
    std::vector<double> bare, engine;
    for (int r = 0; r < repeats; ++r) {
      bare.push_back(bareEpoch(d, bs));
      engine.push_back(engineEpoch(d, bs));
    }
    const double b = lb::bench::median(bare), e = lb::bench::median(engine);
    std::printf("%-6d %14.0f %14.0f %12.3f\n", bs, b, e, e / b);
  }
  return 0;
}
