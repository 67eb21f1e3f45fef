#include "app/cli_summary.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>

#include "engine/data/fashion_mnist.h"
#include "engine/models/model_summary.h"
#include "engine/project/project.h"
#include "engine/util/error.h"

namespace lb {
namespace {

// Fashion-MNIST's official split sizes and image shape. The summary reports them without
// reading the images (that takes seconds and is not needed to size a model); the counts under
// a limit follow loadFashionMnist: `limit` training items, limit / 6 (at least one per class)
// validation items.
constexpr long long kFashionTrain = 60000;
constexpr long long kFashionValid = 10000;
const ImageShape kFashionShape{1, 28, 28};

}  // namespace

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

  const int numClasses = int(fashionMnistClasses().size());
  long long trainItems = kFashionTrain, validItems = kFashionValid;
  if (project.data.limit > 0) {
    trainItems = std::min<long long>(project.data.limit, kFashionTrain);
    validItems = std::min<long long>(std::max<long long>(numClasses, project.data.limit / 6),
                                     kFashionValid);
  }
  const ModelSummary summary = summarize(project.model, kFashionShape, numClasses);

  if (json) {
    nlohmann::ordered_json data = {{"source", project.data.source},
                                   {"path", project.dataPath().string()},
                                   {"trainItems", trainItems},
                                   {"validItems", validItems},
                                   {"classes", numClasses},
                                   {"inputShape", summary.inputShape}};
    out << nlohmann::ordered_json{{"data", data}}.dump() << "\n";
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
    out << "Data: " << project.data.source << " (" << project.dataPath().string() << ")\n"
        << "  " << withThousands(trainItems) << " training items, " << withThousands(validItems)
        << " validation items, " << numClasses << " classes, 1x28x28 images\n"
        << "Model: " << project.model.name << "\n\n";
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
