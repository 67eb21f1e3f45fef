#include "app/cli_summary.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>
#include <thread>

#include "engine/data/data_loaders.h"
#include "engine/data/data_preview.h"
#include "engine/models/model_summary.h"
#include "engine/project/project.h"
#include "engine/util/error.h"
#include "engine/util/thousands.h"

namespace lb {

int runSummary(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> files;
  bool json = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--json")
      json = true;
    else if (args[i].rfind("--", 0) == 0)
      throw std::invalid_argument("The option " + args[i] +
                                  " is not one that \"summary\" takes: see learnbench-cli help.");
    else
      files.push_back(args[i]);
  }
  if (files.size() != 1)
    throw std::invalid_argument(
        "summary needs exactly one project file: learnbench-cli summary PROJECT.");
  const Project project = loadProject(files[0]);

  // The walk-through of one item, then every file decoded once (in parallel) to list the ones
  // training would skip.
  const DataPreview data = previewDataBlock(project.data, project.folder());
  std::vector<SkippedFile> skipped = data.skipped;
  if (data.ok() && project.data.source != SourceKind::FashionMnist) {
    const DataItems items = collectItems(project.data, project.folder());
    const int threads = int(std::max(1u, std::thread::hardware_concurrency()));
    auto unreadable = checkFiles(items, threads, [&](int done, int total) {
      if (!json && total > 2000) err << "\rChecking files: " << done << " of " << total << std::flush;
    });
    if (!json && items.files.size() > 2000) err << "\n";
    skipped = items.skipped;  // the preview's own finds are among the unreadable ones
    skipped.insert(skipped.end(), unreadable.begin(), unreadable.end());
  }
  if (!data.ok()) {
    const StepCheck* failed = data.firstFailure();
    if (!json) out << data.summary;
    err << dataStepName(failed->step) << ": " << failed->message << "\n";
    return 1;
  }
  const ImageShape shape{data.channels, data.height, data.width};
  const int outputs = project.data.target == TargetKind::Regression ? 1 : int(data.vocab.size());
  const ModelSummary summary = summarize(project.model, shape, outputs);
  const std::string shapeText = std::to_string(shape.channels) + "x" + std::to_string(shape.height) +
                                "x" + std::to_string(shape.width);

  if (json) {
    nlohmann::ordered_json counts = nlohmann::ordered_json::array();
    for (const auto& c : data.counts)
      counts.push_back({{"class", c.name}, {"train", c.train}, {"valid", c.valid}});
    nlohmann::ordered_json skippedJson = nlohmann::ordered_json::array();
    for (const auto& s : skipped) skippedJson.push_back({{"file", s.file}, {"reason", s.reason}});
    nlohmann::ordered_json info = {{"source", sourceKindName(project.data.source)},
                                   {"path", project.dataPath().string()},
                                   {"trainItems", data.trainItems},
                                   {"validItems", data.validItems},
                                   {"classes", data.vocab.size()},
                                   {"inputShape", summary.inputShape},
                                   {"counts", counts},
                                   {"skipped", skippedJson}};
    out << nlohmann::ordered_json{{"data", info}}.dump() << "\n";
    for (const auto& l : summary.layers)
      out << nlohmann::ordered_json{{"layer", l.name},
                                    {"outputShape", l.outputShape},
                                    {"params", l.parameters},
                                    {"trainable", l.trainable}}
                 .dump()
          << "\n";
    if (summary.fits())
      out << nlohmann::ordered_json{{"totalParams", summary.totalParameters},
                                    {"trainableParams", summary.trainableParameters},
                                    {"megabytes", summary.megabytes}}
                 .dump()
          << "\n";
  } else {
    out << "Data: " << sourceKindName(project.data.source) << " (" << project.dataPath().string() << ")\n"
        << "  " << withThousands(data.trainItems) << " training items, "
        << withThousands(data.validItems) << " validation items, ";
    if (project.data.target != TargetKind::Regression) out << data.vocab.size() << " classes, ";
    out << shapeText << " images\n\n" << data.summary << "\n";
    if (!data.counts.empty()) {
      char row[200];
      std::snprintf(row, sizeof row, "%-24s%10s%10s\n", "class", "train", "valid");
      out << row;
      for (const auto& c : data.counts) {
        std::snprintf(row, sizeof row, "%-24s%10s%10s\n", c.name.c_str(),
                      withThousands(c.train).c_str(), withThousands(c.valid).c_str());
        out << row;
      }
      out << "\n";
    }
    if (!skipped.empty()) {
      out << countOf((long long)skipped.size(), "file") << " will be skipped:\n";
      for (const auto& s : skipped) out << "  " << s.file << ": " << s.reason << "\n";
      out << "\n";
    }
    out << "Model: " << project.model.name << "\n\n";
    char row[160];
    std::snprintf(row, sizeof row, "%-28s%-16s%14s  %s\n", "layer", "output shape", "params",
                  "trainable");
    out << row;
    for (const auto& l : summary.layers) {
      std::snprintf(row, sizeof row, "%-28s%-16s%14s  %s\n", l.name.c_str(),
                    l.shapeText().c_str(), withThousands(l.parameters).c_str(),
                    l.trainable ? "yes" : "no");
      out << row;
    }
    if (summary.fits()) out << "\n" << totalLine(summary) << "\n";
  }
  if (!summary.fits()) {
    std::string sentence = summary.problem;
    sentence[0] = char(std::toupper(static_cast<unsigned char>(sentence[0])));
    const std::string where = summary.problemLayer >= 0
                                  ? "model.layers[" + std::to_string(summary.problemLayer) + "]: "
                                  : "";
    err << where << sentence << ".\n";
    return 1;
  }
  return 0;
}

}  // namespace lb
