// learnbench-cli suspects PROJECT [--k FOLDS] [--epochs N] [--top N] [--json]: the items whose
// label is most likely wrong (engine/experiment/suspects.h), highest score first, and kept in
// PROJECT.learnbench/suspects.csv for the window. Ctrl-C stops after the current batch.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

#include "app/cli_commands.h"
#include "engine/experiment/suspects.h"
#include "engine/project/project.h"
#include "engine/util/error.h"

namespace lb {

int runSuspects(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                const std::atomic<bool>* stopRequested) {
  const Options o = parseOptions("suspects", args, {"--k", "--top", "--epochs"});
  if (o.positional.size() != 1)
    throw std::invalid_argument(
        "suspects needs one project file: learnbench-cli suspects PROJECT [--k 5] [--top 20].");
  const Project project = loadProject(o.positional[0]);
  SuspectOptions options;
  options.folds = int(wholeNumber(o, "--k", 2, kMaxSuspectFolds).value_or(kDefaultSuspectFolds));
  options.epochs = int(wholeNumber(o, "--epochs", 1, kMaxEpochs).value_or(1));
  options.stop = stopRequested;
  const long long top = wholeNumber(o, "--top", 1).value_or(20);
  int lastFold = -1;
  if (!o.json)
    options.onProgress = [&](const SuspectProgress& p) {
      if (p.fold == lastFold) return;
      lastFold = p.fold;
      err << (p.fold < p.folds ? "Fold " + std::to_string(p.fold + 1) + " of " + std::to_string(p.folds) + "..."
                               : std::string("The validation items, with the latest model..."))
          << "\n";
    };
  const SuspectReport report = findSuspects(project, options);
  if (report.stopped) {
    err << "Stopped: no suspects were ranked.\n";
    return 1;
  }
  writeSuspects(project, report);
  if (!report.notice.empty()) err << report.notice << "\n";
  const std::size_t shown = std::min<std::size_t>(report.suspects.size(), std::size_t(top));
  if (!o.json)
    out << "The " << shown << " items most likely mislabelled (score = 1 - p(label) from models "
        << "that did not train on them), of " << report.suspects.size() << ":\n"
        << "score   split  label -> predicted   item\n";
  for (std::size_t k = 0; k < shown; ++k) {
    const Suspect& s = report.suspects[k];
    const std::string& label = report.classes[std::size_t(s.label)];
    const std::string& predicted = report.classes[std::size_t(s.predicted)];
    if (o.json) {
      out << nlohmann::json{{"path", s.item},           {"file", s.file.string()},
                            {"split", s.valid ? "valid" : "train"},
                            {"label", label},           {"predicted", predicted},
                            {"score", s.score},         {"label_probability", s.labelProbability},
                            {"predicted_probability", s.predictedProbability}}
                 .dump()
          << "\n";
      continue;
    }
    char score[16];
    std::snprintf(score, sizeof score, "%.3f", s.score);
    out << score << "   " << (s.valid ? "valid" : "train") << "  " << label << " -> " << predicted
        << "   " << s.item << "\n";
  }
  if (!o.json)
    out << "Decide with learnbench-cli clean " << o.positional[0]
        << " --relabel ITEM CLASS, --exclude ITEM or --undo.\n";
  return 0;
}

}  // namespace lb
