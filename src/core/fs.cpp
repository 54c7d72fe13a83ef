#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace velocity::fs {

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

std::string random_suffix() {
  std::random_device rd;
  return fmt::format("{:08x}", rd());
}

} // namespace

AtomicFile::AtomicFile(std::filesystem::path path, Mode mode)
  : m_path(std::move(path)),
    m_tmp_path(m_path.string() + ".tmp." + random_suffix()) {
  const mode_t bits = mode == Mode::private_file ? 0600 : 0644;
  m_fd = ::open(m_tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, bits);
  if (m_fd < 0) {
    throw Error(errno == EACCES ? ExitCode::permission : ExitCode::state,
                fmt::format("cannot write {}: {}", m_path.string(), errno_text()),
                "check that the directory exists and is writable");
  }
}

AtomicFile::~AtomicFile() {
  if (m_fd >= 0) {
    ::close(m_fd);
    ::unlink(m_tmp_path.c_str());
  }
}

void AtomicFile::write(std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(m_fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw StateError(fmt::format("cannot write {}: {}", m_path.string(), errno_text()));
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
}

void AtomicFile::commit() {
  if (::fsync(m_fd) != 0) {
    throw StateError(fmt::format("cannot write {}: {}", m_path.string(), errno_text()));
  }
  ::close(m_fd);
  m_fd = -1;
  if (::rename(m_tmp_path.c_str(), m_path.c_str()) != 0) {
    const std::string reason = errno_text();
    ::unlink(m_tmp_path.c_str());
    throw StateError(fmt::format("cannot replace {}: {}", m_path.string(), reason));
  }
}

FileLock::FileLock(const std::filesystem::path& path) {
  m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (m_fd < 0) {
    throw Error(errno == EACCES ? ExitCode::permission : ExitCode::state,
                fmt::format("cannot open the lock file {}: {}", path.string(), errno_text()),
                "check that its directory exists and is writable by you");
  }
  while (::flock(m_fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      const std::string reason = errno_text();
      ::close(m_fd);
      throw StateError(fmt::format("cannot lock {}: {}", path.string(), reason));
    }
  }
}

FileLock::~FileLock() {
  ::close(m_fd); // releases the lock
}

void write_file_atomic(const std::filesystem::path& path, std::string_view data, Mode mode) {
  AtomicFile file(path, mode);
  file.write(data);
  file.commit();
}

std::string read_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw StateError(fmt::format("cannot read {}: {}", path.string(), errno_text()));
  }
  std::string content;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      const std::string reason = errno_text();
      ::close(fd);
      throw StateError(fmt::format("cannot read {}: {}", path.string(), reason));
    }
    if (n == 0) {
      break;
    }
    content.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

void create_private_directories(const std::filesystem::path& dir) {
  if (dir.empty()) {
    return;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) {
    return;
  }
  create_private_directories(dir.parent_path());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    throw StateError(fmt::format("cannot create directory {}: {}", dir.string(), errno_text()),
                     "check that its parent directory exists and is writable by you");
  }
}

unsigned permissions_of(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw StateError(fmt::format("cannot stat {}: {}", path.string(), errno_text()));
  }
  return st.st_mode & 07777;
}

} // namespace velocity::fs
