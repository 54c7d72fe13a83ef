#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace velocity::fs {

namespace {

std::string errno_text(int error = errno) {
  return std::strerror(error);
}

// Temporary files are `<target>.tmp.<8 hex digits>`, beside their target.
constexpr std::string_view k_tmp_infix = ".tmp.";
constexpr size_t k_tmp_suffix_size = 8;
// A temporary file younger than this may belong to a writer that has created it but not yet
// locked it: left alone.
constexpr auto k_stale_after = std::chrono::seconds(10);

std::string random_suffix() {
  std::random_device rd;
  return fmt::format("{:08x}", rd());
}

std::filesystem::path directory_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

// Why writing `target` failed, in the exit code and words a user can act on.
[[noreturn]] void throw_write_error(const std::filesystem::path& target, int error) {
  const std::string directory = directory_of(target).string();
  switch (error) {
  case EACCES:
  case EPERM:
  case EROFS:
    throw PermissionError(fmt::format("cannot write {}: {}", target.string(), errno_text(error)),
                          fmt::format("check that you may write to {}", directory));
  case ENOENT:
  case ENOTDIR:
    throw UsageError(
      fmt::format("cannot write {}: the directory {} does not exist", target.string(), directory),
      "create the directory first, or choose another path");
  case EISDIR:
    throw UsageError(fmt::format("cannot write {}: it is a directory", target.string()),
                     "give a file name");
  case ENOSPC:
  case EDQUOT:
    throw StateError(fmt::format("no space left on the device of {} ({} is unchanged)",
                                 target.string(), target.filename().string()),
                     "free some space and run the command again");
  default:
    throw StateError(fmt::format("cannot write {}: {}", target.string(), errno_text(error)));
  }
}

// Writes all of `data` to `fd`; errors name `target`, the file being written.
void write_all(int fd, std::string_view data, const std::filesystem::path& target) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_write_error(target, errno);
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
}

bool is_temporary_of(std::string_view name, std::string_view target) {
  if (name.size() != target.size() + k_tmp_infix.size() + k_tmp_suffix_size ||
      name.substr(0, target.size()) != target ||
      name.substr(target.size(), k_tmp_infix.size()) != k_tmp_infix) {
    return false;
  }
  const std::string_view suffix = name.substr(target.size() + k_tmp_infix.size());
  return suffix.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// Removes the temporary files of `target` whose writer is gone: not locked, and old enough that
// no writer can be between creating and locking it.
void remove_stale_temporaries(const std::filesystem::path& target) {
  std::error_code ec;
  const std::string name = target.filename().string();
  const auto now = std::filesystem::file_time_type::clock::now();
  for (const auto& entry : std::filesystem::directory_iterator(directory_of(target), ec)) {
    const std::string candidate = entry.path().filename().string();
    if (!is_temporary_of(candidate, name) || !entry.is_regular_file(ec) ||
        now - entry.last_write_time(ec) < k_stale_after) {
      continue;
    }
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
      continue;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      ::unlink(entry.path().c_str());
    }
    ::close(fd);
  }
}

// Makes a rename in `directory` durable: without it a crash can bring the old file back.
void sync_directory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

class FileDescriptor {
public:
  explicit FileDescriptor(int fd) : m_fd(fd) {}
  ~FileDescriptor() { reset(-1); }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return m_fd; }
  void reset(int fd) {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    m_fd = fd;
  }

private:
  int m_fd;
};

UsageError too_large(const std::filesystem::path& path, size_t max_bytes) {
  return UsageError(fmt::format("{} is larger than velocity reads ({} at most)", path.string(),
                                size_in_words(max_bytes)),
                    "check that this is the file you meant; the README lists the limits");
}

const char* kind_of(mode_t mode) {
  if (S_ISFIFO(mode)) {
    return "a pipe";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  return "a device";
}

// Non-blocking, so that opening a FIFO with no writer cannot hang before it is refused.
int open_nonblocking(const std::filesystem::path& path) {
  return ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
}

// The status of `path`, opened as `fd`, when it is a file `source` accepts; throws otherwise.
struct stat checked_kind(const std::filesystem::path& path, int fd, Source source) {
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    throw_read_error(path, errno);
  }
  if (S_ISDIR(st.st_mode)) {
    throw UsageError(fmt::format("{} is a directory, not a file", path.string()));
  }
  const bool streamed = S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode);
  if (!S_ISREG(st.st_mode) && !(streamed && source == Source::file_or_pipe)) {
    throw UsageError(
      fmt::format("{} is not a regular file but {}", path.string(), kind_of(st.st_mode)),
      "give the path of a regular file");
  }
  return st;
}

} // namespace

void throw_read_error(const std::filesystem::path& path, int error) {
  switch (error) {
  case EACCES:
  case EPERM:
    throw PermissionError(fmt::format("cannot read {}: {}", path.string(), errno_text(error)),
                          "check the file's permissions");
  case ENOENT:
  case ENOTDIR:
    throw UsageError(fmt::format("{} does not exist", path.string()), "check the path");
  default:
    throw StateError(fmt::format("cannot read {}: {}", path.string(), errno_text(error)));
  }
}

void require_readable_file(const std::filesystem::path& path) {
  const FileDescriptor fd(open_nonblocking(path));
  checked_kind(path, fd.get(), Source::regular_file);
}

std::vector<std::filesystem::path> regular_files_in(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::directory_iterator entries(dir, error);
  if (error == std::errc::not_a_directory) {
    throw UsageError(fmt::format("{} is not a directory", dir.string()));
  }
  if (error) {
    throw_read_error(dir, error.value());
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : entries) {
    if (entry.is_regular_file(error)) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

AtomicFile::AtomicFile(std::filesystem::path path, Mode mode)
  : m_path(std::move(path)),
    m_tmp_path(m_path.string() + std::string(k_tmp_infix) + random_suffix()) {
  remove_stale_temporaries(m_path);
  const mode_t bits = mode == Mode::private_file ? 0600 : 0644;
  m_fd = ::open(m_tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, bits);
  if (m_fd < 0) {
    throw_write_error(m_path, errno);
  }
  // Held until the file is closed: tells remove_stale_temporaries that its writer is alive.
  ::flock(m_fd, LOCK_EX);
}

AtomicFile::~AtomicFile() {
  if (m_fd >= 0) {
    ::unlink(m_tmp_path.c_str());
    ::close(m_fd);
  }
}

void AtomicFile::write(std::string_view data) {
  write_all(m_fd, data, m_path);
}

void AtomicFile::commit() {
  if (::fsync(m_fd) != 0) {
    throw_write_error(m_path, errno);
  }
  if (::rename(m_tmp_path.c_str(), m_path.c_str()) != 0) {
    throw_write_error(m_path, errno);
  }
  ::close(m_fd);
  m_fd = -1;
  sync_directory(directory_of(m_path));
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

TempFile::TempFile(const std::filesystem::path& for_file) : m_for_file(for_file) {
  std::string name = (directory_of(for_file) / ".velocity-scratch.XXXXXX").string();
  m_fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (m_fd < 0) {
    throw_write_error(for_file, errno);
  }
  ::unlink(name.c_str());
}

TempFile::~TempFile() {
  ::close(m_fd);
}

void TempFile::write(std::string_view data) {
  write_all(m_fd, data, m_for_file);
  m_size += std::ssize(data);
}

size_t TempFile::read_at(int64_t offset, char* buffer, size_t capacity) const {
  for (;;) {
    const ssize_t got = ::pread(m_fd, buffer, capacity, offset);
    if (got >= 0) {
      return static_cast<size_t>(got);
    }
    if (errno != EINTR) {
      throw StateError(fmt::format("cannot read back the scratch file of {}: {}",
                                   m_for_file.string(), errno_text()));
    }
  }
}

std::filesystem::path TempFile::path() const {
  return fmt::format("/proc/self/fd/{}", m_fd);
}

void write_file_atomic(const std::filesystem::path& path, std::string_view data, Mode mode) {
  AtomicFile file(path, mode);
  file.write(data);
  file.commit();
}

std::string size_in_words(size_t bytes) {
  constexpr size_t k_kib = 1024;
  for (const auto& [unit, name] : {std::pair{k_kib * k_kib * k_kib, "GiB"},
                                   std::pair{k_kib * k_kib, "MiB"}, std::pair{k_kib, "KiB"}}) {
    if (bytes >= unit && bytes % unit == 0) {
      return fmt::format("{} {}", bytes / unit, name);
    }
  }
  return fmt::format("{} bytes", bytes);
}

std::string read_file(const std::filesystem::path& path, size_t max_bytes, Source source) {
  FileDescriptor fd(open_nonblocking(path));
  const struct stat st = checked_kind(path, fd.get(), source);
  const bool streamed = S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode);
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > max_bytes) {
    throw too_large(path, max_bytes);
  }
  if (S_ISFIFO(st.st_mode)) {
    // A named FIFO's writer may open it later: wait for it as a blocking open would.
    fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      throw_read_error(path, errno);
    }
  } else if (streamed) {
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  }
  std::string content;
  std::array<char, 65536> buffer{};
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw_read_error(path, errno);
    }
    if (n == 0) {
      return content;
    }
    if (content.size() + static_cast<size_t>(n) > max_bytes) {
      throw too_large(path, max_bytes);
    }
    content.append(buffer.data(), static_cast<size_t>(n));
  }
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
    const int error = errno;
    const std::string message =
      fmt::format("cannot create directory {}: {}", dir.string(), errno_text(error));
    const char* help = "check that its parent directory exists and is writable by you";
    if (error == EACCES || error == EPERM || error == EROFS) {
      throw PermissionError(message, help);
    }
    throw StateError(message, help);
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
