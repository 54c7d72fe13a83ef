#pragma once

// Internal to the AWS provider: the per-account, per-type collection state driven by Engine.

#include <velocity/providers/aws/engine.hpp>
#include <velocity/providers/model.hpp>
#include <velocity/providers/provider.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace velocity::providers::aws {

// The X-Amz-Target prefix of AWS Config, which two collectors call (rules; recorders).
inline constexpr std::string_view k_config_target = "StarlingDoveService";

// One AWS account being collected: who it is, where to look, with which keys.
struct Account {
  std::string id;
  std::string partition = "aws";
  std::string home_region = "us-east-1";
  std::vector<std::string> regions;
  std::shared_ptr<const Credentials> credentials;
  // Set when AWS refused the credentials mid-way: no further call is made for this account.
  bool aborted = false;
  std::string abort_reason;

  // The region the global services (IAM, Organizations) are signed for.
  std::string global_region() const;
  // "arn:aws:iam::123456789012:root"
  std::string root_arn() const;
};

// The raw responses one evidence item was built from.
class Sources {
public:
  void add(const CallResult& result) { m_items.push_back({result.name(), result.body_sha256()}); }
  void add_all(const Sources& other) {
    m_items.insert(m_items.end(), other.m_items.begin(), other.m_items.end());
  }
  // The SHA-256 of the single source, or of the sources' digests joined in call order.
  std::string digest() const;
  nlohmann::json to_json() const;

private:
  struct Item {
    std::string call;
    std::string sha256;
  };
  std::vector<Item> m_items;
};

class TypeRun;

// What one evidence type collects; one instance per account.
class Collector {
public:
  virtual ~Collector() = default;
  // Queues the first calls.
  virtual void start(TypeRun& run) = 0;
  // Called once every call is answered: adds the evidence to `run.batch()`.
  virtual void finish(TypeRun& run) = 0;
};

// One evidence type of one account in progress: counts its calls in flight and, when the last
// one is answered, finishes the batch, runs the checks and hands it to the sink. A type whose
// checks judge each item alone hands its evidence on in parts as it grows, so that a large
// account's batch is not held in memory.
class TypeRun : public std::enable_shared_from_this<TypeRun> {
public:
  TypeRun(Engine& engine, std::shared_ptr<Account> account, std::string type,
          std::unique_ptr<Collector> collector, CollectionSink& sink, time::TimePoint now);

  // Starts the collector; when it queued nothing the batch is finished at once.
  void start();
  // Queues `call` for this account, sent once `delay` has passed; `handle` sees the result unless
  // the account was aborted.
  void call(ApiCall call, std::function<void(CallResult&)> handle,
            std::chrono::milliseconds delay = std::chrono::milliseconds{0});
  // Records that part of the type could not be collected. Regions of identical problems are
  // merged into one line.
  void problem(const CallResult& result);
  void problem(const std::string& line);
  // Handles an error nobody expected. A region where the service has no endpoint, or that does
  // not take the account's credentials (not enabled for it), is skipped with a note; otherwise
  // rejected credentials abort the account, and anything else is a problem.
  void unexpected(CallResult& result);
  // Adds evidence to the batch; hands the batch on as a part when it has grown to a part's size
  // and the type's checks judge each item alone.
  void add_evidence(std::string resource_id, std::string region, nlohmann::json data,
                    const Sources& sources);

  // "service:Operation" of every call that failed or answered something unreadable so far, so a
  // collector can tell the evaluators what is unknown.
  const std::set<std::string>& failed_calls() const { return m_failed_calls; }

  Account& account() { return *m_account; }
  Batch& batch() { return m_batch; }

private:
  void finished_one();

  Engine& m_engine;
  std::shared_ptr<Account> m_account;
  std::unique_ptr<Collector> m_collector;
  CollectionSink& m_sink;
  time::TimePoint m_now;
  bool m_in_parts;
  Batch m_batch;
  int m_in_flight = 0;
  bool m_finished = false;
  // true when `result` is the answer of a region the service is not available in, noted then.
  bool skipped_region(CallResult& result);

  // problem text (without region) -> regions it happened in, in order of first appearance
  std::vector<std::pair<std::string, std::vector<std::string>>> m_problems;
  // service -> the regions skipped for it, and why
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> m_skipped;
  std::set<std::string> m_failed_calls;
};

// The collector of evidence type `type` ("policies", ...).
std::unique_ptr<Collector> make_collector(const std::string& type);

// Whether the checks of `type` judge each evidence item by itself alone, so that its batch can be
// evaluated and handed on in parts. Not for `audit_logs`, whose account-wide verdicts read every
// trail of the batch (trails_of).
bool judged_item_by_item(const std::string& type);

// The calls `type` makes, for --dry-run: {service, operation, scope note}.
struct CallSketch {
  std::string service;
  std::string operation;
  bool regional = false;
  std::string note;
};
std::vector<CallSketch> sketch_calls(const std::string& type);

// Follows the pages of a listing: calls `make(token)` for each page and `page(result)` for
// each answer, which returns the next token (or nothing).
void paginate(TypeRun& run, std::function<ApiCall(const std::optional<std::string>& token)> make,
              std::function<std::optional<std::string>(CallResult& result)> page);

// The same listing in every region of the account: `make(region, token)` builds each page's call
// and `page(region, result)` reads each answer and returns the next token. A page that fails
// goes to `run.unexpected` after `failed(region)` is told, and ends that region's listing.
using RegionalCall =
  std::function<ApiCall(const std::string& region, const std::optional<std::string>& token)>;
using RegionalPage =
  std::function<std::optional<std::string>(const std::string& region, CallResult& result)>;
void paginate_regions(TypeRun& run, RegionalCall make, RegionalPage page,
                      std::function<void(const std::string& region)> failed = {});

} // namespace velocity::providers::aws
