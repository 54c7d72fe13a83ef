#pragma once

// Internal to the GitHub provider: its authorised calls, how their refusals are reported, and
// the collectors that build its evidence from them.

#include <velocity/providers/github/provider.hpp>
#include <velocity/providers/session.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace velocity::providers::github {

// GitHub's REST API as one integration's token sees it.
class Api {
public:
  Api(Session& session, const Settings& settings, std::string token, std::string integration);

  // GET of `path` below the API root ("/orgs/acme"), or of a full URL (a Link page).
  net::Response get(const std::string& path);
  // Every page of the list at `path`; `what` names the call in problems.
  Listing get_all(const std::string& path, const std::string& what);
  // Throws StateError when GitHub rejected the token (401): nothing else can be collected.
  void fail_on_rejection(const net::Response& response) const;
  std::string rejected_message(const net::Response& response) const;

  const Settings& settings() const { return m_settings; }
  // "/repos/acme/api" with each part percent-encoded (a branch keeps its slashes).
  static std::string repo_path(const std::string& full_name);

private:
  Session& m_session;
  const Settings& m_settings;
  std::string m_token;
  std::string m_integration;
};

// Percent-encodes `text` for a path, keeping slashes (release/1.x, owner/repo).
std::string encode_path(std::string_view text);

// What an error answer means for the checks that needed it.
enum class Refusal {
  // The organisation's plan or settings do not include the feature (GitHub says which): the
  // feature is off, which the check can judge.
  feature_unavailable,
  // The token may not read it (missing scope or role), or the call failed: not evaluated.
  not_evaluated,
};

Refusal classify(const net::Response& response);

// Calls refused on many resources, reported once per call and error: "GET /repos/{owner}/
// {repo}/hooks: 403 Must have admin rights to Repository. on acme/api, acme/web: ..." instead
// of one line per repository.
class Refusals {
public:
  // `problem` is "CALL: error" (as list_pages words it); `checks` the checks left unevaluated;
  // `needs` the scope or role that would let the token make the call.
  void add(const std::string& problem, const std::string& resource, const std::string& checks,
           const std::string& needs);
  // Moves the grouped problems into `batch`.
  void report(Batch& batch);

private:
  struct Group {
    std::vector<std::string> resources;
    std::string checks;
    std::string needs;
  };
  std::map<std::string, Group> m_groups;
};

// The JSON of a 2xx answer, or nothing when its body is not JSON.
std::optional<nlohmann::json> json_of(const net::Response& response);

// The organisation's settings, webhooks and Actions policies: one `organization` evidence.
void collect_organization(Api& api, Batch& batch, Refusals& refusals);
// Each repository's settings and the files and features around it: `repository` evidence.
void collect_repositories(Api& api, const nlohmann::json& repos, Batch& batch, Refusals& refusals);
// Each active repository's default branch, its classic protection and the ruleset rules that
// apply to it: `branch_protection` evidence.
void collect_branches(Api& api, const nlohmann::json& repos, Batch& batch, Refusals& refusals);
// Owners, members and outside collaborators without 2FA.
void collect_people(Api& api, Batch& batch, Refusals& refusals);

} // namespace velocity::providers::github
