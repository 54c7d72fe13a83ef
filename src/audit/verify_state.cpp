#include "chain.hpp"
#include "rows.hpp"

#include <velocity/audit/recorder.hpp>
#include <velocity/audit/verify.hpp>
#include <velocity/core/error.hpp>
#include <velocity/store/audit_store.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace velocity::audit {

namespace {

// How far past the log's authenticated end a renumbered event is looked for.
constexpr int64_t k_probe_distance = 4;

// Checks the stored tail (what the MAC authenticates) against what the walk found.
void check_tail(detail::ChainWalker& walker, const store::AuditTail& tail,
                const std::vector<store::AuditHeadRow>& heads) {
  const int64_t walked = walker.next_seq() - 1;
  if (walked < tail.size) {
    walker.fail(
      Problem::deleted_tail, walked + 1,
      fmt::format("{} deleted at the tail: the log's authenticated tail records {} events, "
                  "only {} remain",
                  walked + 1 == tail.size
                    ? fmt::format("event {} was", tail.size)
                    : fmt::format("events {}..{} were", walked + 1, tail.size),
                  tail.size, walked));
    return;
  }
  if (walked > tail.size) {
    walker.fail(
      Problem::inserted, tail.size + 1,
      fmt::format("event {} was inserted at the tail: the log's authenticated tail records "
                  "only {} events",
                  tail.size + 1, tail.size));
    return;
  }
  if (walker.frontier().to_bytes() != tail.frontier ||
      crypto::to_bytes(walker.last_hash()) != tail.last_hash) {
    walker.fail(Problem::changed, std::nullopt,
                "the events do not hash to the log's authenticated tail: events were changed and "
                "their hashes recomputed");
    return;
  }
  if (static_cast<int64_t>(heads.size()) != tail.heads) {
    walker.fail(
      Problem::forged_head, std::nullopt,
      fmt::format("the log signed {} tree heads and {} remain: tree heads were {}", tail.heads,
                  heads.size(),
                  static_cast<int64_t>(heads.size()) < tail.heads ? "deleted" : "inserted"));
    return;
  }
  const int64_t latest = heads.empty() ? 0 : heads.back().size;
  if (latest != tail.head_size) {
    walker.fail(Problem::forged_head, std::nullopt,
                fmt::format("the latest tree head covers {} events, the log's authenticated tail "
                            "says {}: tree heads were replaced",
                            latest, tail.head_size));
  }
}

} // namespace

VerifyResult verify_state(store::State& state, std::string_view org_name,
                          std::optional<int64_t> witnessed_size) {
  // The data key, the tail, the heads and the events from one snapshot: an append or a key
  // rotation that commits meanwhile is not seen half. Nothing is written, so the snapshot ends
  // the same whether committed or not.
  store::Transaction snapshot(state.db(), store::TransactionKind::deferred);
  const store::Org org = state.org(org_name);
  store::AuditStore audit_store(state.db());
  VerifyResult result;
  result.log = org.name();
  const auto row = audit_store.find_log(org.id());
  if (!row) {
    const int64_t count = audit_store.count_events(org.id());
    if (count > 0) {
      result.events_checked = 0;
      result.failure = Failure{Problem::tail, std::nullopt,
                               fmt::format("the log has {} events but its keys and authenticated "
                                           "tail were deleted",
                                           count)};
    }
    return result;
  }
  std::optional<LogKeys> keys;
  try {
    keys = LogKeys::unseal(org, *row);
  } catch (const IntegrityError& e) {
    result.failure = Failure{Problem::tail, std::nullopt, e.what()};
    return result;
  }
  const crypto::VerifyKey key = keys->signing.verify_key();
  result.key_fingerprint = key.fingerprint();
  if (row->public_key != key.raw()) {
    const auto stored = crypto::VerifyKey::from_raw(row->public_key);
    result.failure = Failure{
      Problem::resigned, std::nullopt,
      fmt::format("the log's public key was replaced ({} is stored, its sealed key is {}): tree "
                  "heads that verify with it were re-signed with another key",
                  stored ? stored->fingerprint() : std::string("not a key"), key.fingerprint())};
    return result;
  }
  if (!crypto::constant_time_equal(tail_mac(keys->mac_key, org.id(), row->tail), row->tail.mac)) {
    result.failure = Failure{Problem::tail, std::nullopt,
                             "the log's authenticated tail (size, last hash, tree heads) was "
                             "modified outside velocity: its MAC does not verify"};
    return result;
  }

  const std::vector<store::AuditHeadRow> heads = audit_store.heads(org.id());
  size_t next_head = 0;
  detail::ChainWalker walker(detail::Source::state, 1, merkle::Frontier());
  const auto check_heads = [&](int64_t size) {
    while (next_head < heads.size() && heads[next_head].size == size) {
      const store::AuditHeadRow& h = heads[next_head];
      const TreeHead head{org.name(), h.size, hash_from_bytes(h.root).value_or(zero_hash()), h.time,
                          h.signature};
      if (!walker.check_head(head, key, fmt::format(" #{} ({})", next_head + 1, h.time))) {
        return false;
      }
      ++next_head;
    }
    return true;
  };
  // Heads of size 0 or out of order never come from velocity: they are checked (and fail) first.
  check_heads(0);

  std::string canonical_bytes;
  std::string scratch;
  audit_store.scan_events(org.id(), {}, [&](const store::AuditEventRow& event_row) {
    detail::Seen seen;
    seen.seq = event_row.seq;
    seen.prev = hash_from_bytes(event_row.prev_hash).value_or(zero_hash());
    seen.stored = hash_from_bytes(event_row.hash).value_or(zero_hash());
    auto opened = detail::open_event(org, event_row);
    seen.details_open = opened.has_value();
    Event event;
    if (opened) {
      event = std::move(*opened);
      canonical_bytes.clear();
      write_canonical(event, canonical_bytes);
      seen.hash = event_hash(canonical_bytes, scratch);
    }
    // Which number the event was recorded under, nearest first. It runs once, on the first
    // mismatch, so it may look through the whole log: a swap can move an event anywhere.
    const auto probe = [&](int64_t seq) -> std::optional<int64_t> {
      const int64_t last = std::max(row->tail.size, seq) + k_probe_distance;
      for (int64_t distance = 1; seq - distance >= 1 || seq + distance <= last; ++distance) {
        for (const int64_t other : {seq - distance, seq + distance}) {
          if (other < 1 || other > last) {
            continue;
          }
          event.seq = other;
          if (event_hash(canonical(event)) == *seen.stored) {
            return other;
          }
        }
      }
      return std::nullopt;
    };
    if (!walker.add(seen, probe)) {
      return false;
    }
    if (witnessed_size && walker.frontier().size() == static_cast<uint64_t>(*witnessed_size)) {
      result.witnessed_root = walker.frontier().root();
    }
    return check_heads(walker.next_seq() - 1);
  });
  walker.finish();
  if (!walker.failure() && next_head < heads.size()) {
    const store::AuditHeadRow& h = heads[next_head];
    const int64_t walked = walker.next_seq() - 1;
    walker.fail(
      Problem::deleted_tail, walked + 1,
      fmt::format("{} deleted at the tail: the signed tree head #{} ({}) covers {} events, "
                  "only {} remain",
                  walked + 1 == h.size ? fmt::format("event {} was", h.size)
                                       : fmt::format("events {}..{} were", walked + 1, h.size),
                  next_head + 1, h.time, h.size, walked));
  }
  if (!walker.failure()) {
    check_tail(walker, row->tail, heads);
  }
  result.events_checked = walker.events();
  result.first_seq = walker.events() > 0 ? 1 : 0;
  result.last_seq = walker.next_seq() - 1;
  result.heads_checked = walker.heads();
  result.latest_head = walker.latest_head();
  result.unsigned_events = row->tail.size - row->tail.head_size;
  result.failure = walker.failure();
  return result;
}

} // namespace velocity::audit
