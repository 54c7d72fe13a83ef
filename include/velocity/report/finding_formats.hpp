#pragma once

#include <velocity/compliance/library.hpp>
#include <velocity/report/render.hpp>
#include <velocity/store/findings.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

// Findings in the formats CI systems and security tools read: SARIF 2.1.0, JUnit XML and OCSF
// Detection Findings (docs/finding-formats.md). Each writer streams: it holds the catalogue and
// a count per check, never the findings themselves.
namespace velocity::report {

using FindingVisitor = std::function<void(const store::FindingRecord&)>;
// Visits the findings a listing covers, ordered by check id, then as the store orders them. A
// writer may call it more than once (JUnit counts each check's results before writing them),
// and every call must visit the same findings.
using FindingSource = std::function<void(const FindingVisitor&)>;

// The file sarif-github anchors results to unless told otherwise: nearly every repository has one.
inline constexpr std::string_view k_default_sarif_anchor = "README.md";

struct FindingFormatOptions {
  std::string tool_version; // "0.9.0"
  std::string generated_at; // ISO 8601 UTC, the time OCSF events carry
  // SARIF for GitHub code scanning only: the repository file every result is anchored to,
  // because GitHub rejects a result without a physical location.
  std::optional<std::string> sarif_anchor;
};

// The id of a finding across runs: a hex SHA-256 prefix of its check, integration, account,
// region and resource, never of its time or reason.
std::string finding_fingerprint(const store::FindingRecord& finding);

// sarif, sarif-github, junit and ocsf: the formats write_findings_as writes.
bool is_finding_format(Format format) noexcept;
// The findings in `format` (one of is_finding_format); sarif-github needs options.sarif_anchor.
void write_findings_as(Format format, const FindingSource& findings, compliance::Library& library,
                       const FindingFormatOptions& options, const Sink& sink);

// SARIF 2.1.0: one rule per check of the catalogue, one result per failing finding (accepted
// ones suppressed, with the acceptance's reason as justification).
void write_findings_sarif(const FindingSource& findings, compliance::Library& library,
                          const FindingFormatOptions& options, const Sink& sink);
// JUnit XML as Jenkins and GitLab read it: a <testsuite> per check, a <testcase> per resource,
// <failure> for a FAIL, <skipped> for an accepted FAIL. Reads `findings` twice.
void write_findings_junit(const FindingSource& findings, compliance::Library& library,
                          const Sink& sink);
// A JSON array of OCSF 1.3.0 Detection Findings (class 2004), one per finding and one per
// line, as Prowler's json-ocsf writes them.
void write_findings_ocsf(const FindingSource& findings, compliance::Library& library,
                         const FindingFormatOptions& options, const Sink& sink);

} // namespace velocity::report
