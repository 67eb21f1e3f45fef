// learnbench-cli interpret: fastai's ClassificationInterpretation of a trained project, as files
// a teacher can show (top losses, Grad-CAM, confusion matrix) and CSVs a script can read; for
// multi-label projects the per-label scores, for regression predicted against actual.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "app/cli_commands.h"
#include "app/cli_left_out.h"
#include "engine/interpret/interpret_plots.h"
#include "engine/interpret/target_reports.h"
#include "engine/project/project.h"
#include "engine/experiment/operations.h"
#include "engine/util/error.h"

namespace lb {

namespace {
namespace fs = std::filesystem;
constexpr double kThreshold = 0.5;    // fastai's accuracy_multi default

void printFiles(const std::vector<fs::path>& files, std::ostream& out) {
  out << "wrote:\n";
  for (const auto& f : files) out << "  " << f.string() << "\n";
}

nlohmann::ordered_json fileList(const std::vector<fs::path>& files) {
  nlohmann::ordered_json written = nlohmann::ordered_json::array();
  for (const auto& f : files) written.push_back(f.string());
  return written;
}

int writeMultiLabel(const Interpretation& in, const fs::path& checkpoint, const fs::path& dir,
                    bool json, std::ostream& out) {
  const std::vector<fs::path> files = {dir / "per_label.png", dir / "per_label.csv"};
  writePerLabelPlot(in.multiLabel, kThreshold, files[0]);
  writePerLabelCsv(in.multiLabel, kThreshold, files[1]);
  const double accuracy = accuracyMulti(in.multiLabel, kThreshold);
  const double best = bestThreshold(in.multiLabel);
  if (json) {
    nlohmann::ordered_json line = nlohmann::ordered_json::object();
    line["checkpoint"] = checkpoint.string();
    line["valid_items"] = in.validItems;
    line["threshold"] = kThreshold;
    line["accuracy_multi"] = accuracy;
    line["best_threshold"] = best;
    nlohmann::ordered_json labels = nlohmann::ordered_json::array();
    for (const LabelScores& l : in.multiLabel.labels) {
      const LabelMetrics m = labelMetrics(l, kThreshold);
      labels.push_back({{"label", l.name}, {"support", l.support}, {"precision", m.precision},
                        {"recall", m.recall}, {"f1", m.f1}});
    }
    line["labels"] = labels;
    line["files"] = fileList(files);
    out << line.dump() << "\n";
    return 0;
  }
  char head[200];
  std::snprintf(head, sizeof head,
                "%ld validation items, accuracy_multi %.1f%% at threshold %.2f (best %.2f: %.1f%%)\n",
                in.validItems, 100 * accuracy, kThreshold, best,
                100 * accuracyMulti(in.multiLabel, best));
  out << head;
  printFiles(files, out);
  return 0;
}

int writeRegression(const Interpretation& in, const fs::path& checkpoint, const fs::path& dir,
                    bool json, std::ostream& out) {
  const RegressionReport& r = in.regression;
  const std::vector<fs::path> files = {dir / "predicted_vs_actual.png", dir / "worst_residuals.png",
                                       dir / "predictions.csv"};
  writeRegressionScatterPlot(r, files[0]);
  writeWorstResidualsPlot(r, files[1]);
  writePredictionsCsv(in, files[2]);
  if (json) {
    nlohmann::ordered_json line = nlohmann::ordered_json::object();
    line["checkpoint"] = checkpoint.string();
    line["valid_items"] = in.validItems;
    line["mae"] = r.mae;
    line["rmse"] = r.rmse;
    line["r2"] = r.r2;
    nlohmann::ordered_json worst = nlohmann::ordered_json::array();
    for (const Residual& w : r.worst)
      worst.push_back({{"index", w.index}, {"actual", w.actual}, {"predicted", w.predicted}});
    line["worst_residuals"] = worst;
    line["files"] = fileList(files);
    out << line.dump() << "\n";
    return 0;
  }
  char head[200];
  std::snprintf(head, sizeof head, "%ld validation items, MAE %.4f, RMSE %.4f, R2 %.3f\n",
                in.validItems, r.mae, r.rmse, r.r2);
  out << head;
  printFiles(files, out);
  return 0;
}
}  // namespace

int runInterpret(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const Options o = parseOptions("interpret", args,
                                 {"--checkpoint", "--k", "--limit", "--out", "--threads"},
                                 {"--gradcam"});
  if (o.positional.size() != 1)
    throw std::invalid_argument(
        "interpret needs exactly one project file: learnbench-cli interpret PROJECT --out DIR.");
  if (!o.values.count("--out"))
    throw std::invalid_argument("interpret needs --out DIR, the folder to write its files into.");
  Project project = loadProject(o.positional[0]);
  applyRunOptions(o, project);
  const int k = int(wholeNumber(o, "--k", 1).value_or(kDefaultTopLosses));
  const bool gradCam = o.has("--gradcam");

  const fs::path checkpoint =
      requireCheckpoint(project, chosenCheckpoint(o), checkpointRemedy(o.positional[0]));
  // Before the data and the model are loaded, so a bad folder costs nothing.
  const fs::path dir = o.values.at("--out");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error("Cannot write into " + dir.string() + ": the folder cannot be created (" +
                (ec ? ec.message() : std::string("a file has that name")) + ").");

  Experiment experiment(project);
  reportLeftOut(experiment.skippedFiles(), experiment.greyExpanded(), err);
  const Interpretation in = experiment.interpret(k, checkpoint);
  if (in.target == TargetKind::MultiCategory) return writeMultiLabel(in, checkpoint, dir, o.json, out);
  if (in.target == TargetKind::Regression) return writeRegression(in, checkpoint, dir, o.json, out);

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
    line["files"] = fileList(files);
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
  printFiles(files, out);
  return 0;
}

}  // namespace lb
