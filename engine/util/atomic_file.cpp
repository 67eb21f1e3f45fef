#include "engine/util/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "engine/util/error.h"

namespace lb {

namespace fs = std::filesystem;

void writeFileAtomically(const fs::path& target, const std::string& bytes, const std::string& what) {
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error("Cannot write the " + what + " to " + target.string() + ": the folder " +
                dir.string() + " does not exist.");
  fs::path temp = target;
  temp += ".part";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out)
      throw Error("Cannot write the " + what + " to " + target.string() + ": " +
                  std::strerror(errno) + ".");
    out.write(bytes.data(), std::streamsize(bytes.size()));
    out.close();
    if (!out) {
      fs::remove(temp, ec);
      throw Error("Cannot write the " + what + " to " + target.string() +
                  ": the disk may be full.");
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw Error("Cannot write the " + what + " to " + target.string() + ": " + ec.message() + ".");
  }
}

}  // namespace lb
