#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace velocity::fs {

// Who may read a file velocity writes.
enum class Mode { private_file, public_file };

// Writes a file atomically: the content goes to a temporary file beside `path`, which replaces
// `path` only on commit(). Destroyed without commit(), the temporary file is removed and `path`
// is untouched. A temporary file left by a killed process (`path`.tmp.*, no longer locked by its
// writer) is removed when the next AtomicFile for `path` is made.
// Errors name `path`: a missing directory is a UsageError (2), no permission a PermissionError
// (4), a full disk a StateError (3) that says nothing was changed.
class AtomicFile {
public:
  AtomicFile(std::filesystem::path path, Mode mode);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view data);
  // Flushes, syncs and renames over the target. Throws velocity::Error on failure.
  void commit();
  // The temporary file, for a writer that opens it by name (SQLite); commit() still syncs and
  // renames it.
  const std::filesystem::path& temporary_path() const noexcept { return m_tmp_path; }

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

// A private scratch file with no name: created beside `for_file` and unlinked at once, so none
// of it outlives the process, even when the process is killed. Written in sequence, read back
// at any offset. Errors name `for_file`, the file the scratch space is for, as AtomicFile's do.
class TempFile {
public:
  explicit TempFile(const std::filesystem::path& for_file);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  void write(std::string_view data);
  // Up to `capacity` bytes from `offset` into `buffer`; 0 at the end.
  size_t read_at(int64_t offset, char* buffer, size_t capacity) const;
  int64_t size() const noexcept { return m_size; }
  // A path this process can open the file by while this object lives (/proc/self/fd/N).
  std::filesystem::path path() const;

private:
  std::filesystem::path m_for_file;
  int m_fd = -1;
  int64_t m_size = 0;
};

// Writes `data` to `path` atomically (see AtomicFile).
void write_file_atomic(const std::filesystem::path& path, std::string_view data, Mode mode);

// What read_file accepts besides a regular file: a pipe or FIFO (`--answers <(cmd)`, /dev/stdin)
// makes sense for a file read once from start to end, never for a key.
enum class Source { regular_file, file_or_pipe };

// Reads a whole file of at most `max_bytes`. Errors name the file: UsageError when it does not
// exist, is larger than `max_bytes` or is a directory, device, socket or (for
// Source::regular_file) a pipe; PermissionError when it may not be read; StateError when reading
// fails. Never blocks on a FIFO nobody writes to when only regular files are accepted.
std::string read_file(const std::filesystem::path& path, size_t max_bytes,
                      Source source = Source::regular_file);

// Why reading `path` failed with `error` (an errno value), thrown as the error a user can act
// on: UsageError when it does not exist (2), PermissionError when it may not be read (4),
// StateError otherwise.
[[noreturn]] void throw_read_error(const std::filesystem::path& path, int error);

// Checks that `path` is a regular file this process may read, for readers that open it
// themselves (streamed, or through a C library). Throws as throw_read_error does, and
// UsageError for a directory, device, socket or pipe.
void require_readable_file(const std::filesystem::path& path);

// The regular files directly in `dir`, sorted by name. UsageError when `dir` does not exist or
// is not a directory, PermissionError when it may not be read.
std::vector<std::filesystem::path> regular_files_in(const std::filesystem::path& dir);

// "16 MiB": a size limit in words, for messages and help.
std::string size_in_words(size_t bytes);

// Creates `dir` and its missing parents with mode 0700. Throws StateError naming the directory.
void create_private_directories(const std::filesystem::path& dir);

// The permission bits of `path` (e.g. 0600).
unsigned permissions_of(const std::filesystem::path& path);

} // namespace velocity::fs
