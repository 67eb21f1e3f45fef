#include "engine/data/fashion_mnist.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "engine/data/data_block.h"
#include "engine/data/idx_reader.h"
#include "engine/util/error.h"

namespace lb {
namespace {

LabelledImages readSplit(const std::filesystem::path& dir, const std::string& prefix) {
  IdxArray images = readIdxFile(dir / (prefix + "-images-idx3-ubyte.gz"));
  IdxArray labels = readIdxFile(dir / (prefix + "-labels-idx1-ubyte.gz"));
  if (images.shape.size() != 3 || labels.shape.size() != 1 || images.shape[0] != labels.shape[0])
    throw Error("The Fashion-MNIST files for \"" + prefix + "\" in " + dir.string() +
                " do not match: expected N images of 28x28 and N labels.");
  const auto n = images.shape[0];
  LabelledImages split;
  split.images = torch::from_blob(images.data.data(), {n, 1, images.shape[1], images.shape[2]},
                                  torch::kUInt8)
                     .clone();
  split.labels = torch::from_blob(labels.data.data(), {n}, torch::kUInt8).to(torch::kLong);
  const auto maxLabel = split.labels.max().item<std::int64_t>();
  if (maxLabel >= static_cast<std::int64_t>(fashionMnistClasses().size()))
    throw Error("The labels in " + dir.string() + " go up to " + std::to_string(maxLabel) +
                ", but Fashion-MNIST has 10 classes.");
  return split;
}

}  // namespace

const std::vector<std::string>& fashionMnistClasses() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                                 "Coat",        "Sandal",  "Shirt",    "Sneaker",
                                                 "Bag",         "Ankle boot"};
  return names;
}

LabelledImages balancedSubset(const LabelledImages& all, std::int64_t count, int numClasses,
                              std::uint64_t seed) {
  if (count >= all.size()) return all;
  std::vector<std::int64_t> order(static_cast<std::size_t>(all.size()));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);

  // Deal the shuffled items into per-class queues, then take round-robin so classes stay equal.
  std::vector<std::vector<std::int64_t>> byClass(static_cast<std::size_t>(numClasses));
  const auto* labels = all.labels.data_ptr<std::int64_t>();
  for (auto i : order) byClass[static_cast<std::size_t>(labels[i])].push_back(i);
  std::vector<std::int64_t> kept;
  for (std::size_t round = 0; static_cast<std::int64_t>(kept.size()) < count; ++round)
    for (auto& items : byClass)
      if (round < items.size() && static_cast<std::int64_t>(kept.size()) < count)
        kept.push_back(items[round]);
  std::sort(kept.begin(), kept.end());

  auto index = torch::tensor(kept, torch::kLong);
  return {all.images.index_select(0, index), all.labels.index_select(0, index)};
}

FashionMnist loadFashionMnist(const std::filesystem::path& dir, int limit, std::uint64_t seed) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw Error("The Fashion-MNIST folder " + dir.string() +
                " does not exist: install the Debian package dataset-fashion-mnist, or set "
                "data.path in the project to the folder holding the IDX files.");
  if (limit < 0) throw Error("The data limit must be 0 (all items) or a positive count.");
  FashionMnist data;
  data.classes = fashionMnistClasses();
  data.train = readSplit(dir, "train");
  data.valid = readSplit(dir, "t10k");
  if (limit > 0) {
    const int numClasses = static_cast<int>(data.classes.size());
    const std::int64_t validCount = std::max<std::int64_t>(numClasses, limit / 6);
    data.train = balancedSubset(data.train, limit, numClasses, seed);
    data.valid = balancedSubset(data.valid, validCount, numClasses, seed + 1);
  }
  return data;
}

FashionMnist loadFashionMnistSource(const DataBlockSpec& spec, const std::filesystem::path& baseDir) {
  try {
    return loadFashionMnist(resolvePath(spec.path, baseDir), spec.limit, spec.split.seed);
  } catch (const DataBlockError&) {
    throw;
  } catch (const Error& e) {
    throw DataBlockError(DataStep::Source, e.what());
  }
}

}  // namespace lb
