// What LibTorch offers on this CPU beyond bench_step's layouts (issue 15, "the compute itself"),
// each against what the engine does now, interleaved round by round so a neighbour's compile
// slows both alike; medians, ratios (variant time / engine time, < 1 is faster) and the largest
// difference in the numbers:
//   - the optimizer step: lb::Optimizer's loop over parameters against the same Adam as one
//     _foreach_* op per stage over all parameters (fewer dispatches);
//   - validation: NoGradGuard on NCHW (what the Learner does) against InferenceMode,
//     channels-last weights, and oneDNN (mkldnn) tensors with the conv weights reordered once;
//   - the training step (forward, backward, lb::Optimizer) in NCHW against channels-last;
//   - threads: 2 intra-op threads with libgomp spin-waiting (its default), spinning less
//     (GOMP_SPINCOUNT) or sleeping at once (OMP_WAIT_POLICY=PASSIVE), against 1 thread, each in
//     a process of its own; the load average is printed, as these depend on it most.
//   bench_compute [--repeats R] [--threads T]      (T: the engine's thread count, 0 = per core)
#include <ATen/Context.h>
#include <ATen/Functions.h>
#include <c10/core/InferenceMode.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "bench/bench_common.h"
#include "engine/models/model_builder.h"
#include "engine/models/model_spec.h"
#include "engine/train/optimizer.h"
#include "engine/util/runtime.h"

using lb::bench::median;
using lb::bench::Stopwatch;

namespace {

// Runs each variant once per round, rounds interleaved; returns each variant's median seconds.
std::vector<double> interleaved(const std::vector<std::function<void()>>& variants, int rounds) {
  std::vector<std::vector<double>> times(variants.size());
  for (int r = 0; r <= rounds; ++r)
    for (std::size_t v = 0; v < variants.size(); ++v) {
      Stopwatch w;
      variants[v]();
      if (r > 0) times[v].push_back(w.seconds());  // round 0 warms up
    }
  std::vector<double> out;
  for (const auto& t : times) out.push_back(median(t));
  return out;
}

void printRows(const std::string& what, const std::vector<std::string>& names,
               const std::vector<double>& seconds, const std::vector<double>& maxDiff) {
  for (std::size_t v = 0; v < names.size(); ++v)
    std::printf("%-34s%-34s%10.2f%8.2f%12.1e\n", what.c_str(), names[v].c_str(), 1e3 * seconds[v],
                seconds[v] / seconds[0], maxDiff[v]);
  std::fflush(stdout);
}

double maxDiff(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    d = std::max(d, (a[i].to_dense() - b[i].to_dense()).abs().max().item<double>());
  return d;
}

// fastai's Adam (engine/train/optimizer.h) with one foreach op per stage over the parameters.
struct ForeachAdam {
  std::vector<torch::Tensor> params, decayed, gradAvg, sqrAvg;
  long step = 0;
  void run(double lr, const lb::OptimizerOptions& o) {
    torch::NoGradGuard noGrad;
    if (gradAvg.empty())
      for (auto& p : params)
        gradAvg.push_back(torch::zeros_like(p)), sqrAvg.push_back(torch::zeros_like(p));
    ++step;
    std::vector<torch::Tensor> grads;
    for (auto& p : params) grads.push_back(p.grad());
    at::_foreach_mul_(decayed, 1.0 - lr * o.weightDecay);
    at::_foreach_mul_(gradAvg, o.mom);
    at::_foreach_add_(gradAvg, grads, 1.0 - o.mom);
    at::_foreach_mul_(sqrAvg, o.sqrMom);
    at::_foreach_addcmul_(sqrAvg, grads, grads, 1.0 - o.sqrMom);
    auto denom = at::_foreach_div(sqrAvg, 1.0 - std::pow(o.sqrMom, double(step)));
    at::_foreach_sqrt_(denom);
    at::_foreach_add_(denom, o.eps);
    at::_foreach_addcdiv_(params, gradAvg, denom, -lr / (1.0 - std::pow(o.mom, double(step))));
  }
};

void optimizerRows(const char* what, const lb::ModelSpec& spec, lb::ImageShape shape, int rounds) {
  torch::manual_seed(0);
  auto a = lb::buildModel(spec, shape, 10).model;
  auto b = lb::buildModel(spec, shape, 10).model;
  for (std::size_t i = 0; i < a->parameters().size(); ++i)
    b->parameters()[i].detach().copy_(a->parameters()[i].detach());
  lb::Optimizer loop({lb::paramGroupOf(*a, 1e-3)});
  ForeachAdam foreach;
  const auto group = lb::paramGroupOf(*b, 1e-3);
  foreach
    .params = group.params;
  for (std::size_t k = 0; k < group.params.size(); ++k)
    if (group.decay[k])
      foreach
        .decayed.push_back(group.params[k]);
  for (std::size_t i = 0; i < a->parameters().size(); ++i) {
    auto g = torch::randn_like(a->parameters()[i]);
    a->parameters()[i].mutable_grad() = g.clone();
    b->parameters()[i].mutable_grad() = g.clone();
  }
  const int steps = 20;  // per round: one step alone is too short to time
  const auto t = interleaved({[&] {
                                for (int s = 0; s < steps; ++s) loop.step();
                              },
                              [&] {
                                for (int s = 0; s < steps; ++s)
                                  foreach
                                    .run(1e-3, loop.options());
                              }},
                             rounds);
  printRows(what, {"per parameter (engine)", "_foreach_* over all"}, {t[0] / steps, t[1] / steps},
            {0, maxDiff(a->parameters(), b->parameters())});
}

using ConvOptions = torch::nn::detail::ConvNdOptions<2>;

std::vector<int64_t> paddingOf(const ConvOptions& o) {
  const auto& p = *c10::get<torch::ExpandingArray<2>>(o.padding());
  return {p.begin(), p.end()};
}

// The simple CNN's eval forward on oneDNN tensors: conv weights reordered once, BN folded in.
struct MkldnnCnn {
  struct Conv {
    torch::Tensor weight;
    ConvOptions options{1, 1, 1};
  };
  std::vector<Conv> convs;
  torch::nn::Linear head{nullptr};
  explicit MkldnnCnn(torch::nn::Sequential& model) {
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i + 1 < model->size(); ++i) {
      auto conv = model->ptr(i)->as<torch::nn::Conv2d>();
      auto bn = model->ptr(i + 1)->as<torch::nn::BatchNorm2d>();
      if (!conv || !bn) continue;
      // Eval batch norm is y = (x - mean) / sqrt(var + eps) * w + b: fold it into the conv.
      auto scale = bn->weight / (bn->running_var + bn->options.eps()).sqrt();
      auto w = conv->weight * scale.view({-1, 1, 1, 1});
      auto bias = bn->bias - bn->running_mean * scale;
      const auto& o = conv->options;
      convs.push_back({at::mkldnn_reorder_conv2d_weight(w.to_mkldnn(), paddingOf(o), o.stride(),
                                                        o.dilation(), o.groups()),
                       o});
      biases.push_back(bias);
    }
    head = std::dynamic_pointer_cast<torch::nn::LinearImpl>(model->ptr(model->size() - 1));
  }
  std::vector<torch::Tensor> biases;
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = x.to_mkldnn();
    for (std::size_t i = 0; i < convs.size(); ++i) {
      const auto& o = convs[i].options;
      y = at::mkldnn_convolution(y, convs[i].weight, biases[i], paddingOf(o), o.stride(),
                                 o.dilation(), o.groups());
      y = at::relu(y);
    }
    y = at::adaptive_avg_pool2d(y, {1, 1}).to_dense().flatten(1);
    return head->forward(y);
  }
};

void toChannelsLast(torch::nn::Sequential& model) {
  for (auto& p : model->parameters())
    if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
}

void validationRows(int bs, int rounds) {
  torch::manual_seed(0);
  lb::ModelSpec spec;
  auto model = lb::buildModel(spec, {1, 28, 28}, 10).model;
  auto last = lb::buildModel(spec, {1, 28, 28}, 10).model;
  {  // trained-looking batch-norm statistics, so folding them is tested
    torch::NoGradGuard noGrad;
    model->train();
    for (int i = 0; i < 3; ++i) model->forward(torch::randn({bs, 1, 28, 28}) * 2 + 0.5);
    model->eval();
    auto to = last->named_parameters();
    for (const auto& p : model->named_parameters()) to[p.key()].copy_(p.value());
    auto tb = last->named_buffers();
    for (const auto& p : model->named_buffers()) tb[p.key()].copy_(p.value());
    last->eval();
    toChannelsLast(last);
  }
  MkldnnCnn mkldnn(model);
  const auto x = torch::randn({bs, 1, 28, 28});
  torch::Tensor outs[4];
  const auto t = interleaved({[&] {
                                torch::NoGradGuard g;
                                outs[0] = model->forward(x);
                              },
                              [&] {
                                c10::InferenceMode g;
                                outs[1] = model->forward(x);
                              },
                              [&] {
                                torch::NoGradGuard g;
                                outs[2] = last->forward(x);
                              },
                              [&] {
                                torch::NoGradGuard g;
                                outs[3] = mkldnn.forward(x);
                              }},
                             rounds);
  printRows("validation, simple_cnn bs" + std::to_string(bs),
            {"NCHW, NoGradGuard (engine)", "NCHW, InferenceMode", "channels-last weights",
             "oneDNN tensors, BN folded"},
            t,
            {0, maxDiff({outs[0]}, {outs[1]}), maxDiff({outs[0]}, {outs[2]}),
             maxDiff({outs[0]}, {outs[3]})});
}

// One training step of the engine: forward, cross-entropy, backward, lb::Optimizer.
struct Trainer {
  torch::nn::Sequential model;
  std::unique_ptr<lb::Optimizer> opt;
  torch::Tensor x, y;
  Trainer(const lb::ModelSpec& spec, lb::ImageShape shape, int bs, bool channelsLast) {
    torch::manual_seed(0);
    model = lb::buildModel(spec, shape, 10).model;
    x = torch::randn({bs, shape.channels, shape.height, shape.width});
    y = torch::randint(0, 10, {bs}, torch::kLong);
    if (channelsLast) {
      toChannelsLast(model);
      x = x.contiguous(at::MemoryFormat::ChannelsLast);
    }
    opt = std::make_unique<lb::Optimizer>(
        std::vector<lb::ParamGroup>{lb::paramGroupOf(*model, 1e-3)});
  }
  void step() {
    model->train();
    auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
    opt->zeroGrad();
    loss.backward();
    opt->step();
  }
};

void layoutRows(const char* what, const lb::ModelSpec& spec, lb::ImageShape shape, int bs,
                int rounds) {
  Trainer a(spec, shape, bs, false), b(spec, shape, bs, true);
  const auto t = interleaved({[&] { a.step(); }, [&] { b.step(); }}, rounds);
  printRows(what, {"NCHW (engine)", "channels-last"}, t,
            {0, maxDiff(a.model->parameters(), b.model->parameters())});
}

// A child process's median step time in milliseconds (the last number it prints).
double childStep(const std::string& self, const std::string& env, int threads, int steps) {
  const std::string cmd = env + " " + self + " --child-steps " + std::to_string(steps) +
                          " --threads " + std::to_string(threads);
  FILE* p = popen(cmd.c_str(), "r");
  double ms = 0;
  if (p) {
    while (std::fscanf(p, "%lf", &ms) == 1) {
    }
    pclose(p);
  }
  return ms / 1e3;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = lb::bench::parseArgs(argc, argv);
  int childSteps = 0;
  for (int i = 1; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], "--child-steps")) childSteps = std::stoi(argv[i + 1]);
  const int threads = lb::useThreads(args.threads);
  lb::tuneAllocator();
  lb::ModelSpec cnn;
  if (childSteps > 0) {  // one simple CNN training step, timed, for the threads rows
    Trainer t(cnn, {1, 28, 28}, 64, false);
    std::vector<double> ms;
    for (int s = 0; s <= childSteps; ++s) {
      Stopwatch w;
      t.step();
      if (s > 0) ms.push_back(1e3 * w.seconds());
    }
    std::printf("%f\n", median(ms));
    return 0;
  }
  std::printf("oneDNN (mkldnn) in this LibTorch: %s; %d intra-op threads; medians of %d "
              "interleaved rounds\n\n",
              at::hasMKLDNN() ? "yes" : "no", threads, args.repeats);
  std::printf("%-34s%-34s%10s%8s%12s\n", "what", "variant", "ms", "ratio", "max diff");
  lb::ModelSpec resnet;
  resnet.name = "resnet18";
  optimizerRows("Adam step, simple_cnn", cnn, {1, 28, 28}, args.repeats);
  optimizerRows("Adam step, resnet18", resnet, {3, 224, 224}, args.repeats);
  validationRows(256, args.repeats);
  layoutRows("train step, simple_cnn 28x28 bs64", cnn, {1, 28, 28}, 64, args.repeats);
  lb::ModelSpec small = resnet;
  small.smallImages = true;
  layoutRows("train step, resnet18 28x28 bs16", small, {1, 28, 28}, 16, args.repeats);

  // Threads: libgomp reads its wait policy at start-up, so each variant is a process of its own.
  struct Variant {
    const char* name;
    const char* env;
    int threads;
  };
  const Variant variants[] = {{"2 threads, libgomp spins (default)", "", 2},
                              {"2 threads, GOMP_SPINCOUNT=10000", "GOMP_SPINCOUNT=10000", 2},
                              {"2 threads, OMP_WAIT_POLICY=PASSIVE", "OMP_WAIT_POLICY=PASSIVE", 2},
                              {"1 thread", "", 1}};
  std::vector<std::vector<double>> ms(std::size(variants));
  for (int r = 0; r < args.repeats; ++r)
    for (std::size_t v = 0; v < std::size(variants); ++v)
      ms[v].push_back(childStep(argv[0], variants[v].env, variants[v].threads, 20));
  std::vector<std::string> names;
  std::vector<double> medians;
  for (std::size_t v = 0; v < std::size(variants); ++v)
    names.push_back(variants[v].name), medians.push_back(median(ms[v]));
  printRows("train step, simple_cnn bs64", names, medians, std::vector<double>(names.size(), 0));
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("\nload average at the end: %.2f (1 min), %.2f (5 min)\n", load[0], load[1]);
  return 0;
}
