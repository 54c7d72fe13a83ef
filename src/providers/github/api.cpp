#include "api.hpp"

#include <velocity/core/error.hpp>
#include <velocity/net/http.hpp>

#include <fmt/format.h>

namespace velocity::providers::github {

namespace {

// GitHub's list pages: a JSON array, the next one named by the Link header.
const Paging k_paging{.items = "",
                      .next = [](const net::Response& response, const nlohmann::json&) {
                        return next_link(response.header("link").value_or(""));
                      }};

// How many refused resources a problem line names before it only counts the rest.
constexpr size_t k_named_resources = 3;

} // namespace

std::string encode_path(std::string_view text) {
  return net::uri_encode(text, net::SlashEncoding::keep);
}

Api::Api(Session& session, const Settings& settings, std::string token, std::string integration)
  : m_session(session),
    m_settings(settings),
    m_token(std::move(token)),
    m_integration(std::move(integration)) {}

net::Response Api::get(const std::string& path) {
  const std::string url = path.starts_with("/") ? m_settings.api_url + path : path;
  return m_session.send(net::Request{.method = "GET",
                                     .url = url,
                                     .headers = {{"Accept", "application/vnd.github+json"},
                                                 {"Authorization", "Bearer " + m_token},
                                                 {"X-GitHub-Api-Version", "2022-11-28"}}});
}

Listing Api::get_all(const std::string& path, const std::string& what) {
  return list_pages(m_settings.api_url + path, what, k_paging, [this](const std::string& page) {
    net::Response response = get(page);
    fail_on_rejection(response);
    return response;
  });
}

std::string Api::rejected_message(const net::Response& response) const {
  return fmt::format("GitHub rejected the token of integration {} ({})", m_integration,
                     error_text(response));
}

void Api::fail_on_rejection(const net::Response& response) const {
  if (response.status == 401) {
    throw StateError(rejected_message(response),
                     fmt::format("store a valid token with `velocity connect github --name {} "
                                 "--org {} --replace`",
                                 m_integration, m_settings.org));
  }
}

std::string Api::repo_path(const std::string& full_name) {
  return "/repos/" + encode_path(full_name);
}

Refusal classify(const net::Response& response) {
  // GitHub's words when the plan lacks a feature: "Upgrade to GitHub Pro or make this repository
  // public to enable this feature." (branch protection, rulesets on a Free plan's private
  // repositories), "Advanced Security must be enabled for this repository to use code scanning."
  const std::string text = error_text(response);
  if (response.status == 403 &&
      (text.find("Upgrade to GitHub") != std::string::npos ||
       text.find("must be enabled for this repository") != std::string::npos)) {
    return Refusal::feature_unavailable;
  }
  return Refusal::not_evaluated;
}

void Refusals::add(const std::string& problem, const std::string& resource,
                   const std::string& checks, const std::string& needs) {
  Group& group = m_groups[problem];
  group.resources.push_back(resource);
  group.checks = checks;
  group.needs = needs;
}

void Refusals::report(Batch& batch) {
  for (auto& [problem, group] : m_groups) {
    std::string where;
    for (size_t i = 0; i < group.resources.size() && i < k_named_resources; ++i) {
      where += (i == 0 ? "" : ", ") + group.resources[i];
    }
    if (group.resources.size() > k_named_resources) {
      where += fmt::format(" and {} more", group.resources.size() - k_named_resources);
    }
    batch.problems.push_back(fmt::format("{} (on {}); {} not evaluated there: the token needs {}",
                                         problem, where, group.checks, group.needs));
  }
  m_groups.clear();
}

std::optional<nlohmann::json> json_of(const net::Response& response) {
  nlohmann::json json = nlohmann::json::parse(response.body, nullptr, false);
  if (json.is_discarded()) {
    return std::nullopt;
  }
  return json;
}

} // namespace velocity::providers::github
