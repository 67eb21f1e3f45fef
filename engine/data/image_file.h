#pragma once
// Reading one image file, the one way every part of the engine decodes a user's file: the bytes
// are read by us and checked before OpenCV sees them (an empty file, a text file named .png, a
// truncated PNG or JPEG, an image over kMaxImagePixels), then decoded from memory with
// cv::imdecode, so a bad file is an lb::Error whose sentence names it, and libpng's and
// OpenCV's own stderr lines stay quiet for the files these checks catch.
#include <opencv2/core/mat.hpp>

#include <filesystem>
#include <string>

namespace lb {

// Images larger than this are refused, not decoded reduced: a 20000x20000 photo decoded every
// epoch costs hundreds of megabytes and most of the epoch's time, and the user is better served
// by a sentence asking to shrink it than by a silent, slow special case.
inline constexpr long long kMaxImagePixels = 50'000'000;

// What a PNG's or JPEG's header says, without decoding; all 0 for other formats or a header
// that cannot be read. channels: 1 grey, 2 grey + alpha, 3 colour, 4 colour + alpha (a palette
// PNG counts as colour).
struct ImageHeader {
  int width = 0, height = 0, channels = 0;
  bool known() const { return width > 0; }
};
ImageHeader readImageHeader(const std::filesystem::path& file);

// The file decoded with cv::imdecode `flags` (cv::IMREAD_*). Throws lb::Error with the reason
// alone, worded to follow "FILE is" ("missing", "an empty file", "a truncated PNG (...)",
// "20,000x20,000 pixels, more than ...: make it smaller"), so the caller names the file in its
// own sentence. Formats whose header is not read here (BMP, WebP, TIFF) meet the pixel limit
// after decoding.
cv::Mat readImage(const std::filesystem::path& file, int flags);

// Silences OpenCV's own log lines (a decoder's warnings); called by readImage, idempotent.
void quietOpenCv();

}  // namespace lb
