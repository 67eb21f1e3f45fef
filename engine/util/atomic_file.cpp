#include "engine/util/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "engine/util/error.h"

namespace lb {

namespace fs = std::filesystem;

namespace {

// The reason a write failed, in words a user acts on.
std::string reason(int error) {
  if (error == ENOSPC || error == EDQUOT) return "the disk is full";
  if (error == EACCES || error == EPERM || error == EROFS) return "the folder is not writable";
  return std::strerror(error);
}

// Writes all of `bytes` to `fd` and flushes them to the disk; returns 0 or the errno.
int writeAll(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : ENOSPC;
    done += std::size_t(n);
  }
  return ::fsync(fd) == 0 ? 0 : errno;
}

// The rename itself reaches the disk only when the folder is flushed too.
void syncFolder(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

constexpr const char* kTempSuffix = ".part";

// Makes `previous` the file `target` is now. A hard link (made under a temporary name, then
// renamed) keeps `target` in place meanwhile, so a reader never finds it missing; where the file
// system has no hard links, `target` is renamed, and a kill before the new file's rename leaves
// only `previous`, which its readers fall back to.
void keepAsPrevious(const fs::path& target, const fs::path& temp, const fs::path& previous) {
  fs::path link = temp;
  link.replace_extension(".previous" + std::string(kTempSuffix));  // still TARGET.<pid>.*.part
  if (::link(target.c_str(), link.c_str()) == 0) {
    ::rename(link.c_str(), previous.c_str());
    // A rename between two links of one file (another writer just kept the same `previous`)
    // does nothing, so the link may still be there.
    ::unlink(link.c_str());
    return;
  }
  ::rename(target.c_str(), previous.c_str());
}

}  // namespace

void writeFileAtomically(const fs::path& target, const std::string& bytes, const std::string& what,
                         const fs::path& previous) {
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string failed = "Cannot write the " + what + " to " + target.string() + ": ";
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(failed + "the folder " + dir.string() + " does not exist.");
  static std::atomic<unsigned> counter{0};
  fs::path temp = target;
  temp += "." + std::to_string(::getpid()) + "." + std::to_string(counter++) + kTempSuffix;
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(failed + reason(errno) + " (" + dir.string() + ").");
  int error = writeAll(fd, bytes);
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && !previous.empty() && fs::exists(target, ec))
    keepAsPrevious(target, temp, previous);
  if (error == 0 && ::rename(temp.c_str(), target.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    throw Error(failed + reason(error) + " (" + dir.string() + ").");
  }
  syncFolder(dir);
}

void removeStaleTemporaries(const fs::path& target) {
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string prefix = target.filename().string() + ".";
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() + std::strlen(kTempSuffix) || name.rfind(prefix, 0) != 0 ||
        !name.ends_with(kTempSuffix))
      continue;
    // TARGET.<pid>.<n>.part: the writer's pid comes first.
    const std::string rest = name.substr(prefix.size());
    const long pid = std::strtol(rest.c_str(), nullptr, 10);
    const bool alive = pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM);
    std::error_code ignored;
    if (!alive) fs::remove(it->path(), ignored);
  }
}

}  // namespace lb
