#include "engine/train/batch_pacer.h"

#include <torch/nn/module.h>

#include <algorithm>
#include <thread>

namespace lb {

namespace {
constexpr auto kPoll = std::chrono::milliseconds(20);  // how soon a hold sees a click or a stop
}  // namespace

std::string oneCyclePhase(double position, double pctStart) {
  return position <= pctStart ? "warming up: the learning rate rises"
                              : "annealing: the learning rate falls";
}

BatchPacer::BatchPacer(PaceControl* control, const std::atomic<bool>* stop,
                       std::function<Image8(const torch::Tensor&)> toImage, bool categories,
                       std::function<void(const BatchStepReport&)> onStep)
    : m_control(control), m_stop(stop), m_toImage(std::move(toImage)), m_categories(categories),
      m_onStep(std::move(onStep)) {}

void BatchPacer::beforeFit(Learner&) { m_lastStart = {}; }

void BatchPacer::beforeBatch(Learner& learn) {
  m_reportThis = false;
  if (!learn.training) return;
  using Clock = std::chrono::steady_clock;
  if (m_control->stepping.load()) {
    const auto waitStart = Clock::now();
    while (m_control->stepping.load() && !stopped()) {
      int granted = m_control->stepsGranted.load();
      if (granted > 0 && m_control->stepsGranted.compare_exchange_weak(granted, granted - 1)) {
        m_reportThis = true;
        break;
      }
      std::this_thread::sleep_for(kPoll);
    }
    learn.pausedSeconds += std::chrono::duration<double>(Clock::now() - waitStart).count();
  } else if (const double rate = m_control->batchesPerSecond.load(); rate > 0) {
    // Sleeps in short slices so a stop or a new rate is answered at once.
    while (!stopped() && !m_control->stepping.load()) {
      const double now = m_control->batchesPerSecond.load();
      if (now <= 0) break;
      const auto due = m_lastStart + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(1.0 / now));
      const auto left = due - Clock::now();
      if (left <= Clock::duration::zero()) break;
      std::this_thread::sleep_for(std::min<Clock::duration>(left, kPoll));
    }
  }
  m_lastStart = Clock::now();
}

void BatchPacer::afterStep(Learner& learn) {
  if (!m_reportThis || !m_onStep) return;
  BatchStepReport r;
  r.step = learn.trainIter + 1;
  r.steps = long(learn.nEpoch) * learn.nIter;
  r.epoch = learn.epoch;
  r.epochs = learn.nEpoch;
  r.batch = learn.iter;
  r.batches = learn.nIter;
  r.lr = learn.optimizer().lr(learn.optimizer().groups().size() - 1);
  r.mom = learn.optimizer().mom();
  r.lossBefore = learn.loss.item<double>();
  torch::NoGradGuard noGrad;
  auto& model = *learn.model();
  // The same forward as the step's (training mode), without moving batch-norm's statistics.
  std::vector<torch::Tensor> buffers;
  for (const auto& b : model.buffers()) buffers.push_back(b.clone());
  const torch::Tensor after = learn.model()->forward(learn.xb);
  std::size_t i = 0;
  for (auto& b : model.buffers()) b.copy_(buffers[i++]);
  r.lossAfter = learn.lossFunction()(after, learn.yb).item<double>();

  const long shown = std::min<long>(kMaxImages, learn.xb.size(0));
  for (long k = 0; k < shown; ++k) r.images.push_back(m_toImage(learn.xb[k]));
  if (m_categories) {
    const auto best = [](const torch::Tensor& logits, std::vector<int>& cls,
                         std::vector<float>& prob, long n) {
      const auto [p, c] = logits.detach().softmax(1).max(1);
      const auto pc = p.to(torch::kCPU, torch::kFloat), cc = c.to(torch::kCPU, torch::kLong);
      for (long k = 0; k < n; ++k) {
        cls.push_back(int(cc[k].item<long>()));
        prob.push_back(pc[k].item<float>());
      }
    };
    best(learn.pred, r.predictedBefore, r.probabilityBefore, shown);
    best(after, r.predictedAfter, r.probabilityAfter, shown);
    const auto y = learn.yb.to(torch::kCPU, torch::kLong);
    for (long k = 0; k < shown; ++k) r.actual.push_back(int(y[k].item<long>()));
  }
  m_onStep(r);
}

}  // namespace lb
