#pragma once
// What model a project trains, as plain data: a zoo entry with its options (simple_cnn,
// resnet18, resnet34, mlp) or a list of layers the user stacked ("layers"). Stored as the
// project's "model" object. Torch-free, so the project file and the GUI can hold it; building
// the network is engine/models/model_builder.h's job, its summary model_summary.h's.
// modelSpecFromJson validates every field and throws lb::Error naming it
// ("The field \"model.layers[3].out\" in p.lbproj must be a whole number.").
#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "engine/core/enum_names.h"

namespace lb {

enum class LayerKind {
  Conv2d,
  BatchNorm2d,
  ReLU,
  LeakyReLU,
  GELU,
  MaxPool2d,
  AvgPool2d,
  AdaptiveAvgPool2d,
  Dropout,
  Flatten,
  Linear,
  Residual,
};

// The layer kinds' names in the project file ("type": "Conv2d"), in the enum's order
// (engine/core/enum_names.h).
inline constexpr EnumNames<LayerKind, 12> kLayerKindNames{{
    {LayerKind::Conv2d, "Conv2d"},
    {LayerKind::BatchNorm2d, "BatchNorm2d"},
    {LayerKind::ReLU, "ReLU"},
    {LayerKind::LeakyReLU, "LeakyReLU"},
    {LayerKind::GELU, "GELU"},
    {LayerKind::MaxPool2d, "MaxPool2d"},
    {LayerKind::AvgPool2d, "AvgPool2d"},
    {LayerKind::AdaptiveAvgPool2d, "AdaptiveAvgPool2d"},
    {LayerKind::Dropout, "Dropout"},
    {LayerKind::Flatten, "Flatten"},
    {LayerKind::Linear, "Linear"},
    {LayerKind::Residual, "Residual"},
}};

// One entry of a layer list. Only the fields of its kind are stored in the JSON; the others
// keep their defaults.
struct LayerSpec {
  LayerKind kind = LayerKind::ReLU;
  int out = 0;         // Conv2d / Residual: output channels; Linear: outputs, 0 = the class count
  int in = 0;          // Linear: in_features, 0 = inferred from the layer before it
  int kernel = 3;      // Conv2d, MaxPool2d, AvgPool2d
  int stride = 1;      // Conv2d, Residual; pools: 0 = the kernel size (as PyTorch)
  int padding = 1;     // Conv2d
  bool bias = true;    // Conv2d, Linear
  double slope = 0.01; // LeakyReLU negative slope
  double p = 0.5;      // Dropout probability
  int size = 1;        // AdaptiveAvgPool2d output size (size x size)

  bool operator==(const LayerSpec&) const = default;
};

// Builds a LayerSpec of `kind` with that kind's defaults (Conv2d 32 channels 3x3 padding 1,
// pools kernel 2, Residual 64 channels).
LayerSpec layerOf(LayerKind kind);
inline const char* layerKindName(LayerKind kind) { return nameOf(kLayerKindNames, kind); }

struct ModelSpec {
  // "simple_cnn" (the default), "resnet18", "resnet34", "mlp" or "layers".
  std::string name = "simple_cnn";
  // simple_cnn: one stride-2 conv block each. These widths reach fastai's one-epoch accuracy on
  // Fashion-MNIST at about the speed of a bare LibTorch loop on 2 cores (see bench/).
  std::vector<int> channels = {24, 48, 96, 192};
  bool smallImages = false;       // resnet*: skip the stem's max-pool (28x28 inputs)
  std::string head = "torchvision";  // resnet*: "torchvision" (avgpool + fc) or "fastai"
  std::vector<int> hidden = {256};  // mlp: hidden layer sizes
  double dropout = 0;               // mlp: dropout after every hidden ReLU, 0 = none
  std::vector<LayerSpec> layers;    // layers: the stack, in order
  // How conv and linear weights start (every model): "kaiming", the model's own published rule
  // (fastai's Kaiming normal with fan_in for simple_cnn, mlp and layers, with the simple CNN's
  // head left at PyTorch's default; torchvision's Kaiming normal with fan_out for the ResNets),
  // or "pytorch", PyTorch's defaults for every Conv2d and Linear (weights Kaiming uniform with
  // a = sqrt(5), i.e. U(-b, b) with b = 1 / sqrt(fan_in), biases U(-b, b) too), as a plain
  // PyTorch script gets. Batch norm starts at weight 1, bias 0 either way.
  std::string init = "kaiming";
  // Another Learnbench model file (a checkpoint or an exported .pt) whose body weights start
  // this model (transfer learning with fine_tune); relative to the project's folder unless
  // absolute; empty = none.
  std::string pretrained;

  bool operator==(const ModelSpec&) const = default;
};

// The names modelSpecFromJson accepts for "name", in the order a picker shows them.
const std::vector<std::string>& modelNames();
// The names modelSpecFromJson accepts for "init": "kaiming" (the default), "pytorch".
const std::vector<std::string>& modelInits();

// `where` names the file in error messages; the fields are named "model.<field>". Fields left
// out take their values from `defaults`.
ModelSpec modelSpecFromJson(const nlohmann::json& object, const std::string& where = "",
                            const ModelSpec& defaults = {});
// Only the fields of the spec's kind; simple_cnn gives {"name", "channels"} as before specs
// ("init" only when it is not the default).
nlohmann::json modelSpecToJson(const ModelSpec& spec);

}  // namespace lb
