#include "store/sqlite/owner_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/text.h"

namespace ogpd::store {
namespace {

// "1234 (ogpd-proxy)" from the lock file's text and /proc, or what is known of it.
std::string holder_of(int fd) {
  char text[32] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  std::string pid(text, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) return "another process";
  std::ifstream comm("/proc/" + pid + "/comm");
  std::string name;
  std::getline(comm, name);
  return "process " + pid + (name.empty() ? "" : " (" + printable(name) + ")");
}

}  // namespace

Result<StoreOwner> StoreOwner::acquire(const std::string& store_path) {
  const std::string path = store_path + ".lock";
  if (const auto parent = std::filesystem::path(store_path).parent_path(); !parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);  // as opening the store would; a failure shows below
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::unavailable("cannot open " + printable(path) + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    std::string why = error == EWOULDBLOCK
                          ? "the store " + printable(store_path) + " is in use by " + holder_of(fd) +
                                ": a second proxy on one SQLite store would deliver the same actions twice. "
                                "Stop that one first; to run several proxies, share a PostgreSQL database"
                          : "cannot lock " + printable(path) + ": " + std::strerror(error);
    ::close(fd);
    return Status::unavailable(why);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const std::string why = "cannot write " + printable(path) + ": " + std::strerror(errno);
    ::close(fd);
    return Status::unavailable(why);
  }
  return StoreOwner(fd);
}

StoreOwner::~StoreOwner() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock; the file stays, harmless, for the next owner
}

}  // namespace ogpd::store
