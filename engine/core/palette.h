#pragma once
// The colours every plot draws with, as plain 0xRRGGBB values (no OpenCV, no Qt): the Okabe-Ito
// hues, safe for colour-blind readers, with the same roles everywhere (blue: the curve, the
// validation set, the actual class; vermillion: warnings, wrong predictions), and the inks of
// the PNG plots the engine writes. Each drawing library converts them its own way (a cv::Scalar
// is BGR; QColor(QRgb) takes the value as it is).
#include <cstdint>

namespace lb::palette {

// Okabe-Ito.
inline constexpr std::uint32_t kOrange = 0xE69F00;
inline constexpr std::uint32_t kSkyBlue = 0x56B4E9;
inline constexpr std::uint32_t kBluishGreen = 0x009E73;
inline constexpr std::uint32_t kYellow = 0xF0E442;
inline constexpr std::uint32_t kBlue = 0x0072B2;
inline constexpr std::uint32_t kVermillion = 0xD55E00;
inline constexpr std::uint32_t kReddishPurple = 0xCC79A7;

// The inks of the PNG plots: a pale background, near-black text and lines, a muted grey for
// secondary text, and white.
inline constexpr std::uint32_t kBackground = 0xFAFAFA;
inline constexpr std::uint32_t kInk = 0x222222;
inline constexpr std::uint32_t kMuted = 0x555555;
inline constexpr std::uint32_t kWhite = 0xFFFFFF;

}  // namespace lb::palette
