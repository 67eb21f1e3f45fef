#pragma once
// lb::Error carries one sentence a user can act on ("The folder /x has no images: ...").
// Everything the engine throws for bad input is an lb::Error; anything else is a bug.
//
// userMessage() is the one rule for what a user sees when something fails, in the window and on
// the command line alike: an lb::Error is its sentence as it is; anything else is a bug, shown
// as "Something went wrong inside Learnbench: <what>" and logged to stderr once, by userMessage
// itself (prefixed "Learnbench internal error: "), so callers never log it again.
#include <exception>
#include <stdexcept>
#include <string>

namespace lb {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& sentence);
};

// The prefix of every message for an exception that is not an lb::Error.
inline constexpr const char* kInternalErrorPrefix = "Something went wrong inside Learnbench: ";

// The sentence for `e` (see above). Torch's errors keep their message without the backtrace
// (the log keeps it whole). Thread-safe; throws nothing but std::bad_alloc.
std::string userMessage(const std::exception& e);
// The same for whatever a `catch (...)` caught (std::current_exception()): an exception that is
// no std::exception, or a null pointer, reads "... inside Learnbench: unknown exception".
std::string userMessage(const std::exception_ptr& error);

}  // namespace lb
