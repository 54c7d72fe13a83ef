#pragma once

#include <velocity/compliance/library.hpp>
#include <velocity/compliance/roi.hpp>
#include <velocity/core/time.hpp>
#include <velocity/store/database.hpp>
#include <velocity/store/state.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The trust pathway of `velocity pathway`: where an organisation stands on the road from a first
// look to continuous compliance (discovery -> pilot -> rollout -> production), measured from
// what the state holds, never from what anyone says about it.
namespace velocity::compliance {

enum class Stage { discovery, pilot, rollout, production };
std::string_view to_string(Stage stage) noexcept;

// The facts the stage is derived from, read from the state by gather_pathway_facts() (or built
// by hand in tests).
struct PathwayFacts {
  // Completed assessments, oldest first: when, and each framework's score.
  struct Assessment {
    int64_t id = 0;
    std::string completed_at;
    std::map<std::string, std::optional<double>> scores;
  };
  std::vector<Assessment> assessments;
  std::vector<std::string> frameworks;          // in scope: the latest assessment's, else none
  std::vector<std::string> frameworks_assessed; // by any completed assessment, first seen first

  int integrations = 0;
  int integrations_verified = 0; // connection test healthy

  // Common controls in scope, those mapping to a framework control an automated check tests
  // (Library::checks_for), and those of these with findings of such a check in the state
  // (automated evidence).
  int controls_in_scope = 0;
  int controls_automatable = 0;
  int controls_automated = 0;
  // Answered yes/partially/no in the latest assessment (n/a and unanswered left out).
  int controls_answered = 0;

  int64_t collection_runs = 0;
  int64_t collection_runs_failed = 0;
  int collection_days = 0;   // days with a collection that got something
  int collection_streak = 0; // consecutive such days up to the latest one
  std::string last_collection_day;

  int64_t findings = 0;
  int64_t findings_failing = 0;
  int64_t findings_failing_critical = 0;
  int64_t findings_remediated = 0; // failed, then passed again

  // Hours of remediation work in the latest assessment's roadmap and the months it spans.
  double roadmap_hours = 0;
  double roadmap_months = 0;
};

// The thresholds a stage needs, shown with each milestone.
struct PathwayThresholds {
  double automated_share_rollout = 50; // % of automatable controls with automated evidence
  double automated_share_production = 80;
  int streak_rollout = 7; // consecutive days of collection
  int streak_production = 30;
  int assessments_production = 2;
};

struct Milestone {
  std::string id; // stable: "assessment", "integration_verified", ...
  Stage stage;    // the stage it opens
  std::string title;
  bool met = false;
  std::string measured; // "3 of 17 automatable controls (18 %)"
};

struct Pathway {
  Stage stage = Stage::discovery;
  std::optional<Stage> next;
  std::vector<Milestone> milestones; // in order, every stage's
  // Success metrics.
  double automated_share_of_scope = 0;       // % of controls in scope with automated evidence
  double automated_share_of_automatable = 0; // % of automatable ones
  double hours_saved_per_month = 0;          // ROI model: manual hours x measured automation
  double manual_hours_per_month = 0;
  struct ScoreChange {
    std::string framework;
    std::optional<double> first;
    std::optional<double> latest;
  };
  std::vector<ScoreChange> score_changes;
};

// Reads the facts of `org` from the state: assessments, integrations, findings, collection runs.
PathwayFacts gather_pathway_facts(store::Database& db, const store::Org& org, Library& library);

// The stage, milestones and metrics of `facts`. Hours saved are the ROI model's: the manual hours
// of `roi` times the measured automation share.
Pathway evaluate_pathway(const PathwayFacts& facts, const PathwayThresholds& thresholds,
                         const RoiInputs& roi);

nlohmann::json pathway_to_json(const PathwayFacts& facts, const Pathway& pathway);

// Applies what the state measured to ROI inputs (`velocity roi --from-state`): the automation
// share (controls with automated evidence of those answered), manual hours from the roadmap, and
// the frameworks assessed. Leaves an input alone when the state has nothing to measure it with.
void apply_state_measurements(RoiInputs& inputs, const PathwayFacts& facts);

} // namespace velocity::compliance
