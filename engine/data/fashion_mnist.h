#pragma once
// The built-in example: Fashion-MNIST from the Debian package dataset-fashion-mnist (IDX files,
// gzip). The official training set (60,000) is the training split and the official test set
// (10,000) the validation split. A limit keeps a class-balanced subset for quick demos and tests.
#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lb {

struct DataBlockSpec;

struct LabelledImages {
  torch::Tensor images;  // uint8 [N, 1, 28, 28]
  torch::Tensor labels;  // int64 [N], class indices
  std::int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

struct FashionMnist {
  LabelledImages train;
  LabelledImages valid;
  std::vector<std::string> classes;  // the 10 class names, in label order
};

const std::vector<std::string>& fashionMnistClasses();

// Loads both splits from `dir`. limit = 0 keeps everything; otherwise `limit` training items and
// limit / 6 validation items (the official ratio, at least one per class), equally many per
// class, picked at random from `seed`. Throws lb::Error when a file is missing or malformed.
FashionMnist loadFashionMnist(const std::filesystem::path& dir, int limit = 0,
                              std::uint64_t seed = 0);

// `count` items with (as nearly as possible) equally many per class, in a seeded random order of
// the source. Keeps all items when count >= size.
LabelledImages balancedSubset(const LabelledImages& all, std::int64_t count, int numClasses,
                              std::uint64_t seed);

// The example as a data block names it (path relative to `baseDir`, its limit, the split's
// seed); a missing or broken folder is a DataBlockError on the Source step.
FashionMnist loadFashionMnistSource(const DataBlockSpec& spec, const std::filesystem::path& baseDir);

}  // namespace lb
