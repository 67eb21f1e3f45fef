#include "engine/models/model_summary.h"

#include <cstdio>

#include "engine/models/model_builder.h"
#include "engine/util/thousands.h"

namespace lb {

std::string LayerSummary::shapeText() const {
  std::string s;
  for (auto d : outputShape) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

ModelSummary summarize(const ModelSpec& spec, const ImageShape& input, int numClasses) {
  ModelWalk w = walkModel(spec, input, numClasses);
  ModelSummary summary;
  summary.inputShape = {input.channels, input.height, input.width};
  summary.numClasses = numClasses;
  for (std::size_t i = 0; i < w.shapes.size() && i < w.model->size(); ++i) {
    LayerSummary layer;
    layer.name = w.names[i];
    layer.outputShape = w.shapes[i];
    for (const auto& p : w.model->ptr(i)->parameters()) {
      layer.parameters += p.numel();
      layer.trainable = layer.trainable && p.requires_grad();
    }
    summary.totalParameters += layer.parameters;
    if (layer.trainable) summary.trainableParameters += layer.parameters;
    summary.layers.push_back(std::move(layer));
  }
  summary.megabytes = double(summary.totalParameters) * 4.0 / (1024.0 * 1024.0);
  summary.problem = w.problem;
  summary.problemLayer = w.problemLayer;
  return summary;
}

std::string totalLine(const ModelSummary& summary) {
  char mb[32];
  std::snprintf(mb, sizeof mb, "%.1f", summary.megabytes);
  return "Total parameters: " + withThousands(summary.totalParameters) + " (" + mb + " MB)";
}

}  // namespace lb
