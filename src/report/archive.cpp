#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/report/archive.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace velocity::report {

namespace {

struct WriteDeleter {
  void operator()(archive* handle) const noexcept { archive_write_free(handle); }
};
struct ReadDeleter {
  void operator()(archive* handle) const noexcept { archive_read_free(handle); }
};
struct EntryDeleter {
  void operator()(archive_entry* entry) const noexcept { archive_entry_free(entry); }
};

using WriteHandle = std::unique_ptr<archive, WriteDeleter>;
using ReadHandle = std::unique_ptr<archive, ReadDeleter>;
using EntryHandle = std::unique_ptr<archive_entry, EntryDeleter>;

std::string error_of(archive* handle) {
  const char* text = archive_error_string(handle);
  return text != nullptr ? text : "unknown libarchive error";
}

EntryType type_of(archive_entry* entry) {
  if (archive_entry_hardlink(entry) != nullptr) {
    return EntryType::hardlink;
  }
  switch (archive_entry_filetype(entry)) {
  case AE_IFREG:
    return EntryType::regular;
  case AE_IFDIR:
    return EntryType::directory;
  case AE_IFLNK:
    return EntryType::symlink;
  case AE_IFCHR:
  case AE_IFBLK:
    return EntryType::device;
  case AE_IFIFO:
    return EntryType::fifo;
  case AE_IFSOCK:
    return EntryType::socket;
  default:
    return EntryType::other;
  }
}

} // namespace

std::string_view to_string(EntryType type) noexcept {
  switch (type) {
  case EntryType::regular:
    return "regular file";
  case EntryType::directory:
    return "directory";
  case EntryType::symlink:
    return "symbolic link";
  case EntryType::hardlink:
    return "hard link";
  case EntryType::device:
    return "device";
  case EntryType::fifo:
    return "FIFO";
  case EntryType::socket:
    return "socket";
  case EntryType::other:
    break;
  }
  return "special entry";
}

// ---- writing ----

namespace {

using Sink = TarGzWriter::Sink;

// gzip through libarchive's raw format (one unnamed entry whose bytes go unchanged to the gzip
// filter): the tar stream reaches it from a separate tar writer, which is how a TarGzWriter can
// leave out the end-of-archive blocks and hand its entries to another thread.
class GzipStream {
public:
  explicit GzipStream(Sink sink) : m_sink(std::move(sink)), m_handle(archive_write_new()) {
    if (!m_handle) {
      throw std::bad_alloc();
    }
    archive* handle = m_handle.get();
    check(archive_write_add_filter_gzip(handle), "gzip");
    check(archive_write_set_format_raw(handle), "raw format");
    // No padding to a 10 KiB record: nothing reads gzip in records.
    check(archive_write_set_bytes_in_last_block(handle, 1), "block size");
    check(archive_write_open2(handle, this, nullptr, &GzipStream::on_write, nullptr, nullptr),
          "open");
    EntryHandle entry(archive_entry_new());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    check(archive_write_header(handle, entry.get()), "gzip stream");
  }
  ~GzipStream() {
    // Unwinding: what libarchive flushes while it is freed goes nowhere.
    m_abandoned = true;
  }
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  void write(std::string_view data) {
    while (!data.empty()) {
      const la_ssize_t written = archive_write_data(m_handle.get(), data.data(), data.size());
      if (written <= 0) {
        fail("compressing");
      }
      data.remove_prefix(static_cast<size_t>(written));
    }
  }

  void close() { check(archive_write_close(m_handle.get()), "close"); }

private:
  static la_ssize_t on_write(archive* /*handle*/, void* self, const void* buffer, size_t size) {
    auto* stream = static_cast<GzipStream*>(self);
    if (stream->m_abandoned) {
      return static_cast<la_ssize_t>(size);
    }
    try {
      stream->m_sink(std::string_view(static_cast<const char*>(buffer), size));
    } catch (...) {
      // libarchive is C: the error cannot cross it. Report a failed write; fail() rethrows.
      stream->m_failure = std::current_exception();
      return -1;
    }
    return static_cast<la_ssize_t>(size);
  }

  [[noreturn]] void fail(std::string_view what) {
    if (m_failure) {
      std::rethrow_exception(m_failure);
    }
    throw StateError(
      fmt::format("cannot write the archive ({}): {}", what, error_of(m_handle.get())));
  }

  void check(int rc, std::string_view what) {
    if (rc < ARCHIVE_OK) {
      fail(what);
    }
  }

  Sink m_sink;
  WriteHandle m_handle;
  std::exception_ptr m_failure;
  bool m_abandoned = false;
};

// Passes bytes to `sink` on a thread of its own, in 1 MiB chunks with at most four waiting, so
// that compressing them overlaps with producing them. A failure of `sink` stops the thread and is
// rethrown by the next write() or by close().
class BackgroundSink {
public:
  explicit BackgroundSink(Sink sink) : m_sink(std::move(sink)), m_thread([this] { run(); }) {}
  ~BackgroundSink() {
    if (m_thread.joinable()) {
      {
        const std::lock_guard lock(m_mutex);
        m_stopped = true;
      }
      m_changed.notify_all();
      m_thread.join();
    }
  }
  BackgroundSink(const BackgroundSink&) = delete;
  BackgroundSink& operator=(const BackgroundSink&) = delete;

  void write(std::string_view data) {
    m_chunk.append(data);
    if (m_chunk.size() >= k_chunk_bytes) {
      push(std::exchange(m_chunk, {}));
    }
  }

  // Hands over the rest and waits until `sink` has had every byte.
  void close() {
    if (!m_chunk.empty()) {
      push(std::exchange(m_chunk, {}));
    }
    {
      const std::lock_guard lock(m_mutex);
      m_closing = true;
    }
    m_changed.notify_all();
    m_thread.join();
    if (m_failure) {
      std::rethrow_exception(m_failure);
    }
  }

private:
  static constexpr size_t k_chunk_bytes = size_t{1} << 20;
  static constexpr size_t k_chunks_waiting = 4;

  void push(std::string chunk) {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [&] { return m_queue.size() < k_chunks_waiting || m_stopped; });
    if (m_failure) {
      const std::exception_ptr failure = m_failure;
      lock.unlock();
      std::rethrow_exception(failure);
    }
    m_queue.push_back(std::move(chunk));
    lock.unlock();
    m_changed.notify_all();
  }

  void run() {
    for (;;) {
      std::string chunk;
      {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return !m_queue.empty() || m_closing || m_stopped; });
        if (m_stopped || m_queue.empty()) {
          return;
        }
        chunk = std::move(m_queue.front());
        m_queue.pop_front();
      }
      m_changed.notify_all();
      try {
        m_sink(chunk);
      } catch (...) {
        {
          const std::lock_guard lock(m_mutex);
          m_failure = std::current_exception();
          m_stopped = true;
        }
        m_changed.notify_all();
        return;
      }
    }
  }

  Sink m_sink;
  std::string m_chunk;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<std::string> m_queue;
  bool m_closing = false;
  bool m_stopped = false;
  std::exception_ptr m_failure;
  std::thread m_thread; // last: it starts once everything it uses is built
};

} // namespace

// The tar stream goes from an unfiltered libarchive tar writer to a GzipStream, directly or
// through a BackgroundSink (TarGzOptions::background).
struct TarGzWriter::Impl {
  int64_t mtime = 0;
  TarGzOptions options;
  std::optional<GzipStream> gzip;
  std::optional<BackgroundSink> background;
  WriteHandle handle; // after the streams it feeds, so that it is freed first
  std::string current;
  int64_t remaining = 0;
  bool in_file = false;
  bool closed = false;
  // Set once the end-of-archive blocks, or an abandoned archive's flush, may come: dropped.
  bool discarding = false;
  std::exception_ptr failure;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    discarding = true;
    handle.reset();
  }

  static la_ssize_t on_write(archive* /*handle*/, void* self, const void* buffer, size_t size) {
    auto* impl = static_cast<Impl*>(self);
    if (impl->discarding) {
      return static_cast<la_ssize_t>(size);
    }
    const std::string_view bytes(static_cast<const char*>(buffer), size);
    try {
      if (impl->background) {
        impl->background->write(bytes);
      } else {
        impl->gzip->write(bytes);
      }
    } catch (...) {
      // libarchive is C: the error cannot cross it. Report a failed write; fail() rethrows.
      impl->failure = std::current_exception();
      return -1;
    }
    return static_cast<la_ssize_t>(size);
  }

  [[noreturn]] void fail(std::string_view what) {
    if (failure) {
      std::rethrow_exception(failure);
    }
    throw StateError(
      fmt::format("cannot write the archive ({}): {}", what, error_of(handle.get())));
  }

  void check(int rc, std::string_view what) {
    if (rc < ARCHIVE_OK) {
      fail(what);
    }
  }

  void finish_current() {
    if (in_file && remaining != 0) {
      throw StateError(fmt::format("archive entry {} ended {} bytes short of its declared size",
                                   current, remaining));
    }
    in_file = false;
  }

  void header(std::string_view path, mode_t type, int64_t size, std::string_view symlink,
              std::string_view hardlink) {
    if (closed) {
      throw StateError("archive written after close()");
    }
    finish_current();
    EntryHandle entry(archive_entry_new());
    const std::string name(path);
    archive_entry_copy_pathname(entry.get(), name.c_str());
    archive_entry_set_filetype(entry.get(), type);
    archive_entry_set_perm(entry.get(), type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_mtime(entry.get(), mtime, 0);
    archive_entry_set_size(entry.get(), size);
    if (!symlink.empty()) {
      archive_entry_copy_symlink(entry.get(), std::string(symlink).c_str());
    }
    if (!hardlink.empty()) {
      archive_entry_copy_hardlink(entry.get(), std::string(hardlink).c_str());
    }
    if (type == AE_IFCHR) {
      archive_entry_set_rdev(entry.get(), makedev(1, 3));
    }
    check(archive_write_header(handle.get(), entry.get()), name);
    current = name;
    remaining = size;
    in_file = type == AE_IFREG;
  }
};

TarGzWriter::TarGzWriter(Sink sink, int64_t mtime, TarGzOptions options)
  : m_impl(std::make_unique<Impl>()) {
  m_impl->mtime = mtime;
  m_impl->options = options;
  m_impl->gzip.emplace(std::move(sink));
  if (options.background) {
    m_impl->background.emplace(
      [gzip = &*m_impl->gzip](std::string_view bytes) { gzip->write(bytes); });
  }
  m_impl->handle.reset(archive_write_new());
  if (!m_impl->handle) {
    throw std::bad_alloc();
  }
  archive* handle = m_impl->handle.get();
  m_impl->check(archive_write_set_format_pax_restricted(handle), "pax format");
  // Unblocked: every byte goes straight to the compressor, and the end-of-archive blocks can be
  // told apart from the last entry's padding.
  m_impl->check(archive_write_set_bytes_per_block(handle, 0), "block size");
  m_impl->check(
    archive_write_open2(handle, m_impl.get(), nullptr, &Impl::on_write, nullptr, nullptr), "open");
}

TarGzWriter::~TarGzWriter() = default;

void TarGzWriter::begin_file(std::string_view path, int64_t size) {
  m_impl->header(path, AE_IFREG, size, {}, {});
}

void TarGzWriter::write(std::string_view data) {
  if (!m_impl->in_file) {
    throw StateError("archive data written outside a file entry");
  }
  if (static_cast<int64_t>(data.size()) > m_impl->remaining) {
    throw StateError(
      fmt::format("archive entry {} is longer than its declared size", m_impl->current));
  }
  while (!data.empty()) {
    const la_ssize_t written = archive_write_data(m_impl->handle.get(), data.data(), data.size());
    if (written <= 0) {
      m_impl->fail(m_impl->current);
    }
    data.remove_prefix(static_cast<size_t>(written));
    m_impl->remaining -= written;
  }
}

void TarGzWriter::add_file(std::string_view path, std::string_view content) {
  begin_file(path, static_cast<int64_t>(content.size()));
  write(content);
}

void TarGzWriter::add_symlink(std::string_view path, std::string_view target) {
  m_impl->header(path, AE_IFLNK, 0, target, {});
}

void TarGzWriter::add_hardlink(std::string_view path, std::string_view target) {
  m_impl->header(path, AE_IFREG, 0, {}, target);
}

void TarGzWriter::add_directory(std::string_view path) {
  m_impl->header(path, AE_IFDIR, 0, {}, {});
}

void TarGzWriter::add_device(std::string_view path) {
  m_impl->header(path, AE_IFCHR, 0, {}, {});
}

void TarGzWriter::close() {
  if (m_impl->closed) {
    return;
  }
  m_impl->finish_current();
  if (m_impl->options.end == ArchiveEnd::continued) {
    m_impl->check(archive_write_finish_entry(m_impl->handle.get()), m_impl->current);
    m_impl->discarding = true;
  }
  m_impl->check(archive_write_close(m_impl->handle.get()), "close");
  m_impl->discarding = true;
  if (m_impl->background) {
    m_impl->background->close();
  }
  m_impl->gzip->close();
  m_impl->closed = true;
}

// ---- reading ----

struct TarGzReader::Impl {
  ReadHandle handle;
  std::string path;
  std::string last_entry;

  [[noreturn]] void damaged(std::string_view where) const {
    throw IntegrityError(
      fmt::format("{} is not a readable tar.gz {}: {}", path, where, error_of(handle.get())),
      "the file is damaged or is not a velocity bundle; ask for a fresh copy");
  }

  std::string where() const {
    return last_entry.empty() ? std::string("at its start")
                              : fmt::format("after entry {}", last_entry);
  }
};

TarGzReader::TarGzReader(const std::filesystem::path& path) : m_impl(std::make_unique<Impl>()) {
  m_impl->path = path.string();
  m_impl->handle.reset(archive_read_new());
  if (!m_impl->handle) {
    throw std::bad_alloc();
  }
  archive* handle = m_impl->handle.get();
  archive_read_support_filter_gzip(handle);
  archive_read_support_format_tar(handle);
  fs::require_readable_file(path);
  if (archive_read_open_filename(handle, m_impl->path.c_str(), 64 * 1024) != ARCHIVE_OK) {
    m_impl->damaged("at its start");
  }
}

TarGzReader::~TarGzReader() = default;

std::optional<ArchiveEntry> TarGzReader::next() {
  archive_entry* entry = nullptr;
  const int rc = archive_read_next_header(m_impl->handle.get(), &entry);
  if (rc == ARCHIVE_EOF) {
    return std::nullopt;
  }
  if (rc != ARCHIVE_OK) {
    // Warnings too: a bundle velocity wrote never produces one.
    m_impl->damaged(m_impl->where());
  }
  ArchiveEntry result;
  const char* name = archive_entry_pathname(entry);
  result.path = name != nullptr ? name : "";
  result.type = type_of(entry);
  result.size = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : 0;
  if (const char* link = archive_entry_hardlink(entry); link != nullptr) {
    result.link_target = link;
  } else if (const char* target = archive_entry_symlink(entry); target != nullptr) {
    result.link_target = target;
  }
  m_impl->last_entry = result.path;
  return result;
}

size_t TarGzReader::read(char* buffer, size_t capacity) {
  const la_ssize_t got = archive_read_data(m_impl->handle.get(), buffer, capacity);
  if (got < 0) {
    m_impl->damaged(fmt::format("in entry {}", m_impl->last_entry));
  }
  return static_cast<size_t>(got);
}

std::vector<ArchiveMember> read_all(const std::filesystem::path& path) {
  TarGzReader reader(path);
  std::vector<ArchiveMember> members;
  std::vector<char> buffer(64 * 1024);
  while (auto entry = reader.next()) {
    ArchiveMember member{std::move(*entry), {}};
    while (const size_t got = reader.read(buffer.data(), buffer.size())) {
      member.content.append(buffer.data(), got);
    }
    members.push_back(std::move(member));
  }
  return members;
}

} // namespace velocity::report
