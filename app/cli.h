#pragma once
// learnbench-cli: the engine without a window. runCli parses the arguments, runs one command,
// prints its results to `out` and any problem as one sentence to `err`, and returns the exit
// status (0 success, 1 the command failed, 2 the command line was wrong).
#include <atomic>
#include <iosfwd>
#include <string>
#include <vector>

namespace lb {

int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
           const std::atomic<bool>* stopRequested = nullptr);

}  // namespace lb
