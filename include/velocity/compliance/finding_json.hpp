#pragma once

#include <velocity/compliance/library.hpp>
#include <velocity/store/findings.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>

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
  // of(check_id) as dump(2) writes it, dumped once per check (a bundle's evidence files).
  const std::string& indented_text(const std::string& check_id);

private:
  Library& m_library;
  std::map<std::string, nlohmann::json, std::less<>> m_cache;
  std::map<std::string, std::string, std::less<>> m_indented;
};

// `finding` with `controls` (CheckControls::of its check, or an empty array when the catalogues
// cannot be read).
nlohmann::json finding_json(const store::FindingRecord& finding, const nlohmann::json& controls);

} // namespace velocity::compliance
