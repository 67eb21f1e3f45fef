#pragma once
// FNV-1a, 64 bits: a checksum of bytes that finds a damaged file (its weights), not an attacker.
// Feed pieces in turn by passing the previous result as `hash`.
#include <cstddef>
#include <cstdint>

namespace lb {

inline constexpr std::uint64_t kFnvOffset = 14695981039346656037ULL;

inline std::uint64_t fnv1a(const void* data, std::size_t size, std::uint64_t hash = kFnvOffset) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) hash = (hash ^ p[i]) * 1099511628211ULL;
  return hash;
}

}  // namespace lb
