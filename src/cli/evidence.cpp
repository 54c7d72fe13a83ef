// `velocity evidence`: the stored check results with their freshness, and one evidence record
// with its (decrypted) payload.

#include "finding_view.hpp"
#include "option_values.hpp"
#include "platforms.hpp"

#include <velocity/cli/commands.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/suggest.hpp>
#include <velocity/core/time.hpp>
#include <velocity/providers/model.hpp>
#include <velocity/report/finding_formats.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/finding_diff.hpp>
#include <velocity/store/findings.hpp>
#include <velocity/store/integrations.hpp>

#include <fmt/format.h>

#include <cstdio>

namespace velocity::cli {

namespace {

struct EvidenceOptions {
  FindingViewOptions view;
  std::optional<std::string> integration;
  std::string sarif_anchor{report::k_default_sarif_anchor};
  std::optional<std::string> fail_on;
  std::optional<std::string> since;
  int64_t id = 0;
};

// "open since 2026-11-23", "closed 2026-11-25 after 2 days", "" when it never failed.
std::string gap_text(const store::FindingRecord& finding) {
  if (!finding.first_failed_at) {
    return "";
  }
  if (finding.status == store::Status::fail) {
    return "failing since " + finding.first_failed_at->substr(0, 19);
  }
  if (finding.passed_again_at) {
    return "passed again " + finding.passed_again_at->substr(0, 19);
  }
  return "";
}

// "accepted (3) by alice until 2027-03-31: static website", else the gap text.
std::string history_text(const store::FindingRecord& finding) {
  if (!finding.acceptance) {
    return gap_text(finding);
  }
  const store::Acceptance& acceptance = *finding.acceptance;
  return fmt::format("accepted ({}) by {} until {}: {}", acceptance.id, acceptance.owner,
                     acceptance.expires_at.empty() ? "its file changes" : acceptance.expires_at,
                     acceptance.reason);
}

void write_raw(std::string_view bytes) {
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
}

// The findings as a JSON array, written one element at a time.
void write_json_array(const report::FindingSource& findings) {
  bool first = true;
  findings([&](const store::FindingRecord& finding) {
    write_raw(first ? "[\n" : ",\n");
    write_raw(finding_json(finding).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    first = false;
  });
  write_raw(first ? "[]\n" : "\n]\n");
}

void list_evidence(Context& ctx, const EvidenceOptions& options) {
  const std::string format =
    ctx.format({"table", "json", "jsonl", "sarif", "sarif-github", "junit", "ocsf"});
  store::State& state = ctx.state();
  const store::Org org = ctx.org();
  std::optional<store::Severity> fail_on;
  if (options.fail_on) {
    fail_on = severity_value("--fail-on", *options.fail_on);
  }
  compliance::Library library = compliance::Library::open(std::nullopt);
  const FindingView view(ctx, library, validated_checks(library), options.view);
  // What the store can select itself, so a large state is not read whole for one check.
  store::FindingFilter filter;
  if (const auto checks = split_comma_lists(options.view.checks); checks.size() == 1) {
    filter.check_id = checks.front();
  }
  filter.status = view.stored_status();
  if (options.integration) {
    filter.integration_id = store::require_integration(state.db(), org, *options.integration).id;
  }
  const auto finding_format = report::parse_format(format);
  const bool grouped = finding_format && report::is_finding_format(*finding_format);
  if (grouped) {
    filter.order = store::FindingOrder::by_check;
  }
  // Every selected finding with the acceptance covering it; a pass counts the failures --fail-on
  // gates (a writer may read the findings twice: the count is that of the last pass).
  int64_t failing = 0;
  const report::FindingSource selected = [&](const report::FindingVisitor& visit) {
    failing = 0;
    store::for_each_finding(state.db(), org, filter, [&](const store::FindingRecord& stored) {
      const store::FindingRecord finding = view.with_acceptance(stored);
      if (!view.selected(finding)) {
        return;
      }
      if (fail_on && finding.status == store::Status::fail && !finding.acceptance &&
          finding.severity >= *fail_on) {
        ++failing;
      }
      visit(finding);
    });
  };
  size_t count = 0;
  if (grouped) {
    report::FindingFormatOptions format_options{.tool_version = VELOCITY_VERSION,
                                                .generated_at = time::to_iso8601(time::now())};
    if (*finding_format == report::Format::sarif_github) {
      format_options.sarif_anchor = options.sarif_anchor;
    }
    report::write_findings_as(*finding_format, selected, library, format_options, write_raw);
  } else if (format == "json") {
    write_json_array(selected);
  } else if (format == "jsonl") {
    selected([](const store::FindingRecord& finding) {
      write_raw(
        finding_json(finding).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
        "\n");
    });
  } else {
    Table table({"EVIDENCE", "INTEGRATION", "CHECK", "STATUS", "SEVERITY", "RESOURCE", "REGION",
                 "LAST SEEN", "HISTORY"});
    selected([&](const store::FindingRecord& finding) {
      ++count;
      table.add_row({finding.evidence_id ? std::to_string(*finding.evidence_id) : "-",
                     finding.integration, finding.check_id, status_text(finding),
                     std::string(to_string(finding.severity)), finding.resource_id,
                     finding.region.empty() ? "global" : finding.region,
                     finding.last_seen_at.substr(0, 19), history_text(finding)});
    });
    if (count == 0) {
      ctx.out().info("no findings match; collect with `velocity collect`");
    } else {
      ctx.out().data(table.render());
    }
  }
  std::fflush(stdout);
  if (failing > 0) {
    throw CheckFailed(fmt::format("{} failing finding{} at or above severity {} (accepted risks "
                                  "not counted)",
                                  failing, failing == 1 ? "" : "s", to_string(*fail_on)));
  }
}

nlohmann::json resource_json(const store::ResourceRef& resource) {
  return {{"evidence_type", resource.evidence_type},
          {"resource_id", resource.resource_id},
          {"account_id", resource.account_id},
          {"region", resource.region},
          {"collected_at", resource.collected_at}};
}

nlohmann::json run_json(const store::RunRecord& run) {
  return {{"id", run.id},
          {"started_at", run.started_at},
          {"finished_at", run.finished_at ? nlohmann::json(*run.finished_at) : nullptr}};
}

store::DiffBase diff_base(const std::optional<std::string>& since) {
  store::DiffBase base;
  if (!since) {
    return base;
  }
  if (!since->empty() && since->find_first_not_of("0123456789") == std::string::npos) {
    base.run_id = std::stoll(*since);
    return base;
  }
  const auto when = time::parse_iso8601(*since);
  if (!when) {
    throw UsageError(fmt::format("--since {} is neither a collection run id nor a date", *since),
                     "give a run id (`velocity collect --format json` prints run_id) or a date "
                     "like 2026-12-01");
  }
  base.date = time::to_iso8601(*when);
  return base;
}

// `evidence diff`: per integration, what changed between a collection and the latest one.
void diff(Context& ctx, const EvidenceOptions& options) {
  const std::string format = ctx.format({"table", "json"});
  store::State& state = ctx.state();
  const store::Org org = ctx.org();
  const store::DiffBase base = diff_base(options.since);
  compliance::Library library = compliance::Library::open(std::nullopt);
  const FindingView view(ctx, library, validated_checks(library), FindingViewOptions{});
  std::vector<store::IntegrationRecord> integrations =
    options.integration
      ? std::vector{store::require_integration(state.db(), org, *options.integration)}
      : store::list_integrations(state.db(), org);
  nlohmann::json all = nlohmann::json::array();
  Table table(
    {"CHANGE", "INTEGRATION", "CHECK / TYPE", "STATUS", "SEVERITY", "RESOURCE", "REGION"});
  std::string summary;
  for (const auto& integration : integrations) {
    const auto latest = store::latest_collecting_run(state.db(), org, integration.id);
    const auto from = store::diff_base_run(state.db(), org, integration.id, base);
    if (!latest || !from) {
      summary += fmt::format("{}: no earlier collection to compare with{}\n", integration.name,
                             options.since ? " (--since " + *options.since + ")" : "");
      continue;
    }
    const store::IntegrationDiff changes = store::diff_runs(state.db(), org, *from, *latest);
    nlohmann::json json = {{"integration", integration.name},
                           {"base_run", run_json(changes.base)},
                           {"latest_run", run_json(changes.latest)},
                           {"new_failures", nlohmann::json::array()},
                           {"fixed", nlohmann::json::array()},
                           {"new_resources", nlohmann::json::array()},
                           {"vanished_resources", nlohmann::json::array()}};
    const auto add_findings = [&](const std::vector<store::FindingRecord>& findings,
                                  const char* key, const char* label) {
      for (const store::FindingRecord& stored : findings) {
        const store::FindingRecord finding = view.with_acceptance(stored);
        json[key].push_back(finding_json(finding));
        table.add_row({label, integration.name, finding.check_id, status_text(finding),
                       std::string(to_string(finding.severity)), finding.resource_id,
                       finding.region.empty() ? "global" : finding.region});
      }
    };
    add_findings(changes.new_failures, "new_failures", "new failure");
    add_findings(changes.fixed, "fixed", "fixed");
    const auto add_resources = [&](const std::vector<store::ResourceRef>& resources,
                                   const char* key, const char* label) {
      for (const store::ResourceRef& resource : resources) {
        json[key].push_back(resource_json(resource));
        table.add_row({label, integration.name, resource.evidence_type, "", "",
                       resource.resource_id, resource.region.empty() ? "global" : resource.region});
      }
    };
    add_resources(changes.new_resources, "new_resources", "new resource");
    add_resources(changes.vanished_resources, "vanished_resources", "vanished");
    summary += fmt::format(
      "{}: {} new failure{}, {} fixed, {} new resource{}, {} vanished since the collection of {} "
      "(run {})\n",
      integration.name, changes.new_failures.size(), changes.new_failures.size() == 1 ? "" : "s",
      changes.fixed.size(), changes.new_resources.size(),
      changes.new_resources.size() == 1 ? "" : "s", changes.vanished_resources.size(),
      changes.base.finished_at.value_or(changes.base.started_at), changes.base.id);
    all.push_back(json);
  }
  if (format == "json") {
    ctx.out().json(all);
    return;
  }
  if (!table.empty()) {
    ctx.out().data(table.render() + "\n");
  }
  ctx.out().data(summary);
}

void show_evidence(Context& ctx, int64_t id) {
  const std::string format = ctx.format({"table", "json"});
  store::State& state = ctx.state();
  const store::Org org = ctx.org();
  const auto record = store::find_evidence(state.db(), org, id);
  if (!record) {
    throw UsageError(fmt::format("no evidence {} in organisation '{}'", id, org.name()),
                     "`velocity evidence list` shows the evidence ids");
  }
  nlohmann::json findings = nlohmann::json::array();
  store::FindingFilter filter;
  filter.evidence_id = id;
  store::for_each_finding(state.db(), org, filter, [&](const store::FindingRecord& finding) {
    findings.push_back(finding_json(finding));
  });
  ctx.audit({audit::Category::data_access,
             "evidence.read",
             "evidence",
             std::to_string(id),
             audit::Outcome::success,
             {{"integration", record->integration},
              {"evidence_type", record->type},
              {"resource_id", record->resource_id}}});
  nlohmann::json payload = nlohmann::json::parse(record->payload, nullptr, false);
  nlohmann::json json = {
    {"id", record->id},
    {"integration", record->integration},
    {"platform", record->platform},
    {"evidence_type", record->type},
    {"resource_id", record->resource_id},
    {"account_id", record->account_id},
    {"region", record->region},
    {"raw_sha256", record->raw_sha256},
    {"first_collected_at", record->first_collected_at},
    {"collected_at", record->collected_at},
    {"data", payload.is_discarded() ? nlohmann::json(record->payload) : payload},
    {"findings", findings}};
  if (format == "json") {
    ctx.out().json(json);
    return;
  }
  std::string text;
  for (const char* key :
       {"id", "integration", "platform", "evidence_type", "resource_id", "account_id", "region",
        "raw_sha256", "first_collected_at", "collected_at"}) {
    const nlohmann::json& value = json[key];
    text += fmt::format("{:<20}{}\n", std::string(key) + ":",
                        value.is_string() ? value.get<std::string>() : value.dump());
  }
  text += "data:\n" + json["data"].dump(2) + "\n";
  if (!findings.empty()) {
    Table table({"CHECK", "STATUS", "SEVERITY", "REASON", "CONTROLS"});
    for (const auto& finding : findings) {
      std::string controls;
      for (const auto& control : finding["controls"]) {
        controls += (controls.empty() ? "" : " ") + control["framework"].get<std::string>() + ":" +
                    control["control"].get<std::string>();
      }
      table.add_row(
        {finding["check_id"], finding["status"], finding["severity"], finding["reason"], controls});
    }
    text += "\n" + table.render();
  }
  ctx.out().data(text);
}

} // namespace

void setup_evidence(CLI::App& command, Context& ctx) {
  auto options = std::make_shared<EvidenceOptions>();
  command.require_subcommand(1);
  CLI::App* list_command = command.add_subcommand(
    "list", "list check results with the evidence they came from and their history");
  add_finding_view_options(*list_command, options->view);
  list_command->add_option("-i,--integration", options->integration, "only this integration")
    ->option_text("NAME");
  add_sarif_anchor_option(*list_command, options->sarif_anchor);
  list_command
    ->add_option("--fail-on", options->fail_on,
                 "exit 1 when a listed FAIL, not accepted, has this severity or above")
    ->option_text("SEVERITY");
  ctx.examples.add(*list_command, {{"velocity evidence list --status FAIL", "the failing checks"},
                                   {"velocity evidence list --severity high --framework soc2",
                                    "high and critical results of checks mapped to SOC 2"},
                                   {"velocity evidence list --format sarif-github > velocity.sarif",
                                    "failing findings for GitHub code scanning"},
                                   {"velocity evidence list --format junit > velocity.xml",
                                    "a test report for Jenkins or GitLab"}});
  list_command->callback([&ctx, options] { list_evidence(ctx, *options); });

  CLI::App* diff_command = command.add_subcommand(
    "diff", "what changed since an earlier collection: new failures, fixed findings, new and "
            "vanished resources");
  diff_command
    ->add_option("--since", options->since,
                 "compare with this collection run id, or the last one finished by this date "
                 "(default: the previous collection)")
    ->option_text("RUN|DATE");
  diff_command->add_option("-i,--integration", options->integration, "only this integration")
    ->option_text("NAME");
  ctx.examples.add(*diff_command, {{"velocity evidence diff", "what the latest collection changed"},
                                   {"velocity evidence diff --since 2026-12-01 -i prod",
                                    "what changed in prod since December 1st"}});
  diff_command->callback([&ctx, options] { diff(ctx, *options); });

  CLI::App* show_command =
    command.add_subcommand("show", "show one evidence record: its data, digest and findings");
  show_command->add_option("ID", options->id, "evidence id")->required()->type_name("");
  ctx.examples.add(*show_command, {{"velocity evidence show 12", "evidence record 12"}});
  ctx.examples.add(command, {{"velocity evidence list", "every check result"},
                             {"velocity evidence show 12 --format json", "one record as JSON"}});
  show_command->callback([&ctx, options] { show_evidence(ctx, options->id); });
}

} // namespace velocity::cli
