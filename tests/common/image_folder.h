#pragma once
// Real Fashion-MNIST images written as image files, for the tests of the data block: the
// folder layouts, CSVs and file names users bring, made from real data.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "common/test_support.h"
#include "engine/data/fashion_mnist.h"

namespace lb::test {

// Fashion-MNIST's class names made safe as folder and file names ("T-shirt/top" -> "T-shirt_top").
inline std::string safeClassName(int label) {
  std::string name = fashionMnistClasses()[label];
  for (char& c : name)
    if (c == '/' || c == ' ') c = '_';
  return name;
}

struct WrittenImage {
  std::string file;  // relative to the folder
  std::string label;
  bool valid = false;
};

// Writes `train` training and `valid` validation images (class-balanced, seeded) as
// DIR/train/<class>/<n><ext> and DIR/valid/<class>/<n><ext>, or, when `flat`, as
// DIR/<class>_<n><ext>. `size` > 28 upscales; `rgb` writes three channels.
inline std::vector<WrittenImage> writeImageFolder(const std::filesystem::path& dir, int train,
                                                  int valid, const std::string& ext = ".png",
                                                  bool flat = false, bool rgb = false,
                                                  int size = 28) {
  const FashionMnist data = loadFashionMnist(fashionMnistDir(), std::max(train, valid * 6), 7);
  std::vector<WrittenImage> written;
  auto write = [&](const LabelledImages& split, int count, bool isValid) {
    for (int i = 0; i < count && i < split.size(); ++i) {
      const int label = int(split.labels[i].item<std::int64_t>());
      auto pixels = split.images[i][0].contiguous();
      cv::Mat image(28, 28, CV_8UC1, pixels.data_ptr());
      cv::Mat out = image.clone();
      if (size != 28) cv::resize(out, out, cv::Size(size, size), 0, 0, cv::INTER_LINEAR);
      if (rgb) cv::cvtColor(out, out, cv::COLOR_GRAY2BGR);
      const std::string name = std::to_string(written.size()) + ext;
      const std::string rel = flat ? safeClassName(label) + "_" + name
                                   : std::string(isValid ? "valid/" : "train/") +
                                         safeClassName(label) + "/" + name;
      std::filesystem::create_directories((dir / rel).parent_path());
      cv::imwrite((dir / rel).string(), out);
      written.push_back({rel, safeClassName(label), isValid});
    }
  };
  write(data.train, train, false);
  write(data.valid, valid, true);
  return written;
}

}  // namespace lb::test
