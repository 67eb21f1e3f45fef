#include "engine/util/process_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "engine/util/error.h"

namespace lb {

namespace fs = std::filesystem;

namespace {

std::string holderOf(int fd) {
  char text[512] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  std::string holder(text, n > 0 ? std::size_t(n) : 0);
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
  return holder.empty() ? "another process" : holder;
}

std::string describeThisProcess() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &local);
  return "process " + std::to_string(::getpid()) + " on " + host + " since " + when + "\n";
}

}  // namespace

ProcessLock::ProcessLock(fs::path file, const std::string& busy) : m_file(std::move(file)) {
  const std::string cannot = "Cannot lock " + m_file.string() + ": ";
  const auto fail = [&](int error) {
    return Error(cannot + (error == EACCES || error == EROFS || error == EPERM
                               ? "the folder " + m_file.parent_path().string() + " is not writable."
                           : error == ENOSPC ? std::string("the disk is full.")
                                             : std::string(std::strerror(error)) + "."));
  };
  std::error_code ec;
  if (m_file.has_parent_path() && !fs::create_directories(m_file.parent_path(), ec) && ec)
    throw fail(ec.value());
  // A holder removes the file when it lets go; retry when we locked a file that was removed.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(m_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw fail(errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const std::string holder = holderOf(fd);
      ::close(fd);
      throw Error(busy + " (held by " + holder + ").");
    }
    struct stat opened {}, named {};
    if (::fstat(fd, &opened) == 0 && ::stat(m_file.c_str(), &named) == 0 &&
        opened.st_ino == named.st_ino && opened.st_dev == named.st_dev) {
      const std::string me = describeThisProcess();
      if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) != ssize_t(me.size())) {
        const int error = errno;
        ::unlink(m_file.c_str());
        ::close(fd);
        throw fail(error);
      }
      m_fd = fd;
      return;
    }
    ::close(fd);
  }
  throw Error(busy + ".");
}

ProcessLock::~ProcessLock() {
  // Removed while still held, so no one can lock the old file after we let go of it.
  ::unlink(m_file.c_str());
  ::close(m_fd);
}

}  // namespace lb
