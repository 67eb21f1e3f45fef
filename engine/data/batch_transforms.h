#pragma once
// fastai's aug_transforms: flips, rotation, zoom and perspective warp through one sampling
// grid, then brightness and contrast in logit space; for a float batch or one 8-bit image.
#include <opencv2/core/mat.hpp>
#include <torch/types.h>

#include <cstdint>

#include "engine/data/transform_options.h"

namespace lb {

// images: float [N, C, H, W] on the 0..1 scale (before Normalize), on any device. Returns a new
// tensor of the same shape and device with values in 0..1. Each image draws its own flip,
// rotation, zoom, warp, brightness and contrast from a CPU generator seeded with `seed`, so a
// seed always gives the same output whatever the thread count. options.enabled == false (or
// every part switched off) returns `images` itself. Throws lb::Error for a tensor that is not a
// floating-point 4-D batch or options out of range.
torch::Tensor augmentBatch(const torch::Tensor& images, const AugmentOptions& options,
                        std::uint64_t seed);

// The same augmentation for one decoded 8-bit image (what the loader's workers run): the same
// draws and the same sampling as augmentBatch, through OpenCV (warpPerspective with
// BORDER_REFLECT_101, a 256-entry table for the lighting), which on a CPU is many times faster
// than sampling float batches. Returns `image` itself when nothing applies.
cv::Mat augmentImage(const cv::Mat& image, const AugmentOptions& options, std::uint64_t seed);

// The lighting step alone, fastai's way: x -> sigmoid((logit(x) + logit(brightness)) *
// contrast), per image. brightness and contrast are [N] factors; 0.5 and 1 leave an image
// (nearly, logit clamps at 1e-7) as it is, brightness above 0.5 brightens, contrast above 1
// spreads the values.
torch::Tensor applyLighting(const torch::Tensor& images, const torch::Tensor& brightness,
                         const torch::Tensor& contrast);

}  // namespace lb
