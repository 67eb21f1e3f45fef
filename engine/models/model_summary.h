#pragma once
// fastai's learn.summary() for a ModelSpec: every layer's output shape and parameter count, the
// totals, and, where the shapes stop fitting, the first layer that does not fit with one
// sentence saying what would ("Linear expects 3136 inputs, gets 6272: set in_features to
// 6272"). The result types include no torch header, so the GUI can show them; summarize itself
// builds the layers on the CPU (no data, no training). Throws lb::Error only for a spec that
// cannot be built at all (for example a zero class count); shape problems are reported in the
// result, never thrown.
#include <string>
#include <vector>

#include "engine/core/image_shape.h"
#include "engine/models/model_spec.h"

namespace lb {

struct LayerSummary {
  std::string name;                       // "Conv2d", "layer1 (2 BasicBlocks)", ...
  std::vector<long long> outputShape;     // batch dimension left out: {64, 14, 14} or {10}
  long long parameters = 0;
  bool trainable = true;
  std::string shapeText() const;          // "64x14x14"
};

struct ModelSummary {
  std::vector<long long> inputShape;  // {C, H, W}
  int numClasses = 0;
  std::vector<LayerSummary> layers;   // up to, not including, the first that does not fit
  long long totalParameters = 0;      // of the layers above
  long long trainableParameters = 0;
  double megabytes = 0;               // totalParameters * 4 bytes, in MiB
  // Empty when everything fits; else the sentence, and which spec layer it is about (an index
  // into ModelSpec::layers; -1 for zoo models or the check of the final output).
  std::string problem;
  int problemLayer = -1;
  bool fits() const { return problem.empty(); }
};

ModelSummary summarize(const ModelSpec& spec, const ImageShape& input, int numClasses);

// "Total parameters: 11,181,642 (42.7 MB)"
std::string totalLine(const ModelSummary& summary);

}  // namespace lb
