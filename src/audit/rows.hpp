#pragma once

#include <velocity/audit/event.hpp>
#include <velocity/store/audit_store.hpp>
#include <velocity/store/state.hpp>

#include <cstddef>
#include <optional>

// From a stored event row to the event as it was hashed.
namespace velocity::audit::detail {

// The random bytes sealed before an event's details: the recorder writes them, open_event skips
// them.
inline constexpr size_t k_event_nonce_size = 16;

// The event of `row` with its sealed nonce and details opened; nothing when they do not open for
// this row (replaced, or copied from another row).
std::optional<Event> open_event(const store::Org& org, const store::AuditEventRow& row);

// The same, throwing IntegrityError naming the event when its details do not open.
Event require_event(const store::Org& org, const store::AuditEventRow& row);

} // namespace velocity::audit::detail
