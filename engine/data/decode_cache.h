#pragma once
// DecodeCache: the decoded 8-bit images of a data block's items, kept in memory up to a budget
// of bytes so each file is decoded once. Filled from two places: the file check before training
// (checkImageFiles decodes every file anyway) and, for what it could not keep, the first epoch
// as it streams. Once the budget is used, further images are not kept: those items stream from
// their files every epoch, and memory stays bounded by the budget. Thread-safe: any thread may
// offer and read; an item is written once and never changes after.
#include <opencv2/core/mat.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace lb {

struct DataBlockSpec;

class DecodeCache {
 public:
  // `items` slots; `budgetBytes` 0 keeps nothing.
  DecodeCache(std::size_t items, std::size_t budgetBytes);

  // Keeps `image` (which must not be changed afterwards) for `item` when the item has none yet
  // and the image fits what is left of the budget. Returns whether it was kept.
  bool offer(std::size_t item, const cv::Mat& image);
  // The kept image (sharing its pixels), or an empty Mat.
  cv::Mat get(std::size_t item) const;
  // Converts every kept image with `convert` (run once, before any reader; not thread-safe),
  // dropping those it returns empty; the byte count follows.
  template <class Convert>
  void convertAll(Convert convert) {
    for (std::size_t i = 0; i < m_size; ++i)
      if (m_state[i].load() == kReady) {
        const cv::Mat converted = convert(m_images[i]);
        m_bytes -= bytesOf(m_images[i]);
        m_images[i] = converted;
        if (converted.empty()) {
          m_state[i] = kEmpty;
          --m_kept;
        } else {
          m_bytes += bytesOf(converted);
        }
      }
  }

  std::size_t budget() const { return m_budget; }
  std::size_t bytes() const { return m_bytes.load(); }
  std::size_t kept() const { return m_kept.load(); }
  std::size_t size() const { return m_size; }

  static std::size_t bytesOf(const cv::Mat& image) { return image.total() * image.elemSize(); }

 private:
  static constexpr int kEmpty = 0, kWriting = 1, kReady = 2;
  std::size_t m_size;
  std::size_t m_budget;
  std::unique_ptr<cv::Mat[]> m_images;
  std::unique_ptr<std::atomic<int>[]> m_state;
  std::atomic<std::size_t> m_bytes{0};
  std::atomic<std::size_t> m_kept{0};
};

// The machine's physical memory in bytes (0 when it cannot be told).
std::size_t physicalMemoryBytes();

// The default budget of the cache: a quarter of the machine's memory (1 GiB when it cannot be
// told), leaving the rest to the model, its activations and everything else on the machine.
std::size_t defaultCacheBudget();

// The budget `spec` asks for: spec.cacheMb (-1 = defaultCacheBudget, 0 = no cache, else MiB);
// spec.cache (keep everything) lifts the limit.
std::size_t cacheBudget(const DataBlockSpec& spec);

}  // namespace lb
