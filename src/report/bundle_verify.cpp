#include <velocity/audit/verify.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/report/archive.hpp>
#include <velocity/report/bundle.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace velocity::report {

namespace {

constexpr std::string_view k_witness_path = "audit/witness.json";
constexpr std::string_view k_audit_events_path = "audit/events.jsonl";
constexpr size_t k_audit_start_bytes = 4096;

constexpr int64_t k_signature_bytes = 1024;

struct Seen {
  int64_t size = 0;
  std::string sha256;
};

// Reads every entry once, refusing unsafe ones as soon as their header is read. Each entry is
// bounded before it is inflated: by the size manifest.json lists for it (velocity writes the
// manifest first), by a small allowance when it is not listed, and, before the manifest in an
// older bundle, by a fixed total. Returns false when reading had to stop (the problem is
// recorded).
class Scan {
public:
  Scan(const std::filesystem::path& path, const VerifyLimits& limits, VerifyResult& result)
    : m_path(path),
      m_limits(limits),
      m_result(result) {}

  bool run() {
    try {
      TarGzReader reader(m_path);
      while (auto entry = reader.next()) {
        if (!accept(*entry) || !read(reader, *entry)) {
          return false;
        }
      }
    } catch (const IntegrityError& e) {
      stop(m_path.filename().string(), e.what());
      return false;
    }
    return true;
  }

  std::map<std::string, Seen, std::less<>> seen;
  std::optional<std::string> manifest;
  std::optional<Manifest> parsed; // the manifest, once read and understood
  std::optional<std::string> signature;
  std::optional<std::string> public_key;
  std::optional<std::string> witness;
  // A copy of audit/events.jsonl, to verify as an export.
  fs::TempFile audit_export{std::filesystem::temp_directory_path() / "velocity-verify"};
  std::string audit_start; // its first bytes: the export's header

private:
  bool stop(std::string path, std::string message) {
    m_result.problems.push_back({std::move(path), std::move(message)});
    return false;
  }

  bool accept(const ArchiveEntry& entry) {
    m_result.members += 1;
    if (m_result.members > m_limits.max_entries) {
      return stop(m_path.filename().string(),
                  fmt::format("refused: more than {} entries", m_limits.max_entries));
    }
    if (entry.type != EntryType::regular) {
      std::string what =
        fmt::format("refused: a {} entry, not a regular file", to_string(entry.type));
      if (!entry.link_target.empty()) {
        what += fmt::format(" (to {})", entry.link_target);
      }
      return stop(entry.path, what);
    }
    if (const auto reason = unsafe_path_reason(entry.path)) {
      return stop(entry.path, fmt::format("refused: unsafe name, {}", *reason));
    }
    if (seen.contains(entry.path)) {
      return stop(entry.path, "refused: the archive holds two entries with this name");
    }
    if (const auto reason = refusal(entry.path, entry.size)) {
      return stop(entry.path, *reason);
    }
    return true;
  }

  // Why `path` may not be read as far as `size` bytes, or nothing when it may.
  std::optional<std::string> refusal(std::string_view path, int64_t size) const {
    if (size > m_limits.max_member_bytes) {
      return fmt::format("refused: {} bytes, more than the limit of {} for one member", size,
                         m_limits.max_member_bytes);
    }
    if (path == k_manifest_path || path == k_signature_path) {
      const int64_t limit =
        path == k_manifest_path ? m_limits.max_manifest_bytes : k_signature_bytes;
      if (size > limit) {
        return fmt::format("refused: {} bytes, more than the limit of {}", size, limit);
      }
      return std::nullopt;
    }
    if (!manifest) {
      if (m_result.bytes + size > m_limits.max_bytes_before_manifest) {
        return fmt::format(
          "refused: manifest.json is not the first entry and the entries before it inflate "
          "past {}, the limit for a bundle written before velocity put its manifest first "
          "(decompression bomb?); check it with the steps of its VERIFY.md, or make it again",
          fs::size_in_words(static_cast<size_t>(m_limits.max_bytes_before_manifest)));
      }
      return std::nullopt;
    }
    if (const auto declared = m_declared.find(path); declared != m_declared.end()) {
      if (size > declared->second) {
        return fmt::format("refused: the archive holds {} bytes for it, manifest.json lists {} "
                           "(decompression bomb?)",
                           size, declared->second);
      }
      return std::nullopt;
    }
    if (m_unlisted_bytes + size > m_limits.max_unlisted_bytes) {
      return fmt::format("refused: not listed in manifest.json, and its {} bytes pass the {} "
                         "allowed for unlisted entries",
                         size, fs::size_in_words(static_cast<size_t>(m_limits.max_unlisted_bytes)));
    }
    return std::nullopt;
  }

  // The most of a member kept in memory; other members are only hashed.
  int64_t kept_limit(std::string_view path) const {
    if (path == k_manifest_path) {
      return m_limits.max_manifest_bytes;
    }
    if (path == k_signature_path) {
      return k_signature_bytes;
    }
    if (path == k_public_key_path || path == k_witness_path) {
      return m_limits.max_key_bytes;
    }
    return -1;
  }

  bool read(TarGzReader& reader, const ArchiveEntry& entry) {
    const int64_t keep = kept_limit(entry.path);
    const bool listed = !manifest || m_declared.contains(entry.path) ||
                        entry.path == k_manifest_path || entry.path == k_signature_path;
    std::string kept;
    crypto::Sha256 hasher;
    int64_t size = 0;
    while (const size_t got = reader.read(m_buffer.data(), m_buffer.size())) {
      size += static_cast<int64_t>(got);
      // The data is counted as it is inflated, whatever the header claimed.
      if (size > entry.size) {
        return stop(entry.path, fmt::format("refused: longer than the {} bytes its header declares",
                                            entry.size));
      }
      m_result.bytes += static_cast<int64_t>(got);
      const std::string_view piece(m_buffer.data(), got);
      hasher.update(piece);
      if (entry.path == k_audit_events_path) {
        audit_export.write(piece);
        if (audit_start.size() < k_audit_start_bytes) {
          audit_start.append(piece.substr(0, k_audit_start_bytes - audit_start.size()));
        }
      }
      if (keep >= 0) {
        if (size > keep) {
          return stop(entry.path, fmt::format("refused: larger than {} bytes", keep));
        }
        kept.append(piece);
      }
    }
    if (!listed) {
      m_unlisted_bytes += size;
    }
    seen.emplace(entry.path, Seen{size, crypto::to_hex(hasher.finish())});
    if (entry.path == k_manifest_path) {
      manifest = std::move(kept);
      return understand_manifest();
    }
    if (entry.path == k_signature_path) {
      signature = std::move(kept);
    } else if (entry.path == k_public_key_path) {
      public_key = std::move(kept);
    } else if (entry.path == k_witness_path) {
      witness = std::move(kept);
    }
    return true;
  }

  // Parses the manifest as soon as it is read: the entries after it are measured against it.
  bool understand_manifest() {
    try {
      parsed = parse_manifest(*manifest, static_cast<size_t>(m_limits.max_entries));
    } catch (const IntegrityError& e) {
      std::string_view message = e.what();
      if (message.starts_with("manifest.json: ")) {
        message.remove_prefix(15);
      }
      return stop(std::string(k_manifest_path), std::string(message));
    }
    int64_t total = 0;
    for (const ManifestFile& file : parsed->files) {
      total += std::min(file.size, m_limits.max_member_bytes + 1);
      m_declared.emplace(file.path, file.size);
    }
    if (total > m_limits.max_total_bytes) {
      return stop(std::string(k_manifest_path),
                  fmt::format("refused: it lists {} bytes in all, more than the limit of {}", total,
                              fs::size_in_words(static_cast<size_t>(m_limits.max_total_bytes))));
    }
    return true;
  }

  const std::filesystem::path& m_path;
  const VerifyLimits& m_limits;
  VerifyResult& m_result;
  std::map<std::string, int64_t, std::less<>> m_declared; // path → size, from the manifest
  int64_t m_unlisted_bytes = 0;
  std::string m_buffer = std::string(64 * 1024, '\0');
};

void add(VerifyResult& result, std::string_view path, std::string message) {
  result.problems.push_back({std::string(path), std::move(message)});
}

// The key to check the signature with: the one given, else the bundle's own.
std::optional<crypto::VerifyKey> choose_key(const std::optional<crypto::VerifyKey>& trusted,
                                            const Scan& scan, VerifyResult& result) {
  std::optional<crypto::VerifyKey> inside;
  if (scan.public_key) {
    inside = crypto::VerifyKey::from_pem(*scan.public_key);
  }
  if (trusted) {
    result.key_source = KeySource::given;
    auto key = crypto::VerifyKey::from_raw(trusted->raw());
    if (inside && inside->raw() != trusted->raw()) {
      add(result, k_public_key_path,
          fmt::format("holds key {}, not the key given with --pubkey ({})", inside->fingerprint(),
                      trusted->fingerprint()));
    }
    return key;
  }
  result.key_source = KeySource::bundle;
  if (!scan.public_key) {
    add(result, k_public_key_path, "missing, and no key was given with --pubkey");
  } else if (!inside) {
    add(result, k_public_key_path, "not an Ed25519 public key in PEM form");
  }
  return inside;
}

void check_members(const Manifest& manifest, const Scan& scan, VerifyResult& result) {
  std::map<std::string_view, const ManifestFile*> listed;
  for (const ManifestFile& file : manifest.files) {
    listed.emplace(file.path, &file);
    const auto it = scan.seen.find(file.path);
    if (it == scan.seen.end()) {
      add(result, file.path, "missing: listed in the manifest but not in the bundle");
      continue;
    }
    if (it->second.size != file.size) {
      add(result, file.path,
          fmt::format("size {} differs from the manifest's {}", it->second.size, file.size));
    } else if (it->second.sha256 != file.sha256) {
      add(result, file.path,
          fmt::format("SHA-256 {} differs from the manifest's {}", it->second.sha256, file.sha256));
    }
  }
  for (const auto& [path, seen] : scan.seen) {
    if (path != k_manifest_path && path != k_signature_path && !listed.contains(path)) {
      add(result, path, "extra: in the bundle but not listed in the manifest");
    }
  }
}

// The bundle's audit log must extend to the witnessed head it carries: audit/events.jsonl, an
// export that carries the same head, verifies with the bundle's key, witness check included.
void check_witness(const Scan& scan, const crypto::VerifyKey& key, VerifyResult& result) {
  const auto record = nlohmann::json::parse(*scan.witness, nullptr, false);
  std::string fault;
  const auto witnessed = audit::witnessed_from_json(record, &fault);
  if (!witnessed) {
    add(result, k_witness_path, "not a witnessed head velocity writes: " + fault);
    return;
  }
  const audit::TreeHead& head = witnessed->head;
  if (witnessed->key_fingerprint != key.fingerprint()) {
    add(result, k_witness_path,
        fmt::format("the witness saw the audit log signed with key {}, not the bundle's key {}: "
                    "the log was started over after the witness saw {} events signed at {}",
                    witnessed->key_fingerprint, key.fingerprint(), head.size, head.time));
    return;
  }
  if (!audit::signature_valid(head, key)) {
    add(result, k_witness_path,
        fmt::format("the witnessed head does not verify with key {}: it was forged or altered",
                    key.fingerprint()));
    return;
  }
  if (!scan.seen.contains(k_audit_events_path)) {
    return; // reported as missing by the manifest check
  }
  const std::string_view start = scan.audit_start;
  const auto header = nlohmann::json::parse(start.substr(0, start.find('\n')), nullptr, false);
  if (header.is_object() && header.value("events", -1) == 0 && !header.contains("v")) {
    return; // no event of the log falls in the bundle's period: there is no export to compare
  }
  const audit::VerifyResult exported = audit::verify_export(scan.audit_export.path(), key);
  if (exported.failure) {
    add(result, k_audit_events_path,
        fmt::format("the audit log does not verify: {}", exported.failure->message));
  } else if (!exported.witness || exported.witness->head.size != head.size ||
             exported.witness->head.root != head.root) {
    add(result, k_audit_events_path,
        "the audit export does not carry the bundle's witnessed head (audit/witness.json): one of "
        "them was replaced");
  }
}

void check_signature(const Scan& scan, const crypto::VerifyKey& key, VerifyResult& result) {
  if (scan.manifest && scan.signature && !key.verify(*scan.manifest, *scan.signature)) {
    add(result, k_signature_path,
        fmt::format("the signature of manifest.json does not verify under key {}: the manifest "
                    "or the signature was changed, or another key signed it",
                    key.fingerprint()));
  }
}

} // namespace

VerifyResult verify_bundle(const std::filesystem::path& path,
                           const std::optional<crypto::VerifyKey>& trusted_key,
                           const VerifyLimits& limits) {
  VerifyResult result;
  Scan scan(path, limits, result);
  if (!scan.run()) {
    // A refused entry: nothing after it can be trusted or needs reading. Whether the manifest
    // read before it is the signed one still tells who changed what.
    std::optional<crypto::VerifyKey> key;
    if (trusted_key) {
      key = crypto::VerifyKey::from_raw(trusted_key->raw());
    } else if (scan.public_key) {
      key = crypto::VerifyKey::from_pem(*scan.public_key);
    }
    if (key) {
      check_signature(scan, *key, result);
    }
    return result;
  }
  if (!scan.manifest) {
    add(result, k_manifest_path, "missing: the bundle has no manifest");
    return result;
  }
  if (!scan.signature) {
    add(result, k_signature_path, "missing: the manifest is not signed");
  }
  const auto key = choose_key(trusted_key, scan, result);
  if (key) {
    result.key_fingerprint = key->fingerprint();
    check_signature(scan, *key, result);
  }
  result.manifest = std::move(scan.parsed); // the scan stops at a manifest it cannot parse
  if (key && result.manifest->key_fingerprint != key->fingerprint()) {
    add(result, k_manifest_path,
        fmt::format("names signing key {}, but the key used is {}",
                    result.manifest->key_fingerprint, key->fingerprint()));
  }
  check_members(*result.manifest, scan, result);
  if (key && scan.witness) {
    check_witness(scan, *key, result);
  }
  return result;
}

} // namespace velocity::report
