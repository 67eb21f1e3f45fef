#include "engine/train/mixed_precision.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <cmath>

namespace lb {

namespace {

// LibTorch 2.4 replaced the per-device autocast functions by ones taking the device type and
// deprecated the old ones; this keeps both builds warning-free. Only CPU and CUDA are used.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool isEnabled(torch::DeviceType type) { return at::autocast::is_autocast_enabled(type); }
void setEnabled(torch::DeviceType type, bool on) { at::autocast::set_autocast_enabled(type, on); }
torch::Dtype getDtype(torch::DeviceType type) { return at::autocast::get_autocast_dtype(type); }
void setDtype(torch::DeviceType type, torch::Dtype dtype) {
  at::autocast::set_autocast_dtype(type, dtype);
}
#else
bool isEnabled(torch::DeviceType type) {
  return type == torch::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
void setEnabled(torch::DeviceType type, bool on) {
  if (type == torch::kCUDA) at::autocast::set_enabled(on);
  else at::autocast::set_cpu_enabled(on);
}
torch::Dtype getDtype(torch::DeviceType type) {
  return type == torch::kCUDA ? at::autocast::get_autocast_gpu_dtype()
                              : at::autocast::get_autocast_cpu_dtype();
}
void setDtype(torch::DeviceType type, torch::Dtype dtype) {
  if (type == torch::kCUDA) at::autocast::set_autocast_gpu_dtype(dtype);
  else at::autocast::set_autocast_cpu_dtype(dtype);
}
#endif

bool reducedFloat(const torch::Tensor& t) {
  return t.defined() && (t.scalar_type() == torch::kHalf || t.scalar_type() == torch::kBFloat16);
}

}  // namespace

bool autocastEnabled(torch::DeviceType type) {
  return (type == torch::kCPU || type == torch::kCUDA) && isEnabled(type);
}

bool mixedPrecisionSupported(torch::Device device) { return device.is_cuda(); }

std::string mixedPrecisionUnsupportedReason(torch::Device device) {
  if (mixedPrecisionSupported(device)) return {};
  return "Mixed precision needs a CUDA GPU; this machine trains in full precision.";
}

bool GradScaler::unscaleAndCheck(const std::vector<torch::Tensor>& params) const {
  torch::NoGradGuard noGrad;
  torch::Tensor finite;
  for (const auto& p : params) {
    const auto& g = p.grad();
    if (!g.defined()) continue;
    g.div_(m_scale);  // exact: the scale is a power of two unless the options say otherwise
    auto ok = torch::isfinite(g).all();
    finite = finite.defined() ? finite.logical_and(ok) : ok;
  }
  // One host synchronisation for all the gradients.
  return !finite.defined() || finite.item<bool>();
}

void GradScaler::update(bool finite) {
  if (!finite) {
    m_scale *= m_options.backoffFactor;
    m_growthTracker = 0;
    return;
  }
  if (++m_growthTracker < m_options.growthInterval) return;
  // As torch's _amp_update_scale: never grow into an infinite scale.
  if (std::isfinite(m_scale * m_options.growthFactor)) m_scale *= m_options.growthFactor;
  m_growthTracker = 0;
}

void MixedPrecision::beforeFit(Learner&) {
  exitAutocast();  // left on by a fit that ended in an exception
  m_scaler = GradScaler(m_options.scaler);
  m_skipped = 0;
}

void MixedPrecision::beforeBatch(Learner& learn) {
  exitAutocast();
  const auto type = learn.xb.device().type();
  if (type != torch::kCPU && type != torch::kCUDA) return;
  m_device = type;
  m_thread = std::this_thread::get_id();
  m_prevEnabled = isEnabled(type);
  m_prevDtype = getDtype(type);
  setDtype(type, m_options.dtype.value_or(type == torch::kCUDA ? torch::kHalf : torch::kBFloat16));
  setEnabled(type, true);
  // As torch.autocast's __enter__: the nesting count decides when the weight-cast cache clears.
  at::autocast::increment_nesting();
  m_inAutocast = true;
}

void MixedPrecision::afterPred(Learner& learn) {
  // fastai's to_float: the loss and the metrics see float32 predictions.
  if (m_inAutocast && reducedFloat(learn.pred)) learn.pred = learn.pred.to(torch::kFloat);
}

void MixedPrecision::afterLoss(Learner& learn) {
  exitAutocast();
  if (reducedFloat(learn.loss)) learn.loss = learn.loss.to(torch::kFloat);
  if (reducedFloat(learn.lossGrad)) learn.lossGrad = learn.lossGrad.to(torch::kFloat);
}

void MixedPrecision::beforeBackward(Learner& learn) {
  if (learn.training) learn.lossGrad = m_scaler.scale(learn.lossGrad);
}

void MixedPrecision::beforeStep(Learner& learn) {
  if (m_scaler.unscaleAndCheck(learn.model()->parameters())) return;
  // The Learner skips step and zeroGrad for a cancelled batch, so the bad gradients go here.
  learn.optimizer().zeroGrad();
  m_scaler.update(false);
  ++m_skipped;
  throw CancelBatch{};
}

void MixedPrecision::afterStep(Learner&) { m_scaler.update(true); }

void MixedPrecision::exitAutocast() {
  if (!m_inAutocast) return;
  m_inAutocast = false;
  // Autocast state is thread-local: never touch another thread's.
  if (m_thread != std::this_thread::get_id()) return;
  // The cache holds low-precision copies of the weights, stale once the optimizer steps.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  setEnabled(m_device, m_prevEnabled);
  setDtype(m_device, m_prevDtype);
}

}  // namespace lb
