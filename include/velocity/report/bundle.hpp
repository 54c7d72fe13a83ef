#pragma once

#include <velocity/crypto/ed25519.hpp>
#include <velocity/report/manifest.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Signed report bundles (docs/report-bundle.md): a tar.gz of the members, public-key.pem,
// VERIFY.md, manifest.json and manifest.sig, written atomically; and their offline verification.
namespace velocity::report {

// Writes a bundle: each member is hashed and compressed (on a second thread) on its way into an
// unnamed scratch file beside the output, and finish() writes the archive with manifest.json and
// manifest.sig first, then public-key.pem, VERIFY.md and the members in the order added, so that
// a verifier knows every member's size before it inflates any. Nothing is kept in memory but the
// manifest. The file appears at `output` only when finish() succeeds.
class BundleWriter {
public:
  // `created_at` (ISO 8601 UTC) also stamps every entry's modification time.
  BundleWriter(std::filesystem::path output, std::string_view created_at);
  ~BundleWriter();
  BundleWriter(const BundleWriter&) = delete;
  BundleWriter& operator=(const BundleWriter&) = delete;

  // Adds a member and returns its SHA-256 (hex). Throws UsageError for an unsafe or reserved path
  // or one added twice.
  std::string add(std::string_view path, std::string_view content);
  // Adds a member from a file on disk, streamed (large reports).
  void add_file(std::string_view path, const std::filesystem::path& source);
  // Members added so far.
  size_t size() const noexcept;

  // Adds public-key.pem and VERIFY.md, then manifest.json signed by `key` in manifest.sig, and
  // moves the bundle into place. Returns the manifest as written.
  Manifest finish(const BundleInfo& info, const crypto::SigningKey& key);

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Bounds on what verification reads, so a hostile archive cannot exhaust memory or disk time.
// Each member is bounded, before it is inflated, by the size manifest.json lists for it.
struct VerifyLimits {
  int64_t max_member_bytes = int64_t{2} << 30; // one member: 2 GiB
  int64_t max_total_bytes = int64_t{16} << 30; // what a manifest may list in all: 16 GiB
  int64_t max_entries = 1'000'000;
  int64_t max_manifest_bytes = int64_t{256} << 20; // manifest.json: 256 MiB
  int64_t max_key_bytes = 16 << 10;                // public-key.pem
  int64_t max_unlisted_bytes = 64 << 10;           // entries the manifest does not list, in all
  // Entries before manifest.json, in all: only a bundle written before velocity put the
  // manifest first (or a re-packed one) has any.
  int64_t max_bytes_before_manifest = int64_t{256} << 20;
};

// Where the key that checked the signature came from.
enum class KeySource { given, bundle };

// One thing wrong with a bundle, naming the member it concerns.
struct Problem {
  std::string path; // the member, or the bundle file itself
  std::string message;
};

struct VerifyResult {
  std::vector<Problem> problems; // empty: the bundle verifies
  std::optional<Manifest> manifest;
  KeySource key_source = KeySource::bundle;
  std::string key_fingerprint; // of the key used
  int64_t members = 0;         // entries read
  int64_t bytes = 0;           // uncompressed bytes read

  bool valid() const noexcept { return problems.empty(); }
};

// Checks the bundle at `path` offline: every entry is a regular file with a safe name and no
// larger than its bound (reading stops at the first that is not), the signature of manifest.json
// under `trusted_key` (or, without one, under the bundle's public-key.pem), the key fingerprint,
// every size and digest, and that no member is missing or extra. Throws UsageError when `path`
// cannot be read at all; every other failure is a Problem in the result.
VerifyResult verify_bundle(const std::filesystem::path& path,
                           const std::optional<crypto::VerifyKey>& trusted_key,
                           const VerifyLimits& limits = {});

} // namespace velocity::report
