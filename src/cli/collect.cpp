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
#include <filesystem>
#include <iostream>

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

nlohmann::json summary_json(const providers::RunSummary& run) {
  nlohmann::json by_check = nlohmann::json::object();
  for (const auto& [check, counts] : run.by_check) {
    by_check[check] = {{"PASS", counts.first}, {"FAIL", counts.second}};
  }
  nlohmann::json failed_accounts = nlohmann::json::array();
  for (const auto& failure : run.failed_accounts) {
    failed_accounts.push_back({{"account_id", failure.account_id}, {"message", failure.message}});
  }
  nlohmann::json json = {{"integration", run.integration},
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
                         {"finished_at", run.finished_at}};
  if (!run.error.empty()) {
    json["error"] = run.error;
  }
  return json;
}

void print_summary(Context& ctx, const providers::RunSummary& run) {
  const Output& out = ctx.out();
  if (!run.error.empty()) {
    out.warn(fmt::format("integration {}: {}", run.integration, run.error));
    return;
  }
  out.data(fmt::format("{}: {} resources, {} findings ({} {}, {} {}), {} API calls ({} errors), "
                       "{:.1f} s{}\n",
                       run.integration, run.resources, run.findings_pass + run.findings_fail,
                       run.findings_pass, out.paint("PASS", Color::green), run.findings_fail,
                       out.paint("FAIL", run.findings_fail > 0 ? Color::red : Color::none),
                       run.api_calls, run.api_errors, static_cast<double>(run.duration_ms) / 1000.0,
                       run.outcome == "incomplete" ? " — incomplete" : ""));
  for (const std::string& problem : run.problems) {
    out.warn(fmt::format("incomplete: {}", problem));
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
    ctx.audit_intent(integration_event(audit::Category::data_access, "evidence.collect",
                                       record.name, {{"platform", record.platform}}));
    runs.push_back(
      providers::collect_integration(state, org, record, platform, request, on_finding));
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

  if (options.metrics_file) {
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
  } else {
    if (!fails.empty()) {
      ctx.out().data(fails.render());
    }
    for (const auto& run : runs) {
      print_summary(ctx, run);
    }
  }

  // One exit code for the whole run: a failed collection first (its own code), then an
  // incomplete one (6), then --fail-on (1).
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
  ctx.examples.add(command, {{"velocity collect --all", "collect from every integration"},
                             {"velocity collect -i prod --fail-on high",
                              "collect from prod; exit 1 on a high or critical failure"},
                             {"velocity collect -i prod --dry-run", "the calls it would make"}});
  command.callback([&ctx, options] { collect(ctx, *options); });
}

} // namespace velocity::cli
