#include "api.hpp"

#include <fmt/format.h>

namespace velocity::providers::gcp {

namespace {

std::string with_page_token(const std::string& url, const nlohmann::json& body) {
  const auto token = body.find("nextPageToken");
  if (token == body.end() || !token->is_string() || token->get<std::string>().empty()) {
    return "";
  }
  return url + (url.find('?') == std::string::npos ? "?" : "&") +
         "pageToken=" + net::uri_encode(token->get<std::string>(), net::SlashEncoding::encode);
}

} // namespace

std::string Api::base(std::string_view host) const {
  return m_endpoint ? *m_endpoint : "https://" + std::string(host);
}

Fetched Api::list(const std::string& url, const std::string& items, const std::string& what) {
  Fetched fetched;
  const Paging paging{
    .items = items,
    .next = [&url](const net::Response&, const nlohmann::json& body) -> std::optional<std::string> {
      std::string next = with_page_token(url, body);
      return next.empty() ? std::nullopt : std::optional(next);
    }};
  fetched.listing = list_pages(url, what, paging, [this, &fetched](const std::string& page) {
    net::Response response = get(page);
    if (!response.ok()) {
      fetched.failure = response;
    }
    return response;
  });
  return fetched;
}

// An aggregatedList's `items` is a map from scope to {ITEMS: [...]} or {warning: ...} (a scope
// with nothing in it), so each page is flattened before the shared pager reads it. The raw
// bodies stay as Google sent them.
Fetched Api::aggregated(const std::string& url, const std::string& items, const std::string& what) {
  Fetched fetched;
  std::string raw;
  const Paging paging{
    .items = "flattened",
    .next = [&url](const net::Response&, const nlohmann::json& body) -> std::optional<std::string> {
      std::string next = with_page_token(url, body);
      return next.empty() ? std::nullopt : std::optional(next);
    }};
  fetched.listing =
    list_pages(url, what, paging, [this, &fetched, &raw, &items](const std::string& page) {
      net::Response response = get(page);
      if (!response.ok()) {
        fetched.failure = response;
        return response;
      }
      raw += response.body;
      nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
      if (!body.is_object()) {
        return response;
      }
      nlohmann::json flattened = nlohmann::json::array();
      const nlohmann::json scopes = body.value("items", nlohmann::json::object());
      for (const auto& [scope, scoped] : scopes.items()) {
        if (!scoped.is_object() || !scoped.contains(items) || !scoped[items].is_array()) {
          continue;
        }
        for (nlohmann::json item : scoped[items]) {
          item["_scope"] = scope;
          flattened.push_back(std::move(item));
        }
      }
      body["flattened"] = std::move(flattened);
      response.body = body.dump();
      return response;
    });
  fetched.listing.raw = std::move(raw);
  return fetched;
}

bool service_disabled(const net::Response& response) {
  if (response.status != 403) {
    return false;
  }
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) {
    return false;
  }
  for (const nlohmann::json& detail : body["error"].value("details", nlohmann::json::array())) {
    if (detail.is_object() && detail.value("reason", "") == "SERVICE_DISABLED") {
      return true;
    }
  }
  return false;
}

void record_failure(Batch& batch, const Api& api, const std::string& problem,
                    const net::Response& failure, const Needs& needs) {
  nlohmann::json checks = nlohmann::json::array();
  for (const std::string_view check : needs.checks) {
    checks.push_back(check);
  }
  if (service_disabled(failure)) {
    const nlohmann::json body = nlohmann::json::parse(failure.body, nullptr, false);
    std::string service;
    for (const nlohmann::json& detail : body["error"].value("details", nlohmann::json::array())) {
      if (detail.is_object() && detail.value("reason", "") == "SERVICE_DISABLED") {
        service = detail.value("metadata", nlohmann::json::object()).value("service", "");
      }
    }
    add_evidence(batch, fmt::format("projects/{}/services/{}", api.project(), service), "",
                 {{"kind", "service_disabled"},
                  {"service", service},
                  {"not_evaluated", std::move(checks)},
                  {"reason", problem}},
                 failure.body);
    return;
  }
  batch.problems.push_back(
    fmt::format("{}; not evaluated: {} (the service account needs {}, e.g. in {})", problem,
                fmt::join(needs.checks, ", "), needs.permission, needs.role));
}

} // namespace velocity::providers::gcp
