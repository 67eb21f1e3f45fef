#include "engine/train/optimizer.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>

#include <cmath>

#include "engine/util/error.h"

namespace lb {

Optimizer::Optimizer(std::vector<ParamGroup> groups, OptimizerOptions options)
    : m_groups(std::move(groups)), m_options(options) {
  std::size_t count = 0;
  for (auto& g : m_groups) {
    count += g.params.size();
    g.decay.resize(g.params.size(), true);
    g.norm.resize(g.params.size(), false);
  }
  m_state.resize(count);
}

void Optimizer::zeroGrad() {
  for (auto& g : m_groups)
    for (auto& p : g.params)
      if (p.grad().defined()) {
        p.mutable_grad().detach_();
        p.mutable_grad().zero_();
      }
}

void Optimizer::step() {
  torch::NoGradGuard noGrad;
  const double b1 = m_options.mom, b2 = m_options.sqrMom;
  std::size_t i = 0;
  for (auto& group : m_groups) {
    const double lr = group.lr;
    for (std::size_t k = 0; k < group.params.size(); ++k) {
      auto& p = group.params[k];
      ParamState& s = m_state[i++];
      const auto& g = p.grad();
      if (!g.defined() || !p.requires_grad()) continue;
      if (group.decay[k] && m_options.weightDecay != 0) p.mul_(1.0 - lr * m_options.weightDecay);
      if (m_options.kind == OptimizerOptions::Kind::Sgd) {
        if (b1 == 0) {
          p.add_(g, -lr);
          continue;
        }
        if (!s.gradAvg.defined()) s.gradAvg = torch::zeros_like(p);
        s.gradAvg.mul_(b1).add_(g);
        p.add_(s.gradAvg, -lr);
        continue;
      }
      if (!s.gradAvg.defined()) {
        s.gradAvg = torch::zeros_like(p);
        s.sqrAvg = torch::zeros_like(p);
      }
      ++s.step;
      s.gradAvg.mul_(b1).add_(g, 1.0 - b1);
      s.sqrAvg.mul_(b2).addcmul_(g, g, 1.0 - b2);
      const double debias1 = 1.0 - std::pow(b1, double(s.step));
      const double debias2 = 1.0 - std::pow(b2, double(s.step));
      auto denom = (s.sqrAvg / debias2).sqrt_().add_(m_options.eps);
      p.addcdiv_(s.gradAvg, denom, -lr / debias1);
    }
  }
}

void Optimizer::setLr(double lr) {
  for (auto& g : m_groups) g.lr = lr;
}

void Optimizer::setLrs(const std::vector<double>& lrs) {
  if (lrs.size() != m_groups.size())
    throw Error("Got " + std::to_string(lrs.size()) + " learning rates for " +
                std::to_string(m_groups.size()) + " parameter groups.");
  for (std::size_t g = 0; g < lrs.size(); ++g) m_groups[g].lr = lrs[g];
}

void Optimizer::setMom(double mom) { m_options.mom = mom; }

void Optimizer::freezeTo(int n) {
  if (n < 0) n += static_cast<int>(m_groups.size());
  for (std::size_t g = 0; g < m_groups.size(); ++g) {
    auto& group = m_groups[g];
    for (std::size_t k = 0; k < group.params.size(); ++k) {
      const bool train = static_cast<int>(g) >= n || group.norm[k];
      group.params[k].requires_grad_(train);
      // A frozen parameter keeps no gradient, so nothing (not even weight decay) moves it.
      if (!train) group.params[k].mutable_grad() = torch::Tensor();
    }
  }
}

Optimizer::State Optimizer::state() const {
  State out;
  out.mom = m_options.mom;
  for (const auto& g : m_groups) out.lrs.push_back(g.lr);
  for (const auto& s : m_state) {
    out.gradAvg.push_back(s.gradAvg.defined() ? s.gradAvg.clone() : torch::Tensor());
    out.sqrAvg.push_back(s.sqrAvg.defined() ? s.sqrAvg.clone() : torch::Tensor());
    out.steps.push_back(s.step);
  }
  return out;
}

void Optimizer::loadState(const State& state) {
  if (state.steps.size() != m_state.size() || state.lrs.size() != m_groups.size())
    throw Error("The saved optimizer state does not fit this model's parameters.");
  m_options.mom = state.mom;
  for (std::size_t g = 0; g < m_groups.size(); ++g) m_groups[g].lr = state.lrs[g];
  for (std::size_t i = 0; i < m_state.size(); ++i) {
    m_state[i].gradAvg = state.gradAvg[i].defined() ? state.gradAvg[i].clone() : torch::Tensor();
    m_state[i].sqrAvg = state.sqrAvg[i].defined() ? state.sqrAvg[i].clone() : torch::Tensor();
    m_state[i].step = state.steps[i];
  }
}

ParamGroup paramGroupOf(const std::vector<std::shared_ptr<torch::nn::Module>>& modules,
                        double lr) {
  ParamGroup group;
  group.lr = lr;
  for (const auto& top : modules)
    for (const auto& module : top->modules(/*include_self=*/true)) {
      const bool isNorm =
          module->as<torch::nn::BatchNorm1d>() || module->as<torch::nn::BatchNorm2d>();
      for (const auto& p : module->named_parameters(/*recurse=*/false)) {
        group.params.push_back(p.value());
        group.decay.push_back(!isNorm && p.key() != "bias");
        group.norm.push_back(isNorm);
      }
    }
  return group;
}

ParamGroup paramGroupOf(const torch::nn::Module& model, double lr) {
  std::vector<std::shared_ptr<torch::nn::Module>> children;
  for (const auto& child : model.children()) children.push_back(child);
  for (const auto& p : model.named_parameters(/*recurse=*/false))
    throw Error("The model holds the parameter \"" + p.key() +
                "\" directly; wrap it in a layer so it can be grouped.");
  return paramGroupOf(children, lr);
}

}  // namespace lb
