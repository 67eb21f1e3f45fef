#include "engine/interpret/interpretation.h"

#include <torch/autograd.h>
#include <torch/csrc/autograd/InferenceMode.h>
#include <torch/nn/functional/upsampling.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>

#include <algorithm>
#include <numeric>
#include <string>

#include "engine/interpret/target_reports.h"
#include "engine/util/error.h"

namespace lb {

void PredictionCollector::add(const torch::Tensor& outputs, const torch::Tensor& y) {
  torch::NoGradGuard noGrad;
  const auto logits = outputs.detach().to(torch::kFloat);
  if (m_target == TargetKind::MultiCategory) {
    // log(sigmoid) and log(1 - sigmoid) from logsigmoid: stable for large scores.
    const auto t = y.to(torch::kFloat);
    const auto bce = -(t * torch::log_sigmoid(logits) + (1 - t) * torch::log_sigmoid(-logits));
    m_losses.push_back(bce.mean(1).cpu());
    const auto p = torch::sigmoid(logits);
    m_probs.push_back(p.cpu());
    m_preds.push_back((p > 0.5).to(torch::kLong).cpu());
    m_targets.push_back(t.cpu());
  } else if (m_target == TargetKind::Regression) {
    const auto out = logits.flatten(), t = y.to(torch::kFloat).flatten();
    m_losses.push_back((out - t).pow(2).cpu());
    m_preds.push_back(out.cpu());
    m_targets.push_back(t.cpu());
  } else {
    const auto logp = torch::log_softmax(logits, 1);
    m_losses.push_back(-logp.gather(1, y.unsqueeze(1)).squeeze(1).cpu());
    m_probs.push_back(logp.exp().cpu());
    m_preds.push_back(logits.argmax(1).cpu());
    m_targets.push_back(y.cpu());
  }
  m_size += logits.size(0);
}

void PredictionCollector::clear() {
  m_probs.clear();
  m_preds.clear();
  m_targets.clear();
  m_losses.clear();
  m_size = 0;
}

Predictions PredictionCollector::take() {
  if (m_size == 0) throw Error("The validation set is empty: there is nothing to interpret.");
  Predictions p;
  if (!m_probs.empty()) p.probabilities = torch::cat(m_probs);
  p.predicted = torch::cat(m_preds);
  p.targets = torch::cat(m_targets);
  p.losses = torch::cat(m_losses);
  clear();
  return p;
}

Predictions predictValidation(Learner& learn, TargetKind target) {
  auto& model = learn.model();
  model->eval();
  DataLoader& valid = learn.validLoader();
  valid.startEpoch(0);  // a no-op for the validation loader, which keeps order
  PredictionCollector collector(target);
  torch::NoGradGuard noGrad;
  for (int i = 0; i < valid.batches(); ++i) {
    const Batch b = valid.batch(i);
    collector.add(model->forward(b.x), b.y);
  }
  return collector.take();
}

torch::Tensor validationInputs(Learner& learn, const std::vector<long>& indices) {
  if (indices.empty()) return {};
  return learn.validLoader().itemsAt({indices.begin(), indices.end()}).x.to(torch::kCPU);
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

bool hasConvolution(torch::nn::Sequential& model) {
  for (const auto& m : model->modules(/*include_self=*/false))
    if (m->as<torch::nn::Conv2d>()) return true;
  return false;
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

Image8 toImage8(const torch::Tensor& input, const Normalization& stats) {
  if (input.dim() != 3 || std::size_t(input.size(0)) != stats.mean.size() ||
      stats.std.size() != stats.mean.size())
    throw Error("An image to show must be [channels, height, width] with one mean and one "
                "standard deviation per channel.");
  const auto c = input.size(0);
  const auto mean = torch::tensor(stats.mean).view({c, 1, 1});
  const auto std = torch::tensor(stats.std).view({c, 1, 1});
  const auto pixels = ((input.detach().to(torch::kCPU, torch::kFloat) * std + mean) * 255.0)
                          .round()
                          .clamp(0, 255)
                          .to(torch::kByte)
                          .permute({1, 2, 0})  // HWC
                          .contiguous();
  Image8 out;
  out.height = int(pixels.size(0));
  out.width = int(pixels.size(1));
  out.channels = int(pixels.size(2));
  const auto* data = pixels.data_ptr<std::uint8_t>();
  out.pixels.assign(data, data + pixels.numel());
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
// Every item's actual and predicted class (or value) and loss, compact, for the run store.
std::vector<ItemPrediction> itemPredictions(const Predictions& preds, TargetKind target) {
  const long n = long(preds.size());
  std::vector<ItemPrediction> items(std::size_t(n), ItemPrediction{});
  const torch::Tensor losses = preds.losses.to(torch::kFloat).contiguous();
  const float* loss = losses.data_ptr<float>();
  const bool single = target != TargetKind::MultiCategory;  // one class or value per item
  torch::Tensor actual, predicted, probability;
  if (single) {
    actual = preds.targets.to(torch::kFloat).reshape({n}).contiguous();
    predicted = preds.predicted.to(torch::kFloat).reshape({n}).contiguous();
  }
  // The predicted class is the most probable one: its probability is the row's maximum.
  if (target == TargetKind::Category && n > 0)
    probability = std::get<0>(preds.probabilities.to(torch::kFloat).max(1)).contiguous();
  for (long i = 0; i < n; ++i) {
    items[std::size_t(i)].loss = loss[i];
    items[std::size_t(i)].actual = single ? actual.data_ptr<float>()[i] : -1.0f;
    items[std::size_t(i)].predicted = single ? predicted.data_ptr<float>()[i] : -1.0f;
    if (probability.defined()) items[std::size_t(i)].probability = probability.data_ptr<float>()[i];
  }
  return items;
}
}  // namespace

Interpretation interpretPredictions(Learner& learn, const Predictions& preds,
                                    const std::vector<std::string>& classes, int k,
                                    const ItemFilter& filter, TargetKind target,
                                    const Normalization& stats) {
  Interpretation out;
  out.target = target;
  out.classes = classes;
  out.validItems = long(preds.size());
  out.items = itemPredictions(preds, target);
  // The images of the listed items, fetched from the loader as the model took them.
  const auto imagesOf = [&](const std::vector<long>& indices) {
    std::vector<Image8> images;
    const torch::Tensor inputs = validationInputs(learn, indices);
    for (std::size_t i = 0; i < indices.size(); ++i)
      images.push_back(toImage8(inputs[long(i)], stats));
    return std::pair(images, inputs);
  };
  if (target != TargetKind::Category) {
    if (k < 0) throw Error("The number of worst items must not be negative.");
    if (target == TargetKind::MultiCategory) {
      out.multiLabel = multiLabelReport(preds, classes);
    } else {
      out.regression = regressionReport(toDoubles(preds.predicted), toDoubles(preds.targets), k);
      std::vector<long> worst;
      for (const Residual& r : out.regression.worst) worst.push_back(r.index);
      out.regression.images = imagesOf(worst).first;
    }
    return out;
  }
  const int numClasses = int(preds.probabilities.size(1));
  // Numbers stand in for names the caller does not know.
  for (int c = int(out.classes.size()); c < numClasses; ++c) out.classes.push_back(std::to_string(c));
  const auto classOrAny = [](int c) { return c >= 0 ? std::optional<int>(c) : std::nullopt; };
  out.filter = filter;
  out.topLosses = topLosses(preds, k, classOrAny(filter.actual), classOrAny(filter.predicted));
  std::vector<long> shown;
  for (const TopLoss& t : out.topLosses) shown.push_back(t.index);
  auto [images, inputs] = imagesOf(shown);
  out.images = std::move(images);
  // A model without convolutions (a plain MLP) has no feature map to explain: no Grad-CAM
  // rather than a failed training or interpretation.
  if (hasConvolution(learn.model()))
    for (std::size_t i = 0; i < shown.size(); ++i)
      out.gradCams.push_back(toHeatMap(
          gradCam(learn.model(), inputs[long(i)].unsqueeze(0), out.topLosses[i].predicted)));
  out.confusion = toConfusion(confusionMatrix(preds, numClasses));
  out.mostConfused = mostConfused(out.confusion, 1);
  return out;
}

Interpretation interpretLearner(Learner& learn, const std::vector<std::string>& classes, int k,
                                const ItemFilter& filter, TargetKind target,
                                const Normalization& stats) {
  return interpretPredictions(learn, predictValidation(learn, target), classes, k, filter, target,
                              stats);
}

InterpretEachEpoch::InterpretEachEpoch(std::vector<std::string> classes, int k, TargetKind target,
                                       Normalization stats, Report report)
    : m_classes(std::move(classes)), m_k(k), m_target(target), m_stats(std::move(stats)),
      m_report(std::move(report)), m_collector(target) {}

void InterpretEachEpoch::afterLoss(Learner& learn) {
  if (!learn.training) m_collector.add(learn.pred, learn.yb);
}

void InterpretEachEpoch::afterEpoch(Learner& learn) {
  if (m_collector.size() != learn.validLoader().items()) {  // validation was cut short
    m_collector.clear();
    return;
  }
  const Predictions preds = m_collector.take();
  m_report(interpretPredictions(learn, preds, m_classes, m_k, {}, m_target, m_stats));
}

}  // namespace lb
