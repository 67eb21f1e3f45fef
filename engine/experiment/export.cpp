#include "engine/experiment/export.h"
#include "engine/experiment/operations.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/script.h>

#include <algorithm>
#include <array>
#include <map>
#include <numeric>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "engine/data/image_file.h"
#include "engine/data/item_transforms.h"
#include "engine/experiment/build_learner.h"
#include "engine/train/checkpoint.h"
#include "engine/util/atomic_file.h"
#include "engine/util/error.h"

namespace lb {
namespace {

namespace nn = torch::nn;
namespace fs = std::filesystem;

constexpr const char* kChecksumAttribute = "weights_checksum";

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// "torch::nn::SoftmaxImpl" -> "Softmax", "lb::(anonymous namespace)::BasicBlockImpl" ->
// "BasicBlock".
std::string shortName(const nn::Module& m) {
  std::string name = m.name();
  if (auto colon = name.rfind("::"); colon != std::string::npos) name = name.substr(colon + 2);
  if (endsWith(name, "Impl")) name.resize(name.size() - 4);
  return name;
}

// A parameter's or buffer's key in the Sequential ("4.0.conv1.weight") as a TorchScript
// attribute name ("p_4_0_conv1_weight"): stable, so Python code can find the same weights.
std::string attrName(const std::string& key) {
  std::string name = "p_" + key;
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

std::string floatLiteral(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  std::string text = s.str();
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

template <std::size_t D>
std::string intList(const torch::ExpandingArray<D>& a) {
  std::string s = "[";
  for (std::size_t i = 0; i < D; ++i) s += (i ? ", " : "") + std::to_string((*a)[i]);
  return s + "]";
}

// Writes forward()'s body: each module becomes aten calls on a fresh variable, so the code is
// plain TorchScript that any PyTorch can load.
class ForwardWriter {
 public:
  std::string code;

  // Appends the code of `m` (at `path` in the Sequential) applied to `in`; returns the result's
  // variable. `entry` is the top-level index, for the error sentence.
  std::string emit(nn::Module& m, const std::string& path, const std::string& in, int entry) {
    auto t = [&](const char* name) { return tensor(m, path, name); };
    if (auto* conv = m.as<nn::Conv2d>()) {
      const auto& o = conv->options;
      const auto* pad = c10::get_if<torch::ExpandingArray<2>>(&o.padding());
      if (!pad || !c10::get_if<torch::enumtype::kZeros>(&o.padding_mode()))
        unsupported(m, entry, "with \"same\"/\"valid\" or non-zero padding");
      return line("torch.conv2d(" + in + ", " + t("weight") + ", " + t("bias") + ", " +
                  intList(o.stride()) + ", " + intList(*pad) + ", " + intList(o.dilation()) + ", " +
                  std::to_string(o.groups()) + ")");
    }
    if (auto* bn = m.as<nn::BatchNorm2d>()) return batchNorm(m, path, in, bn->options);
    if (auto* bn = m.as<nn::BatchNorm1d>()) return batchNorm(m, path, in, bn->options);
    if (m.as<nn::ReLU>()) return line("torch.relu(" + in + ")");
    if (auto* r = m.as<nn::LeakyReLU>())
      return line("torch.leaky_relu(" + in + ", " + floatLiteral(r->options.negative_slope()) +
                  ")");
    if (auto* g = m.as<nn::GELU>())
      return line("torch.gelu(" + in + ", approximate=\"" + g->options.approximate() + "\")");
    if (m.as<nn::Dropout>()) return in;  // identity at inference
    if (auto* p = m.as<nn::MaxPool2d>()) {
      const auto& o = p->options;
      return line("torch.max_pool2d(" + in + ", " + intList(o.kernel_size()) + ", " +
                  intList(o.stride()) + ", " + intList(o.padding()) + ", " + intList(o.dilation()) +
                  ", " + (o.ceil_mode() ? "True" : "False") + ")");
    }
    if (auto* p = m.as<nn::AvgPool2d>()) {
      const auto& o = p->options;
      const std::string divisor =
          o.divisor_override() ? std::to_string(*o.divisor_override()) : "None";
      return line("torch.avg_pool2d(" + in + ", " + intList(o.kernel_size()) + ", " +
                  intList(o.stride()) + ", " + intList(o.padding()) + ", " +
                  (o.ceil_mode() ? "True" : "False") + ", " +
                  (o.count_include_pad() ? "True" : "False") + ", " + divisor + ")");
    }
    if (auto* p = m.as<nn::AdaptiveAvgPool2d>())
      return line("torch.adaptive_avg_pool2d(" + in + ", " +
                  outputSize(m, *p->options.output_size(), entry) + ")");
    if (auto* p = m.as<nn::AdaptiveMaxPool2d>())
      return line("torch.adaptive_max_pool2d(" + in + ", " +
                  outputSize(m, *p->options.output_size(), entry) + ")[0]");
    if (auto* f = m.as<nn::Flatten>())
      return line("torch.flatten(" + in + ", " + std::to_string(f->options.start_dim()) + ", " +
                  std::to_string(f->options.end_dim()) + ")");
    if (m.as<nn::Linear>())
      return line("torch.linear(" + in + ", " + t("weight") + ", " + t("bias") + ")");
    if (m.as<nn::Sequential>()) {
      std::string x = in;
      for (const auto& c : m.named_children()) x = emit(*c.value(), path + "." + c.key(), x, entry);
      return x;
    }
    // model_builder's own modules, known by their class names (they live in its source file).
    const std::string name = shortName(m);
    if (name == "ResStage") {
      std::string x = in;
      for (const auto& c : m.named_children()) {
        if (shortName(*c.value()) != "BasicBlock")
          unsupported(*c.value(), entry, "inside a ResNet stage");
        x = emit(*c.value(), path + "." + c.key(), x, entry);
      }
      return x;
    }
    if (name == "BasicBlock") return basicBlock(m, path, in, entry);
    if (name == "ConcatPool" && m.children().empty())
      return line("torch.cat([torch.adaptive_max_pool2d(" + in + ", [1, 1])[0], " +
                  "torch.adaptive_avg_pool2d(" + in + ", [1, 1])], 1)");
    unsupported(m, entry, "");
  }

 private:
  int m_next = 0;

  std::string line(const std::string& expression) {
    const std::string var = "x" + std::to_string(m_next++);
    code += "    " + var + " = " + expression + "\n";
    return var;
  }

  // The module's own tensor `name` as `self.attr`, or None when it has none (a conv without bias).
  static std::string tensor(nn::Module& m, const std::string& path, const char* name) {
    const auto params = m.named_parameters(false);
    const auto buffers = m.named_buffers(false);
    const auto* p = params.find(name);
    if (!p) p = buffers.find(name);
    return p && p->defined() ? "self." + attrName(path + "." + name) : "None";
  }

  [[noreturn]] static void unsupported(const nn::Module& m, int entry, const std::string& how) {
    throw Error("The layer " + shortName(m) + (how.empty() ? "" : " " + how) + " (entry " +
                std::to_string(entry) +
                " of the model) cannot be exported to TorchScript yet: export supports Conv2d, "
                "BatchNorm, ReLU, LeakyReLU, GELU, the 2-d poolings, Dropout, Flatten, Linear, "
                "residual blocks and the fastai head.");
  }

  template <typename Options>
  std::string batchNorm(nn::Module& m, const std::string& path, const std::string& in,
                        const Options& o) {
    // Eval mode uses the running statistics; without them PyTorch normalises by the batch.
    const bool running = o.track_running_stats();
    return line("torch.batch_norm(" + in + ", " + tensor(m, path, "weight") + ", " +
                tensor(m, path, "bias") + ", " + tensor(m, path, "running_mean") + ", " +
                tensor(m, path, "running_var") + ", " + (running ? "False" : "True") + ", " +
                floatLiteral(o.momentum().value_or(0.1)) + ", " + floatLiteral(o.eps()) +
                ", False)");
  }

  std::string outputSize(const nn::Module& m, const std::array<c10::optional<int64_t>, 2>& size,
                         int entry) {
    if (!size[0] || !size[1]) unsupported(m, entry, "with an open output size");
    return "[" + std::to_string(*size[0]) + ", " + std::to_string(*size[1]) + "]";
  }

  // torchvision's BasicBlock, as model_builder's forward: relu(bn2(conv2(relu(bn1(conv1(x)))))
  // + shortcut(x)), the shortcut a 1x1 conv + BN or the input itself.
  std::string basicBlock(nn::Module& m, const std::string& path, const std::string& in, int entry) {
    std::map<std::string, std::shared_ptr<nn::Module>> parts;
    for (const auto& c : m.named_children()) parts[c.key()] = c.value();
    for (const char* needed : {"conv1", "bn1", "conv2", "bn2"})
      if (!parts.count(needed)) unsupported(m, entry, "without " + std::string(needed));
    if (parts.size() != (parts.count("downsample") ? 5u : 4u))
      unsupported(m, entry, "with extra parts");
    std::string y = emit(*parts["conv1"], path + ".conv1", in, entry);
    y = emit(*parts["bn1"], path + ".bn1", y, entry);
    y = line("torch.relu(" + y + ")");
    y = emit(*parts["conv2"], path + ".conv2", y, entry);
    y = emit(*parts["bn2"], path + ".bn2", y, entry);
    const std::string shortcut = parts.count("downsample")
                                     ? emit(*parts["downsample"], path + ".downsample", in, entry)
                                     : in;
    return line("torch.relu(" + y + " + " + shortcut + ")");
  }
};

// A fixed, varied input (not from the global RNG, which training seeds).
torch::Tensor probeInput(const ExportInfo& info) {
  const std::int64_t n = 2LL * info.channels * info.height * info.width;
  return torch::sin(torch::arange(n, torch::kFloat) * 0.37)
      .reshape({2, info.channels, info.height, info.width});
}

std::string predictSource(TargetKind target) {
  if (target == TargetKind::Category) return "torch.softmax(self.forward(x), 1)";
  if (target == TargetKind::MultiCategory) return "torch.sigmoid(self.forward(x))";
  return "self.forward(x)";
}

c10::List<double> doubles(const std::vector<double>& v) {
  c10::List<double> list;
  for (double d : v) list.push_back(d);
  return list;
}

// The sum of the checksums of the module's parameters and buffers, as the file stores it in
// "weights_checksum": a damaged file loads as TorchScript but predicts nonsense without it.
std::int64_t weightsChecksum(const torch::jit::Module& module) {
  std::uint64_t sum = 0;
  for (const auto& p : module.named_parameters(true)) sum += tensorChecksum(p.name, p.value);
  for (const auto& b : module.named_buffers(true)) sum += tensorChecksum(b.name, b.value);
  return std::int64_t(sum);
}

std::vector<double> doubles(const c10::IValue& v) {
  std::vector<double> out;
  for (const auto& d : v.toListRef()) out.push_back(d.toDouble());
  return out;
}

}  // namespace

void exportSequential(nn::SequentialImpl& model, const ExportInfo& info, const fs::path& out) {
  if (info.mean.size() != std::size_t(info.channels) ||
      info.std.size() != std::size_t(info.channels))
    throw Error("The normalisation statistics do not match the " + std::to_string(info.channels) +
                " input channels: build the data again before exporting.");
  torch::jit::Module module("LearnbenchModel");
  ForwardWriter writer;
  std::string x = "x";
  int entry = 0;
  for (const auto& c : model.named_children()) x = writer.emit(*c.value(), c.key(), x, entry++);

  // Weights on the CPU, so the file loads on any machine.
  torch::NoGradGuard noGrad;
  for (const auto& p : model.named_parameters(true))
    module.register_parameter(attrName(p.key()), p.value().detach().to(torch::kCPU).clone(), false);
  for (const auto& b : model.named_buffers(true))
    module.register_buffer(attrName(b.key()), b.value().detach().to(torch::kCPU).clone());
  // nn.Module's flag, which Python's model.eval() sets; forward does not depend on it.
  module.register_attribute("training", c10::BoolType::get(), false);
  c10::List<std::string> labels;
  for (const auto& l : info.labels) labels.push_back(l);
  module.register_attribute("labels", c10::ListType::ofStrings(), labels);
  module.register_attribute("channels", c10::IntType::get(), std::int64_t(info.channels));
  module.register_attribute("height", c10::IntType::get(), std::int64_t(info.height));
  module.register_attribute("width", c10::IntType::get(), std::int64_t(info.width));
  module.register_attribute("resize_method", c10::StringType::get(), info.resizeMethod);
  module.register_attribute("pad_mode", c10::StringType::get(), info.padMode);
  module.register_attribute("mean", c10::ListType::ofFloats(), doubles(info.mean));
  module.register_attribute("std", c10::ListType::ofFloats(), doubles(info.std));
  module.register_attribute("target", c10::StringType::get(),
                           std::string(targetKindName(info.target)));
  if (!info.aspectShapes.empty()) {  // only then: other files keep their attributes
    c10::List<std::int64_t> sides;  // width, height of each group
    for (const ImageSize& s : info.aspectShapes) {
      sides.push_back(s.width);
      sides.push_back(s.height);
    }
    module.register_attribute("aspect_shapes", c10::ListType::ofInts(), sides);
  }
  module.register_attribute("format_version", c10::IntType::get(),
                            std::int64_t(info.formatVersion));
  module.register_attribute(kChecksumAttribute, c10::IntType::get(), weightsChecksum(module));
  const std::string source = "def forward(self, x):\n" + writer.code + "    return " + x + "\n" +
                             "def predict_proba(self, x):\n    return " +
                             predictSource(info.target) + "\n";
  try {
    module.define(source);
  } catch (const c10::Error& e) {
    throw Error("The exported model's TorchScript does not compile (a bug in Learnbench): " +
                std::string(e.what_without_backtrace()));
  }
  module.eval();

  // The generated code must give what the C++ model gives; a wrong file is worse than none.
  const bool wasTraining = model.is_training();
  model.eval();
  const auto probe = probeInput(info);
  torch::Tensor expected, actual;
  try {
    auto params = model.parameters();
    const auto device = params.empty() ? torch::Device(torch::kCPU) : params.front().device();
    expected = model.forward(probe.to(device)).to(torch::kCPU);
    actual = module.forward({probe}).toTensor();
  } catch (const c10::Error& e) {
    if (wasTraining) model.train();
    throw Error("The model cannot run on a " + std::to_string(info.channels) + "x" +
                std::to_string(info.height) + "x" + std::to_string(info.width) +
                " input, so it was not exported: " + std::string(e.what_without_backtrace()));
  }
  if (wasTraining) model.train();
  if (!expected.sizes().equals(actual.sizes()) || !torch::allclose(expected, actual, 1e-4, 1e-4))
    throw Error(
        "The exported TorchScript model does not reproduce the trained model's outputs "
        "(a bug in Learnbench), so nothing was written.");

  std::ostringstream bytes;
  module.save(bytes);
  writeFileAtomically(out, bytes.str(), "model");
}

void exportModel(const Project& project, const fs::path& checkpoint, const fs::path& out) {
  const fs::path from = requireCheckpoint(project, checkpoint);
  BuiltLearner built = buildLearner(project, false);  // the checkpoint replaces the weights
  auto model = built.learner->model();
  loadModelWeights(*model, from);
  model->eval();

  const DataLoaders& data = built.data;
  ExportInfo info;
  info.labels = built.classes;
  info.channels = data.shape.channels;
  info.height = data.shape.height;
  info.width = data.shape.width;
  // Validation items are what the model was judged on: a center crop after RandomResizedCrop,
  // else the Resize step; without one, any other size is squished to the training size.
  if (project.data.randomResizedCrop.enabled)
    info.resizeMethod = "crop";
  else if (project.data.resize.active())
    info.resizeMethod = resizeMethodName(project.data.resize.method);
  info.padMode = padModeName(project.data.resize.pad);
  info.mean.assign(data.stats.mean.begin(), data.stats.mean.end());
  info.std.assign(data.stats.std.begin(), data.stats.std.end());
  info.target = data.target;
  for (const ImageShape& s : data.aspectShapes) info.aspectShapes.push_back({s.width, s.height});
  exportSequential(*model, info, out);
}

ExportedModel loadExportedModel(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw Error("There is no model file at " + file.string() + ".");
  auto module = std::make_shared<torch::jit::Module>();
  try {
    *module = torch::jit::load(file.string(), torch::kCPU);
  } catch (const c10::Error&) {
    throw Error(file.string() +
                " is not a TorchScript model: export one with learnbench-cli export.");
  }
  const char* needed[] = {"format_version", "labels",   "channels", "height", "width",
                          "resize_method",  "pad_mode", "mean",     "std",    "target"};
  for (const char* name : needed)
    if (!module->hasattr(name))
      throw Error(file.string() +
                  " is a TorchScript model but not one Learnbench exported (it has "
                  "no \"" +
                  name + "\"): export it with learnbench-cli export.");
  ExportedModel m;
  ExportInfo& info = m.info;
  try {
    info.formatVersion = int(module->attr("format_version").toInt());
    if (info.formatVersion > kExportFormatVersion)
      throw Error(file.string() + " was exported by a newer Learnbench (format " +
                  std::to_string(info.formatVersion) + "): update Learnbench to use it.");
    for (const auto& l : module->attr("labels").toListRef()) info.labels.push_back(l.toStringRef());
    info.channels = int(module->attr("channels").toInt());
    info.height = int(module->attr("height").toInt());
    info.width = int(module->attr("width").toInt());
    info.resizeMethod = module->attr("resize_method").toStringRef();
    info.padMode = module->attr("pad_mode").toStringRef();
    info.mean = doubles(module->attr("mean"));
    info.std = doubles(module->attr("std"));
    info.target = fromName(kTargetKindNames, module->attr("target").toStringRef(),
                           file.string() + "'s target");
    if (module->hasattr("aspect_shapes")) {
      const auto sides = module->attr("aspect_shapes").toIntVector();
      for (std::size_t i = 0; i + 1 < sides.size(); i += 2)
        info.aspectShapes.push_back({int(sides[i]), int(sides[i + 1])});
    }
  } catch (const c10::Error&) {
    throw Error(file.string() + " has attributes of the wrong type: export it again.");
  }
  // Files exported before the checksum have none and are taken as they are.
  if (module->hasattr(kChecksumAttribute) &&
      (!module->attr(kChecksumAttribute).isInt() ||
       module->attr(kChecksumAttribute).toInt() != weightsChecksum(*module)))
    throw Error(file.string() +
                " is damaged: its weights do not match their checksum. Export the model again.");
  if ((info.channels != 1 && info.channels != 3) || info.height < 1 || info.width < 1 ||
      info.mean.size() != std::size_t(info.channels) || info.std.size() != info.mean.size())
    throw Error(file.string() + " describes its input inconsistently: export it again.");
  module->eval();
  m.module = std::move(module);
  return m;
}

namespace {

// An image in the model's channels (RGB order for colour) brought to its input as the
// validation loader brings items: resize, HWC uint8 -> CHW float / 255, then (x - mean) / std.
torch::Tensor prepareImage(cv::Mat image, const ExportInfo& info) {
  ResizeOptions resize;
  resize.width = info.width;
  resize.height = info.height;
  resize.method = info.resizeMethod == "crop"  ? ResizeMethod::Crop
                  : info.resizeMethod == "pad" ? ResizeMethod::Pad
                                               : ResizeMethod::Squish;
  resize.pad = info.padMode == "reflection" ? PadMode::Reflection : PadMode::Zeros;
  if (!info.aspectShapes.empty()) {  // the group shape nearest the image's ratio
    std::vector<AspectGroup> groups;
    for (const ImageSize& s : info.aspectShapes) groups.push_back({s.width, s.height, {}});
    const AspectGroup& g =
        groups[nearestAspectGroup(groups, {image.cols, image.rows}, info.width, info.height)];
    resize.width = g.width;
    resize.height = g.height;
  }
  const auto mean = torch::tensor(std::vector<float>(info.mean.begin(), info.mean.end()))
                        .reshape({info.channels, 1, 1});
  const auto stdev = torch::tensor(std::vector<float>(info.std.begin(), info.std.end()))
                         .reshape({info.channels, 1, 1});
  image = resizeImage(image, resize);
  if (!image.isContinuous()) image = image.clone();
  auto x = torch::from_blob(image.data, {image.rows, image.cols, info.channels}, torch::kUInt8)
               .permute({2, 0, 1})
               .to(torch::kFloat)
               .div(255.0);
  return (x - mean) / stdev;
}

// Runs the prepared inputs in batches and fills each one's Prediction with its k best classes.
void classify(const ExportedModel& model, const std::vector<torch::Tensor>& inputs,
              const std::vector<Prediction*>& out, int k) {
  const ExportInfo& info = model.info;
  torch::NoGradGuard noGrad;
  auto& module = *model.module;
  constexpr std::size_t kBatch = 64;
  for (std::size_t start = 0, end = 0; start < inputs.size(); start = end) {
    // A batch of up to kBatch inputs of one shape (models grouped by aspect take several).
    for (end = start + 1; end < inputs.size() && end - start < kBatch &&
                          inputs[end].sizes() == inputs[start].sizes();)
      ++end;
    const auto batch = torch::stack(std::vector<torch::Tensor>(
        inputs.begin() + std::ptrdiff_t(start), inputs.begin() + std::ptrdiff_t(end)));
    torch::Tensor probs;
    try {
      probs = module.get_method("predict_proba")({batch}).toTensor().to(torch::kFloat).contiguous();
    } catch (const c10::Error& e) {
      throw Error("The model could not run on the images: " +
                  std::string(e.what_without_backtrace()));
    }
    const auto* p = probs.data_ptr<float>();
    const std::int64_t n = probs.size(1);
    for (std::size_t j = start; j < end; ++j) {
      Prediction& pred = *out[j];
      const float* row = p + std::int64_t(j - start) * n;
      if (info.target == TargetKind::Regression) {
        pred.top.emplace_back("value", row[0]);
        continue;
      }
      if (std::size_t(n) != info.labels.size())
        throw Error("The model gives " + std::to_string(n) + " outputs for " +
                    std::to_string(info.labels.size()) + " labels: export it again.");
      std::vector<int> order(static_cast<std::size_t>(n));
      std::iota(order.begin(), order.end(), 0);
      const int top = std::clamp(k, 1, int(n));
      std::partial_sort(order.begin(), order.begin() + top, order.end(),
                        [&](int a, int b) { return row[a] > row[b]; });
      for (int t = 0; t < top; ++t) pred.top.emplace_back(info.labels[order[t]], row[order[t]]);
    }
  }
}

}  // namespace

std::vector<Prediction> predictImages(const ExportedModel& model,
                                      const std::vector<fs::path>& images, int k) {
  const ExportInfo& info = model.info;
  std::vector<Prediction> out(images.size());
  std::vector<torch::Tensor> inputs;
  std::vector<Prediction*> which;  // the prediction each input belongs to
  for (std::size_t i = 0; i < images.size(); ++i) {
    out[i].file = images[i];
    std::error_code ec;
    if (!fs::is_regular_file(images[i], ec)) {  // before OpenCV, which would log a warning
      out[i].error = "there is no such file";
      continue;
    }
    try {
      cv::Mat image =
          readImage(images[i], info.channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
      if (info.channels == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
      inputs.push_back(prepareImage(image, info));
      which.push_back(&out[i]);
    } catch (const cv::Exception& e) {
      out[i].error = "OpenCV could not decode it: " + e.err;
    } catch (const Error& e) {
      out[i].error = e.what();
    }
  }
  classify(model, inputs, which, k);
  return out;
}

Prediction predictImage(const ExportedModel& model, const Image8& image, int k) {
  Prediction out;
  if (image.width < 1 || image.height < 1 || (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() != std::size_t(image.width) * image.height * image.channels) {
    out.error = "the image is empty or its pixels do not match its size";
    return out;
  }
  // Image8 is gray or RGB; the model wants its own channel count.
  cv::Mat mat(image.height, image.width, image.channels == 1 ? CV_8UC1 : CV_8UC3,
              const_cast<std::uint8_t*>(image.pixels.data()));
  cv::Mat converted = mat.clone();
  if (image.channels == 1 && model.info.channels == 3)
    cv::cvtColor(mat, converted, cv::COLOR_GRAY2RGB);
  else if (image.channels == 3 && model.info.channels == 1)
    cv::cvtColor(mat, converted, cv::COLOR_RGB2GRAY);
  try {
    classify(model, {prepareImage(converted, model.info)}, {&out}, k);
  } catch (const cv::Exception& e) {
    out.error = "OpenCV could not prepare it: " + e.err;
  }
  return out;
}

}  // namespace lb
