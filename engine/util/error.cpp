#include "engine/util/error.h"

#include <c10/util/Exception.h>

#include <iostream>

namespace lb {

Error::Error(const std::string& sentence) : std::runtime_error(sentence) {}

namespace {
// One write of the whole entry, so entries from two threads do not interleave mid-line.
std::string internal(const std::string& shown, const std::string& logged) {
  std::cerr << ("Learnbench internal error: " + logged + "\n") << std::flush;
  return kInternalErrorPrefix + shown;
}
}  // namespace

std::string userMessage(const std::exception& e) {
  if (const auto* error = dynamic_cast<const Error*>(&e)) return error->what();
  // Torch's what() ends in a backtrace of C++ frames: the user gets the message, the log all.
  if (const auto* torch = dynamic_cast<const c10::Error*>(&e))
    return internal(torch->what_without_backtrace(), torch->what());
  return internal(e.what(), e.what());
}

std::string userMessage(const std::exception_ptr& error) {
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      return userMessage(e);
    } catch (...) {
    }
  }
  return internal("unknown exception", "unknown exception (not a std::exception)");
}

}  // namespace lb
