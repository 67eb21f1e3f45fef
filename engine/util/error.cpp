#include "engine/util/error.h"

namespace lb {

Error::Error(const std::string& sentence) : std::runtime_error(sentence) {}

}  // namespace lb
