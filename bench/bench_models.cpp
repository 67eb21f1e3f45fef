// Forward + backward time of one batch of 64 for every zoo model, at 28x28 (one channel, as
// Fashion-MNIST) and 224x224 (RGB, as photos), so the window can say roughly how long an epoch
// will take before Train is pressed. One warm-up batch, then the median of --repeats batches
// (random inputs: the time does not depend on the pixels).
//   bench_models [--repeats R] [--threads T]
#include <torch/nn/functional/loss.h>

#include <cstdio>

#include "bench/bench_common.h"
#include "engine/models/model_builder.h"
#include "engine/models/model_spec.h"
#include "engine/models/simple_cnn.h"
#include "engine/util/runtime.h"

int main(int argc, char** argv) {
  const auto args = lb::bench::parseArgs(argc, argv);
  const int threads = lb::useThreads(args.threads);
  lb::tuneAllocator();
  std::printf("%d intra-op threads, batch 64, median of %d batches after one warm-up\n\n", threads,
              args.repeats);
  std::printf("%-12s%-12s%14s%14s%16s\n", "model", "input", "params", "s / batch", "img/s");
  for (const std::string name : {"simple_cnn", "mlp", "resnet18", "resnet34"}) {
    for (const lb::ImageShape shape : {lb::ImageShape{1, 28, 28}, lb::ImageShape{3, 224, 224}}) {
      lb::ModelSpec spec;
      spec.name = name;
      spec.smallImages = shape.height < 64;  // the stem's max-pool would leave 28x28 too small
      torch::manual_seed(0);
      lb::BuiltModel built = lb::buildModel(spec, shape, 10);
      auto model = built.model;
      model->train();
      const auto x = torch::randn({64, shape.channels, shape.height, shape.width});
      const auto y = torch::randint(0, 10, {64}, torch::kLong);
      std::vector<double> times;
      for (int r = 0; r <= args.repeats; ++r) {
        lb::bench::Stopwatch clock;
        model->zero_grad();
        torch::nn::functional::cross_entropy(model->forward(x), y).backward();
        if (r > 0) times.push_back(clock.seconds());  // the first batch warms up the allocator
      }
      const double t = lb::bench::median(times);
      char input[32];
      std::snprintf(input, sizeof input, "%dx%dx%d", shape.channels, shape.height, shape.width);
      std::printf("%-12s%-12s%14lld%14.3f%16.0f\n", name.c_str(), input,
                  lb::countParameters(*model), t, 64.0 / t);
      std::fflush(stdout);
    }
  }
  return 0;
}
