#pragma once
// DataLoader: what the Learner draws its batches from. TensorLoader serves a data set held in
// memory as tensors; ImageLoader decodes, transforms and collates image files on worker threads.
// Batches are asked for in order (0, 1, 2, ...) after startEpoch; any other order works but
// costs the prefetched work.
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/util/error.h"

namespace lb {

struct Batch {
  torch::Tensor x;
  torch::Tensor y;
};

class DataLoader {
 public:
  virtual ~DataLoader() = default;
  virtual std::int64_t items() const = 0;
  virtual int batches() const = 0;
  virtual int batchSize() const = 0;
  // Draws the order for `epoch` (training loaders shuffle; validation loaders keep order).
  virtual void startEpoch(int epoch) = 0;
  virtual Batch batch(int index) = 0;
  // The items at `positions` of the current epoch's order (a validation loader's own order), as
  // one batch; the batches in flight are left alone. Throws lb::Error for a position out of range.
  virtual Batch itemsAt(const std::vector<std::int64_t>& positions) = 0;
  // Where batches are delivered.
  virtual void to(torch::Device device) = 0;

 protected:
  // What itemsAt() checks first: every position names an item of this set.
  void checkPositions(const std::vector<std::int64_t>& positions) const {
    for (std::int64_t p : positions)
      if (p < 0 || p >= items())
        throw Error("There is no item " + std::to_string(p) + " among the " +
                    std::to_string(items()) + " of this set.");
  }
};

}  // namespace lb
