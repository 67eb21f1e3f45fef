#pragma once
// DataParallel: what PyTorch's DistributedDataParallel does, as a Learner callback on c10d's
// collectives (engine/train/distributed.h), for a Learner whose loaders are ShardedLoaders
// (engine/data/sharded_loader.h) of the same data on every rank:
//   before the fit   rank 0's parameters and buffers are copied to every rank;
//   before a batch   the ranks agree whether any was asked to stop (Stop, Ctrl-C): then all
//                    cancel the fit at the same batch (so give the stop flag to this callback,
//                    not to StopControl);
//   after backward   the gradients are summed over the ranks in buckets of about bucketBytes,
//                    all sent before any is waited for, and divided by the world size; the
//                    batch's loss is averaged the same way, so the recorded loss is the whole
//                    batch's;
//   validation       rank 0's buffers (BatchNorm's running statistics) are copied to every rank
//                    first; each batch's predictions and targets are gathered from all ranks in
//                    the data's order with the padding trimmed, so loss, metrics, the confusion
//                    matrix and top losses are those one process computes on the whole set.
// BatchNorm uses each rank's own batch statistics in training, as DDP does by default, unless
// the model's norms were made SyncBatchNorm (engine/train/sync_batch_norm.h, train.syncBatchNorm).
// Throws lb::Error (from DistributedGroup) when a rank stops answering.
#include <atomic>
#include <cstddef>
#include <memory>

#include "engine/data/sharded_loader.h"
#include "engine/train/distributed.h"
#include "engine/train/learner.h"

namespace lb {

class DataParallel : public Callback {
 public:
  DataParallel(std::shared_ptr<DistributedGroup> group, std::shared_ptr<ShardedLoader> valid,
               const std::atomic<bool>* stop = nullptr, std::size_t bucketBytes = 25u << 20);
  int order() const override { return -30; }  // before StopControl and the NaN guard
  void beforeFit(Learner& learn) override;
  void beforeBatch(Learner& learn) override;
  void afterPred(Learner& learn) override;
  void afterBackward(Learner& learn) override;
  void beforeValidate(Learner& learn) override;

  bool stopped() const { return m_stopped; }
  // Time spent summing gradients (and the loss) over the ranks, and how many batches.
  double gradientSyncSeconds() const { return m_syncSeconds; }
  long gradientSyncs() const { return m_syncs; }

 private:
  void broadcastBuffers(Learner& learn);

  std::shared_ptr<DistributedGroup> m_group;
  std::shared_ptr<ShardedLoader> m_valid;
  const std::atomic<bool>* m_stop;
  std::size_t m_bucketBytes;
  bool m_stopped = false;
  double m_syncSeconds = 0;
  long m_syncs = 0;
};

}  // namespace lb
