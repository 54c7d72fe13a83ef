#pragma once

#include <velocity/store/database.hpp>
#include <velocity/store/state.hpp>

#include <cstdint>
#include <string>
#include <vector>

// How steadily an organisation has been collecting evidence, for `velocity pathway`.
namespace velocity::store {

struct CollectionHistory {
  int64_t runs = 0;   // every collection run, whatever its outcome
  int64_t failed = 0; // runs that collected nothing
  // The UTC dates (YYYY-MM-DD) with at least one run that collected something (success or
  // incomplete), oldest first, each once.
  std::vector<std::string> days;
};

// The collection runs of every integration of `org`, summarised.
CollectionHistory collection_history(Database& db, const Org& org);

} // namespace velocity::store
