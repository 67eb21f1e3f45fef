// The training loop under each of libgomp's wait settings (issue 15): the bare LibTorch loop
// (AdamW, index_select batches of normalised tensors) and the Learner (fit_one_cycle on a
// TensorLoader) over the same Fashion-MNIST images, default CNN, batch 64, one epoch each, every
// setting in a process of its own (libgomp reads them at start-up), rounds interleaved, medians;
// first on the quiet machine, then with one core kept busy by another process (what a compile,
// a second program or a busy loader thread does). The settings: the app's GOMP_SPINCOUNT=10000,
// OMP_WAIT_POLICY=PASSIVE, OMP_WAIT_POLICY=ACTIVE (spin for ever), and one intra-op thread.
//   bench_loop [--limit N (6000)] [--repeats R (3)]
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adamw.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench/bench_common.h"
#include "engine/data/fashion_mnist.h"
#include "engine/data/tensor_loader.h"
#include "engine/models/model_builder.h"
#include "engine/models/simple_cnn.h"
#include "engine/project/project.h"
#include "engine/train/callbacks.h"
#include "engine/train/learner.h"
#include "engine/train/metrics.h"
#include "engine/util/runtime.h"

using lb::bench::median;
using lb::bench::Stopwatch;

namespace {

struct Data {
  torch::Tensor x, y, vx, vy;
};

double bareRate(const Data& d) {
  torch::manual_seed(0);
  auto model = lb::makeSimpleCnn(1, 10, lb::ModelSettings{}.channels);
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-3));
  model->train();
  const int bs = 64;
  const int batches = int(d.x.size(0) / bs);
  auto order = torch::randperm(d.x.size(0), torch::kLong);
  Stopwatch clock;
  for (int b = 0; b < batches; ++b) {
    auto idx = order.slice(0, b * bs, (b + 1) * bs);
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(model->forward(d.x.index_select(0, idx)),
                                                     d.y.index_select(0, idx));
    loss.backward();
    opt.step();
    loss.item<float>();
  }
  return double(batches * bs) / clock.seconds();
}

double learnerRate(const Data& d) {
  torch::manual_seed(0);
  auto model = lb::makeSimpleCnn(1, 10, lb::ModelSettings{}.channels);
  lb::Learner learn(lb::TensorLoader(d.x, d.y, 64, true, 0),
                    lb::TensorLoader(d.vx, d.vy, 256, false, 0), model, lb::crossEntropyLoss,
                    {std::make_shared<lb::Accuracy>()});
  struct Clock : lb::Callback {
    Stopwatch clock;
    double seconds = 0;
    void beforeTrain(lb::Learner&) override { clock = {}; }
    void afterTrain(lb::Learner&) override { seconds = clock.seconds(); }
  };
  auto c = std::make_shared<Clock>();
  learn.addCallback(c);
  learn.fitOneCycle(1, lb::OneCycleOptions{}.setLrMax(1e-2));
  return double(d.x.size(0) / 64 * 64) / c->seconds;
}

// In the child: one epoch of each loop, printed as "bare learner".
int child(int limit, int threads) {
  lb::useThreads(threads);
  const auto fm = lb::loadFashionMnist(lb::kDefaultFashionMnistDir, limit, 0);
  const auto stats = lb::measureNormalization(fm.train.images);
  const Data d{lb::normalizeImages(fm.train.images, stats), fm.train.labels,
               lb::normalizeImages(fm.valid.images, stats), fm.valid.labels};
  bareRate(d);  // warms up the allocator and the thread team
  const double bare = bareRate(d);
  std::printf("%f %f\n", bare, learnerRate(d));
  return 0;
}

struct Setting {
  const char* name;
  const char* env;  // NAME=VALUE, or "" for none
  int threads;
};

std::pair<double, double> runChild(const char* self, const Setting& s, int limit) {
  std::string command = "env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT " + std::string(s.env) + " " +
                        self + " --child " + std::to_string(limit) + " " +
                        std::to_string(s.threads);
  FILE* p = popen(command.c_str(), "r");
  double bare = 0, learner = 0;
  if (p && std::fscanf(p, "%lf %lf", &bare, &learner) != 2) bare = learner = 0;
  if (p) pclose(p);
  return {bare, learner};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && !std::strcmp(argv[1], "--child"))
    return child(std::stoi(argv[2]), std::stoi(argv[3]));
  auto args = lb::bench::parseArgs(argc, argv);
  if (args.limit == 0) args.limit = 6000;
  const Setting settings[] = {{"GOMP_SPINCOUNT=10000 (the app's)", "GOMP_SPINCOUNT=10000", 2},
                              {"OMP_WAIT_POLICY=PASSIVE", "OMP_WAIT_POLICY=PASSIVE", 2},
                              {"OMP_WAIT_POLICY=ACTIVE", "OMP_WAIT_POLICY=ACTIVE", 2},
                              {"1 thread (PASSIVE)", "OMP_WAIT_POLICY=PASSIVE", 1}};
  std::printf("default CNN, batch 64, %d images, medians of %d interleaved rounds, img/s\n\n",
              args.limit, args.repeats);
  std::printf("%-14s%-36s%10s%10s%10s\n", "machine", "setting", "bare", "Learner", "L / bare");
  for (bool busy : {false, true}) {
    pid_t spinner = 0;
    if (busy) {
      const char* spin[] = {"sh", "-c", "while :; do :; done", nullptr};
      posix_spawnp(&spinner, "sh", nullptr, nullptr, const_cast<char**>(spin), environ);
    }
    std::vector<std::vector<double>> bare(std::size(settings)), learner(std::size(settings));
    for (int r = 0; r < args.repeats; ++r)
      for (std::size_t s = 0; s < std::size(settings); ++s) {
        const auto [b, l] = runChild(argv[0], settings[s], args.limit);
        bare[s].push_back(b);
        learner[s].push_back(l);
      }
    if (spinner > 0) {
      kill(spinner, SIGKILL);
      waitpid(spinner, nullptr, 0);
    }
    for (std::size_t s = 0; s < std::size(settings); ++s)
      std::printf("%-14s%-36s%10.0f%10.0f%10.3f\n", busy ? "1 core busy" : "quiet",
                  settings[s].name, median(bare[s]), median(learner[s]),
                  median(learner[s]) / median(bare[s]));
    std::fflush(stdout);
  }
  return 0;
}
