#pragma once
// ImageShape: one input item's shape as the model sees it. Plain data, torch-free.

namespace lb {

// One input item's shape, batch dimension left out: channels x height x width.
struct ImageShape {
  int channels = 1;
  int height = 28;
  int width = 28;
};

}  // namespace lb
