// `velocity collect`: evidence and check results from connected platforms, safe for cron:
// locked per integration, never prompting, progress only on a terminal, metrics for Prometheus.

#include "option_values.hpp"
#include "platforms.hpp"

#include <velocity/cli/commands.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/fs.hpp>
#include <velocity/providers/runner.hpp>
#include <velocity/store/integrations.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>

#include <unistd.h>

namespace velocity::cli {

namespace {

struct CollectOptions {
  std::optional<std::string> integration;
  bool all = false;
  std::vector<std::string> types;
  bool dry_run = false;
  std::optional<std::string> fail_on;
  std::optional<std::string> metrics_file;
  bool wait = false;
  std::optional<int64_t> max_wait;
  HttpOptions http;
};

std::vector<store::IntegrationRecord> chosen_integrations(Context& ctx,
                                                          const CollectOptions& options) {
  store::State& state = ctx.state();
  const store::Org org = ctx.org();
  if (options.integration) {
    return {store::require_integration(state.db(), org, *options.integration)};
  }
  auto records = store::list_integrations(state.db(), org);
  if (records.empty()) {
    throw UsageError(
      fmt::format("organisation '{}' has no integration to collect from", org.name()),
      "connect one first, e.g. `velocity connect aws --name prod`");
  }
  if (!options.all && records.size() > 1) {
    throw UsageError("several integrations are connected; say which one",
                     "pass --integration NAME, or --all for every one");
  }
  return records;
}

void dry_run(Context& ctx, const CollectOptions& options, const std::string& format) {
  store::State& state = ctx.state();
  const store::Org org = ctx.org();
  nlohmann::json all = nlohmann::json::array();
  Table table({"INTEGRATION", "TYPE", "CALL", "REGION", "ENDPOINT", "NOTE"});
  for (const auto& record : chosen_integrations(ctx, options)) {
    const providers::Platform& platform = find_platform(record.platform);
    const auto types = platform.select_types(split_comma_lists(options.types));
    providers::IntegrationConfig config{.name = record.name,
                                        .platform = record.platform,
                                        .settings = nlohmann::json::parse(record.settings),
                                        .secret =
                                          store::open_integration_secret(state.db(), org, record)};
    const auto calls = platform.open(config, provider_options(options.http))->plan(types);
    for (const auto& call : calls) {
      const std::string name = call.service + ":" + call.operation;
      all.push_back({{"integration", record.name},
                     {"evidence_type", call.evidence_type},
                     {"call", name},
                     {"region", call.region},
                     {"endpoint", call.endpoint},
                     {"note", call.note}});
      table.add_row({record.name, call.evidence_type.empty() ? "-" : call.evidence_type, name,
                     call.region.empty() ? "global" : call.region, call.endpoint, call.note});
    }
  }
  if (format == "json") {
    ctx.out().json(all);
  } else if (format == "jsonl") {
    for (const auto& call : all) {
      ctx.out().data(call.dump() + "\n");
    }
  } else {
    ctx.out().data(table.render());
    ctx.out().info("dry run: nothing was sent and nothing was written");
  }
}

nlohmann::json change_json(const store::FindingChange& change, std::string_view kind) {
  nlohmann::json json = finding_json(change.finding);
  json["change"] = std::string(kind);
  json["previous_status"] =
    change.previous_status ? nlohmann::json(*change.previous_status) : nlohmann::json(nullptr);
  return json;
}

nlohmann::json changes_json(const store::RunChanges& changes) {
  nlohmann::json previous = nullptr;
  if (changes.previous_run) {
    const auto& finished_at = changes.previous_run->finished_at;
    previous = {
      {"id", changes.previous_run->id},
      {"outcome", changes.previous_run->outcome},
      {"started_at", changes.previous_run->started_at},
      {"finished_at", finished_at ? nlohmann::json(*finished_at) : nlohmann::json(nullptr)}};
  }
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& change : changes.new_failures) {
    findings.push_back(change_json(change, "new_failure"));
  }
  for (const auto& change : changes.fixed) {
    findings.push_back(change_json(change, "fixed"));
  }
  return {{"previous_run", previous},
          {"new_failures", changes.new_failures.size()},
          {"fixed", changes.fixed.size()},
          {"failing", changes.failing},
          {"findings", findings}};
}

nlohmann::json summary_json(const providers::RunSummary& run) {
  nlohmann::json by_check = nlohmann::json::object();
  for (const auto& [check, counts] : run.by_check) {
    by_check[check] = {{"PASS", counts.first}, {"FAIL", counts.second}};
  }
  nlohmann::json failed_accounts = nlohmann::json::array();
  for (const auto& failure : run.failed_accounts) {
    failed_accounts.push_back({{"account_id", failure.account_id}, {"message", failure.message}});
  }
  nlohmann::json json = {{"run_id", run.run_id},
                         {"integration", run.integration},
                         {"platform", run.platform},
                         {"outcome", run.outcome},
                         {"types", run.types},
                         {"accounts", run.accounts},
                         {"resources", run.resources},
                         {"findings", {{"PASS", run.findings_pass}, {"FAIL", run.findings_fail}}},
                         {"by_check", by_check},
                         {"api_calls", run.api_calls},
                         {"api_errors", run.api_errors},
                         {"duration_ms", run.duration_ms},
                         {"problems", run.problems},
                         {"failed_accounts", failed_accounts},
                         {"finished_at", run.finished_at},
                         {"changes", changes_json(run.changes)}};
  if (!run.error.empty()) {
    json["error"] = run.error;
  }
  return json;
}

// Warnings, which --quiet keeps: a failed collection, or what an incomplete one missed.
void warn_problems(const Output& out, const providers::RunSummary& run) {
  if (!run.error.empty()) {
    out.warn(fmt::format("integration {}: {}", run.integration, run.error));
    return;
  }
  for (const std::string& problem : run.problems) {
    out.warn(fmt::format("incomplete: {}", problem));
  }
}

// "prod: 1 new failure, 2 fixed since the collection of 2026-12-07T02:00:41.120Z; 7 failing"
std::string changes_line(const providers::RunSummary& run) {
  const store::RunChanges& changes = run.changes;
  const auto plural = [](size_t count, std::string_view word) {
    return fmt::format("{} {}{}", count, word, count == 1 ? "" : "s");
  };
  if (!changes.previous_run) {
    return fmt::format("{}: first collection: {}; {} failing\n", run.integration,
                       plural(changes.new_failures.size(), "new failure"), changes.failing);
  }
  const std::string since =
    fmt::format("since the collection of {}",
                changes.previous_run->finished_at.value_or(changes.previous_run->started_at));
  if (changes.new_failures.empty() && changes.fixed.empty()) {
    return fmt::format("{}: nothing new {}; {} failing\n", run.integration, since, changes.failing);
  }
  return fmt::format("{}: {}, {} fixed {}; {} failing\n", run.integration,
                     plural(changes.new_failures.size(), "new failure"), changes.fixed.size(),
                     since, changes.failing);
}

// The findings whose status the runs changed, new failures first, or nothing.
std::string changes_table(const Output& out, const std::vector<providers::RunSummary>& runs) {
  Table table({"CHANGE", "INTEGRATION", "CHECK", "SEVERITY", "RESOURCE", "REGION", "REASON"});
  const auto add = [&](const store::FindingChange& change, std::string_view label, Color color) {
    const store::FindingRecord& finding = change.finding;
    table.add_row({out.paint(label, color), finding.integration, finding.check_id, finding.severity,
                   finding.resource_id, finding.region.empty() ? "global" : finding.region,
                   finding.reason});
  };
  for (const auto& run : runs) {
    for (const auto& change : run.changes.new_failures) {
      add(change, "new failure", Color::red);
    }
  }
  for (const auto& run : runs) {
    for (const auto& change : run.changes.fixed) {
      add(change, "fixed", Color::green);
    }
  }
  return table.empty() ? std::string() : table.render();
}

void print_summary(Context& ctx, const providers::RunSummary& run) {
  const Output& out = ctx.out();
  warn_problems(out, run);
  if (!run.error.empty()) {
    return;
  }
  out.data(fmt::format("{}: {} resources, {} findings ({} {}, {} {}), {} API calls ({} errors), "
                       "{:.1f} s{}\n",
                       run.integration, run.resources, run.findings_pass + run.findings_fail,
                       run.findings_pass, out.paint("PASS", Color::green), run.findings_fail,
                       out.paint("FAIL", run.findings_fail > 0 ? Color::red : Color::none),
                       run.api_calls, run.api_errors, static_cast<double>(run.duration_ms) / 1000.0,
                       run.outcome == "incomplete" ? " — incomplete" : ""));
  out.data(changes_line(run));
}

// --quiet, for cron: silent unless something newly fails, and then only what changed.
void print_news(Context& ctx, const std::vector<providers::RunSummary>& runs) {
  const Output& out = ctx.out();
  for (const auto& run : runs) {
    warn_problems(out, run);
  }
  const bool news = std::any_of(runs.begin(), runs.end(), [](const providers::RunSummary& run) {
    return !run.changes.new_failures.empty();
  });
  if (!news) {
    return;
  }
  out.data(changes_table(out, runs));
  for (const auto& run : runs) {
    if (!run.changes.new_failures.empty() || !run.changes.fixed.empty()) {
      out.data(changes_line(run));
    }
  }
}

void collect(Context& ctx, const CollectOptions& options) {
  const std::string format = ctx.format({"table", "json", "jsonl"});
  std::optional<providers::Severity> fail_on;
  if (options.fail_on) {
    fail_on = providers::parse_severity(*options.fail_on);
    if (!fail_on) {
      throw UsageError(fmt::format("--fail-on {} is not a severity", *options.fail_on),
                       "use low, medium, high or critical");
    }
  }
  if (options.dry_run) {
    dry_run(ctx, options, format);
    return;
  }
  if (options.metrics_file) {
    // Refused before collecting: a cron job should learn of a typo at once, not after a run.
    const std::filesystem::path dir =
      std::filesystem::absolute(*options.metrics_file).parent_path();
    if (!std::filesystem::is_directory(dir)) {
      throw UsageError(fmt::format("cannot write the metrics file {}: {} is not a directory",
                                   *options.metrics_file, dir.string()),
                       "create the directory or pass another --metrics-file");
    }
  }
  store::State& state = ctx.state();
  const store::Org org = ctx.org();
  const auto integrations = chosen_integrations(ctx, options);
  const bool progress = !ctx.out().is_quiet() && ::isatty(STDERR_FILENO) != 0;

  nlohmann::json findings = nlohmann::json::array();
  Table fails({"CHECK", "SEVERITY", "RESOURCE", "REGION", "REASON"});
  providers::FindingVisitor on_finding = [&](const store::FindingRecord& finding) {
    if (format == "jsonl") {
      nlohmann::json line = finding_json(finding);
      line["type"] = "finding";
      std::fputs((line.dump() + "\n").c_str(), stdout);
    } else if (format == "json") {
      findings.push_back(finding_json(finding));
    } else if (finding.status == "FAIL") {
      fails.add_row({finding.check_id, finding.severity, finding.resource_id,
                     finding.region.empty() ? "global" : finding.region, finding.reason});
    }
  };

  std::vector<providers::RunSummary> runs;
  // A locked integration stops none of the others: what they collected is stored, and the next
  // run compares with it, so their news must be printed now. The lock is reported after them.
  std::exception_ptr locked;
  std::optional<audit::EventInput> locked_intent;
  for (const auto& record : integrations) {
    const providers::Platform& platform = find_platform(record.platform);
    providers::RunRequest request;
    request.types = split_comma_lists(options.types);
    request.wait = options.wait ? providers::LockWait::yes : providers::LockWait::no;
    request.provider = provider_options(options.http);
    if (options.max_wait) {
      request.provider.max_wait = std::chrono::seconds(*options.max_wait);
      request.provider.client.max_retry_after = std::min<std::chrono::milliseconds>(
        request.provider.client.max_retry_after, *request.provider.max_wait);
    }
    request.lock_dir = state.path().parent_path() / "locks";
    if (progress) {
      request.provider.on_progress = [name = record.name](std::string_view line) {
        std::fprintf(stderr, "\r\033[Kcollecting %s: %.*s", name.c_str(),
                     static_cast<int>(line.size()), line.data());
        std::fflush(stderr);
      };
    }
    ctx.out().verbose(fmt::format("collecting integration {} ({})", record.name, record.platform));
    const audit::EventInput intent =
      integration_event(audit::Category::data_access, "evidence.collect", record.name,
                        {{"platform", record.platform}});
    ctx.audit_intent(intent);
    try {
      runs.push_back(
        providers::collect_integration(state, org, record, platform, request, on_finding));
    } catch (const providers::IntegrationLocked&) {
      if (integrations.size() == 1) {
        throw;
      }
      if (!locked) {
        locked = std::current_exception();
        locked_intent = intent;
      }
      continue;
    }
    const providers::RunSummary& run = runs.back();
    ctx.audit(integration_event(
      audit::Category::data_access, "evidence.collect", record.name,
      {{"platform", record.platform},
       {"types", run.types},
       {"outcome", run.outcome},
       {"resources", run.resources},
       {"findings", {{"PASS", run.findings_pass}, {"FAIL", run.findings_fail}}},
       {"api_calls", run.api_calls},
       {"error", run.error}},
      run.outcome == "failed" ? audit::Outcome::failure : audit::Outcome::success));
    if (progress) {
      std::fputs("\r\033[K", stderr);
    }
  }

  // Metrics without the locked integration would drop its series; the file keeps the last ones.
  if (options.metrics_file && !locked) {
    fs::write_file_atomic(*options.metrics_file, providers::render_metrics(runs),
                          fs::Mode::public_file);
  }

  if (format == "json") {
    nlohmann::json summaries = nlohmann::json::array();
    for (const auto& run : runs) {
      summaries.push_back(summary_json(run));
    }
    ctx.out().json({{"integrations", summaries}, {"findings", findings}});
  } else if (format == "jsonl") {
    for (const auto& run : runs) {
      nlohmann::json line = summary_json(run);
      line["type"] = "summary";
      std::fputs((line.dump() + "\n").c_str(), stdout);
    }
    std::fflush(stdout);
  } else if (ctx.out().is_quiet()) {
    print_news(ctx, runs);
  } else {
    if (!fails.empty()) {
      ctx.out().data(fails.render());
    }
    const std::string changes = changes_table(ctx.out(), runs);
    if (!changes.empty()) {
      ctx.out().data(fails.empty() ? changes : "\n" + changes);
    }
    for (const auto& run : runs) {
      print_summary(ctx, run);
    }
  }

  // One exit code for the whole run: a locked integration first (1, as when it is the only one,
  // and logged as its collection), then a failed collection (its own code), then an incomplete
  // one (6), then --fail-on (1).
  if (locked) {
    ctx.audit_intent(*locked_intent);
    std::rethrow_exception(locked);
  }
  for (const auto& run : runs) {
    if (run.outcome == "failed") {
      if (runs.size() == 1) {
        throw Error(run.error_code, run.error, run.error_help);
      }
      throw Error(
        run.error_code,
        fmt::format("the collection of integration {} failed: {}", run.integration, run.error),
        run.error_help);
    }
  }
  for (const auto& run : runs) {
    if (run.outcome == "incomplete") {
      throw RemoteError(
        fmt::format("the collection of integration {} is incomplete: {}", run.integration,
                    run.problems.empty() ? std::string("see above") : run.problems.front()),
        "the other evidence types were stored; fix the cause and collect again");
    }
  }
  if (fail_on) {
    int64_t failing = 0;
    for (const auto& run : runs) {
      for (const auto& [severity, count] : run.fails_by_severity) {
        if (severity >= *fail_on) {
          failing += count;
        }
      }
    }
    if (failing > 0) {
      throw CheckFailed(fmt::format("{} failing finding{} at or above severity {}", failing,
                                    failing == 1 ? "" : "s", providers::to_string(*fail_on)));
    }
  }
}

} // namespace

void setup_collect(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<CollectOptions>();
  auto* integration =
    command.add_option("-i,--integration", options->integration, "integration to collect from")
      ->option_text("NAME");
  command.add_flag("--all", options->all, "collect from every integration")->excludes(integration);
  command
    .add_option("-t,--types", options->types,
                "evidence types to collect, comma-separated (default: all)")
    ->option_text("T,...");
  command.add_flag("--dry-run", options->dry_run,
                   "print each API call it would make and the evidence type it feeds; send "
                   "nothing, write nothing");
  command
    .add_option("--fail-on", options->fail_on,
                "exit 1 when a FAIL of this severity or above exists (low, medium, high, "
                "critical)")
    ->option_text("SEVERITY");
  command
    .add_option("--metrics-file", options->metrics_file,
                "write Prometheus text metrics to FILE (atomically)")
    ->option_text("FILE");
  command.add_flag("--wait", options->wait,
                   "wait for a collection of the same integration to finish instead of exiting 1");
  command
    .add_option("--max-wait", options->max_wait,
                "longest wait for rate limits, in seconds: in all for GitHub (over the "
                "integration's own --max-wait), per call for a Retry-After (default 120)")
    ->option_text("SECONDS")
    ->check(non_negative());
  add_http_options(command, options->http, true);
  command.footer("--format table (default), json (one document with every finding) or jsonl "
                 "(one finding per line as it is stored, then a summary line).");
  command.callback([&ctx, options] { collect(ctx, *options); });
}

} // namespace velocity::cli
