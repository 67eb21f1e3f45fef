#include "engine/train/lr_finder.h"

#include <torch/nn/module.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/train/callbacks.h"
#include "engine/train/lr_suggestions.h"
#include "engine/util/error.h"

namespace lb {
namespace {

// The sweep itself, for one fit (fastai's LRFinder callback without the save and load, which
// findLearningRate does around the fit so that an exception restores the model too).
class LrFinderCallback : public Callback {
 public:
  LrFinderCallback(const LrFinderOptions& options, std::function<void(const LrFindPoint&)> onPoint)
      : m_options(options), m_onPoint(std::move(onPoint)) {}

  // After the Recorder (50), so its smoothed loss includes this batch.
  int order() const override { return 60; }

  void beforeBatch(Learner& learn) override {
    if (!learn.training) return;
    learn.optimizer().setLr(
        annealExp(m_options.startLr, m_options.endLr, double(learn.trainIter) / m_options.numIt));
  }

  void afterBatch(Learner& learn) override {
    if (!learn.training || !learn.loss.defined()) return;
    const Recorder& rec = learn.recorder();
    const LrFindPoint p{int(learn.trainIter), rec.lrs.back(), rec.losses.back(),
                        rec.smoothLosses.back()};
    points.push_back(p);
    if (m_onPoint) m_onPoint(p);
    if (std::isnan(p.smoothLoss)) throw CancelFit{};
    m_best = std::min(m_best, p.smoothLoss);
    if (m_options.stopDiv && p.smoothLoss > 4 * m_best) throw CancelFit{};
    // The Learner counts this batch after afterBatch, hence the + 1.
    if (learn.trainIter + 1 >= m_options.numIt) throw CancelFit{};
  }

  void beforeValidate(Learner&) override { throw CancelValidate{}; }

  std::vector<LrFindPoint> points;

 private:
  LrFinderOptions m_options;
  std::function<void(const LrFindPoint&)> m_onPoint;
  double m_best = std::numeric_limits<double>::infinity();
};

// Deep copies of every parameter and buffer (BatchNorm's running statistics included).
struct ModelSnapshot {
  std::vector<torch::Tensor> params, buffers;

  explicit ModelSnapshot(const torch::nn::Module& model) {
    for (const auto& p : model.parameters()) params.push_back(p.detach().clone());
    for (const auto& b : model.buffers()) buffers.push_back(b.detach().clone());
  }

  // In place, so the optimizer's references to the parameters stay valid.
  void restore(torch::nn::Module& model) const {
    torch::NoGradGuard noGrad;
    const auto ps = model.parameters();
    const auto bs = model.buffers();
    for (std::size_t i = 0; i < ps.size(); ++i) ps[i].copy_(params[i]);
    for (std::size_t i = 0; i < bs.size(); ++i) bs[i].copy_(buffers[i]);
  }
};

}  // namespace

LrFindResult findLearningRate(Learner& learn, const LrFinderOptions& options,
                              const std::atomic<bool>* stop,
                              std::function<void(const LrFindPoint&)> onPoint) {
  if (!(options.startLr > 0) || !(options.endLr > 0) || !std::isfinite(options.startLr) ||
      !std::isfinite(options.endLr))
    throw Error("The learning-rate finder needs positive start and end learning rates.");
  if (options.numIt < 6)
    throw Error("The learning-rate finder needs at least 6 iterations, got " +
                std::to_string(options.numIt) + ".");

  const ModelSnapshot model(*learn.model());
  const Optimizer::State optimizer = learn.optimizer().state();
  auto restore = [&] {
    model.restore(*learn.model());
    learn.optimizer().loadState(optimizer);
    learn.optimizer().zeroGrad();
  };

  auto finder = std::make_shared<LrFinderCallback>(options, std::move(onPoint));
  auto stopControl = std::make_shared<StopControl>();
  stopControl->watch(stop);
  // fastai: num_it // len(train) + 1 epochs, enough to reach numIt batches.
  // (With no training batch at all, fitWith says so.)
  const int epochs = options.numIt / std::max(1, learn.trainLoader().batches()) + 1;
  try {
    learn.fitWith(epochs, {stopControl, finder});
  } catch (...) {
    restore();
    throw;
  }
  restore();

  LrFindResult result;
  result.points = std::move(finder->points);
  result.suggestions = suggestLearningRates(result.points, options.numIt);
  return result;
}

}  // namespace lb
