#pragma once
// Per-image transforms of the data block, applied to a decoded image (cv::Mat, CV_8UC1 or
// CV_8UC3 as OpenCV decodes it) before collation: Resize (squish, crop, pad) for every split,
// RandomResizedCrop for the training split with centerCropResize as its validation twin.
// Every function returns a new image and throws lb::Error for an empty image or a
// non-positive size.
#include <opencv2/core.hpp>

#include <random>

#include "engine/data/transform_options.h"

namespace lb {

// Resizes to options.width x options.height. Squish ignores the aspect ratio; Crop scales the
// image to cover the size and keeps the center; Pad scales it to fit inside and pads the rest
// (zeros or a mirror, BORDER_REFLECT_101) evenly on both sides. An inactive option (0 x 0)
// returns the image as it is.
cv::Mat resizeImage(const cv::Mat& image, const ResizeOptions& options);

// fastai's RandomResizedCrop: up to 10 tries of an area fraction in [minScale, 1] and a
// log-uniform aspect ratio in [minRatio, maxRatio]; when none fits, the center crop of the
// largest box with the ratio clamped to that range. The crop is then squished to
// width x height. options.enabled is the caller's switch and is not read here.
cv::Mat randomResizedCrop(const cv::Mat& image, int width, int height,
                          const RandomResizedCropOptions& options, std::mt19937_64& rng);

// What the validation split gets instead of randomResizedCrop: resizeImage with Crop.
cv::Mat centerCropResize(const cv::Mat& image, int width, int height);

}  // namespace lb
