#include <velocity/compliance/scoring.hpp>

#include <algorithm>
#include <unordered_map>

namespace velocity::compliance {

std::string_view to_string(ControlStatus status) noexcept {
  switch (status) {
  case ControlStatus::met:
    return "met";
  case ControlStatus::partially_met:
    return "partially_met";
  case ControlStatus::not_met:
    return "not_met";
  case ControlStatus::not_applicable:
    return "not_applicable";
  case ControlStatus::not_assessed:
    break;
  }
  return "not_assessed";
}

std::string_view to_string(StatusSource source) noexcept {
  switch (source) {
  case StatusSource::failing_checks:
    return "failing_checks";
  case StatusSource::passing_checks:
    return "passing_checks";
  case StatusSource::answers:
    break;
  }
  return "answers";
}

std::optional<double> effective_value(const CommonControl& control, const Answer* answer,
                                      bool operating) noexcept {
  if (answer == nullptr || !answer->design || *answer->design == AnswerValue::not_applicable) {
    return std::nullopt;
  }
  const double design = value_of(*answer->design);
  if (!operating || control.type2_question.empty() || design == 0.0) {
    return design;
  }
  // Type II: a control counts only as far as it both exists and operated over the period.
  if (!answer->operating || *answer->operating == AnswerValue::not_applicable) {
    return std::nullopt;
  }
  return std::min(design, value_of(*answer->operating));
}

namespace {

// What the mapped common controls say about one framework control.
struct StatusTally {
  int mapped = 0;
  int not_applicable = 0;
  int counted = 0;
  int full = 0;
  int zero = 0;

  ControlStatus status() const {
    if (counted == 0) {
      return mapped > 0 && not_applicable == mapped ? ControlStatus::not_applicable
                                                    : ControlStatus::not_assessed;
    }
    if (full == counted) {
      return ControlStatus::met;
    }
    if (zero == counted) {
      return ControlStatus::not_met;
    }
    return ControlStatus::partially_met;
  }
};

} // namespace

FrameworkResult score_framework(const Framework& framework, const Questionnaire& questionnaire,
                                const Answers& answers, const Scope& scope) {
  FrameworkResult result;
  result.framework = &framework;
  result.variant = scope.variant.empty() ? nullptr : framework.find_variant(scope.variant);
  result.operating = scope.type2() && result.variant != nullptr;

  std::unordered_map<std::string, StatusTally> tallies;
  std::unordered_map<std::string, ScoreSum> category_sums;
  std::unordered_map<std::string, ScoreSum> group_sums;
  std::unordered_map<std::string, std::string> group_of;
  for (const Category& category : framework.categories) {
    group_of[category.id] = category.group;
  }

  for (const CommonControl& control : questionnaire.controls) {
    const std::vector<std::string>& mapped = control.controls_in(framework.id);
    if (mapped.empty()) {
      continue;
    }
    ++result.questions;
    const auto found = answers.find(control.id);
    const Answer* answer = found == answers.end() ? nullptr : &found->second;
    const bool not_applicable = answer != nullptr && answer->design == AnswerValue::not_applicable;
    const std::optional<double> value = effective_value(control, answer, result.operating);
    if (not_applicable) {
      ++result.not_applicable;
    } else if (!value) {
      ++result.not_assessed;
    } else {
      ++result.answered;
      result.sum.add(control.weight, *value);
    }
    // A common control counts once per category (and group) however many controls it reaches.
    std::vector<std::string> categories;
    for (const std::string& id : mapped) {
      StatusTally& tally = tallies[id];
      ++tally.mapped;
      if (not_applicable) {
        ++tally.not_applicable;
      } else if (value) {
        ++tally.counted;
        tally.full += *value == 1.0 ? 1 : 0;
        tally.zero += *value == 0.0 ? 1 : 0;
      }
      if (const Control* target = framework.find_control(id)) {
        if (std::find(categories.begin(), categories.end(), target->category) == categories.end()) {
          categories.push_back(target->category);
        }
      }
    }
    if (!value) {
      continue;
    }
    std::vector<std::string> groups;
    for (const std::string& category : categories) {
      category_sums[category].add(control.weight, *value);
      const std::string& group = group_of[category];
      if (!group.empty() && std::find(groups.begin(), groups.end(), group) == groups.end()) {
        groups.push_back(group);
        group_sums[group].add(control.weight, *value);
      }
    }
  }

  for (const Category& category : framework.categories) {
    CategoryResult category_result{&category, category_sums[category.id], {}};
    for (const Control& control : category.controls) {
      const ControlStatus status = tallies[control.id].status();
      category_result.controls.push_back({&control, status, status});
      ++result.status_counts[static_cast<size_t>(status)];
    }
    result.categories.push_back(std::move(category_result));
  }
  for (const Group& group : framework.groups) {
    result.groups.push_back({&group, group_sums[group.id]});
  }
  return result;
}

} // namespace velocity::compliance
