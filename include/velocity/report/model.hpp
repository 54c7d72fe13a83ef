#pragma once

#include <velocity/compliance/library.hpp>
#include <velocity/compliance/plan.hpp>
#include <velocity/store/report_queries.hpp>
#include <velocity/store/state.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

// The report document: one framework's assessment results combined with the automated findings
// of a period. Every output format is rendered from it; `--format json` prints it as is, and
// docs/report-json.md documents its schema ("velocity.report.v1").
namespace velocity::report {

inline constexpr std::string_view k_report_schema = "velocity.report.v1";

// What a report shows of each finding (the cli's --accept-file and filters): it sets the finding's
// acceptance and returns false to leave the finding out. Unset: every finding as stored.
using FindingLens = std::function<bool(store::FindingRecord& finding)>;

struct ReportRequest {
  std::string framework;
  store::TimeWindow period;
  compliance::PlanOptions plan;
  // How many failing findings the document lists by name; the rest are counted (all of them are
  // in the JSON Lines / findings CSV output).
  size_t top_findings = 25;
  std::string generated_at; // ISO 8601 UTC
  std::string tool;         // "velocity 0.1.0"
  FindingLens lens;
};

// Builds the report of `org` for `request.framework`: the latest completed assessment covering
// it (within the period), the one before it, every score over time, and the findings of the
// period summarised per control, check and severity. Findings are streamed from the store, so
// memory does not grow with their number. Throws UsageError for an unknown framework.
nlohmann::json build_report(store::Database& db, const store::Org& org,
                            compliance::Library& library, const ReportRequest& request);

} // namespace velocity::report
