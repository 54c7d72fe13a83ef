#pragma once

#include <velocity/audit/event.hpp>
#include <velocity/audit/merkle.hpp>
#include <velocity/audit/tree_head.hpp>
#include <velocity/crypto/ed25519.hpp>
#include <velocity/store/audit_store.hpp>
#include <velocity/store/state.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Appending to an organisation's audit log.
//
// Each organisation has one log with its own keys, made on first use: an Ed25519 key that signs
// tree heads and a MAC key that authenticates the log's tail (size, last hash, Merkle frontier,
// head count) between heads. Both are sealed under the organisation's data key (Org::seal).
//
// Crash safety: an event commits in one transaction with the tail it extends (or, when the caller
// has a transaction open, together with the caller's change, so an event is never kept for a
// change that rolled back nor lost for one that committed). A process killed between an event
// and the next tree head leaves events covered by the tail MAC, which `audit verify` accepts and
// the next command signs. Events appended by anyone without the MAC key are not covered, so they
// cannot pass as such leftovers.
namespace velocity::audit {

// Who acts in this run of velocity.
struct Identity {
  std::string actor;          // the OS user (later the access-control identity)
  std::string correlation_id; // one per command run: 32 hex digits
};

// The OS user and a fresh correlation id.
Identity current_identity();

// A log's keys, unsealed.
struct LogKeys {
  crypto::SigningKey signing;
  std::string mac_key; // 32 bytes

  // Opens the keys sealed in `row`. Throws IntegrityError when they do not open (the sealed value
  // was replaced or the row belongs to another organisation).
  static LogKeys unseal(const store::Org& org, const store::AuditLogRow& row);
};

// The MAC of `tail` in the log of organisation `org_id` under `mac_key`.
std::string tail_mac(std::string_view mac_key, int64_t org_id, const store::AuditTail& tail);

// The organisation's log opened for appending: data key and audit keys unsealed once, tail cached.
class Recorder {
public:
  // Opens the log of `org_name`, creating it (new keys, first event `audit.log.create`) on first
  // use. Throws UsageError when there is no such organisation, IntegrityError when the log's
  // authenticated tail or sealed keys were modified outside velocity.
  Recorder(store::State& state, std::string_view org_name, Identity identity);

  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Appends `event`; returns its sequence number. Committed when this returns unless the caller
  // has a transaction open, in which case it commits or rolls back with it.
  int64_t record(const EventInput& event);
  // Appends `events` in one transaction (or with the caller's), all or none: the way to append
  // many, much cheaper than one record() each inside a transaction.
  void record_all(std::span<const EventInput> events);
  // Signs and stores a tree head over the whole log unless the latest head already covers it or
  // the organisation was deleted meanwhile.
  std::optional<TreeHead> checkpoint();
  // Signs an export seal with the log's key.
  void sign(ExportSeal& seal) const;

  store::State& state() noexcept { return m_state; }
  const store::Org& org() const noexcept { return m_org; }
  const std::string& log_name() const noexcept { return m_org.name(); }
  crypto::VerifyKey public_key() const { return m_keys->signing.verify_key(); }
  // Events in the log, as far as this recorder knows (it re-reads the tail when it appends).
  int64_t size() const noexcept { return m_tail.size; }
  const Identity& identity() const noexcept { return m_identity; }
  // True when this recorder created the log (and its keys).
  bool created() const noexcept { return m_created; }
  // Things found while opening that `audit verify` should look at (never fatal for appending).
  const std::vector<std::string>& warnings() const noexcept { return m_warnings; }

private:
  void create();
  // Inside a write transaction: when a `key rotate --reencrypt` gave the organisation a new data
  // key since this recorder loaded it, loads the new one and the log's keys re-sealed under it.
  void follow_key();
  // Appends one event; the caller holds a transaction.
  int64_t append(const EventInput& event);
  // Takes `row` as the current tail after checking its MAC.
  void adopt(const store::AuditLogRow& row);
  void reload();
  store::AuditTail next_tail(const store::AuditTail& from, const Hash& hash,
                             merkle::Frontier& frontier) const;

  store::State& m_state;
  store::Org m_org;
  store::AuditStore m_store;
  Identity m_identity;
  std::optional<LogKeys> m_keys;
  store::AuditTail m_tail;
  merkle::Frontier m_frontier;
  bool m_created = false;
  std::vector<std::string> m_warnings;
  std::string m_canonical;
  std::string m_scratch;
};

} // namespace velocity::audit
