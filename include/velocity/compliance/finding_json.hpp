#pragma once

#include <velocity/compliance/library.hpp>
#include <velocity/store/findings.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <utility>

// A finding as JSON, one shape everywhere: `evidence list|show`, `collect --format json|jsonl`,
// the report's `top_failing[]` and `--format jsonl`, and the evidence files of a bundle
// (docs/report-json.md describes it).
namespace velocity::compliance {

// The `controls` of findings: for each check, one {"framework", "control", "why"}
// per framework control it gives evidence for, looked up once per check.
class CheckControls {
public:
  explicit CheckControls(Library& library) : m_library(library) {}

  const nlohmann::json& of(const std::string& check_id);
  // of(check_id) as dump(indent) writes it one level deep in an object, dumped once per check.
  const std::string& text_of(const std::string& check_id, int indent);

private:
  Library& m_library;
  std::map<std::string, nlohmann::json, std::less<>> m_cache;
  std::map<std::pair<int, std::string>, std::string> m_texts;
};

// `finding` with `controls` (CheckControls::of its check, or an empty array when the catalogues
// cannot be read).
nlohmann::json finding_json(const store::FindingRecord& finding, const nlohmann::json& controls);

// finding_json(finding, controls.of(finding.check_id)).dump(indent), with the controls (the bulk of
// the text, the same for every finding of a check) dumped once per check: findings.jsonl and the
// evidence files of a bundle hold one per finding.
std::string finding_text(const store::FindingRecord& finding, CheckControls& controls,
                         int indent = -1);

} // namespace velocity::compliance
