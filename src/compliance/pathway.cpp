#include <velocity/compliance/answers.hpp>
#include <velocity/compliance/pathway.hpp>
#include <velocity/compliance/plan.hpp>
#include <velocity/core/error.hpp>
#include <velocity/store/assessment.hpp>
#include <velocity/store/findings.hpp>
#include <velocity/store/integrations.hpp>
#include <velocity/store/run_history.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace velocity::compliance {

namespace {

constexpr double k_days_per_month = 30.4;

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    if (comma != 0) {
      out.emplace_back(text.substr(0, comma));
    }
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return out;
}

double percent_of(int part, int whole) {
  return whole > 0 ? 100.0 * part / whole : 0.0;
}

std::string percent_text(double value) {
  return fmt::format("{:.0f} %", value);
}

// Days between two YYYY-MM-DD dates, through the time functions (no hand-written calendar).
int64_t days_between(const std::string& from, const std::string& to) {
  const auto a = time::parse_iso8601(from);
  const auto b = time::parse_iso8601(to);
  if (!a || !b) {
    return -1;
  }
  return (time::to_unix_ms(*b) - time::to_unix_ms(*a)) / (24LL * 3600 * 1000);
}

int streak_ending_last(const std::vector<std::string>& days) {
  if (days.empty()) {
    return 0;
  }
  int streak = 1;
  for (size_t i = days.size() - 1; i > 0; --i) {
    if (days_between(days[i - 1], days[i]) != 1) {
      break;
    }
    ++streak;
  }
  return streak;
}

} // namespace

std::string_view to_string(Stage stage) noexcept {
  switch (stage) {
  case Stage::discovery:
    return "discovery";
  case Stage::pilot:
    return "pilot";
  case Stage::rollout:
    return "rollout";
  case Stage::production:
    return "production";
  }
  return "discovery";
}

PathwayFacts gather_pathway_facts(store::Database& db, const store::Org& org, Library& library) {
  PathwayFacts facts;
  std::optional<store::AssessmentRecord> latest;
  for (const store::AssessmentRecord& record : store::list_assessments(db, org)) {
    if (record.status != store::AssessmentStatus::completed) {
      continue;
    }
    PathwayFacts::Assessment assessment;
    assessment.id = record.id;
    assessment.completed_at = record.completed_at.value_or(record.updated_at);
    const nlohmann::json scores =
      nlohmann::json::parse(record.scores.empty() ? "{}" : record.scores, nullptr, false);
    for (const std::string& framework : split(record.frameworks)) {
      std::optional<double> score;
      if (scores.is_object() && scores.contains(framework) && scores[framework].is_number()) {
        score = scores[framework].get<double>();
      }
      assessment.scores[framework] = score;
      if (std::find(facts.frameworks_assessed.begin(), facts.frameworks_assessed.end(),
                    framework) == facts.frameworks_assessed.end()) {
        facts.frameworks_assessed.push_back(framework);
      }
    }
    facts.assessments.push_back(std::move(assessment));
    latest = record;
  }
  std::stable_sort(facts.assessments.begin(), facts.assessments.end(),
                   [](const auto& a, const auto& b) { return a.completed_at < b.completed_at; });

  for (const store::IntegrationRecord& integration : store::list_integrations(db, org)) {
    ++facts.integrations;
    facts.integrations_verified +=
      integration.last_test_status == std::optional<std::string>("healthy") ? 1 : 0;
  }

  std::set<std::string, std::less<>> checks_with_findings;
  store::for_each_finding(db, org, {}, [&](const store::FindingRecord& finding) {
    ++facts.findings;
    checks_with_findings.insert(finding.check_id);
    if (finding.status == store::Status::fail) {
      ++facts.findings_failing;
      facts.findings_failing_critical += finding.severity == store::Severity::critical ? 1 : 0;
    } else if (finding.first_failed_at && finding.passed_again_at) {
      ++facts.findings_remediated;
    }
  });

  const Questionnaire& questionnaire = library.questionnaire();
  Answers answers;
  if (latest) {
    // The latest assessment, opened: its scope and answers.
    const auto full = store::find_assessment(db, org, latest->id);
    facts.frameworks = split(latest->frameworks);
    if (full) {
      answers = answers_from_json(
        nlohmann::json::parse(full->answers.empty() ? "{}" : full->answers, nullptr, false));
    }
  }
  std::vector<std::string> known;
  for (const std::string& id : facts.frameworks) {
    if (library.has_framework(id)) {
      known.push_back(id);
    }
  }
  const std::vector<const CommonControl*> scope_controls =
    known.empty() ? [&] {
      std::vector<const CommonControl*> all;
      for (const CommonControl& control : questionnaire.controls) {
        all.push_back(&control);
      }
      return all;
    }()
                  : questions_for(questionnaire, known);
  for (const CommonControl* control : scope_controls) {
    const auto answer = answers.find(control->id);
    const bool not_applicable =
      answer != answers.end() && answer->second.design == AnswerValue::not_applicable;
    if (not_applicable) {
      continue;
    }
    ++facts.controls_in_scope;
    if (answer != answers.end() && answer->second.design) {
      ++facts.controls_answered;
    }
    const std::vector<const Check*> checks = library.checks_for(*control, known);
    if (!checks.empty()) {
      ++facts.controls_automatable;
      const bool automated = std::any_of(checks.begin(), checks.end(), [&](const Check* check) {
        return checks_with_findings.contains(check->id);
      });
      facts.controls_automated += automated ? 1 : 0;
    }
  }

  if (latest && !known.empty()) {
    std::vector<const Framework*> frameworks;
    for (const std::string& id : known) {
      frameworks.push_back(&library.framework(id));
    }
    const Scope scope{known, latest->variant};
    PlanOptions plan;
    plan.start =
      time::parse_iso8601(facts.assessments.back().completed_at).value_or(time::TimePoint{});
    const Evaluation evaluation = evaluate(questionnaire, frameworks, scope, answers, plan);
    for (const Phase& phase : evaluation.roadmap.phases) {
      facts.roadmap_hours += phase.hours;
    }
    facts.roadmap_months = evaluation.roadmap.work_days / k_days_per_month;
  }

  const store::CollectionHistory history = store::collection_history(db, org);
  facts.collection_runs = history.runs;
  facts.collection_runs_failed = history.failed;
  facts.collection_days = static_cast<int>(history.days.size());
  facts.collection_streak = streak_ending_last(history.days);
  facts.last_collection_day = history.days.empty() ? "" : history.days.back();
  return facts;
}

Pathway evaluate_pathway(const PathwayFacts& facts, const PathwayThresholds& thresholds,
                         const RoiInputs& roi) {
  Pathway pathway;
  pathway.automated_share_of_scope = percent_of(facts.controls_automated, facts.controls_in_scope);
  pathway.automated_share_of_automatable =
    percent_of(facts.controls_automated, facts.controls_automatable);
  const double automatable = pathway.automated_share_of_automatable;
  const std::string automated_text =
    fmt::format("{} of {} automatable controls ({})", facts.controls_automated,
                facts.controls_automatable, percent_text(automatable));

  auto& m = pathway.milestones;
  m.push_back({"assessment", Stage::pilot, "a self-assessment completed",
               !facts.assessments.empty(), fmt::format("{} completed", facts.assessments.size())});
  m.push_back({"integration_verified", Stage::pilot,
               "a cloud account connected and its connection test healthy",
               facts.integrations_verified > 0,
               fmt::format("{} of {} integrations verified", facts.integrations_verified,
                           facts.integrations)});
  m.push_back({"automated_evidence_rollout", Stage::rollout,
               fmt::format("automated evidence for {:.0f} % of the automatable controls",
                           thresholds.automated_share_rollout),
               facts.controls_automatable > 0 && automatable >= thresholds.automated_share_rollout,
               automated_text});
  m.push_back(
    {"collection_rollout", Stage::rollout,
     fmt::format("{} consecutive days of evidence collection", thresholds.streak_rollout),
     facts.collection_streak >= thresholds.streak_rollout,
     fmt::format("{} day{} in a row{}", facts.collection_streak,
                 facts.collection_streak == 1 ? "" : "s",
                 facts.last_collection_day.empty() ? "" : ", last " + facts.last_collection_day)});
  m.push_back(
    {"automated_evidence_production", Stage::production,
     fmt::format("automated evidence for {:.0f} % of the automatable controls",
                 thresholds.automated_share_production),
     facts.controls_automatable > 0 && automatable >= thresholds.automated_share_production,
     automated_text});
  m.push_back(
    {"collection_production", Stage::production,
     fmt::format("{} consecutive days of evidence collection", thresholds.streak_production),
     facts.collection_streak >= thresholds.streak_production,
     fmt::format("{} day{} in a row", facts.collection_streak,
                 facts.collection_streak == 1 ? "" : "s")});
  m.push_back(
    {"reassessed", Stage::production,
     fmt::format("re-assessed: {} completed assessments", thresholds.assessments_production),
     static_cast<int>(facts.assessments.size()) >= thresholds.assessments_production,
     fmt::format("{} completed", facts.assessments.size())});
  m.push_back({"no_critical_findings", Stage::production, "no failing critical finding",
               facts.findings > 0 && facts.findings_failing_critical == 0,
               facts.findings == 0
                 ? std::string("no findings collected yet")
                 : fmt::format("{} failing critical", facts.findings_failing_critical)});

  // A stage is reached when its milestones and those of every stage before it are met.
  for (const Stage stage : {Stage::pilot, Stage::rollout, Stage::production}) {
    const bool all_met = std::all_of(m.begin(), m.end(), [&](const Milestone& milestone) {
      return milestone.stage > stage || milestone.met;
    });
    if (!all_met) {
      pathway.next = stage;
      break;
    }
    pathway.stage = stage;
  }

  pathway.manual_hours_per_month = roi.effective_manual_hours().value;
  pathway.hours_saved_per_month = pathway.manual_hours_per_month *
                                  percent_of(facts.controls_automated, facts.controls_answered) /
                                  100.0;
  if (!facts.assessments.empty()) {
    for (const auto& [framework, latest] : facts.assessments.back().scores) {
      std::optional<double> first;
      for (const auto& assessment : facts.assessments) {
        const auto found = assessment.scores.find(framework);
        if (found != assessment.scores.end()) {
          first = found->second;
          break;
        }
      }
      pathway.score_changes.push_back({framework, first, latest});
    }
  }
  return pathway;
}

void apply_state_measurements(RoiInputs& inputs, const PathwayFacts& facts) {
  if (facts.controls_answered > 0) {
    inputs.automation_share.set(
      std::min(100.0, percent_of(facts.controls_automated, facts.controls_answered)), Origin::state,
      fmt::format("{} of {} answered controls have automated evidence", facts.controls_automated,
                  facts.controls_answered));
  }
  if (facts.roadmap_hours > 0 && facts.roadmap_months > 0) {
    const double months = std::max(1.0, facts.roadmap_months);
    inputs.manual_hours =
      Assumption{facts.roadmap_hours / months, Origin::state,
                 fmt::format("roadmap: {:.0f} h over {:.1f} months", facts.roadmap_hours, months)};
  }
  if (!facts.frameworks_assessed.empty()) {
    inputs.frameworks = facts.frameworks_assessed;
    inputs.frameworks_origin = Origin::state;
    inputs.frameworks_note = fmt::format("{} completed assessment{}", facts.assessments.size(),
                                         facts.assessments.size() == 1 ? "" : "s");
  }
}

nlohmann::json pathway_to_json(const PathwayFacts& facts, const Pathway& pathway) {
  const auto round1 = [](double value) { return std::round(value * 10) / 10; };
  const auto score = [&](const std::optional<double>& value) {
    return value ? nlohmann::json(round1(*value)) : nlohmann::json(nullptr);
  };
  nlohmann::json milestones = nlohmann::json::array();
  nlohmann::json next = nlohmann::json::array();
  for (const Milestone& milestone : pathway.milestones) {
    nlohmann::json item = {{"id", milestone.id},
                           {"stage", to_string(milestone.stage)},
                           {"title", milestone.title},
                           {"met", milestone.met},
                           {"measured", milestone.measured}};
    if (pathway.next && milestone.stage == *pathway.next && !milestone.met) {
      next.push_back(milestone.id);
    }
    milestones.push_back(std::move(item));
  }
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& change : pathway.score_changes) {
    changes.push_back({{"framework", change.framework},
                       {"first", score(change.first)},
                       {"latest", score(change.latest)},
                       {"change", change.first && change.latest
                                    ? nlohmann::json(round1(*change.latest - *change.first))
                                    : nlohmann::json(nullptr)}});
  }
  return {
    {"stage", to_string(pathway.stage)},
    {"next_stage",
     pathway.next ? nlohmann::json(to_string(*pathway.next)) : nlohmann::json(nullptr)},
    {"next_milestones", next},
    {"milestones", milestones},
    {"metrics",
     {{"evidence_automated_percent", round1(pathway.automated_share_of_scope)},
      {"automatable_covered_percent", round1(pathway.automated_share_of_automatable)},
      {"controls",
       {{"in_scope", facts.controls_in_scope},
        {"automatable", facts.controls_automatable},
        {"automated", facts.controls_automated},
        {"answered", facts.controls_answered}}},
      {"hours_saved_per_month", round1(pathway.hours_saved_per_month)},
      {"manual_hours_per_month", round1(pathway.manual_hours_per_month)},
      {"score_change", changes},
      {"collection",
       {{"runs", facts.collection_runs},
        {"failed_runs", facts.collection_runs_failed},
        {"days", facts.collection_days},
        {"streak_days", facts.collection_streak},
        {"last_day", facts.last_collection_day.empty()
                       ? nlohmann::json(nullptr)
                       : nlohmann::json(facts.last_collection_day)}}},
      {"findings",
       {{"total", facts.findings},
        {"failing", facts.findings_failing},
        {"failing_critical", facts.findings_failing_critical},
        {"remediated", facts.findings_remediated}}},
      {"integrations",
       {{"connected", facts.integrations}, {"verified", facts.integrations_verified}}},
      {"assessments", facts.assessments.size()}}},
    {"frameworks", facts.frameworks},
  };
}

} // namespace velocity::compliance
