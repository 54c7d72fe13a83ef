#include <velocity/providers/findings.hpp>
#include <velocity/providers/github/provider.hpp>

#include <fmt/format.h>

namespace velocity::providers::github {

namespace {

Status status_of(bool ok) {
  return ok ? Status::pass : Status::fail;
}

void check_organization(Batch& batch, size_t index) {
  const nlohmann::json& org = batch.evidence[index].data["organization"];
  const auto found = org.find("two_factor_requirement_enabled");
  // Only an owner's token sees the field; without it there is no verdict (the collector has
  // already marked the batch incomplete).
  if (found == org.end() || !found->is_boolean()) {
    return;
  }
  const bool required = found->get<bool>();
  add_finding(batch, index, "github_org_2fa_required", status_of(required),
              required ? "the organisation requires two-factor authentication"
                       : "two-factor authentication is not required for members");
}

void check_repository(Batch& batch, size_t index) {
  const nlohmann::json& repo = batch.evidence[index].data["repository"];
  // Archived repositories are read-only: nothing new can be pushed to leak a secret.
  if (repo.value("archived", false)) {
    return;
  }
  const nlohmann::json analysis = repo.value("security_and_analysis", nlohmann::json());
  if (!analysis.is_object() || !analysis.contains("secret_scanning")) {
    return;
  }
  const std::string status = analysis["secret_scanning"].value("status", "");
  add_finding(batch, index, "github_repo_secret_scanning_enabled", status_of(status == "enabled"),
              status == "enabled"
                ? "secret scanning is enabled"
                : fmt::format("secret scanning is {}", status.empty() ? "off" : status));
}

void check_branch(Batch& batch, size_t index) {
  const nlohmann::json& data = batch.evidence[index].data;
  const std::string branch = data.value("branch", "");
  if (!data.value("protected", false)) {
    const std::string reason = fmt::format("default branch {} is not protected", branch);
    add_finding(batch, index, "github_branch_protection_enabled", Status::fail, reason);
    add_finding(batch, index, "github_branch_protection_required_reviews", Status::fail, reason);
    add_finding(batch, index, "github_branch_protection_enforce_admins", Status::fail, reason);
    return;
  }
  add_finding(batch, index, "github_branch_protection_enabled", Status::pass,
              fmt::format("default branch {} is protected", branch));

  const nlohmann::json& rules = data["protection"];
  const nlohmann::json reviews = rules.value("required_pull_request_reviews", nlohmann::json());
  if (!reviews.is_object()) {
    add_finding(batch, index, "github_branch_protection_required_reviews", Status::fail,
                "pull request reviews are not required");
  } else {
    const int64_t count = reviews.value("required_approving_review_count", int64_t{0});
    const bool dismiss = reviews.value("dismiss_stale_reviews", false);
    if (count < 1) {
      add_finding(batch, index, "github_branch_protection_required_reviews", Status::fail,
                  fmt::format("{} approving reviews required (at least 1 needed)", count));
    } else if (!dismiss) {
      add_finding(batch, index, "github_branch_protection_required_reviews", Status::fail,
                  "stale reviews are not dismissed when new commits are pushed");
    } else {
      add_finding(batch, index, "github_branch_protection_required_reviews", Status::pass,
                  fmt::format("{} approving review{} required, stale reviews dismissed", count,
                              count == 1 ? "" : "s"));
    }
  }

  const nlohmann::json admins = rules.value("enforce_admins", nlohmann::json());
  const bool enforced = admins.is_object() ? admins.value("enabled", false)
                                           : (admins.is_boolean() && admins.get<bool>());
  add_finding(batch, index, "github_branch_protection_enforce_admins", status_of(enforced),
              enforced ? "the rules apply to administrators too"
                       : "administrators can bypass the rules");
}

} // namespace

void run_checks(Batch& batch) {
  for (size_t index = 0; index < batch.evidence.size(); ++index) {
    const std::string kind = batch.evidence[index].data.value("kind", "");
    if (kind == "organization") {
      check_organization(batch, index);
    } else if (kind == "repository") {
      check_repository(batch, index);
    } else if (kind == "branch_protection") {
      check_branch(batch, index);
    }
  }
}

} // namespace velocity::providers::github
