#pragma once

#include <velocity/audit/tree_head.hpp>
#include <velocity/crypto/ed25519.hpp>
#include <velocity/store/state.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Verifying an audit log, in the state or from an export, and saying what is wrong with the
// first bad event or tree head.
namespace velocity::audit {

// What kind of tampering verification found.
enum class Problem {
  changed,      // an event's fields differ from what was hashed
  deleted,      // events are missing from the middle
  deleted_tail, // events are missing at the end (a signed head, seal or the tail covers them)
  inserted,     // an event is there that was not appended in sequence
  reordered,    // events are out of order
  forged_head,  // a tree head or seal does not verify with the key
  resigned,     // heads were signed with another key than the log's
  tail,         // the log's authenticated tail record was modified
  malformed,    // a record that velocity never writes
  gone,         // a log the witness saw is no longer there
  replaced,     // a log (or the state) was started over: another key than the witness saw
  rolled_back,  // a log ends before the head the witness saw, or does not extend it
};

std::string_view to_string(Problem problem);

struct Failure {
  Problem problem;
  std::optional<int64_t> seq; // the first bad event, when one can be named
  std::string message;        // what is wrong, with which event or head, and why
};

struct VerifyResult {
  std::string log;
  std::string key_fingerprint;
  int64_t events_checked = 0;
  int64_t first_seq = 0;
  int64_t last_seq = 0;
  int64_t heads_checked = 0;
  std::optional<TreeHead> latest_head;
  // Events after the latest signed head, covered only by the tail MAC (a command was stopped
  // before it signed); the next command signs them. Always 0 for an export.
  int64_t unsigned_events = 0;
  // The witnessed head the log was checked against (audit/witness.hpp), and the root of the log's
  // first witness->head.size events as verification computed it.
  std::optional<WitnessedHead> witness;
  std::optional<Hash> witnessed_root;
  // What could not be checked, and why (no witness yet).
  std::vector<std::string> warnings;
  std::optional<Failure> failure;

  bool ok() const noexcept { return !failure.has_value(); }
};

// Verifies the log of `org_name` in the state: each event's content against its stored hash, the
// hash chain, every tree head's signature (with the key unsealed from the state, not the stored
// copy) and root, and the authenticated tail. Never appends; reads every event's details. With
// `witnessed_size`, also reports the root of the first that many events (witnessed_root).
VerifyResult verify_state(store::State& state, std::string_view org_name,
                          std::optional<int64_t> witnessed_size = std::nullopt);

// Verifies an export (velocity audit export --format jsonl) with nothing but the file and the
// organisation's public key: the chain, every head, the seal, and that the export's own key is
// `key`; when the export carries a witnessed head, that its log extends to it (the size, and the
// root wherever the export has the tree at that size). Streams the file; memory does not grow
// with its size.
VerifyResult verify_export(const std::filesystem::path& file, const crypto::VerifyKey& key);

nlohmann::json to_json(const VerifyResult& result);

} // namespace velocity::audit
