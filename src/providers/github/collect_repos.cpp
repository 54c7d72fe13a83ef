#include "api.hpp"

#include <fmt/format.h>

#include <array>

namespace velocity::providers::github {

namespace {

// Where GitHub looks for a repository's CODEOWNERS and SECURITY.md, in its order.
constexpr std::array<std::string_view, 3> k_file_places = {".github/", "", "docs/"};

const std::string k_contents_needs =
  "the repo scope (fine-grained: repository Contents read) on every repository";

// One repository while its evidence is gathered.
struct RepositoryCalls {
  Api& api;
  Refusals& refusals;
  std::string full_name;
  std::string path; // "/repos/acme/api"
  std::string raw;
  bool empty = false;

  net::Response get(const std::string& suffix) {
    net::Response response = api.get(path + suffix);
    api.fail_on_rejection(response);
    raw += response.body;
    return response;
  }

  void refuse(const std::string& call, const net::Response& response, const std::string& checks,
              const std::string& needs) {
    refusals.add(fmt::format("{}: {}", call, error_text(response)), full_name, checks, needs);
  }

  // The path of the first of `name`'s places that holds it, "" when none does, null when a
  // lookup was refused. An empty repository answers 404 "This repository is empty.".
  nlohmann::json find_file(std::string_view name, const std::string& check) {
    for (std::string_view place : k_file_places) {
      const std::string file = fmt::format("{}{}", place, name);
      const net::Response response = get("/contents/" + encode_path(file));
      if (response.ok()) {
        return file;
      }
      if (response.status == 404 && error_text(response).find("empty") != std::string::npos) {
        empty = true;
        return "";
      }
      if (response.status != 404) {
        refuse("GET /repos/{owner}/{repo}/contents/{path}", response, check, k_contents_needs);
        return nullptr;
      }
    }
    return "";
  }

  // Whether code scanning has analysed the repository, as {analysed, tool} or {available:
  // false, detail} when the plan lacks it; null when the token may not read it.
  nlohmann::json code_scanning() {
    const net::Response response = get("/code-scanning/analyses?per_page=1");
    if (response.ok()) {
      const nlohmann::json analyses = json_of(response).value_or(nlohmann::json::array());
      if (analyses.is_array() && !analyses.empty() && analyses[0].is_object()) {
        const nlohmann::json tool = analyses[0].value("tool", nlohmann::json::object());
        return {{"available", true},
                {"analysed", true},
                {"tool", tool.is_object() ? tool.value("name", "") : ""},
                {"created_at", analyses[0].value("created_at", "")}};
      }
      return {{"available", true}, {"analysed", false}};
    }
    const std::string text = error_text(response);
    if (response.status == 404 && text.find("no analysis found") != std::string::npos) {
      return {{"available", true}, {"analysed", false}};
    }
    if (classify(response) == Refusal::feature_unavailable) {
      return {{"available", false}, {"detail", text}};
    }
    refuse("GET /repos/{owner}/{repo}/code-scanning/analyses", response,
           "github_repository_code_scanning_enabled",
           "the security_events scope (fine-grained: Code scanning alerts read)");
    return nullptr;
  }

  // Every item of a repository list, or null (and a refusal).
  nlohmann::json list(const std::string& suffix, const std::string& call, const std::string& checks,
                      const std::string& needs) {
    const Listing listed = api.get_all(path + suffix, call);
    raw += listed.raw;
    if (!listed.problem.empty()) {
      refusals.add(listed.problem, full_name, checks, needs);
      return nullptr;
    }
    return listed.items;
  }
};

nlohmann::json dependabot_alerts(RepositoryCalls& calls) {
  const net::Response alerts = calls.get("/vulnerability-alerts");
  if (alerts.status == 204) {
    return true;
  }
  if (alerts.status == 404 && error_text(alerts).find("disabled") != std::string::npos) {
    return false;
  }
  calls.refuse("GET /repos/{owner}/{repo}/vulnerability-alerts", alerts,
               "github_repository_dependency_scanning_enabled",
               "the repo scope and the repository admin role (fine-grained: Administration "
               "read)");
  return nullptr;
}

// The bypass actors of each ruleset whose rules apply to a branch, by ruleset id ("42": [...]),
// or null when a ruleset could not be read: only its editors see who may bypass it.
nlohmann::json ruleset_bypass(Api& api, const std::string& full_name, const nlohmann::json& rules,
                              std::string& raw, Refusals& refusals) {
  nlohmann::json bypass = nlohmann::json::object();
  for (const nlohmann::json& rule : rules) {
    const std::string id = std::to_string(rule.value("ruleset_id", int64_t{0}));
    if (bypass.contains(id)) {
      continue;
    }
    // includes_parents: an organisation ruleset that applies to the repository is read here too.
    const net::Response response =
      api.get(Api::repo_path(full_name) + "/rulesets/" + id + "?includes_parents=true");
    api.fail_on_rejection(response);
    raw += response.body;
    const nlohmann::json ruleset =
      response.ok() ? json_of(response).value_or(nlohmann::json()) : nlohmann::json();
    if (!ruleset.is_object() || !ruleset.contains("bypass_actors")) {
      refusals.add(response.ok() ? "GET /repos/{owner}/{repo}/rulesets/{id}: bypass_actors is "
                                   "not visible"
                                 : fmt::format("GET /repos/{{owner}}/{{repo}}/rulesets/{{id}}: {}",
                                               error_text(response)),
                   full_name, "github_repository_default_branch_protection_applies_to_admins",
                   "the repository admin role (fine-grained: repository Administration read)");
      return nullptr;
    }
    bypass[id] = ruleset["bypass_actors"];
  }
  return bypass;
}

} // namespace

void collect_repositories(Api& api, const nlohmann::json& repos, Batch& batch, Refusals& refusals) {
  bool analysis_hidden = false;
  for (const nlohmann::json& repo : repos) {
    const std::string full_name = repo.value("full_name", "");
    if (full_name.empty()) {
      continue;
    }
    nlohmann::json data = {{"kind", "repository"}, {"repository", repo}};
    RepositoryCalls calls{.api = api,
                          .refusals = refusals,
                          .full_name = full_name,
                          .path = Api::repo_path(full_name),
                          .raw = repo.dump()};
    // An archived repository is read-only: nothing new reaches it, so its settings are kept
    // as evidence but no further call is made and no check judges it.
    if (!repo.value("archived", false)) {
      analysis_hidden = analysis_hidden || !repo.contains("security_and_analysis");
      data["dependabot_alerts"] = dependabot_alerts(calls);
      data["codeowners"] = calls.find_file("CODEOWNERS", "github_repository_has_codeowners_file");
      if (repo.value("visibility", "") == "public" && !calls.empty) {
        data["security_policy"] =
          calls.find_file("SECURITY.md", "github_repository_public_has_securitymd_file");
      }
      data["empty"] = calls.empty;
      if (!calls.empty) {
        data["code_scanning"] = calls.code_scanning();
      }
      data["hooks"] =
        calls.list("/hooks?per_page=100", "GET /repos/{owner}/{repo}/hooks", "the webhook checks",
                   "the repository admin role and the admin:repo_hook scope "
                   "(fine-grained: repository Webhooks read)");
      data["deploy_keys"] = calls.list("/keys?per_page=100", "GET /repos/{owner}/{repo}/keys",
                                       "github_repository_deploy_keys_read_only",
                                       "the repository admin role and the repo scope "
                                       "(fine-grained: repository Administration read)");
    }
    add_evidence(batch, full_name, "", std::move(data), calls.raw);
  }
  if (analysis_hidden) {
    batch.problems.push_back(fmt::format(
      "GET /orgs/{}/repos: security_and_analysis is not visible; the secret scanning and "
      "Dependabot security update checks were not evaluated: the token needs the repository "
      "admin or security manager role",
      api.settings().org));
  }
}

void collect_branches(Api& api, const nlohmann::json& repos, Batch& batch, Refusals& refusals) {
  for (const nlohmann::json& repo : repos) {
    const std::string full_name = repo.value("full_name", "");
    const std::string branch = repo.value("default_branch", "");
    if (full_name.empty() || branch.empty() || repo.value("archived", false)) {
      continue;
    }
    const std::string branch_path =
      Api::repo_path(full_name) + "/branches/" + encode_path(branch) + "/protection";
    const net::Response response = api.get(branch_path);
    api.fail_on_rejection(response);
    std::string raw = response.body;
    nlohmann::json data = {{"kind", "branch_protection"},
                           {"repository", full_name},
                           {"branch", branch},
                           {"visibility", repo.value("visibility", "")}};
    const std::string text = response.ok() ? "" : error_text(response);
    if (response.ok()) {
      data["protected"] = true;
      data["protection"] = json_of(response).value_or(nlohmann::json());
    } else if (response.status == 404 && text.find("not protected") != std::string::npos) {
      data["protected"] = false;
    } else if (response.status == 404 && text.find("Branch not found") != std::string::npos) {
      // An empty repository has no branch yet: there is nothing to protect until the first
      // push, which the checks say instead of failing.
      data["empty"] = true;
      add_evidence(batch, full_name + ":" + branch, "", std::move(data), raw);
      continue;
    } else if (classify(response) == Refusal::feature_unavailable) {
      data["protected"] = false;
      data["unavailable"] = text;
    } else {
      refusals.add(
        fmt::format("GET /repos/{{owner}}/{{repo}}/branches/{{branch}}/protection: {}", text),
        full_name, "the branch protection checks",
        "the repository admin role and the repo scope (fine-grained: Administration read)");
      continue;
    }

    const Listing rules = api.get_all(Api::repo_path(full_name) + "/rules/branches/" +
                                        encode_path(branch) + "?per_page=100",
                                      "GET /repos/{owner}/{repo}/rules/branches/{branch}");
    raw += rules.raw;
    if (rules.problem.empty()) {
      data["rules"] = rules.items;
      data["bypass"] = ruleset_bypass(api, full_name, rules.items, raw, refusals);
    } else if (rules.problem.find("Upgrade to GitHub") != std::string::npos) {
      data["rules"] = nlohmann::json::array();
    } else {
      refusals.add(rules.problem, full_name, "the branch protection checks",
                   "the repo scope (fine-grained: repository Metadata read)");
      continue;
    }
    add_evidence(batch, full_name + ":" + branch, "", std::move(data), raw);
  }
}

} // namespace velocity::providers::github
