#pragma once
// fastai's optimizers, written out so their numbers match fastai's exactly (LibTorch's Adam has
// no dampening switch and a different eps placement). Parameters live in groups, each with its
// own lr (discriminative learning rates) and a flag for weight decay (fastai applies none to
// batch-norm parameters or biases). Momentum is Adam's beta1 and is set per step by schedules.
//
//   Adam:  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//          p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
//   SGD:   m = mom m + g;  p -= lr m        (plain p -= lr g when mom = 0)
//   both:  p *= 1 - lr * wd before the step (decoupled weight decay)
#include <torch/types.h>

#include <vector>

namespace lb {

struct ParamGroup {
  std::vector<torch::Tensor> params;
  std::vector<bool> decay;  // per parameter: false for batch-norm parameters and biases
  std::vector<bool> norm;   // per parameter: batch-norm weight or bias (stays trainable when frozen)
  double lr = 1e-3;
};

struct OptimizerOptions {
  enum class Kind { Adam, Sgd };
  Kind kind = Kind::Adam;
  double mom = 0.9;     // beta1 for Adam, momentum for SGD
  double sqrMom = 0.99;  // beta2
  double eps = 1e-5;
  double weightDecay = 0.01;
};

class Optimizer {
 public:
  Optimizer(std::vector<ParamGroup> groups, OptimizerOptions options = {});

  void zeroGrad();
  void step();

  void setLr(double lr);  // every group
  void setLrs(const std::vector<double>& lrs);  // one per group
  void setMom(double mom);
  double lr(std::size_t group = 0) const { return m_groups.at(group).lr; }
  double mom() const { return m_options.mom; }
  std::vector<ParamGroup>& groups() { return m_groups; }
  const std::vector<ParamGroup>& groups() const { return m_groups; }
  // Groups before n stop training (batch-norm parameters excepted, as in fastai); the rest train.
  void freezeTo(int n);
  const OptimizerOptions& options() const { return m_options; }

  // The running averages and step counts, for checkpoints and for restoring after an LR find.
  struct State {
    std::vector<torch::Tensor> gradAvg, sqrAvg;
    std::vector<long> steps;
    std::vector<double> lrs;
    double mom = 0;
  };
  State state() const;  // deep copy
  void loadState(const State& state);

 private:
  struct ParamState {
    torch::Tensor gradAvg, sqrAvg;
    long step = 0;
  };
  std::vector<ParamGroup> m_groups;
  OptimizerOptions m_options;
  std::vector<ParamState> m_state;  // one per parameter, in group order
};

// All parameters of the modules (recursively) as one group, marking which take weight decay:
// none for batch-norm weights and biases or for any bias, as fastai's wd_bn_bias=False does.
ParamGroup paramGroupOf(const torch::nn::Module& model, double lr);
ParamGroup paramGroupOf(const std::vector<std::shared_ptr<torch::nn::Module>>& modules, double lr);

}  // namespace lb
