#include "engine/interpret/interpretation.h"

#include <torch/autograd.h>
#include <torch/csrc/autograd/InferenceMode.h>
#include <torch/nn/functional/upsampling.h>
#include <torch/nn/modules/activation.h>

#include <algorithm>
#include <numeric>
#include <string>

#include "engine/interpret/target_reports.h"
#include "engine/util/error.h"

namespace lb {

Predictions predictValidation(Learner& learn, TargetKind target) {
  auto& model = learn.model();
  model->eval();
  DataLoader& valid = learn.validLoader();
  valid.startEpoch(0);  // a no-op for the validation loader, which keeps order
  std::vector<torch::Tensor> probs, preds, targets, losses, inputs;
  {
    torch::InferenceMode guard;
    for (int i = 0; i < valid.batches(); ++i) {
      const Batch b = valid.batch(i);
      const auto logits = model->forward(b.x).to(torch::kFloat);
      if (target == TargetKind::MultiCategory) {
        // log(sigmoid) and log(1 - sigmoid) from logsigmoid: stable for large scores.
        const auto y = b.y.to(torch::kFloat);
        const auto bce = -(y * torch::log_sigmoid(logits) + (1 - y) * torch::log_sigmoid(-logits));
        losses.push_back(bce.mean(1).cpu());
        const auto p = torch::sigmoid(logits);
        probs.push_back(p.cpu());
        preds.push_back((p > 0.5).to(torch::kLong).cpu());
        targets.push_back(y.cpu());
      } else if (target == TargetKind::Regression) {
        const auto out = logits.flatten(), y = b.y.to(torch::kFloat).flatten();
        losses.push_back((out - y).pow(2).cpu());
        preds.push_back(out.cpu());
        targets.push_back(y.cpu());
      } else {
        const auto logp = torch::log_softmax(logits, 1);
        losses.push_back(-logp.gather(1, b.y.unsqueeze(1)).squeeze(1).cpu());
        probs.push_back(logp.exp().cpu());
        preds.push_back(logits.argmax(1).cpu());
        targets.push_back(b.y.cpu());
      }
      inputs.push_back(b.x.cpu());
    }
  }
  if (inputs.empty()) throw Error("The validation set is empty: there is nothing to interpret.");
  Predictions p;
  // Outside the guard and cloned, so Grad-CAM can later run autograd on these inputs.
  if (!probs.empty()) p.probabilities = torch::cat(probs).clone();
  p.predicted = torch::cat(preds).clone();
  p.targets = torch::cat(targets).clone();
  p.losses = torch::cat(losses).clone();
  p.inputs = torch::cat(inputs).clone();
  // The loader keeps only the normalised images. Normalisation is one affine map per channel
  // for the whole set, so the set's own min and max per channel (pixels 0 and 255 in
  // Fashion-MNIST) map it back without changing any image's contrast.
  const auto lo = p.inputs.amin({0, 2, 3}, /*keepdim=*/true);
  const auto hi = p.inputs.amax({0, 2, 3}, /*keepdim=*/true);
  p.images = ((p.inputs - lo) / (hi - lo).clamp_min(1e-12) * 255.0)
                 .round()
                 .clamp(0, 255)
                 .to(torch::kByte);
  return p;
}

std::vector<TopLoss> topLosses(const Predictions& preds, int k, std::optional<int> actual,
                               std::optional<int> predicted) {
  if (k < 0) throw Error("The number of top losses must not be negative.");
  const auto losses = preds.losses.to(torch::kFloat).contiguous();
  const auto pred = preds.predicted.to(torch::kLong).contiguous();
  const auto target = preds.targets.to(torch::kLong).contiguous();
  const auto prob = preds.probabilities.to(torch::kFloat).contiguous();
  const float* l = losses.data_ptr<float>();
  const std::int64_t* pr = pred.data_ptr<std::int64_t>();
  const std::int64_t* ta = target.data_ptr<std::int64_t>();
  const std::int64_t n = preds.size(), classes = prob.size(1);

  std::vector<std::int64_t> order;
  for (std::int64_t i = 0; i < n; ++i)
    if ((!actual || ta[i] == *actual) && (!predicted || pr[i] == *predicted)) order.push_back(i);
  const std::size_t kept = std::min<std::size_t>(std::size_t(k), order.size());
  std::partial_sort(order.begin(), order.begin() + long(kept), order.end(),
                    [&](std::int64_t a, std::int64_t b) {
                      return l[a] != l[b] ? l[a] > l[b] : a < b;
                    });
  std::vector<TopLoss> out;
  out.reserve(kept);
  const float* pb = prob.data_ptr<float>();
  for (std::size_t j = 0; j < kept; ++j) {
    const std::int64_t i = order[j];
    out.push_back({long(i), int(pr[i]), int(ta[i]), double(l[i]), double(pb[i * classes + pr[i]])});
  }
  return out;
}

torch::Tensor confusionMatrix(const Predictions& preds, int numClasses, bool normalize) {
  if (numClasses < 1) throw Error("A confusion matrix needs at least one class.");
  const auto t = preds.targets.to(torch::kLong).cpu(), p = preds.predicted.to(torch::kLong).cpu();
  if (t.numel() != p.numel())
    throw Error("The predictions and the targets differ in length: they cannot be compared.");
  if (t.numel() > 0 && (t.min().item<std::int64_t>() < 0 || p.min().item<std::int64_t>() < 0 ||
                        t.max().item<std::int64_t>() >= numClasses ||
                        p.max().item<std::int64_t>() >= numClasses))
    throw Error("A class index lies outside the " + std::to_string(numClasses) +
                " classes of the confusion matrix.");
  auto cm = torch::bincount(t * numClasses + p, /*weights=*/{}, numClasses * numClasses)
                .reshape({numClasses, numClasses})
                .to(torch::kDouble);
  // clamp_min(1) leaves rows without items at 0 instead of 0 / 0.
  if (normalize) cm = cm / cm.sum(1, /*keepdim=*/true).clamp_min(1);
  return cm;
}

Confusion toConfusion(const torch::Tensor& counts) {
  const auto c = counts.to(torch::kDouble).round().to(torch::kLong).contiguous().cpu();
  Confusion out;
  out.counts.assign(std::size_t(c.size(0)), std::vector<long>(std::size_t(c.size(1)), 0));
  const auto a = c.accessor<std::int64_t, 2>();
  for (std::int64_t i = 0; i < c.size(0); ++i)
    for (std::int64_t j = 0; j < c.size(1); ++j) out.counts[std::size_t(i)][std::size_t(j)] = long(a[i][j]);
  return out;
}

std::vector<ConfusedPair> mostConfused(const Confusion& cm, long minCount) {
  std::vector<ConfusedPair> out;
  for (std::size_t i = 0; i < cm.counts.size(); ++i)
    for (std::size_t j = 0; j < cm.counts[i].size(); ++j)
      if (i != j && cm.counts[i][j] >= minCount && cm.counts[i][j] > 0)
        out.push_back({int(i), int(j), cm.counts[i][j]});
  std::stable_sort(out.begin(), out.end(),
                   [](const ConfusedPair& a, const ConfusedPair& b) { return a.count > b.count; });
  return out;
}

torch::Tensor gradCam(torch::nn::Sequential& model, const torch::Tensor& image, int classIndex) {
  if (image.dim() != 4 || image.size(0) != 1)
    throw Error("Grad-CAM takes one image shaped [1, channels, height, width].");
  model->eval();
  torch::AutoGradMode enableGrad(true);
  const auto params = model->parameters();
  const auto device = params.empty() ? image.device() : params.front().device();
  // A fresh leaf that requires grad, so the graph exists even when the body is frozen; the
  // clone also turns an inference-mode tensor into one autograd may use.
  torch::Tensor x = image.detach().clone().to(device, torch::kFloat).requires_grad_(true);
  // The C++ API has no forward hooks: run the top-level layers one by one and keep the last
  // output that is still a feature map (4-D with more than one position). In the simple CNN
  // that is the last conv block's ReLU, before the pooling; in a ResNet, the last block's.
  torch::Tensor activation, lastMap;
  for (auto& layer : *model) {
    x = layer.forward(x);
    if (x.dim() == 4) {
      lastMap = x;
      if (x.size(2) * x.size(3) > 1) activation = x;
    }
  }
  if (!activation.defined()) activation = lastMap;  // 1 x 1 maps: the map comes out flat
  if (!activation.defined())
    throw Error("Grad-CAM needs a model with convolution layers, whose outputs are feature maps.");
  if (x.dim() != 2 || classIndex < 0 || classIndex >= x.size(1))
    throw Error("Grad-CAM asked for class " + std::to_string(classIndex) + ", but the model gives " +
                (x.dim() == 2 ? std::to_string(x.size(1)) : std::string("no")) + " class scores.");
  // autograd::grad rather than backward(): only the activation's gradient is computed, so no
  // .grad accumulates on the parameters to leak into the next training step.
  const auto grads = torch::autograd::grad({x[0][classIndex]}, {activation})[0];
  torch::NoGradGuard noGrad;
  const auto weights = grads.mean({2, 3}, /*keepdim=*/true);  // [1, K, 1, 1]
  auto cam = torch::relu((weights * activation).sum(1, /*keepdim=*/true));  // [1, 1, h, w]
  namespace F = torch::nn::functional;
  cam = F::interpolate(cam, F::InterpolateFuncOptions()
                                .size(std::vector<std::int64_t>{image.size(2), image.size(3)})
                                .mode(torch::kBilinear)
                                .align_corners(false))
            .squeeze(0)
            .squeeze(0)
            .cpu();
  const double lo = cam.min().item<double>(), hi = cam.max().item<double>();
  if (!(hi - lo > 1e-12)) return torch::zeros_like(cam);
  return ((cam - lo) / (hi - lo)).clamp(0, 1).contiguous();
}

Image8 toImage8(const Predictions& preds, std::int64_t index) {
  if (index < 0 || index >= preds.size())
    throw Error("There is no validation item " + std::to_string(index) + ".");
  const auto img = preds.images[index].permute({1, 2, 0}).contiguous();  // HWC
  Image8 out;
  out.height = int(img.size(0));
  out.width = int(img.size(1));
  out.channels = int(img.size(2));
  const auto* data = img.data_ptr<std::uint8_t>();
  out.pixels.assign(data, data + img.numel());
  return out;
}

HeatMap toHeatMap(const torch::Tensor& map) {
  const auto m = map.to(torch::kFloat).contiguous().cpu();
  HeatMap out;
  out.height = int(m.size(0));
  out.width = int(m.size(1));
  out.values.assign(m.data_ptr<float>(), m.data_ptr<float>() + m.numel());
  return out;
}

namespace {
std::vector<double> toDoubles(const torch::Tensor& t) {
  const auto d = t.to(torch::kDouble).contiguous().cpu();
  return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

MultiLabelReport multiLabelReport(const Predictions& preds, const std::vector<std::string>& names) {
  const auto probs = preds.probabilities.to(torch::kFloat).t().contiguous();  // [C, N]
  const auto targets = (preds.targets > 0.5).to(torch::kByte).t().contiguous();
  MultiLabelReport out;
  const std::int64_t n = probs.size(1);
  for (std::int64_t c = 0; c < probs.size(0); ++c) {
    LabelScores label;
    label.name = std::size_t(c) < names.size() ? names[std::size_t(c)] : std::to_string(c);
    const float* p = probs[c].data_ptr<float>();
    const std::uint8_t* t = targets[c].data_ptr<std::uint8_t>();
    label.probabilities.assign(p, p + n);
    label.targets.assign(t, t + n);
    label.support = long(std::count(label.targets.begin(), label.targets.end(), 1));
    out.labels.push_back(std::move(label));
  }
  return out;
}
}  // namespace

Interpretation interpretLearner(Learner& learn, const std::vector<std::string>& classes, int k,
                                const ItemFilter& filter, TargetKind target) {
  if (target != TargetKind::Category) {
    if (k < 0) throw Error("The number of worst items must not be negative.");
    const Predictions preds = predictValidation(learn, target);
    Interpretation out;
    out.target = targetKindName(target);
    out.classes = classes;
    out.validItems = long(preds.size());
    if (target == TargetKind::MultiCategory) {
      out.multiLabel = multiLabelReport(preds, classes);
    } else {
      out.regression = regressionReport(toDoubles(preds.predicted), toDoubles(preds.targets), k);
      for (const Residual& r : out.regression.worst)
        out.regression.images.push_back(toImage8(preds, r.index));
    }
    return out;
  }
  const Predictions preds = predictValidation(learn);
  const int numClasses = int(preds.probabilities.size(1));
  Interpretation out;
  out.classes = classes;
  // Numbers stand in for names the caller does not know.
  for (int c = int(out.classes.size()); c < numClasses; ++c) out.classes.push_back(std::to_string(c));
  out.validItems = long(preds.size());
  const auto classOrAny = [](int c) { return c >= 0 ? std::optional<int>(c) : std::nullopt; };
  out.filter = filter;
  out.topLosses = topLosses(preds, k, classOrAny(filter.actual), classOrAny(filter.predicted));
  for (const TopLoss& t : out.topLosses) {
    out.images.push_back(toImage8(preds, t.index));
    out.gradCams.push_back(
        toHeatMap(gradCam(learn.model(), preds.inputs[t.index].unsqueeze(0), t.predicted)));
  }
  out.confusion = toConfusion(confusionMatrix(preds, numClasses));
  out.mostConfused = mostConfused(out.confusion, 1);
  return out;
}

}  // namespace lb
