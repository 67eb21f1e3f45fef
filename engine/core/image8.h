#pragma once
// Image8: an image as plain 8-bit pixels, free of torch, OpenCV and Qt, so the data preview,
// the interpretation and the GUI can all hold one.
#include <cstdint>
#include <vector>

namespace lb {

// 8-bit image, rows top to bottom, channels interleaved (1 = grayscale, 3 = RGB).
struct Image8 {
  int width = 0, height = 0, channels = 1;
  std::vector<std::uint8_t> pixels;  // width * height * channels
};

}  // namespace lb
