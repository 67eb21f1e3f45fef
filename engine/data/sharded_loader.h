#pragma once
// ShardedLoader: one rank's share of a loader, with PyTorch's DistributedSampler's semantics.
// Every rank draws the same order for an epoch (the inner loader's, seeded by its seed and the
// epoch), pads it by repeating its first items to a multiple of the world size, and takes
// positions rank, rank + W, rank + 2W, ...; its batches are batchSize of those, the last one
// dropped when partial for training (as the inner training loader does) and kept for
// validation. So batch i of all ranks together holds the positions [i*bs*W, (i+1)*bs*W) of the
// padded order: what one process with batch size bs*W would take. items() is the whole set's
// count; itemsAt() takes positions of the whole set's order. Requires 0 <= rank < worldSize.
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/data/data_loader.h"

namespace lb {

class ShardedLoader : public DataLoader {
 public:
  ShardedLoader(std::shared_ptr<DataLoader> inner, int rank, int worldSize, bool dropLast);

  std::int64_t items() const override { return m_inner->items(); }
  int batches() const override;
  int batchSize() const override { return m_inner->batchSize(); }
  void startEpoch(int epoch) override { m_inner->startEpoch(epoch); }
  Batch batch(int index) override;
  Batch itemsAt(const std::vector<std::int64_t>& positions) override;
  void to(torch::Device device) override { m_inner->to(device); }

  // Items in each rank's share: ceil(items / worldSize).
  std::int64_t shardItems() const;
  // Items of the padded order in batch `index` of all ranks together that are real, not padding:
  // the gathered batch's first realItems(index) rows in order.
  std::int64_t realItems(int index) const;

 private:
  std::shared_ptr<DataLoader> m_inner;
  int m_rank, m_world;
  bool m_dropLast;
};

}  // namespace lb
