#pragma once

#include <velocity/core/time.hpp>
#include <velocity/store/acceptances.hpp>
#include <velocity/store/findings.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

// Which failing findings an accepted risk covers: the acceptances of the state (`velocity
// accept`) and the entries of accept files (`--accept-file`, velocity's shape or Prowler's
// mutelist; docs/accept-files.md).
namespace velocity::compliance {

// True when `text` matches the shell-style pattern `pattern` (fnmatch(3) without flags: `*` and
// `?` match '/' too, `[...]` is a set, `\` quotes).
bool glob_matches(std::string_view pattern, std::string_view text);

// One pattern of a rule: a shell-style glob (velocity), or a Prowler mutelist item, which is a
// regular expression searched anywhere in the value, a leading `*` read as `.*`.
class Pattern {
public:
  static Pattern glob(std::string text);
  // Throws std::regex_error when `text` is not a valid regular expression.
  static Pattern prowler(std::string text);
  bool matches(std::string_view value) const;
  const std::string& text() const noexcept { return m_text; }

private:
  std::string m_text;
  std::shared_ptr<const std::regex> m_regex; // set for a Prowler item
};

// Any of the patterns matches; an empty list matches everything.
bool any_matches(const std::vector<Pattern>& patterns, std::string_view value);

// A Prowler mutelist exception: the finding is excepted when each list given matches it (at least
// one list given).
struct RuleException {
  std::vector<Pattern> accounts;
  std::vector<Pattern> regions;
  std::vector<Pattern> resources;
};

struct AcceptRule {
  // The state's acceptance id, or FILE:LINE of a file entry.
  std::string id;
  // Velocity check ids the rule covers; a Prowler rule matches them without their `aws_` prefix
  // and covers AWS findings only.
  Pattern check = Pattern::glob("*");
  bool aws_only = false;
  std::vector<Pattern> integrations;
  std::vector<Pattern> accounts;
  std::vector<Pattern> regions;
  std::vector<Pattern> resources;
  std::vector<RuleException> exceptions;
  std::string owner;
  std::string reason;
  // When it stops covering anything; nothing for a Prowler mutelist entry (docs/accept-files.md).
  std::optional<time::TimePoint> expires_at;

  // True when the rule (in force or not) covers a finding of this check on this resource.
  bool covers(const store::FindingRecord& finding) const;
};

// The rule of a `velocity accept` record (not revoked).
AcceptRule rule_of(const store::AcceptanceRecord& record);

// The longest lifetime an acceptance may have: one year, or less when the config file says so.
inline constexpr int k_max_acceptance_days = 365;

// An accept file read: its rules, and what a reader should be told (an expired entry, a Prowler
// entry velocity cannot evaluate) as "FILE:LINE: ..." lines.
struct AcceptFile {
  std::vector<AcceptRule> rules;
  std::vector<std::string> warnings;
};

// Reads an accept file in velocity's shape (`accept:`) or Prowler's mutelist (`Mutelist:`).
// `known_checks` are the catalogue's check ids: an entry naming another is refused. Expired
// entries are kept out of the rules and warned about; an entry expiring after `now` plus
// `max_days` is refused. Every problem throws UsageError (exit 2) naming FILE:LINE and the field.
AcceptFile read_accept_file(const std::filesystem::path& path,
                            const std::vector<std::string>& known_checks, time::TimePoint now,
                            int max_days);
// The same for the text of an accept file named `file_name` in messages and ids.
AcceptFile parse_accept_file(std::string_view text, std::string_view file_name,
                             const std::vector<std::string>& known_checks, time::TimePoint now,
                             int max_days);

// The rules in force, state acceptances first, then the files' entries in order.
class AcceptRules {
public:
  void add(AcceptRule rule) { m_rules.push_back(std::move(rule)); }
  bool empty() const noexcept { return m_rules.empty(); }
  const std::vector<AcceptRule>& rules() const noexcept { return m_rules; }
  // The acceptance of the first rule in force at `now` that covers `finding`, when it fails.
  std::optional<store::Acceptance> covering(const store::FindingRecord& finding,
                                            time::TimePoint now) const;

private:
  std::vector<AcceptRule> m_rules;
};

// "2027-03-31" for an expiry time, "" for none.
std::string expiry_text(const std::optional<time::TimePoint>& expires_at);

} // namespace velocity::compliance
