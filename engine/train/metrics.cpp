#include "engine/train/metrics.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/loss.h>

namespace lb {

namespace F = torch::nn::functional;

void ItemMeanMetric::accumulate(const torch::Tensor& pred, const torch::Tensor& target) {
  const auto [sum, count] = batchSum(pred, target);
  m_sum += sum;
  m_count += count;
}

std::pair<double, long long> Accuracy::batchSum(const torch::Tensor& pred,
                                                const torch::Tensor& target) const {
  return {pred.argmax(1).eq(target).sum().item<double>(), target.size(0)};
}

std::pair<double, long long> TopKAccuracy::batchSum(const torch::Tensor& pred,
                                                    const torch::Tensor& target) const {
  const auto k = std::min<int64_t>(m_k, pred.size(1));
  auto topk = std::get<1>(pred.topk(k, 1));
  return {topk.eq(target.unsqueeze(1)).any(1).sum().item<double>(), target.size(0)};
}

void F1Macro::reset() {
  m_tp.assign(m_numClasses, 0);
  m_fp.assign(m_numClasses, 0);
  m_fn.assign(m_numClasses, 0);
}

void F1Macro::accumulate(const torch::Tensor& pred, const torch::Tensor& target) {
  auto p = pred.argmax(1).cpu();
  auto t = target.cpu();
  const auto* pp = p.data_ptr<int64_t>();
  const auto* tt = t.data_ptr<int64_t>();
  for (int64_t i = 0; i < t.size(0); ++i) {
    if (pp[i] == tt[i]) {
      ++m_tp[tt[i]];
    } else {
      ++m_fp[pp[i]];
      ++m_fn[tt[i]];
    }
  }
}

double F1Macro::value() const {
  double sum = 0;
  for (int c = 0; c < m_numClasses; ++c) {
    const double denom = 2.0 * m_tp[c] + m_fp[c] + m_fn[c];
    sum += denom > 0 ? 2.0 * m_tp[c] / denom : 0.0;
  }
  return m_numClasses ? sum / m_numClasses : 0.0;
}

std::pair<double, long long> AccuracyMulti::batchSum(const torch::Tensor& pred,
                                                     const torch::Tensor& target) const {
  auto hits = pred.sigmoid().gt(m_threshold).eq(target.to(torch::kBool));
  return {hits.sum().item<double>(), hits.numel()};
}

std::pair<double, long long> MeanSquaredError::batchSum(const torch::Tensor& pred,
                                                        const torch::Tensor& target) const {
  auto d = pred.flatten() - target.flatten().to(pred.scalar_type());
  return {d.pow(2).sum().item<double>(), d.numel()};
}

std::pair<double, long long> MeanAbsoluteError::batchSum(const torch::Tensor& pred,
                                                         const torch::Tensor& target) const {
  auto d = pred.flatten() - target.flatten().to(pred.scalar_type());
  return {d.abs().sum().item<double>(), d.numel()};
}

torch::Tensor crossEntropyLoss(const torch::Tensor& pred, const torch::Tensor& target) {
  return F::cross_entropy(pred, target);
}

torch::Tensor smoothedCrossEntropyLoss(const torch::Tensor& pred, const torch::Tensor& target,
                                       double labelSmoothing, bool reduceItems) {
  auto logp = F::log_softmax(pred, F::LogSoftmaxFuncOptions(1));
  auto nll = F::nll_loss(logp, target, F::NLLLossFuncOptions().reduction(torch::kNone));
  auto loss = nll;
  if (labelSmoothing > 0)
    loss = -logp.sum(1) * (labelSmoothing / double(pred.size(1))) + nll * (1.0 - labelSmoothing);
  return reduceItems ? loss.mean() : loss;
}

torch::Tensor bceWithLogitsLoss(const torch::Tensor& pred, const torch::Tensor& target) {
  return F::binary_cross_entropy_with_logits(pred, target.to(pred.scalar_type()));
}

torch::Tensor mseLoss(const torch::Tensor& pred, const torch::Tensor& target) {
  return F::mse_loss(pred.flatten(), target.flatten().to(pred.scalar_type()));
}

}  // namespace lb
