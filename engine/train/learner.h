#pragma once
// Learner: data loaders, model, loss, optimizer, metrics and callbacks, with fastai's training
// loop and its events, in fastai's order:
//   before_fit, [before_epoch, before_train, [before_batch, after_pred, after_loss,
//   before_backward, after_backward, before_step, after_step, after_batch]*, after_train,
//   before_validate, [batches]*, after_validate, after_epoch]*, after_fit
// A callback cancels part of the fit by throwing CancelBatch, CancelTrain, CancelValidate,
// CancelEpoch or CancelFit; the matching after_* event still runs, so clean-up always happens.
// Callbacks run in ascending order(); the state below is public so callbacks can read and
// change it, as in fastai. Requires: loaders and model on the same device. Throws lb::Error for
// bad settings; exceptions from callbacks other than the Cancel* ones end the fit and propagate.
#include <torch/nn/modules/container/sequential.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/data/tensor_loader.h"
#include "engine/train/metrics.h"
#include "engine/train/optimizer.h"
#include "engine/train/schedule.h"

namespace lb {

class Learner;
class Recorder;

struct CancelBatch {};
struct CancelTrain {};
struct CancelValidate {};
struct CancelEpoch {};
struct CancelFit {};

class Callback {
 public:
  virtual ~Callback() = default;
  virtual int order() const { return 0; }
  virtual void beforeFit(Learner&) {}
  virtual void beforeEpoch(Learner&) {}
  virtual void beforeTrain(Learner&) {}
  virtual void beforeBatch(Learner&) {}
  virtual void afterPred(Learner&) {}
  virtual void afterLoss(Learner&) {}
  virtual void beforeBackward(Learner&) {}
  virtual void afterBackward(Learner&) {}
  virtual void beforeStep(Learner&) {}
  virtual void afterStep(Learner&) {}
  virtual void afterBatch(Learner&) {}
  virtual void afterTrain(Learner&) {}
  virtual void beforeValidate(Learner&) {}
  virtual void afterValidate(Learner&) {}
  virtual void afterEpoch(Learner&) {}
  virtual void afterFit(Learner&) {}
};

using LossFunction = std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>;

// Splits a model's layers into parameter groups (body first, head last) for freezing and
// discriminative learning rates. Without one, the whole model is one group.
using Splitter =
    std::function<std::vector<std::vector<std::shared_ptr<torch::nn::Module>>>(torch::nn::Sequential&)>;

// Layers [0, headStart) as the body group and [headStart, end) as the head group.
Splitter splitBodyHead(std::size_t headStart);

// Learning rates for the parameter groups, as fastai's lr argument: one value for every group;
// a range (fastai's slice(lo, hi)) spread geometrically from the first group to the last; or
// "up to" (slice(hi)): hi / 10 for every group but the last, which gets hi.
class LearningRates {
 public:
  LearningRates(double lr) : m_lo(lr), m_hi(lr), m_kind(Kind::Single) {}  // NOLINT: implicit
  static LearningRates range(double lo, double hi) { return {lo, hi, Kind::Range}; }
  static LearningRates upTo(double hi) { return {hi / 10, hi, Kind::UpTo}; }
  std::vector<double> forGroups(std::size_t groups) const;
  double last() const { return m_hi; }

 private:
  enum class Kind { Single, Range, UpTo };
  LearningRates(double lo, double hi, Kind kind) : m_lo(lo), m_hi(hi), m_kind(kind) {}
  double m_lo, m_hi;
  Kind m_kind;
};

class Learner {
 public:
  Learner(std::shared_ptr<DataLoader> train, std::shared_ptr<DataLoader> valid,
          torch::nn::Sequential model, LossFunction loss,
          std::vector<std::shared_ptr<Metric>> metrics, OptimizerOptions optimizer = {},
          Splitter splitter = {});
  // In-memory data sets (tests, benchmarks).
  Learner(TensorLoader train, TensorLoader valid, torch::nn::Sequential model, LossFunction loss,
          std::vector<std::shared_ptr<Metric>> metrics, OptimizerOptions optimizer = {},
          Splitter splitter = {});

  void addCallback(std::shared_ptr<Callback> callback);
  void removeCallback(const std::shared_ptr<Callback>& callback);

  // Constant lr (the optimizer's momentum stays as it is).
  void fit(int epochs, const LearningRates& lr);
  // fastai's fit_one_cycle; options.lrMax applies to every group unless `lrs` is given.
  // startEpoch > 0 resumes a fit (after loadCheckpoint) with the schedule where it stopped.
  void fitOneCycle(int epochs, const OneCycleOptions& options,
                   std::optional<LearningRates> lrs = std::nullopt, int startEpoch = 0);
  // fastai's fit_flat_cos.
  void fitFlatCos(int epochs, const FlatCosOptions& options,
                  std::optional<LearningRates> lrs = std::nullopt);
  // fastai's fine_tune: one cycle on the head with the body frozen, then all groups unfrozen
  // with a range of learning rates. startEpoch counts both phases (freezeEpochs + epochs):
  // resuming at or past freezeEpochs skips the frozen phase. A stop or an early end in the
  // frozen phase skips the second.
  void fineTune(int epochs, const FineTuneOptions& options = {}, int startEpoch = 0);
  // The loop itself; `extra` callbacks take part in this fit only (schedulers).
  void fitWith(int epochs, std::vector<std::shared_ptr<Callback>> extra, int startEpoch = 0);

  // Freezing by parameter group; batch-norm layers stay trainable, as in fastai.
  void freeze() { m_optimizer->freezeTo(-1); }
  void unfreeze() { m_optimizer->freezeTo(0); }
  void freezeTo(int group) { m_optimizer->freezeTo(group); }
  std::size_t parameterGroups() const { return m_optimizer->groups().size(); }

  Recorder& recorder() { return *m_recorder; }
  torch::nn::Sequential& model() { return m_model; }
  Optimizer& optimizer() { return *m_optimizer; }
  DataLoader& trainLoader() { return *m_train; }
  DataLoader& validLoader() { return *m_valid; }
  const std::vector<std::shared_ptr<Metric>>& metrics() const { return m_metrics; }
  const LossFunction& lossFunction() const { return m_lossFunction; }

  // State during a fit, for callbacks.
  int epoch = 0, nEpoch = 0;    // current epoch and epochs in the fit
  int iter = 0, nIter = 0;      // batch within the current loader, and its batch count
  long trainIter = 0;           // training batches done in this fit
  double pctTrain = 0;          // trainIter / (nEpoch * training batches)
  bool training = false;
  // Seconds a pause has held this fit; time estimates leave them out (a pause is not slowness).
  double pausedSeconds = 0;
  torch::Tensor xb, yb, pred, loss;
  torch::Tensor lossGrad;  // what backward() runs on: the loss unless a callback scales it
  // Set by the callback that ended the fit early (NaN guard, early stopping), in words.
  std::string stopReason;
  bool cancelled = false;  // the last fit was cancelled (a stop) before its end

 private:
  template <typename Event>
  void notify(Event event);
  void runEpoch();
  void runPhase(bool train);
  void oneBatch();

  std::shared_ptr<DataLoader> m_train, m_valid;
  torch::nn::Sequential m_model;
  LossFunction m_lossFunction;
  std::vector<std::shared_ptr<Metric>> m_metrics;
  std::unique_ptr<Optimizer> m_optimizer;
  std::shared_ptr<Recorder> m_recorder;
  std::vector<std::shared_ptr<Callback>> m_callbacks;
  std::vector<std::shared_ptr<Callback>> m_active;  // sorted, for the fit under way
};

}  // namespace lb
