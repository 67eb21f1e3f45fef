#pragma once
// The optional callbacks of fastai's standard set. Each is added with Learner::addCallback.
//   EarlyStopping      stops the fit when the monitored value has not improved for `patience` epochs
//   SaveBestModel      writes the model whenever the monitored value improves; reloads the best at the end
//   GradientClip       clips the gradients' global norm before every step
//   GradientAccumulation  steps once per `items` items, with the loss scaled to match
//   NanGuard           stops the fit when the loss (training or validation) turns NaN or
//                      infinite, and says where; the epoch then ends unrecorded, with no checkpoint
//   MixUp              trains on convex mixes of pairs of items (classification)
// Monitored names: "valid_loss", "train_loss" or a metric's name ("accuracy"); a name with
// "loss" or "error" in it, or a metric that says so, improves by going down.
#include <filesystem>
#include <string>

#include "engine/train/learner.h"

namespace lb {

// Follows one value per epoch and says when it improved by more than minDelta.
class TrackerCallback : public Callback {
 public:
  explicit TrackerCallback(std::string monitor = "valid_loss", double minDelta = 0);
  int order() const override { return 60; }
  void beforeFit(Learner& learn) override;
  void afterEpoch(Learner& learn) override;

  double best() const { return m_best; }
  int bestEpoch() const { return m_bestEpoch; }

 protected:
  bool m_newBest = false;
  std::string m_monitor;

 private:
  double m_minDelta;
  bool m_lowerIsBetter = true;
  double m_best = 0;
  int m_bestEpoch = -1;
};

class EarlyStopping : public TrackerCallback {
 public:
  EarlyStopping(std::string monitor = "valid_loss", double minDelta = 0, int patience = 1);
  void beforeFit(Learner& learn) override;
  void afterEpoch(Learner& learn) override;

 private:
  int m_patience;
  int m_wait = 0;
};

class SaveBestModel : public TrackerCallback {
 public:
  SaveBestModel(std::filesystem::path file, std::string monitor = "valid_loss",
                bool reloadAtEnd = true);
  void afterEpoch(Learner& learn) override;
  void afterFit(Learner& learn) override;

 private:
  std::filesystem::path m_file;
  bool m_reloadAtEnd;
};

class GradientClip : public Callback {
 public:
  explicit GradientClip(double maxNorm = 1.0) : m_maxNorm(maxNorm) {}
  void beforeStep(Learner& learn) override;

 private:
  double m_maxNorm;
};

class GradientAccumulation : public Callback {
 public:
  explicit GradientAccumulation(int items = 32) : m_items(items) {}
  int order() const override { return -10; }
  void beforeFit(Learner&) override { m_count = 0; }
  void afterLoss(Learner& learn) override;
  void beforeStep(Learner& learn) override;

 private:
  int m_items;
  long m_count = 0;
};

class NanGuard : public Callback {
 public:
  int order() const override { return -5; }
  void afterLoss(Learner& learn) override;
};

class MixUp : public Callback {
 public:
  explicit MixUp(double alpha = 0.4) : m_alpha(alpha) {}
  void beforeBatch(Learner& learn) override;
  void afterLoss(Learner& learn) override;

 private:
  double m_alpha;
  torch::Tensor m_lam, m_otherY;
};

}  // namespace lb
