#pragma once
// lb::Error carries one sentence a user can act on ("The folder /x has no images: ...").
// Everything the engine throws for bad input is an lb::Error; anything else is a bug.
#include <stdexcept>
#include <string>

namespace lb {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& sentence);
};

}  // namespace lb
