#pragma once

#include <velocity/store/database.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

// The SQL of the audit trail: typed reads and writes of the audit_logs, audit_events and
// audit_heads tables. What the rows mean (hashes, signatures, the tail MAC) is the audit module's
// business (include/velocity/audit/); this layer only moves bytes.
namespace velocity::store {

// The authenticated end of a log: everything the next append or tree head builds on, and the MAC
// that lets velocity tell it from a row edited outside velocity.
struct AuditTail {
  int64_t size = 0;      // events appended
  int64_t heads = 0;     // tree heads signed
  int64_t head_size = 0; // events covered by the latest tree head
  std::string last_hash; // 32 bytes: the hash of event `size`, zeros when empty
  std::string frontier;  // the Merkle compact range of events 1..size, 32 bytes per subtree
  std::string mac;       // HMAC-SHA256 of the above under the log's MAC key
};

// One organisation's log. Its `id` is the organisation's id, so its sealed column can be bound
// to the row before the row exists.
struct AuditLogRow {
  int64_t org_id = 0;
  std::string created_at;
  std::string public_key; // raw Ed25519 public key, for display only
  std::string secrets;    // sealed audit_logs.secrets: signing seed and MAC key
  AuditTail tail;
};

struct AuditEventRow {
  int64_t id = 0;
  int64_t seq = 0;
  std::string time;
  std::string category;
  std::string actor;
  std::string action;
  std::string resource_type;
  std::string resource_id;
  std::string outcome;
  std::string correlation_id;
  std::string prev_hash; // 32 bytes
  std::string hash;      // 32 bytes
  std::string details;   // sealed audit_events.details: nonce and details JSON
};

struct AuditHeadRow {
  int64_t id = 0;
  int64_t size = 0;
  std::string root; // 32 bytes
  std::string time;
  std::string signature; // 64 bytes
};

// Which events to read. Unset fields do not filter. Times compare as ISO 8601 UTC strings.
struct AuditEventQuery {
  std::optional<int64_t> from_seq;
  std::optional<int64_t> to_seq;
  std::optional<std::string> since; // time >= since
  std::optional<std::string> until; // time <= until
  std::optional<std::string> category;
  std::optional<std::string> actor;
  std::optional<std::string> action;
  std::optional<std::string> outcome;
  std::optional<int64_t> limit; // the latest `limit` matches, still returned in sequence order
};

// Typed queries over the audit tables of one database connection.
class AuditStore {
public:
  explicit AuditStore(Database& db) : m_db(db) {}

  std::optional<AuditLogRow> find_log(int64_t org_id);
  // Inserts the log unless the organisation already has one; true when this call inserted it.
  bool insert_log(const AuditLogRow& row);
  // Moves the tail from `expected` (size and heads) to `next`; false when the stored tail is no
  // longer `expected` (another process appended, or a caller's transaction rolled back).
  bool update_tail(int64_t org_id, const AuditTail& expected, const AuditTail& next);
  // The id the next event row gets (inside a write transaction).
  int64_t next_event_id();
  void insert_event(int64_t org_id, const AuditEventRow& row);
  // The event with the highest sequence number, if any.
  std::optional<AuditEventRow> last_event(int64_t org_id);
  std::optional<AuditEventRow> event_at(int64_t org_id, int64_t seq);
  // Calls `each` for every matching event, in sequence order (then row order), until it returns
  // false.
  void scan_events(int64_t org_id, const AuditEventQuery& query,
                   const std::function<bool(const AuditEventRow&)>& each);
  // The stored hashes of events from_seq..to_seq, in sequence order.
  std::vector<std::string> event_hashes(int64_t org_id, int64_t from_seq, int64_t to_seq);
  int64_t count_events(int64_t org_id);
  void insert_head(int64_t org_id, const AuditHeadRow& row);
  // Every tree head of the log, by size then row order.
  std::vector<AuditHeadRow> heads(int64_t org_id);
  // The latest tree head of the log (the largest size), if any.
  std::optional<AuditHeadRow> latest_head(int64_t org_id);
  // The first tree head of the log over exactly `size` events, if any.
  std::optional<AuditHeadRow> head_at(int64_t org_id, int64_t size);

  // The random id that tells this state from a copy of another one (the audit witness keys its
  // records by it); nothing until ensure_state_id() made one.
  std::optional<std::string> state_id();
  // The state's id, stored as `fresh` when it has none yet.
  std::string ensure_state_id(std::string_view fresh);

private:
  Database& m_db;
};

} // namespace velocity::store
