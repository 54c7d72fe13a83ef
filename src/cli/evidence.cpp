// `velocity evidence`: the stored check results with their freshness, and one evidence record
// with its (decrypted) payload.

#include "platforms.hpp"

#include <velocity/cli/commands.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/suggest.hpp>
#include <velocity/providers/model.hpp>
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

void list(Context& ctx, const EvidenceOptions& options) {
  const std::string format = ctx.format({"table", "json", "jsonl"});
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
  nlohmann::json rows = nlohmann::json::array();
  Table table({"EVIDENCE", "INTEGRATION", "CHECK", "STATUS", "SEVERITY", "RESOURCE", "REGION",
               "LAST SEEN", "HISTORY"});
  size_t count = 0;
  store::for_each_finding(state.db(), org, filter, [&](const store::FindingRecord& finding) {
    ++count;
    if (format == "jsonl") {
      std::fputs((finding_json(finding).dump() + "\n").c_str(), stdout);
    } else if (format == "json") {
      rows.push_back(finding_json(finding));
    } else {
      table.add_row({finding.evidence_id ? std::to_string(*finding.evidence_id) : "-",
                     finding.integration, finding.check_id, std::string(to_string(finding.status)),
                     std::string(to_string(finding.severity)), finding.resource_id,
                     finding.region.empty() ? "global" : finding.region,
                     finding.last_seen_at.substr(0, 19), gap_text(finding)});
    }
  });
  if (format == "json") {
    ctx.out().json(rows);
  } else if (format == "table") {
    if (count == 0) {
      ctx.out().info("no findings match; collect with `velocity collect`");
      return;
    }
    ctx.out().data(table.render());
  }
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
  ctx.examples.add(*list_command, {{"velocity evidence list --status FAIL", "the failing checks"}});
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
