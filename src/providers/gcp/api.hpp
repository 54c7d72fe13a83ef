#pragma once

// Internal to the GCP provider: one project's authorised calls to Google's JSON APIs, and the
// collectors of the evidence types beyond the project's own IAM policy and metadata.

#include <velocity/net/client.hpp>
#include <velocity/providers/model.hpp>
#include <velocity/providers/session.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace velocity::providers::gcp {

// A list as collected, with the error answer that ended it early (status 0 when complete).
struct Fetched {
  Listing listing;
  net::Response failure;

  bool failed() const noexcept { return !listing.problem.empty(); }
};

// What a call feeds, for the message when it fails: the checks it leaves unevaluated and the
// IAM permission (and a predefined role holding it) the service account lacks.
struct Needs {
  std::vector<std::string_view> checks;
  std::string_view permission;
  std::string_view role;
};

class Api {
public:
  using Call = std::function<net::Response(const std::string& method, const std::string& url,
                                           const std::string& body)>;

  Api(std::string project, std::optional<std::string> endpoint, Call call)
    : m_project(std::move(project)),
      m_endpoint(std::move(endpoint)),
      m_call(std::move(call)) {}

  const std::string& project() const noexcept { return m_project; }

  // "https://HOST", or the integration's --api-endpoint, which serves every API.
  std::string base(std::string_view host) const;

  net::Response get(const std::string& url) { return m_call("GET", url, ""); }

  // Every page of a list whose items are the member `items`, following nextPageToken.
  Fetched list(const std::string& url, const std::string& items, const std::string& what);

  // Every page of a Compute Engine aggregatedList: the `items` of every zone or region in one
  // list, each with its scope ("zones/us-central1-a") as `_scope`.
  Fetched aggregated(const std::string& url, const std::string& items, const std::string& what);

private:
  std::string m_project;
  std::optional<std::string> m_endpoint;
  Call m_call;
};

// True when Google answered that the API is not enabled on the project (403, reason
// SERVICE_DISABLED): the project then holds none of that API's resources.
bool service_disabled(const net::Response& response);

// Records a call that failed with `failure` (its problem line `problem`). An API disabled on the
// project becomes evidence of the project naming the checks it leaves unevaluated; any other
// error is a problem of the batch naming the checks not evaluated and the permission to grant.
void record_failure(Batch& batch, const Api& api, const std::string& problem,
                    const net::Response& failure, const Needs& needs);

void collect_service_accounts(Api& api, Batch& batch);
void collect_kms_keys(Api& api, Batch& batch);
void collect_storage_buckets(Api& api, Batch& batch);
void collect_logging(Api& api, Batch& batch);
void collect_networks(Api& api, Batch& batch);
void collect_instances(Api& api, Batch& batch);
void collect_sql_instances(Api& api, Batch& batch);

// The calls each evidence type makes, for --dry-run.
std::vector<PlannedCall> planned_calls(const Api& api, const std::string& type);

} // namespace velocity::providers::gcp
