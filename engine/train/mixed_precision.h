#pragma once
// Mixed-precision training, as fastai's MixedPrecision callback: the forward pass and the loss run
// under autocast (float16 on CUDA, bfloat16 on the CPU), and a dynamic loss scale keeps small
// float16 gradients from flushing to zero. A step whose gradients overflow is skipped and the
// scale halves; after growthInterval clean steps it doubles (torch.cuda.amp.GradScaler's rule).
//
// Order: -1, not fastai's 10, because the relative order is what matters and the numbers here
// differ: GradientAccumulation (-10) must decide in beforeStep whether this batch steps at all
// before the gradients are unscaled, and GradientClip (0) must clip the unscaled gradients, so
// MixedPrecision sits between them (fastai: accumulation 6 < MixedPrecision 10 < clip 11).
// Callbacks that read the gradients in beforeStep must likewise order themselves after -1.
//
// Autocast is thread-local: it is switched on in beforeBatch and off in afterLoss on the thread
// that runs the fit. The previous state is restored, also after CancelBatch/Train/Epoch/Fit
// (afterBatch, afterTrain, afterValidate, afterEpoch, afterFit all restore). An exception that is
// not a Cancel* skips every after-event; the next beforeFit of this callback then restores.
#include <torch/types.h>

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/train/learner.h"

namespace lb {

struct GradScalerOptions {
  double initScale = 65536.0;  // 2^16
  double growthFactor = 2.0;
  double backoffFactor = 0.5;
  int growthInterval = 2000;  // clean steps before the scale grows
};

// Dynamic loss scaling, device independent (the loss scale is a host double).
class GradScaler {
 public:
  explicit GradScaler(GradScalerOptions options = {})
      : m_options(options), m_scale(options.initScale) {}

  torch::Tensor scale(const torch::Tensor& loss) const { return loss * m_scale; }
  // Divides every defined gradient of `params` by the scale, in place; false when any of them
  // holds an inf or NaN (checked on the device, one synchronisation per call).
  bool unscaleAndCheck(const std::vector<torch::Tensor>& params) const;
  // After each step attempt: backs off (and restarts the growth count) when the gradients were
  // not finite, grows after growthInterval finite steps in a row.
  void update(bool finite);

  double scaleValue() const { return m_scale; }
  int growthTracker() const { return m_growthTracker; }
  const GradScalerOptions& options() const { return m_options; }

 private:
  GradScalerOptions m_options;
  double m_scale;
  int m_growthTracker = 0;
};

struct MixedPrecisionOptions {
  GradScalerOptions scaler;
  // Lower precision for autocast; by default float16 on CUDA and bfloat16 on the CPU.
  std::optional<torch::Dtype> dtype;
};

class MixedPrecision : public Callback {
 public:
  explicit MixedPrecision(MixedPrecisionOptions options = {})
      : m_options(options), m_scaler(options.scaler) {}
  int order() const override { return -1; }

  void beforeFit(Learner& learn) override;
  void beforeBatch(Learner& learn) override;
  void afterPred(Learner& learn) override;
  void afterLoss(Learner& learn) override;
  void beforeBackward(Learner& learn) override;
  void beforeStep(Learner& learn) override;
  void afterStep(Learner& learn) override;
  void afterBatch(Learner&) override { exitAutocast(); }
  void afterTrain(Learner&) override { exitAutocast(); }
  void afterValidate(Learner&) override { exitAutocast(); }
  void afterEpoch(Learner&) override { exitAutocast(); }
  void afterFit(Learner&) override { exitAutocast(); }

  // The scaler of the current (or last) fit; a new one starts with each fit, as in fastai.
  const GradScaler& scaler() const { return m_scaler; }
  long skippedSteps() const { return m_skipped; }  // steps skipped for overflow in this fit

 private:
  void exitAutocast();

  MixedPrecisionOptions m_options;
  GradScaler m_scaler;
  long m_skipped = 0;
  bool m_inAutocast = false;
  torch::DeviceType m_device = torch::kCPU;
  std::thread::id m_thread;
  bool m_prevEnabled = false;
  torch::Dtype m_prevDtype = torch::kFloat;
};

// Whether autocast is on for `type` (CPU or CUDA) in this thread, on any LibTorch version.
bool autocastEnabled(torch::DeviceType type);

// Mixed precision pays off on CUDA GPUs; CPU bfloat16 is rarely faster than float32.
bool mixedPrecisionSupported(torch::Device device);
// Empty when supported, else one sentence for the settings page.
std::string mixedPrecisionUnsupportedReason(torch::Device device);

}  // namespace lb
