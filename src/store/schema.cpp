#include <velocity/store/schema.hpp>

#include <array>

namespace velocity::store {

namespace {

constexpr std::string_view k_v1 = R"sql(
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value BLOB NOT NULL
);
CREATE TABLE organizations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  is_demo INTEGER NOT NULL DEFAULT 0,
  key_version INTEGER NOT NULL,
  wrapped_key BLOB NOT NULL
);
CREATE TABLE integrations (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  platform TEXT NOT NULL,
  settings TEXT NOT NULL DEFAULT '{}',
  credentials BLOB,
  created_at TEXT NOT NULL,
  UNIQUE (org_id, name)
);
CREATE TABLE evidence (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  integration_id INTEGER REFERENCES integrations(id) ON DELETE CASCADE,
  platform TEXT NOT NULL,
  evidence_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  region TEXT NOT NULL DEFAULT '',
  raw_sha256 TEXT NOT NULL,
  payload BLOB NOT NULL,
  collected_at TEXT NOT NULL
);
CREATE UNIQUE INDEX evidence_identity
  ON evidence (org_id, integration_id, evidence_type, resource_id, region);
)sql";

constexpr std::array<std::string_view, 1> k_migrations = {k_v1};

constexpr std::array<EncryptedColumn, 2> k_encrypted_columns = {{
  {"integrations", "credentials"},
  {"evidence", "payload"},
}};

} // namespace

std::span<const std::string_view> migrations() { return k_migrations; }

int latest_schema_version() { return static_cast<int>(k_migrations.size()); }

std::span<const EncryptedColumn> encrypted_columns() { return k_encrypted_columns; }

} // namespace velocity::store
