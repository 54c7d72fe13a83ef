#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace velocity::fs {

// Who may read a file velocity writes.
enum class Mode { private_file, public_file };

// Writes a file atomically: the content goes to a temporary file beside `path`, which replaces
// `path` only on commit(). Destroyed without commit(), the temporary file is removed and `path`
// is untouched.
class AtomicFile {
public:
  AtomicFile(std::filesystem::path path, Mode mode);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view data);
  // Flushes, syncs and renames over the target. Throws velocity::Error on failure.
  void commit();

private:
  std::filesystem::path m_path;
  std::filesystem::path m_tmp_path;
  int m_fd = -1;
};

// An exclusive flock(2) on `path` (created mode 0600 when missing), held until destroyed; waits
// while another process holds it. The kernel releases it when the holder dies, so a crash never
// leaves a stale lock. Lock a file beside the one that is replaced atomically, not that file:
// a rename gives it a new inode.
class FileLock {
public:
  explicit FileLock(const std::filesystem::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

private:
  int m_fd = -1;
};

// Writes `data` to `path` atomically (see AtomicFile).
void write_file_atomic(const std::filesystem::path& path, std::string_view data, Mode mode);

// Reads a whole file. Throws StateError naming the file when it cannot be read.
std::string read_file(const std::filesystem::path& path);

// Creates `dir` and its missing parents with mode 0700. Throws StateError naming the directory.
void create_private_directories(const std::filesystem::path& dir);

// The permission bits of `path` (e.g. 0600).
unsigned permissions_of(const std::filesystem::path& path);

} // namespace velocity::fs
