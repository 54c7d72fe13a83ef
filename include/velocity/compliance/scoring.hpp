#pragma once

#include <velocity/compliance/answers.hpp>
#include <velocity/compliance/catalog.hpp>

#include <array>
#include <optional>
#include <string_view>
#include <vector>

// Scores, as frameworks/README.md ("Scoring") defines them.
namespace velocity::compliance {

enum class ControlStatus { met, partially_met, not_met, not_applicable, not_assessed };

// "met", "partially_met", "not_met", "not_applicable", "not_assessed".
std::string_view to_string(ControlStatus status) noexcept;

// What decided a control's status (verdict.hpp): the answers, a failing automated check, or
// passing checks where no answer decides ("met by automated evidence").
enum class StatusSource { answers, failing_checks, passing_checks };

// "answers", "failing_checks", "passing_checks".
std::string_view to_string(StatusSource source) noexcept;

// A weighted sum: 100 × earned / possible.
struct ScoreSum {
  double earned = 0;
  double possible = 0;

  void add(int weight, double value) {
    earned += weight * value;
    possible += weight;
  }
  // Nothing when nothing applicable was answered (no score, which is not 0).
  std::optional<double> score() const {
    if (possible <= 0) {
      return std::nullopt;
    }
    return 100.0 * earned / possible;
  }
};

// What `answer` counts for `control` in a score, or nothing when it is not counted (unanswered,
// n/a, or a Type II operating answer still missing). With `operating`, a control with a Type II
// question counts the lower of its design and operating answers.
std::optional<double> effective_value(const CommonControl& control, const Answer* answer,
                                      bool operating) noexcept;

struct CheckResults;

struct ControlResult {
  const Control* control;
  ControlStatus status;   // what every output shows
  ControlStatus answered; // from the answers alone
  StatusSource source = StatusSource::answers;
  std::vector<const CheckResults*> checks{}; // with results, once apply_verdicts() ran
};

struct CategoryResult {
  const Category* category;
  ScoreSum sum;
  std::vector<ControlResult> controls;
};

struct GroupResult {
  const Group* group;
  ScoreSum sum;
};

// One framework's score with its categories, groups and the status of each of its controls.
struct FrameworkResult {
  const Framework* framework = nullptr;
  const Variant* variant = nullptr; // the scope's variant when the framework has it
  bool operating = false;           // Type II: operating answers count
  ScoreSum sum;
  int questions = 0; // common controls mapped to the framework
  int answered = 0;  // answered yes, partially or no (and counted)
  int not_applicable = 0;
  int not_assessed = 0; // unanswered, or a Type II operating answer missing
  std::vector<CategoryResult> categories;
  std::vector<GroupResult> groups;
  std::array<int, 5> status_counts{}; // by ControlStatus

  int count(ControlStatus status) const { return status_counts[static_cast<size_t>(status)]; }
};

// Scores `framework` from `answers`: each common control mapped to it counts once, weighted.
FrameworkResult score_framework(const Framework& framework, const Questionnaire& questionnaire,
                                const Answers& answers, const Scope& scope);

} // namespace velocity::compliance
