#pragma once
// The standard callbacks: Recorder (the one source of plot and table data), ParamScheduler
// (sets lr and momentum before every training batch), ProgressReporter (the hook the GUI and
// the CLI listen to) and StopControl (stop and pause from another thread, between batches).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "engine/train/learner.h"
#include "engine/train/progress.h"

namespace lb {

// Per-batch and per-epoch history of a fit. Smoothed loss: fastai's EMA with beta 0.98,
// bias-corrected, reset at the start of each fit. Valid loss: mean over items.
class Recorder : public Callback {
 public:
  static constexpr double kBeta = 0.98;
  struct EpochRecord {
    int epoch = 0;
    double trainLoss = 0;  // the smoothed loss at the end of the epoch, as fastai prints it
    double validLoss = 0;
    std::vector<double> metrics;  // in the Learner's metric order
    double seconds = 0;
  };

  int order() const override { return 50; }
  void beforeFit(Learner&) override;  // resets the history, unless the fit resumes
  void beforeEpoch(Learner&) override;
  void beforeValidate(Learner&) override;
  void afterBatch(Learner&) override;
  void afterEpoch(Learner&) override;

  double smoothLoss() const { return m_smoothCount ? m_smooth / (1 - m_debias) : 0.0; }
  double fitSeconds() const;

  // The moving average's state, so a resumed fit continues it exactly.
  struct SmoothState {
    double value = 0, debias = 1;
    long count = 0;
  };
  SmoothState smoothState() const { return {m_smooth, m_debias, m_smoothCount}; }
  void setSmoothState(const SmoothState& s);

  std::vector<double> losses, smoothLosses, lrs, moms;  // one per training batch
  std::vector<EpochRecord> epochs;
  std::vector<std::string> metricNames;

 private:
  double m_smooth = 0, m_debias = 1;
  long m_smoothCount = 0;
  double m_validLossSum = 0;
  long long m_validCount = 0;
  std::chrono::steady_clock::time_point m_fitStart, m_epochStart;
};

// Sets the optimizer's lr (per group, each with its own maximum) and momentum from a schedule of
// the fit position before every training batch (fastai's ParamScheduler).
class ParamScheduler : public Callback {
 public:
  using Schedule = std::function<ScheduleValue(double pos, double lrMax)>;
  ParamScheduler(Schedule schedule, std::vector<double> lrMaxPerGroup, bool setsMomentum);
  int order() const override { return 1; }
  void beforeBatch(Learner& learn) override;

 private:
  Schedule m_schedule;
  std::vector<double> m_lrMax;
  bool m_setsMomentum;
  std::vector<double> m_lrs;  // reused each batch
};

// Turns Recorder data into BatchProgress / EpochResult and hands them to the listeners.
class ProgressReporter : public Callback {
 public:
  std::function<void(const BatchProgress&)> onBatch;
  std::function<void(const EpochResult&)> onEpoch;

  int order() const override { return 60; }
  void beforeFit(Learner&) override;
  void afterBatch(Learner& learn) override;
  void afterTrain(Learner&) override;
  void afterEpoch(Learner& learn) override;

 private:
  double m_trainSecondsPerBatch = 0;
  double m_validSeconds = -1;  // of the last validation; unknown before the first
  std::chrono::steady_clock::time_point m_validStart;
};

// Stop and pause from any thread. Checked before every batch: a stop cancels the fit (so clean-up
// still runs); a pause blocks the training thread until resume() or requestStop().
class StopControl : public Callback {
 public:
  int order() const override { return -20; }
  void beforeBatch(Learner&) override;

  void requestStop();
  void pause();
  void resume();
  bool stopRequested() const { return m_stop.load(); }
  // Follow an external flag too (the GUI's), read before every batch.
  void watch(const std::atomic<bool>* external) { m_external = external; }
  void reset();

 private:
  std::atomic<bool> m_stop{false};
  const std::atomic<bool>* m_external = nullptr;
  std::mutex m_mutex;
  std::condition_variable m_resumed;
  bool m_paused = false;
};

}  // namespace lb
