#pragma once
// fastai's aug_transforms on a collated training batch: flips, rotation, zoom and perspective
// warp sampled through one grid, then brightness and contrast in logit space.
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

// The lighting step alone, fastai's way: x -> sigmoid((logit(x) + logit(brightness)) *
// contrast), per image. brightness and contrast are [N] factors; 0.5 and 1 leave an image
// (nearly, logit clamps at 1e-7) as it is, brightness above 0.5 brightens, contrast above 1
// spreads the values.
torch::Tensor applyLighting(const torch::Tensor& images, const torch::Tensor& brightness,
                         const torch::Tensor& contrast);

}  // namespace lb
