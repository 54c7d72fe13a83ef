#include "json_field.hpp"
#include "rows.hpp"

#include <velocity/audit/proof.hpp>
#include <velocity/core/error.hpp>

#include <fmt/format.h>

namespace velocity::audit {

nlohmann::json prove(Recorder& recorder, int64_t seq) {
  recorder.checkpoint();
  const int64_t size = recorder.size();
  if (seq < 1 || seq > size) {
    throw UsageError(fmt::format("the audit log of '{}' has events 1..{}, not {}",
                                 recorder.log_name(), size, seq));
  }
  const int64_t org_id = recorder.org().id();
  store::AuditStore audit_store(recorder.state().db());
  const auto heads = audit_store.heads(org_id);
  const auto row = audit_store.event_at(org_id, seq);
  if (heads.empty() || heads.back().size != size || !row) {
    throw IntegrityError(fmt::format("the audit log of '{}' is incomplete: event {} or its signed "
                                     "tree head is missing",
                                     recorder.log_name(), seq),
                         "run `velocity audit verify`");
  }
  const std::string line = canonical(detail::require_event(recorder.org(), *row));
  const Hash leaf = event_hash(line);
  std::vector<Hash> leaves;
  leaves.reserve(static_cast<size_t>(size));
  for (const std::string& bytes : audit_store.event_hashes(org_id, 1, size)) {
    leaves.push_back(hash_from_bytes(bytes).value_or(zero_hash()));
  }
  if (crypto::to_bytes(leaf) != row->hash || static_cast<int64_t>(leaves.size()) != size) {
    throw IntegrityError(fmt::format("audit event {} of '{}' does not match its recorded hash", seq,
                                     recorder.log_name()),
                         "run `velocity audit verify`");
  }
  const store::AuditHeadRow& latest = heads.back();
  const TreeHead head{recorder.log_name(), latest.size,
                      hash_from_bytes(latest.root).value_or(zero_hash()), latest.time,
                      latest.signature};
  nlohmann::json path = nlohmann::json::array();
  for (const Hash& node : merkle::inclusion_path(static_cast<uint64_t>(seq - 1), leaves)) {
    path.push_back(hex(node));
  }
  return {{"type", "inclusion_proof"},
          {"v", 1},
          {"log", recorder.log_name()},
          {"seq", seq},
          {"leaf_index", seq - 1},
          {"event", line},
          {"tree_head", to_json(head)},
          {"path", path},
          {"key_fingerprint", recorder.public_key().fingerprint()}};
}

ProofCheck verify_proof(const nlohmann::json& proof, const crypto::VerifyKey& key) {
  ProofCheck check;
  const auto fail = [&check](std::string why) {
    check.failure = std::move(why);
    return check;
  };
  using detail::json_field;
  if (json_field<std::string>(proof, "type") != "inclusion_proof" ||
      json_field<int>(proof, "v") != 1) {
    return fail("this is not a velocity inclusion proof (its \"type\" and \"v\" fields)");
  }
  const auto event = json_field<std::string>(proof, "event");
  if (!event) {
    return fail("the proof's \"event\" field is missing or not a string");
  }
  check.event = *event;
  const auto prefix = read_event_prefix(check.event);
  if (!prefix) {
    return fail("the proof's event is not an audit event line: it was changed");
  }
  check.seq = prefix->seq;
  if (!proof.contains("tree_head")) {
    return fail("the proof's \"tree_head\" field is missing");
  }
  std::string fault;
  const auto head = head_from_json(proof["tree_head"], &fault);
  if (!head) {
    return fail("the proof's tree head is malformed: " + fault);
  }
  check.head = head;
  if (!signature_valid(*head, key)) {
    return fail(fmt::format("the proof's tree head does not verify with key {}: it was forged or "
                            "altered, or signed with another key",
                            key.fingerprint()));
  }
  const auto leaf_index = json_field<int64_t>(proof, "leaf_index");
  if (!leaf_index) {
    return fail("the proof's \"leaf_index\" field is missing or not a whole number");
  }
  if (*leaf_index != prefix->seq - 1) {
    return fail(
      fmt::format("the proof is for leaf {} but its event is number {}", *leaf_index, prefix->seq));
  }
  std::vector<Hash> path;
  if (!proof.contains("path") || !proof["path"].is_array()) {
    return fail("the proof has no audit path");
  }
  for (const auto& node : proof["path"]) {
    const auto hash = node.is_string() ? hash_from_hex(node.get<std::string>()) : std::nullopt;
    if (!hash) {
      return fail("the proof's audit path is malformed");
    }
    path.push_back(*hash);
  }
  if (!merkle::verify_inclusion(static_cast<uint64_t>(prefix->seq - 1),
                                static_cast<uint64_t>(head->size), event_hash(check.event), path,
                                head->root)) {
    return fail(fmt::format("event {} is not in the tree of {} events the head signs: the event or "
                            "the path was changed",
                            prefix->seq, head->size));
  }
  return check;
}

} // namespace velocity::audit
