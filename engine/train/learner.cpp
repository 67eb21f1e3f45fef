#include "engine/train/learner.h"

#include <algorithm>

#include "engine/train/callbacks.h"
#include "engine/util/error.h"

namespace lb {

Learner::Learner(TensorLoader train, TensorLoader valid, torch::nn::Sequential model,
                 LossFunction loss, std::vector<std::shared_ptr<Metric>> metrics,
                 OptimizerOptions optimizer)
    : m_train(std::move(train)), m_valid(std::move(valid)), m_model(std::move(model)),
      m_lossFunction(std::move(loss)), m_metrics(std::move(metrics)),
      m_recorder(std::make_shared<Recorder>()) {
  m_optimizer = std::make_unique<Optimizer>(
      std::vector<ParamGroup>{paramGroupOf(*m_model, 1e-3)}, optimizer);
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

void Learner::fit(int epochs, double lr) {
  m_optimizer->setLr(lr);
  fitWith(epochs, {});
}

void Learner::fitOneCycle(int epochs, const OneCycleOptions& options) {
  auto scheduler = std::make_shared<ParamScheduler>(
      [options](double pos) { return oneCycleAt(options, pos); }, /*setsMomentum=*/true);
  fitWith(epochs, {scheduler});
}

void Learner::fitWith(int epochs, std::vector<std::shared_ptr<Callback>> extra) {
  if (epochs < 1) throw Error("The number of epochs must be at least 1.");
  if (m_train.batches() == 0)
    throw Error("There are fewer training items (" + std::to_string(m_train.items()) +
                ") than one batch (" + std::to_string(m_train.batchSize()) +
                "): lower the batch size or add data.");
  m_active = m_callbacks;
  m_active.insert(m_active.end(), extra.begin(), extra.end());
  std::stable_sort(m_active.begin(), m_active.end(),
                   [](const auto& a, const auto& b) { return a->order() < b->order(); });
  nEpoch = epochs;
  trainIter = 0;
  pctTrain = 0;
  try {
    try {
      notify(&Callback::beforeFit);
      for (epoch = 0; epoch < nEpoch; ++epoch) runEpoch();
    } catch (const CancelFit&) {
    }
    notify(&Callback::afterFit);
  } catch (...) {
    m_active.clear();
    throw;
  }
  m_active.clear();
  xb = yb = pred = loss = torch::Tensor();
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
  TensorLoader& loader = train ? m_train : m_valid;
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
        pctTrain = double(trainIter) / (double(nEpoch) * m_train.batches());
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
  notify(&Callback::afterLoss);
  if (!training) return;
  notify(&Callback::beforeBackward);
  loss.backward();
  notify(&Callback::afterBackward);
  notify(&Callback::beforeStep);
  m_optimizer->step();
  notify(&Callback::afterStep);
  m_optimizer->zeroGrad();
}

}  // namespace lb
