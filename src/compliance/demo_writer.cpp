#include <velocity/compliance/demo_writer.hpp>
#include <velocity/compliance/plan.hpp>
#include <velocity/compliance/report_json.hpp>
#include <velocity/core/error.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/store/assessment.hpp>
#include <velocity/store/demo_history.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/findings.hpp>
#include <velocity/store/integrations.hpp>

#include <fmt/format.h>

#include <chrono>

namespace velocity::compliance {

namespace {

constexpr int64_t k_minute_ms = 60'000;
constexpr int64_t k_hour_ms = 60 * k_minute_ms;

std::string date_of(time::TimePoint t) {
  return time::to_iso8601(t).substr(0, 10);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    out += (out.empty() ? "" : ",") + item;
  }
  return out;
}

// The days a self-assessment is taken: the first day, the middle and the last.
std::vector<int> assessment_days(int days) {
  std::vector<int> out = {0};
  if (days >= 4) {
    out.push_back(days / 2);
  }
  if (days >= 2) {
    out.push_back(days - 1);
  }
  return out;
}

// What a collection that could not reach its platform says, by platform.
std::string unreachable_message(std::string_view platform) {
  if (platform == "aws") {
    return "sts:GetCallerIdentity: could not reach sts.amazonaws.com after 4 attempts (timed out)";
  }
  if (platform == "github") {
    return "GET /orgs: could not reach api.github.com after 4 attempts (timed out)";
  }
  if (platform == "gcp") {
    return "projects.get: could not reach cloudresourcemanager.googleapis.com after 4 attempts "
           "(timed out)";
  }
  return "subscriptions.get: could not reach management.azure.com after 4 attempts (timed out)";
}

struct Writer {
  store::Database& db;
  const store::Org& org;
  Library& library;
  DemoWorld world;
  DemoSummary summary;
  std::vector<int64_t> integration_ids;

  void connect(size_t index) {
    const DemoIntegration& integration = world.integrations()[index];
    const time::TimePoint when = world.moment(world.day(), 9 * k_hour_ms + 20 * k_minute_ms);
    const store::IntegrationRecord record = store::add_integration(
      db, org,
      store::NewIntegration{integration.name, integration.platform, integration.settings.dump(),
                            R"({"demo":true,"note":"made-up account, no credentials"})"},
      store::OnExisting::fail);
    store::set_integration_created_at(db, org, record.id, when);
    store::record_integration_test(db, record.id, world.after(when, k_minute_ms), "healthy");
    integration_ids[index] = record.id;
    summary.audit_events.push_back(
      {when,
       "authentication",
       "integration.connect",
       "integration",
       integration.name,
       "success",
       {{"platform", integration.platform}, {"account_id", integration.account_id}}});
    summary.audit_events.push_back(
      {world.after(when, k_minute_ms),
       "authentication",
       "integration.test",
       "integration",
       integration.name,
       "success",
       {{"platform", integration.platform}, {"status", "healthy"}, {"read_only", true}}});
  }

  void collect(size_t index) {
    const DemoIntegration& integration = world.integrations()[index];
    DemoRandom& random = world.random();
    // Scheduled from cron at 02:00 UTC, give or take the scheduler's jitter.
    const time::TimePoint started =
      world.moment(world.day(), 2 * k_hour_ms + random.between(0, 40) * k_minute_ms);
    store::RunRecord run;
    run.id = store::start_run(db, org, integration_ids[index], join(integration.types), started);
    int64_t elapsed_ms = 0;
    if (random.chance(0.03)) {
      run.outcome = "failed";
      run.api_calls = 4;
      run.api_errors = 4;
      elapsed_ms = random.between(30'000, 95'000);
      run.duration_ms = elapsed_ms;
      run.message = unreachable_message(integration.platform);
      store::finish_run(db, run, world.after(started, elapsed_ms));
      ++summary.runs;
      ++summary.runs_failed;
      summary.audit_events.push_back({started,
                                      "data_access",
                                      "evidence.collect",
                                      "integration",
                                      integration.name,
                                      "failure",
                                      {{"error", run.message}}});
      return;
    }
    run.outcome = "success";
    for (const std::string& type : integration.types) {
      const bool incomplete = type == "compliance_rules" && random.chance(0.08);
      std::vector<store::EvidenceInput> evidence;
      std::vector<store::FindingInput> findings;
      int64_t pass = 0;
      int64_t fail = 0;
      for (const DemoResource& resource : integration.resources) {
        if (resource.type != type || !world.exists(resource)) {
          continue;
        }
        const std::string payload = demo_payload(resource).dump();
        evidence.push_back({integration.platform, type, resource.resource_id, resource.account_id,
                            resource.region, crypto::to_hex(crypto::sha256(payload)), payload});
        for (const DemoCheck& check : resource.checks) {
          findings.push_back(
            {check.id, check.severity, check.failing ? store::Status::fail : store::Status::pass,
             resource.resource_id, resource.account_id, resource.region,
             check.failing ? check.fail_reason : check.pass_reason, evidence.size() - 1});
          (check.failing ? fail : pass) += 1;
        }
      }
      run.api_calls += 2 + static_cast<int64_t>(evidence.size());
      elapsed_ms += 400 + random.between(50, 250) * static_cast<int64_t>(evidence.size() + 1);
      if (incomplete) {
        // As moto and some real accounts do: the per-rule compliance call fails, the rest works.
        run.outcome = "incomplete";
        run.api_errors += 1;
        run.message = "compliance_rules: config:DescribeComplianceByConfigRule answered HTTP 500 "
                      "(InternalFailure); rule compliance not collected";
        continue;
      }
      run.resources += static_cast<int64_t>(evidence.size());
      run.findings_pass += pass;
      run.findings_fail += fail;
      store::save_batch(db, org, integration_ids[index], run.id, evidence, findings,
                        world.after(started, elapsed_ms));
    }
    run.duration_ms = elapsed_ms;
    store::finish_run(db, run, world.after(started, elapsed_ms));
    ++summary.runs;
    summary.runs_incomplete += run.outcome == "incomplete" ? 1 : 0;
    summary.audit_events.push_back({started,
                                    "data_access",
                                    "evidence.collect",
                                    "integration",
                                    integration.name,
                                    "success",
                                    {{"outcome", run.outcome},
                                     {"resources", run.resources},
                                     {"findings_pass", run.findings_pass},
                                     {"findings_fail", run.findings_fail}}});
  }

  void assess(double progress) {
    const Questionnaire& questionnaire = library.questionnaire();
    const ScenarioInfo& info = world.info();
    const Scope scope{info.frameworks, info.variant};
    std::vector<const Framework*> frameworks;
    for (const std::string& id : info.frameworks) {
      frameworks.push_back(&library.framework(id));
    }
    const Answers answers = demo_answers(questionnaire, world, progress);
    const time::TimePoint started = world.moment(world.day(), 14 * k_hour_ms);
    const time::TimePoint completed = world.after(started, 95 * k_minute_ms);
    PlanOptions plan;
    plan.start = completed;
    const Evaluation evaluation = evaluate(questionnaire, frameworks, scope, answers, plan);
    nlohmann::json scores = nlohmann::json::object();
    DemoAssessmentSummary assessment;
    for (const FrameworkResult& result : evaluation.frameworks) {
      scores[result.framework->id] = score_json(result.sum.score());
      assessment.scores[result.framework->id] =
        scores[result.framework->id].is_null()
          ? std::nullopt
          : std::optional<double>(scores[result.framework->id].get<double>());
    }
    store::NewAssessment record;
    record.frameworks = join(info.frameworks);
    record.variant = info.variant;
    record.catalog_sha256 = library.digest(info.frameworks);
    record.answers = answers_to_json(answers).dump();
    assessment.id = store::add_completed_assessment(db, org, record, scores.dump());
    store::set_assessment_times(db, org, assessment.id, started, completed);
    assessment.day = world.day();
    assessment.completed_at = time::to_iso8601(completed);
    summary.audit_events.push_back({completed,
                                    "system_security",
                                    "assess.complete",
                                    "assessment",
                                    std::to_string(assessment.id),
                                    "success",
                                    {{"frameworks", info.frameworks}, {"scores", scores}}});
    summary.assessments.push_back(std::move(assessment));
  }

  void count(const std::vector<DemoChange>& changes) {
    for (const DemoChange& change : changes) {
      switch (change.kind) {
      case DemoChangeKind::drift:
        ++summary.drifts;
        break;
      case DemoChangeKind::remediation:
        ++summary.remediations;
        break;
      case DemoChangeKind::new_resource:
        ++summary.new_resources;
        break;
      }
    }
  }

  // Now and then an engineer opens the evidence of a failing finding: data access the log records.
  void look_at_evidence() {
    DemoRandom& random = world.random();
    if (!random.chance(0.3)) {
      return;
    }
    std::vector<const DemoResource*> failing;
    for (const DemoIntegration& integration : world.integrations()) {
      if (integration.connected_on_day > world.day()) {
        continue;
      }
      for (const DemoResource& resource : integration.resources) {
        for (const DemoCheck& check : resource.checks) {
          if (check.failing && world.exists(resource)) {
            failing.push_back(&resource);
            break;
          }
        }
      }
    }
    if (failing.empty()) {
      return;
    }
    const DemoResource& resource =
      *failing[static_cast<size_t>(random.between(0, static_cast<int64_t>(failing.size()) - 1))];
    const time::TimePoint when =
      world.moment(world.day(), 10 * k_hour_ms + random.between(0, 420) * k_minute_ms);
    summary.audit_events.push_back(
      {when,
       "data_access",
       "evidence.read",
       "evidence",
       resource.resource_id,
       "success",
       {{"type", resource.type}, {"reason", "reviewing a failing finding"}}});
  }
};

} // namespace

DemoSummary write_demo_history(store::Database& db, const store::Org& org, Library& library,
                               const DemoOptions& options) {
  if (org.kind() != store::OrgKind::demo) {
    throw StateError(fmt::format("'{}' is not a demo organisation; a demo history is written only "
                                 "into one",
                                 org.name()));
  }
  if (!store::list_integrations(db, org).empty() || !store::list_assessments(db, org).empty()) {
    throw StateError(fmt::format("demo organisation '{}' already has a history", org.name()),
                     "`velocity demo --reset` rebuilds it");
  }
  const ScenarioInfo& info = scenario_info(options.scenario);
  for (const std::string& id : info.frameworks) {
    library.require_framework(id);
  }
  Writer writer{db, org, library, DemoWorld(options, library.checks()), {}, {}};
  DemoWorld& world = writer.world;
  DemoSummary& summary = writer.summary;
  summary.org = org.name();
  summary.scenario = std::string(info.name);
  summary.title = std::string(info.title);
  summary.days = options.days;
  summary.seed = options.seed;
  summary.frameworks = info.frameworks;
  summary.first_day = date_of(world.day_start(0));
  summary.last_day = date_of(world.day_start(options.days - 1));
  writer.integration_ids.assign(world.integrations().size(), 0);
  const std::vector<int> assessed = assessment_days(options.days);

  for (int day = 0; day < options.days; ++day) {
    if (day > 0) {
      writer.count(world.advance());
    }
    for (size_t i = 0; i < world.integrations().size(); ++i) {
      const DemoIntegration& integration = world.integrations()[i];
      if (integration.connected_on_day == day) {
        writer.connect(i);
      }
    }
    for (size_t i = 0; i < world.integrations().size(); ++i) {
      if (world.integrations()[i].connected_on_day <= day && writer.integration_ids[i] != 0) {
        writer.collect(i);
      }
    }
    writer.look_at_evidence();
    if (std::find(assessed.begin(), assessed.end(), day) != assessed.end()) {
      const double progress =
        options.days > 1 ? static_cast<double>(day) / (options.days - 1) : 1.0;
      writer.assess(progress);
    }
  }
  summary.integrations = static_cast<int>(world.integrations().size());
  summary.evidence = static_cast<int64_t>(store::list_evidence(db, org, std::nullopt).size());
  store::for_each_finding(db, org, {}, [&](const store::FindingRecord& finding) {
    ++summary.findings;
    summary.findings_failing += finding.status == store::Status::fail ? 1 : 0;
  });
  std::stable_sort(summary.audit_events.begin(), summary.audit_events.end(),
                   [](const DemoAuditEvent& a, const DemoAuditEvent& b) {
                     return a.simulated_at < b.simulated_at;
                   });
  return summary;
}

nlohmann::json demo_summary_to_json(const DemoSummary& summary) {
  nlohmann::json assessments = nlohmann::json::array();
  for (const DemoAssessmentSummary& assessment : summary.assessments) {
    nlohmann::json scores = nlohmann::json::object();
    for (const auto& [framework, score] : assessment.scores) {
      scores[framework] = score ? nlohmann::json(*score) : nlohmann::json(nullptr);
    }
    assessments.push_back({{"id", assessment.id},
                           {"day", assessment.day + 1}, // 1-based, as the table shows it
                           {"completed_at", assessment.completed_at},
                           {"scores", scores}});
  }
  return {{"org", summary.org},
          {"scenario", summary.scenario},
          {"title", summary.title},
          {"days", summary.days},
          {"seed", summary.seed},
          {"from", summary.first_day},
          {"to", summary.last_day},
          {"frameworks", summary.frameworks},
          {"integrations", summary.integrations},
          {"collection_runs",
           {{"total", summary.runs},
            {"incomplete", summary.runs_incomplete},
            {"failed", summary.runs_failed}}},
          {"evidence", summary.evidence},
          {"findings",
           {{"total", summary.findings},
            {"failing", summary.findings_failing},
            {"passing", summary.findings - summary.findings_failing}}},
          {"changes",
           {{"drift", summary.drifts},
            {"remediated", summary.remediations},
            {"new_resources", summary.new_resources}}},
          {"assessments", assessments},
          {"audit_events", summary.audit_events.size()}};
}

} // namespace velocity::compliance
