// The check catalogue, frameworks/checks/<platform>[-<service>].yaml: parsing each file, then
// checking the entries against each other, the framework catalogues and the providers' evaluators.

#include "yaml_reader.hpp"

#include <velocity/compliance/loader.hpp>
#include <velocity/core/suggest.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>

namespace velocity::compliance {

using detail::Diagnostics;
using detail::Fields;
using detail::Need;

namespace {

constexpr size_t k_max_check_title = 100;
constexpr size_t k_max_why = 160;
constexpr size_t k_max_steps = 6;

std::string entry_name(const YAML::Node& node, size_t index) {
  if (node.IsMap() && node["id"] && node["id"].IsScalar()) {
    return fmt::format("check '{}'", node["id"].Scalar());
  }
  return fmt::format("check #{}", index + 1);
}

std::optional<Severity> severity_named(std::string_view name) {
  for (const Severity severity : store::k_severities) {
    if (store::to_string(severity) == name) {
      return severity;
    }
  }
  return std::nullopt;
}

void read_remediation(const YAML::Node& node, Diagnostics& diagnostics, const std::string& what,
                      Remediation& remediation) {
  Fields fields(node, diagnostics, what + ": remediation", {"steps", "cli", "url"});
  if (const auto steps = fields.text_list("steps", Need::required)) {
    if (steps->empty() || steps->size() > k_max_steps) {
      fields.error("steps", fmt::format("has {} steps; give 1 to {}", steps->size(), k_max_steps));
    }
    remediation.steps = *steps;
  }
  remediation.cli = fields.text("cli", Need::optional).value_or("");
  remediation.url = fields.text("url", Need::required).value_or("");
  if (!remediation.url.empty() && !remediation.url.starts_with("https://")) {
    fields.error("url", fmt::format("is '{}'; give an https:// link", remediation.url));
  }
}

void read_references(const YAML::Node& node, Diagnostics& diagnostics, const std::string& what,
                     CheckReferences& references) {
  Fields fields(node, diagnostics, what + ": references", {"cis", "prowler"});
  if (const auto cis = fields.node("cis", Need::optional)) {
    Fields cis_fields(*cis, diagnostics, what + ": references.cis",
                      {"benchmark", "recommendations"});
    CisReference reference;
    reference.benchmark = cis_fields.text("benchmark", Need::required).value_or("");
    reference.recommendations =
      cis_fields.text_list("recommendations", Need::required).value_or(std::vector<std::string>{});
    if (cis_fields.line_of("recommendations") != 0 && reference.recommendations.empty()) {
      cis_fields.error("recommendations", "must name at least one recommendation");
    }
    references.cis = std::move(reference);
  }
  references.prowler =
    fields.text_list("prowler", Need::optional).value_or(std::vector<std::string>{});
  for (const std::string& id : references.prowler) {
    if (!detail::is_snake_case(id)) {
      fields.error("prowler", fmt::format("has '{}'; Prowler check ids are snake_case", id));
    }
  }
}

// `controls`: framework id -> list of {id, why}. The framework and control ids are checked
// against the catalogues later (check_check_mappings), with the lines kept here.
void read_controls(const YAML::Node& node, Diagnostics& diagnostics, const std::string& what,
                   std::vector<CheckFrameworkControls>& controls) {
  if (!node.IsMap()) {
    diagnostics.error(node.Mark(), fmt::format("{}: 'controls' must map framework ids to lists of "
                                               "{{id, why}}",
                                               what));
    return;
  }
  for (const auto& entry : node) {
    const std::string framework = entry.first.Scalar();
    const std::string field = fmt::format("controls.{}", framework);
    const bool repeated = std::any_of(controls.begin(), controls.end(), [&](const auto& mapping) {
      return mapping.framework == framework;
    });
    if (repeated) {
      diagnostics.error(entry.first.Mark(),
                        fmt::format("{}: 'controls' lists framework '{}' twice", what, framework));
      continue;
    }
    if (!entry.second.IsSequence() || entry.second.size() == 0) {
      diagnostics.error(entry.second.Mark(),
                        fmt::format("{}: '{}' must be a non-empty list of {{id, why}}; leave the "
                                    "framework out when the check tests none of its controls",
                                    what, field));
      continue;
    }
    CheckFrameworkControls mapping;
    mapping.framework = framework;
    mapping.line = entry.first.Mark().line + 1;
    for (const YAML::Node& item : entry.second) {
      const std::string item_what = item.IsMap() && item["id"] && item["id"].IsScalar()
                                      ? fmt::format("{}: {} '{}'", what, field, item["id"].Scalar())
                                      : fmt::format("{}: {}", what, field);
      Fields fields(item, diagnostics, item_what, {"id", "why"});
      CheckControl control;
      control.id = fields.text("id", Need::required).value_or("");
      control.why = fields.text("why", Need::required).value_or("");
      control.line = item.Mark().line + 1;
      if (control.why.find('\n') != std::string::npos) {
        fields.error("why", "must be one line");
      } else if (control.why.size() > k_max_why) {
        fields.error("why", fmt::format("is {} characters long; keep it to one line of {}",
                                        control.why.size(), k_max_why));
      }
      if (control.id.empty()) {
        continue;
      }
      const bool twice =
        std::any_of(mapping.controls.begin(), mapping.controls.end(),
                    [&](const CheckControl& other) { return other.id == control.id; });
      if (twice) {
        fields.error("id", fmt::format("'{}' is listed twice under '{}'", control.id, field));
        continue;
      }
      mapping.controls.push_back(std::move(control));
    }
    controls.push_back(std::move(mapping));
  }
}

// What a catalogue file's name says its entries are: checks/aws-iam.yaml holds the IAM checks of
// AWS, checks/aws.yaml any of AWS's.
struct FileScope {
  std::string_view file;
  std::string_view platform;
  std::string_view service;

  explicit FileScope(std::string_view stem)
    : file(stem),
      platform(stem.substr(0, stem.find('-'))),
      service(stem.find('-') == std::string_view::npos ? std::string_view()
                                                       : stem.substr(stem.find('-') + 1)) {}
};

void read_check(const YAML::Node& node, Diagnostics& diagnostics, const std::string& what,
                const FileScope& scope, Check& check) {
  const std::string_view platform = scope.platform;
  Fields fields(node, diagnostics, what,
                {"id", "platform", "service", "evidence_type", "severity", "title", "risk",
                 "remediation", "references", "controls"});
  check.line = node.Mark().line + 1;
  check.id = fields.text("id", Need::required).value_or("");
  if (!check.id.empty() && !detail::is_snake_case(check.id)) {
    fields.error("id",
                 "must be lower-case words joined by '_' (e.g. aws_s3_bucket_object_versioning)");
  } else if (!check.id.empty() && !check.id.starts_with(fmt::format("{}_", platform))) {
    fields.error("id", fmt::format("must start with '{}_', the platform of this file", platform));
  }
  check.platform = fields.text("platform", Need::required).value_or("");
  if (!check.platform.empty() && check.platform != platform) {
    fields.error("platform",
                 fmt::format("is '{}' but the file is {}.yaml; an entry belongs in a "
                             "file of its platform ({}.yaml or {}-<service>.yaml)",
                             check.platform, scope.file, check.platform, check.platform));
  }
  check.service = fields.text("service", Need::required).value_or("");
  if (!check.service.empty() && !detail::is_snake_case(check.service)) {
    fields.error("service", "must be lower-case words joined by '_' (e.g. iam, cloudtrail)");
  } else if (!check.service.empty() && !scope.service.empty() && check.service != scope.service) {
    fields.error("service", fmt::format("is '{}' but the file is {}.yaml; move the entry to "
                                        "{}-{}.yaml",
                                        check.service, scope.file, platform, check.service));
  }
  check.evidence_type = fields.text("evidence_type", Need::required).value_or("");
  if (const auto severity = fields.text("severity", Need::required)) {
    if (const auto parsed = severity_named(*severity)) {
      check.severity = *parsed;
    } else {
      fields.error("severity",
                   fmt::format("is '{}'; use low, medium, high or critical", *severity));
    }
  }
  check.title = fields.text("title", Need::required).value_or("");
  if (check.title.size() > k_max_check_title) {
    fields.error("title", fmt::format("is {} characters long; keep it to {}", check.title.size(),
                                      k_max_check_title));
  }
  check.risk = fields.text("risk", Need::required).value_or("");
  if (const auto remediation = fields.node("remediation", Need::required)) {
    read_remediation(*remediation, diagnostics, what, check.remediation);
  }
  if (const auto references = fields.node("references", Need::optional)) {
    read_references(*references, diagnostics, what, check.references);
  }
  if (const auto controls = fields.node("controls", Need::required)) {
    read_controls(*controls, diagnostics, what, check.controls);
  }
}

std::string where(const Check& check) {
  return fmt::format("{}:{}", check.source, check.line);
}

} // namespace

std::vector<Check> parse_checks(std::string_view text, const std::string& source,
                                std::string_view stem) {
  const FileScope scope(stem);
  Diagnostics diagnostics(source);
  const YAML::Node root = detail::parse_yaml(text, diagnostics);
  diagnostics.throw_if_any("check catalogue");

  std::vector<Check> checks;
  Fields top(root, diagnostics, "check catalogue", {"checks"});
  if (const auto list = top.list("checks", Need::required)) {
    std::unordered_map<std::string, int> lines;
    size_t index = 0;
    for (const YAML::Node& node : *list) {
      Check check;
      check.source = source;
      const std::string what = entry_name(node, index++);
      read_check(node, diagnostics, what, scope, check);
      if (check.id.empty()) {
        continue;
      }
      const auto [first, inserted] = lines.emplace(check.id, check.line);
      if (!inserted) {
        diagnostics.error(node.Mark(), fmt::format("{}: 'id' is also used at {}:{}; check ids are "
                                                   "unique",
                                                   what, source, first->second));
        continue;
      }
      checks.push_back(std::move(check));
    }
  }
  diagnostics.throw_if_any("check catalogue");
  return checks;
}

CheckCatalogue build_check_catalogue(std::vector<std::vector<Check>> files,
                                     std::vector<std::string> sources) {
  CheckCatalogue catalogue;
  for (std::vector<Check>& file : files) {
    for (Check& check : file) {
      catalogue.checks.push_back(std::move(check));
    }
  }
  // Within one file parse_checks has refused a repeated id already; here across files.
  std::map<std::string, const Check*> seen;
  std::optional<Diagnostics> diagnostics;
  for (const Check& check : catalogue.checks) {
    const auto [first, inserted] = seen.emplace(check.id, &check);
    if (!inserted) {
      if (!diagnostics) {
        diagnostics.emplace(check.source);
      }
      diagnostics->add({fmt::format("{}: check '{}': 'id' is also used at {}; check ids are unique",
                                    where(check), check.id, where(*first->second))});
    }
  }
  if (diagnostics) {
    diagnostics->throw_if_any("check catalogue");
  }
  catalogue.sources = std::move(sources);
  catalogue.index();
  return catalogue;
}

void check_check_mappings(const CheckCatalogue& catalogue,
                          const std::vector<std::string>& framework_ids,
                          const std::function<const Framework&(std::string_view)>& framework) {
  for (const std::string& source : catalogue.sources) {
    Diagnostics diagnostics(source);
    for (const Check& check : catalogue.checks) {
      if (check.source != source) {
        continue;
      }
      for (const CheckFrameworkControls& mapping : check.controls) {
        if (std::find(framework_ids.begin(), framework_ids.end(), mapping.framework) ==
            framework_ids.end()) {
          const std::string guess = suggest::closest(mapping.framework, framework_ids);
          diagnostics.error_at_line(
            mapping.line,
            fmt::format("check '{}': 'controls' names framework '{}', which has no catalogue{}",
                        check.id, mapping.framework,
                        guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess)));
          continue;
        }
        const Framework& catalogue_of = framework(mapping.framework);
        for (const CheckControl& control : mapping.controls) {
          if (catalogue_of.find_control(control.id) != nullptr) {
            continue;
          }
          std::vector<std::string> ids;
          for (const Category& category : catalogue_of.categories) {
            for (const Control& known : category.controls) {
              ids.push_back(known.id);
            }
          }
          const std::string guess = suggest::closest(control.id, ids);
          diagnostics.error_at_line(
            control.line,
            fmt::format("check '{}': 'controls.{}' names '{}', which is not a control in {}{}",
                        check.id, mapping.framework, control.id, catalogue_of.source,
                        guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess)));
        }
      }
    }
    diagnostics.throw_if_any("check catalogue");
  }
}

void check_evaluators(const CheckCatalogue& catalogue, std::span<const Evaluator> evaluators,
                      const std::string& directory) {
  std::vector<std::string> problems;
  for (const Check& check : catalogue.checks) {
    const auto evaluator =
      std::find_if(evaluators.begin(), evaluators.end(), [&](const Evaluator& candidate) {
        return candidate.platform == check.platform && candidate.id == check.id;
      });
    if (evaluator == evaluators.end()) {
      std::vector<std::string> ids;
      for (const Evaluator& candidate : evaluators) {
        if (candidate.platform == check.platform && catalogue.find(candidate.id) == nullptr) {
          ids.push_back(candidate.id);
        }
      }
      const std::string guess = suggest::closest(check.id, ids);
      problems.push_back(fmt::format(
        "{}: check '{}': 'id' names no check the {} platform evaluates{}; write its evaluator "
        "or remove the entry",
        where(check), check.id, check.platform,
        guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess)));
    } else if (evaluator->evidence_type != check.evidence_type) {
      problems.push_back(fmt::format("{}: check '{}': 'evidence_type' is '{}' but its evaluator "
                                     "reads '{}'",
                                     where(check), check.id, check.evidence_type,
                                     evaluator->evidence_type));
    }
  }
  for (const Evaluator& evaluator : evaluators) {
    if (catalogue.find(evaluator.id) == nullptr) {
      problems.push_back(fmt::format("{}: the {} platform evaluates '{}' but no entry describes "
                                     "it; add one to {}.yaml or {}-<service>.yaml (severity, "
                                     "title, risk, remediation, controls)",
                                     directory, evaluator.platform, evaluator.id,
                                     evaluator.platform, evaluator.platform));
    }
  }
  if (!problems.empty()) {
    Diagnostics diagnostics(directory);
    diagnostics.add(std::move(problems));
    diagnostics.throw_if_any("check catalogue");
  }
}

} // namespace velocity::compliance
