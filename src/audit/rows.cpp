#include "rows.hpp"

#include <velocity/core/error.hpp>

#include <fmt/format.h>

namespace velocity::audit::detail {

std::optional<Event> open_event(const store::Org& org, const store::AuditEventRow& row) {
  std::string plain;
  try {
    plain = org.open({"audit_events", "details", row.id}, row.details);
  } catch (const StateError&) {
    return std::nullopt;
  }
  if (plain.size() < k_event_nonce_size) {
    return std::nullopt;
  }
  Event event;
  event.seq = row.seq;
  event.prev = hash_from_bytes(row.prev_hash).value_or(zero_hash());
  event.time = row.time;
  event.category = row.category;
  event.actor = row.actor;
  event.action = row.action;
  event.resource_type = row.resource_type;
  event.resource_id = row.resource_id;
  event.outcome = row.outcome;
  event.correlation_id = row.correlation_id;
  event.nonce = plain.substr(0, k_event_nonce_size);
  event.details = plain.substr(k_event_nonce_size);
  return event;
}

Event require_event(const store::Org& org, const store::AuditEventRow& row) {
  auto event = open_event(org, row);
  if (!event) {
    throw IntegrityError(
      fmt::format("the details of audit event {} of '{}' do not open: they were replaced", row.seq,
                  org.name()),
      fmt::format("run `velocity --org {} audit verify`", org.name()));
  }
  return std::move(*event);
}

} // namespace velocity::audit::detail
