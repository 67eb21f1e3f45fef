#include "engine/data/batch_transforms.h"

#include <ATen/CPUGeneratorImpl.h>
#include <opencv2/imgproc.hpp>
#include <torch/nn/functional/vision.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "engine/util/error.h"

namespace lb {

namespace {

using Mat3 = std::array<double, 9>;  // row-major 3x3

Mat3 identity() { return {1, 0, 0, 0, 1, 0, 0, 0, 1}; }

Mat3 operator*(const Mat3& a, const Mat3& b) {
  Mat3 r{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) r[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return r;
}

// fastai's Warp: the homography taking the corners moved by (x, y) back to the image corners,
// applied to the sampling coordinates.
Mat3 warpMatrix(double xt, double yt) {
  const cv::Point2f orig[4] = {{-1, -1}, {-1, 1}, {1, -1}, {1, 1}};
  const auto f = [](double v) { return static_cast<float>(v); };
  const cv::Point2f targ[4] = {{f(-1 - yt), f(-1 - xt)},
                               {f(-1 + yt), f(1 + xt)},
                               {f(1 + yt), f(-1 + xt)},
                               {f(1 - yt), f(1 - xt)}};
  const cv::Mat m = cv::getPerspectiveTransform(targ, orig);
  Mat3 r;
  for (int i = 0; i < 9; ++i) r[i] = m.at<double>(i / 3, i % 3);
  return r;
}

void checkOptions(const AugmentOptions& o) {
  const auto bad = [](const std::string& what) {
    throw Error("Batch augmentation: " + what + ".");
  };
  if (!(o.pAffine >= 0 && o.pAffine <= 1)) bad("the affine probability must be between 0 and 1");
  if (!(o.pLighting >= 0 && o.pLighting <= 1))
    bad("the lighting probability must be between 0 and 1");
  if (!(o.maxRotate >= 0 && o.maxRotate <= 180)) bad("the rotation must be 0 to 180 degrees");
  if (!(o.minZoom > 0 && o.minZoom <= o.maxZoom))
    bad("the zoom range needs 0 < minimum zoom <= maximum zoom");
  if (!(o.maxWarp >= 0 && o.maxWarp < 1)) bad("the warp must be at least 0 and below 1");
  if (!(o.maxLighting >= 0 && o.maxLighting < 1))
    bad("the lighting change must be at least 0 and below 1");
}

torch::Tensor clampedLogit(const torch::Tensor& x) {
  const auto c = x.clamp(1e-7, 1 - 1e-7);
  return (c / (1 - c)).log();
}

// A bool [N] mask as a [N, 1, 1, 1] tensor on the images' device, for torch::where.
torch::Tensor perImage(const std::vector<char>& flags, const torch::Tensor& like) {
  std::vector<std::uint8_t> v(flags.begin(), flags.end());
  return torch::tensor(v, torch::kUInt8).to(torch::kBool).to(like.device())
      .view({-1, 1, 1, 1});
}

bool any(const std::vector<char>& flags) {
  return std::any_of(flags.begin(), flags.end(), [](char c) { return c != 0; });
}

// Every image draws the same 15 numbers in the same order whatever is switched on, so turning
// one part off does not reshuffle the others.
enum { FlipH, FlipV, RotP, Rot, ZoomP, Zoom, ZoomCol, ZoomRow, WarpP, WarpX, WarpY,
       BrightP, Bright, ContrastP, Contrast, Draws };

bool anyPart(const AugmentOptions& o) {
  return o.flip || (o.pAffine > 0 && (o.maxRotate > 0 || o.minZoom != 1 || o.maxZoom != 1 ||
                                      o.maxWarp > 0)) ||
         (o.pLighting > 0 && o.maxLighting > 0);
}

// What one image drew: its flips, the sampling homography (output -> input, normalised
// coordinates as grid_sample takes them) and its lighting.
struct ImageDraw {
  bool flipH = false, flipV = false, geometric = false, lit = false;
  Mat3 matrix = identity();
  double brightness = 0.5, contrast = 1.0;
};

ImageDraw drawFor(const AugmentOptions& options, const double* a, std::int64_t w, std::int64_t h) {
  const bool rotates = options.pAffine > 0 && options.maxRotate > 0;
  const bool zooms = options.pAffine > 0 && (options.minZoom != 1 || options.maxZoom != 1);
  const bool warps = options.pAffine > 0 && options.maxWarp > 0;
  const bool lights = options.pLighting > 0 && options.maxLighting > 0;
  // Rotation in pixel units: normalised x and y have different scales on a rectangle.
  const double sx = std::max<double>(w - 1, 1) / 2, sy = std::max<double>(h - 1, 1) / 2;
  const double maxL = options.maxLighting;
  ImageDraw d;
  d.flipH = options.flip && a[FlipH] < 0.5;
  d.flipV = options.flip && options.flipVertical && a[FlipV] < 0.5;
  Mat3 m = identity();
  if (rotates && a[RotP] < options.pAffine) {
    const double t = (2 * a[Rot] - 1) * options.maxRotate * std::numbers::pi / 180;
    const double c = std::cos(t), s = std::sin(t);
    m = m * Mat3{c, s * sy / sx, 0, -s * sx / sy, c, 0, 0, 0, 1};
    d.geometric = true;
  }
  if (zooms && a[ZoomP] < options.pAffine) {
    // As fastai: sample a 1/zoom window whose center is random but stays inside the image.
    const double z = options.minZoom + (options.maxZoom - options.minZoom) * a[Zoom];
    const double s = 1 / z;
    m = m * Mat3{s, 0, (1 - s) * (2 * a[ZoomCol] - 1), 0, s, (1 - s) * (2 * a[ZoomRow] - 1), 0, 0, 1};
    d.geometric = true;
  }
  if (warps && a[WarpP] < options.pAffine) {
    const double xt = (2 * a[WarpX] - 1) * options.maxWarp;
    const double yt = (2 * a[WarpY] - 1) * options.maxWarp;
    m = warpMatrix(xt, yt) * m;  // the warp acts on the affine's coordinates
    d.geometric = true;
  }
  d.matrix = m;
  if (lights && a[BrightP] < options.pLighting) {
    d.brightness = 0.5 * (1 - maxL) + maxL * a[Bright];
    d.lit = true;
  }
  if (lights && a[ContrastP] < options.pLighting) {
    const double lo = std::log(1 - maxL);
    d.contrast = std::exp(lo - 2 * lo * a[Contrast]);
    d.lit = true;
  }
  return d;
}

double logit(double v) {
  v = std::clamp(v, 1e-7, 1 - 1e-7);
  return std::log(v / (1 - v));
}

}  // namespace

torch::Tensor applyLighting(const torch::Tensor& images, const torch::Tensor& brightness,
                            const torch::Tensor& contrast) {
  if (!images.defined() || images.dim() != 4 || !brightness.defined() || !contrast.defined() ||
      brightness.numel() != images.size(0) || contrast.numel() != images.size(0))
    throw Error("Lighting needs a batch [N, C, H, W] and one brightness and one contrast "
                "factor per image.");
  const auto opts = images.options();
  const auto b = brightness.to(opts).view({-1, 1, 1, 1});
  const auto c = contrast.to(opts).view({-1, 1, 1, 1});
  return torch::sigmoid((clampedLogit(images) + clampedLogit(b)) * c);
}

torch::Tensor augmentBatch(const torch::Tensor& images, const AugmentOptions& options,
                           std::uint64_t seed) {
  if (!options.enabled) return images;
  if (!images.defined() || images.dim() != 4 || !images.is_floating_point())
    throw Error("Batch augmentation needs a floating-point batch of images [N, C, H, W]; "
                "convert the images to float on the 0..1 scale first.");
  checkOptions(options);
  if (!anyPart(options)) return images;

  const std::int64_t n = images.size(0), h = images.size(2), w = images.size(3);
  auto gen = at::detail::createCPUGenerator(seed);
  const auto u = at::rand({n, Draws}, gen, torch::kDouble);
  const auto a = u.accessor<double, 2>();

  std::vector<char> flipH(n, 0), flipV(n, 0), geometric(n, 0), lit(n, 0);
  std::vector<Mat3> mats(n, identity());
  std::vector<double> bright(n, 0.5), contrast(n, 1.0);
  for (std::int64_t i = 0; i < n; ++i) {
    double draws[Draws];
    for (int d = 0; d < Draws; ++d) draws[d] = a[i][d];
    const ImageDraw one = drawFor(options, draws, w, h);
    flipH[i] = one.flipH;
    flipV[i] = one.flipV;
    geometric[i] = one.geometric;
    mats[i] = one.matrix;
    lit[i] = one.lit;
    bright[i] = one.brightness;
    contrast[i] = one.contrast;
  }

  torch::Tensor x = images;
  if (any(flipH)) x = torch::where(perImage(flipH, x), x.flip({3}), x);
  if (any(flipV)) x = torch::where(perImage(flipV, x), x.flip({2}), x);

  if (any(geometric)) {
    // One grid for the images that drew a rotation, zoom or warp; the rest stay untouched.
    std::vector<std::int64_t> picked;
    std::vector<double> flat;
    for (std::int64_t i = 0; i < n; ++i)
      if (geometric[i]) {
        picked.push_back(i);
        flat.insert(flat.end(), mats[i].begin(), mats[i].end());
      }
    const auto m = static_cast<std::int64_t>(picked.size());
    const auto fopts = x.options();
    const auto index = torch::tensor(picked, torch::kLong).to(x.device());
    const auto t = torch::tensor(flat, torch::kDouble).view({m, 3, 3}).to(fopts);
    const auto xs = torch::linspace(-1, 1, w, fopts), ys = torch::linspace(-1, 1, h, fopts);
    const auto yx = torch::meshgrid({ys, xs}, "ij");
    const auto base = torch::stack({yx[1], yx[0], torch::ones_like(yx[0])}, -1).view({h * w, 3});
    const auto coords = torch::matmul(base, t.transpose(1, 2));  // [m, h*w, 3]
    const auto grid = (coords.narrow(2, 0, 2) / coords.narrow(2, 2, 1)).view({m, h, w, 2});
    namespace F = torch::nn::functional;
    const auto sampled = F::grid_sample(
        x.index_select(0, index), grid,
        F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kReflection)
            .align_corners(true));
    x = x.index_copy(0, index, sampled);
  }

  if (any(lit)) {
    const auto b = torch::tensor(bright, torch::kDouble);
    const auto c = torch::tensor(contrast, torch::kDouble);
    x = torch::where(perImage(lit, x), applyLighting(x, b, c), x);
  }
  return x.clamp(0, 1);
}

cv::Mat augmentImage(const cv::Mat& image, const AugmentOptions& options, std::uint64_t seed) {
  if (!options.enabled) return image;
  checkOptions(options);
  if (!anyPart(options)) return image;
  if (image.empty() || image.depth() != CV_8U)
    throw Error("Augmentation needs a decoded 8-bit image.");
  auto gen = at::detail::createCPUGenerator(seed);
  const auto u = at::rand({Draws}, gen, torch::kDouble);
  const double* a = u.data_ptr<double>();
  const int w = image.cols, h = image.rows;
  const ImageDraw d = drawFor(options, a, w, h);
  cv::Mat x = image;
  if (d.flipH || d.flipV) {
    cv::Mat out;
    cv::flip(x, out, d.flipH && d.flipV ? -1 : d.flipH ? 1 : 0);
    x = out;
  }
  if (d.geometric) {
    // The normalised homography in pixel units (align_corners: -1 and 1 are the edge pixels'
    // centres); BORDER_REFLECT_101 is grid_sample's reflection padding for those coordinates.
    const double ax = std::max(w - 1, 1) / 2.0, ay = std::max(h - 1, 1) / 2.0;
    const Mat3 toNorm{1 / ax, 0, -1, 0, 1 / ay, -1, 0, 0, 1};
    const Mat3 toPixel{ax, 0, ax, 0, ay, ay, 0, 0, 1};
    const Mat3 p = toPixel * d.matrix * toNorm;
    cv::Mat m(3, 3, CV_64F);
    for (int i = 0; i < 9; ++i) m.at<double>(i / 3, i % 3) = p[i];
    cv::Mat out;
    cv::warpPerspective(x, out, m, x.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                        cv::BORDER_REFLECT_101);
    x = out;
  }
  if (d.lit) {
    // fastai's lighting is a function of the pixel value alone: one 256-entry table.
    cv::Mat table(1, 256, CV_8U);
    const double shift = logit(d.brightness);
    for (int v = 0; v < 256; ++v) {
      const double y = 1 / (1 + std::exp(-(logit(v / 255.0) + shift) * d.contrast));
      table.at<std::uint8_t>(v) = cv::saturate_cast<std::uint8_t>(std::lround(y * 255));
    }
    cv::Mat out;
    cv::LUT(x, table, out);
    x = out;
  }
  return x;
}

}  // namespace lb
