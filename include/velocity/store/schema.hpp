#pragma once

#include <span>
#include <string_view>

namespace velocity::store {

// The forward-only migrations of the state schema; migration i brings `PRAGMA user_version` from
// i to i + 1. Append new migrations; never edit one that has shipped.
std::span<const std::string_view> migrations();

// The schema version this build writes: migrations().size().
int latest_schema_version();

// A column holding values sealed under an organisation's data key. Its table has an integer
// primary key `id` and an `org_id` column; `key rotate --reencrypt` re-seals every such column.
struct EncryptedColumn {
  std::string_view table;
  std::string_view column;
};

std::span<const EncryptedColumn> encrypted_columns();

} // namespace velocity::store
