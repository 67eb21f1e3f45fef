#pragma once
// Reads IDX files (the MNIST format), plain or gzip-compressed: a big-endian header giving the
// element type and the dimensions, then the data. Only unsigned bytes (type 0x08) are accepted,
// which is what MNIST and Fashion-MNIST use. Throws lb::Error naming the file and the problem.
#include <cstdint>
#include <filesystem>
#include <vector>

namespace lb {

struct IdxArray {
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> data;  // row-major, product(shape) bytes
};

IdxArray readIdxFile(const std::filesystem::path& file);

}  // namespace lb
