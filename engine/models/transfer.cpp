#include "engine/models/transfer.h"

#include <torch/script.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "engine/util/error.h"

namespace lb {
namespace {

namespace fs = std::filesystem;

std::string shapeText(const torch::Tensor& t) {
  std::string s;
  for (auto d : t.sizes()) {
    if (!s.empty()) s += 'x';
    s += std::to_string(d);
  }
  return s.empty() ? "a scalar" : s;
}

// The top-level entry a key ("4.0.conv1.weight") belongs to.
std::size_t entryOf(const std::string& key) { return std::stoul(key.substr(0, key.find('.'))); }

}  // namespace

TransferReport loadPretrainedBody(torch::nn::Sequential& model, std::size_t headStart,
                                  const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw Error("The pretrained model " + file.string() +
                " does not exist: choose a checkpoint or an exported .pt file Learnbench wrote.");
  // Both kinds of file are TorchScript archives: a checkpoint keeps a tensor under
  // "model/<key>", an export under "p_<key>" with dots as underscores (export.cpp's attrName).
  torch::jit::Module saved;
  try {
    saved = torch::jit::load(file.string(), torch::kCPU);
  } catch (const std::exception&) {
    throw Error(file.string() +
                " is not a Learnbench model: choose a checkpoint or an exported .pt file "
                "Learnbench wrote.");
  }
  auto find = [&](const std::string& key) -> torch::Tensor {
    std::string exported = "p_" + key;
    std::replace(exported.begin(), exported.end(), '.', '_');
    for (const auto& name : {"model/" + key, exported})
      if (saved.hasattr(name)) {
        const auto v = saved.attr(name);
        if (v.isTensor()) return v.toTensor();
      }
    return {};
  };

  std::vector<std::pair<std::string, torch::Tensor>> body;  // this model's tensors
  TransferReport report;
  auto sort = [&](const std::string& key, const torch::Tensor& t) {
    if (entryOf(key) < headStart)
      body.emplace_back(key, t);
    else
      ++report.headTensors;
  };
  for (const auto& p : model->named_parameters()) sort(p.key(), p.value());
  for (const auto& b : model->named_buffers()) sort(b.key(), b.value());

  // Check everything before copying anything, so a bad file leaves the model as it was.
  std::vector<torch::Tensor> sources;
  std::string missing;
  for (const auto& [key, target] : body) {
    torch::Tensor source = find(key);
    if (!source.defined()) {
      if (missing.empty()) missing = key;
    } else if (source.sizes() != target.sizes()) {
      throw Error("The pretrained model's layer " + key + " is " + shapeText(source) +
                  ", this model's is " + shapeText(target) +
                  ": choose the same architecture and input channels.");
    }
    sources.push_back(source);
  }
  const bool none = std::none_of(sources.begin(), sources.end(),
                                 [](const torch::Tensor& t) { return t.defined(); });
  if (body.empty() || none)
    throw Error(file.string() +
                " holds nothing of this model's body: choose a model file trained with the "
                "same architecture.");
  if (!missing.empty())
    throw Error("The pretrained model has no layer " + missing +
                ": choose a model file trained with the same architecture.");

  torch::NoGradGuard noGrad;
  for (std::size_t i = 0; i < body.size(); ++i) body[i].second.copy_(sources[i]);
  report.tensorsCopied = body.size();
  return report;
}

}  // namespace lb
