#pragma once
// The options of the image transforms, as plain data (torch- and OpenCV-free), so the project
// file and the editor can hold them. item_transforms.h and batch_transforms.h apply them.
#include <cstdint>

#include "engine/core/enum_names.h"

namespace lb {

enum class ResizeMethod { Squish, Crop, Pad };
enum class PadMode { Zeros, Reflection };

// Their names in the project file (engine/core/enum_names.h).
inline constexpr EnumNames<ResizeMethod, 3> kResizeMethodNames{{
    {ResizeMethod::Squish, "squish"},
    {ResizeMethod::Crop, "crop"},
    {ResizeMethod::Pad, "pad"},
}};
inline constexpr EnumNames<PadMode, 2> kPadModeNames{{
    {PadMode::Zeros, "zeros"},
    {PadMode::Reflection, "reflection"},
}};

// Resize every item to width x height (rectangular sizes allowed); 0 x 0 keeps the image size.
struct ResizeOptions {
  int width = 0;
  int height = 0;
  ResizeMethod method = ResizeMethod::Squish;
  PadMode pad = PadMode::Zeros;
  bool active() const { return width > 0 && height > 0; }
  bool operator==(const ResizeOptions&) const = default;
};

// fastai's RandomResizedCrop: a random part of the image (area fraction and aspect ratio drawn
// from these ranges) resized to the item size; training split only, validation gets the center.
struct RandomResizedCropOptions {
  bool enabled = false;
  double minScale = 0.08;
  double minRatio = 3.0 / 4.0;
  double maxRatio = 4.0 / 3.0;
  bool operator==(const RandomResizedCropOptions&) const = default;
};

// fastai's aug_transforms, applied to training batches only.
struct AugmentOptions {
  bool enabled = false;
  bool flip = true;
  bool flipVertical = false;
  double maxRotate = 10.0;  // degrees
  double minZoom = 1.0;
  double maxZoom = 1.1;
  double maxWarp = 0.2;
  double maxLighting = 0.2;
  double pAffine = 0.75;
  double pLighting = 0.75;
  bool operator==(const AugmentOptions&) const = default;
};

}  // namespace lb
