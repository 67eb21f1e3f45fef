// learnbench-cli export and predict: the trained model as a TorchScript file plain PyTorch can
// load, and that file's top classes for image files, prepared as training prepared its images.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "app/cli_commands.h"
#include "engine/experiment/export.h"
#include "engine/experiment/operations.h"
#include "engine/project/project.h"
#include "engine/util/runtime.h"
#include "engine/util/thousands.h"

namespace lb {

namespace {
constexpr int kDefaultTopClasses = 3;
}  // namespace

int runExport(const std::vector<std::string>& args, std::ostream& out, std::ostream& /*err*/) {
  namespace fs = std::filesystem;
  const Options o = parseOptions("export", args, {"--out", "--checkpoint", "--threads"});
  if (o.positional.size() != 1 || !o.values.count("--out"))
    throw std::invalid_argument(
        "export needs one project file and --out: learnbench-cli export PROJECT --out MODEL.pt.");
  Project project = loadProject(o.positional[0]);
  applyRunOptions(o, project);
  const fs::path checkpoint =
      requireCheckpoint(project, chosenCheckpoint(o), checkpointRemedy(o.positional[0]));
  const fs::path file = o.values.at("--out");
  useThreads(project.train.threads);
  exportModel(project, checkpoint, file);
  if (o.json)
    out << nlohmann::json{{"model", file.string()}, {"checkpoint", checkpoint.string()}}.dump()
        << "\n";
  else
    out << "Exported " << checkpoint.string() << " to " << file.string()
        << " (TorchScript: torch.jit.load it in Python, call predict_proba).\n";
  return 0;
}

int runPredict(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const Options o = parseOptions("predict", args, {"--k", "--threads"});
  if (o.positional.size() < 2)
    throw std::invalid_argument(
        "predict needs a model file and at least one image: learnbench-cli predict MODEL.pt "
        "IMAGE...");
  const int k = int(wholeNumber(o, "--k", 1).value_or(kDefaultTopClasses));
  useThreads(int(wholeNumber(o, "--threads", 0, kMaxThreads).value_or(0)));
  const ExportedModel model = loadExportedModel(o.positional[0]);
  const std::vector<std::filesystem::path> images(o.positional.begin() + 1, o.positional.end());

  int unreadable = 0;
  for (const Prediction& p : predictImages(model, images, k)) {
    if (!p.error.empty()) {
      err << p.file.string() << ": " << p.error << "\n";
      ++unreadable;
      continue;
    }
    if (o.json) {
      nlohmann::ordered_json line = {{"file", p.file.string()},
                                     {"predictions", nlohmann::ordered_json::array()}};
      for (const auto& [label, probability] : p.top)
        line["predictions"].push_back({{"label", label}, {"probability", probability}});
      out << line.dump() << "\n";
    } else {
      out << p.file.string();
      for (const auto& [label, probability] : p.top) {
        char number[32];
        std::snprintf(number, sizeof number, "%.2f", probability);
        out << "  " << label << " " << number;
      }
      out << "\n";
    }
  }
  if (unreadable > 0) {
    const std::size_t bad = std::size_t(unreadable), all = images.size();
    if (bad == all)
      err << (all == 1 ? "The image could not be read.\n"
                       : "None of the " + countOf((long long)all, "image") + " could be read.\n");
    else
      err << bad << " of " << countOf((long long)all, "image") << " could not be read; the "
          << (all - bad == 1 ? "other was" : "others were")
          << " predicted.\n";
    return 1;
  }
  return 0;
}

}  // namespace lb
