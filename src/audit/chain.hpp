#pragma once

#include <velocity/audit/merkle.hpp>
#include <velocity/audit/tree_head.hpp>
#include <velocity/audit/verify.hpp>

#include <functional>
#include <optional>
#include <string>

// The walk over a log's events shared by state and export verification: the sequence, the hash
// chain, the Merkle frontier and the tree heads, with a diagnosis of the first thing wrong.
namespace velocity::audit::detail {

// Where the events come from: the state stores each event's hash beside it, which lets a changed
// event be named on its own; an export has only the bytes, so a changed event shows as a broken
// link and is told apart from its neighbour by looking one event ahead.
enum class Source { state, file };

// One event as the walker sees it.
struct Seen {
  int64_t seq = 0;
  Hash prev{};                // the previous event's hash as this event records it
  Hash hash{};                // this event's hash, computed from its bytes
  std::optional<Hash> stored; // state: the hash stored beside the event
  bool details_open = true;   // state: the sealed details opened for this row
  int64_t line = 0;           // file: the line it is on (0 in the state)
};

// In the state, the sequence number under which the current event's fields hash to its stored
// hash, if a nearby one does: tells a renumbered (inserted or reordered) event from a changed one.
using RenumberProbe = std::function<std::optional<int64_t>(int64_t seq)>;

class ChainWalker {
public:
  // Walks from event `first_seq` with the Merkle frontier of the events before it.
  ChainWalker(Source source, int64_t first_seq, merkle::Frontier start);

  // Feeds the next event; false once a failure is known (stop feeding).
  bool add(const Seen& event, const RenumberProbe& probe = {});
  // Checks a head of exactly the events fed so far (plus `extra`, the frontier completed with a
  // slice's suffix nodes, when given). False once a failure is known.
  bool check_head(const TreeHead& head, const crypto::VerifyKey& key, const std::string& where,
                  const merkle::Frontier* extra = nullptr);
  // No more events: settles anything still pending.
  void finish();
  void fail(Problem problem, std::optional<int64_t> seq, std::string message);

  const merkle::Frontier& frontier() const noexcept { return m_frontier; }
  int64_t events() const noexcept { return m_events; }
  int64_t heads() const noexcept { return m_heads; }
  int64_t first_seq() const noexcept { return m_first_seq; }
  int64_t next_seq() const noexcept { return m_next; }
  const Hash& last_hash() const noexcept { return m_last.hash; }
  bool pending() const noexcept { return m_pending.has_value(); }
  const std::optional<Failure>& failure() const noexcept { return m_failure; }
  const std::optional<TreeHead>& latest_head() const noexcept { return m_latest_head; }

private:
  enum class Anomaly { gap, link, head_root };
  struct Pending {
    Anomaly anomaly;
    Seen event;        // gap, link: the event that showed it
    TreeHead head;     // head_root: the head that did not match
    std::string where; // head_root: where that head is
  };

  void accept(const Seen& event);
  void resolve(const Seen* next);

  Source m_source;
  int64_t m_first_seq;
  int64_t m_next;
  merkle::Frontier m_frontier;
  int64_t m_events = 0;
  int64_t m_heads = 0;
  int64_t m_verified_size; // events covered by the last head that matched
  Seen m_last;
  std::optional<Hash> m_before_last;
  std::optional<Pending> m_pending;
  std::optional<Failure> m_failure;
  std::optional<TreeHead> m_latest_head;
};

} // namespace velocity::audit::detail
