#pragma once
// Metrics accumulated over the validation set, batch by batch, weighted by items (as fastai's
// AvgMetric does), and the losses the Learner trains with.
#include <torch/types.h>

#include <memory>
#include <string>

namespace lb {

class Metric {
 public:
  virtual ~Metric() = default;
  virtual std::string name() const = 0;
  virtual void reset() = 0;
  virtual void accumulate(const torch::Tensor& pred, const torch::Tensor& target) = 0;
  virtual double value() const = 0;
};

// Fraction of items whose arg-max prediction equals the target class.
class Accuracy : public Metric {
 public:
  std::string name() const override { return "accuracy"; }
  void reset() override { m_correct = m_total = 0; }
  void accumulate(const torch::Tensor& pred, const torch::Tensor& target) override;
  double value() const override { return m_total ? double(m_correct) / double(m_total) : 0.0; }

 private:
  long long m_correct = 0, m_total = 0;
};

// Mean cross-entropy over the batch (pred: logits [N, C], target: class indices [N]).
torch::Tensor crossEntropyLoss(const torch::Tensor& pred, const torch::Tensor& target);

}  // namespace lb
