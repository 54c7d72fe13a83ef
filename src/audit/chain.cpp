#include "chain.hpp"

#include <fmt/format.h>

namespace velocity::audit::detail {

namespace {

std::string at_line(const Seen& event) {
  return event.line > 0 ? fmt::format(" (line {})", event.line) : std::string();
}

std::string range(int64_t first, int64_t last) {
  return first == last ? fmt::format("event {}", first) : fmt::format("events {}..{}", first, last);
}

} // namespace

ChainWalker::ChainWalker(Source source, int64_t first_seq, merkle::Frontier start)
  : m_source(source),
    m_first_seq(first_seq),
    m_next(first_seq),
    m_frontier(std::move(start)),
    m_verified_size(first_seq - 1) {}

void ChainWalker::fail(Problem problem, std::optional<int64_t> seq, std::string message) {
  if (!m_failure) {
    m_failure = Failure{problem, seq, std::move(message)};
  }
}

void ChainWalker::accept(const Seen& event) {
  m_frontier.append(event.hash);
  m_before_last = m_events > 0 ? std::optional<Hash>(m_last.hash) : std::nullopt;
  m_last = event;
  ++m_events;
  ++m_next;
}

bool ChainWalker::add(const Seen& event, const RenumberProbe& probe) {
  if (m_failure) {
    return false;
  }
  if (m_pending) {
    resolve(&event);
    return false;
  }
  const int64_t seq = event.seq;
  if (!event.details_open) {
    if (seq == m_next && (m_events == 0 || event.prev == m_last.hash)) {
      fail(Problem::changed, seq,
           fmt::format("event {} was changed: its details were replaced (they were sealed for "
                       "another row)",
                       seq));
    } else {
      fail(Problem::inserted, seq,
           fmt::format("event {} was inserted or copied from another row: its details were sealed "
                       "for another row",
                       seq));
    }
    return false;
  }
  if (event.stored && *event.stored != event.hash) {
    if (const auto was = probe ? probe(seq) : std::nullopt) {
      if (*was < seq) {
        fail(Problem::inserted, *was,
             fmt::format("event {} was inserted: the event now numbered {} was recorded as number "
                         "{}, and the events after it were renumbered",
                         *was, seq, *was));
      } else {
        fail(Problem::reordered, seq,
             fmt::format("events were reordered: the event recorded as number {} now appears as "
                         "number {}",
                         *was, seq));
      }
    } else {
      fail(Problem::changed, seq,
           fmt::format("event {} was changed: its fields no longer match its recorded hash", seq));
    }
    return false;
  }
  if (seq != m_next) {
    if (seq > m_next) {
      // Deleted, or moved ahead of events still to come: the next event tells.
      m_pending = Pending{Anomaly::gap, event, {}, {}};
      return true;
    }
    if (m_events > 0 && seq == m_last.seq) {
      fail(Problem::inserted, seq,
           fmt::format("event {}{} appears twice: an event was inserted", seq, at_line(event)));
    } else {
      fail(Problem::reordered, seq,
           fmt::format("event {}{} comes after event {}: events were reordered", seq,
                       at_line(event), m_next - 1));
    }
    return false;
  }
  if (m_events == 0) {
    if (m_first_seq == 1 && event.prev != zero_hash()) {
      fail(Problem::changed, seq,
           fmt::format("event 1{} does not start the chain (its prev is not zero): it was changed",
                       at_line(event)));
      return false;
    }
  } else if (event.prev != m_last.hash) {
    if (m_before_last && event.prev == *m_before_last) {
      fail(
        Problem::inserted, m_last.seq,
        fmt::format("event {}{} was inserted or moved here: event {} chains directly from event {}",
                    m_last.seq, at_line(m_last), seq, m_last.seq - 1));
      return false;
    }
    if (m_source == Source::state) {
      fail(
        Problem::changed, m_last.seq,
        fmt::format("event {} was changed and its hash recomputed: event {} recorded a different "
                    "hash for it",
                    m_last.seq, seq));
      return false;
    }
    // Either the previous event was changed or this one: the next event tells.
    m_pending = Pending{Anomaly::link, event, {}, {}};
    return true;
  }
  accept(event);
  return true;
}

bool ChainWalker::check_head(const TreeHead& head, const crypto::VerifyKey& key,
                             const std::string& where, const merkle::Frontier* extra) {
  if (m_failure) {
    return false;
  }
  if (m_pending) {
    resolve(nullptr);
    return false;
  }
  if (!signature_valid(head, key)) {
    fail(
      Problem::forged_head, std::nullopt,
      fmt::format("the tree head{} of {} events signed at {} does not verify with key {}: it was "
                  "forged or altered, or re-signed with another key",
                  where, head.size, head.time, key.fingerprint()));
    return false;
  }
  const merkle::Frontier& frontier = extra != nullptr ? *extra : m_frontier;
  if (frontier.size() != static_cast<uint64_t>(head.size)) {
    fail(Problem::malformed, std::nullopt,
         fmt::format("the tree head{} of {} events is out of place: {} events come before it",
                     where, head.size, frontier.size()));
    return false;
  }
  if (frontier.root() != head.root) {
    const int64_t first = m_verified_size + 1;
    if (m_source == Source::state || extra != nullptr) {
      fail(Problem::changed, first,
           fmt::format("{} were changed and their hashes recomputed: the signed tree head{} of {} "
                       "events does not match them",
                       range(first, head.size), where, head.size));
      return false;
    }
    m_pending = Pending{Anomaly::head_root, {}, head, where};
    return true;
  }
  if (extra == nullptr) {
    m_verified_size = head.size;
  }
  ++m_heads;
  if (!m_latest_head || head.size >= m_latest_head->size) {
    m_latest_head = head;
  }
  return true;
}

void ChainWalker::finish() {
  if (m_pending && !m_failure) {
    resolve(nullptr);
  }
}

void ChainWalker::resolve(const Seen* next) {
  const Pending pending = *m_pending;
  m_pending.reset();
  const Seen& event = pending.event;
  switch (pending.anomaly) {
  case Anomaly::gap: {
    // Deleted events leave a gap that the events after it continue; an event that came ahead of
    // its place is followed by ones numbered below it.
    if (next != nullptr && next->seq >= m_next && next->seq < event.seq) {
      fail(Problem::reordered, event.seq,
           fmt::format("event {}{} comes before event {}: events were reordered", event.seq,
                       at_line(event), next->seq));
      return;
    }
    const std::string before =
      m_events > 0 ? fmt::format("event {}", m_last.seq) : std::string("the start of the log");
    fail(Problem::deleted, m_next,
         fmt::format("{} {} deleted: event {}{} follows {}", range(m_next, event.seq - 1),
                     event.seq - 1 == m_next ? "was" : "were", event.seq, at_line(event), before));
    return;
  }
  case Anomaly::link:
    if (next != nullptr && next->prev == event.hash) {
      fail(Problem::changed, m_last.seq,
           fmt::format("event {}{} was changed: event {} recorded a different hash for it",
                       m_last.seq, at_line(m_last), event.seq));
    } else if (next != nullptr) {
      fail(Problem::changed, event.seq,
           fmt::format("event {}{} was changed: it does not link to event {}, nor event {} to it",
                       event.seq, at_line(event), m_last.seq, next->seq));
    } else {
      fail(Problem::changed, m_last.seq,
           fmt::format("event {} or event {}{} was changed: event {} recorded a different hash for "
                       "event {}",
                       m_last.seq, event.seq, at_line(event), event.seq, m_last.seq));
    }
    return;
  case Anomaly::head_root: {
    const int64_t size = pending.head.size;
    const int64_t first = m_verified_size + 1;
    if (next != nullptr && next->prev != m_last.hash) {
      fail(Problem::changed, m_last.seq,
           fmt::format(
             "event {}{} was changed: neither the signed tree head{} nor event {} matches it",
             m_last.seq, at_line(m_last), pending.where, next->seq));
    } else if (next != nullptr || first == size) {
      fail(Problem::changed, first == size ? size : first,
           fmt::format("{} {} changed{}: the signed tree head{} of {} events does not match",
                       range(first, size), first == size ? "was" : "were",
                       first == size ? "" : " and the chain after the change recomputed",
                       pending.where, size));
    } else {
      fail(
        Problem::changed, size,
        fmt::format("event {}{} (or an earlier one back to event {}, with the chain after it "
                    "recomputed) was changed: the signed tree head{} of {} events does not match",
                    size, at_line(m_last), first, pending.where, size));
    }
    return;
  }
  }
}

} // namespace velocity::audit::detail
