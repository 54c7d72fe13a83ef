#include <velocity/compliance/acceptance.hpp>

#include <fmt/format.h>

#include <fnmatch.h>

namespace velocity::compliance {

namespace {

constexpr std::string_view k_aws_prefix = "aws_";

std::vector<Pattern> one_glob(const std::string& text) {
  if (text == "*") {
    return {};
  }
  return {Pattern::glob(text)};
}

bool excepted(const RuleException& exception, const store::FindingRecord& finding) {
  const auto listed_and_matches = [](const std::vector<Pattern>& patterns, std::string_view value) {
    return patterns.empty() || any_matches(patterns, value);
  };
  return listed_and_matches(exception.accounts, finding.account_id) &&
         listed_and_matches(exception.regions, finding.region) &&
         listed_and_matches(exception.resources, finding.resource_id);
}

} // namespace

bool glob_matches(std::string_view pattern, std::string_view text) {
  return ::fnmatch(std::string(pattern).c_str(), std::string(text).c_str(), 0) == 0;
}

Pattern Pattern::glob(std::string text) {
  Pattern pattern;
  pattern.m_text = std::move(text);
  return pattern;
}

Pattern Pattern::prowler(std::string text) {
  Pattern pattern;
  std::string expression = text;
  if (!expression.empty() && expression.front() == '*') {
    expression = ".*" + expression.substr(1);
  }
  // libstdc++'s polynomial mode matches breadth-first, in time polynomial in the pattern and the
  // value: the default depth-first matcher backtracks, and a pattern like `(a*)*b` took minutes
  // (and its recursion, the stack) on a 200-character resource id. Back-references, which need
  // backtracking, are refused in this mode (std::regex_error, as for an invalid pattern).
  pattern.m_regex = std::make_shared<const std::regex>(
    expression, std::regex::ECMAScript | std::regex_constants::__polynomial);
  pattern.m_text = std::move(text);
  return pattern;
}

bool Pattern::matches(std::string_view value) const {
  if (m_regex) {
    return std::regex_search(value.begin(), value.end(), *m_regex);
  }
  return glob_matches(m_text, value);
}

bool any_matches(const std::vector<Pattern>& patterns, std::string_view value) {
  if (patterns.empty()) {
    return true;
  }
  for (const Pattern& pattern : patterns) {
    if (pattern.matches(value)) {
      return true;
    }
  }
  return false;
}

bool AcceptRule::covers(const store::FindingRecord& finding) const {
  std::string_view check_id = finding.check_id;
  if (aws_only) {
    if (finding.platform != "aws" || !check_id.starts_with(k_aws_prefix)) {
      return false;
    }
    check_id.remove_prefix(k_aws_prefix.size());
  }
  if (!check.matches(check_id) || !any_matches(integrations, finding.integration) ||
      !any_matches(accounts, finding.account_id) || !any_matches(regions, finding.region) ||
      !any_matches(resources, finding.resource_id)) {
    return false;
  }
  for (const RuleException& exception : exceptions) {
    if (excepted(exception, finding)) {
      return false;
    }
  }
  return true;
}

AcceptRule rule_of(const store::AcceptanceRecord& record) {
  AcceptRule rule;
  rule.id = std::to_string(record.id);
  rule.check = Pattern::glob(record.check_id);
  rule.integrations = one_glob(record.integration_pattern);
  rule.accounts = one_glob(record.account_pattern);
  rule.regions = one_glob(record.region_pattern);
  rule.resources = one_glob(record.resource_pattern);
  rule.owner = record.owner;
  rule.reason = record.reason;
  rule.expires_at = time::parse_iso8601(record.expires_at);
  return rule;
}

std::optional<store::Acceptance> AcceptRules::covering(const store::FindingRecord& finding,
                                                       time::TimePoint now) const {
  if (finding.status != store::Status::fail) {
    return std::nullopt;
  }
  for (const AcceptRule& rule : m_rules) {
    if ((!rule.expires_at || now < *rule.expires_at) && rule.covers(finding)) {
      return store::Acceptance{.id = rule.id,
                               .owner = rule.owner,
                               .reason = rule.reason,
                               .expires_at = expiry_text(rule.expires_at)};
    }
  }
  return std::nullopt;
}

std::string expiry_text(const std::optional<time::TimePoint>& expires_at) {
  return expires_at ? time::to_iso8601(*expires_at).substr(0, 10) : std::string();
}

} // namespace velocity::compliance
