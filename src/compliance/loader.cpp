#include "yaml_reader.hpp"

#include <velocity/compliance/loader.hpp>
#include <velocity/core/suggest.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <unordered_map>
#include <unordered_set>

namespace velocity::compliance {

using detail::Diagnostics;
using detail::Fields;
using detail::Need;

namespace {

constexpr size_t k_max_control_title = 100;

// Lists of `{id, name[, description]}` items (variants, groups, domains).
template <typename Item, typename Fill>
std::vector<Item> read_named_list(const YAML::Node& list, Diagnostics& diagnostics,
                                  std::string_view kind, Fill fill) {
  std::vector<Item> items;
  std::unordered_set<std::string> seen;
  for (const YAML::Node& node : list) {
    Item item;
    fill(node, item);
    if (item.id.empty()) {
      continue;
    }
    if (!seen.insert(item.id).second) {
      diagnostics.error(node.Mark(), fmt::format("{} '{}': 'id' is used twice", kind, item.id));
      continue;
    }
    items.push_back(std::move(item));
  }
  return items;
}

// The value of an enumerated field, or nothing (reported when it is none of `choices`).
template <typename Value>
std::optional<Value>
read_choice(Fields& fields, std::string_view key, Need need,
            std::initializer_list<std::pair<std::string_view, Value>> choices) {
  const auto text = fields.text(key, need);
  if (!text) {
    return std::nullopt;
  }
  std::string names;
  size_t index = 0;
  for (const auto& [name, value] : choices) {
    if (*text == name) {
      return value;
    }
    names += index == 0 ? "" : (index + 1 == choices.size() ? " or " : ", ");
    names += name;
    ++index;
  }
  fields.error(key, fmt::format("is '{}'; use {}", *text, names));
  return std::nullopt;
}

std::string entry_name(std::string_view kind, const YAML::Node& node, size_t index) {
  if (node.IsMap() && node["id"] && node["id"].IsScalar()) {
    return fmt::format("{} '{}'", kind, node["id"].Scalar());
  }
  return fmt::format("{} #{}", kind, index + 1);
}

void read_control(const YAML::Node& node, Diagnostics& diagnostics, const std::string& framework_id,
                  const std::string& what, Control& control) {
  Fields fields(node, diagnostics, what,
                {"id", "title", "description", "parent", "requirement", "implementation_groups",
                 "profile", "assessment"});
  control.id = fields.text("id", Need::required).value_or("");
  control.title = fields.text("title", Need::required).value_or("");
  control.description = fields.text("description", Need::required).value_or("");
  if (control.title.size() > k_max_control_title) {
    fields.error("title", fmt::format("is {} characters long; keep it to {}", control.title.size(),
                                      k_max_control_title));
  }
  const bool hipaa = framework_id == "hipaa";
  control.requirement =
    read_choice<Requirement>(fields, "requirement", hipaa ? Need::required : Need::optional,
                             {{"standard", Requirement::standard},
                              {"required", Requirement::required},
                              {"addressable", Requirement::addressable}})
      .value_or(Requirement::none);
  control.profile = read_choice<Profile>(fields, "profile", Need::optional,
                                         {{"level1", Profile::level1}, {"level2", Profile::level2}})
                      .value_or(Profile::none);
  control.assessment =
    read_choice<Assessment>(fields, "assessment", Need::optional,
                            {{"automated", Assessment::automated}, {"manual", Assessment::manual}})
      .value_or(Assessment::none);
  control.parent = fields.text("parent", Need::optional).value_or("");
  if (hipaa && control.parent.empty() &&
      (control.requirement == Requirement::required ||
       control.requirement == Requirement::addressable)) {
    fields.error("parent", "is missing: an implementation specification names its standard");
  }
  const bool cis = framework_id == "cis-v8";
  if (const auto groups =
        fields.node("implementation_groups", cis ? Need::required : Need::optional)) {
    bool ok = groups->IsSequence() && groups->size() > 0;
    int previous = 0;
    for (size_t i = 0; ok && i < groups->size(); ++i) {
      int group = 0;
      ok = YAML::convert<int>::decode((*groups)[i], group) && group > previous && group <= 3;
      previous = group;
      control.implementation_groups.push_back(group);
    }
    if (!ok) {
      control.implementation_groups.clear();
      fields.error("implementation_groups", "must be a non-empty, ascending subset of [1, 2, 3]");
    }
  }
}

// Where a control is written and whether it has each benchmark field.
struct BenchmarkFields {
  YAML::Mark mark;
  std::string id;
  bool profile = false;
  bool assessment = false;
};

// A catalogue that gives one control a benchmark field gives it to all of them, so no
// recommendation silently lacks its profile or whether it is automated.
void require_on_all(const std::vector<BenchmarkFields>& controls, std::string_view field,
                    bool BenchmarkFields::*has, Diagnostics& diagnostics) {
  const auto first = std::find_if(controls.begin(), controls.end(),
                                  [&](const BenchmarkFields& control) { return control.*has; });
  if (first == controls.end()) {
    return;
  }
  for (const BenchmarkFields& control : controls) {
    if (!(control.*has)) {
      diagnostics.error(control.mark,
                        fmt::format("control '{}': '{}' is missing; the catalogue gives one to "
                                    "its other controls (first to '{}' on line {})",
                                    control.id, field, first->id, first->mark.line + 1));
    }
  }
}

} // namespace

Framework parse_framework(std::string_view text, const std::string& source,
                          std::string_view expected_id) {
  Diagnostics diagnostics(source);
  const YAML::Node root = detail::parse_yaml(text, diagnostics);
  diagnostics.throw_if_any("framework catalogue");

  Framework framework;
  framework.source = source;
  Fields top(
    root, diagnostics, "catalogue",
    {"id", "name", "version", "publisher", "description", "variants", "groups", "categories"});
  framework.id = top.text("id", Need::required).value_or("");
  if (!framework.id.empty() && framework.id != expected_id) {
    top.error("id", fmt::format("is '{}' but the file is named {}.yaml; they must match",
                                framework.id, expected_id));
  } else if (!framework.id.empty() && !detail::is_framework_id(framework.id)) {
    top.error("id", "must be lower-case words joined by '-', with '.' only between the digits "
                    "of a version (e.g. pci-dss, cis-aws-5.0)");
  }
  framework.name = top.text("name", Need::required).value_or("");
  framework.version = top.text("version", Need::required).value_or("");
  framework.publisher = top.text("publisher", Need::required).value_or("");
  framework.description = top.text("description", Need::required).value_or("");

  if (const auto variants = top.list("variants", Need::optional)) {
    size_t index = 0;
    framework.variants = read_named_list<Variant>(
      *variants, diagnostics, "variant", [&](const YAML::Node& node, Variant& variant) {
        Fields fields(node, diagnostics, entry_name("variant", node, index++),
                      {"id", "name", "description"});
        variant.id = fields.text("id", Need::required).value_or("");
        variant.name = fields.text("name", Need::required).value_or("");
        variant.description = fields.text("description", Need::required).value_or("");
      });
  }
  if (const auto groups = top.list("groups", Need::optional)) {
    size_t index = 0;
    framework.groups = read_named_list<Group>(
      *groups, diagnostics, "group", [&](const YAML::Node& node, Group& group) {
        Fields fields(node, diagnostics, entry_name("group", node, index++), {"id", "name"});
        group.id = fields.text("id", Need::required).value_or("");
        group.name = fields.text("name", Need::required).value_or("");
      });
  }

  std::unordered_map<std::string, YAML::Mark> control_marks;
  std::vector<std::pair<const YAML::Node, std::string>> parents; // control node, parent id
  std::vector<BenchmarkFields> benchmark_fields;
  if (const auto categories = top.list("categories", Need::required)) {
    std::unordered_set<std::string> category_ids;
    size_t category_index = 0;
    for (const YAML::Node& category_node : *categories) {
      const std::string what = entry_name("category", category_node, category_index++);
      Fields fields(category_node, diagnostics, what, {"id", "name", "group", "controls"});
      Category category;
      category.id = fields.text("id", Need::required).value_or("");
      category.name = fields.text("name", Need::required).value_or("");
      const bool grouped = !framework.groups.empty();
      category.group = fields.text("group", grouped ? Need::required : Need::optional).value_or("");
      if (!category.group.empty()) {
        const bool known = std::any_of(framework.groups.begin(), framework.groups.end(),
                                       [&](const Group& g) { return g.id == category.group; });
        if (!known) {
          fields.error("group", fmt::format("names '{}', which is not one of the catalogue's "
                                            "groups",
                                            category.group));
        }
      }
      if (!category.id.empty() && !category_ids.insert(category.id).second) {
        fields.error("id", "is used by another category");
      }
      if (const auto controls = fields.list("controls", Need::required)) {
        size_t control_index = 0;
        for (const YAML::Node& control_node : *controls) {
          Control control;
          const std::string control_what = entry_name("control", control_node, control_index++);
          read_control(control_node, diagnostics, framework.id, control_what, control);
          if (control.id.empty()) {
            continue;
          }
          if (!control_marks.emplace(control.id, control_node.Mark()).second) {
            diagnostics.error(control_node.Mark(),
                              fmt::format("{}: 'id' is used twice in the framework", control_what));
            continue;
          }
          if (!control.parent.empty()) {
            parents.emplace_back(control_node, control.parent);
          }
          benchmark_fields.push_back({control_node.Mark(), control.id,
                                      control.profile != Profile::none,
                                      control.assessment != Assessment::none});
          control.category = category.id;
          category.controls.push_back(std::move(control));
        }
      }
      framework.categories.push_back(std::move(category));
    }
  }
  for (const auto& [node, parent] : parents) {
    if (control_marks.find(parent) == control_marks.end()) {
      diagnostics.error(node.Mark(), fmt::format("control '{}': 'parent' names '{}', which is not "
                                                 "a control of this framework",
                                                 node["id"].Scalar(), parent));
    }
  }
  require_on_all(benchmark_fields, "profile", &BenchmarkFields::profile, diagnostics);
  require_on_all(benchmark_fields, "assessment", &BenchmarkFields::assessment, diagnostics);
  diagnostics.throw_if_any("framework catalogue");
  framework.index();
  return framework;
}

namespace {

void read_common_control(const YAML::Node& node, Diagnostics& diagnostics, const std::string& what,
                         const Questionnaire& questionnaire,
                         const std::vector<std::string>& framework_ids, CommonControl& control) {
  Fields fields(node, diagnostics, what,
                {"id", "domain", "title", "question", "guidance", "type2_question", "weight",
                 "risk", "effort_hours", "tooling_cost", "remediation", "depends_on", "checks",
                 "maps"});
  control.line = node.Mark().line + 1;
  control.id = fields.text("id", Need::required).value_or("");
  if (!control.id.empty() && !detail::is_kebab_case(control.id)) {
    fields.error("id", "must be lower-case words joined by '-' (e.g. mfa-all-users)");
  }
  control.domain = fields.text("domain", Need::required).value_or("");
  if (!control.domain.empty() && questionnaire.find_domain(control.domain) == nullptr) {
    fields.error("domain", fmt::format("names '{}', which is not in 'domains'", control.domain));
  }
  control.title = fields.text("title", Need::required).value_or("");
  if (control.title.size() > k_max_control_title) {
    fields.error("title", fmt::format("is {} characters long; keep it to {}", control.title.size(),
                                      k_max_control_title));
  }
  control.question = fields.text("question", Need::required).value_or("");
  if (!control.question.empty() && control.question.back() != '?') {
    fields.error("question", "must end with '?'");
  }
  control.guidance = fields.text("guidance", Need::required).value_or("");
  control.type2_question = fields.text("type2_question", Need::optional).value_or("");
  if (!control.type2_question.empty() && control.type2_question.back() != '?') {
    fields.error("type2_question", "must end with '?'");
  }
  control.weight = fields.integer("weight", Need::required).value_or(1);
  if (control.weight < 1 || control.weight > 5) {
    fields.error("weight", fmt::format("is {}; it must be 1 to 5", control.weight));
  }
  if (const auto risk = fields.text("risk", Need::required)) {
    if (*risk == "critical") {
      control.risk = Risk::critical;
    } else if (*risk == "high") {
      control.risk = Risk::high;
    } else if (*risk == "medium") {
      control.risk = Risk::medium;
    } else if (*risk == "low") {
      control.risk = Risk::low;
    } else {
      fields.error("risk", fmt::format("is '{}'; use critical, high, medium or low", *risk));
    }
  }
  control.effort_hours = fields.number("effort_hours", Need::required).value_or(1);
  if (!(control.effort_hours > 0)) {
    fields.error("effort_hours", "must be greater than 0");
  }
  control.tooling_cost = fields.number("tooling_cost", Need::optional).value_or(0);
  if (control.tooling_cost < 0) {
    fields.error("tooling_cost", "must be 0 or more");
  }
  if (const auto remediation = fields.text_list("remediation", Need::required)) {
    if (remediation->empty() || remediation->size() > 4) {
      fields.error("remediation", fmt::format("has {} actions; give 1 to 4", remediation->size()));
    }
    control.remediation = *remediation;
  }
  control.depends_on =
    fields.text_list("depends_on", Need::optional).value_or(std::vector<std::string>{});
  if (fields.node("checks", Need::optional)) {
    fields.error("checks", "is no longer read: each check lists the controls it tests in "
                           "checks/<platform>[-<service>].yaml");
  }
  const auto maps = fields.node("maps", Need::required);
  if (!maps) {
    return;
  }
  if (!maps->IsMap() || maps->size() == 0) {
    fields.error("maps", "must map framework ids to lists of control ids");
    return;
  }
  for (const auto& entry : *maps) {
    const std::string framework = entry.first.Scalar();
    if (std::find(framework_ids.begin(), framework_ids.end(), framework) == framework_ids.end()) {
      const std::string guess = suggest::closest(framework, framework_ids);
      diagnostics.error(
        entry.first.Mark(),
        fmt::format("{}: 'maps' names framework '{}', which has no catalogue{}", what, framework,
                    guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess)));
      continue;
    }
    if (control.maps_to(framework)) {
      diagnostics.error(entry.first.Mark(),
                        fmt::format("{}: 'maps' lists framework '{}' twice", what, framework));
      continue;
    }
    FrameworkMapping mapping;
    mapping.framework = framework;
    if (!entry.second.IsSequence() || entry.second.size() == 0) {
      diagnostics.error(
        entry.second.Mark(),
        fmt::format("{}: 'maps.{}' must be a non-empty list of control ids", what, framework));
      continue;
    }
    for (const YAML::Node& id : entry.second) {
      if (!id.IsScalar() || id.Scalar().empty()) {
        diagnostics.error(id.Mark(),
                          fmt::format("{}: 'maps.{}' items must be control ids", what, framework));
        continue;
      }
      if (std::find(mapping.controls.begin(), mapping.controls.end(), id.Scalar()) !=
          mapping.controls.end()) {
        diagnostics.error(
          id.Mark(), fmt::format("{}: 'maps.{}' lists '{}' twice", what, framework, id.Scalar()));
        continue;
      }
      mapping.controls.push_back(id.Scalar());
      mapping.lines.push_back(id.Mark().line + 1);
    }
    control.maps.push_back(std::move(mapping));
  }
}

// Reports every cycle in depends_on once, naming the path.
void check_dependencies(const Questionnaire& questionnaire, Diagnostics& diagnostics) {
  enum class Mark { none, active, done };
  std::unordered_map<std::string, Mark> marks;
  std::vector<std::string> path;
  std::function<void(const CommonControl&)> visit = [&](const CommonControl& control) {
    marks[control.id] = Mark::active;
    path.push_back(control.id);
    for (const std::string& dependency : control.depends_on) {
      const CommonControl* next = questionnaire.find(dependency);
      if (next == nullptr) {
        continue;
      }
      const Mark state = marks[dependency];
      if (state == Mark::active) {
        const auto start = std::find(path.begin(), path.end(), dependency);
        std::string cycle;
        for (auto it = start; it != path.end(); ++it) {
          cycle += *it + " -> ";
        }
        diagnostics.error_at_line(
          control.line, fmt::format("common control '{}': 'depends_on' makes a cycle: {}{}",
                                    control.id, cycle, dependency));
      } else if (state == Mark::none) {
        visit(*next);
      }
    }
    path.pop_back();
    marks[control.id] = Mark::done;
  };
  for (const CommonControl& control : questionnaire.controls) {
    if (marks[control.id] == Mark::none) {
      visit(control);
    }
  }
}

} // namespace

Questionnaire parse_questionnaire(std::string_view text, const std::string& source,
                                  const std::vector<std::string>& framework_ids) {
  Diagnostics diagnostics(source);
  const YAML::Node root = detail::parse_yaml(text, diagnostics);
  diagnostics.throw_if_any("common controls");

  Questionnaire questionnaire;
  questionnaire.source = source;
  Fields top(root, diagnostics, "common controls", {"domains", "common_controls"});
  if (const auto domains = top.list("domains", Need::required)) {
    size_t index = 0;
    questionnaire.domains = read_named_list<Domain>(
      *domains, diagnostics, "domain", [&](const YAML::Node& node, Domain& domain) {
        Fields fields(node, diagnostics, entry_name("domain", node, index++), {"id", "name"});
        domain.id = fields.text("id", Need::required).value_or("");
        domain.name = fields.text("name", Need::required).value_or("");
        if (!domain.id.empty() && !detail::is_snake_case(domain.id)) {
          fields.error("id", "must be lower-case words joined by '_'");
        }
      });
  }
  questionnaire.index();
  std::vector<YAML::Mark> marks;
  if (const auto controls = top.list("common_controls", Need::required)) {
    std::unordered_set<std::string> ids;
    size_t index = 0;
    for (const YAML::Node& node : *controls) {
      CommonControl control;
      read_common_control(node, diagnostics, entry_name("common control", node, index++),
                          questionnaire, framework_ids, control);
      if (control.id.empty()) {
        continue;
      }
      if (!ids.insert(control.id).second) {
        diagnostics.error(node.Mark(),
                          fmt::format("common control '{}': 'id' is used twice", control.id));
        continue;
      }
      marks.push_back(node.Mark());
      questionnaire.controls.push_back(std::move(control));
    }
  }
  questionnaire.index();
  for (size_t i = 0; i < questionnaire.controls.size(); ++i) {
    const CommonControl& control = questionnaire.controls[i];
    for (const std::string& dependency : control.depends_on) {
      if (dependency == control.id) {
        diagnostics.error(
          marks[i], fmt::format("common control '{}': 'depends_on' names itself", control.id));
      } else if (questionnaire.find(dependency) == nullptr) {
        diagnostics.error(marks[i], fmt::format("common control '{}': 'depends_on' names '{}', "
                                                "which is not a common control",
                                                control.id, dependency));
      }
    }
  }
  if (diagnostics.empty()) {
    check_dependencies(questionnaire, diagnostics);
  }
  diagnostics.throw_if_any("common controls");
  return questionnaire;
}

void check_mappings(const Questionnaire& questionnaire, const Framework& framework) {
  Diagnostics diagnostics(questionnaire.source);
  std::unordered_set<std::string> reached;
  for (const CommonControl& control : questionnaire.controls) {
    for (const FrameworkMapping& mapping : control.maps) {
      if (mapping.framework != framework.id) {
        continue;
      }
      for (size_t i = 0; i < mapping.controls.size(); ++i) {
        const std::string& id = mapping.controls[i];
        if (framework.find_control(id) == nullptr) {
          diagnostics.error_at_line(
            mapping.lines[i],
            fmt::format("common control '{}': 'maps.{}' names '{}', which is not a "
                        "control in {}",
                        control.id, framework.id, id, framework.source));
        }
        reached.insert(id);
      }
    }
  }
  for (const Category& category : framework.categories) {
    for (const Control& control : category.controls) {
      // An automated benchmark recommendation is answered by its checks, not by a question.
      if (reached.find(control.id) == reached.end() &&
          control.assessment != Assessment::automated) {
        diagnostics.error(fmt::format("no common control maps to {} control '{}' ({}); add it to "
                                      "the 'maps.{}' of the common control that covers it",
                                      framework.id, control.id, control.title, framework.id));
      }
    }
  }
  diagnostics.throw_if_any("common controls");
}

} // namespace velocity::compliance
