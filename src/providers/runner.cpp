#include <velocity/core/error.hpp>
#include <velocity/providers/runner.hpp>
#include <velocity/store/batch_staging.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/finding_diff.hpp>

#include <fmt/format.h>

#include <chrono>
#include <stdexcept>

namespace velocity::providers {

namespace {

// Stores each batch as it arrives, its parts kept aside out of memory until then, and keeps the
// counts of the summary.
class StoringSink final : public CollectionSink {
public:
  StoringSink(store::State& state, const store::Org& org,
              const store::IntegrationRecord& integration, const compliance::CheckCatalogue& checks,
              int64_t run_id, RunSummary& summary, const FindingVisitor& on_finding)
    : m_state(state),
      m_org(org),
      m_integration(integration),
      m_checks(checks),
      m_run_id(run_id),
      m_summary(summary),
      m_on_finding(on_finding),
      m_staging(state.db()) {}

  void on_part(Batch part) override { stage(part); }

  void on_batch(Batch batch) override {
    stage(batch);
    m_summary.resources += save(store::BatchKey{batch.type, batch.account_id}, batch.type);
    for (const std::string& problem : batch.problems) {
      m_summary.problems.push_back(
        fmt::format("{} ({}): {}", batch.type, batch.account_id, problem));
    }
    for (const std::string& note : batch.notes) {
      m_summary.notes.push_back(fmt::format("{} ({}): {}", batch.type, batch.account_id, note));
    }
  }

private:
  void stage(Batch& batch) {
    for (Finding& finding : batch.findings) {
      const compliance::Check* check = m_checks.find(finding.check_id);
      if (check == nullptr) {
        // The cli checked the catalogue against every declared check before collecting.
        throw std::logic_error(
          fmt::format("{} produced a finding of check {}, which it does not declare",
                      m_integration.platform, finding.check_id));
      }
      finding.severity = check->severity;
    }
    std::vector<store::EvidenceInput> evidence;
    evidence.reserve(batch.evidence.size());
    for (Evidence& item : batch.evidence) {
      evidence.push_back(store::EvidenceInput{.platform = m_integration.platform,
                                              .type = item.type,
                                              .resource_id = std::move(item.resource_id),
                                              .account_id = std::move(item.account_id),
                                              .region = std::move(item.region),
                                              .raw_sha256 = std::move(item.raw_sha256),
                                              .payload = item.data.dump()});
      item.data = nullptr;
    }
    m_staging.stage(store::BatchKey{batch.type, batch.account_id}, evidence, batch.findings);
  }

  void count(const store::FindingRecord& stored, const std::string& type) {
    store::FindingRecord record = stored;
    record.integration = m_integration.name;
    record.platform = m_integration.platform;
    record.evidence_type = type;
    auto& counts = m_summary.by_check[record.check_id];
    if (record.status == Status::pass) {
      ++m_summary.findings_pass;
      ++counts.first;
    } else {
      ++m_summary.findings_fail;
      ++counts.second;
      ++m_summary.fails_by_severity[record.severity];
    }
    if (m_on_finding) {
      m_on_finding(record);
    }
  }

  // Writes the batch with its staged parts; when a `key rotate --reencrypt` gave the
  // organisation a new data key since it was loaded (the staging refuses to seal under the old
  // one), loads the new key and writes again, once. Returns the evidence items written.
  int64_t save(const store::BatchKey& key, const std::string& type) {
    const auto visit = [&](const store::FindingRecord& stored) { count(stored, type); };
    for (int attempt = 0;; ++attempt) {
      try {
        return m_staging.save(m_org, m_integration.id, m_run_id, key, time::now(), visit);
      } catch (const StateError&) {
        if (attempt > 0 ||
            store::current_key_version(m_state.db(), m_org.id()) == m_org.key_version()) {
          throw;
        }
        m_org = m_state.org(m_org.name());
      }
    }
  }

  store::State& m_state;
  store::Org m_org;
  const store::IntegrationRecord& m_integration;
  const compliance::CheckCatalogue& m_checks;
  int64_t m_run_id;
  RunSummary& m_summary;
  const FindingVisitor& m_on_finding;
  store::BatchStaging m_staging;
};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    out += (out.empty() ? "" : ",") + item;
  }
  return out;
}

std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

} // namespace

RunSummary collect_integration(store::State& state, const store::Org& org,
                               const store::IntegrationRecord& integration,
                               const Platform& platform, const compliance::CheckCatalogue& checks,
                               const RunRequest& request, const FindingVisitor& on_finding) {
  RunSummary summary;
  summary.integration = integration.name;
  summary.platform = integration.platform;
  summary.types = platform.select_types(request.types);

  const IntegrationLock lock(request.lock_dir / fmt::format("{}-{}.lock", org.id(), integration.id),
                             fmt::format("integration {}", integration.name), request.wait);

  const auto started_clock = std::chrono::steady_clock::now();
  store::Database& db = state.db();
  store::RunRecord run;
  run.id = store::start_run(db, org, integration.id, join(summary.types), time::now());
  run.integration_id = integration.id;
  summary.run_id = run.id;

  try {
    // The data key, loaded afresh, and the credentials from one snapshot: a `key rotate
    // --reencrypt` since the command started re-sealed them under a new data key.
    store::Transaction snapshot(db, store::TransactionKind::deferred);
    const store::Org current = state.org(org.name());
    IntegrationConfig config{.name = integration.name,
                             .platform = integration.platform,
                             .settings = nlohmann::json::parse(integration.settings),
                             .secret = store::open_integration_secret(db, current, integration)};
    snapshot.commit();
    std::unique_ptr<Provider> provider = platform.open_integration(config, request.provider);
    StoringSink sink(state, current, integration, checks, run.id, summary, on_finding);
    const CollectResult result = provider->collect(summary.types, sink);
    summary.api_calls = result.api_calls;
    summary.api_errors = result.api_errors;
    summary.accounts = result.accounts;
    summary.failed_accounts = result.failed_accounts;
    for (const AccountFailure& failure : result.failed_accounts) {
      summary.problems.push_back(
        fmt::format("account {}: {}", failure.account_id, failure.message));
    }
    summary.outcome = summary.problems.empty() ? "success" : "incomplete";
  } catch (const Error& error) {
    summary.outcome = "failed";
    summary.error = error.what();
    summary.error_help = error.help();
    summary.error_code = error.code();
  } catch (const nlohmann::json::exception& error) {
    // A field of another type than the API documents (a broken or hostile server): this
    // integration's run fails as a remote error, and the others go on.
    summary.outcome = "failed";
    summary.error = fmt::format("the {} API answered in a shape velocity cannot read: {}",
                                integration.platform, error.what());
    summary.error_help = "check the endpoint the integration calls (`velocity connect list`); if "
                         "it is the real service, report this with the command you ran";
    summary.error_code = ExitCode::remote;
  }

  summary.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started_clock)
                          .count();
  run.outcome = summary.outcome;
  run.resources = summary.resources;
  run.findings_pass = summary.findings_pass;
  run.findings_fail = summary.findings_fail;
  run.api_calls = summary.api_calls;
  run.api_errors = summary.api_errors;
  run.duration_ms = summary.duration_ms;
  run.message = summary.error.empty() ? join(summary.problems) : summary.error;
  const time::TimePoint finished = time::now();
  summary.finished_at = time::to_iso8601(finished);
  store::finish_run(db, run, finished);
  if (auto last = store::last_successful_run(db, integration.id)) {
    summary.last_success_at = last->finished_at;
  }
  summary.changes = store::run_changes(db, org, run.id);
  const auto latest = store::latest_collecting_run(db, org, integration.id);
  if (summary.changes.previous_run && latest && latest->id == run.id) {
    const store::IntegrationDiff diff =
      store::diff_runs(db, org, *summary.changes.previous_run, *latest);
    summary.new_resources = static_cast<int64_t>(diff.new_resources.size());
    summary.vanished_resources = static_cast<int64_t>(diff.vanished_resources.size());
  }
  return summary;
}

std::string render_metrics(const std::vector<RunSummary>& runs) {
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  auto ident = [](const RunSummary& run) {
    return fmt::format("integration=\"{}\",platform=\"{}\"", label(run.integration),
                       label(run.platform));
  };
  family("velocity_collect_success", "gauge", "1 when the last collection completed fully.");
  for (const RunSummary& run : runs) {
    out += fmt::format("velocity_collect_success{{{}}} {}\n", ident(run),
                       run.outcome == "success" ? 1 : 0);
  }
  family("velocity_collect_duration_seconds", "gauge", "Duration of the last collection.");
  for (const RunSummary& run : runs) {
    out += fmt::format("velocity_collect_duration_seconds{{{}}} {:.3f}\n", ident(run),
                       static_cast<double>(run.duration_ms) / 1000.0);
  }
  family("velocity_collect_resources", "gauge", "Resources collected as evidence.");
  for (const RunSummary& run : runs) {
    out += fmt::format("velocity_collect_resources{{{}}} {}\n", ident(run), run.resources);
  }
  family("velocity_collect_findings", "gauge", "Findings of the last collection by status.");
  for (const RunSummary& run : runs) {
    out += fmt::format("velocity_collect_findings{{{},status=\"PASS\"}} {}\n", ident(run),
                       run.findings_pass);
    out += fmt::format("velocity_collect_findings{{{},status=\"FAIL\"}} {}\n", ident(run),
                       run.findings_fail);
  }
  family("velocity_collect_check_findings", "gauge", "Findings by check and status.");
  for (const RunSummary& run : runs) {
    for (const auto& [check, counts] : run.by_check) {
      out += fmt::format("velocity_collect_check_findings{{{},check=\"{}\",status=\"PASS\"}} {}\n",
                         ident(run), label(check), counts.first);
      out += fmt::format("velocity_collect_check_findings{{{},check=\"{}\",status=\"FAIL\"}} {}\n",
                         ident(run), label(check), counts.second);
    }
  }
  family("velocity_collect_api_calls", "gauge", "API calls made by the last collection.");
  for (const RunSummary& run : runs) {
    out += fmt::format("velocity_collect_api_calls{{{}}} {}\n", ident(run), run.api_calls);
  }
  family("velocity_collect_api_errors", "gauge",
         "API calls of the last collection that ended in an error.");
  for (const RunSummary& run : runs) {
    out += fmt::format("velocity_collect_api_errors{{{}}} {}\n", ident(run), run.api_errors);
  }
  family("velocity_collect_last_success_timestamp_seconds", "gauge",
         "Unix time of the end of the latest complete collection.");
  for (const RunSummary& run : runs) {
    if (!run.last_success_at) {
      continue;
    }
    if (auto when = time::parse_iso8601(*run.last_success_at)) {
      out += fmt::format("velocity_collect_last_success_timestamp_seconds{{{}}} {:.3f}\n",
                         ident(run), static_cast<double>(time::to_unix_ms(*when)) / 1000.0);
    }
  }
  return out;
}

} // namespace velocity::providers
