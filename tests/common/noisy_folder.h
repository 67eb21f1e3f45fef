#pragma once
// A folder of real Fashion-MNIST images (image_folder.h) with a known share of its training
// labels flipped: each flipped file moved into another class's folder, as a careless labeller
// would have put it. For the tests of the suspects and of cleaning.
#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "common/image_folder.h"

namespace lb::test {

struct NoisyFolder {
  std::vector<WrittenImage> images;         // as written, files relative to the folder
  std::map<std::string, std::string> flipped;  // item name (after the move) -> its true class
};

// `train` and `valid` images as writeImageFolder writes them; then round(fraction * train)
// training images, picked with `seed`, moved to a class folder picked at random among the others.
inline NoisyFolder writeNoisyFolder(const std::filesystem::path& dir, int train, int valid,
                                    double fraction, unsigned seed = 3) {
  NoisyFolder out;
  out.images = writeImageFolder(dir, train, valid);
  std::vector<std::size_t> trainItems;
  for (std::size_t i = 0; i < out.images.size(); ++i)
    if (!out.images[i].valid) trainItems.push_back(i);
  std::mt19937 rng(seed);
  std::shuffle(trainItems.begin(), trainItems.end(), rng);
  const auto flips = std::size_t(fraction * double(train) + 0.5);
  for (std::size_t k = 0; k < flips && k < trainItems.size(); ++k) {
    WrittenImage& image = out.images[trainItems[k]];
    int wrong = int(rng() % 9);
    std::string label;
    for (int c = 0; c < 10; ++c)
      if (safeClassName(c) != image.label && wrong-- == 0) label = safeClassName(c);
    const std::filesystem::path from(image.file);
    const std::string moved = "train/" + label + "/" + from.filename().string();
    std::filesystem::create_directories(dir / "train" / label);
    std::filesystem::rename(dir / from, dir / moved);
    out.flipped[moved] = image.label;
    image.file = moved;
    image.label = label;
  }
  return out;
}

}  // namespace lb::test
