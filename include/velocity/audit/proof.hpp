#pragma once

#include <velocity/audit/recorder.hpp>
#include <velocity/audit/tree_head.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

// Inclusion proofs (RFC 9162 section 2.1.3): one event, the latest signed tree head, and the
// audit path between them, in one JSON document that checks offline with the public key alone:
//   {"type":"inclusion_proof","v":1,"log":"default","seq":5,"leaf_index":4,
//    "event":"<the event's canonical line, as a JSON string>",
//    "tree_head":{"log":..,"size":..,"root":..,"time":..,"signature":..},
//    "path":["<hex>",...],"key_fingerprint":"SHA256:..."}
namespace velocity::audit {

// The proof that event `seq` is in the log, against a head over the whole log (signed first when
// the latest does not cover it). Throws UsageError for a sequence number outside the log,
// IntegrityError when the event no longer matches its recorded hash.
nlohmann::json prove(Recorder& recorder, int64_t seq);

struct ProofCheck {
  std::optional<std::string> failure; // why the proof does not hold; nothing when it does
  int64_t seq = 0;
  std::optional<TreeHead> head;
  std::string event; // the canonical line
};

// Checks a proof with `key`: the head's signature, the event's hash, and the path to the root.
ProofCheck verify_proof(const nlohmann::json& proof, const crypto::VerifyKey& key);

} // namespace velocity::audit
