#include "engine/util/thousands.h"

namespace lb {

std::string withThousands(long long value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int i = int(digits.size()) - 3; i > 0; i -= 3) digits.insert(std::size_t(i), ",");
  return (value < 0 ? "-" : "") + digits;
}

std::string countOf(long long n, const std::string& singular, const std::string& plural) {
  return withThousands(n) + " " +
         (n == 1 ? singular : plural.empty() ? singular + "s" : plural);
}

}  // namespace lb
