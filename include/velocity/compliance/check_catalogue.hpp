#pragma once

#include <velocity/store/verdict.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

// The automated checks as data: frameworks/checks/<platform>[-<service>].yaml, one entry per check,
// with what it tests, why it matters, how to fix it and the framework controls it gives evidence
// for. The providers evaluate the checks (C++); everything else about a check is read from here.
namespace velocity::compliance {

using store::Severity;

// One framework control a check tests, and why: the check's result counts for this control
// only because of this line.
struct CheckControl {
  std::string id;
  std::string why;
  int line = 0; // where the control id is written, for messages
};

// The controls of one framework a check tests, in the order the entry lists them.
struct CheckFrameworkControls {
  std::string framework;
  std::vector<CheckControl> controls;
  int line = 0; // where the framework id is written
};

struct Remediation {
  std::vector<std::string> steps;
  std::string cli; // empty when no single command fixes it
  std::string url;
};

// A CIS Benchmark recommendation the check implements.
struct CisReference {
  std::string benchmark; // "CIS Amazon Web Services Foundations Benchmark v5.0.0"
  std::vector<std::string> recommendations;
};

struct CheckReferences {
  std::optional<CisReference> cis;
  std::vector<std::string> prowler; // Prowler check ids with the same rule
};

// One automated check.
struct Check {
  std::string id;
  std::string platform;
  std::string service;
  std::string evidence_type;
  Severity severity = Severity::medium;
  std::string title;
  std::string risk;
  Remediation remediation;
  CheckReferences references;
  std::vector<CheckFrameworkControls> controls;
  std::string source; // the file it is written in
  int line = 0;       // where its entry starts

  // The controls of `framework_id` this check tests (empty when none).
  const std::vector<CheckControl>& controls_in(std::string_view framework_id) const;
};

// A check a platform evaluates, as the providers declare it. The compliance module cannot see
// the providers; the cli hands these over so the catalogue can be checked against them.
struct Evaluator {
  std::string platform;
  std::string id;
  std::string evidence_type;
};

// Every check of the catalogue, by platform file (in name order), then in file order.
class CheckCatalogue {
public:
  std::vector<Check> checks;
  // The files the entries came from (for messages); empty when the catalogue has no checks/.
  std::vector<std::string> sources;

  const Check* find(std::string_view id) const;
  // Builds the id index; called once by the loader.
  void index();

private:
  std::unordered_map<std::string, size_t> m_by_id;
};

} // namespace velocity::compliance
