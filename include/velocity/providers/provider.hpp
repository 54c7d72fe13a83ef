#pragma once

#include <velocity/net/client.hpp>
#include <velocity/providers/model.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// The one interface every cloud implements (AWS now; GCP, Azure, GitHub next): test the
// connection, say what a collection would call, and collect evidence with check results.
namespace velocity::providers {

// An integration as stored: its name, platform, plain settings and its opened secret. The
// secret is the platform's own serialisation (for AWS a JSON object with the keys); it never
// leaves the provider.
// The integration setting `connect --allow-insecure-http` stores (true), read by every platform.
constexpr const char* k_allow_insecure_http = "allow_insecure_http";

struct IntegrationConfig {
  std::string name;
  std::string platform;
  nlohmann::json settings = nlohmann::json::object();
  std::string secret;
};

// What a provider needs from its caller: how to make HTTP requests.
struct ProviderOptions {
  net::ClientOptions client;
  // The client to use; when null the provider makes a CurlHttpClient from `client`. Tests put a
  // fake here.
  std::shared_ptr<net::HttpClient> http;
  // Told about progress ("policies: 12 calls"), for a TTY progress line or --verbose.
  std::function<void(std::string_view line)> on_progress;
  // `collect --max-wait`: the longest this run waits out rate limits in all, over what the
  // integration was connected with.
  std::optional<std::chrono::seconds> max_wait;
};

// Receives each finished batch as soon as its evidence type is done for an account, so it can
// be stored (one transaction per batch) and its findings streamed. Called from the thread that
// called Provider::collect, one batch at a time.
class CollectionSink {
public:
  virtual ~CollectionSink() = default;
  // A part of a batch still being collected (its evidence with their findings, no problems), so
  // that a large account's batch need not be held in memory: it is kept aside until on_batch
  // hands the rest of the same type and account, and stored with it, as one batch.
  virtual void on_part(Batch part) = 0;
  virtual void on_batch(Batch batch) = 0;
};

// A cloud account a collection could not reach at all (assuming its role failed, ...), while
// the others went on.
struct AccountFailure {
  std::string account_id;
  std::string message;
};

// What a collection did besides its batches.
struct CollectResult {
  int64_t api_calls = 0;
  // Calls that ended in an error response or a transport failure (expected answers such as
  // "no password policy" are not errors).
  int64_t api_errors = 0;
  std::vector<std::string> accounts;
  std::vector<AccountFailure> failed_accounts;
};

// A connection to one account (or organisation) of one platform.
class Provider {
public:
  virtual ~Provider() = default;

  // Checks that the credentials work and says who they belong to. Never throws for an answer
  // from the platform (a rejection is Health::unhealthy); throws RemoteError only when it
  // cannot reach the platform at all.
  virtual ConnectionTest test() = 0;

  // The calls collect(types) would make, in order, without any network call.
  virtual std::vector<PlannedCall> plan(std::span<const std::string> types) const = 0;

  // Collects `types` and hands each finished batch to `sink`. Throws StateError when the
  // platform rejects the credentials, RemoteError when it cannot be reached; a denied or failed
  // call only makes its batch incomplete.
  virtual CollectResult collect(std::span<const std::string> types, CollectionSink& sink) = 0;
};

// A platform velocity can connect to: its evidence types and checks, and how to open a
// provider for one of its integrations.
struct Platform {
  std::string name;  // "aws"
  std::string title; // "Amazon Web Services"
  std::vector<EvidenceTypeInfo> evidence_types;
  std::vector<CheckInfo> checks;
  std::function<std::unique_ptr<Provider>(const IntegrationConfig& config,
                                          const ProviderOptions& options)>
    open;

  // A provider for `config`, with what the integration was connected with (--allow-insecure-http)
  // applied over `options`.
  std::unique_ptr<Provider> open_integration(const IntegrationConfig& config,
                                             ProviderOptions options) const;
  // The evidence type called `id`, or null.
  const EvidenceTypeInfo* find_type(std::string_view id) const;
  // The check called `id`, or null.
  const CheckInfo* find_check(std::string_view id) const;
  // `requested` checked against the platform's types (every type when empty). Throws
  // UsageError naming an unknown type and listing the known ones.
  std::vector<std::string> select_types(std::span<const std::string> requested) const;
};

} // namespace velocity::providers
