// Where one training step's time goes (issue 15): forward, backward and the optimizer step of
// the default CNN (1x28x28, batch 64) and ResNet-18 (1x28x28 batch 64 without the stem's
// max-pool; 3x224x224 batch 16), each in the default layout and in channels-last, and a
// validation forward under NoGradGuard against InferenceMode. Medians of --repeats steps after
// one warm-up.
//   bench_step [--repeats R] [--threads T]
#include <c10/core/InferenceMode.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>

#include <cstdio>

#include "bench/bench_common.h"
#include "engine/models/model_builder.h"
#include "engine/models/model_spec.h"
#include "engine/util/runtime.h"

using lb::bench::median;
using lb::bench::Stopwatch;

namespace {

void toChannelsLast(torch::nn::Sequential& model) {
  for (auto& p : model->parameters())
    if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
  for (auto& b : model->buffers())
    if (b.dim() == 4) b.set_data(b.data().contiguous(at::MemoryFormat::ChannelsLast));
}

void row(const char* name, const lb::ModelSpec& spec, lb::ImageShape shape, int bs, int repeats,
         bool channelsLast) {
  torch::manual_seed(0);
  auto model = lb::buildModel(spec, shape, 10).model;
  auto x = torch::randn({bs, shape.channels, shape.height, shape.width});
  if (channelsLast) {
    toChannelsLast(model);
    x = x.contiguous(at::MemoryFormat::ChannelsLast);
  }
  const auto y = torch::randint(0, 10, {bs}, torch::kLong);
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  std::vector<double> fwd, bwd, step, noGrad, inference;
  for (int r = 0; r <= repeats; ++r) {
    model->train();
    Stopwatch a;
    auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
    const double f = a.seconds();
    Stopwatch b;
    loss.backward();
    const double g = b.seconds();
    Stopwatch c;
    opt.step();
    opt.zero_grad();
    const double s = c.seconds();
    model->eval();
    Stopwatch d;
    {
      torch::NoGradGuard guard;
      model->forward(x);
    }
    const double n = d.seconds();
    Stopwatch e;
    {
      c10::InferenceMode guard;
      model->forward(x);
    }
    const double i = e.seconds();
    if (r == 0) continue;  // warm-up
    fwd.push_back(f), bwd.push_back(g), step.push_back(s), noGrad.push_back(n), inference.push_back(i);
  }
  const double total = median(fwd) + median(bwd) + median(step);
  std::printf("%-30s%-8s%9.1f%9.1f%9.1f%9.1f%9.0f%10.1f%10.1f\n", name,
              channelsLast ? "NHWC" : "NCHW", 1e3 * median(fwd), 1e3 * median(bwd),
              1e3 * median(step), 1e3 * total, bs / total, 1e3 * median(noGrad),
              1e3 * median(inference));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = lb::bench::parseArgs(argc, argv);
  const int threads = lb::useThreads(args.threads);
  lb::tuneAllocator();
  std::printf("%d intra-op threads, milliseconds per batch, medians of %d after a warm-up\n\n",
              threads, args.repeats);
  std::printf("%-30s%-8s%9s%9s%9s%9s%9s%10s%10s\n", "model", "layout", "fwd", "bwd", "step",
              "total", "img/s", "no_grad", "inference");
  lb::ModelSpec cnn, resnet, smallResnet;
  resnet.name = smallResnet.name = "resnet18";
  smallResnet.smallImages = true;
  for (bool last : {false, true}) {
    row("simple_cnn 1x28x28 bs64", cnn, {1, 28, 28}, 64, args.repeats, last);
    row("resnet18 1x28x28 bs64", smallResnet, {1, 28, 28}, 64, args.repeats, last);
    row("resnet18 3x224x224 bs16", resnet, {3, 224, 224}, 16, args.repeats, last);
  }
  return 0;
}
