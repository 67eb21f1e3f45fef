#include "engine/data/item_transforms.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/util/error.h"

namespace lb {

namespace {

void checkImage(const cv::Mat& image, const char* what) {
  if (image.empty())
    throw Error(std::string(what) + " got an empty image: the file could not be decoded or has "
                "no pixels; check that it is a readable image.");
}

void checkSize(int width, int height, const char* what) {
  if (width <= 0 || height <= 0)
    throw Error(std::string(what) + " needs a positive size, got " + std::to_string(width) +
                " x " + std::to_string(height) + "; set both width and height above zero.");
}

// INTER_AREA averages whole source pixels when shrinking (no aliasing); INTER_LINEAR when
// any side grows, where INTER_AREA would fall back to it anyway.
cv::Mat resizeTo(const cv::Mat& image, int width, int height) {
  if (image.cols == width && image.rows == height) return image.clone();
  const bool shrinking = width <= image.cols && height <= image.rows;
  cv::Mat out;
  cv::resize(image, out, cv::Size(width, height), 0, 0,
             shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
  return out;
}

int scaled(int side, double scale) {
  return std::max(1, static_cast<int>(std::lround(side * scale)));
}

cv::Mat cropResize(const cv::Mat& image, int width, int height) {
  const double scale = std::max(double(width) / image.cols, double(height) / image.rows);
  // Rounding may land one pixel short of the target; never crop past the scaled image.
  const int w = std::max(width, scaled(image.cols, scale));
  const int h = std::max(height, scaled(image.rows, scale));
  const cv::Mat big = resizeTo(image, w, h);
  return big(cv::Rect((w - width) / 2, (h - height) / 2, width, height)).clone();
}

cv::Mat padResize(const cv::Mat& image, int width, int height, PadMode pad) {
  const double scale = std::min(double(width) / image.cols, double(height) / image.rows);
  const int w = std::min(width, scaled(image.cols, scale));
  const int h = std::min(height, scaled(image.rows, scale));
  const cv::Mat small = resizeTo(image, w, h);
  const int top = (height - h) / 2, left = (width - w) / 2;
  cv::Mat out;
  cv::copyMakeBorder(small, out, top, height - h - top, left, width - w - left,
                     pad == PadMode::Zeros ? cv::BORDER_CONSTANT : cv::BORDER_REFLECT_101,
                     cv::Scalar::all(0));
  return out;
}

}  // namespace

cv::Mat resizeImage(const cv::Mat& image, const ResizeOptions& options) {
  checkImage(image, "Resize");
  if (options.width == 0 && options.height == 0) return image;
  checkSize(options.width, options.height, "Resize");
  switch (options.method) {
    case ResizeMethod::Squish: return resizeTo(image, options.width, options.height);
    case ResizeMethod::Crop: return cropResize(image, options.width, options.height);
    case ResizeMethod::Pad: return padResize(image, options.width, options.height, options.pad);
  }
  return image;
}

cv::Mat centerCropResize(const cv::Mat& image, int width, int height) {
  checkImage(image, "Center crop");
  checkSize(width, height, "Center crop");
  return cropResize(image, width, height);
}

cv::Mat randomResizedCrop(const cv::Mat& image, int width, int height,
                          const RandomResizedCropOptions& options, std::mt19937_64& rng) {
  checkImage(image, "RandomResizedCrop");
  checkSize(width, height, "RandomResizedCrop");
  if (!(options.minScale > 0 && options.minScale <= 1))
    throw Error("RandomResizedCrop needs a minimum scale above 0 and at most 1, got " +
                std::to_string(options.minScale) + ".");
  if (!(options.minRatio > 0 && options.minRatio <= options.maxRatio))
    throw Error("RandomResizedCrop needs 0 < minimum ratio <= maximum ratio, got " +
                std::to_string(options.minRatio) + " and " + std::to_string(options.maxRatio) +
                ".");
  const int w = image.cols, h = image.rows;
  std::uniform_real_distribution<double> scaleDist(options.minScale, 1.0);
  std::uniform_real_distribution<double> logRatioDist(std::log(options.minRatio),
                                                      std::log(options.maxRatio));
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double area = scaleDist(rng) * w * h;
    const double ratio = std::exp(logRatioDist(rng));
    const int cw = static_cast<int>(std::lround(std::sqrt(area * ratio)));
    const int ch = static_cast<int>(std::lround(std::sqrt(area / ratio)));
    if (cw >= 1 && ch >= 1 && cw <= w && ch <= h) {
      const int x = std::uniform_int_distribution<int>(0, w - cw)(rng);
      const int y = std::uniform_int_distribution<int>(0, h - ch)(rng);
      return resizeTo(image(cv::Rect(x, y, cw, ch)), width, height);
    }
  }
  // As fastai: the whole image when its ratio is in range, else the largest centered box with
  // the nearest allowed ratio.
  int cw = w, ch = h;
  if (double(w) / h < options.minRatio)
    ch = std::max(1, static_cast<int>(w / options.minRatio));
  else if (double(w) / h > options.maxRatio)
    cw = std::max(1, static_cast<int>(h * options.maxRatio));
  return resizeTo(image(cv::Rect((w - cw) / 2, (h - ch) / 2, cw, ch)), width, height);
}

}  // namespace lb
