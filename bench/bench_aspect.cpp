// Grouping by aspect ratio against one shape for all (issue 15): Fashion-MNIST images padded
// to 2:1 (56x28) or 1:2 (28x56), every other one, so the aspect says nothing of the class; the
// default CNN, Resize 32x32 (squish), batch 64, one-cycle at 1e-2. Runs grouping off and on
// interleaved, --repeats times each, and prints each run and the medians: training images a
// second (validation included in the time) and the last epoch's validation accuracy.
// build/bench/bench_aspect [--limit 6000] [--repeats 2] [--epochs 2]
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include "bench/bench_common.h"
#include "engine/data/fashion_mnist.h"
#include "engine/experiment/experiment.h"
#include "engine/project/project.h"

using namespace lb;
namespace fs = std::filesystem;

namespace {

void writeSplit(const fs::path& dir, const LabelledImages& split, int count) {
  const auto classes = fashionMnistClasses();
  for (int i = 0; i < count && i < split.size(); ++i) {
    auto pixels = split.images[i][0].contiguous();
    const cv::Mat image(28, 28, CV_8UC1, pixels.data_ptr());
    const bool wide = i % 2 == 0;
    cv::Mat out = cv::Mat::zeros(wide ? 28 : 56, wide ? 56 : 28, CV_8UC1);
    image.copyTo(out(cv::Rect(wide ? 14 : 0, wide ? 0 : 14, 28, 28)));
    const fs::path file = dir / std::to_string(split.labels[i].item<std::int64_t>()) /
                          (std::to_string(i) + ".png");
    fs::create_directories(file.parent_path());
    cv::imwrite(file.string(), out);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bench::Args args = bench::parseArgs(argc, argv);
  if (args.limit == 0) args.limit = 6000;
  if (args.repeats == 3) args.repeats = 2;
  int epochs = 2;
  for (int i = 1; i + 1 < argc; i += 2)
    if (!std::strcmp(argv[i], "--epochs")) epochs = std::stoi(argv[i + 1]);
  const fs::path root = fs::temp_directory_path() / "lb_bench_aspect";
  fs::remove_all(root);
  const FashionMnist data = loadFashionMnist(kDefaultFashionMnistDir, args.limit, 7);
  writeSplit(root / "images" / "train", data.train, args.limit);
  writeSplit(root / "images" / "valid", data.valid, args.limit / 6);

  std::map<bool, std::vector<double>> speed, accuracy;
  std::printf("%-9s %6s %9s %9s\n", "grouping", "run", "img/s", "accuracy");
  for (int r = 0; r < args.repeats; ++r)
    for (bool grouped : {false, true}) {
      Project p;
      p.data.source = SourceKind::Folder;
      p.data.path = (root / "images").string();
      p.data.split.kind = SplitKind::Grandparent;
      p.data.resize = {32, 32};
      p.data.groupByAspect = grouped;
      p.train.epochs = epochs;
      p.train.lr = 1e-2;
      p.train.batchSize = 64;
      p.train.seed = 1;
      p.train.threads = args.threads;
      saveProject(p, root / "aspect.lbproj");
      Experiment experiment(loadProject(root / "aspect.lbproj"));
      const TrainingOutcome outcome = experiment.train();
      double seconds = 0;
      for (const EpochResult& e : outcome.epochs) seconds += e.seconds;
      const double rate = double(experiment.trainItems()) * epochs / seconds;
      speed[grouped].push_back(rate);
      accuracy[grouped].push_back(outcome.epochs.back().metric);
      std::printf("%-9s %6d %9.0f %9.4f\n", grouped ? "on" : "off", r + 1, rate,
                  outcome.epochs.back().metric);
      std::fflush(stdout);
    }
  for (bool grouped : {false, true})
    std::printf("median %-3s %9.0f img/s %9.4f accuracy\n", grouped ? "on" : "off",
                bench::median(speed[grouped]), bench::median(accuracy[grouped]));
  std::printf("speed on/off %.3f\n", bench::median(speed[true]) / bench::median(speed[false]));
  fs::remove_all(root);
  return 0;
}
