#include "engine/data/decode_cache.h"

#include <unistd.h>

#include <limits>

#include "engine/data/data_block_spec.h"

namespace lb {

DecodeCache::DecodeCache(std::size_t items, std::size_t budgetBytes)
    : m_size(items), m_budget(budgetBytes), m_images(new cv::Mat[items]),
      m_state(new std::atomic<int>[items]) {
  for (std::size_t i = 0; i < items; ++i) m_state[i] = kEmpty;
}

bool DecodeCache::offer(std::size_t item, const cv::Mat& image) {
  if (item >= m_size || image.empty() || !image.isContinuous()) return false;
  const std::size_t bytes = bytesOf(image);
  // Reserve the bytes first, so threads offering at once never exceed the budget together.
  if (m_bytes.fetch_add(bytes) + bytes > m_budget) {
    m_bytes -= bytes;
    return false;
  }
  int expected = kEmpty;
  if (!m_state[item].compare_exchange_strong(expected, kWriting)) {
    m_bytes -= bytes;  // another thread keeps (or kept) this item
    return false;
  }
  m_images[item] = image;
  m_state[item].store(kReady, std::memory_order_release);
  ++m_kept;
  return true;
}

cv::Mat DecodeCache::get(std::size_t item) const {
  if (item >= m_size || m_state[item].load(std::memory_order_acquire) != kReady) return {};
  return m_images[item];
}

std::size_t physicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && pageSize > 0 ? std::size_t(pages) * std::size_t(pageSize) : 0;
}

std::size_t defaultCacheBudget() {
  const std::size_t memory = physicalMemoryBytes();
  return memory > 0 ? memory / 4 : std::size_t(1) << 30;
}

std::size_t cacheBudget(const DataBlockSpec& spec) {
  if (spec.cache) return std::numeric_limits<std::size_t>::max() / 2;
  if (spec.cacheMb < 0) return defaultCacheBudget();
  return std::size_t(spec.cacheMb) << 20;
}

}  // namespace lb
