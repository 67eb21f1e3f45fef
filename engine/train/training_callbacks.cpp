#include "engine/train/training_callbacks.h"

#include <torch/nn/utils/clip_grad.h>

#include <cmath>
#include <cstdio>

#include "engine/train/callbacks.h"
#include "engine/train/checkpoint.h"
#include "engine/util/error.h"

namespace lb {
namespace {

// The monitored value of the epoch just recorded.
double monitored(Learner& learn, const std::string& name) {
  const auto& rec = learn.recorder();
  const auto& last = rec.epochs.back();
  if (name == "valid_loss") return last.validLoss;
  if (name == "train_loss") return last.trainLoss;
  for (std::size_t i = 0; i < rec.metricNames.size(); ++i)
    if (rec.metricNames[i] == name) return last.metrics[i];
  throw Error("There is nothing called \"" + name +
              "\" to monitor: use valid_loss, train_loss or one of the metrics.");
}

bool lowerIsBetter(Learner& learn, const std::string& name) {
  for (const auto& m : learn.metrics())
    if (m->name() == name) return m->lowerIsBetter();
  return name.find("loss") != std::string::npos || name.find("error") != std::string::npos;
}

}  // namespace

TrackerCallback::TrackerCallback(std::string monitor, double minDelta)
    : m_monitor(std::move(monitor)), m_minDelta(std::abs(minDelta)) {}

void TrackerCallback::beforeFit(Learner& learn) {
  m_lowerIsBetter = lowerIsBetter(learn, m_monitor);
  m_best = m_lowerIsBetter ? INFINITY : -INFINITY;
  m_bestEpoch = -1;
}

void TrackerCallback::afterEpoch(Learner& learn) {
  const double value = monitored(learn, m_monitor);
  m_newBest = m_lowerIsBetter ? value < m_best - m_minDelta : value > m_best + m_minDelta;
  if (m_newBest) {
    m_best = value;
    m_bestEpoch = learn.epoch;
  }
}

EarlyStopping::EarlyStopping(std::string monitor, double minDelta, int patience)
    : TrackerCallback(std::move(monitor), minDelta), m_patience(patience) {}

void EarlyStopping::beforeFit(Learner& learn) {
  TrackerCallback::beforeFit(learn);
  m_wait = 0;
}

void EarlyStopping::afterEpoch(Learner& learn) {
  TrackerCallback::afterEpoch(learn);
  m_wait = m_newBest ? 0 : m_wait + 1;
  if (m_wait >= m_patience) {
    learn.stopReason = "Stopped early: " + m_monitor + " has not improved since epoch " +
                       std::to_string(learn.epoch - m_wait + 1) + ".";
    throw CancelFit{};
  }
}

SaveBestModel::SaveBestModel(std::filesystem::path file, std::string monitor, bool reloadAtEnd)
    : TrackerCallback(std::move(monitor)), m_file(std::move(file)), m_reloadAtEnd(reloadAtEnd) {}

void SaveBestModel::afterEpoch(Learner& learn) {
  TrackerCallback::afterEpoch(learn);
  if (m_newBest) saveModelWeights(*learn.model(), m_file);
}

void SaveBestModel::afterFit(Learner& learn) {
  if (m_reloadAtEnd && bestEpoch() >= 0) loadModelWeights(*learn.model(), m_file);
}

void GradientClip::beforeStep(Learner& learn) {
  torch::nn::utils::clip_grad_norm_(learn.model()->parameters(), m_maxNorm);
}

void GradientAccumulation::afterLoss(Learner& learn) {
  if (!learn.training) return;
  // Each batch contributes its share of `items`, so the summed gradient is a mean over them.
  learn.lossGrad = learn.lossGrad * (double(learn.yb.size(0)) / m_items);
}

void GradientAccumulation::beforeStep(Learner& learn) {
  m_count += learn.yb.size(0);
  if (m_count < m_items) throw CancelBatch{};  // keep the gradients, skip step and zero_grad
  m_count = 0;
}

void NanGuard::afterLoss(Learner& learn) {
  const double loss = learn.loss.item<double>();
  if (std::isfinite(loss)) return;
  char lr[32];
  std::snprintf(lr, sizeof lr, "%.2g", learn.optimizer().lr(learn.parameterGroups() - 1));
  // A step can turn the weights NaN after the last training loss was still finite; the
  // validation then shows it, and the fit ends before the epoch ends (no checkpoint of it).
  const std::string where = learn.training ? "at batch " + std::to_string(learn.iter + 1) + " of"
                                           : "in the validation of";
  learn.stopReason = std::string("The loss became ") + (std::isnan(loss) ? "NaN" : "infinite") +
                     " " + where + " epoch " + std::to_string(learn.epoch + 1) +
                     ", so training stopped: the learning rate (" + lr +
                     ") is too high; try one ten times lower.";
  throw CancelFit{};
}

void MixUp::beforeBatch(Learner& learn) {
  if (!learn.training) return;
  const auto bs = learn.yb.size(0);
  auto alpha = torch::full({bs}, m_alpha, learn.xb.options().dtype(torch::kFloat));
  auto g1 = at::_standard_gamma(alpha), g2 = at::_standard_gamma(alpha);
  auto lam = g1 / (g1 + g2);
  m_lam = torch::max(lam, 1 - lam);  // the item's own label keeps the larger weight
  auto shuffle = torch::randperm(bs, torch::TensorOptions().dtype(torch::kLong).device(learn.xb.device()));
  m_otherY = learn.yb.index_select(0, shuffle);
  std::vector<int64_t> shape(learn.xb.dim(), 1);
  shape[0] = bs;
  learn.xb = torch::lerp(learn.xb.index_select(0, shuffle), learn.xb, m_lam.view(shape));
}

void MixUp::afterLoss(Learner& learn) {
  if (!learn.training || !m_lam.defined()) return;
  auto own = smoothedCrossEntropyLoss(learn.pred, learn.yb, 0.0, /*reduceItems=*/false);
  auto other = smoothedCrossEntropyLoss(learn.pred, m_otherY, 0.0, /*reduceItems=*/false);
  learn.loss = torch::lerp(other, own, m_lam).mean();
  learn.lossGrad = learn.loss;
}

}  // namespace lb
