#include "engine/data/idx_reader.h"

#include <zlib.h>

#include <memory>
#include <numeric>

#include "engine/util/error.h"

namespace lb {
namespace {

// gzread reads plain files transparently, so one path serves both.
struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<std::remove_pointer_t<gzFile>, GzCloser>;

void readExactly(gzFile f, void* out, std::size_t bytes, const std::filesystem::path& file) {
  auto* dst = static_cast<unsigned char*>(out);
  while (bytes > 0) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(bytes, 1u << 30));
    const int got = gzread(f, dst, chunk);
    if (got <= 0)
      throw Error("The file " + file.string() +
                  " ends early or is corrupt: it is not a complete IDX file.");
    dst += got;
    bytes -= static_cast<std::size_t>(got);
  }
}

}  // namespace

IdxArray readIdxFile(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file))
    throw Error("The file " + file.string() + " does not exist.");
  GzFile f(gzopen(file.c_str(), "rb"));
  if (!f) throw Error("The file " + file.string() + " could not be opened for reading.");
  gzbuffer(f.get(), 1 << 20);

  unsigned char magic[4];
  readExactly(f.get(), magic, 4, file);
  if (magic[0] != 0 || magic[1] != 0 || magic[3] < 1 || magic[3] > 4)
    throw Error("The file " + file.string() + " is not an IDX file (bad magic number).");
  if (magic[2] != 0x08)
    throw Error("The file " + file.string() +
                " holds a type other than unsigned bytes, which Learnbench does not read.");

  IdxArray array;
  for (int i = 0; i < magic[3]; ++i) {
    unsigned char be[4];
    readExactly(f.get(), be, 4, file);
    array.shape.push_back((std::int64_t(be[0]) << 24) | (be[1] << 16) | (be[2] << 8) | be[3]);
  }
  const std::int64_t count =
      std::accumulate(array.shape.begin(), array.shape.end(), std::int64_t{1},
                      std::multiplies<>());
  array.data.resize(static_cast<std::size_t>(count));
  readExactly(f.get(), array.data.data(), array.data.size(), file);
  return array;
}

}  // namespace lb
