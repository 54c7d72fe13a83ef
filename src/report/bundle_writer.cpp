#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/time.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/report/archive.hpp>
#include <velocity/report/bundle.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>

namespace velocity::report {

namespace {

int64_t unix_seconds(std::string_view iso) {
  const auto time = time::parse_iso8601(iso);
  if (!time) {
    throw UsageError(fmt::format("bundle creation time '{}' is not ISO 8601", iso));
  }
  return time::to_unix_ms(*time) / 1000;
}

} // namespace

// Members are written as they come into a tar.gz of their own in a scratch file, compressed on
// a second thread; finish() writes manifest.json, which lists their sizes and digests, and the
// other entries velocity makes as a first gzip member without end-of-archive blocks, then copies
// the members' gzip member after it: one archive with the manifest at its front, so that a
// verifier knows how large every member may be before it inflates any (docs/report-bundle.md).
struct BundleWriter::Impl {
  std::filesystem::path output;
  int64_t mtime;
  fs::TempFile spool;
  TarGzWriter members;
  std::vector<ManifestFile> files;
  std::set<std::string, std::less<>> paths;
  bool finished = false;

  Impl(std::filesystem::path path, int64_t mtime_seconds)
    : output(std::move(path)),
      mtime(mtime_seconds),
      spool(output),
      members([this](std::string_view bytes) { spool.write(bytes); }, mtime,
              {.end = ArchiveEnd::end_of_archive, .background = true}) {}

  void check_path(std::string_view path) {
    if (finished) {
      throw StateError("bundle member added after finish()");
    }
    if (const auto reason = unsafe_path_reason(path)) {
      throw UsageError(fmt::format("cannot add \"{}\" to a bundle: {}", path, *reason));
    }
    if (path == k_manifest_path || path == k_signature_path || path == k_public_key_path ||
        path == k_verify_path) {
      throw UsageError(fmt::format("cannot add \"{}\" to a bundle: velocity writes it", path));
    }
    if (!paths.emplace(path).second) {
      throw UsageError(fmt::format("cannot add \"{}\" to a bundle twice", path));
    }
  }

  // Copies the compressed members after the head of the archive.
  void copy_members(fs::AtomicFile& file) const {
    std::string buffer(64 * 1024, '\0');
    int64_t done = 0;
    while (done < spool.size()) {
      const size_t got = spool.read_at(done, buffer.data(), buffer.size());
      if (got == 0) {
        throw StateError(fmt::format("the scratch file of {} ended early", output.string()));
      }
      file.write(std::string_view(buffer.data(), got));
      done += static_cast<int64_t>(got);
    }
  }
};

BundleWriter::BundleWriter(std::filesystem::path output, std::string_view created_at)
  : m_impl(std::make_unique<Impl>(std::move(output), unix_seconds(created_at))) {}

BundleWriter::~BundleWriter() = default;

std::string BundleWriter::add(std::string_view path, std::string_view content) {
  m_impl->check_path(path);
  std::string sha256 = crypto::to_hex(crypto::sha256(content));
  m_impl->members.add_file(path, content);
  m_impl->files.push_back({std::string(path), std::ssize(content), sha256});
  return sha256;
}

void BundleWriter::add_file(std::string_view path, const std::filesystem::path& source) {
  m_impl->check_path(path);
  std::ifstream in(source, std::ios::binary);
  std::error_code error;
  const auto size = std::filesystem::file_size(source, error);
  if (!in || error) {
    throw StateError(fmt::format("cannot read {} for the bundle: cannot open", source.string()));
  }
  m_impl->members.begin_file(path, static_cast<int64_t>(size));
  crypto::Sha256 hasher;
  std::string buffer(64 * 1024, '\0');
  int64_t read = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::string_view piece(buffer.data(), static_cast<size_t>(in.gcount()));
    if (read + std::ssize(piece) > static_cast<int64_t>(size)) {
      throw StateError(fmt::format("{} grew while it was added to the bundle", source.string()));
    }
    hasher.update(piece);
    m_impl->members.write(piece);
    read += std::ssize(piece);
  }
  if (in.bad() || read != static_cast<int64_t>(size)) {
    throw StateError(fmt::format("cannot read {} for the bundle", source.string()));
  }
  m_impl->files.push_back({std::string(path), read, crypto::to_hex(hasher.finish())});
}

size_t BundleWriter::size() const noexcept {
  return m_impl->files.size();
}

Manifest BundleWriter::finish(const BundleInfo& info, const crypto::SigningKey& key) {
  if (m_impl->finished) {
    throw StateError("bundle finished twice");
  }
  m_impl->members.close();
  const crypto::VerifyKey public_key = key.verify_key();
  Manifest manifest;
  manifest.info = info;
  manifest.key_fingerprint = public_key.fingerprint();
  const std::string pem = public_key.to_pem();
  const std::string instructions =
    verify_instructions(manifest, m_impl->output.filename().string());
  manifest.files.push_back(
    {std::string(k_public_key_path), std::ssize(pem), crypto::to_hex(crypto::sha256(pem))});
  manifest.files.push_back({std::string(k_verify_path), std::ssize(instructions),
                            crypto::to_hex(crypto::sha256(instructions))});
  manifest.files.insert(manifest.files.end(), m_impl->files.begin(), m_impl->files.end());
  const std::string bytes = manifest_bytes(manifest);

  fs::AtomicFile file(m_impl->output, fs::Mode::private_file);
  TarGzWriter head([&file](std::string_view piece) { file.write(piece); }, m_impl->mtime,
                   {.end = ArchiveEnd::continued});
  head.add_file(k_manifest_path, bytes);
  head.add_file(k_signature_path, key.sign(bytes));
  head.add_file(k_public_key_path, pem);
  head.add_file(k_verify_path, instructions);
  head.close();
  m_impl->copy_members(file);
  file.commit();
  m_impl->finished = true;
  return manifest;
}

} // namespace velocity::report
