#pragma once

#include <velocity/store/database.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/findings.hpp>
#include <velocity/store/state.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

// The reads `velocity report` needs beyond the other modules' queries: evidence and findings of
// a period, one row at a time, so a report over a large estate runs in bounded memory.
namespace velocity::store {

// A time window over ISO 8601 UTC strings (they compare as text); unset ends are open.
struct TimeWindow {
  std::optional<std::string> from;
  std::optional<std::string> to;
};

// Calls `visit` for each evidence row of `org` last collected within `window`, payload opened,
// by id, with the findings recorded on it (by check and resource).
void for_each_evidence_in(
  Database& db, const Org& org, const TimeWindow& window,
  const std::function<void(const EvidenceRecord&, const std::vector<FindingRecord>&)>& visit);

// Calls `visit` for each finding of `org` seen within `window` (first seen before its end, last
// seen after its start), by evidence then check and resource (FindingOrder::by_check: by check,
// integration and resource).
void for_each_finding_in(Database& db, const Org& org, const TimeWindow& window,
                         const std::function<void(const FindingRecord&)>& visit,
                         FindingOrder order = FindingOrder::natural);

// Counts the evidence rows of `org` last collected within `window`.
int64_t count_evidence_in(Database& db, const Org& org, const TimeWindow& window);

} // namespace velocity::store
