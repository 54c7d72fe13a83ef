// Accept files (docs/accept-files.md): velocity's own shape, and Prowler's mutelist read as it is.

#include "yaml_reader.hpp"

#include <velocity/compliance/acceptance.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/core/input_limits.hpp>
#include <velocity/core/suggest.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace velocity::compliance {

namespace {

using detail::Diagnostics;
using detail::Fields;
using detail::Need;

constexpr std::string_view k_help = "fix the file; docs/accept-files.md describes both shapes";

std::vector<Pattern> globs(const std::optional<std::vector<std::string>>& texts) {
  std::vector<Pattern> patterns;
  for (const std::string& text : texts.value_or(std::vector<std::string>{})) {
    if (text != "*") {
      patterns.push_back(Pattern::glob(text));
    }
  }
  return patterns;
}

bool has_glob(std::string_view text) {
  return text.find_first_of("*?[") != std::string_view::npos;
}

class Reader {
public:
  Reader(std::string_view file_name, const std::vector<std::string>& known_checks,
         time::TimePoint now, int max_days)
    : m_file(file_name),
      m_diagnostics(std::string(file_name)),
      m_known_checks(known_checks),
      m_now(now),
      m_max_days(max_days) {}

  AcceptFile read(std::string_view text) {
    const YAML::Node root = detail::parse_yaml(text, m_diagnostics);
    m_diagnostics.throw_if_any("accept file", std::string(k_help));
    Fields top(root, m_diagnostics, "the file", {"accept", "Mutelist"});
    const auto velocity_entries = top.node("accept", Need::optional);
    const auto mutelist = top.node("Mutelist", Need::optional);
    if (top.line_of("accept") == 0 && top.line_of("Mutelist") == 0 && m_diagnostics.empty()) {
      m_diagnostics.error(root.Mark(), "the file: expected 'accept:' (velocity) or 'Mutelist:' "
                                       "(Prowler) at the top");
    }
    if (velocity_entries) {
      read_velocity(*velocity_entries);
    }
    if (mutelist) {
      read_mutelist(*mutelist);
    }
    m_diagnostics.throw_if_any("accept file", std::string(k_help));
    return std::move(m_result);
  }

private:
  std::string id_at(const YAML::Mark& mark) const {
    return fmt::format("{}:{}", m_file, mark.line + 1);
  }

  void warn(const YAML::Mark& mark, std::string_view message) {
    m_result.warnings.push_back(fmt::format("{}: {}", id_at(mark), message));
  }

  // A check id, or a glob that matches at least one.
  void check_velocity_check(Fields& fields, const std::string& check) {
    if (has_glob(check)) {
      if (std::none_of(m_known_checks.begin(), m_known_checks.end(),
                       [&](const std::string& id) { return glob_matches(check, id); })) {
        fields.error("check", fmt::format("'{}' matches no check", check));
      }
      return;
    }
    if (std::find(m_known_checks.begin(), m_known_checks.end(), check) == m_known_checks.end()) {
      const std::string guess = suggest::closest(check, m_known_checks);
      fields.error("check", fmt::format("'{}' is not a check{}", check,
                                        guess.empty() ? std::string()
                                                      : fmt::format(" (did you mean {}?)", guess)));
    }
  }

  std::optional<time::TimePoint> expiry(Fields& fields, const YAML::Node& entry) {
    const auto text = fields.text("expires", Need::required);
    if (!text) {
      return std::nullopt;
    }
    const auto when = time::parse_iso8601(*text);
    if (!when) {
      fields.error("expires", fmt::format("must be a date like 2027-03-31, not '{}'", *text));
      return std::nullopt;
    }
    if (*when > m_now + std::chrono::days(m_max_days)) {
      fields.error("expires", fmt::format("{} is more than {} days away, the longest an "
                                          "acceptance may last",
                                          *text, m_max_days));
      return std::nullopt;
    }
    if (*when <= m_now) {
      warn(entry.Mark(), fmt::format("expired on {}: its findings fail again", *text));
    }
    return when;
  }

  void read_velocity(const YAML::Node& entries) {
    if (!entries.IsSequence()) {
      m_diagnostics.error(entries.Mark(), "the file: 'accept' must be a list of entries");
      return;
    }
    for (const YAML::Node& entry : entries) {
      const std::string what = fmt::format("entry at line {}", entry.Mark().line + 1);
      Fields fields(entry, m_diagnostics, what,
                    {"check", "resources", "integrations", "accounts", "regions", "owner", "reason",
                     "expires"});
      AcceptRule rule;
      rule.id = id_at(entry.Mark());
      const auto check = fields.text("check", Need::required);
      if (check) {
        check_velocity_check(fields, *check);
        rule.check = Pattern::glob(*check);
      }
      rule.resources = globs(fields.text_list("resources", Need::optional));
      rule.integrations = globs(fields.text_list("integrations", Need::optional));
      rule.accounts = globs(fields.text_list("accounts", Need::optional));
      rule.regions = globs(fields.text_list("regions", Need::optional));
      rule.owner = fields.text("owner", Need::required).value_or("");
      rule.reason = fields.text("reason", Need::required).value_or("");
      rule.expires_at = expiry(fields, entry);
      if (rule.expires_at && *rule.expires_at > m_now) {
        m_result.rules.push_back(std::move(rule));
      }
    }
  }

  std::vector<Pattern> prowler_list(Fields& fields, std::string_view key, Need need) {
    std::vector<Pattern> patterns;
    for (const std::string& text :
         fields.text_list(key, need).value_or(std::vector<std::string>{})) {
      if (text == "*") {
        return {};
      }
      try {
        patterns.push_back(Pattern::prowler(text));
      } catch (const std::regex_error&) {
        fields.error(
          key, fmt::format("'{}' is not a valid Prowler pattern (a regular expression)", text));
      }
    }
    return patterns;
  }

  // Tags are not part of velocity's evidence: an entry that depends on them would cover more than
  // the file says, so it is left out.
  static bool names_tags(Fields& fields) {
    const auto tags = fields.text_list("Tags", Need::optional);
    return tags && std::any_of(tags->begin(), tags->end(),
                               [](const std::string& tag) { return tag != "*"; });
  }

  void read_prowler_check(const std::string& account, const std::string& check,
                          const YAML::Node& entry) {
    const std::string what = fmt::format("check '{}'", check);
    Fields fields(entry, m_diagnostics, what,
                  {"Regions", "Resources", "Tags", "Exceptions", "Description"});
    AcceptRule rule;
    rule.id = id_at(entry.Mark());
    rule.aws_only = true;
    rule.owner = m_file;
    rule.reason = fields.text("Description", Need::optional)
                    .value_or(fmt::format("muted in the Prowler mutelist {}", m_file));
    if (account != "*") {
      rule.accounts = {Pattern::glob(account)};
    }
    rule.regions = prowler_list(fields, "Regions", Need::required);
    rule.resources = prowler_list(fields, "Resources", Need::required);
    bool tags = names_tags(fields);
    if (const auto exceptions = fields.node("Exceptions", Need::optional)) {
      Fields except(*exceptions, m_diagnostics, what + " Exceptions",
                    {"Accounts", "Regions", "Resources", "Tags"});
      RuleException exception{.accounts = prowler_list(except, "Accounts", Need::optional),
                              .regions = prowler_list(except, "Regions", Need::optional),
                              .resources = prowler_list(except, "Resources", Need::optional)};
      tags = names_tags(except) || tags;
      if (!exception.accounts.empty() || !exception.regions.empty() ||
          !exception.resources.empty()) {
        rule.exceptions.push_back(std::move(exception));
      }
    }
    if (check != "*") {
      try {
        rule.check = Pattern::prowler(check);
      } catch (const std::regex_error&) {
        m_diagnostics.error(entry.Mark(), fmt::format("{}: not a valid Prowler check pattern "
                                                      "(a regular expression)",
                                                      what));
        return;
      }
    }
    if (tags) {
      warn(entry.Mark(), fmt::format("{}: ignored: it names Tags, which velocity's evidence does "
                                     "not hold, so it would cover more than it says",
                                     what));
      return;
    }
    const bool covers_a_check =
      std::any_of(m_known_checks.begin(), m_known_checks.end(), [&](const std::string& id) {
        return id.starts_with("aws_") && rule.check.matches(std::string_view(id).substr(4));
      });
    if (!covers_a_check) {
      warn(entry.Mark(),
           fmt::format("{}: velocity has no AWS check it matches (aws_{}): it covers nothing", what,
                       check));
    }
    m_result.rules.push_back(std::move(rule));
  }

  void read_mutelist(const YAML::Node& mutelist) {
    Fields fields(mutelist, m_diagnostics, "Mutelist", {"Accounts"});
    const auto accounts = fields.node("Accounts", Need::required);
    if (!accounts) {
      return;
    }
    if (!accounts->IsMap()) {
      fields.error("Accounts", "must be a mapping of account ids (or \"*\") to Checks");
      return;
    }
    for (const auto& account : *accounts) {
      const std::string id = account.first.Scalar();
      Fields account_fields(account.second, m_diagnostics, fmt::format("account '{}'", id),
                            {"Checks"});
      const auto checks = account_fields.node("Checks", Need::required);
      if (!checks) {
        continue;
      }
      if (!checks->IsMap()) {
        account_fields.error("Checks", "must be a mapping of check names to their entries");
        continue;
      }
      for (const auto& check : *checks) {
        read_prowler_check(id, check.first.Scalar(), check.second);
      }
    }
  }

  std::string m_file;
  Diagnostics m_diagnostics;
  const std::vector<std::string>& m_known_checks;
  time::TimePoint m_now;
  int m_max_days;
  AcceptFile m_result;
};

} // namespace

AcceptFile parse_accept_file(std::string_view text, std::string_view file_name,
                             const std::vector<std::string>& known_checks, time::TimePoint now,
                             int max_days) {
  return Reader(file_name, known_checks, now, max_days).read(text);
}

AcceptFile read_accept_file(const std::filesystem::path& path,
                            const std::vector<std::string>& known_checks, time::TimePoint now,
                            int max_days) {
  const std::string text = fs::read_file(path, limits::config_file, fs::Source::file_or_pipe);
  return parse_accept_file(text, path.string(), known_checks, now, max_days);
}

} // namespace velocity::compliance
