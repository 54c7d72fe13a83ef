#include <velocity/core/error.hpp>
#include <velocity/crypto/digest.hpp>
#include <velocity/report/finding_formats.hpp>

#include <fmt/format.h>

namespace velocity::report {

std::string finding_fingerprint(const store::FindingRecord& finding) {
  // The store's identity of a finding (findings_identity), unit-separated so that no two
  // identities join into the same text.
  std::string identity;
  for (const std::string* part : {&finding.check_id, &finding.integration, &finding.account_id,
                                  &finding.region, &finding.resource_id}) {
    identity += *part;
    identity += '\x1f';
  }
  return crypto::to_hex(crypto::sha256(identity)).substr(0, 32);
}

bool is_finding_format(Format format) noexcept {
  return format == Format::sarif || format == Format::sarif_github || format == Format::junit ||
         format == Format::ocsf;
}

void write_findings_as(Format format, const FindingSource& findings, compliance::Library& library,
                       const FindingFormatOptions& options, const Sink& sink) {
  switch (format) {
  case Format::sarif:
  case Format::sarif_github:
    write_findings_sarif(findings, library, options, sink);
    return;
  case Format::junit:
    write_findings_junit(findings, library, sink);
    return;
  case Format::ocsf:
    write_findings_ocsf(findings, library, options, sink);
    return;
  case Format::markdown:
  case Format::html:
  case Format::json:
  case Format::csv:
  case Format::oscal:
  case Format::jsonl:
  case Format::findings_csv:
  case Format::pdf:
    break;
  }
  throw UsageError(fmt::format("--format {} does not list findings", to_string(format)));
}

} // namespace velocity::report
