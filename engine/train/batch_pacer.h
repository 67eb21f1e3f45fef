#pragma once
// BatchPacer: the callback that follows a PaceControl (engine/train/batch_pace.h). Before every
// training batch it holds while stepping until a step is granted (the wait counts as paused
// time), or sleeps so that batches start at most batchesPerSecond a second; after a granted
// step it runs the same batch through the model again (no gradients, batch-norm statistics put
// back) and reports it to onStep. A stop (the watched flag) ends a hold or a sleep at once.
// Requires: the control outlives the fit. toImage turns one input [C, H, W] into pixels.
#include <chrono>
#include <functional>
#include <memory>

#include "engine/train/batch_pace.h"
#include "engine/train/learner.h"

namespace lb {

class BatchPacer : public Callback {
 public:
  static constexpr int kMaxImages = 16;  // what a Step view can show at once
  BatchPacer(PaceControl* control, const std::atomic<bool>* stop,
             std::function<Image8(const torch::Tensor&)> toImage, bool categories,
             std::function<void(const BatchStepReport&)> onStep);
  // After PauseGate (-30), before StopControl (-20): a stop during a hold ends the fit at once.
  int order() const override { return -25; }
  void beforeFit(Learner&) override;
  void beforeBatch(Learner& learn) override;
  void afterStep(Learner& learn) override;

 private:
  bool stopped() const { return m_stop && m_stop->load(); }
  PaceControl* m_control;
  const std::atomic<bool>* m_stop;
  std::function<Image8(const torch::Tensor&)> m_toImage;
  bool m_categories;
  std::function<void(const BatchStepReport&)> m_onStep;
  bool m_reportThis = false;
  std::chrono::steady_clock::time_point m_lastStart{};
};

}  // namespace lb
