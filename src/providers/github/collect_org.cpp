#include "api.hpp"

#include <fmt/format.h>

namespace velocity::providers::github {

namespace {

// The JSON of one organisation-level GET, or null (and a refusal) when it was refused.
nlohmann::json org_setting(Api& api, const std::string& path, const std::string& call,
                           Refusals& refusals, const std::string& checks, const std::string& needs,
                           std::string& raw) {
  const net::Response response = api.get(path);
  api.fail_on_rejection(response);
  raw += response.body;
  if (response.ok()) {
    if (auto json = json_of(response); json && json->is_object()) {
      return *json;
    }
  }
  refusals.add(fmt::format("{}: {}", call, error_text(response)), api.settings().org, checks,
               needs);
  return nullptr;
}

// A list of people in the organisation, as logins, or a refusal.
void people_evidence(Api& api, Batch& batch, Refusals& refusals, const std::string& path,
                     const std::string& call, const std::string& kind, const std::string& checks,
                     const std::string& needs) {
  const std::string& org = api.settings().org;
  const Listing people = api.get_all(path, call);
  if (!people.problem.empty()) {
    refusals.add(people.problem, org, checks, needs);
    return;
  }
  nlohmann::json logins = nlohmann::json::array();
  for (const nlohmann::json& person : people.items) {
    logins.push_back(person.value("login", ""));
  }
  add_evidence(batch, org + ":" + kind, "",
               {{"kind", kind}, {"count", logins.size()}, {"logins", logins}}, people.raw);
}

} // namespace

void collect_organization(Api& api, Batch& batch, Refusals& refusals) {
  const std::string& org = api.settings().org;
  const std::string base = "/orgs/" + encode_path(org);
  const net::Response response = api.get(base);
  api.fail_on_rejection(response);
  if (!response.ok()) {
    batch.problems.push_back(fmt::format("GET /orgs/{}: {}", org, error_text(response)));
    return;
  }
  nlohmann::json settings = json_of(response).value_or(nlohmann::json::object());
  if (!settings.is_object()) {
    settings = nlohmann::json::object();
  }
  if (!settings.contains("two_factor_requirement_enabled")) {
    refusals.add(fmt::format("GET /orgs/{}: two_factor_requirement_enabled is not visible", org),
                 org,
                 "the organisation settings checks (2FA, base permission, repository creation)",
                 "the owner role and the read:org scope");
  }
  std::string raw = response.body;

  nlohmann::json hooks = nullptr;
  const Listing listed = api.get_all(base + "/hooks?per_page=100", "GET /orgs/{org}/hooks");
  raw += listed.raw;
  if (listed.problem.empty()) {
    hooks = listed.items;
  } else {
    refusals.add(listed.problem, org, "the webhook checks",
                 "the admin:org_hook scope (fine-grained: organisation Webhooks read) and the "
                 "owner role");
  }

  const std::string actions_checks = "the Actions checks";
  const std::string actions_needs =
    "the admin:org scope (fine-grained: organisation Administration read) and the owner role";
  nlohmann::json actions = {
    {"permissions",
     org_setting(api, base + "/actions/permissions", "GET /orgs/{org}/actions/permissions",
                 refusals, actions_checks, actions_needs, raw)},
    {"workflow", org_setting(api, base + "/actions/permissions/workflow",
                             "GET /orgs/{org}/actions/permissions/workflow", refusals,
                             actions_checks, actions_needs, raw)},
    {"fork_pr_approval",
     org_setting(api, base + "/actions/permissions/fork-pr-contributor-approval",
                 "GET /orgs/{org}/actions/permissions/fork-pr-contributor-approval", refusals,
                 actions_checks,
                 "the admin:org scope (fine-grained: organisation Actions policies read) and the "
                 "owner role",
                 raw)}};

  add_evidence(batch, org, "",
               {{"kind", "organization"},
                {"organization", std::move(settings)},
                {"hooks", std::move(hooks)},
                {"actions", std::move(actions)}},
               raw);
}

void collect_people(Api& api, Batch& batch, Refusals& refusals) {
  const std::string base = "/orgs/" + encode_path(api.settings().org);
  people_evidence(api, batch, refusals, base + "/members?filter=2fa_disabled&per_page=100",
                  "GET /orgs/{org}/members?filter=2fa_disabled", "members-without-2fa",
                  "github_organization_members_2fa_enabled",
                  "the owner role and the read:org scope");
  people_evidence(api, batch, refusals, base + "/members?role=admin&per_page=100",
                  "GET /orgs/{org}/members?role=admin", "owners",
                  "github_organization_owners_limited", "the read:org scope");
  people_evidence(
    api, batch, refusals, base + "/outside_collaborators?filter=2fa_disabled&per_page=100",
    "GET /orgs/{org}/outside_collaborators?filter=2fa_disabled",
    "outside-collaborators-without-2fa", "github_organization_outside_collaborators_2fa_enabled",
    "the owner role and the read:org scope");
}

} // namespace velocity::providers::github
