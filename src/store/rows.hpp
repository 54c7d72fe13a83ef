#pragma once

// Internal to the store module: the columns the evidence, findings and run queries select, and
// the records read from them, so every query reads a row the same way.

#include <velocity/store/database.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/findings.hpp>
#include <velocity/store/state.hpp>

#include <string_view>

namespace velocity::store {

// Evidence `e` with its integration `i` (LEFT JOIN), in the order evidence_from_row reads them.
inline constexpr std::string_view k_evidence_columns =
  "e.id, e.integration_id, COALESCE(i.name, ''), e.platform, e.evidence_type, e.resource_id, "
  "e.account_id, e.region, e.raw_sha256, e.payload, e.first_collected_at, e.collected_at";
inline constexpr int k_evidence_column_count = 12;

// The evidence record in the first k_evidence_column_count columns of the current row, its
// payload opened with `org`'s data key.
EvidenceRecord evidence_from_row(const Statement& statement, const Org& org);

// Findings `f` with their integration `i` (JOIN) and evidence `e` (LEFT JOIN), in the order
// finding_from_row reads them.
inline constexpr std::string_view k_finding_columns =
  "f.id, f.evidence_id, i.name, i.platform, COALESCE(e.evidence_type, ''), f.check_id, "
  "f.severity, f.status, f.resource_id, f.account_id, f.region, f.reason, f.first_seen_at, "
  "f.first_failed_at, f.last_seen_at, f.passed_again_at";

// The finding record in the k_finding_columns of the current row.
FindingRecord finding_from_row(const Statement& statement);

// The severity and status columns of finding `finding_id` as enums; StateError when the state
// holds a word velocity never writes there.
Severity severity_column(const Statement& statement, int column, int64_t finding_id);
Status status_column(const Statement& statement, int column, int64_t finding_id);

// A collection run `r`, in the order run_from_row reads them.
inline constexpr std::string_view k_run_columns =
  "r.id, r.integration_id, r.started_at, r.finished_at, r.outcome, r.types, r.resources, "
  "r.findings_pass, r.findings_fail, r.api_calls, r.api_errors, r.duration_ms, r.message";

// The run record in the k_run_columns of the current row.
RunRecord run_from_row(const Statement& statement);

} // namespace velocity::store
