// The image transforms on real Fashion-MNIST images: Resize by squish, crop and pad (square and
// rectangular), RandomResizedCrop and its center-crop twin, and fastai's batch augmentation
// (flips, rotation, lighting) with its seeding, shapes, range and errors.
#include <QtTest/QtTest>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <random>
#include <string>

#include "common/test_support.h"
#include "engine/data/batch_transforms.h"
#include "engine/data/fashion_mnist.h"
#include "engine/data/item_transforms.h"
#include "engine/util/error.h"
#include "engine/util/runtime.h"

using namespace lb;

namespace {

// One [1, 28, 28] uint8 image as a CV_8UC1 Mat (a copy).
cv::Mat toMat(const torch::Tensor& image) {
  const auto t = image.contiguous();
  return cv::Mat(int(t.size(1)), int(t.size(2)), CV_8UC1, t.data_ptr<std::uint8_t>()).clone();
}

cv::Mat toRgb(const cv::Mat& gray) {
  cv::Mat rgb;
  cv::cvtColor(gray, rgb, cv::COLOR_GRAY2RGB);
  return rgb;
}

bool same(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

// The lb::Error message of `f`, or an empty string when it throws none.
template <typename F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

bool isSentence(const std::string& s) { return s.size() > 20 && s.back() == '.'; }

// The per-image maximum absolute difference, [N].
torch::Tensor maxDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().flatten(1).amax(1);
}

}  // namespace

class TestTransforms : public QObject {
  Q_OBJECT

  cv::Mat m_gray;   // a Fashion-MNIST image, 28 x 28
  cv::Mat m_gray2;  // another one
  torch::Tensor m_batch;  // float [64, 1, 28, 28] on 0..1

 private Q_SLOTS:
  // The loader's per-image augmentation draws what augmentBatch draws for a one-image batch
  // with the same seed, and samples the same pixels (up to 8-bit rounding and OpenCV's
  // fixed-point interpolation).
  void augmentImageMatchesAugmentBatch() {
    AugmentOptions o;
    o.enabled = true;
    o.pAffine = 1.0;
    o.pLighting = 1.0;
    o.maxRotate = 25;
    o.maxZoom = 1.3;
    o.maxWarp = 0.3;
    for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
      const cv::Mat out = augmentImage(m_gray, o, seed);
      QCOMPARE(out.size(), m_gray.size());
      QCOMPARE(out.type(), m_gray.type());
      QVERIFY(!same(out, m_gray));
      QVERIFY(same(out, augmentImage(m_gray, o, seed)));
      auto one = torch::from_blob(m_gray.data, {1, 1, 28, 28}, torch::kUInt8).to(torch::kFloat).div(255);
      const auto ref = augmentBatch(one, o, seed).mul(255)[0][0];
      auto got = torch::from_blob(out.data, {28, 28}, torch::kUInt8).to(torch::kFloat);
      // Interior pixels (the border is where reflection and rounding differ most).
      const double err = (got - ref).abs().slice(0, 2, 26).slice(1, 2, 26).mean().item<double>();
      QVERIFY2(err < 4.0, qPrintable(QStringLiteral("seed %1: mean difference %2 of 255").arg(seed).arg(err)));
    }
    o.enabled = false;
    QVERIFY(same(augmentImage(m_gray, o, 1), m_gray));
  }

  void initTestCase() {
    useThreads(0);
    const FashionMnist data = loadFashionMnist(test::fashionMnistDir(), 120);
    QVERIFY(data.train.size() >= 64);
    m_gray = toMat(data.train.images[0]);
    m_gray2 = toMat(data.train.images[1]);
    QVERIFY(cv::countNonZero(m_gray) > 100);
    m_batch = data.train.images.narrow(0, 0, 64).to(torch::kFloat) / 255;
  }

  void squishAUniformImageStaysUniform() {
    for (const cv::Mat& img : {cv::Mat(28, 28, CV_8UC1, cv::Scalar(77)),
                               cv::Mat(28, 28, CV_8UC3, cv::Scalar(10, 20, 30))}) {
      for (const cv::Size size : {cv::Size(14, 14), cv::Size(40, 24), cv::Size(50, 60)}) {
        const cv::Mat out =
            resizeImage(img, {size.width, size.height, ResizeMethod::Squish, PadMode::Zeros});
        QCOMPARE(out.size(), size);
        QCOMPARE(out.type(), img.type());
        QCOMPARE(cv::norm(cv::mean(out) - cv::mean(img)), 0.0);
        double lo = 0, hi = 0;
        cv::minMaxLoc(out.reshape(1), &lo, &hi);
        QCOMPARE(hi - lo, double(img.channels() == 1 ? 0 : 20));
      }
    }
  }

  void squishDownscalesADoubledImageBack() {
    for (const cv::Mat& img : {m_gray, toRgb(m_gray)}) {
      cv::Mat doubled;
      cv::resize(img, doubled, cv::Size(56, 56), 0, 0, cv::INTER_NEAREST);
      const cv::Mat out = resizeImage(doubled, {28, 28, ResizeMethod::Squish, PadMode::Zeros});
      QVERIFY(same(out, img));
    }
  }

  void inactiveResizeKeepsTheImage() {
    const cv::Mat out = resizeImage(m_gray, ResizeOptions{});
    QVERIFY(same(out, m_gray));
  }

  void cropKeepsTheCenter() {
    // A 56 x 28 image cropped to 28 x 28 needs no scaling: exactly its middle columns.
    cv::Mat wide;
    cv::hconcat(m_gray, m_gray2, wide);
    const cv::Mat out = resizeImage(wide, {28, 28, ResizeMethod::Crop, PadMode::Zeros});
    QVERIFY(same(out, wide(cv::Rect(14, 0, 28, 28))));
    // And the middle rows for a wide target.
    const cv::Mat strip = resizeImage(m_gray, {28, 14, ResizeMethod::Crop, PadMode::Zeros});
    QVERIFY(same(strip, m_gray(cv::Rect(0, 7, 28, 14))));
    QVERIFY(same(centerCropResize(wide, 28, 28), out));
  }

  void padWithZerosLeavesZeroBorders() {
    const cv::Mat img = m_gray + cv::Scalar(1);  // no zero pixel of its own
    const cv::Mat out = resizeImage(img, {56, 28, ResizeMethod::Pad, PadMode::Zeros});
    QCOMPARE(out.size(), cv::Size(56, 28));
    QVERIFY(same(out(cv::Rect(14, 0, 28, 28)), img));
    QCOMPARE(cv::countNonZero(out(cv::Rect(0, 0, 14, 28))), 0);
    QCOMPARE(cv::countNonZero(out(cv::Rect(42, 0, 14, 28))), 0);
    // A scaled pad: 28 x 28 into 40 x 24 fits as 24 x 24 with 8 columns each side.
    const cv::Mat small = resizeImage(img, {40, 24, ResizeMethod::Pad, PadMode::Zeros});
    QCOMPARE(small.size(), cv::Size(40, 24));
    QCOMPARE(cv::countNonZero(small(cv::Rect(0, 0, 8, 24))), 0);
    QCOMPARE(cv::countNonZero(small(cv::Rect(32, 0, 8, 24))), 0);
    QCOMPARE(cv::countNonZero(small(cv::Rect(8, 0, 24, 24))), 24 * 24);
  }

  void padWithReflectionMirrors() {
    const cv::Mat out = resizeImage(m_gray, {56, 28, ResizeMethod::Pad, PadMode::Reflection});
    QVERIFY(same(out(cv::Rect(14, 0, 28, 28)), m_gray));
    // BORDER_REFLECT_101 mirrors about the edge pixel: column 14 - k shows column k.
    for (int k = 1; k <= 14; ++k) {
      QVERIFY(same(out.col(14 - k), m_gray.col(k)));
      QVERIFY(same(out.col(41 + k), m_gray.col(27 - k)));
    }
  }

  void rectangularSizesForEveryMethod() {
    for (const cv::Mat& img : {m_gray, toRgb(m_gray)})
      for (auto method : {ResizeMethod::Squish, ResizeMethod::Crop, ResizeMethod::Pad})
        for (auto pad : {PadMode::Zeros, PadMode::Reflection})
          for (const cv::Size size : {cv::Size(40, 24), cv::Size(24, 40), cv::Size(13, 57)}) {
            const cv::Mat out = resizeImage(img, {size.width, size.height, method, pad});
            QCOMPARE(out.size(), size);
            QCOMPARE(out.type(), img.type());
            QVERIFY(cv::countNonZero(out.reshape(1)) > 0);
          }
  }

  void randomResizedCropSizeAndSeeding() {
    const RandomResizedCropOptions options{true};
    std::mt19937_64 a(7), b(7);
    const cv::Mat first = randomResizedCrop(m_gray, 20, 16, options, a);
    QCOMPARE(first.size(), cv::Size(20, 16));
    QVERIFY(same(randomResizedCrop(m_gray, 20, 16, options, b), first));
    int differing = 0;
    for (std::uint64_t seed = 8; seed < 13; ++seed) {
      std::mt19937_64 rng(seed);
      differing += !same(randomResizedCrop(m_gray, 20, 16, options, rng), first);
    }
    QCOMPARE(differing, 5);
    const cv::Mat rgb = randomResizedCrop(toRgb(m_gray), 24, 40, options, a);
    QCOMPARE(rgb.size(), cv::Size(24, 40));
    QCOMPARE(rgb.type(), CV_8UC3);
  }

  void randomResizedCropOfTheWholeImage() {
    // Scale 1 and ratio 1 on a square image: the crop is the whole image.
    const RandomResizedCropOptions whole{true, 1.0, 1.0, 1.0};
    std::mt19937_64 rng(3);
    QVERIFY(same(randomResizedCrop(m_gray, 20, 20, whole, rng),
                 resizeImage(m_gray, {20, 20, ResizeMethod::Squish, PadMode::Zeros})));
    // On a 112 x 28 image no square of the full area fits: the fallback is the centered
    // 28 x 28 box.
    cv::Mat wide;
    cv::hconcat(std::vector<cv::Mat>{m_gray, m_gray2, m_gray, m_gray2}, wide);
    QVERIFY(same(randomResizedCrop(wide, 28, 28, whole, rng), wide(cv::Rect(42, 0, 28, 28))));
  }

  void badImagesAndSizesThrow() {
    const cv::Mat empty;
    const RandomResizedCropOptions rrc{true};
    std::mt19937_64 rng(1);
    QVERIFY(isSentence(errorOf([&] { resizeImage(empty, {28, 28}); })));
    QVERIFY(isSentence(errorOf([&] { resizeImage(m_gray, {0, 28}); })));
    QVERIFY(isSentence(errorOf([&] { resizeImage(m_gray, {-4, -4}); })));
    QVERIFY(isSentence(errorOf([&] { centerCropResize(empty, 28, 28); })));
    QVERIFY(isSentence(errorOf([&] { centerCropResize(m_gray, 28, 0); })));
    QVERIFY(isSentence(errorOf([&] { randomResizedCrop(empty, 28, 28, rrc, rng); })));
    QVERIFY(isSentence(errorOf([&] { randomResizedCrop(m_gray, 0, 0, rrc, rng); })));
    QVERIFY(isSentence(
        errorOf([&] { randomResizedCrop(m_gray, 8, 8, {true, 0.0, 0.75, 1.3}, rng); })));
  }

  void disabledAugmentationIsTheIdentity() {
    AugmentOptions off;
    QVERIFY(torch::equal(augmentBatch(m_batch, off, 1), m_batch));
    AugmentOptions nothing{true, false};
    nothing.pAffine = 0;
    nothing.pLighting = 0;
    QVERIFY(torch::equal(augmentBatch(m_batch, nothing, 1), m_batch));
  }

  void flipsGiveTheImageOrItsMirror() {
    AugmentOptions o{true};
    o.maxRotate = 0;
    o.pAffine = 0;
    o.pLighting = 0;
    const auto out = augmentBatch(m_batch, o, 5);
    const auto asIs = maxDiff(out, m_batch), mirrored = maxDiff(out, m_batch.flip({3}));
    int kept = 0, flipped = 0;
    for (std::int64_t i = 0; i < m_batch.size(0); ++i) {
      QVERIFY(asIs[i].item<float>() == 0 || mirrored[i].item<float>() == 0);
      kept += asIs[i].item<float>() == 0;
      flipped += asIs[i].item<float>() != 0;
    }
    QVERIFY(kept > 10);
    QVERIFY(flipped > 10);
    // Vertical flips too: every image is one of its four flips.
    o.flipVertical = true;
    const auto both = augmentBatch(m_batch, o, 6);
    const auto best = torch::stack({maxDiff(both, m_batch), maxDiff(both, m_batch.flip({3})),
                                    maxDiff(both, m_batch.flip({2})),
                                    maxDiff(both, m_batch.flip({2, 3}))}).amin(0);
    QCOMPARE(best.max().item<float>(), 0.0f);
    QVERIFY(maxDiff(both, m_batch.flip({2})).eq(0).sum().item<int>() > 5);
  }

  void identityGeometryKeepsTheImage() {
    // pAffine 1 with a vanishing rotation samples each pixel at its own center.
    AugmentOptions o{true, false};
    o.maxRotate = 1e-9;
    o.maxZoom = 1;
    o.maxWarp = 0;
    o.pAffine = 1;
    o.pLighting = 0;
    QVERIFY(torch::allclose(augmentBatch(m_batch, o, 2), m_batch, 0, 1e-5));
  }

  void smallRotationsStayClose() {
    AugmentOptions o{true, false};
    o.maxRotate = 4;
    o.maxZoom = 1;
    o.maxWarp = 0;
    o.pAffine = 1;
    o.pLighting = 0;
    const auto out = augmentBatch(m_batch, o, 3);
    const auto diff = (out - m_batch).abs().flatten(1).mean(1);
    // Far closer than two different images are, yet not the same.
    const auto between = (m_batch - m_batch.roll(1, 0)).abs().flatten(1).mean(1);
    QVERIFY(diff.min().item<float>() > 0);
    QVERIFY(diff.mean().item<float>() < 0.25f * between.mean().item<float>());
    QVERIFY((diff < between).all().item<bool>());
  }

  void zoomAndWarpChangeButKeepRange() {
    AugmentOptions o{true, false};
    o.maxRotate = 0;
    o.minZoom = 1.2;
    o.maxZoom = 1.5;
    o.maxWarp = 0.3;
    o.pAffine = 1;
    o.pLighting = 0;
    const auto out = augmentBatch(m_batch, o, 4);
    QVERIFY((maxDiff(out, m_batch) > 0.05).all().item<bool>());
    QVERIFY(out.min().item<float>() >= 0 && out.max().item<float>() <= 1);
  }

  void brightnessIsMonotonic() {
    const auto n = m_batch.size(0);
    const auto ones = torch::ones({n});
    double previous = -1;
    for (double b : {0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7}) {
      const auto out = applyLighting(m_batch, torch::full({n}, b), ones);
      const double mean = out.mean().item<double>();
      QVERIFY(mean > previous);
      previous = mean;
      if (b == 0.5) QVERIFY(torch::allclose(out, m_batch, 0, 1e-5));
    }
  }

  void contrastChangesTheSpread() {
    const auto n = m_batch.size(0);
    const auto half = torch::full({n}, 0.5);
    const double before = m_batch.std().item<double>();
    const double low = applyLighting(m_batch, half, torch::full({n}, 0.7)).std().item<double>();
    const double high = applyLighting(m_batch, half, torch::full({n}, 1.4)).std().item<double>();
    QVERIFY(low < before);
    QVERIFY(high > before);
  }

  void lightingThroughAugmentBatch() {
    AugmentOptions o{true, false};
    o.pAffine = 0;
    o.pLighting = 1;
    o.maxLighting = 0.4;
    const auto out = augmentBatch(m_batch, o, 9);
    // Every image changed, the dark background stays dark and the order of pixel values holds.
    QVERIFY((maxDiff(out, m_batch) > 0.01).all().item<bool>());
    const auto ranks = [](const torch::Tensor& t) { return t.flatten(1).argsort(/*dim=*/1, /*descending=*/false); };
    QVERIFY(out.flatten(1).gather(1, ranks(m_batch)).diff(1, 1).ge(0).all().item<bool>());
  }

  void seedsRepeatAndDiffer() {
    const AugmentOptions o{true, true, true};
    const auto a = augmentBatch(m_batch, o, 11);
    QVERIFY(torch::equal(a, augmentBatch(m_batch, o, 11)));
    QVERIFY(!torch::equal(a, augmentBatch(m_batch, o, 12)));
    // The same seed gives the same batch whatever the thread count.
    useThreads(1);
    const auto single = augmentBatch(m_batch, o, 11);
    useThreads(0);
    QVERIFY(torch::equal(a, single));
  }

  void shapesAndRangeArePreserved() {
    const auto rgb = torch::cat({m_batch, m_batch.flip({2}), m_batch.roll(3, 0)}, 1);
    const auto rect = rgb.narrow(3, 2, 24).narrow(2, 0, 20);  // [64, 3, 20, 24]
    AugmentOptions o{true, true, true};
    o.maxWarp = 0.4;
    o.maxLighting = 0.5;
    for (const auto& x : {m_batch, rgb, rect.contiguous(), rect}) {
      const auto out = augmentBatch(x, o, 21);
      QVERIFY(out.sizes() == x.sizes());
      QVERIFY(out.scalar_type() == x.scalar_type());
      QVERIFY(out.min().item<float>() >= 0);
      QVERIFY(out.max().item<float>() <= 1);
      QVERIFY(!torch::equal(out, x));
    }
    QVERIFY(torch::equal(augmentBatch(rect, o, 21), augmentBatch(rect.contiguous(), o, 21)));
    const auto empty = augmentBatch(m_batch.narrow(0, 0, 0), o, 1);
    QCOMPARE(empty.size(0), 0);
  }

  void badBatchesThrow() {
    const AugmentOptions o{true};
    QVERIFY(isSentence(errorOf([&] { augmentBatch(m_batch[0], o, 1); })));
    QVERIFY(isSentence(errorOf([&] { augmentBatch(m_batch.to(torch::kUInt8), o, 1); })));
    QVERIFY(isSentence(errorOf([&] { augmentBatch(torch::Tensor(), o, 1); })));
    AugmentOptions bad = o;
    bad.maxLighting = 1;
    QVERIFY(isSentence(errorOf([&] { augmentBatch(m_batch, bad, 1); })));
    bad = o;
    bad.minZoom = 0;
    QVERIFY(isSentence(errorOf([&] { augmentBatch(m_batch, bad, 1); })));
    bad = o;
    bad.pAffine = 1.5;
    QVERIFY(isSentence(errorOf([&] { augmentBatch(m_batch, bad, 1); })));
    QVERIFY(isSentence(
        errorOf([&] { applyLighting(m_batch, torch::ones({2}), torch::ones({2})); })));
  }
};

QTEST_APPLESS_MAIN(TestTransforms)
#include "tst_transforms.moc"
