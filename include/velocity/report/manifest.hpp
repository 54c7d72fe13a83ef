#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// manifest.json of a report bundle (docs/report-bundle.md): what the bundle holds and who made
// it, signed byte for byte by manifest.sig. Its layout is fixed, one file entry per line, so
// that VERIFY.md can turn it into `sha256sum -c` input with one sed command.
namespace velocity::report {

inline constexpr std::string_view k_manifest_path = "manifest.json";
inline constexpr std::string_view k_signature_path = "manifest.sig";
inline constexpr std::string_view k_public_key_path = "public-key.pem";
inline constexpr std::string_view k_verify_path = "VERIFY.md";
inline constexpr std::string_view k_bundle_format = "velocity-report-bundle";
inline constexpr int k_bundle_format_version = 1;

// One member of the bundle as the manifest lists it.
struct ManifestFile {
  std::string path;
  int64_t size = 0;
  std::string sha256; // 64 lower-case hex digits
};

// Who made the bundle, about what, and when.
struct BundleInfo {
  std::string organization;
  std::string framework;
  std::optional<std::string> period_from; // ISO 8601 UTC; unset: from the beginning
  std::optional<std::string> period_to;   // unset: up to created_at
  std::string created_at;
  std::string tool; // "velocity 0.1.0"
};

struct Manifest {
  BundleInfo info;
  std::string key_fingerprint; // "SHA256:<hex>" of the signing key (crypto::VerifyKey)
  std::vector<ManifestFile> files;
};

// The exact bytes of manifest.json for `manifest` (files in the order given).
std::string manifest_bytes(const Manifest& manifest);

// Reads manifest.json. Throws IntegrityError saying what is wrong (not JSON, a field missing,
// an unsafe or duplicate path, a malformed digest, more than `max_files` entries).
Manifest parse_manifest(std::string_view bytes, size_t max_files);

// Why `path` may not be a bundle member, or nothing when it may: members are relative paths of
// [A-Za-z0-9._+@=,-] components separated by single slashes, none of them "." or "..", at most
// 255 bytes. An absolute path, `..`, backslashes and control characters are refused.
std::optional<std::string> unsafe_path_reason(std::string_view path);

// VERIFY.md: how to check the bundle file `bundle_name` with tar, openssl and sha256sum alone.
// `manifest` gives the organisation, period and key fingerprint (its file list is not used).
std::string verify_instructions(const Manifest& manifest, std::string_view bundle_name);

// The sed command of VERIFY.md that turns manifest.json into `sha256sum -c` lines.
std::string_view checksum_sed_command();

} // namespace velocity::report
