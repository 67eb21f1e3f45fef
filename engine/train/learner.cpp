#include "engine/train/learner.h"

#include <algorithm>
#include <cmath>

#include "engine/train/callbacks.h"
#include "engine/util/error.h"

namespace lb {

Splitter splitBodyHead(std::size_t headStart) {
  return [headStart](torch::nn::Sequential& model) {
    std::vector<std::vector<std::shared_ptr<torch::nn::Module>>> groups(2);
    for (std::size_t i = 0; i < model->size(); ++i)
      groups[i < headStart ? 0 : 1].push_back(model->ptr(i));
    return groups;
  };
}

std::vector<double> LearningRates::forGroups(std::size_t groups) const {
  std::vector<double> lrs(groups, m_hi);
  if (m_kind == Kind::UpTo) {
    std::fill(lrs.begin(), lrs.end() - 1, m_lo);
  } else if (m_kind == Kind::Range && groups > 1) {
    // fastai's even_mults: lo * (hi / lo)^(i / (n - 1)).
    for (std::size_t i = 0; i < groups; ++i)
      lrs[i] = m_lo * std::pow(m_hi / m_lo, double(i) / double(groups - 1));
  }
  return lrs;
}

Learner::Learner(TensorLoader train, TensorLoader valid, torch::nn::Sequential model,
                 LossFunction loss, std::vector<std::shared_ptr<Metric>> metrics,
                 OptimizerOptions optimizer, Splitter splitter)
    : Learner(std::make_shared<TensorLoader>(std::move(train)),
              std::make_shared<TensorLoader>(std::move(valid)), std::move(model), std::move(loss),
              std::move(metrics), optimizer, std::move(splitter)) {}

Learner::Learner(std::shared_ptr<DataLoader> train, std::shared_ptr<DataLoader> valid,
                 torch::nn::Sequential model, LossFunction loss,
                 std::vector<std::shared_ptr<Metric>> metrics, OptimizerOptions optimizer,
                 Splitter splitter)
    : m_train(std::move(train)), m_valid(std::move(valid)), m_model(std::move(model)),
      m_lossFunction(std::move(loss)), m_metrics(std::move(metrics)),
      m_recorder(std::make_shared<Recorder>()) {
  std::vector<ParamGroup> groups;
  if (splitter) {
    for (const auto& modules : splitter(m_model)) groups.push_back(paramGroupOf(modules, 1e-3));
  } else {
    groups.push_back(paramGroupOf(*m_model, 1e-3));
  }
  m_optimizer = std::make_unique<Optimizer>(std::move(groups), optimizer);
  m_callbacks.push_back(m_recorder);
}

void Learner::addCallback(std::shared_ptr<Callback> callback) {
  m_callbacks.push_back(std::move(callback));
}

void Learner::removeCallback(const std::shared_ptr<Callback>& callback) {
  std::erase(m_callbacks, callback);
}

template <typename Event>
void Learner::notify(Event event) {
  for (const auto& cb : m_active) ((*cb).*event)(*this);
}

void Learner::fit(int epochs, const LearningRates& lr) {
  m_optimizer->setLrs(lr.forGroups(parameterGroups()));
  fitWith(epochs, {});
}

void Learner::fitOneCycle(int epochs, const OneCycleOptions& options,
                          std::optional<LearningRates> lrs, int startEpoch) {
  // Every piece of the one-cycle lr is proportional to lr_max, so each group follows the same
  // curve scaled to its own maximum.
  const auto maxima = lrs.value_or(LearningRates(options.lrMax)).forGroups(parameterGroups());
  auto scheduler = std::make_shared<ParamScheduler>(
      [options](double pos, double lrMax) {
        OneCycleOptions o = options;
        o.lrMax = lrMax;
        return oneCycleAt(o, pos);
      },
      maxima, /*setsMomentum=*/true);
  fitWith(epochs, {scheduler}, startEpoch);
}

void Learner::fitFlatCos(int epochs, const FlatCosOptions& options,
                         std::optional<LearningRates> lrs) {
  const auto maxima = lrs.value_or(LearningRates(options.lr)).forGroups(parameterGroups());
  auto scheduler = std::make_shared<ParamScheduler>(
      [options](double pos, double lr) {
        FlatCosOptions o = options;
        o.lr = lr;
        return flatCosAt(o, pos);
      },
      maxima, /*setsMomentum=*/false);
  fitWith(epochs, {scheduler});
}

void Learner::fineTune(int epochs, const FineTuneOptions& o, int startEpoch) {
  // The cycles the planned schedule shows (engine/train/schedule.h), so plan and fit agree.
  const FineTuneCycles cycles = fineTuneCycles(o);
  if (startEpoch < o.freezeEpochs) {
    freeze();
    fitOneCycle(o.freezeEpochs, cycles.frozen, LearningRates::upTo(cycles.frozen.lrMax),
                startEpoch);
    if (!stopReason.empty() || cancelled) return;
    startEpoch = o.freezeEpochs;
  }
  unfreeze();
  fitOneCycle(epochs, cycles.unfrozen,
              LearningRates::range(cycles.unfrozenBodyLr, cycles.unfrozen.lrMax),
              startEpoch - o.freezeEpochs);
}

void Learner::fitWith(int epochs, std::vector<std::shared_ptr<Callback>> extra, int startEpoch) {
  if (epochs < 1) throw Error("The number of epochs must be at least 1.");
  if (m_train->batches() == 0)
    throw Error("There are fewer training items (" + std::to_string(m_train->items()) +
                ") than one batch (" + std::to_string(m_train->batchSize()) +
                "): lower the batch size or add data.");
  m_active = m_callbacks;
  m_active.insert(m_active.end(), extra.begin(), extra.end());
  std::stable_sort(m_active.begin(), m_active.end(),
                   [](const auto& a, const auto& b) { return a->order() < b->order(); });
  if (startEpoch < 0 || startEpoch >= epochs)
    throw Error("Cannot resume at epoch " + std::to_string(startEpoch + 1) + " of a fit of " +
                std::to_string(epochs) + " epochs.");
  nEpoch = epochs;
  epoch = startEpoch;
  pausedSeconds = 0;
  trainIter = long(startEpoch) * m_train->batches();
  pctTrain = double(trainIter) / (double(nEpoch) * m_train->batches());
  stopReason.clear();
  cancelled = false;
  try {
    try {
      notify(&Callback::beforeFit);
      for (epoch = startEpoch; epoch < nEpoch; ++epoch) runEpoch();
    } catch (const CancelFit&) {
      cancelled = true;
    }
    notify(&Callback::afterFit);
  } catch (...) {
    m_active.clear();
    throw;
  }
  m_active.clear();
  xb = yb = pred = loss = lossGrad = torch::Tensor();
}

void Learner::runEpoch() {
  try {
    notify(&Callback::beforeEpoch);
    runPhase(true);
    runPhase(false);
  } catch (const CancelEpoch&) {
  }
  notify(&Callback::afterEpoch);
}

void Learner::runPhase(bool train) {
  training = train;
  DataLoader& loader = train ? *m_train : *m_valid;
  loader.startEpoch(epoch);
  nIter = loader.batches();
  m_model->train(train);
  try {
    notify(train ? &Callback::beforeTrain : &Callback::beforeValidate);
    torch::AutoGradMode gradMode(train);
    for (iter = 0; iter < nIter; ++iter) {
      Batch b = loader.batch(iter);
      xb = std::move(b.x);
      yb = std::move(b.y);
      try {
        notify(&Callback::beforeBatch);
        oneBatch();
      } catch (const CancelBatch&) {
      }
      notify(&Callback::afterBatch);
      if (train) {
        ++trainIter;
        pctTrain = double(trainIter) / (double(nEpoch) * m_train->batches());
      }
    }
  } catch (const CancelTrain&) {
    if (!train) throw;
  } catch (const CancelValidate&) {
    if (train) throw;
  }
  notify(train ? &Callback::afterTrain : &Callback::afterValidate);
}

void Learner::oneBatch() {
  pred = m_model->forward(xb);
  notify(&Callback::afterPred);
  loss = m_lossFunction(pred, yb);
  lossGrad = loss;
  notify(&Callback::afterLoss);
  if (!training) return;
  notify(&Callback::beforeBackward);
  lossGrad.backward();
  notify(&Callback::afterBackward);
  notify(&Callback::beforeStep);
  m_optimizer->step();
  notify(&Callback::afterStep);
  m_optimizer->zeroGrad();
}

}  // namespace lb
