#include "engine/data/sharded_loader.h"

#include <algorithm>

namespace lb {

ShardedLoader::ShardedLoader(std::shared_ptr<DataLoader> inner, int rank, int worldSize,
                             bool dropLast)
    : m_inner(std::move(inner)), m_rank(rank), m_world(worldSize), m_dropLast(dropLast) {
  if (worldSize < 1 || rank < 0 || rank >= worldSize)
    throw Error("Rank " + std::to_string(rank) + " is not one of the " + std::to_string(worldSize) +
                " ranks (0 to " + std::to_string(worldSize - 1) + ").");
}

std::int64_t ShardedLoader::shardItems() const { return (items() + m_world - 1) / m_world; }

int ShardedLoader::batches() const {
  const std::int64_t bs = batchSize();
  return int(m_dropLast ? shardItems() / bs : (shardItems() + bs - 1) / bs);
}

Batch ShardedLoader::batch(int index) {
  const std::int64_t bs = batchSize();
  const std::int64_t begin = std::int64_t(index) * bs;
  const std::int64_t end = std::min(begin + bs, shardItems());
  std::vector<std::int64_t> positions;
  positions.reserve(std::size_t(std::max<std::int64_t>(0, end - begin)));
  // Position j of this rank's share is m_rank + j * W of the padded order; padding repeats the
  // order's first items.
  for (std::int64_t j = begin; j < end; ++j) positions.push_back((m_rank + j * m_world) % items());
  return m_inner->itemsAt(positions);
}

Batch ShardedLoader::itemsAt(const std::vector<std::int64_t>& positions) {
  return m_inner->itemsAt(positions);
}

std::int64_t ShardedLoader::realItems(int index) const {
  const std::int64_t perRank =
      std::min<std::int64_t>(batchSize(), shardItems() - std::int64_t(index) * batchSize());
  const std::int64_t begin = std::int64_t(index) * batchSize() * m_world;
  return std::clamp<std::int64_t>(items() - begin, 0, perRank * m_world);
}

}  // namespace lb
