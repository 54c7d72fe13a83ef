#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// tar.gz reading and writing: the only place in velocity that touches libarchive. Both sides
// stream, so a bundle of any size goes through in a fixed amount of memory.
namespace velocity::report {

// What an archive entry is; everything but `regular` is refused by bundle verification.
enum class EntryType { regular, directory, symlink, hardlink, device, fifo, socket, other };

// "regular file", "directory", "symbolic link", ...
std::string_view to_string(EntryType type) noexcept;

// One entry's header, as the archive states it (the size is a claim until the data is read).
struct ArchiveEntry {
  std::string path;
  EntryType type = EntryType::regular;
  int64_t size = 0;
  std::string link_target; // symbolic and hard links
};

// How a TarGzWriter ends its tar stream.
enum class ArchiveEnd {
  // With the end-of-archive blocks: a whole archive.
  end_of_archive,
  // Without them: the output of another TarGzWriter follows in the same file. A gzip file may be
  // a series of members (RFC 1952), which gzip, tar and libarchive read as one stream, so the
  // two make one archive whose entries can be written in any order of time.
  continued,
};

struct TarGzOptions {
  ArchiveEnd end = ArchiveEnd::end_of_archive;
  // Compress on a thread of its own, overlapping with whatever produces the entries; the sink is
  // then called from that thread, until close() returns.
  bool background = false;
};

// Writes a gzip-compressed POSIX (pax) tar archive to `sink` in pieces. Entries are written as
// given, without checking their paths: BundleWriter checks paths, and tests use this class to
// make hostile archives.
class TarGzWriter {
public:
  using Sink = std::function<void(std::string_view bytes)>;

  // `mtime` (Unix seconds) stamps every entry, so a bundle's content does not depend on when
  // its files happened to be rendered.
  TarGzWriter(Sink sink, int64_t mtime, TarGzOptions options = {});
  ~TarGzWriter();
  TarGzWriter(const TarGzWriter&) = delete;
  TarGzWriter& operator=(const TarGzWriter&) = delete;

  // Starts a regular file of exactly `size` bytes; write() its data next.
  void begin_file(std::string_view path, int64_t size);
  // Appends data to the current file. Throws when more than its declared size is written.
  void write(std::string_view data);
  // A whole regular file at once.
  void add_file(std::string_view path, std::string_view content);
  // A symbolic link, a hard link or a directory (hostile-archive tests).
  void add_symlink(std::string_view path, std::string_view target);
  void add_hardlink(std::string_view path, std::string_view target);
  void add_directory(std::string_view path);
  // A character device entry (hostile-archive tests).
  void add_device(std::string_view path);
  // Ends the archive (or its part, ArchiveEnd::continued) and flushes the compressor. Throws when
  // the current file is short, or what the sink threw.
  void close();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Reads a tar.gz file entry by entry. Only gzip and tar are enabled: nothing else is parsed.
class TarGzReader {
public:
  // Throws UsageError when `path` cannot be opened.
  explicit TarGzReader(const std::filesystem::path& path);
  ~TarGzReader();
  TarGzReader(const TarGzReader&) = delete;
  TarGzReader& operator=(const TarGzReader&) = delete;

  // The next entry's header, nothing at the end. Throws IntegrityError when the archive is not a
  // well-formed tar.gz (naming the entry before the damage).
  std::optional<ArchiveEntry> next();
  // Up to `capacity` bytes of the current entry's data into `buffer`; 0 at its end. Throws
  // IntegrityError when the compressed stream is damaged.
  size_t read(char* buffer, size_t capacity);

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Reads every entry of `path` into memory: entry and content. For tests and small archives only.
struct ArchiveMember {
  ArchiveEntry entry;
  std::string content;
};
std::vector<ArchiveMember> read_all(const std::filesystem::path& path);

} // namespace velocity::report
