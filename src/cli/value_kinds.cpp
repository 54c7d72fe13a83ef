#include "value_kinds.hpp"

#include "platforms.hpp"

#include <velocity/audit/event.hpp>
#include <velocity/compliance/demo.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/core/error.hpp>
#include <velocity/providers/model.hpp>
#include <velocity/store/names.hpp>
#include <velocity/store/verdict.hpp>

#include <algorithm>
#include <array>
#include <set>

namespace velocity::cli {

namespace {

struct KindName {
  ValueKind kind;
  std::string_view name;
};

constexpr std::array k_kind_names = {
  KindName{ValueKind::framework, "frameworks"},
  KindName{ValueKind::format, "formats"},
  KindName{ValueKind::evidence_type, "evidence-types"},
  KindName{ValueKind::check, "checks"},
  KindName{ValueKind::service, "services"},
  KindName{ValueKind::platform, "platforms"},
  KindName{ValueKind::scenario, "scenarios"},
  KindName{ValueKind::size, "sizes"},
  KindName{ValueKind::severity, "severities"},
  KindName{ValueKind::status, "statuses"},
  KindName{ValueKind::category, "categories"},
  KindName{ValueKind::outcome, "outcomes"},
  KindName{ValueKind::organisation, "orgs"},
  KindName{ValueKind::integration, "integrations"},
  KindName{ValueKind::assessment, "assessments"},
};

struct KindRule {
  std::string_view key;
  ValueKind kind;
};

// What option values name, by key: "velocity --org" for a global option, "--framework" for an
// option of any command, "assess show ID" for a positional. Options no rule names fall back on
// their value text (FILE, DIR ...).
constexpr std::array k_rules = {
  KindRule{"velocity --org", ValueKind::organisation},
  KindRule{"velocity --format", ValueKind::format},
  KindRule{"velocity --state", ValueKind::file},
  KindRule{"--framework", ValueKind::framework},
  KindRule{"--frameworks", ValueKind::framework},
  KindRule{"--integration", ValueKind::integration},
  KindRule{"--types", ValueKind::evidence_type},
  KindRule{"--check", ValueKind::check},
  KindRule{"--platform", ValueKind::platform},
  KindRule{"--service", ValueKind::service},
  KindRule{"--severity", ValueKind::severity},
  KindRule{"--scenario", ValueKind::scenario},
  KindRule{"--size", ValueKind::size},
  KindRule{"--fail-on", ValueKind::severity},
  KindRule{"--fail-on-new", ValueKind::severity},
  KindRule{"accept CHECK", ValueKind::check},
  KindRule{"--status", ValueKind::status},
  KindRule{"--category", ValueKind::category},
  KindRule{"--outcome", ValueKind::outcome},
  KindRule{"assess show ID", ValueKind::assessment},
  KindRule{"assess diff A", ValueKind::assessment},
  KindRule{"assess diff B", ValueKind::assessment},
  KindRule{"assess delete ID", ValueKind::assessment},
  KindRule{"connect test NAME", ValueKind::integration},
  KindRule{"connect remove NAME", ValueKind::integration},
  KindRule{"connect evidence-types PLATFORM", ValueKind::platform},
  KindRule{"org delete NAME", ValueKind::organisation},
  KindRule{"frameworks show ID", ValueKind::framework},
  KindRule{"checks show ID", ValueKind::check},
  KindRule{"report verify BUNDLE", ValueKind::file},
  KindRule{"help COMMAND", ValueKind::command},
};

// "assess show" for the app of `velocity assess show`; empty for the root.
std::string command_path(const CLI::App& command) {
  std::string path;
  for (const CLI::App* app = &command; app->get_parent() != nullptr; app = app->get_parent()) {
    path = path.empty() ? app->get_name() : app->get_name() + " " + path;
  }
  return path;
}

// The keys k_rules may name `option` of `command` by.
std::vector<std::string> rule_keys(const CLI::App& command, const CLI::Option& option) {
  if (option.get_positional()) {
    return {command_path(command) + " " + option.get_name(true)};
  }
  std::vector<std::string> keys;
  for (const std::string& name : option.get_lnames()) {
    keys.push_back(command.get_parent() == nullptr ? "velocity --" + name : "--" + name);
  }
  return keys;
}

ValueKind kind_from_value_text(const CLI::Option& option) {
  if (option.get_items_expected_max() == 0) {
    return ValueKind::none;
  }
  const std::string& text = option.get_option_text();
  for (const std::string_view word : {"FILE", "PATH", "PEM", "BUNDLE"}) {
    if (text.find(word) != std::string::npos) {
      return ValueKind::file;
    }
  }
  return text.find("DIR") != std::string::npos ? ValueKind::directory : ValueKind::text;
}

void collect_keys(const CLI::App& command, std::set<std::string>& keys) {
  for (const CLI::Option* option : command.get_options()) {
    for (std::string& key : rule_keys(command, *option)) {
      keys.insert(std::move(key));
    }
  }
  for (const CLI::App* sub : command.get_subcommands({})) {
    collect_keys(*sub, keys);
  }
}

std::vector<std::string> sorted_unique(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

} // namespace

ValueKind value_kind(const CLI::App& command, const CLI::Option& option) {
  for (const std::string& key : rule_keys(command, option)) {
    for (const KindRule& rule : k_rules) {
      if (rule.key == key) {
        return rule.kind;
      }
    }
  }
  if (option.get_positional()) {
    return ValueKind::text;
  }
  return kind_from_value_text(option);
}

std::string_view kind_name(ValueKind kind) {
  for (const KindName& entry : k_kind_names) {
    if (entry.kind == kind) {
      return entry.name;
    }
  }
  return {};
}

std::optional<ValueKind> parse_kind(std::string_view name) {
  for (const KindName& entry : k_kind_names) {
    if (entry.name == name) {
      return entry.kind;
    }
  }
  return std::nullopt;
}

std::vector<ValueKind> listed_kinds() {
  std::vector<ValueKind> kinds;
  for (const KindName& entry : k_kind_names) {
    kinds.push_back(entry.kind);
  }
  return kinds;
}

bool from_state(ValueKind kind) {
  return kind == ValueKind::organisation || kind == ValueKind::integration ||
         kind == ValueKind::assessment;
}

std::vector<std::string> static_values(ValueKind kind) {
  std::vector<std::string> values;
  switch (kind) {
  case ValueKind::framework:
    values = compliance::Library::open(std::nullopt).framework_ids();
    break;
  case ValueKind::format:
    values = {"table", "json", "md",    "html",         "csv",   "jsonl", "findings-csv",
              "oscal", "pdf",  "sarif", "sarif-github", "junit", "ocsf"};
    break;
  case ValueKind::evidence_type:
    for (const providers::Platform* platform : platforms()) {
      for (const providers::EvidenceTypeInfo& type : platform->evidence_types) {
        values.push_back(type.id);
      }
    }
    break;
  case ValueKind::check:
    for (const providers::Platform* platform : platforms()) {
      for (const providers::CheckInfo& check : platform->checks) {
        values.push_back(check.id);
      }
    }
    break;
  case ValueKind::service: {
    compliance::Library library = compliance::Library::open(std::nullopt);
    for (const compliance::Check& check : library.checks().checks) {
      values.push_back(check.service);
    }
    break;
  }
  case ValueKind::platform:
    for (const providers::Platform* platform : platforms()) {
      values.push_back(platform->name);
    }
    break;
  case ValueKind::scenario:
    for (const compliance::ScenarioInfo& scenario : compliance::scenarios()) {
      values.emplace_back(scenario.name);
    }
    break;
  case ValueKind::size:
    values = {"small", "medium", "large"};
    break;
  case ValueKind::severity:
    for (const auto severity : store::k_severities) {
      values.emplace_back(to_string(severity));
    }
    break;
  case ValueKind::status:
    for (const auto status : {store::Status::pass, store::Status::fail}) {
      values.emplace_back(to_string(status));
    }
    values.emplace_back("ACCEPTED");
    break;
  case ValueKind::category:
    for (const auto category : {audit::Category::authentication, audit::Category::authorization,
                                audit::Category::data_access, audit::Category::agent_activity,
                                audit::Category::system_security}) {
      values.emplace_back(audit::to_string(category));
    }
    break;
  case ValueKind::outcome:
    for (const auto outcome :
         {audit::Outcome::success, audit::Outcome::failure, audit::Outcome::denied}) {
      values.emplace_back(audit::to_string(outcome));
    }
    break;
  default:
    break;
  }
  return sorted_unique(std::move(values));
}

std::vector<std::string> state_values(ValueKind kind, const std::filesystem::path& state,
                                      const std::string& org) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(state, error)) {
    return {};
  }
  switch (kind) {
  case ValueKind::organisation:
    return store::organisation_names(state);
  case ValueKind::integration:
    return store::integration_names(state, org);
  case ValueKind::assessment:
    return store::assessment_ids(state, org);
  default:
    return {};
  }
}

std::vector<std::string> unmatched_kind_rules(const CLI::App& root) {
  std::set<std::string> keys;
  collect_keys(root, keys);
  std::vector<std::string> unmatched;
  for (const KindRule& rule : k_rules) {
    if (!keys.contains(std::string(rule.key))) {
      unmatched.emplace_back(rule.key);
    }
  }
  return unmatched;
}

} // namespace velocity::cli
