#include <velocity/audit/verify.hpp>

#include <array>

namespace velocity::audit {

std::string_view to_string(Problem problem) {
  static constexpr std::array<std::string_view, 12> names = {
    "changed",  "deleted", "deleted_tail", "inserted", "reordered", "forged_head",
    "resigned", "tail",    "malformed",    "gone",     "replaced",  "rolled_back"};
  return names.at(static_cast<size_t>(problem));
}

nlohmann::json to_json(const VerifyResult& result) {
  nlohmann::json json = {{"log", result.log},
                         {"ok", result.ok()},
                         {"key_fingerprint", result.key_fingerprint},
                         {"events_checked", result.events_checked},
                         {"first_seq", result.first_seq},
                         {"last_seq", result.last_seq},
                         {"heads_checked", result.heads_checked},
                         {"unsigned_events", result.unsigned_events},
                         {"latest_head", nullptr},
                         {"failure", nullptr}};
  if (result.latest_head) {
    json["latest_head"] = to_json(*result.latest_head);
  }
  json["witness"] = result.witness ? to_json(*result.witness) : nlohmann::json(nullptr);
  json["warnings"] = result.warnings;
  if (result.failure) {
    json["failure"] = {
      {"problem", to_string(result.failure->problem)},
      {"seq", result.failure->seq ? nlohmann::json(*result.failure->seq) : nullptr},
      {"message", result.failure->message}};
  }
  return json;
}

} // namespace velocity::audit
