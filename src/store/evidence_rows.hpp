#pragma once

// Internal to the store module: writing one evidence row, shared by save_batch and the staging of
// large batches.

#include <velocity/store/database.hpp>
#include <velocity/store/evidence.hpp>
#include <velocity/store/state.hpp>

#include <cstdint>
#include <string>

namespace velocity::store {

// Inserts or updates the evidence row of `item` (by integration, type, account, region and
// resource), collected at `when`, its payload sealed to the row; returns the row's id. Call inside
// a transaction.
int64_t upsert_evidence(Database& db, const Org& org, int64_t integration_id,
                        const EvidenceInput& item, const std::string& when);

} // namespace velocity::store
