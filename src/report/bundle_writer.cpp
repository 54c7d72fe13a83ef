#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/time.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/report/archive.hpp>
#include <velocity/report/bundle.hpp>

#include <fmt/format.h>

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

struct BundleWriter::Impl {
  std::filesystem::path output;
  fs::AtomicFile file;
  TarGzWriter archive;
  std::vector<ManifestFile> files;
  std::set<std::string, std::less<>> paths;
  bool finished = false;

  Impl(std::filesystem::path path, int64_t mtime)
    : output(path),
      file(std::move(path), fs::Mode::private_file),
      archive([this](std::string_view bytes) { file.write(bytes); }, mtime) {}

  void check_path(std::string_view path, bool reserved_ok) {
    if (finished) {
      throw StateError("bundle member added after finish()");
    }
    if (const auto reason = unsafe_path_reason(path)) {
      throw UsageError(fmt::format("cannot add \"{}\" to a bundle: {}", path, *reason));
    }
    const bool reserved = path == k_manifest_path || path == k_signature_path ||
                          path == k_public_key_path || path == k_verify_path;
    if (reserved && !reserved_ok) {
      throw UsageError(fmt::format("cannot add \"{}\" to a bundle: velocity writes it", path));
    }
    if (!paths.emplace(path).second) {
      throw UsageError(fmt::format("cannot add \"{}\" to a bundle twice", path));
    }
  }

  void add(std::string_view path, std::string_view content, bool reserved_ok) {
    check_path(path, reserved_ok);
    archive.add_file(path, content);
    files.push_back({std::string(path), static_cast<int64_t>(content.size()),
                     crypto::to_hex(crypto::sha256(content))});
  }
};

BundleWriter::BundleWriter(std::filesystem::path output, std::string_view created_at)
  : m_impl(std::make_unique<Impl>(std::move(output), unix_seconds(created_at))) {}

BundleWriter::~BundleWriter() = default;

void BundleWriter::add(std::string_view path, std::string_view content) {
  m_impl->add(path, content, false);
}

void BundleWriter::add_file(std::string_view path, const std::filesystem::path& source) {
  m_impl->check_path(path, false);
  std::ifstream in(source, std::ios::binary);
  std::error_code error;
  const auto size = std::filesystem::file_size(source, error);
  if (!in || error) {
    throw StateError(fmt::format("cannot read {} for the bundle: {}", source.string(),
                                 error ? error.message() : "cannot open"));
  }
  m_impl->archive.begin_file(path, static_cast<int64_t>(size));
  crypto::Sha256 hasher;
  std::string buffer(64 * 1024, '\0');
  uintmax_t total = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<size_t>(in.gcount());
    if (got == 0) {
      break;
    }
    const std::string_view piece(buffer.data(), got);
    hasher.update(piece);
    m_impl->archive.write(piece);
    total += got;
  }
  if (total != size) {
    throw StateError(fmt::format("{} changed while it was added to the bundle", source.string()));
  }
  m_impl->files.push_back(
    {std::string(path), static_cast<int64_t>(size), crypto::to_hex(hasher.finish())});
}

size_t BundleWriter::size() const noexcept {
  return m_impl->files.size();
}

Manifest BundleWriter::finish(const BundleInfo& info, const crypto::SigningKey& key) {
  const crypto::VerifyKey public_key = key.verify_key();
  Manifest manifest;
  manifest.info = info;
  manifest.key_fingerprint = public_key.fingerprint();

  m_impl->add(k_public_key_path, public_key.to_pem(), true);
  m_impl->add(k_verify_path, verify_instructions(manifest, m_impl->output.filename().string()),
              true);
  manifest.files = m_impl->files;

  const std::string bytes = manifest_bytes(manifest);
  const std::string signature = key.sign(bytes);
  m_impl->archive.add_file(k_manifest_path, bytes);
  m_impl->archive.add_file(k_signature_path, signature);
  m_impl->archive.close();
  m_impl->file.commit();
  m_impl->finished = true;
  return manifest;
}

} // namespace velocity::report
