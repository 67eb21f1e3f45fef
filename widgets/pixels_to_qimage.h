#pragma once
// Plain 8-bit pixel buffers (the engine's PreviewImage and Image8: width, height, channels,
// row-major pixels) as QImages. QImage rows are padded to 4 bytes and the buffers' are not,
// so the copy goes row by row.
#include <QImage>

#include <cstring>

namespace lb {

template <typename Pixels>
QImage pixelsToQImage(const Pixels& image) {
  const bool gray = image.channels == 1;
  if (image.width <= 0 || image.height <= 0 || (!gray && image.channels != 3) ||
      image.pixels.size() < std::size_t(image.width) * image.height * image.channels)
    return {};
  QImage out(image.width, image.height, gray ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  const int rowBytes = image.width * image.channels;
  for (int y = 0; y < image.height; ++y)
    std::memcpy(out.scanLine(y), image.pixels.data() + std::size_t(y) * rowBytes, rowBytes);
  return out;
}

}  // namespace lb
