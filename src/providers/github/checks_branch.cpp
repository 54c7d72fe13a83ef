#include "checks.hpp"

#include <velocity/providers/findings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>

namespace velocity::providers::github {

namespace {

// CIS GitHub 1.1.3: at least two approvals.
constexpr int64_t k_min_approvals = 2;

// What protects a branch: its classic protection and the ruleset rules that apply to it, merged
// (a setting is on when either turns it on, as GitHub enforces both).
struct BranchRules {
  bool classic = false;
  bool rulesets = false;
  bool reviews = false;
  int64_t approvals = 0;
  bool dismiss_stale = false;
  bool code_owners = false;
  bool conversation_resolution = false;
  bool status_checks = false;
  bool up_to_date = false;
  bool signatures = false;
  bool linear_history = false;
  bool force_push_blocked = false;
  bool deletion_blocked = false;
  bool push_restricted = false;
  // Only classic protection names who may dismiss reviews; rulesets have no such list.
  std::optional<bool> dismissal_restricted;
  // Whether administrators are bound by every source that protects the branch: classic
  // protection's enforce_admins, and no ruleset letting repository or organisation admins
  // bypass it. Nothing when a ruleset's bypass list could not be read.
  std::optional<bool> admins;

  bool protects() const { return classic || rulesets; }
};

bool enabled(const nlohmann::json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end()) {
    return false;
  }
  if (found->is_boolean()) {
    return found->get<bool>();
  }
  return found->is_object() && found->value("enabled", false);
}

bool non_empty_list(const nlohmann::json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_array() && !found->empty();
}

void read_classic(const nlohmann::json& protection, BranchRules& rules) {
  if (!protection.is_object()) {
    return;
  }
  rules.classic = true;
  const nlohmann::json reviews =
    protection.value("required_pull_request_reviews", nlohmann::json());
  if (reviews.is_object()) {
    rules.reviews = true;
    rules.approvals = reviews.value("required_approving_review_count", int64_t{0});
    rules.dismiss_stale = reviews.value("dismiss_stale_reviews", false);
    rules.code_owners = reviews.value("require_code_owner_reviews", false);
    rules.dismissal_restricted =
      reviews.contains("dismissal_restrictions") && reviews["dismissal_restrictions"].is_object();
  }
  const nlohmann::json checks = protection.value("required_status_checks", nlohmann::json());
  if (checks.is_object()) {
    rules.status_checks = non_empty_list(checks, "contexts") || non_empty_list(checks, "checks");
    rules.up_to_date = checks.value("strict", false);
  }
  rules.signatures = enabled(protection, "required_signatures");
  rules.linear_history = enabled(protection, "required_linear_history");
  rules.conversation_resolution = enabled(protection, "required_conversation_resolution");
  rules.force_push_blocked = !enabled(protection, "allow_force_pushes");
  rules.deletion_blocked = !enabled(protection, "allow_deletions");
  rules.admins = enabled(protection, "enforce_admins");
  rules.push_restricted =
    protection.contains("restrictions") && protection["restrictions"].is_object();
}

// Whether a ruleset's bypass actors include administrators: the repository admin role (id 5)
// or organisation admins.
bool admins_bypass(const nlohmann::json& actors) {
  constexpr int64_t k_repository_admin_role = 5;
  for (const nlohmann::json& actor : actors) {
    const std::string type = actor.value("actor_type", "");
    if (type == "OrganizationAdmin" ||
        (type == "RepositoryRole" &&
         actor.value("actor_id", int64_t{0}) == k_repository_admin_role)) {
      return true;
    }
  }
  return false;
}

void read_bypass(const nlohmann::json& bypass, BranchRules& rules) {
  if (!rules.rulesets) {
    return;
  }
  if (!bypass.is_object()) {
    rules.admins.reset();
    return;
  }
  bool bound = !rules.classic || rules.admins.value_or(false);
  for (const auto& [id, actors] : bypass.items()) {
    bound = bound && actors.is_array() && !admins_bypass(actors);
  }
  rules.admins = bound;
}

void read_rulesets(const nlohmann::json& applied, BranchRules& rules) {
  if (!applied.is_array()) {
    return;
  }
  for (const nlohmann::json& rule : applied) {
    const std::string type = rule.value("type", "");
    const nlohmann::json parameters = rule.value("parameters", nlohmann::json::object());
    rules.rulesets = true;
    if (type == "pull_request") {
      rules.reviews = true;
      rules.approvals =
        std::max(rules.approvals, parameters.value("required_approving_review_count", int64_t{0}));
      rules.dismiss_stale |= parameters.value("dismiss_stale_reviews_on_push", false);
      rules.code_owners |= parameters.value("require_code_owner_review", false);
      rules.conversation_resolution |= parameters.value("required_review_thread_resolution", false);
    } else if (type == "required_status_checks") {
      rules.status_checks |= non_empty_list(parameters, "required_status_checks");
      rules.up_to_date |= parameters.value("strict_required_status_checks_policy", false);
    } else if (type == "required_signatures") {
      rules.signatures = true;
    } else if (type == "required_linear_history") {
      rules.linear_history = true;
    } else if (type == "non_fast_forward") {
      rules.force_push_blocked = true;
    } else if (type == "deletion") {
      rules.deletion_blocked = true;
    } else if (type == "update") {
      rules.push_restricted = true;
    }
  }
}

// One branch setting's verdict: the check, whether it holds, and the reason either way.
struct Setting {
  std::string_view check;
  bool ok;
  std::string pass;
  std::string fail;
};

} // namespace

void check_branch(Batch& batch, size_t index) {
  const nlohmann::json& data = batch.evidence[index].data;
  // An empty repository has no branch to protect until its first push.
  if (data.value("empty", false)) {
    return;
  }
  const std::string branch = data.value("branch", "");
  BranchRules rules;
  read_classic(data.value("protection", nlohmann::json()), rules);
  read_rulesets(data.value("rules", nlohmann::json()), rules);
  read_bypass(data.value("bypass", nlohmann::json()), rules);

  const std::string source = rules.classic && rules.rulesets ? "branch protection and rulesets"
                             : rules.classic                 ? "branch protection"
                                                             : "rulesets";
  const std::array<Setting, 13> settings = {
    Setting{"github_repository_default_branch_requires_multiple_approvals",
            rules.approvals >= k_min_approvals,
            fmt::format("{} approving reviews required", rules.approvals),
            fmt::format("{} approving review{} required (at least {} needed)", rules.approvals,
                        rules.approvals == 1 ? "" : "s", k_min_approvals)},
    Setting{"github_repository_default_branch_dismisses_stale_reviews",
            rules.reviews && rules.dismiss_stale,
            "approvals are dismissed when new commits are pushed",
            rules.reviews ? "approvals stay after new commits are pushed"
                          : "pull request reviews are not required"},
    Setting{"github_repository_default_branch_requires_codeowners_review",
            rules.reviews && rules.code_owners, "code owners must approve changes to their files",
            "code owners' review is not required"},
    Setting{"github_repository_default_branch_status_checks_required", rules.status_checks,
            "named status checks must pass before merging", "no status check is required"},
    Setting{"github_repository_default_branch_requires_up_to_date_branch",
            rules.status_checks && rules.up_to_date,
            "branches must be up to date with the default branch before merging",
            "branches may merge without being tested against the latest default branch"},
    Setting{"github_repository_default_branch_requires_conversation_resolution",
            rules.conversation_resolution, "review conversations must be resolved before merging",
            "pull requests may merge with unresolved review conversations"},
    Setting{"github_repository_default_branch_requires_signed_commits", rules.signatures,
            "commits must be signed and verified", "unsigned commits are accepted"},
    Setting{"github_repository_default_branch_requires_linear_history", rules.linear_history,
            "merge commits are refused: the history stays linear", "merge commits are allowed"},
    Setting{"github_repository_default_branch_disallows_force_push", rules.force_push_blocked,
            "force pushes are blocked", "force pushes are allowed"},
    Setting{"github_repository_default_branch_deletion_disabled", rules.deletion_blocked,
            "the branch cannot be deleted", "the branch can be deleted"},
    Setting{"github_repository_default_branch_push_restricted", rules.push_restricted,
            "only named people, teams or apps may push", "everyone with write access may push"},
    Setting{"github_repository_default_branch_review_dismissal_restricted",
            rules.reviews && rules.dismissal_restricted.value_or(false),
            "only named people or teams may dismiss reviews",
            rules.reviews ? "anyone with write access may dismiss reviews"
                          : "pull request reviews are not required"},
    Setting{"github_repository_default_branch_protection_applies_to_admins",
            rules.admins.value_or(false), "the rules apply to administrators too",
            "administrators can bypass the rules"},
  };

  if (!rules.protects()) {
    const std::string unavailable = data.value("unavailable", "");
    const std::string reason =
      unavailable.empty() ? fmt::format("default branch {} is not protected", branch)
                          : fmt::format("default branch {} is not protected: GitHub says \"{}\"",
                                        branch, unavailable);
    add_finding(batch, index, "github_repository_default_branch_protection_enabled", Status::fail,
                reason);
    for (const Setting& setting : settings) {
      add_finding(batch, index, setting.check, Status::fail, reason);
    }
    return;
  }
  add_finding(batch, index, "github_repository_default_branch_protection_enabled", Status::pass,
              fmt::format("default branch {} is protected by {}", branch, source));
  for (const Setting& setting : settings) {
    // A ruleset whose bypass list the token cannot see leaves the administrators check
    // unevaluated rather than guessed.
    if (setting.check == "github_repository_default_branch_protection_applies_to_admins" &&
        !rules.admins) {
      continue;
    }
    // Reviews required by rulesets alone have no dismissal list to judge.
    if (setting.check == "github_repository_default_branch_review_dismissal_restricted" &&
        rules.reviews && !rules.dismissal_restricted) {
      continue;
    }
    add_finding(batch, index, setting.check, status_of(setting.ok),
                fmt::format("{} ({})", setting.ok ? setting.pass : setting.fail, source));
  }
}

} // namespace velocity::providers::github
