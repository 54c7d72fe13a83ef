#pragma once

#include <velocity/audit/recorder.hpp>
#include <velocity/compliance/library.hpp>
#include <velocity/report/bundle.hpp>
#include <velocity/report/model.hpp>
#include <velocity/report/templates.hpp>

#include <cstdint>
#include <filesystem>

// `velocity report bundle`: everything an auditor needs for one framework and period, in one
// signed tar.gz (docs/report-bundle.md).
namespace velocity::report {

struct BundleSummary {
  Manifest manifest;
  int64_t evidence = 0;     // evidence/*.json files
  int64_t findings = 0;     // lines of findings.jsonl
  int64_t audit_events = 0; // events in audit/events.jsonl
  nlohmann::json score;     // the report's score, or null
};

// Writes the bundle of `recorder`'s organisation to `output`: the reports in every format, the
// OSCAL results, each evidence item of the period (decrypted, with its raw-response digest and
// findings), every finding as JSON Lines, the audit log slice of the period with its signed tree
// heads, and `witnessed` (the head the audit witness saw last) in audit/witness.json, all signed
// with the organisation's audit key. Memory stays bounded whatever the number of evidence items
// and findings: large members go through temporary files beside `output`.
BundleSummary
write_report_bundle(audit::Recorder& recorder, compliance::Library& library,
                    const TemplateSet& templates, const ReportRequest& request,
                    const std::filesystem::path& output,
                    const std::optional<audit::WitnessedHead>& witnessed = std::nullopt);

// The organisation's Ed25519 signing key: the key of its audit log (made on first use).
crypto::SigningKey organisation_signing_key(audit::Recorder& recorder);

} // namespace velocity::report
