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

using detail::FieldReader;

std::optional<std::string> signature_of(FieldReader& fields) {
  const auto text = fields.get<std::string>("signature");
  if (!text) {
    return std::nullopt;
  }
  auto bytes = crypto::base64_decode(*text);
  if (!bytes || bytes->size() != 64) {
    fields.note("signature", "not an Ed25519 signature in base64");
    return std::nullopt;
  }
  return bytes;
}

std::optional<Hash> root_of(FieldReader& fields, const char* name) {
  const auto text = fields.get<std::string>(name);
  const auto hash = text ? hash_from_hex(*text) : std::nullopt;
  if (text && !hash) {
    fields.note(name, "not a SHA-256 in hexadecimal");
  }
  return hash;
}

bool version_one(FieldReader& fields) {
  const auto version = fields.get<int>("v");
  if (version && *version != 1) {
    fields.note("v", "not 1");
  }
  return version == 1;
}

std::optional<TreeHead> read_head(FieldReader& fields) {
  const auto log = fields.get<std::string>("log");
  const auto size = fields.get<int64_t>("size");
  if (size && *size < 0) {
    fields.note("size", "negative");
  }
  const auto root = root_of(fields, "root");
  const auto time = fields.get<std::string>("time");
  auto signature = signature_of(fields);
  const bool known_version = version_one(fields);
  if (!log || !size || *size < 0 || !root || !time || !signature || !known_version) {
    return std::nullopt;
  }
  return TreeHead{*log, *size, *root, *time, std::move(*signature)};
}

// The result of a read, with its fault given to the caller that asked for it.
template <typename T>
std::optional<T> explained(std::optional<T> read, const FieldReader& fields, std::string* fault) {
  if (!read && fault) {
    *fault = fields.fault();
  }
  return read;
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

std::optional<TreeHead> head_from_json(const nlohmann::json& record, std::string* fault) {
  FieldReader fields(record);
  return explained(read_head(fields), fields, fault);
}

namespace {

std::optional<ExportSeal> read_seal(FieldReader& fields) {
  const auto log = fields.get<std::string>("log");
  const auto from = fields.get<int64_t>("from_seq");
  const auto to = fields.get<int64_t>("to_seq");
  const auto events = fields.get<int64_t>("events");
  const auto heads = fields.get<int64_t>("heads");
  const auto tree_size = fields.get<int64_t>("tree_size");
  const auto root = root_of(fields, "root");
  const auto time = fields.get<std::string>("time");
  auto signature = signature_of(fields);
  const bool known_version = version_one(fields);
  if (!log || !from || !to || !events || !heads || !tree_size || !root || !time || !signature ||
      !known_version) {
    return std::nullopt;
  }
  ExportSeal seal{*log,       *from, *to,          *events, *heads,
                  *tree_size, *root, std::nullopt, *time,   std::move(*signature)};
  if (fields.record().contains("witness_size") || fields.record().contains("witness_root")) {
    const auto size = fields.get<int64_t>("witness_size");
    const auto hash = root_of(fields, "witness_root");
    if (!size || !hash) {
      return std::nullopt;
    }
    seal.witness = std::make_pair(*size, *hash);
  }
  return seal;
}

} // namespace

std::optional<ExportSeal> seal_from_json(const nlohmann::json& record, std::string* fault) {
  FieldReader fields(record);
  return explained(read_seal(fields), fields, fault);
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

std::optional<WitnessedHead> witnessed_from_json(const nlohmann::json& record, std::string* fault) {
  FieldReader fields(record);
  auto head = read_head(fields);
  const auto fingerprint = fields.get<std::string>("key_fingerprint");
  const auto witnessed_at = fields.get<std::string>("witnessed_at");
  if (!head || !fingerprint || !witnessed_at) {
    return explained(std::optional<WitnessedHead>(), fields, fault);
  }
  return WitnessedHead{*fingerprint, std::move(*head), *witnessed_at};
}

} // namespace velocity::audit
