#pragma once

#include <velocity/core/time.hpp>
#include <velocity/store/database.hpp>
#include <velocity/store/state.hpp>

#include <cstdint>

// Dating rows of a demo history. `velocity demo` writes a history of N days in one run through
// the usual store functions, which stamp rows with the current time where they take no time;
// these set the times the history says. Only for organisations marked demo.
namespace velocity::store {

// Sets when integration `id` of `org` was created. Throws StateError unless `org` is a demo
// organisation and owns the integration.
void set_integration_created_at(Database& db, const Org& org, int64_t id, time::TimePoint when);

// Sets when assessment `id` of `org` was started and completed. Throws StateError unless `org`
// is a demo organisation and owns the assessment.
void set_assessment_times(Database& db, const Org& org, int64_t id, time::TimePoint started,
                          time::TimePoint completed);

} // namespace velocity::store
