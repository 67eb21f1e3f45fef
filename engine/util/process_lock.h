#pragma once
// ProcessLock: one process at a time holds a lock file (a project's training). The file holds
// the holder's pid, host and start time, so a second process can say who holds it. The kernel's
// lock on the open file (flock) is what counts: a holder that was killed holds nothing, and its
// stale file is taken over. Released (and the file removed) by the destructor.
#include <filesystem>
#include <string>

namespace lb {

class ProcessLock {
 public:
  // Takes the lock at `file` (its folder is created). Throws lb::Error with `busy` followed by
  // " (held by process PID on HOST since TIME)." when another process holds it, or with a
  // sentence naming the folder when the file cannot be made (a read-only folder).
  ProcessLock(std::filesystem::path file, const std::string& busy);
  ~ProcessLock();
  ProcessLock(const ProcessLock&) = delete;
  ProcessLock& operator=(const ProcessLock&) = delete;

 private:
  std::filesystem::path m_file;
  int m_fd = -1;
};

}  // namespace lb
