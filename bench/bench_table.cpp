// The performance table of the README in one run (issue 15), so the next measurement is one
// command. Fashion-MNIST, the default CNN, batch 64, one training epoch each, runs interleaved
// (other work on the machine slows all of them alike) and medians of --repeats:
//   bare    a plain LibTorch loop (AdamW, index_select batches) over normalised tensors in memory;
//   IDX     Learnbench from the IDX files (the in-memory TensorLoader);
//   PNG     Learnbench from a folder of PNG files, as the user's own data goes (the decode cache
//           and the worker count chosen automatically), and streamed (cacheMb 0) for comparison;
// with images/s of the training epoch, its ratio to the bare loop, the validation accuracy after
// the epoch (speed bought with accuracy is no gain), the seconds spent before the epoch (the
// file check, which fills the cache) and the share of the epoch the training thread waited for
// its batches (making them itself, or for a loader thread).
// Photos: RGB JPEGs of mixed sizes made from the example (upscaled, tinted), 224x224 with
// RandomResizedCrop and aug_transforms on ResNet-18, each size in a process of its own: one
// epoch of the loader alone (filling the cache up to its budget), then --photo-batches batches of
// 16: the share of the step time the model waits for data, and the process's peak RSS, at
// --photos images (within the cache budget) and ten times as many (beyond it: streaming).
// Last, the window attached against the engine alone: bench_gui_training (built beside this
// program when the GUI is) in a process of its own, at batch 64 on --window-limit images (0: no
// window rows).
//   bench_table [--limit N (default 20000)] [--repeats R] [--threads T] [--photos N (200)]
//               [--photo-batches B (6)] [--photo-cache-mb M (64)] [--window-limit N (10000)]
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adamw.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "bench/bench_common.h"
#include "bench/timed_loader.h"
#include "engine/data/data_loaders.h"
#include "engine/data/decode_cache.h"
#include "engine/data/fashion_mnist.h"
#include "engine/models/model_builder.h"
#include "engine/models/simple_cnn.h"
#include "engine/project/project.h"
#include "engine/train/callbacks.h"
#include "engine/train/learner.h"
#include "engine/util/runtime.h"

namespace fs = std::filesystem;
using lb::bench::median;
using lb::bench::Stopwatch;

namespace {

struct Options {
  int limit = 20000, repeats = 3, threads = 0, photos = 200, photoBatches = 6, photoCacheMb = 64;
  int windowLimit = 10000;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const int value = std::stoi(argv[i + 1]);
    if (key == "--limit") o.limit = value;
    if (key == "--repeats") o.repeats = value;
    if (key == "--threads") o.threads = value;
    if (key == "--photos") o.photos = value;
    if (key == "--photo-batches") o.photoBatches = value;
    if (key == "--photo-cache-mb") o.photoCacheMb = value;
    if (key == "--window-limit") o.windowLimit = value;
  }
  return o;
}

struct Figures {
  double rate = 0, accuracy = 0, before = 0, wait = 0;
};

// The bare loop: AdamW at 1e-3 over the tensors, then the validation accuracy.
Figures bareEpoch(const lb::FashionMnist& data, const lb::Normalization& stats) {
  const auto x = lb::normalizeImages(data.train.images, stats), y = data.train.labels;
  torch::manual_seed(0);
  auto model = lb::makeSimpleCnn(1, 10, lb::ModelSettings{}.channels);
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-3));
  model->train();
  const int bs = 64;
  const auto n = x.size(0);
  auto order = torch::randperm(n, torch::kLong);
  Stopwatch clock;
  for (int64_t start = 0; start + bs <= n; start += bs) {
    auto idx = order.slice(0, start, start + bs);
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(model->forward(x.index_select(0, idx)),
                                                     y.index_select(0, idx));
    loss.backward();
    opt.step();
    loss.item<float>();  // as any loop that reports its loss must
  }
  Figures f{double((n / bs) * bs) / clock.seconds()};
  torch::NoGradGuard noGrad;
  model->eval();
  const auto pred = model->forward(lb::normalizeImages(data.valid.images, stats)).argmax(1);
  f.accuracy = pred.eq(data.valid.labels).to(torch::kFloat).mean().item<double>();
  return f;
}

// Learnbench: one epoch of fit_one_cycle (lr 1e-2) on the data block's loaders; the clock runs
// from the first training batch to the last, as the bare loop's.
// `loaderPass`: one epoch of the training loader alone first (filling the cache as far as the
// budget goes), counted in `before`.
Figures engineEpoch(const lb::DataBlockSpec& spec, int batchSize = 64,
                    const lb::ModelSpec* modelSpec = nullptr, int stopAfter = 0,
                    bool loaderPass = false) {
  Stopwatch before;
  lb::DataLoaders dls = lb::buildDataLoaders(spec, {}, batchSize, 0);
  if (loaderPass) {
    dls.train->startEpoch(0);
    for (int b = 0; b < dls.train->batches(); ++b) dls.train->batch(b);
  }
  Figures f;
  f.before = before.seconds();
  torch::manual_seed(0);
  auto timed = std::make_shared<lb::bench::TimedLoader>(dls.train);
  auto model = modelSpec ? lb::buildModel(*modelSpec, dls.shape, dls.outputs()).model
                         : lb::makeSimpleCnn(1, dls.outputs(), lb::ModelSettings{}.channels);
  lb::Learner learn(timed, dls.valid, model, lb::crossEntropyLoss,
                    {std::make_shared<lb::Accuracy>()});
  struct Clock : lb::Callback {
    int stopAfter = 0;
    Stopwatch clock;
    double seconds = 0;
    int done = 0;
    void beforeTrain(lb::Learner&) override { clock = {}; }
    void afterBatch(lb::Learner& l) override {
      if (l.training && ++done == stopAfter) {
        seconds = clock.seconds();
        throw lb::CancelFit();
      }
    }
    void afterTrain(lb::Learner&) override { seconds = clock.seconds(); }
  };
  auto clock = std::make_shared<Clock>();
  clock->stopAfter = stopAfter;
  learn.addCallback(clock);
  learn.fitOneCycle(1, lb::OneCycleOptions{}.setLrMax(1e-2));
  const int batches = stopAfter > 0 ? clock->done : timed->batches();
  f.rate = double(batches * batchSize) / clock->seconds;
  f.wait = timed->waited / clock->seconds;
  if (!learn.recorder().epochs.empty()) f.accuracy = learn.recorder().epochs.back().metrics.at(0);
  return f;
}

void writePng(const fs::path& file, const cv::Mat& image) {
  fs::create_directories(file.parent_path());
  cv::imwrite(file.string(), image);
}

// DIR/{train,valid}/<label>/<n>.png, the images of `data` as they are.
void writePngFolder(const fs::path& dir, const lb::FashionMnist& data) {
  for (const auto& [split, name] : {std::pair{&data.train, "train"}, {&data.valid, "valid"}})
    for (int i = 0; i < split->size(); ++i) {
      auto pixels = split->images[i][0].contiguous();
      writePng(dir / name / std::to_string(split->labels[i].item<std::int64_t>()) /
                   (std::to_string(i) + ".png"),
               cv::Mat(28, 28, CV_8UC1, pixels.data_ptr()).clone());
    }
}

// `count` training photos (and count / 6 validation ones): each example image upscaled to a
// random size between 160 and 320 pixels a side, tinted a random colour, saved as JPEG.
void writePhotos(const fs::path& dir, int count) {
  const lb::FashionMnist data = lb::loadFashionMnist(lb::kDefaultFashionMnistDir, count, 3);
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> side(160, 320), tint(80, 255);
  for (const auto& [split, name] : {std::pair{&data.train, "train"}, {&data.valid, "valid"}})
    for (int i = 0; i < split->size(); ++i) {
      auto pixels = split->images[i][0].contiguous();
      cv::Mat grey(28, 28, CV_8UC1, pixels.data_ptr()), big, colour;
      cv::resize(grey, big, cv::Size(side(rng), side(rng)), 0, 0, cv::INTER_CUBIC);
      cv::cvtColor(big, colour, cv::COLOR_GRAY2BGR);
      colour = colour.mul(cv::Scalar(tint(rng), tint(rng), tint(rng)), 1.0 / 255);
      const fs::path file = dir / name / std::to_string(split->labels[i].item<std::int64_t>()) /
                            (std::to_string(i) + ".jpg");
      fs::create_directories(file.parent_path());
      cv::imwrite(file.string(), colour, {cv::IMWRITE_JPEG_QUALITY, 90});
    }
}

lb::DataBlockSpec folderSpec(const fs::path& dir) {
  lb::DataBlockSpec s;
  s.source = lb::SourceKind::Folder;
  s.path = dir.string();
  s.split.kind = lb::SplitKind::Grandparent;
  return s;
}

// The photo run, in a child process: prints "wait rate cachedMB" for the parent.
int photoChild(const fs::path& dir, int batches, int cacheMb, const fs::path& out) {
  lb::DataBlockSpec s = folderSpec(dir);
  s.resize = {224, 224};
  s.randomResizedCrop = {true, 0.35, 3.0 / 4.0, 4.0 / 3.0};
  s.augment.enabled = true;
  s.cacheMb = cacheMb;
  lb::ModelSpec resnet;
  resnet.name = "resnet18";
  const Figures f = engineEpoch(s, 16, &resnet, batches, /*loaderPass=*/true);
  std::ofstream(out) << f.wait << " " << f.rate << "\n";
  return 0;
}

struct ChildFigures {
  double wait = 0, rate = 0, peakMb = 0;
};

ChildFigures runChild(const fs::path& dir, const Options& o, const fs::path& out) {
  const std::string exe = fs::read_symlink("/proc/self/exe").string();
  std::vector<std::string> args = {exe, "--photo-child", dir.string(),
                                   std::to_string(o.photoBatches), std::to_string(o.photoCacheMb),
                                   out.string(), "--threads", std::to_string(o.threads)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return {};
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  ChildFigures c;
  std::ifstream(out) >> c.wait >> c.rate;
  c.peakMb = double(usage.ru_maxrss) / 1024.0;
  return c;
}

// The window rows: bench_gui_training's table, from the program beside this one, offscreen
// unless a display was chosen. Says so when the GUI was not built.
void printWindowRows(const Options& o) {
  const fs::path exe = fs::read_symlink("/proc/self/exe").parent_path() / "bench_gui_training";
  std::printf("\nThe window attached against the engine alone (bench_gui_training, batch 64, %d "
              "images):\n\n", o.windowLimit);
  std::fflush(stdout);
  if (!fs::exists(exe)) {
    std::printf("bench_gui_training was not built (LB_BUILD_GUI=OFF): no window rows\n");
    return;
  }
  setenv("QT_QPA_PLATFORM", "offscreen", /*overwrite=*/0);
  const std::string command = exe.string() + " --bs 64 --limit " + std::to_string(o.windowLimit) +
                              " --repeats " + std::to_string(o.repeats) + " --threads " +
                              std::to_string(o.threads);
  if (std::system(command.c_str()) != 0) std::printf("bench_gui_training failed\n");
}

}  // namespace

int main(int argc, char** argv) {
  lb::useShortOpenMpSpin(argv);  // as the app and the CLI run
  if (argc >= 6 && !std::strcmp(argv[1], "--photo-child")) {
    lb::useThreads(argc >= 8 ? std::stoi(argv[7]) : 0);
    lb::tuneAllocator();
    return photoChild(argv[2], std::stoi(argv[3]), std::stoi(argv[4]), argv[5]);
  }
  const Options o = parse(argc, argv);
  const int threads = lb::useThreads(o.threads);
  lb::tuneAllocator();
  const fs::path root = fs::temp_directory_path() / "learnbench_bench_table";
  fs::remove_all(root);

  lb::DataBlockSpec idx;
  idx.limit = o.limit;
  const lb::FashionMnist data = lb::loadFashionMnistSource(idx, {});
  const auto stats = lb::measureNormalization(data.train.images);
  writePngFolder(root / "png", data);
  lb::DataBlockSpec png = folderSpec(root / "png"), streamed = png;
  streamed.cacheMb = 0;
  std::printf("Fashion-MNIST, %lld training and %lld validation images, the default CNN, batch 64,\n"
              "%d intra-op threads, %u cores, cache budget %.1f GiB by default; medians of %d\n"
              "interleaved runs of one training epoch\n\n",
              (long long)data.train.size(), (long long)data.valid.size(), threads,
              std::thread::hardware_concurrency(), double(lb::defaultCacheBudget()) / (1 << 30),
              o.repeats);
  struct Row {
    const char* name;
    std::function<Figures()> run;
    std::vector<Figures> runs;
  };
  std::vector<Row> rows = {
      {"bare LibTorch loop, tensors in memory", [&] { return bareEpoch(data, stats); }, {}},
      {"Learnbench, IDX files", [&] { return engineEpoch(idx); }, {}},
      {"Learnbench, PNG folder (automatic)", [&] { return engineEpoch(png); }, {}},
      {"Learnbench, PNG folder, streamed (cacheMb 0)", [&] { return engineEpoch(streamed); }, {}},
  };
  rows[0].run();  // warms up the allocator and the thread team, for every row alike
  for (int r = 0; r < o.repeats; ++r)
    for (auto& row : rows) row.runs.push_back(row.run());
  auto med = [](const Row& row, double Figures::*field) {
    std::vector<double> v;
    for (const auto& f : row.runs) v.push_back(f.*field);
    return median(v);
  };
  const double bare = med(rows[0], &Figures::rate);
  std::printf("%-46s%10s%10s%10s%10s%10s\n", "path", "img/s", "/ bare", "accuracy", "before s",
              "waiting");
  for (const auto& row : rows)
    std::printf("%-46s%10.0f%10.3f%10.4f%10.2f%9.1f%%\n", row.name, med(row, &Figures::rate),
                med(row, &Figures::rate) / bare, med(row, &Figures::accuracy),
                med(row, &Figures::before), 100 * med(row, &Figures::wait));

  std::printf("\nPhotos: RGB JPEGs 160-320 px a side, 224x224 RandomResizedCrop + aug_transforms, "
              "ResNet-18,\nbatch 16, a loader epoch then %d training batches, cache budget %d MiB; a process per size\n\n",
              o.photoBatches, o.photoCacheMb);
  std::printf("%-46s%10s%10s%12s\n", "photos", "img/s", "waiting", "peak RSS MB");
  for (int count : {o.photos, o.photos * 10}) {
    const fs::path dir = root / ("photos" + std::to_string(count));
    writePhotos(dir, count);
    const ChildFigures c = runChild(dir, o, root / "child.txt");
    char name[64];
    std::snprintf(name, sizeof name, "%d training images", count);
    std::printf("%-46s%10.1f%9.1f%%%12.0f\n", name, c.rate, 100.0 * c.wait, c.peakMb);
    std::fflush(stdout);
  }
  fs::remove_all(root);
  if (o.windowLimit > 0) printWindowRows(o);
  return 0;
}
