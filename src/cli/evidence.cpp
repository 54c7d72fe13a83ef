// `velocity evidence`: the stored check results with their freshness, and one evidence record
// with its (decrypted) payload.

#include "option_values.hpp"
#include "platforms.hpp"

#include <velocity/cli/commands.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/suggest.hpp>
#include <velocity/core/time.hpp>
#include <velocity/providers/model.hpp>
#include <velocity/report/finding_formats.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/findings.hpp>
#include <velocity/store/integrations.hpp>

#include <fmt/format.h>

#include <cstdio>

namespace velocity::cli {

namespace {

struct EvidenceOptions {
  std::optional<std::string> check;
  std::optional<std::string> status;
  std::optional<std::string> integration;
  std::string sarif_anchor{report::k_default_sarif_anchor};
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

// A check id no platform has would list nothing and look like a clean bill of health.
void require_known_check(const std::string& id) {
  std::vector<std::string> known;
  for (const providers::Platform* platform : platforms()) {
    if (platform->find_check(id) != nullptr) {
      return;
    }
    for (const providers::CheckInfo& check : platform->checks) {
      known.push_back(check.id);
    }
  }
  const std::string guess = suggest::closest(id, known);
  throw UsageError(fmt::format("--check {}: no platform has a check with this id", id),
                   guess.empty() ? "`velocity connect evidence-types PLATFORM` lists the checks"
                                 : fmt::format("did you mean --check {}?", guess));
}

void write_raw(std::string_view bytes) {
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
}

// The findings as a JSON array, written one element at a time.
void write_json_array(store::Database& db, const store::Org& org,
                      const store::FindingFilter& filter) {
  bool first = true;
  store::for_each_finding(db, org, filter, [&](const store::FindingRecord& finding) {
    write_raw(first ? "[\n" : ",\n");
    write_raw(finding_json(finding).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    first = false;
  });
  write_raw(first ? "[]\n" : "\n]\n");
}

void list(Context& ctx, const EvidenceOptions& options) {
  const std::string format =
    ctx.format({"table", "json", "jsonl", "sarif", "sarif-github", "junit", "ocsf"});
  store::State& state = ctx.state();
  const store::Org org = ctx.org();
  store::FindingFilter filter;
  if (options.check) {
    require_known_check(*options.check);
  }
  filter.check_id = options.check;
  if (options.status) {
    const auto status = providers::parse_status(*options.status);
    if (!status) {
      throw UsageError(fmt::format("--status {} is not PASS or FAIL", *options.status));
    }
    filter.status = *status;
  }
  if (options.integration) {
    filter.integration_id = store::require_integration(state.db(), org, *options.integration).id;
  }
  if (const auto finding_format = report::parse_format(format);
      finding_format && report::is_finding_format(*finding_format)) {
    filter.order = store::FindingOrder::by_check;
    compliance::Library library = compliance::Library::open(std::nullopt);
    report::FindingFormatOptions format_options{.tool_version = VELOCITY_VERSION,
                                                .generated_at = time::to_iso8601(time::now())};
    if (*finding_format == report::Format::sarif_github) {
      format_options.sarif_anchor = options.sarif_anchor;
    }
    const report::FindingSource findings = [&](const report::FindingVisitor& visit) {
      store::for_each_finding(state.db(), org, filter, visit);
    };
    report::write_findings_as(*finding_format, findings, library, format_options, write_raw);
    std::fflush(stdout);
    return;
  }
  if (format == "json") {
    write_json_array(state.db(), org, filter);
    std::fflush(stdout);
    return;
  }
  Table table({"EVIDENCE", "INTEGRATION", "CHECK", "STATUS", "SEVERITY", "RESOURCE", "REGION",
               "LAST SEEN", "HISTORY"});
  size_t count = 0;
  store::for_each_finding(state.db(), org, filter, [&](const store::FindingRecord& finding) {
    ++count;
    if (format == "jsonl") {
      write_raw(finding_json(finding).dump() + "\n");
    } else {
      table.add_row({finding.evidence_id ? std::to_string(*finding.evidence_id) : "-",
                     finding.integration, finding.check_id, std::string(to_string(finding.status)),
                     std::string(to_string(finding.severity)), finding.resource_id,
                     finding.region.empty() ? "global" : finding.region,
                     finding.last_seen_at.substr(0, 19), gap_text(finding)});
    }
  });
  if (format == "jsonl") {
    std::fflush(stdout);
    return;
  }
  if (count == 0) {
    ctx.out().info("no findings match; collect with `velocity collect`");
    return;
  }
  ctx.out().data(table.render());
}

void show(Context& ctx, int64_t id) {
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
  list_command->add_option("--check", options->check, "only this check id")->option_text("ID");
  list_command->add_option("--status", options->status, "only PASS or FAIL")
    ->option_text("PASS|FAIL");
  list_command->add_option("-i,--integration", options->integration, "only this integration")
    ->option_text("NAME");
  add_sarif_anchor_option(*list_command, options->sarif_anchor);
  ctx.examples.add(*list_command, {{"velocity evidence list --status FAIL", "the failing checks"},
                                   {"velocity evidence list --format sarif-github > velocity.sarif",
                                    "failing findings for GitHub code scanning"},
                                   {"velocity evidence list --format junit > velocity.xml",
                                    "a test report for Jenkins or GitLab"}});
  list_command->callback([&ctx, options] { list(ctx, *options); });

  CLI::App* show_command =
    command.add_subcommand("show", "show one evidence record: its data, digest and findings");
  show_command->add_option("ID", options->id, "evidence id")->required()->type_name("");
  ctx.examples.add(*show_command, {{"velocity evidence show 12", "evidence record 12"}});
  ctx.examples.add(command, {{"velocity evidence list", "every check result"},
                             {"velocity evidence show 12 --format json", "one record as JSON"}});
  show_command->callback([&ctx, options] { show(ctx, options->id); });
}

} // namespace velocity::cli
