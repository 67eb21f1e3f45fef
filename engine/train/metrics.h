#pragma once
// Metrics accumulated over the validation set batch by batch and reported per epoch, and the
// losses the Learner trains with. Metrics take the model's raw outputs (logits) and the targets:
// class indices [N] for single-label, 0/1 floats [N, C] for multi-label, floats for regression.
// Averages are over items, as fastai's AvgMetric; F1 is computed from the whole epoch's counts.
#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

namespace lb {

class Metric {
 public:
  virtual ~Metric() = default;
  virtual std::string name() const = 0;
  virtual void reset() = 0;
  virtual void accumulate(const torch::Tensor& pred, const torch::Tensor& target) = 0;
  virtual double value() const = 0;
  // True when smaller is better (losses, errors): EarlyStopping and SaveBestModel read it.
  virtual bool lowerIsBetter() const { return false; }
};

// A mean over items of a per-item score computed from (pred, target).
class ItemMeanMetric : public Metric {
 public:
  void reset() override { m_sum = 0, m_count = 0; }
  void accumulate(const torch::Tensor& pred, const torch::Tensor& target) override;
  double value() const override { return m_count ? m_sum / double(m_count) : 0.0; }

 protected:
  // Sum of the per-item scores of the batch, and how many items they cover.
  virtual std::pair<double, long long> batchSum(const torch::Tensor& pred,
                                                const torch::Tensor& target) const = 0;

 private:
  double m_sum = 0;
  long long m_count = 0;
};

// Fraction of items whose arg-max prediction equals the target class.
class Accuracy : public ItemMeanMetric {
 public:
  std::string name() const override { return "accuracy"; }

 protected:
  std::pair<double, long long> batchSum(const torch::Tensor& pred, const torch::Tensor& target) const override;
};

class ErrorRate : public Accuracy {
 public:
  std::string name() const override { return "error_rate"; }
  double value() const override { return 1.0 - Accuracy::value(); }
  bool lowerIsBetter() const override { return true; }
};

// Fraction of items whose target is among the k highest predictions.
class TopKAccuracy : public ItemMeanMetric {
 public:
  explicit TopKAccuracy(int k = 5) : m_k(k) {}
  std::string name() const override { return "top_" + std::to_string(m_k) + "_accuracy"; }

 protected:
  std::pair<double, long long> batchSum(const torch::Tensor& pred, const torch::Tensor& target) const override;

 private:
  int m_k;
};

// Macro F1 over the classes (sklearn's f1_score(average='macro'); a class with no predictions
// and no targets scores 0, as sklearn's zero_division does).
class F1Macro : public Metric {
 public:
  explicit F1Macro(int numClasses) : m_numClasses(numClasses) { reset(); }
  std::string name() const override { return "f1_score"; }
  void reset() override;
  void accumulate(const torch::Tensor& pred, const torch::Tensor& target) override;
  double value() const override;

 private:
  int m_numClasses;
  std::vector<long long> m_tp, m_fp, m_fn;
};

// Multi-label: the fraction of (item, label) pairs where sigmoid(pred) > threshold matches.
class AccuracyMulti : public ItemMeanMetric {
 public:
  explicit AccuracyMulti(double threshold = 0.5) : m_threshold(threshold) {}
  std::string name() const override { return "accuracy_multi"; }

 protected:
  std::pair<double, long long> batchSum(const torch::Tensor& pred, const torch::Tensor& target) const override;

 private:
  double m_threshold;
};

// Regression: mean squared and mean absolute error over all predicted values.
class MeanSquaredError : public ItemMeanMetric {
 public:
  std::string name() const override { return "mse"; }
  bool lowerIsBetter() const override { return true; }

 protected:
  std::pair<double, long long> batchSum(const torch::Tensor& pred, const torch::Tensor& target) const override;
};

class MeanAbsoluteError : public ItemMeanMetric {
 public:
  std::string name() const override { return "mae"; }
  bool lowerIsBetter() const override { return true; }

 protected:
  std::pair<double, long long> batchSum(const torch::Tensor& pred, const torch::Tensor& target) const override;
};

// Losses, each returning the mean over the batch (per item with reduceItems = false).
// Cross-entropy with label smoothing eps follows fastai's LabelSmoothingCrossEntropy:
//   eps / C * (-sum_c log p_c) + (1 - eps) * nll.
torch::Tensor crossEntropyLoss(const torch::Tensor& pred, const torch::Tensor& target);
torch::Tensor smoothedCrossEntropyLoss(const torch::Tensor& pred, const torch::Tensor& target,
                                       double labelSmoothing, bool reduceItems = true);
torch::Tensor bceWithLogitsLoss(const torch::Tensor& pred, const torch::Tensor& target);
torch::Tensor mseLoss(const torch::Tensor& pred, const torch::Tensor& target);

}  // namespace lb
