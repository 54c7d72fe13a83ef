#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/time.hpp>
#include <velocity/providers/lock.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace velocity::providers {

namespace {

std::string read_holder(int fd) {
  std::string text(512, '\0');
  const ssize_t got = ::pread(fd, text.data(), text.size(), 0);
  text.resize(got > 0 ? static_cast<size_t>(got) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) {
    text.pop_back();
  }
  return text.empty() ? "another velocity process" : text;
}

} // namespace

IntegrationLock::IntegrationLock(const std::filesystem::path& path, const std::string& what,
                                 LockWait wait) {
  fs::create_private_directories(path.parent_path());
  m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (m_fd < 0) {
    throw StateError(
      fmt::format("cannot open the lock file {}: {}", path.string(), std::strerror(errno)));
  }
  if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      const int error = errno;
      ::close(m_fd);
      throw StateError(fmt::format("cannot lock {}: {}", path.string(), std::strerror(error)));
    }
    if (wait == LockWait::no) {
      const std::string holder = read_holder(m_fd);
      ::close(m_fd);
      m_fd = -1;
      throw IntegrationLocked(fmt::format("{} is being collected already: {}", what, holder),
                              "wait for it to finish, or pass --wait to queue behind it");
    }
    while (::flock(m_fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        const int error = errno;
        ::close(m_fd);
        throw StateError(fmt::format("cannot lock {}: {}", path.string(), std::strerror(error)));
      }
    }
  }
  const std::string holder = fmt::format("pid {} (user {}) since {}\n", ::getpid(),
                                         env::user_name(), time::to_iso8601(time::now()));
  if (::ftruncate(m_fd, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(m_fd, holder.data(), holder.size(), 0);
  }
}

IntegrationLock::~IntegrationLock() {
  if (m_fd >= 0) {
    [[maybe_unused]] const int truncated = ::ftruncate(m_fd, 0);
    ::flock(m_fd, LOCK_UN);
    ::close(m_fd);
  }
}

} // namespace velocity::providers
