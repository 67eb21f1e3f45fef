// learnbench-cli interpret: fastai's ClassificationInterpretation of a trained project, as files
// a teacher can show (top losses, Grad-CAM, confusion matrix) and CSVs a script can read.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "app/cli_commands.h"
#include "engine/interpret/interpret_plots.h"
#include "engine/project/project.h"
#include "engine/train/experiment.h"
#include "engine/util/error.h"

namespace lb {

namespace {
constexpr int kDefaultTopLosses = 9;  // fastai's plot_top_losses shows a 3 x 3 grid
}  // namespace

int runInterpret(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  namespace fs = std::filesystem;
  const Options o = parseOptions("interpret", args,
                                 {"--checkpoint", "--k", "--limit", "--out", "--threads"},
                                 {"--gradcam"});
  if (o.positional.size() != 1)
    throw std::invalid_argument(
        "interpret needs exactly one project file: learnbench-cli interpret PROJECT --out DIR.");
  if (!o.values.count("--out"))
    throw std::invalid_argument("interpret needs --out DIR, the folder to write its files into.");
  Project project = loadProject(o.positional[0]);
  if (auto v = wholeNumber(o, "--limit", 0)) project.data.limit = int(*v);
  if (auto v = wholeNumber(o, "--threads", 0)) project.train.threads = int(*v);
  const int k = int(wholeNumber(o, "--k", 1).value_or(kDefaultTopLosses));
  const bool gradCam = o.has("--gradcam");

  const fs::path checkpoint =
      o.values.count("--checkpoint") ? fs::path(o.values.at("--checkpoint")) : project.lastCheckpoint();
  if (!fs::exists(checkpoint)) {
    err << "There is no checkpoint at " << checkpoint.string() << ": run `learnbench-cli train "
        << o.positional[0] << "` first.\n";
    return 1;
  }
  // Before the data and the model are loaded, so a bad folder costs nothing.
  const fs::path dir = o.values.at("--out");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error("Cannot write into " + dir.string() + ": the folder cannot be created (" +
                (ec ? ec.message() : std::string("a file has that name")) + ").");

  Experiment experiment(project);
  const Interpretation in = experiment.interpret(k, checkpoint);

  std::vector<fs::path> files = {dir / "top_losses.png"};
  writeTopLossesPlot(in, files.back());
  if (gradCam) {
    files.push_back(dir / "top_losses_gradcam.png");
    writeTopLossesPlot(in, files.back(), /*gradCam=*/true);
  }
  files.push_back(dir / "top_losses.csv");
  writeTopLossesCsv(in, files.back());
  files.push_back(dir / "confusion_matrix.png");
  writeConfusionMatrixPlot(in.confusion, in.classes, files.back());
  files.push_back(dir / "confusion_matrix.csv");
  writeConfusionCsv(in.confusion, in.classes, files.back());
  files.push_back(dir / "most_confused.csv");
  writeMostConfusedCsv(in.mostConfused, in.classes, files.back());

  const double accuracy = in.confusion.accuracy();
  if (o.json) {
    nlohmann::ordered_json line = nlohmann::ordered_json::object();
    line["checkpoint"] = checkpoint.string();
    line["valid_items"] = in.validItems;
    line["accuracy"] = accuracy;
    nlohmann::ordered_json top = nlohmann::ordered_json::array();
    for (const TopLoss& t : in.topLosses)
      top.push_back({{"index", t.index},
                     {"actual", in.classes.at(std::size_t(t.actual))},
                     {"predicted", in.classes.at(std::size_t(t.predicted))},
                     {"loss", t.loss},
                     {"probability", t.probability}});
    line["top_losses"] = top;
    nlohmann::ordered_json confused = nlohmann::ordered_json::array();
    for (const ConfusedPair& p : in.mostConfused)
      confused.push_back({{"actual", in.classes.at(std::size_t(p.actual))},
                          {"predicted", in.classes.at(std::size_t(p.predicted))},
                          {"count", p.count}});
    line["most_confused"] = confused;
    nlohmann::ordered_json written = nlohmann::ordered_json::array();
    for (const auto& f : files) written.push_back(f.string());
    line["files"] = written;
    out << line.dump() << "\n";
    return 0;
  }
  char head[160];
  std::snprintf(head, sizeof head, "%ld validation items, accuracy %.1f%%\n", in.validItems,
                100 * accuracy);
  out << head;
  const std::size_t shown = std::min<std::size_t>(3, in.mostConfused.size());
  if (shown > 0) out << "most confused (actual -> predicted):\n";
  for (std::size_t i = 0; i < shown; ++i) {
    const ConfusedPair& p = in.mostConfused[i];
    out << "  " << in.classes.at(std::size_t(p.actual)) << " -> "
        << in.classes.at(std::size_t(p.predicted)) << ": " << p.count << "\n";
  }
  out << "wrote:\n";
  for (const auto& f : files) out << "  " << f.string() << "\n";
  return 0;
}

}  // namespace lb
