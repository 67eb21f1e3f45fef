#include "engine/data/validation_samples.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/data/data_block.h"
#include "engine/data/fashion_mnist.h"
#include "engine/data/file_check.h"
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

// The label(s) of item `i` as words: class names "; "-joined, or the value.
std::string labelOf(const DataBlockSpec& spec, const DataItems& items, std::size_t i) {
  std::string label;
  if (spec.target == TargetKind::Regression)
    return i < items.values.size() ? std::to_string(items.values[i]) : "";
  if (i < items.labels.size())
    for (int l : items.labels[i])
      label += (label.empty() ? std::string() : std::string("; ")) + items.vocab.at(std::size_t(l));
  return label;
}

// Item `i` of `items` decoded as the user knows it. Throws lb::Error when its file cannot be read.
ValidationSample sampleOf(const DataBlockSpec& spec, const DataItems& items, std::size_t i) {
  cv::Mat image = readImage(items.files[i], cv::IMREAD_COLOR);
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
  s.label = labelOf(spec, items, i);
  s.name = items.names[i];
  s.file = items.files[i];
  return s;
}

// One Fashion-MNIST validation row as pixels with its class name.
ValidationSample rowOf(const FashionMnist& data, std::size_t i) {
  const auto images = data.valid.images;
  ValidationSample s;
  s.image.width = int(images.size(3));
  s.image.height = int(images.size(2));
  const auto item = images[std::int64_t(i)][0].contiguous();
  const auto* p = item.data_ptr<std::uint8_t>();
  s.image.pixels.assign(p, p + item.numel());
  s.label = data.classes.at(std::size_t(data.valid.labels[std::int64_t(i)].item<std::int64_t>()));
  s.name = "item " + std::to_string(i + 1);
  return s;
}

}  // namespace

std::vector<ValidationSample> validationSamples(const DataBlockSpec& spec,
                                                const std::filesystem::path& baseDir, int count) {
  std::vector<ValidationSample> out;
  if (spec.source == SourceKind::FashionMnist) {
    const FashionMnist data = loadFashionMnistSource(spec, baseDir);
    for (std::size_t i : spread(std::size_t(data.valid.size()), count))
      out.push_back(rowOf(data, i));
    return out;
  }
  const DataItems items = collectItems(spec, baseDir);
  for (std::size_t k : spread(items.valid.size(), count)) {
    try {
      out.push_back(sampleOf(spec, items, std::size_t(items.valid[k])));
    } catch (const Error&) {
      // unreadable files are not offered as samples
    }
  }
  return out;
}

std::vector<ValidationSample> validationItemsAt(const DataBlockSpec& spec,
                                                const std::filesystem::path& baseDir,
                                                const std::vector<long>& positions,
                                                long loaderItems) {
  std::vector<ValidationSample> out;
  const auto past = [](long position, std::size_t size) {
    return Error("The validation set has " + std::to_string(size) + " images: there is no image " +
                 std::to_string(position + 1) + " in it now.");
  };
  if (spec.source == SourceKind::FashionMnist) {
    const FashionMnist data = loadFashionMnistSource(spec, baseDir);
    const auto size = std::size_t(data.valid.size());
    for (long p : positions) {
      if (p < 0 || std::size_t(p) >= size) throw past(p, size);
      out.push_back(rowOf(data, std::size_t(p)));
    }
    return out;
  }
  DataItems items = collectItems(spec, baseDir);
  // Training left the unreadable files out of the split: leave them out here too, so the
  // positions mean the same items.
  if (long(items.valid.size()) != loaderItems)
    leaveOut(spec, items, checkImageFiles(items, 2).unreadable);
  for (long p : positions) {
    if (p < 0 || std::size_t(p) >= items.valid.size()) throw past(p, items.valid.size());
    out.push_back(sampleOf(spec, items, std::size_t(items.valid[std::size_t(p)])));
  }
  return out;
}

std::string knownLabel(const DataBlockSpec& spec, const std::filesystem::path& baseDir,
                       const std::filesystem::path& file) {
  if (spec.source == SourceKind::FashionMnist) return "";  // its items are not files
  try {
    const DataItems items = collectItems(spec, baseDir);
    std::error_code ec;
    for (std::size_t i = 0; i < items.files.size(); ++i)
      if (std::filesystem::equivalent(items.files[i], file, ec)) return labelOf(spec, items, i);
  } catch (const std::exception&) {
    // a data block that does not load knows no labels
  }
  return "";
}

}  // namespace lb
