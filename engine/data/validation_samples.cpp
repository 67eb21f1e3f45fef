#include "engine/data/validation_samples.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/data/data_block.h"
#include "engine/data/fashion_mnist.h"
#include "engine/data/image_file.h"
#include "engine/util/error.h"

namespace lb {
namespace {

// `count` indices spread evenly over [0, size).
std::vector<std::size_t> spread(std::size_t size, int count) {
  std::vector<std::size_t> out;
  const std::size_t n = std::min(size, std::size_t(std::max(count, 0)));
  for (std::size_t i = 0; i < n; ++i) out.push_back(i * size / n);
  return out;
}

}  // namespace

std::vector<ValidationSample> validationSamples(const DataBlockSpec& spec,
                                                const std::filesystem::path& baseDir, int count) {
  std::vector<ValidationSample> out;
  if (spec.source == SourceKind::FashionMnist) {
    const FashionMnist data = loadFashionMnistSource(spec, baseDir);
    const auto images = data.valid.images.contiguous();
    for (std::size_t i : spread(std::size_t(data.valid.size()), count)) {
      ValidationSample s;
      s.image.width = int(images.size(3));
      s.image.height = int(images.size(2));
      const auto item = images[std::int64_t(i)][0].contiguous();
      const auto* p = item.data_ptr<std::uint8_t>();
      s.image.pixels.assign(p, p + item.numel());
      s.label =
          data.classes.at(std::size_t(data.valid.labels[std::int64_t(i)].item<std::int64_t>()));
      s.name = "item " + std::to_string(i + 1);
      out.push_back(std::move(s));
    }
    return out;
  }
  const DataItems items = collectItems(spec, baseDir);
  for (std::size_t k : spread(items.valid.size(), count)) {
    const auto i = std::size_t(items.valid[k]);
    cv::Mat image;
    try {
      image = readImage(items.files[i], cv::IMREAD_COLOR);
    } catch (const Error&) {
      continue;  // unreadable files are not offered as samples
    }
    ValidationSample s;
    // Gray stays gray (all three channels equal), colour becomes RGB.
    std::vector<cv::Mat> planes;
    cv::split(image, planes);
    const bool gray = cv::countNonZero(planes[0] != planes[1]) == 0 &&
                      cv::countNonZero(planes[1] != planes[2]) == 0;
    if (gray)
      image = planes[0];
    else
      cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
    if (!image.isContinuous()) image = image.clone();
    s.image.width = image.cols;
    s.image.height = image.rows;
    s.image.channels = gray ? 1 : 3;
    s.image.pixels.assign(image.data, image.data + image.total() * image.elemSize());
    if (spec.target == TargetKind::Regression) {
      s.label = i < items.values.size() ? std::to_string(items.values[i]) : "";
    } else if (i < items.labels.size()) {
      for (int l : items.labels[i])
        s.label +=
            (s.label.empty() ? std::string() : std::string("; ")) + items.vocab.at(std::size_t(l));
    }
    s.name = items.names[i];
    s.file = items.files[i];
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace lb
