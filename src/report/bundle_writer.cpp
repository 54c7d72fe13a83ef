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

// Members go to a scratch file first: manifest.json, which lists their sizes and digests, is
// written at the front of the archive, so that a verifier knows how large every member may be
// before it inflates any (docs/report-bundle.md).
struct BundleWriter::Impl {
  std::filesystem::path output;
  int64_t mtime;
  fs::TempFile spool;
  std::vector<ManifestFile> files;
  std::vector<int64_t> offsets; // of each member in `spool`, in the order of `files`
  std::set<std::string, std::less<>> paths;
  bool finished = false;

  Impl(std::filesystem::path path, int64_t mtime_seconds)
    : output(std::move(path)),
      mtime(mtime_seconds),
      spool(output) {}

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

  void spooled(std::string_view path, int64_t offset, std::string sha256) {
    files.push_back({std::string(path), spool.size() - offset, std::move(sha256)});
    offsets.push_back(offset);
  }

  // Copies every spooled member into `archive`, in the order they were added.
  void copy_members(TarGzWriter& archive) const {
    std::string buffer(64 * 1024, '\0');
    for (size_t i = 0; i < files.size(); ++i) {
      archive.begin_file(files[i].path, files[i].size);
      int64_t done = 0;
      while (done < files[i].size) {
        const size_t want =
          static_cast<size_t>(std::min<int64_t>(files[i].size - done, std::ssize(buffer)));
        const size_t got = spool.read_at(offsets[i] + done, buffer.data(), want);
        if (got == 0) {
          throw StateError(
            fmt::format("the scratch file of {} ended inside {}", output.string(), files[i].path));
        }
        archive.write(std::string_view(buffer.data(), got));
        done += static_cast<int64_t>(got);
      }
    }
  }
};

BundleWriter::BundleWriter(std::filesystem::path output, std::string_view created_at)
  : m_impl(std::make_unique<Impl>(std::move(output), unix_seconds(created_at))) {}

BundleWriter::~BundleWriter() = default;

void BundleWriter::add(std::string_view path, std::string_view content) {
  m_impl->check_path(path);
  const int64_t offset = m_impl->spool.size();
  m_impl->spool.write(content);
  m_impl->spooled(path, offset, crypto::to_hex(crypto::sha256(content)));
}

void BundleWriter::add_file(std::string_view path, const std::filesystem::path& source) {
  m_impl->check_path(path);
  std::ifstream in(source, std::ios::binary);
  if (!in) {
    throw StateError(fmt::format("cannot read {} for the bundle: cannot open", source.string()));
  }
  const int64_t offset = m_impl->spool.size();
  crypto::Sha256 hasher;
  std::string buffer(64 * 1024, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::string_view piece(buffer.data(), static_cast<size_t>(in.gcount()));
    hasher.update(piece);
    m_impl->spool.write(piece);
  }
  if (in.bad()) {
    throw StateError(fmt::format("cannot read {} for the bundle", source.string()));
  }
  m_impl->spooled(path, offset, crypto::to_hex(hasher.finish()));
}

size_t BundleWriter::size() const noexcept {
  return m_impl->files.size();
}

Manifest BundleWriter::finish(const BundleInfo& info, const crypto::SigningKey& key) {
  if (m_impl->finished) {
    throw StateError("bundle finished twice");
  }
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
  TarGzWriter archive([&file](std::string_view piece) { file.write(piece); }, m_impl->mtime);
  archive.add_file(k_manifest_path, bytes);
  archive.add_file(k_signature_path, key.sign(bytes));
  archive.add_file(k_public_key_path, pem);
  archive.add_file(k_verify_path, instructions);
  m_impl->copy_members(archive);
  archive.close();
  file.commit();
  m_impl->finished = true;
  return manifest;
}

} // namespace velocity::report
