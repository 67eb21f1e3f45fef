#include "engine/data/image_file.h"

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>

#include <array>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <vector>

#include "engine/util/error.h"
#include "engine/util/thousands.h"

namespace lb {

namespace {

using Bytes = std::vector<unsigned char>;

Bytes readBytes(const std::filesystem::path& file, std::size_t most) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) throw Error("missing");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("unreadable (check its permissions)");
  Bytes bytes;
  char buffer[65536];
  while (bytes.size() < most && in.read(buffer, sizeof buffer).gcount() > 0)
    bytes.insert(bytes.end(), buffer, buffer + in.gcount());
  if (in.bad()) throw Error("unreadable from the disk");
  return bytes;
}

std::uint32_t bigEndian(const Bytes& b, std::size_t at, int n) {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | b[at + std::size_t(i)];
  return v;
}

std::uint32_t crc32(const unsigned char* data, std::size_t n) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

bool isPng(const Bytes& b) {
  static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  return b.size() >= 8 && std::equal(signature, signature + 8, b.begin());
}
bool isJpeg(const Bytes& b) { return b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF; }

ImageHeader pngHeader(const Bytes& b) {
  if (b.size() < 26 || bigEndian(b, 12, 4) != 0x49484452u) return {};  // "IHDR"
  static const int channels[7] = {1, 0, 3, 3, 2, 0, 4};  // by colour type
  const int type = b[25];
  return {int(bigEndian(b, 16, 4)), int(bigEndian(b, 20, 4)), type <= 6 ? channels[type] : 0};
}

ImageHeader jpegHeader(const Bytes& b) {
  for (std::size_t at = 2; at + 4 <= b.size();) {
    if (b[at] != 0xFF) return {};
    const int marker = b[at + 1];
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // no length
      at += 2;
      continue;
    }
    const std::size_t length = bigEndian(b, at + 2, 2);
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
                       marker != 0xCC;
    if (frame && at + 10 <= b.size())
      return {int(bigEndian(b, at + 7, 2)), int(bigEndian(b, at + 5, 2)), b[at + 9] >= 3 ? 3 : 1};
    if (marker == 0xDA || marker == 0xD9) return {};
    at += 2 + length;
  }
  return {};
}

ImageHeader headerOf(const Bytes& b) {
  if (isPng(b)) return pngHeader(b);
  if (isJpeg(b)) return jpegHeader(b);
  return {};
}

// The damage the decoders would only report on stderr (libpng, libjpeg) or not at all.
void checkStructure(const Bytes& b) {
  if (b.empty()) throw Error("an empty file");
  if (isPng(b)) {
    // Every chunk whole and its checksum right, up to IEND: a truncated or damaged PNG is caught
    // here instead of as libpng's "Read Error" on stderr.
    for (std::size_t at = 8;;) {
      if (at + 12 > b.size()) throw Error("a truncated PNG (it ends before its last chunk)");
      const std::size_t length = bigEndian(b, at, 4);
      if (length > b.size() - at - 12) throw Error("a truncated PNG (it ends inside a chunk)");
      if (crc32(&b[at + 4], length + 4) != bigEndian(b, at + 8 + length, 4))
        throw Error("a damaged PNG (a chunk's checksum does not match)");
      if (bigEndian(b, at + 4, 4) == 0x49454E44u) return;  // "IEND"
      at += 12 + length;
    }
  }
  if (isJpeg(b)) {
    // The last scan must end with the end-of-image marker; libjpeg would fill the missing part
    // with grey and only warn.
    std::size_t lastScan = 0, lastEnd = 0;
    for (std::size_t i = 0; i + 1 < b.size(); ++i) {
      if (b[i] != 0xFF) continue;
      if (b[i + 1] == 0xDA) lastScan = i;
      if (b[i + 1] == 0xD9) lastEnd = i;
    }
    if (lastScan == 0 || lastEnd < lastScan) throw Error("a truncated JPEG (it has no end marker)");
  }
}

std::string pixels(long long width, long long height) {
  return withThousands(width) + "x" + withThousands(height) + " pixels, more than the " +
         withThousands(kMaxImagePixels) + " Learnbench reads: make it smaller";
}

}  // namespace

void quietOpenCv() {
  static std::once_flag once;
  std::call_once(once, [] { cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT); });
}

ImageHeader readImageHeader(const std::filesystem::path& file) {
  try {
    return headerOf(readBytes(file, 256 * 1024));
  } catch (const Error&) {
    return {};
  }
}

cv::Mat readImage(const std::filesystem::path& file, int flags) {
  quietOpenCv();
  const Bytes bytes = readBytes(file, std::size_t(-1));
  checkStructure(bytes);
  const ImageHeader header = headerOf(bytes);
  if (header.known() && (long long)header.width * header.height > kMaxImagePixels)
    throw Error(pixels(header.width, header.height));
  cv::Mat image;
  try {
    image = cv::imdecode(bytes, flags);
  } catch (const cv::Exception& e) {
    throw Error("not an image OpenCV can read (" + e.err + ")");
  }
  if (image.empty()) throw Error("not an image OpenCV can read, or corrupt");
  if ((long long)image.cols * image.rows > kMaxImagePixels) throw Error(pixels(image.cols, image.rows));
  return image;
}

}  // namespace lb
