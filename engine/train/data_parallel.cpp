#include "engine/train/data_parallel.h"

#include <chrono>

namespace lb {

DataParallel::DataParallel(std::shared_ptr<DistributedGroup> group,
                           std::shared_ptr<ShardedLoader> valid, const std::atomic<bool>* stop,
                           std::size_t bucketBytes)
    : m_group(std::move(group)), m_valid(std::move(valid)), m_stop(stop),
      m_bucketBytes(bucketBytes) {}

void DataParallel::beforeFit(Learner& learn) {
  m_stopped = false;
  m_syncSeconds = 0;
  m_syncs = 0;
  torch::NoGradGuard noGrad;
  std::vector<torch::Tensor> state = learn.model()->parameters();
  for (const auto& b : learn.model()->buffers()) state.push_back(b);
  m_group->broadcast(state);
}

void DataParallel::broadcastBuffers(Learner& learn) {
  torch::NoGradGuard noGrad;
  std::vector<torch::Tensor> buffers = learn.model()->buffers();
  if (!buffers.empty()) m_group->broadcast(buffers);
}

void DataParallel::beforeValidate(Learner& learn) { broadcastBuffers(learn); }

void DataParallel::beforeBatch(Learner&) {
  // One number per batch: a stop seen by any rank stops all of them at this same batch.
  std::vector<torch::Tensor> flag{torch::full({1}, m_stop && m_stop->load() ? 1.0f : 0.0f)};
  m_group->allreduceSum(flag);
  if (flag[0].item<float>() > 0) {
    m_stopped = true;
    throw CancelFit();
  }
}

void DataParallel::afterPred(Learner& learn) {
  if (learn.training) return;
  torch::NoGradGuard noGrad;
  // [W, n, ...] in rank order -> [n, W, ...] -> rows in the data's order, the padding last.
  const std::int64_t real = m_valid->realItems(learn.iter);
  const auto gather = [&](const torch::Tensor& t) {
    auto rows = torch::stack(m_group->allgather(t.detach().contiguous())).transpose(0, 1);
    std::vector<std::int64_t> shape{-1};
    for (std::int64_t d = 1; d < t.dim(); ++d) shape.push_back(t.size(d));
    return rows.reshape(shape).slice(0, 0, real);
  };
  learn.pred = gather(learn.pred);
  learn.yb = gather(learn.yb);
}

void DataParallel::afterBackward(Learner& learn) {
  const auto start = std::chrono::steady_clock::now();
  torch::NoGradGuard noGrad;
  std::vector<torch::Tensor> grads;
  for (const auto& p : learn.model()->parameters())
    if (p.grad().defined()) grads.push_back(p.grad());
  // Buckets from the last layer back, as DDP fills them while backward runs.
  std::vector<std::vector<torch::Tensor>> buckets;
  std::size_t bytes = 0;
  for (auto it = grads.rbegin(); it != grads.rend(); ++it) {
    const std::size_t size = std::size_t(it->numel()) * it->element_size();
    if (buckets.empty() || (bytes > 0 && bytes + size > m_bucketBytes)) {
      buckets.emplace_back();
      bytes = 0;
    }
    buckets.back().push_back(*it);
    bytes += size;
  }
  std::vector<torch::Tensor> flat;
  for (const auto& bucket : buckets) {
    std::vector<torch::Tensor> pieces;
    for (const auto& g : bucket) pieces.push_back(g.reshape({-1}));
    flat.push_back(torch::cat(pieces));
  }
  flat.push_back(learn.loss.detach().reshape({1}).to(torch::kFloat).clone());
  m_group->allreduceSum(flat);
  const double world = m_group->worldSize();
  for (std::size_t b = 0; b < buckets.size(); ++b) {
    std::int64_t at = 0;
    flat[b].div_(world);
    for (auto& g : buckets[b]) {
      g.copy_(flat[b].slice(0, at, at + g.numel()).view_as(g));
      at += g.numel();
    }
  }
  learn.loss = flat.back().div(world).reshape({});
  m_syncSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ++m_syncs;
}

}  // namespace lb
