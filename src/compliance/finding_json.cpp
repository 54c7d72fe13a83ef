#include <velocity/compliance/finding_json.hpp>

namespace velocity::compliance {

namespace {

nlohmann::json optional_json(const auto& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// An accept file entry has no expiry (docs/accept-files.md): null, never "".
nlohmann::json acceptance_json(const std::optional<store::Acceptance>& acceptance) {
  if (!acceptance) {
    return nullptr;
  }
  return {{"id", acceptance->id},
          {"owner", acceptance->owner},
          {"reason", acceptance->reason},
          {"expires_at", acceptance->expires_at.empty() ? nlohmann::json(nullptr)
                                                        : nlohmann::json(acceptance->expires_at)}};
}

} // namespace

const nlohmann::json& CheckControls::of(const std::string& check_id) {
  if (const auto found = m_cache.find(check_id); found != m_cache.end()) {
    return found->second;
  }
  nlohmann::json controls = nlohmann::json::array();
  for (const CheckMapping& mapping : m_library.controls_for_check(check_id)) {
    controls.push_back(
      {{"framework", mapping.framework}, {"control", mapping.control}, {"why", mapping.why}});
  }
  return m_cache.emplace(check_id, std::move(controls)).first->second;
}

const std::string& CheckControls::text_of(const std::string& check_id, int indent) {
  auto found = m_texts.find({indent, check_id});
  if (found == m_texts.end()) {
    const std::string dumped = of(check_id).dump(indent);
    // One level deep: JSON text has no raw line break inside a string, so each one starts a line.
    std::string text;
    for (const char c : dumped) {
      text += c;
      if (c == '\n') {
        text.append(static_cast<size_t>(indent), ' ');
      }
    }
    found = m_texts.emplace(std::pair{indent, check_id}, std::move(text)).first;
  }
  return found->second;
}

nlohmann::json finding_json(const store::FindingRecord& finding, const nlohmann::json& controls) {
  return {{"id", finding.id},
          {"evidence_id", optional_json(finding.evidence_id)},
          {"integration", finding.integration},
          {"platform", finding.platform},
          {"evidence_type", finding.evidence_type},
          {"check_id", finding.check_id},
          {"severity", to_string(finding.severity)},
          {"status", to_string(finding.status)},
          {"resource_id", finding.resource_id},
          {"account_id", finding.account_id},
          {"region", finding.region},
          {"reason", finding.reason},
          {"first_seen_at", finding.first_seen_at},
          {"first_failed_at", optional_json(finding.first_failed_at)},
          {"last_seen_at", finding.last_seen_at},
          {"passed_again_at", optional_json(finding.passed_again_at)},
          {"acceptance", acceptance_json(finding.acceptance)},
          {"controls", controls}};
}

std::string finding_text(const store::FindingRecord& finding, CheckControls& controls, int indent) {
  std::string text = finding_json(finding, nlohmann::json::array()).dump(indent);
  // The finding is dumped with an empty controls array, whose "[]" is then replaced by the
  // check's controls dumped once per check. No key before "controls" holds an object with such
  // a key, and in compact text no string holds `,"` unescaped, so the first match is the key.
  const std::string empty_controls =
    indent < 0 ? std::string(",\"controls\":[]")
               : "\n" + std::string(static_cast<size_t>(indent), ' ') + "\"controls\": []";
  const size_t at = text.find(empty_controls);
  text.replace(at + empty_controls.size() - 2, 2, controls.text_of(finding.check_id, indent));
  return text;
}

} // namespace velocity::compliance
