#include "engine/models/model_builder.h"

#include <cctype>
#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/utils.h>

#include "engine/models/simple_cnn.h"
#include "engine/util/error.h"

namespace lb {
namespace {

namespace nn = torch::nn;

// How conv weights start: torchvision's ResNets use Kaiming normal with fan_out, fastai's
// ConvLayer (and so our layer lists) Kaiming normal with fan_in; both for ReLU.
enum class ConvInit { FanOut, FanIn };

nn::Conv2d makeConv(int in, int out, int kernel, int stride, int padding, bool bias,
                    ConvInit init) {
  auto conv = nn::Conv2d(
      nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(bias));
  if (init == ConvInit::FanOut)
    nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
  else
    nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanIn, torch::kReLU);
  if (bias) nn::init::zeros_(conv->bias);
  return conv;
}

// BatchNorm with weight 1 and bias 0, as torchvision and fastai start them (LibTorch's default
// too; said here so a change of default cannot change the models).
nn::BatchNorm2d makeBn(int channels) {
  auto bn = nn::BatchNorm2d(channels);
  nn::init::ones_(bn->weight);
  nn::init::zeros_(bn->bias);
  return bn;
}

// torchvision's BasicBlock: conv3x3(stride) BN ReLU conv3x3 BN, plus the input (through a 1x1
// conv + BN when the stride or the width changes), then ReLU. Also the layer lists' Residual.
class BasicBlockImpl : public nn::Module {
 public:
  BasicBlockImpl(int in, int out, int stride, ConvInit init) {
    conv1 = register_module("conv1", makeConv(in, out, 3, stride, 1, false, init));
    bn1 = nn::AnyModule(register_module("bn1", makeBn(out)));
    conv2 = register_module("conv2", makeConv(out, out, 3, 1, 1, false, init));
    bn2 = nn::AnyModule(register_module("bn2", makeBn(out)));
    if (stride != 1 || in != out) {
      downsample = register_module(
          "downsample", nn::Sequential(makeConv(in, out, 1, stride, 0, false, init), makeBn(out)));
    }
  }

  torch::Tensor forward(const torch::Tensor& x) {
    auto y = torch::relu(bn1.forward(conv1(x)));
    y = bn2.forward(conv2(y));
    return torch::relu(y + (downsample ? downsample->forward(x) : x));
  }

  nn::Conv2d conv1{nullptr}, conv2{nullptr};
  // Held as AnyModule so replaceBatchNorms can put another norm (SyncBatchNorm) in their place.
  nn::AnyModule bn1, bn2;
  nn::Sequential downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

// One of torchvision's layer1..layer4: BasicBlocks in a row. A Sequential cannot sit inside the
// top-level Sequential (its forward is a template), so this holds them, named "0", "1", ... as
// torchvision's state dict does.
class ResStageImpl : public nn::Module {
 public:
  void add(BasicBlock block) {
    m_blocks.push_back(register_module(std::to_string(m_blocks.size()), std::move(block)));
  }
  torch::Tensor forward(torch::Tensor x) {
    for (auto& b : m_blocks) x = b->forward(x);
    return x;
  }

 private:
  std::vector<BasicBlock> m_blocks;
};
TORCH_MODULE(ResStage);

// fastai's AdaptiveConcatPool2d: adaptive max and average pooling to 1x1, concatenated on the
// channels (max first, as fastai), so the head sees twice the body's features.
class ConcatPoolImpl : public nn::Module {
 public:
  torch::Tensor forward(const torch::Tensor& x) {
    return torch::cat({std::get<0>(torch::adaptive_max_pool2d(x, {1, 1})),
                       torch::adaptive_avg_pool2d(x, {1, 1})},
                      1);
  }
};
TORCH_MODULE(ConcatPool);

std::string shapeText(const std::vector<long long>& shape) {
  std::string s;
  for (auto d : shape) s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

// Builds a Sequential and keeps each entry's name beside it.
struct Stack {
  ModelWalk walk;
  template <typename M>
  void add(M module, std::string name) {
    walk.model->push_back(std::move(module));
    walk.names.push_back(std::move(name));
  }
};

void kaimingLinear(nn::Linear& linear) {
  nn::init::kaiming_normal_(linear->weight, 0.0, torch::kFanIn, torch::kReLU);
  if (linear->options.bias()) nn::init::zeros_(linear->bias);
}

void buildResNet(Stack& s, const ModelSpec& spec, const ImageShape& input, int numClasses) {
  const std::vector<int> blocks =
      spec.name == "resnet18" ? std::vector<int>{2, 2, 2, 2} : std::vector<int>{3, 4, 6, 3};
  s.add(makeConv(input.channels, 64, 7, 2, 3, false, ConvInit::FanOut), "conv1 (7x7, stride 2)");
  s.add(makeBn(64), "bn1");
  s.add(nn::ReLU(nn::ReLUOptions().inplace(true)), "relu");
  if (!spec.smallImages)
    s.add(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)), "maxpool (3x3, stride 2)");
  int in = 64;
  for (int stage = 0; stage < 4; ++stage) {
    const int width = 64 << stage;
    ResStage layer;
    for (int b = 0; b < blocks[stage]; ++b) {
      layer->add(BasicBlock(in, width, b == 0 && stage > 0 ? 2 : 1, ConvInit::FanOut));
      in = width;
    }
    s.add(layer, "layer" + std::to_string(stage + 1) + " (" + std::to_string(blocks[stage]) +
                     " BasicBlocks)");
  }
  s.walk.headStart = s.walk.model->size();
  if (spec.head == "fastai") {
    // fastai's create_head(512, n): each LinBnDrop is BN, Dropout, Linear without bias (the BN
    // makes it redundant); the head is initialised with kaiming_normal_ as create_cnn_model does.
    s.add(ConcatPool(), "AdaptiveConcatPool2d");
    s.add(nn::Flatten(), "Flatten");
    s.add(nn::BatchNorm1d(2 * in), "BatchNorm1d");
    s.add(nn::Dropout(0.25), "Dropout (0.25)");
    auto lin1 = nn::Linear(nn::LinearOptions(2 * in, 512).bias(false));
    kaimingLinear(lin1);
    s.add(lin1, "Linear");
    s.add(nn::ReLU(nn::ReLUOptions().inplace(true)), "ReLU");
    s.add(nn::BatchNorm1d(512), "BatchNorm1d");
    s.add(nn::Dropout(0.5), "Dropout (0.5)");
    auto lin2 = nn::Linear(nn::LinearOptions(512, numClasses).bias(false));
    kaimingLinear(lin2);
    s.add(lin2, "Linear");
  } else {
    // torchvision keeps PyTorch's default Linear init for fc.
    s.add(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(1)), "avgpool");
    s.add(nn::Flatten(), "flatten");
    s.add(nn::Linear(in, numClasses), "fc");
  }
}

void buildMlp(Stack& s, const ModelSpec& spec, const ImageShape& input, int numClasses) {
  s.add(nn::Flatten(), "Flatten");
  int in = input.channels * input.height * input.width;
  for (int h : spec.hidden) {
    auto lin = nn::Linear(in, h);
    kaimingLinear(lin);
    s.add(lin, "Linear");
    s.add(nn::ReLU(nn::ReLUOptions().inplace(true)), "ReLU");
    if (spec.dropout > 0) s.add(nn::Dropout(spec.dropout), "Dropout");
    in = h;
  }
  s.walk.headStart = s.walk.model->size();
  auto out = nn::Linear(in, numClasses);
  kaimingLinear(out);
  s.add(out, "Linear");
}

void buildSimpleCnn(Stack& s, const ModelSpec& spec, const ImageShape& input, int numClasses) {
  // The tuned default: built by makeSimpleCnn itself so it stays exactly as it was.
  s.walk.model = makeSimpleCnn(input.channels, numClasses, spec.channels);
  for (std::size_t i = 0; i < s.walk.model->size(); ++i) {
    std::string name = s.walk.model->ptr(i)->name();
    if (name.rfind("torch::nn::", 0) == 0) name = name.substr(11);
    if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0)
      name.resize(name.size() - 4);
    s.walk.names.push_back(name);
  }
  s.walk.headStart = simpleCnnHeadStart(spec.channels);
}

// model.init "pytorch": every conv and linear layer back to PyTorch's own defaults, which
// LibTorch's reset_parameters gives (Kaiming uniform, a = sqrt(5); biases U(+-1/sqrt(fan_in))).
void applyInit(ModelWalk& w, const std::string& init) {
  if (init != "pytorch") return;
  for (const auto& m : w.model->modules(/*include_self=*/false)) {
    if (auto* conv = m->as<nn::Conv2d>()) conv->reset_parameters();
    if (auto* linear = m->as<nn::Linear>()) linear->reset_parameters();
  }
}

// Zoo models fit any image (every stride-2 layer pads), so their shapes come from running a
// zero image through them, one top-level entry at a time; a failure becomes our sentence.
void measureShapes(ModelWalk& w, const ImageShape& input) {
  torch::NoGradGuard noGrad;
  w.model->eval();  // batch norm cannot train on one item
  auto x = torch::zeros({1, input.channels, input.height, input.width});
  for (std::size_t i = 0; i < w.model->size(); ++i) {
    try {
      x = (w.model->begin() + std::ptrdiff_t(i))->forward(x);
    } catch (const c10::Error&) {
      w.problem = w.names[i] + " cannot take a " +
                  shapeText(std::vector<long long>(x.sizes().begin() + 1, x.sizes().end())) +
                  " input: use larger images or a smaller model";
      w.model->train();
      return;
    }
    w.shapes.emplace_back(x.sizes().begin() + 1, x.sizes().end());
  }
  w.model->train();
}

// A layer list: shapes are computed, not run, so a layer that does not fit is found before it
// is built and the sentence can say what would fit.
void buildLayers(Stack& s, const ModelSpec& spec, const ImageShape& input, int numClasses) {
  ModelWalk& w = s.walk;
  std::vector<long long> shape = {input.channels, input.height, input.width};
  int lastSpatial = -1;  // the last Conv2d / Residual, for where the head starts
  int lastLinear = -1;
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec& l = spec.layers[i];
    const std::string kind = layerKindName(l.kind);
    const bool image = shape.size() == 3;
    auto fail = [&](const std::string& sentence) {
      w.problem = sentence;
      w.problemLayer = int(i);
    };
    auto needImage = [&]() {
      if (image) return true;
      fail(kind + " needs an image (channels x height x width) but gets a flat vector of " +
           std::to_string(shape[0]) + ": move it before the Flatten or the Linear layers");
      return false;
    };
    auto fitsKernel = [&](int kernel, int pad) {
      if (shape[1] + 2 * pad >= kernel && shape[2] + 2 * pad >= kernel) return true;
      fail(kind + " kernel " + std::to_string(kernel) + " does not fit a " +
           std::to_string(shape[1]) + "x" + std::to_string(shape[2]) +
           " input: use a smaller kernel or fewer stride-2 layers before it");
      return false;
    };
    switch (l.kind) {
      case LayerKind::Conv2d: {
        if (!needImage() || !fitsKernel(l.kernel, l.padding)) return;
        s.add(makeConv(int(shape[0]), l.out, l.kernel, l.stride, l.padding, l.bias, ConvInit::FanIn),
              kind);
        shape = {l.out, (shape[1] + 2 * l.padding - l.kernel) / l.stride + 1,
                 (shape[2] + 2 * l.padding - l.kernel) / l.stride + 1};
        lastSpatial = int(w.model->size()) - 1;
        break;
      }
      case LayerKind::Residual: {
        if (!needImage()) return;
        s.add(BasicBlock(int(shape[0]), l.out, l.stride, ConvInit::FanIn), kind);
        shape = {l.out, (shape[1] - 1) / l.stride + 1, (shape[2] - 1) / l.stride + 1};
        lastSpatial = int(w.model->size()) - 1;
        break;
      }
      case LayerKind::BatchNorm2d:
        if (!needImage()) return;
        s.add(makeBn(int(shape[0])), kind);
        break;
      case LayerKind::ReLU: s.add(nn::ReLU(), kind); break;
      case LayerKind::LeakyReLU:
        s.add(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(l.slope)), kind);
        break;
      case LayerKind::GELU: s.add(nn::GELU(), kind); break;
      case LayerKind::Dropout: s.add(nn::Dropout(l.p), kind); break;
      case LayerKind::MaxPool2d:
      case LayerKind::AvgPool2d: {
        if (!needImage() || !fitsKernel(l.kernel, 0)) return;
        const int stride = l.stride == 0 ? l.kernel : l.stride;
        if (l.kind == LayerKind::MaxPool2d)
          s.add(nn::MaxPool2d(nn::MaxPool2dOptions(l.kernel).stride(stride)), kind);
        else
          s.add(nn::AvgPool2d(nn::AvgPool2dOptions(l.kernel).stride(stride)), kind);
        shape = {shape[0], (shape[1] - l.kernel) / stride + 1, (shape[2] - l.kernel) / stride + 1};
        break;
      }
      case LayerKind::AdaptiveAvgPool2d:
        if (!needImage()) return;
        s.add(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(l.size)), kind);
        shape = {shape[0], l.size, l.size};
        break;
      case LayerKind::Flatten:
        s.add(nn::Flatten(), kind);
        if (image) shape = {shape[0] * shape[1] * shape[2]};
        break;
      case LayerKind::Linear: {
        if (image) {
          fail("Linear gets a " + shapeText(shape) +
               " image, not a flat vector: add a Flatten before Linear");
          return;
        }
        if (l.in != 0 && l.in != shape[0]) {
          fail("Linear expects " + std::to_string(l.in) + " inputs, gets " +
               std::to_string(shape[0]) + ": set in_features to " + std::to_string(shape[0]));
          return;
        }
        const int out = l.out == 0 ? numClasses : l.out;
        auto lin = nn::Linear(nn::LinearOptions(shape[0], out).bias(l.bias));
        kaimingLinear(lin);
        s.add(lin, kind);
        shape = {out};
        lastLinear = int(w.model->size()) - 1;
        break;
      }
    }
    w.shapes.push_back(shape);
  }
  // The head: from the first layer after the last conv (pooling, flatten, linear), as in the
  // simple CNN; without convs, the last Linear alone.
  if (lastSpatial >= 0)
    w.headStart = std::size_t(lastSpatial + 1);
  else
    w.headStart = lastLinear >= 0 ? std::size_t(lastLinear) : w.model->size();
  // The output must be one score per class.
  const std::string classes = std::to_string(numClasses);
  if (shape.size() == 3) {
    w.problem = "the last layer gives a " + shapeText(shape) + " image but the data has " +
                classes + " classes: end with Flatten and Linear (out " + classes + ")";
  } else if (shape[0] != numClasses) {
    const bool endsWithLinear = !spec.layers.empty() && spec.layers.back().kind == LayerKind::Linear;
    w.problem = "the last layer gives " + std::to_string(shape[0]) + " outputs but the data has " +
                classes + " classes: " +
                (endsWithLinear ? "set its out to " + classes
                                : "end with a Linear with out " + classes);
  }
  if (!w.problem.empty()) w.problemLayer = spec.layers.empty() ? -1 : int(spec.layers.size()) - 1;
}

}  // namespace

ModelWalk walkModel(const ModelSpec& spec, const ImageShape& input, int numClasses) {
  if (numClasses < 1)  // one output: a regression's value; classes (>= 2) are the data's check
    throw Error("A model needs at least one output: one per class, or one for regression.");
  if (input.channels < 1 || input.height < 1 || input.width < 1)
    throw Error("The input images must have at least one channel and one pixel.");
  Stack s;
  if (spec.name == "simple_cnn") {
    buildSimpleCnn(s, spec, input, numClasses);
  } else if (spec.name == "resnet18" || spec.name == "resnet34") {
    buildResNet(s, spec, input, numClasses);
  } else if (spec.name == "mlp") {
    buildMlp(s, spec, input, numClasses);
  } else if (spec.name == "layers") {
    buildLayers(s, spec, input, numClasses);
    applyInit(s.walk, spec.init);
    return std::move(s.walk);
  } else {
    throw Error("Unknown model \"" + spec.name +
                "\": choose simple_cnn, resnet18, resnet34, mlp or layers.");
  }
  applyInit(s.walk, spec.init);
  measureShapes(s.walk, input);
  return std::move(s.walk);
}

int replaceBatchNorms(nn::Module& model, const BatchNormReplacer& replace) {
  const auto isNorm = [](const std::shared_ptr<nn::Module>& m) {
    return m->as<nn::BatchNorm1d>() || m->as<nn::BatchNorm2d>();
  };
  int replaced = 0;
  // The list is taken first: the norms put in below are not visited again.
  for (const auto& m : model.modules(/*include_self=*/true)) {
    if (auto* seq = m->as<nn::Sequential>()) {
      // A Sequential runs its AnyModules and names its entries "0", "1", ...
      for (std::size_t i = 0; i < seq->size(); ++i) {
        nn::AnyModule& entry = *(seq->begin() + std::ptrdiff_t(i));
        if (!isNorm(entry.ptr())) continue;
        entry = replace(*entry.ptr());
        seq->replace_module(std::to_string(i), entry.ptr());
        ++replaced;
      }
    } else if (auto* block = m->as<BasicBlock>()) {
      for (auto [name, norm] : {std::pair{"bn1", &block->bn1}, std::pair{"bn2", &block->bn2}}) {
        *norm = replace(*norm->ptr());
        block->replace_module(name, norm->ptr());
        ++replaced;
      }
    }
  }
  return replaced;
}

BuiltModel buildModel(const ModelSpec& spec, const ImageShape& input, int numClasses) {
  ModelWalk w = walkModel(spec, input, numClasses);
  if (!w.problem.empty()) {
    std::string sentence = w.problem;
    sentence[0] = char(std::toupper(static_cast<unsigned char>(sentence[0])));
    const std::string where =
        w.problemLayer >= 0 ? " (model.layers[" + std::to_string(w.problemLayer) + "])" : "";
    throw Error("The model does not fit the data" + where + ": " + sentence + ".");
  }
  return {w.model, w.headStart};
}

}  // namespace lb
