#include "collect.hpp"

#include <velocity/crypto/digest.hpp>
#include <velocity/providers/aws/checks.hpp>
#include <velocity/providers/aws/parse.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace velocity::providers::aws {

namespace {

// Evidence items handed on together: a few database pages of payloads at a time, and few enough
// transactions that staging them costs little.
constexpr size_t k_part_items = 500;

} // namespace

std::string Account::global_region() const {
  if (partition == "aws-cn") {
    return "cn-north-1";
  }
  return partition == "aws-us-gov" ? "us-gov-west-1" : "us-east-1";
}

std::string Account::root_arn() const {
  return fmt::format("arn:{}:iam::{}:root", partition, id);
}

std::string Sources::digest() const {
  if (m_items.size() == 1) {
    return m_items.front().sha256;
  }
  crypto::Sha256 hasher;
  for (const Item& item : m_items) {
    hasher.update(item.sha256);
  }
  return crypto::to_hex(hasher.finish());
}

nlohmann::json Sources::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const Item& item : m_items) {
    list.push_back({{"call", item.call}, {"sha256", item.sha256}});
  }
  return list;
}

TypeRun::TypeRun(Engine& engine, std::shared_ptr<Account> account, std::string type,
                 std::unique_ptr<Collector> collector, CollectionSink& sink, time::TimePoint now)
  : m_engine(engine),
    m_account(std::move(account)),
    m_collector(std::move(collector)),
    m_sink(sink),
    m_now(now),
    m_in_parts(judged_item_by_item(type)) {
  m_batch.type = std::move(type);
  m_batch.account_id = m_account->id;
}

void TypeRun::start() {
  ++m_in_flight; // held while start() queues, so an empty start still finishes once
  m_collector->start(*this);
  finished_one();
}

void TypeRun::call(ApiCall api_call, std::function<void(CallResult&)> handle,
                   std::chrono::milliseconds delay) {
  if (m_account->aborted) {
    return;
  }
  if (api_call.service == "iam") {
    api_call.region = m_account->global_region();
  }
  ++m_in_flight;
  auto self = shared_from_this();
  m_engine.submit(
    m_account->credentials, std::move(api_call),
    [self, handle = std::move(handle)](CallResult& result) {
      if (!self->m_account->aborted) {
        try {
          handle(result);
        } catch (const MalformedResponse& malformed) {
          self->problem(fmt::format("{}: malformed answer: {}", result.name(), malformed.what()));
        }
      }
      self->finished_one();
    },
    delay);
}

void TypeRun::problem(const CallResult& result) {
  m_failed_calls.insert(result.name());
  const std::string region =
    result.call != nullptr && result.call->service != "iam" ? result.call->region : "";
  std::string text;
  if (result.transport_failure) {
    text = fmt::format("{}: {}", result.name(), result.error->message);
  } else if (result.error) {
    text = fmt::format("{}: {}{}{}", result.name(), result.error->code,
                       result.error->message.empty() ? "" : ": ", result.error->message);
  } else {
    text = result.name();
  }
  auto found = std::find_if(m_problems.begin(), m_problems.end(),
                            [&](const auto& entry) { return entry.first == text; });
  if (found == m_problems.end()) {
    m_problems.push_back({text, {}});
    found = std::prev(m_problems.end());
  }
  if (!region.empty()) {
    found->second.push_back(region);
  }
}

void TypeRun::problem(const std::string& line) {
  m_problems.push_back({line, {}});
}

bool TypeRun::skipped_region(CallResult& result) {
  // The home region answered the identity call, and the global services are signed for the
  // partition's first region, which every account has.
  if (result.call == nullptr || !result.error || result.call->region == m_account->home_region ||
      result.call->region == m_account->global_region()) {
    return false;
  }
  std::string why;
  if (result.transport_failure && result.transport_kind == net::TransportFailure::dns) {
    why = "the service has no endpoint there";
  } else if (!result.transport_failure && is_region_refusal(result.error->code)) {
    why = fmt::format("the region does not take the account's credentials ({}): not enabled for "
                      "the account, or a session token valid only in the default regions",
                      result.error->code);
  } else {
    return false;
  }
  result.expected = true;
  auto& regions = m_skipped[result.call->service];
  const std::string& region = result.call->region;
  if (std::none_of(regions.begin(), regions.end(),
                   [&](const auto& entry) { return entry.first == region; })) {
    regions.emplace_back(region, std::move(why));
  }
  return true;
}

void TypeRun::unexpected(CallResult& result) {
  if (skipped_region(result)) {
    return;
  }
  if (result.error && !result.transport_failure && is_credential_rejection(result.error->code)) {
    m_account->aborted = true;
    m_account->abort_reason = result.error->code;
  }
  problem(result);
}

void TypeRun::add_evidence(std::string resource_id, std::string region, nlohmann::json data,
                           const Sources& sources) {
  data["sources"] = sources.to_json();
  m_batch.evidence.push_back(Evidence{.type = m_batch.type,
                                      .resource_id = std::move(resource_id),
                                      .account_id = m_account->id,
                                      .region = std::move(region),
                                      .data = std::move(data),
                                      .raw_sha256 = sources.digest()});
  if (m_in_parts && m_batch.evidence.size() >= k_part_items) {
    evaluate_checks(m_batch, m_now);
    Batch part;
    part.type = m_batch.type;
    part.account_id = m_batch.account_id;
    std::swap(part, m_batch);
    m_sink.on_part(std::move(part));
  }
}

void TypeRun::finished_one() {
  if (--m_in_flight > 0 || m_finished) {
    return;
  }
  m_finished = true;
  m_collector->finish(*this);
  for (const auto& [service, regions] : m_skipped) {
    for (const auto& [region, why] : regions) {
      m_batch.notes.push_back(
        fmt::format("{}: {} skipped, {}; nothing there was evaluated", service, region, why));
    }
  }
  for (const auto& [text, regions] : m_problems) {
    if (regions.empty()) {
      m_batch.problems.push_back(text);
    } else if (regions.size() == 1) {
      m_batch.problems.push_back(fmt::format("{} (in {})", text, regions.front()));
    } else {
      m_batch.problems.push_back(
        fmt::format("{} (in {} regions: {}, ...)", text, regions.size(), regions.front()));
    }
  }
  if (m_account->aborted) {
    m_batch.problems.push_back(fmt::format("AWS rejected the credentials ({}); collection stopped",
                                           m_account->abort_reason));
  }
  evaluate_checks(m_batch, m_now);
  m_sink.on_batch(std::move(m_batch));
}

void paginate(TypeRun& run, std::function<ApiCall(const std::optional<std::string>& token)> make,
              std::function<std::optional<std::string>(CallResult& result)> page) {
  struct Pager {
    static void
    next(TypeRun& run, const std::optional<std::string>& token,
         std::shared_ptr<std::function<ApiCall(const std::optional<std::string>&)>> make,
         std::shared_ptr<std::function<std::optional<std::string>(CallResult&)>> page) {
      run.call((*make)(token), [&run, make, page](CallResult& result) {
        if (auto more = (*page)(result)) {
          next(run, more, make, page);
        }
      });
    }
  };
  Pager::next(
    run, std::nullopt,
    std::make_shared<std::function<ApiCall(const std::optional<std::string>&)>>(std::move(make)),
    std::make_shared<std::function<std::optional<std::string>(CallResult&)>>(std::move(page)));
}

void paginate_regions(TypeRun& run, RegionalCall make, RegionalPage page,
                      std::function<void(const std::string& region)> failed) {
  auto shared_make = std::make_shared<RegionalCall>(std::move(make));
  auto shared_page = std::make_shared<RegionalPage>(std::move(page));
  auto shared_failed = std::make_shared<std::function<void(const std::string&)>>(std::move(failed));
  for (const std::string& region : run.account().regions) {
    paginate(
      run,
      [shared_make, region](const std::optional<std::string>& token) {
        return (*shared_make)(region, token);
      },
      [&run, shared_page, shared_failed, region](CallResult& result) -> std::optional<std::string> {
        if (!result.ok()) {
          if (*shared_failed) {
            (*shared_failed)(region);
          }
          run.unexpected(result);
          return std::nullopt;
        }
        try {
          return (*shared_page)(region, result);
        } catch (const MalformedResponse&) {
          if (*shared_failed) {
            (*shared_failed)(region);
          }
          throw;
        }
      });
  }
}

} // namespace velocity::providers::aws
