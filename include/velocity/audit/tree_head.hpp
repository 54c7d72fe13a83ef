#pragma once

#include <velocity/audit/event.hpp>
#include <velocity/crypto/ed25519.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

// Signed tree heads and export seals. Each is signed with the organisation's Ed25519 key over
// its canonical bytes, one line of compact JSON in a fixed field order:
//
//   {"type":"tree_head","v":1,"log":"default","size":1234,"root":"<64 hex>","time":"..."}
//   {"type":"export_seal","v":1,"log":"default","from_seq":1,"to_seq":1234,"events":1234,
//    "heads":17,"tree_size":1240,"root":"<64 hex>","time":"..."}
//
// In an export the record is that line with `,"signature":"<base64>"` before the closing brace;
// dropping it gives back the signed bytes (`openssl pkeyutl -verify -rawin` checks them).
namespace velocity::audit {

// A signed statement that the log `log` had `size` events whose Merkle root was `root`.
struct TreeHead {
  std::string log;
  int64_t size = 0;
  Hash root{};
  std::string time;
  std::string signature; // 64 bytes
};

// The latest head of a log as a witness outside the state recorded it (audit/witness.hpp): the
// signed head, the fingerprint of the key that signed it, and when it was recorded. Exports and
// report bundles carry it so that an offline verifier can tell a log that ends before it.
struct WitnessedHead {
  std::string key_fingerprint; // "SHA256:<hex>"
  TreeHead head;
  std::string witnessed_at;
};

// A signed statement that an export holds events from_seq..to_seq and `heads` tree heads of the
// log, and that they belong to the tree of `tree_size` events with root `root`: a verifier can
// tell a truncated or trimmed export from a whole one.
struct ExportSeal {
  std::string log;
  int64_t from_seq = 0;
  int64_t to_seq = 0;
  int64_t events = 0;
  int64_t heads = 0;
  int64_t tree_size = 0;
  Hash root{};
  // The size and root of the witnessed head the export carries, when it carries one: a verifier
  // then knows the witness record was not removed.
  std::optional<std::pair<int64_t, Hash>> witness;
  std::string time;
  std::string signature;
};

// The exact bytes that are signed.
std::string signed_bytes(const TreeHead& head);
std::string signed_bytes(const ExportSeal& seal);

void sign(TreeHead& head, const crypto::SigningKey& key);
void sign(ExportSeal& seal, const crypto::SigningKey& key);
bool signature_valid(const TreeHead& head, const crypto::VerifyKey& key);
bool signature_valid(const ExportSeal& seal, const crypto::VerifyKey& key);

// The export line of a signed head or seal (signed bytes plus the signature field).
std::string to_line(const TreeHead& head);
std::string to_line(const ExportSeal& seal);

// Reads a head or seal from its parsed JSON record; nothing when a field is missing or malformed,
// and then, where `fault` is given, which field it is (`its "size" field is negative`).
std::optional<TreeHead> head_from_json(const nlohmann::json& record, std::string* fault = nullptr);
std::optional<ExportSeal> seal_from_json(const nlohmann::json& record,
                                         std::string* fault = nullptr);
nlohmann::json to_json(const TreeHead& head);

// A witnessed head as a record: the head's fields (as to_json(TreeHead)) with "type":"witness",
// "key_fingerprint" and "witnessed_at"; and back (nothing when a field is missing or malformed).
nlohmann::json to_json(const WitnessedHead& witnessed);
std::optional<WitnessedHead> witnessed_from_json(const nlohmann::json& record,
                                                 std::string* fault = nullptr);

} // namespace velocity::audit
