// libFuzzer target: any bytes as a project file. parseProject must return a Project or throw
// lb::Error (a sentence for the user); anything else (another exception, a crash, a sanitizer
// report) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/project/project.h"
#include "engine/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const lb::Project project = lb::parseProject(text, "fuzz.lbproj");
    // What was read must write back and read again: the window saves what it opened.
    lb::parseProject(lb::projectToJson(project), "fuzz.lbproj");
  } catch (const lb::Error&) {
  }
  return 0;
}
