#pragma once
// Writes a whole file or nothing: the bytes go to TARGET.part, which is then renamed over TARGET,
// so a crash or a full disk never leaves a half-written file and the previous one survives.
// Throws lb::Error with a sentence naming `what` ("plot", "CSV file") and the reason.
#include <filesystem>
#include <string>

namespace lb {

void writeFileAtomically(const std::filesystem::path& target, const std::string& bytes,
                         const std::string& what);

}  // namespace lb
