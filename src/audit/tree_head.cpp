#include "json_field.hpp"

#include <velocity/audit/tree_head.hpp>

namespace velocity::audit {

namespace {

void field(std::string& out, std::string_view name, std::string_view text) {
  out += ",\"";
  out += name;
  out += "\":";
  write_json_string(text, out);
}

void field(std::string& out, std::string_view name, int64_t number) {
  out += ",\"";
  out += name;
  out += "\":";
  out += std::to_string(number);
}

std::string with_signature(std::string bytes, std::string_view signature) {
  bytes.pop_back(); // the closing brace
  field(bytes, "signature", crypto::base64_encode(signature));
  bytes.push_back('}');
  return bytes;
}

using detail::json_field;

std::optional<std::string> signature_of(const nlohmann::json& record) {
  const auto text = json_field<std::string>(record, "signature");
  if (!text) {
    return std::nullopt;
  }
  auto bytes = crypto::base64_decode(*text);
  if (!bytes || bytes->size() != 64) {
    return std::nullopt;
  }
  return bytes;
}

} // namespace

std::string signed_bytes(const TreeHead& head) {
  std::string out = R"({"type":"tree_head","v":1)";
  field(out, "log", head.log);
  field(out, "size", head.size);
  field(out, "root", hex(head.root));
  field(out, "time", head.time);
  out.push_back('}');
  return out;
}

std::string signed_bytes(const ExportSeal& seal) {
  std::string out = R"({"type":"export_seal","v":1)";
  field(out, "log", seal.log);
  field(out, "from_seq", seal.from_seq);
  field(out, "to_seq", seal.to_seq);
  field(out, "events", seal.events);
  field(out, "heads", seal.heads);
  field(out, "tree_size", seal.tree_size);
  field(out, "root", hex(seal.root));
  if (seal.witness) {
    field(out, "witness_size", seal.witness->first);
    field(out, "witness_root", hex(seal.witness->second));
  }
  field(out, "time", seal.time);
  out.push_back('}');
  return out;
}

void sign(TreeHead& head, const crypto::SigningKey& key) {
  head.signature = key.sign(signed_bytes(head));
}

void sign(ExportSeal& seal, const crypto::SigningKey& key) {
  seal.signature = key.sign(signed_bytes(seal));
}

bool signature_valid(const TreeHead& head, const crypto::VerifyKey& key) {
  return key.verify(signed_bytes(head), head.signature);
}

bool signature_valid(const ExportSeal& seal, const crypto::VerifyKey& key) {
  return key.verify(signed_bytes(seal), seal.signature);
}

std::string to_line(const TreeHead& head) {
  return with_signature(signed_bytes(head), head.signature);
}

std::string to_line(const ExportSeal& seal) {
  return with_signature(signed_bytes(seal), seal.signature);
}

std::optional<TreeHead> head_from_json(const nlohmann::json& record) {
  const auto log = json_field<std::string>(record, "log");
  const auto size = json_field<int64_t>(record, "size");
  const auto root = json_field<std::string>(record, "root");
  const auto time = json_field<std::string>(record, "time");
  auto signature = signature_of(record);
  if (!log || !size || !root || !time || !signature || *size < 0 ||
      json_field<int>(record, "v") != 1) {
    return std::nullopt;
  }
  const auto root_hash = hash_from_hex(*root);
  if (!root_hash) {
    return std::nullopt;
  }
  return TreeHead{*log, *size, *root_hash, *time, std::move(*signature)};
}

std::optional<ExportSeal> seal_from_json(const nlohmann::json& record) {
  const auto log = json_field<std::string>(record, "log");
  const auto from = json_field<int64_t>(record, "from_seq");
  const auto to = json_field<int64_t>(record, "to_seq");
  const auto events = json_field<int64_t>(record, "events");
  const auto heads = json_field<int64_t>(record, "heads");
  const auto tree_size = json_field<int64_t>(record, "tree_size");
  const auto root = json_field<std::string>(record, "root");
  const auto time = json_field<std::string>(record, "time");
  auto signature = signature_of(record);
  if (!log || !from || !to || !events || !heads || !tree_size || !root || !time || !signature ||
      json_field<int>(record, "v") != 1) {
    return std::nullopt;
  }
  const auto root_hash = hash_from_hex(*root);
  if (!root_hash) {
    return std::nullopt;
  }
  ExportSeal seal{*log,       *from,      *to,          *events, *heads,
                  *tree_size, *root_hash, std::nullopt, *time,   std::move(*signature)};
  const auto witness_size = json_field<int64_t>(record, "witness_size");
  const auto witness_root = json_field<std::string>(record, "witness_root");
  if (witness_size || witness_root) {
    const auto witness_hash = witness_root ? hash_from_hex(*witness_root) : std::nullopt;
    if (!witness_size || !witness_hash) {
      return std::nullopt;
    }
    seal.witness = std::make_pair(*witness_size, *witness_hash);
  }
  return seal;
}

// The record head_from_json reads back (an inclusion proof carries it): type and version too.
nlohmann::json to_json(const TreeHead& head) {
  return {{"type", "tree_head"},
          {"v", 1},
          {"log", head.log},
          {"size", head.size},
          {"root", hex(head.root)},
          {"time", head.time},
          {"signature", crypto::base64_encode(head.signature)}};
}

nlohmann::json to_json(const WitnessedHead& witnessed) {
  nlohmann::json record = to_json(witnessed.head);
  record["type"] = "witness";
  record["key_fingerprint"] = witnessed.key_fingerprint;
  record["witnessed_at"] = witnessed.witnessed_at;
  return record;
}

std::optional<WitnessedHead> witnessed_from_json(const nlohmann::json& record) {
  auto head = head_from_json(record);
  const auto fingerprint = json_field<std::string>(record, "key_fingerprint");
  const auto witnessed_at = json_field<std::string>(record, "witnessed_at");
  if (!head || !fingerprint || !witnessed_at) {
    return std::nullopt;
  }
  return WitnessedHead{*fingerprint, std::move(*head), *witnessed_at};
}

} // namespace velocity::audit
