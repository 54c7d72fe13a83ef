#pragma once

#include <velocity/crypto/digest.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Audit events and their canonical serialisation (docs/audit-format.md is the reference).
//
// The canonical bytes of an event are one line of compact JSON with the fields in this fixed
// order and nothing else:
//
//   {"type":"audit_event","v":1,"seq":17,"prev":"<64 hex>","time":"2026-11-23T07:59:04.123Z",
//    "category":"system_security","actor":"alice","action":"org.create",
//    "resource_type":"organization","resource_id":"acme","outcome":"success",
//    "correlation_id":"<32 hex>","nonce":"<32 hex>","details":{...}}
//
// Strings escape `"` and `\` with a backslash, \b \f \n \r \t by name, the other bytes under 0x20
// as \u00XX (lower-case hex), and nothing else (UTF-8 is written as is). `seq` is a decimal
// integer from 1, `prev` the hash of event seq-1 (64 zeros for event 1). `details` is the exact
// compact JSON object recorded at append time (sorted keys, no spaces). The `nonce` is 128 random
// bits: it is sealed with the details in the state, so the hashes stored in the clear there do
// not let anyone test guesses of the details.
//
// The hash of an event is its RFC 9162 leaf hash, SHA-256(0x00 || canonical bytes): the same
// value links the hash chain (the next event's `prev`) and is the event's leaf in the Merkle tree
// that tree heads sign. An export writes each event as exactly its canonical bytes, so a verifier
// hashes lines as they are, with the details in plaintext, and needs neither state nor key.
namespace velocity::audit {

using Hash = crypto::Sha256Digest;

enum class Category { authentication, authorization, data_access, agent_activity, system_security };
enum class Outcome { success, failure, denied };

std::string_view to_string(Category category);
std::string_view to_string(Outcome outcome);
// Parses a category or outcome name; nothing when it is not one.
std::optional<Category> parse_category(std::string_view name);
std::optional<Outcome> parse_outcome(std::string_view name);

// What a command says happened; the recorder adds the sequence number, time, actor, correlation
// id, nonce and chain link.
struct EventInput {
  Category category = Category::system_security;
  std::string action;        // dotted lower-case verb, e.g. "org.create"
  std::string resource_type; // e.g. "organization"
  std::string resource_id;   // e.g. "acme"
  Outcome outcome = Outcome::success;
  nlohmann::json details = nlohmann::json::object();
};

// A recorded event, every field as text or bytes exactly as hashed (so a tampered value still
// reproduces the bytes it was stored as).
struct Event {
  int64_t seq = 0;
  Hash prev{};
  std::string time;
  std::string category;
  std::string actor;
  std::string action;
  std::string resource_type;
  std::string resource_id;
  std::string outcome;
  std::string correlation_id;
  std::string nonce;   // 16 bytes
  std::string details; // compact JSON object text
};

// Appends the canonical bytes of `event` to `out`.
void write_canonical(const Event& event, std::string& out);
std::string canonical(const Event& event);

// SHA-256(0x00 || canonical): the event's chain hash and Merkle leaf.
Hash event_hash(std::string_view canonical_bytes);
// The same, reusing `scratch` so that a loop over many events does not allocate.
Hash event_hash(std::string_view canonical_bytes, std::string& scratch);

// The two fields a verifier needs from an event line before hashing it: read from the fixed
// prefix `{"type":"audit_event","v":1,"seq":N,"prev":"<hex>",` without a JSON parser. Nothing
// when the line does not start that way or does not end with `}`.
struct EventPrefix {
  int64_t seq;
  Hash prev;
};
std::optional<EventPrefix> read_event_prefix(std::string_view line);

// True when `line` starts like an event line (whatever follows).
bool looks_like_event(std::string_view line);

// Parses a whole event line (for display and proofs). Nothing when it is not one.
std::optional<Event> parse_event(std::string_view line);

// `details` as compact JSON with sorted keys; invalid UTF-8 is replaced, so any input records.
std::string details_text(const nlohmann::json& details);

// `text` with invalid UTF-8 sequences replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

// Appends `text` as a JSON string (quotes included) with the canonical escaping above.
void write_json_string(std::string_view text, std::string& out);

// 32 zero bytes: the `prev` of event 1 and the last hash of an empty log.
Hash zero_hash();
// Hex of 32 bytes, and back (nothing unless exactly 64 hex digits).
std::string hex(const Hash& hash);
std::optional<Hash> hash_from_hex(std::string_view text);
// 32 raw bytes as a Hash; nothing for another size.
std::optional<Hash> hash_from_bytes(std::string_view bytes);

} // namespace velocity::audit
