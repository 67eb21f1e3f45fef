#include "engine/train/sync_batch_norm.h"

#include <torch/autograd.h>

#include <cstdint>
#include <ostream>
#include <vector>

#include "engine/models/model_builder.h"

// LibTorch 1.13 (Debian's build) keeps BatchNormImplBase's pretty_print
// inside its library without exporting it, and a class derived from BatchNorm1d/2d needs it
// (for its construction vtables): defined here as torch prints it.
namespace torch::nn {
namespace {
template <std::size_t D>
void printBatchNorm(std::ostream& stream, const BatchNormOptions& o) {
  stream << std::boolalpha << "torch::nn::BatchNorm" << D << "d(" << o.num_features()
         << ", eps=" << o.eps() << ", momentum=";
  if (o.momentum())
    stream << *o.momentum();
  else
    stream << "None";
  stream << ", affine=" << o.affine() << ", track_running_stats=" << o.track_running_stats()
         << ")";
}
}  // namespace
template <>
void BatchNormImplBase<1, BatchNorm1dImpl>::pretty_print(std::ostream& stream) const {
  printBatchNorm<1>(stream, options);
}
template <>
void BatchNormImplBase<2, BatchNorm2dImpl>::pretty_print(std::ostream& stream) const {
  printBatchNorm<2>(stream, options);
}
}  // namespace torch::nn

namespace lb {

namespace {

// Sum over the ranks forward; the sum of the incoming gradients over the ranks backward (each
// rank's loss depends on every rank's input through the sum).
struct AllReduceSum : torch::autograd::Function<AllReduceSum> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               DistributedGroup* group) {
    // The context keeps IValues: the group as its address (it outlives the step).
    ctx->saved_data["group"] = static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(group));
    std::vector<torch::Tensor> sum{x.contiguous().clone()};
    group->allreduceSum(sum);
    return sum[0];
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto* group = reinterpret_cast<DistributedGroup*>(
        static_cast<std::intptr_t>(ctx->saved_data["group"].toInt()));
    std::vector<torch::Tensor> sum{grads[0].contiguous().clone()};
    group->allreduceSum(sum);
    return {sum[0], torch::Tensor()};
  }
};

// Copies `from`'s parameters and buffers into `to`'s of the same names.
void copyState(const torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard noGrad;
  auto params = to.named_parameters(/*recurse=*/false);
  for (const auto& p : from.named_parameters(/*recurse=*/false)) params[p.key()].copy_(p.value());
  auto buffers = to.named_buffers(/*recurse=*/false);
  for (const auto& b : from.named_buffers(/*recurse=*/false)) buffers[b.key()].copy_(b.value());
}

template <class Base>
torch::nn::AnyModule syncCopy(const Base& norm, const std::shared_ptr<DistributedGroup>& group) {
  auto sync = std::make_shared<SyncBatchNormImpl<Base>>(norm.options, group);
  copyState(norm, *sync);
  return torch::nn::AnyModule(sync);
}

}  // namespace

torch::Tensor allreduceSumWithGrad(const torch::Tensor& x, DistributedGroup& group) {
  return AllReduceSum::apply(x, &group);
}

template <class Base>
SyncBatchNormImpl<Base>::SyncBatchNormImpl(const torch::nn::BatchNormOptions& options,
                                           std::shared_ptr<DistributedGroup> group)
    : Base(options), m_group(std::move(group)) {}

template <class Base>
torch::Tensor SyncBatchNormImpl<Base>::forward(const torch::Tensor& input) {
  const auto& o = this->options;
  if (!this->is_training() && o.track_running_stats()) return Base::forward(input);
  const std::int64_t channels = input.size(1);
  std::vector<std::int64_t> dims{0};  // every dimension but the channels
  for (std::int64_t d = 2; d < input.dim(); ++d) dims.push_back(d);
  // Summed in double: the variance below is a difference of two of them, which must not cancel.
  const torch::Tensor local = torch::cat(
      {input.sum(dims, false, torch::kDouble), input.square().sum(dims, false, torch::kDouble),
       torch::full({1}, double(input.numel() / channels), input.options().dtype(torch::kDouble))});
  const torch::Tensor global = allreduceSumWithGrad(local, *m_group);
  const double count = global[2 * channels].item<double>();
  const torch::Tensor mean = global.slice(0, 0, channels) / count;
  const torch::Tensor var = (global.slice(0, channels, 2 * channels) / count - mean.square()).clamp_min(0);
  if (this->is_training() && o.track_running_stats()) {
    // As torch's BatchNorm: the running variance is the unbiased one; momentum unset means a
    // cumulative average.
    torch::NoGradGuard noGrad;
    this->num_batches_tracked += 1;
    const double m = o.momentum() ? *o.momentum()
                                  : 1.0 / this->num_batches_tracked.template item<double>();
    const auto dtype = this->running_mean.scalar_type();
    this->running_mean.mul_(1 - m).add_(mean.to(dtype), m);
    this->running_var.mul_(1 - m).add_((var * (count / std::max(count - 1, 1.0))).to(dtype), m);
  }
  std::vector<std::int64_t> shape(std::size_t(input.dim()), 1);
  shape[1] = channels;
  const torch::Tensor invStd = (var + o.eps()).rsqrt();
  torch::Tensor y = (input - mean.to(input.scalar_type()).view(shape)) *
                    invStd.to(input.scalar_type()).view(shape);
  if (o.affine()) y = y * this->weight.view(shape) + this->bias.view(shape);
  return y;
}

template class SyncBatchNormImpl<torch::nn::BatchNorm1dImpl>;
template class SyncBatchNormImpl<torch::nn::BatchNorm2dImpl>;

int useSyncBatchNorm(torch::nn::Module& model, const std::shared_ptr<DistributedGroup>& group) {
  if (!group || group->worldSize() < 2) return 0;
  return replaceBatchNorms(model, [&](torch::nn::Module& norm) {
    if (const auto* bn = norm.as<torch::nn::BatchNorm2d>()) return syncCopy(*bn, group);
    return syncCopy(*norm.as<torch::nn::BatchNorm1d>(), group);
  });
}

}  // namespace lb
