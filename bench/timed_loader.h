#pragma once
// A DataLoader that times its inner loader's batch() calls: how long the model waited for data.
#include <memory>

#include "bench/bench_common.h"
#include "engine/data/data_loader.h"

namespace lb::bench {

class TimedLoader : public DataLoader {
 public:
  explicit TimedLoader(std::shared_ptr<DataLoader> inner) : m_inner(std::move(inner)) {}
  std::int64_t items() const override { return m_inner->items(); }
  int batches() const override { return m_inner->batches(); }
  int batchSize() const override { return m_inner->batchSize(); }
  void startEpoch(int epoch) override { m_inner->startEpoch(epoch); }
  Batch batch(int index) override {
    Stopwatch clock;
    Batch b = m_inner->batch(index);
    waited += clock.seconds();
    return b;
  }
  Batch itemsAt(const std::vector<std::int64_t>& positions) override {
    return m_inner->itemsAt(positions);
  }
  void to(torch::Device device) override { m_inner->to(device); }
  double waited = 0;  // seconds in batch()

 private:
  std::shared_ptr<DataLoader> m_inner;
};

}  // namespace lb::bench
