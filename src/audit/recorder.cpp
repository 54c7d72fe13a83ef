#include "rows.hpp"

#include <velocity/audit/recorder.hpp>
#include <velocity/core/env.hpp>
#include <velocity/core/error.hpp>
#include <velocity/core/time.hpp>

#include <fmt/format.h>

namespace velocity::audit {

namespace {

constexpr size_t k_seed_size = 32;
constexpr size_t k_mac_key_size = 32;
// Appending retries this often when another process moved the tail in between.
constexpr int k_attempts = 3;

std::string bytes_of(const Hash& hash) {
  return crypto::to_bytes(hash);
}

IntegrityError tampered(const store::Org& org, std::string_view what) {
  return IntegrityError(
    fmt::format("the audit log of organisation '{}' was modified outside velocity: {}", org.name(),
                what),
    fmt::format(
      "run `velocity --org {} audit verify` to find what changed; velocity will not append "
      "to a log whose end it cannot authenticate: restore the state from a backup",
      org.name()));
}

// The error of a command whose organisation was deleted under it (org delete, demo --reset).
StateError org_went_away(const store::Org& org) {
  return StateError(fmt::format("organisation '{}' was deleted while this command ran, and its "
                                "audit log with it",
                                org.name()),
                    "run the command again");
}

} // namespace

Identity current_identity() {
  return Identity{env::user_name(), crypto::to_hex(crypto::random_bytes(16))};
}

LogKeys LogKeys::unseal(const store::Org& org, const store::AuditLogRow& row) {
  std::string secrets;
  try {
    secrets = org.open({"audit_logs", "secrets", row.org_id}, row.secrets);
  } catch (const StateError&) {
    throw tampered(org, "its sealed keys do not open");
  }
  auto signing = crypto::SigningKey::from_seed(std::string_view(secrets).substr(0, k_seed_size));
  if (secrets.size() != k_seed_size + k_mac_key_size || !signing) {
    throw tampered(org, "its sealed keys have the wrong size");
  }
  return LogKeys{std::move(*signing), secrets.substr(k_seed_size)};
}

std::string tail_mac(std::string_view mac_key, int64_t org_id, const store::AuditTail& tail) {
  std::string message = fmt::format("velocity:audit-tail:v1\n{}\n{}\n{}\n{}\n", org_id, tail.size,
                                    tail.heads, tail.head_size);
  message += tail.last_hash;
  message += tail.frontier;
  return crypto::to_bytes(crypto::hmac_sha256(mac_key, message));
}

Recorder::Recorder(store::State& state, std::string_view org_name, Identity identity)
  : m_state(state),
    m_org(state.org(org_name)),
    m_store(state.db()),
    m_identity(std::move(identity)) {
  std::optional<store::AuditLogRow> row;
  std::optional<store::AuditEventRow> last;
  // A `key rotate --reencrypt` between loading the data key and reading the log re-seals the log's
  // keys: load the new data key and read again (a rotation takes seconds, so twice is plenty).
  for (int attempt = 0;; ++attempt) {
    // The tail and the last event from one snapshot: an append that commits between two reads
    // would move the one and not the other.
    store::Transaction read(m_state.db(), store::TransactionKind::deferred);
    const bool current =
      store::current_key_version(m_state.db(), m_org.id()) == m_org.key_version();
    row = m_store.find_log(m_org.id());
    last = row ? m_store.last_event(m_org.id()) : std::nullopt;
    read.commit();
    if (current || attempt + 1 == k_attempts) {
      break;
    }
    m_org = m_state.org(org_name);
  }
  if (!row) {
    create();
    return;
  }
  m_keys = LogKeys::unseal(m_org, *row);
  adopt(*row);
  if (row->public_key != m_keys->signing.verify_key().raw()) {
    m_warnings.push_back(fmt::format("the public key stored with the audit log of '{}' is not the "
                                     "key its sealed seed gives: it was replaced",
                                     m_org.name()));
  }
  const bool matches = m_tail.size == 0
                         ? !last.has_value()
                         : last && last->seq == m_tail.size && last->hash == m_tail.last_hash;
  if (!matches) {
    m_warnings.push_back(fmt::format("the events of the audit log of '{}' do not end where its "
                                     "authenticated tail says (event {}): run `velocity audit "
                                     "verify`",
                                     m_org.name(), m_tail.size));
  }
}

void Recorder::create() {
  store::Transaction tx(m_state.db());
  follow_key();
  crypto::SigningKey signing = crypto::SigningKey::generate();
  const std::string mac_key = crypto::random_bytes(k_mac_key_size);
  store::AuditLogRow row;
  row.org_id = m_org.id();
  row.created_at = time::to_iso8601(time::now());
  row.public_key = signing.verify_key().raw();
  row.secrets = m_org.seal({"audit_logs", "secrets", m_org.id()}, signing.seed() + mac_key);
  row.tail.last_hash = bytes_of(zero_hash());
  row.tail.mac = tail_mac(mac_key, m_org.id(), row.tail);

  if (!m_store.insert_log(row)) {
    // Another process made the log between our look and our write: use theirs.
    tx.commit();
    reload();
    return;
  }
  if (m_store.count_events(m_org.id()) > 0) {
    throw tampered(m_org, "it has events but its keys and tail were deleted");
  }
  m_keys = LogKeys{std::move(signing), mac_key};
  m_tail = row.tail;
  m_frontier = merkle::Frontier();
  EventInput genesis;
  genesis.category = Category::system_security;
  genesis.action = "audit.log.create";
  genesis.resource_type = "audit_log";
  genesis.resource_id = m_org.name();
  genesis.details = {{"algorithm", "Ed25519"},
                     {"public_key_fingerprint", m_keys->signing.verify_key().fingerprint()}};
  append(genesis);
  tx.commit();
  m_created = true;
}

void Recorder::follow_key() {
  if (store::current_key_version(m_state.db(), m_org.id()) == m_org.key_version()) {
    return;
  }
  m_org = m_state.org(m_org.name());
  if (!m_keys) {
    return; // create() makes the log under the new key
  }
  const auto row = m_store.find_log(m_org.id());
  if (!row) {
    throw org_went_away(m_org); // and was made again, with a new log
  }
  m_keys = LogKeys::unseal(m_org, *row);
  adopt(*row);
}

void Recorder::adopt(const store::AuditLogRow& row) {
  if (!crypto::constant_time_equal(tail_mac(m_keys->mac_key, m_org.id(), row.tail), row.tail.mac)) {
    throw tampered(m_org, "its authenticated tail (size, last hash, tree heads) does not verify");
  }
  auto frontier =
    merkle::Frontier::from_bytes(static_cast<uint64_t>(row.tail.size), row.tail.frontier);
  if (!frontier || row.tail.last_hash.size() != std::tuple_size_v<Hash>) {
    throw tampered(m_org, "its authenticated tail is malformed");
  }
  m_tail = row.tail;
  m_frontier = std::move(*frontier);
}

void Recorder::reload() {
  const auto row = m_store.find_log(m_org.id());
  if (!row) {
    if (!store::current_key_version(m_state.db(), m_org.id())) {
      throw org_went_away(m_org);
    }
    throw tampered(m_org, "its log record disappeared");
  }
  if (!m_keys) {
    m_keys = LogKeys::unseal(m_org, *row);
  }
  adopt(*row);
}

store::AuditTail Recorder::next_tail(const store::AuditTail& from, const Hash& hash,
                                     merkle::Frontier& frontier) const {
  frontier.append(hash);
  store::AuditTail next = from;
  next.size = from.size + 1;
  next.last_hash = bytes_of(hash);
  next.frontier = frontier.to_bytes();
  next.mac = tail_mac(m_keys->mac_key, m_org.id(), next);
  return next;
}

int64_t Recorder::append(const EventInput& input) {
  Event event;
  event.time = time::to_iso8601(time::now());
  event.category = std::string(to_string(input.category));
  event.actor = valid_utf8(m_identity.actor);
  event.action = valid_utf8(input.action);
  event.resource_type = valid_utf8(input.resource_type);
  event.resource_id = valid_utf8(input.resource_id);
  event.outcome = std::string(to_string(input.outcome));
  event.correlation_id = valid_utf8(m_identity.correlation_id);
  event.nonce = crypto::random_bytes(detail::k_event_nonce_size);
  event.details = details_text(
    input.details.is_object() ? input.details : nlohmann::json{{"value", input.details}});

  store::AuditTail next;
  merkle::Frontier frontier;
  Hash hash{};
  for (int attempt = 0;; ++attempt) {
    event.seq = m_tail.size + 1;
    event.prev = *hash_from_bytes(m_tail.last_hash);
    m_canonical.clear();
    write_canonical(event, m_canonical);
    hash = event_hash(m_canonical, m_scratch);
    frontier = m_frontier;
    next = next_tail(m_tail, hash, frontier);
    // The UPDATE comes first so that it takes the write lock before anything is read.
    if (m_store.update_tail(m_org.id(), m_tail, next)) {
      break;
    }
    if (attempt + 1 == k_attempts) {
      throw StateError(
        fmt::format("cannot append to the audit log of '{}': its end keeps moving", m_org.name()),
        "another velocity process is appending; run the command again");
    }
    reload();
  }

  store::AuditEventRow row;
  row.id = m_store.next_event_id();
  row.seq = event.seq;
  row.time = event.time;
  row.category = event.category;
  row.actor = event.actor;
  row.action = event.action;
  row.resource_type = event.resource_type;
  row.resource_id = event.resource_id;
  row.outcome = event.outcome;
  row.correlation_id = event.correlation_id;
  row.prev_hash = bytes_of(event.prev);
  row.hash = bytes_of(hash);
  row.details = m_org.seal({"audit_events", "details", row.id}, event.nonce + event.details);
  try {
    m_store.insert_event(m_org.id(), row);
  } catch (const StateError&) {
    // The tail was ours (update_tail matched it), so an event already numbered seq was not
    // appended by velocity: it was inserted past the authenticated tail.
    if (m_store.event_at(m_org.id(), event.seq)) {
      throw tampered(m_org, fmt::format("an event numbered {} stands after its authenticated tail "
                                        "(event {}): it was inserted",
                                        event.seq, m_tail.size));
    }
    throw;
  }
  m_tail = std::move(next);
  m_frontier = std::move(frontier);
  return event.seq;
}

int64_t Recorder::record(const EventInput& event) {
  store::Transaction tx(m_state.db());
  const store::AuditTail before = m_tail;
  const merkle::Frontier frontier = m_frontier;
  try {
    follow_key();
    const int64_t seq = append(event);
    tx.commit();
    return seq;
  } catch (...) {
    m_tail = before; // the transaction rolls the rows back; the cache follows
    m_frontier = frontier;
    throw;
  }
}

void Recorder::record_all(std::span<const EventInput> events) {
  // One transaction (or savepoint) for the batch: a savepoint per event inside a transaction would
  // copy every page it touches to SQLite's statement journal first, which costs more than the
  // insert.
  store::Transaction tx(m_state.db());
  const store::AuditTail before = m_tail;
  const merkle::Frontier frontier = m_frontier;
  try {
    follow_key();
    for (const EventInput& event : events) {
      append(event);
    }
    tx.commit();
  } catch (...) {
    m_tail = before;
    m_frontier = frontier;
    throw;
  }
}

std::optional<TreeHead> Recorder::checkpoint() {
  store::Transaction tx(m_state.db());
  if (!store::current_key_version(m_state.db(), m_org.id())) {
    // The organisation was deleted since (org delete, demo --reset): its log went with it.
    tx.commit();
    return std::nullopt;
  }
  TreeHead head;
  store::AuditTail next;
  for (int attempt = 0;; ++attempt) {
    if (m_tail.size == m_tail.head_size) {
      tx.commit();
      return std::nullopt;
    }
    head =
      TreeHead{m_org.name(), m_tail.size, m_frontier.root(), time::to_iso8601(time::now()), {}};
    audit::sign(head, m_keys->signing);
    next = m_tail;
    next.heads = m_tail.heads + 1;
    next.head_size = m_tail.size;
    next.mac = tail_mac(m_keys->mac_key, m_org.id(), next);
    if (m_store.update_tail(m_org.id(), m_tail, next)) {
      break;
    }
    if (attempt + 1 == k_attempts) {
      throw StateError(
        fmt::format("cannot sign the audit log of '{}': its end keeps moving", m_org.name()),
        "another velocity process is appending; run the command again");
    }
    reload();
  }
  m_store.insert_head(
    m_org.id(), store::AuditHeadRow{0, head.size, bytes_of(head.root), head.time, head.signature});
  tx.commit();
  m_tail = std::move(next);
  return head;
}

void Recorder::sign(ExportSeal& seal) const {
  audit::sign(seal, m_keys->signing);
}

} // namespace velocity::audit
