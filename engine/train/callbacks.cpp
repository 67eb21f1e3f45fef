#include "engine/train/callbacks.h"

namespace lb {
namespace {
double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

void Recorder::beforeFit(Learner& learn) {
  m_fitStart = std::chrono::steady_clock::now();
  if (learn.epoch > 0) return;  // resuming: keep the history loaded from the checkpoint
  losses.clear();
  smoothLosses.clear();
  lrs.clear();
  moms.clear();
  epochs.clear();
  metricNames.clear();
  for (const auto& m : learn.metrics()) metricNames.push_back(m->name());
  m_smooth = 0;
  m_debias = 1;
  m_smoothCount = 0;
}

void Recorder::setSmoothState(const SmoothState& s) {
  m_smooth = s.value;
  m_debias = s.debias;
  m_smoothCount = s.count;
}

void Recorder::beforeEpoch(Learner&) { m_epochStart = std::chrono::steady_clock::now(); }

void Recorder::beforeValidate(Learner& learn) {
  m_validLossSum = 0;
  m_validCount = 0;
  for (const auto& m : learn.metrics()) m->reset();
}

void Recorder::afterBatch(Learner& learn) {
  if (!learn.loss.defined()) return;
  if (learn.training) {
    const double loss = learn.loss.item<double>();
    m_smooth = kBeta * m_smooth + (1 - kBeta) * loss;
    m_debias *= kBeta;
    ++m_smoothCount;
    losses.push_back(loss);
    smoothLosses.push_back(smoothLoss());
    lrs.push_back(learn.optimizer().lr(learn.optimizer().groups().size() - 1));
    moms.push_back(learn.optimizer().mom());
    return;
  }
  const auto n = learn.yb.size(0);
  m_validLossSum += learn.loss.item<double>() * double(n);
  m_validCount += n;
  for (const auto& m : learn.metrics()) m->accumulate(learn.pred, learn.yb);
}

void Recorder::afterEpoch(Learner& learn) {
  EpochRecord record;
  record.epoch = learn.epoch;
  record.trainLoss = smoothLoss();
  record.validLoss = m_validCount ? m_validLossSum / double(m_validCount) : 0.0;
  for (const auto& m : learn.metrics()) record.metrics.push_back(m->value());
  record.seconds = secondsSince(m_epochStart);
  epochs.push_back(record);
}

double Recorder::fitSeconds() const { return secondsSince(m_fitStart); }

ParamScheduler::ParamScheduler(Schedule schedule, std::vector<double> lrMaxPerGroup,
                               bool setsMomentum)
    : m_schedule(std::move(schedule)), m_lrMax(std::move(lrMaxPerGroup)),
      m_setsMomentum(setsMomentum), m_lrs(m_lrMax.size()) {}

void ParamScheduler::beforeBatch(Learner& learn) {
  if (!learn.training) return;
  ScheduleValue v;
  for (std::size_t g = 0; g < m_lrMax.size(); ++g) {
    v = m_schedule(learn.pctTrain, m_lrMax[g]);
    m_lrs[g] = v.lr;
  }
  learn.optimizer().setLrs(m_lrs);
  if (m_setsMomentum) learn.optimizer().setMom(v.mom);
}

void ProgressReporter::beforeFit(Learner&) {
  m_trainSecondsPerBatch = 0;
  m_validSeconds = -1;
}

void ProgressReporter::afterBatch(Learner& learn) {
  if (!learn.training || !onBatch) return;
  const Recorder& rec = learn.recorder();
  BatchProgress p;
  p.epoch = learn.epoch;
  p.epochs = learn.nEpoch;
  p.batch = learn.iter;
  p.batches = learn.nIter;
  p.loss = rec.losses.back();
  p.smoothLoss = rec.smoothLosses.back();
  p.lr = rec.lrs.back();
  p.mom = rec.moms.back();
  p.elapsedSeconds = rec.fitSeconds();
  // Time left: training time per batch so far, plus one validation per epoch still to come.
  const long total = long(learn.nEpoch) * learn.trainLoader().batches();
  const long done = learn.trainIter + 1;
  const double trainSeconds = p.elapsedSeconds - learn.pausedSeconds -
                              (m_validSeconds > 0 ? m_validSeconds * learn.epoch : 0);
  m_trainSecondsPerBatch = trainSeconds / double(done);
  const double validEach = m_validSeconds >= 0 ? m_validSeconds
                                                : m_trainSecondsPerBatch * learn.validLoader().batches() / 3.0;
  p.secondsLeft = m_trainSecondsPerBatch * double(total - done) + validEach * (learn.nEpoch - learn.epoch);
  onBatch(p);
}

void ProgressReporter::afterTrain(Learner&) { m_validStart = std::chrono::steady_clock::now(); }

void ProgressReporter::afterEpoch(Learner& learn) {
  m_validSeconds = secondsSince(m_validStart);
  if (!onEpoch || learn.recorder().epochs.empty()) return;
  const auto& r = learn.recorder().epochs.back();
  EpochResult e;
  e.epoch = r.epoch;
  e.trainLoss = r.trainLoss;
  e.validLoss = r.validLoss;
  if (!r.metrics.empty()) {  // the first metric is the project's (build_learner.h)
    e.metricName = learn.recorder().metricNames.front();
    e.metric = r.metrics.front();
    e.metricLowerIsBetter = !learn.metrics().empty() && learn.metrics().front()->lowerIsBetter();
  }
  e.seconds = r.seconds;
  onEpoch(e);
}

void StopControl::beforeBatch(Learner& learn) {
  if (m_external && m_external->load()) m_stop = true;
  if (m_stop) throw CancelFit{};
  std::unique_lock lock(m_mutex);
  const auto waitStart = std::chrono::steady_clock::now();
  m_resumed.wait(lock, [this] { return !m_paused || m_stop.load(); });
  learn.pausedSeconds += secondsSince(waitStart);
  if (m_stop) throw CancelFit{};
}

void StopControl::requestStop() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_resumed.notify_all();
}

void StopControl::pause() {
  std::lock_guard lock(m_mutex);
  m_paused = true;
}

void StopControl::resume() {
  {
    std::lock_guard lock(m_mutex);
    m_paused = false;
  }
  m_resumed.notify_all();
}

void StopControl::reset() {
  std::lock_guard lock(m_mutex);
  m_stop = false;
  m_paused = false;
}

}  // namespace lb
