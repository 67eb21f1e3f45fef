#pragma once
// Writes a whole file or nothing: the bytes go to a temporary file of this process's own
// (TARGET.<pid>.<n>.part, so two writers never share one), are flushed to the disk (fsync), and
// the temporary is then renamed over TARGET, so a crash, a kill or a full disk never leaves a
// half-written file and the previous one survives. On failure the temporary is removed. With
// `previous`, the file TARGET was is kept there once the new bytes are on the disk (a hard link,
// so TARGET itself is never missing for a reader; renamed where the file system has none).
// Throws lb::Error with a sentence naming `what` ("plot", "CSV file") and the reason (a full
// disk is said as such).
#include <filesystem>
#include <string>

namespace lb {

void writeFileAtomically(const std::filesystem::path& target, const std::string& bytes,
                         const std::string& what, const std::filesystem::path& previous = {});

// Removes the temporaries writeFileAtomically left beside `target` when a process writing it was
// killed (those whose process no longer runs on this machine). Never throws.
void removeStaleTemporaries(const std::filesystem::path& target);

}  // namespace lb
