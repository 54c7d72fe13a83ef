#include <velocity/store/audit_store.hpp>

#include <string>

namespace velocity::store {

namespace {

constexpr const char* k_event_columns =
  "id, seq, time, category, actor, action, resource_type, resource_id, outcome, correlation_id, "
  "prev_hash, hash, details";

AuditEventRow read_event(const Statement& stmt) {
  AuditEventRow row;
  row.id = stmt.column_int(0);
  row.seq = stmt.column_int(1);
  row.time = stmt.column_text(2);
  row.category = stmt.column_text(3);
  row.actor = stmt.column_text(4);
  row.action = stmt.column_text(5);
  row.resource_type = stmt.column_text(6);
  row.resource_id = stmt.column_text(7);
  row.outcome = stmt.column_text(8);
  row.correlation_id = stmt.column_text(9);
  row.prev_hash = stmt.column_blob(10);
  row.hash = stmt.column_blob(11);
  row.details = stmt.column_blob(12);
  return row;
}

} // namespace

std::optional<AuditLogRow> AuditStore::find_log(int64_t org_id) {
  Statement& stmt = m_db.cached(
    "SELECT created_at, public_key, secrets, size, heads, head_size, last_hash, frontier, tail_mac "
    "FROM audit_logs WHERE org_id = ?");
  stmt.bind(1, org_id);
  if (!stmt.step()) {
    stmt.reset();
    return std::nullopt;
  }
  AuditLogRow row;
  row.org_id = org_id;
  row.created_at = stmt.column_text(0);
  row.public_key = stmt.column_blob(1);
  row.secrets = stmt.column_blob(2);
  row.tail.size = stmt.column_int(3);
  row.tail.heads = stmt.column_int(4);
  row.tail.head_size = stmt.column_int(5);
  row.tail.last_hash = stmt.column_blob(6);
  row.tail.frontier = stmt.column_blob(7);
  row.tail.mac = stmt.column_blob(8);
  stmt.reset();
  return row;
}

bool AuditStore::insert_log(const AuditLogRow& row) {
  Statement& stmt = m_db.cached(
    "INSERT INTO audit_logs (id, org_id, created_at, public_key, secrets, size, heads, head_size, "
    "last_hash, frontier, tail_mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING");
  stmt.bind(1, row.org_id)
    .bind(2, row.org_id)
    .bind(3, row.created_at)
    .bind_blob(4, row.public_key)
    .bind_blob(5, row.secrets)
    .bind(6, row.tail.size)
    .bind(7, row.tail.heads)
    .bind(8, row.tail.head_size)
    .bind_blob(9, row.tail.last_hash)
    .bind_blob(10, row.tail.frontier)
    .bind_blob(11, row.tail.mac)
    .run();
  return m_db.changes() == 1;
}

bool AuditStore::update_tail(int64_t org_id, const AuditTail& expected, const AuditTail& next) {
  Statement& stmt = m_db.cached(
    "UPDATE audit_logs SET size = ?, heads = ?, head_size = ?, last_hash = ?, frontier = ?, "
    "tail_mac = ? WHERE org_id = ? AND size = ? AND heads = ?");
  stmt.bind(1, next.size)
    .bind(2, next.heads)
    .bind(3, next.head_size)
    .bind_blob(4, next.last_hash)
    .bind_blob(5, next.frontier)
    .bind_blob(6, next.mac)
    .bind(7, org_id)
    .bind(8, expected.size)
    .bind(9, expected.heads)
    .run();
  return m_db.changes() == 1;
}

int64_t AuditStore::next_event_id() {
  Statement& stmt = m_db.cached("SELECT coalesce(max(id), 0) + 1 FROM audit_events");
  stmt.step();
  const int64_t id = stmt.column_int(0);
  stmt.reset();
  return id;
}

void AuditStore::insert_event(int64_t org_id, const AuditEventRow& row) {
  Statement& stmt = m_db.cached(
    "INSERT INTO audit_events (id, org_id, seq, time, category, actor, action, resource_type, "
    "resource_id, outcome, correlation_id, prev_hash, hash, details) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  stmt.bind(1, row.id)
    .bind(2, org_id)
    .bind(3, row.seq)
    .bind(4, row.time)
    .bind(5, row.category)
    .bind(6, row.actor)
    .bind(7, row.action)
    .bind(8, row.resource_type)
    .bind(9, row.resource_id)
    .bind(10, row.outcome)
    .bind(11, row.correlation_id)
    .bind_blob(12, row.prev_hash)
    .bind_blob(13, row.hash)
    .bind_blob(14, row.details)
    .run();
}

std::optional<AuditEventRow> AuditStore::last_event(int64_t org_id) {
  Statement& stmt = m_db.cached(std::string("SELECT ") + k_event_columns +
                                " FROM audit_events WHERE org_id = ? ORDER BY seq DESC, id DESC "
                                "LIMIT 1");
  stmt.bind(1, org_id);
  std::optional<AuditEventRow> row;
  if (stmt.step()) {
    row = read_event(stmt);
  }
  stmt.reset();
  return row;
}

std::optional<AuditEventRow> AuditStore::event_at(int64_t org_id, int64_t seq) {
  Statement& stmt = m_db.cached(std::string("SELECT ") + k_event_columns +
                                " FROM audit_events WHERE org_id = ? AND seq = ? ORDER BY id "
                                "LIMIT 1");
  stmt.bind(1, org_id).bind(2, seq);
  std::optional<AuditEventRow> row;
  if (stmt.step()) {
    row = read_event(stmt);
  }
  stmt.reset();
  return row;
}

void AuditStore::scan_events(int64_t org_id, const AuditEventQuery& query,
                             const std::function<bool(const AuditEventRow&)>& each) {
  // Unset filters bind NULL and match everything, so the SQL is the same for every query.
  const std::string matches = std::string("SELECT ") + k_event_columns +
                              " FROM audit_events WHERE org_id = ?1"
                              " AND (?2 IS NULL OR seq >= ?2) AND (?3 IS NULL OR seq <= ?3)"
                              " AND (?4 IS NULL OR time >= ?4) AND (?5 IS NULL OR time <= ?5)"
                              " AND (?6 IS NULL OR category = ?6) AND (?7 IS NULL OR actor = ?7)"
                              " AND (?8 IS NULL OR action = ?8) AND (?9 IS NULL OR outcome = ?9)";
  // With a limit: the latest `limit` matches, handed out oldest first like every other listing.
  const std::string sql = query.limit ? "SELECT * FROM (" + matches +
                                          " ORDER BY seq DESC, id DESC LIMIT ?10) ORDER BY seq, id"
                                      : matches + " ORDER BY seq, id";
  Statement stmt = m_db.prepare(sql);
  stmt.bind(1, org_id).bind(2, query.from_seq).bind(3, query.to_seq);
  stmt.bind(4, query.since).bind(5, query.until).bind(6, query.category).bind(7, query.actor);
  stmt.bind(8, query.action).bind(9, query.outcome);
  if (query.limit) {
    stmt.bind(10, *query.limit);
  }
  while (stmt.step()) {
    if (!each(read_event(stmt))) {
      break;
    }
  }
}

std::vector<std::string> AuditStore::event_hashes(int64_t org_id, int64_t from_seq,
                                                  int64_t to_seq) {
  std::vector<std::string> hashes;
  if (to_seq >= from_seq) {
    hashes.reserve(static_cast<size_t>(to_seq - from_seq + 1));
  }
  Statement stmt = m_db.prepare(
    "SELECT hash FROM audit_events WHERE org_id = ? AND seq >= ? AND seq <= ? ORDER BY seq, id");
  stmt.bind(1, org_id).bind(2, from_seq).bind(3, to_seq);
  while (stmt.step()) {
    hashes.push_back(stmt.column_blob(0));
  }
  return hashes;
}

int64_t AuditStore::count_events(int64_t org_id) {
  Statement& stmt = m_db.cached("SELECT count(*) FROM audit_events WHERE org_id = ?");
  stmt.bind(1, org_id);
  stmt.step();
  const int64_t count = stmt.column_int(0);
  stmt.reset();
  return count;
}

void AuditStore::insert_head(int64_t org_id, const AuditHeadRow& row) {
  Statement& stmt = m_db.cached(
    "INSERT INTO audit_heads (org_id, size, root, time, signature) VALUES (?, ?, ?, ?, ?)");
  stmt.bind(1, org_id)
    .bind(2, row.size)
    .bind_blob(3, row.root)
    .bind(4, row.time)
    .bind_blob(5, row.signature)
    .run();
}

std::vector<AuditHeadRow> AuditStore::heads(int64_t org_id) {
  std::vector<AuditHeadRow> rows;
  Statement stmt = m_db.prepare(
    "SELECT id, size, root, time, signature FROM audit_heads WHERE org_id = ? ORDER BY size, id");
  stmt.bind(1, org_id);
  while (stmt.step()) {
    rows.push_back(AuditHeadRow{stmt.column_int(0), stmt.column_int(1), stmt.column_blob(2),
                                stmt.column_text(3), stmt.column_blob(4)});
  }
  return rows;
}

std::optional<AuditHeadRow> AuditStore::latest_head(int64_t org_id) {
  Statement stmt =
    m_db.prepare("SELECT id, size, root, time, signature FROM audit_heads WHERE org_id = ? "
                 "ORDER BY size DESC, id DESC LIMIT 1");
  stmt.bind(1, org_id);
  if (!stmt.step()) {
    return std::nullopt;
  }
  return AuditHeadRow{stmt.column_int(0), stmt.column_int(1), stmt.column_blob(2),
                      stmt.column_text(3), stmt.column_blob(4)};
}

std::optional<AuditHeadRow> AuditStore::head_at(int64_t org_id, int64_t size) {
  Statement stmt =
    m_db.prepare("SELECT id, size, root, time, signature FROM audit_heads WHERE org_id = ? "
                 "AND size = ? ORDER BY id LIMIT 1");
  stmt.bind(1, org_id).bind(2, size);
  if (!stmt.step()) {
    return std::nullopt;
  }
  return AuditHeadRow{stmt.column_int(0), stmt.column_int(1), stmt.column_blob(2),
                      stmt.column_text(3), stmt.column_blob(4)};
}

std::optional<std::string> AuditStore::state_id() {
  Statement stmt = m_db.prepare("SELECT value FROM meta WHERE key = 'state_id'");
  if (!stmt.step()) {
    return std::nullopt;
  }
  return stmt.column_text(0);
}

std::string AuditStore::ensure_state_id(std::string_view fresh) {
  if (auto id = state_id()) {
    return *id;
  }
  m_db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('state_id', ?)")
    .bind(1, fresh)
    .run();
  return state_id().value_or(std::string(fresh));
}

} // namespace velocity::store
