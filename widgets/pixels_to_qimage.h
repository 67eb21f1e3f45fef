#pragma once
// Plain 8-bit pixel buffers (the engine's PreviewImage and Image8: width, height, channels,
// row-major pixels) as QImages. QImage rows are padded to 4 bytes and the buffers' are not,
// so the copy goes row by row.
#include <QImage>

#include <algorithm>
#include <cmath>
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

// `image` scaled to fit a `tile` x `tile` square, aspect kept. Small images grow by whole pixels
// (nearest neighbour) so their pixels stay sharp; large ones shrink smoothly.
inline QImage fitToTile(const QImage& image, int tile) {
  if (image.isNull()) return image;
  const double fit = double(tile) / std::max(image.width(), image.height());
  if (fit < 1) return image.scaled(tile, tile, Qt::KeepAspectRatio, Qt::SmoothTransformation);
  const int k = int(std::floor(fit));
  return image.scaled(image.width() * k, image.height() * k, Qt::IgnoreAspectRatio,
                      Qt::FastTransformation);
}

}  // namespace lb
