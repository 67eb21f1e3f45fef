#pragma once
// A folder of real Fashion-MNIST images in two aspect ratios, for the tests of grouping by
// aspect ratio: stretched to 2:1 (56x28) or 1:2 (28x56). `byClass`: the classes whose names sort
// before "P" (Ankle_boot, Bag, Coat, Dress) wide, the others tall, so a batch's labels say which
// shape its images have; else every other image wide, whatever its class (as in photos).
#include "common/image_folder.h"

namespace lb::test {

inline bool isWideClass(const std::string& name) { return name < "P"; }
inline bool isWide(const WrittenImage& w, std::size_t index, bool byClass) {
  return byClass ? isWideClass(w.label) : index % 2 == 0;
}

// writeImageFolder's train/ and valid/ layout; returns what it wrote.
inline std::vector<WrittenImage> writeTwoAspects(const std::filesystem::path& dir, int train,
                                                 int valid, bool byClass) {
  const auto written = writeImageFolder(dir, train, valid, ".png");
  for (std::size_t i = 0; i < written.size(); ++i) {
    const WrittenImage& w = written[i];
    cv::Mat image = cv::imread((dir / w.file).string(), cv::IMREAD_GRAYSCALE);
    cv::resize(image, image, isWide(w, i, byClass) ? cv::Size(56, 28) : cv::Size(28, 56));
    cv::imwrite((dir / w.file).string(), image);
  }
  return written;
}

}  // namespace lb::test
