// Accept files (`--accept-file FILE`): velocity's shape and Prowler's mutelist, read against the
// built-in check catalogue; every rule read is then tried on findings, so that the patterns a file
// holds (globs, Prowler's regular expressions) are matched as collect would match them.
#include "fuzz_support.hpp"

#include <velocity/compliance/acceptance.hpp>
#include <velocity/compliance/library.hpp>

using namespace velocity;

namespace {

std::vector<std::string> catalogue_ids() {
  compliance::Library library = compliance::Library::built_in();
  std::vector<std::string> ids;
  for (const compliance::Check& check : library.checks().checks) {
    ids.push_back(check.id);
  }
  return ids;
}

store::FindingRecord failing(std::string platform, std::string check, std::string resource) {
  store::FindingRecord finding;
  finding.integration = "prod";
  finding.platform = std::move(platform);
  finding.check_id = std::move(check);
  finding.status = store::Status::fail;
  finding.resource_id = std::move(resource);
  finding.account_id = "123456789012";
  finding.region = "eu-west-1";
  return finding;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> ids = catalogue_ids();
  static const time::TimePoint now = *time::parse_iso8601("2026-06-01T00:00:00Z");
  static const std::vector<store::FindingRecord> findings = {
    failing("aws", "aws_s3_bucket_level_public_access_block",
            "arn:aws:s3:::velocity-data-" + std::string(200, 'a')),
    failing("aws", "aws_iam_root_mfa_enabled", "arn:aws:iam::123456789012:root"),
    failing("github", "github_repository_default_branch_protection_enabled", "acme/site")};
  fuzz::refuse_cleanly([&] {
    const compliance::AcceptFile file = compliance::parse_accept_file(
      fuzz::as_text(data, size), "accept.yaml", ids, now, compliance::k_max_acceptance_days);
    compliance::AcceptRules rules;
    for (const compliance::AcceptRule& rule : file.rules) {
      rules.add(rule);
    }
    for (const store::FindingRecord& finding : findings) {
      rules.covering(finding, now);
    }
  });
  return 0;
}
