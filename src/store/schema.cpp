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
-- A questionnaire assessment (include/velocity/store/assessment.hpp): progress is saved after each
-- answer (status in_progress), then the finished one is kept with its scores. Answers and notes
-- are sealed; the scores are plain so that `assess list` needs no decryption.
CREATE TABLE assessments (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  frameworks TEXT NOT NULL,
  variant TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('in_progress', 'completed')),
  position INTEGER NOT NULL DEFAULT 0,
  catalog_sha256 TEXT NOT NULL,
  scores TEXT NOT NULL DEFAULT '{}',
  answers BLOB NOT NULL,
  started_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  completed_at TEXT
);
CREATE INDEX assessments_by_status ON assessments (org_id, status, id);
CREATE TABLE integrations (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  platform TEXT NOT NULL,
  settings TEXT NOT NULL DEFAULT '{}',
  credentials BLOB,
  created_at TEXT NOT NULL,
  last_tested_at TEXT,
  last_test_status TEXT,
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
  account_id TEXT NOT NULL DEFAULT '',
  raw_sha256 TEXT NOT NULL,
  payload BLOB NOT NULL,
  first_collected_at TEXT NOT NULL,
  collected_at TEXT NOT NULL
);
CREATE UNIQUE INDEX evidence_identity
  ON evidence (org_id, integration_id, evidence_type, account_id, region, resource_id);
-- One automated check's verdict on one resource, kept across collections: first_failed_at opens
-- a gap, passed_again_at closes it (include/velocity/store/findings.hpp).
CREATE TABLE findings (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  integration_id INTEGER NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
  evidence_id INTEGER REFERENCES evidence(id) ON DELETE SET NULL,
  check_id TEXT NOT NULL,
  severity TEXT NOT NULL,
  account_id TEXT NOT NULL DEFAULT '',
  region TEXT NOT NULL DEFAULT '',
  resource_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PASS', 'FAIL')),
  reason TEXT NOT NULL,
  first_seen_at TEXT NOT NULL,
  first_failed_at TEXT,
  last_seen_at TEXT NOT NULL,
  passed_again_at TEXT
);
CREATE UNIQUE INDEX findings_identity
  ON findings (org_id, integration_id, check_id, account_id, region, resource_id);
CREATE INDEX findings_by_evidence ON findings (evidence_id);
-- One `velocity collect` of one integration: what it did, for summaries and metrics.
CREATE TABLE collection_runs (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  integration_id INTEGER NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  outcome TEXT NOT NULL,
  types TEXT NOT NULL,
  resources INTEGER NOT NULL DEFAULT 0,
  findings_pass INTEGER NOT NULL DEFAULT 0,
  findings_fail INTEGER NOT NULL DEFAULT 0,
  api_calls INTEGER NOT NULL DEFAULT 0,
  api_errors INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX collection_runs_by_integration ON collection_runs (integration_id, started_at);
-- The audit trail (include/velocity/audit/, docs/audit-format.md): one log per organisation
-- (id = org_id), its events in sequence, and the tree heads signed over them.
CREATE TABLE audit_logs (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL UNIQUE REFERENCES organizations(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  public_key BLOB NOT NULL,
  secrets BLOB NOT NULL,
  size INTEGER NOT NULL,
  heads INTEGER NOT NULL,
  head_size INTEGER NOT NULL,
  last_hash BLOB NOT NULL,
  frontier BLOB NOT NULL,
  tail_mac BLOB NOT NULL
);
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  time TEXT NOT NULL,
  category TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL,
  details BLOB NOT NULL,
  UNIQUE (org_id, seq)
);
CREATE INDEX audit_events_time ON audit_events (org_id, time);
CREATE TABLE audit_heads (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  size INTEGER NOT NULL,
  root BLOB NOT NULL,
  time TEXT NOT NULL,
  signature BLOB NOT NULL
);
CREATE INDEX audit_heads_size ON audit_heads (org_id, size);
)sql";

// v2: assessment ids are never reused (AUTOINCREMENT), so that `assessment:21` in the audit log
// names one assessment for good, even after `assess delete`. SQLite cannot add AUTOINCREMENT to a
// table, so the table is copied; ids (part of the sealed answers' identity) are kept.
constexpr std::string_view k_v2 = R"sql(
CREATE TABLE assessments_v2 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  frameworks TEXT NOT NULL,
  variant TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('in_progress', 'completed')),
  position INTEGER NOT NULL DEFAULT 0,
  catalog_sha256 TEXT NOT NULL,
  scores TEXT NOT NULL DEFAULT '{}',
  answers BLOB NOT NULL,
  started_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  completed_at TEXT
);
INSERT INTO assessments_v2 (id, org_id, frameworks, variant, status, position, catalog_sha256,
                            scores, answers, started_at, updated_at, completed_at)
  SELECT id, org_id, frameworks, variant, status, position, catalog_sha256, scores, answers,
         started_at, updated_at, completed_at FROM assessments;
DROP TABLE assessments;
ALTER TABLE assessments_v2 RENAME TO assessments;
CREATE INDEX assessments_by_status ON assessments (org_id, status, id);
)sql";

// Which collection run gave each finding its current status, so that a run can say what it
// changed (include/velocity/store/run_changes.hpp). Findings from before stay NULL: no run claims
// them, and their next change of status is reported as usual.
constexpr std::string_view k_v3 = R"sql(
ALTER TABLE findings ADD COLUMN status_since_run_id INTEGER
  REFERENCES collection_runs(id) ON DELETE SET NULL;
CREATE INDEX findings_by_status_run ON findings (status_since_run_id);
)sql";

// v4: the AWS checks took Prowler's ids (CIS AWS Foundations Benchmark, issue #15), so findings
// stored under the old ids keep their history (first failed, passed again) under the new ones.
// aws_iam_password_policy_strong was two rules; each of its findings becomes one of each. IAM
// users are named by user name and the password policy by the account id, no longer by ARN (a
// user whose ARN has a path keeps the old row, which stops being updated). Where a finding under
// the new identity exists already, it is the newer one and is kept.
constexpr std::string_view k_v4 = R"sql(
CREATE TEMP TABLE renamed_checks (old_id TEXT PRIMARY KEY, new_id TEXT NOT NULL);
INSERT INTO renamed_checks VALUES
  ('aws_iam_user_mfa_enabled', 'aws_iam_user_mfa_enabled_console_access'),
  ('aws_iam_access_key_rotated_90d', 'aws_iam_rotate_access_key_90_days'),
  ('aws_iam_policy_no_admin_star', 'aws_iam_customer_attached_policy_no_administrative_privileges'),
  ('aws_ec2_sg_no_ingress_world_ssh', 'aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22'),
  ('aws_ec2_sg_no_ingress_world_rdp', 'aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389'),
  ('aws_ec2_sg_no_ingress_world_all', 'aws_ec2_securitygroup_allow_ingress_from_internet_to_all_ports'),
  ('aws_s3_bucket_public_access_block', 'aws_s3_bucket_level_public_access_block'),
  ('aws_s3_bucket_versioning', 'aws_s3_bucket_object_versioning'),
  ('aws_cloudtrail_log_file_validation', 'aws_cloudtrail_log_file_validation_enabled'),
  ('aws_iam_password_policy_strong', 'aws_iam_password_policy_minimum_length_14');
INSERT OR IGNORE INTO findings (org_id, integration_id, evidence_id, check_id, severity,
                                account_id, region, resource_id, status, reason, first_seen_at,
                                first_failed_at, last_seen_at, passed_again_at,
                                status_since_run_id)
  SELECT org_id, integration_id, evidence_id, 'aws_iam_password_policy_reuse_24', severity,
         account_id, region, resource_id, status, reason, first_seen_at, first_failed_at,
         last_seen_at, passed_again_at, status_since_run_id
  FROM findings WHERE check_id = 'aws_iam_password_policy_strong';
UPDATE OR IGNORE findings
  SET check_id = (SELECT new_id FROM renamed_checks WHERE old_id = findings.check_id)
  WHERE check_id IN (SELECT old_id FROM renamed_checks);
DELETE FROM findings WHERE check_id IN (SELECT old_id FROM renamed_checks);
DROP TABLE renamed_checks;
UPDATE OR IGNORE findings SET resource_id = account_id
  WHERE check_id IN ('aws_iam_password_policy_minimum_length_14', 'aws_iam_password_policy_reuse_24')
    AND resource_id LIKE 'arn:%:iam::%:account-password-policy';
UPDATE OR IGNORE findings SET resource_id = substr(resource_id, instr(resource_id, ':user/') + 6)
  WHERE check_id LIKE 'aws_iam_%' AND resource_id LIKE 'arn:%:iam::%:user/%'
    AND instr(substr(resource_id, instr(resource_id, ':user/') + 6), '/') = 0;
DELETE FROM findings
  WHERE check_id IN ('aws_iam_password_policy_minimum_length_14', 'aws_iam_password_policy_reuse_24')
    AND resource_id LIKE 'arn:%:iam::%:account-password-policy';
)sql";

// v5: accepted risks (`velocity accept`, include/velocity/store/acceptances.hpp): which findings
// one covers (a check and shell-style patterns), until when, and who accepted or revoked it. The
// owner and the reason are sealed together in `justification`; a revoked acceptance is kept, so
// that `accept show` and the audit log still explain past reports. Ids are never reused.
constexpr std::string_view k_v5 = R"sql(
CREATE TABLE acceptances (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  check_id TEXT NOT NULL,
  resource_pattern TEXT NOT NULL DEFAULT '*',
  integration_pattern TEXT NOT NULL DEFAULT '*',
  account_pattern TEXT NOT NULL DEFAULT '*',
  region_pattern TEXT NOT NULL DEFAULT '*',
  justification BLOB NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT,
  revoked_by TEXT
);
CREATE INDEX acceptances_by_org ON acceptances (org_id, revoked_at, expires_at);
)sql";

// v6: the account-wide CloudTrail checks name the account by its id, as the other account-wide
// checks do, no longer by the root user's ARN; their findings (and acceptances that named the ARN
// exactly) follow, keeping their history. Where a finding under the account id exists already,
// it is the newer one and is kept.
constexpr std::string_view k_v6 = R"sql(
CREATE TEMP TABLE account_trail_checks (check_id TEXT PRIMARY KEY);
INSERT INTO account_trail_checks VALUES
  ('aws_cloudtrail_multi_region_enabled'),
  ('aws_cloudtrail_s3_dataevents_write_enabled'),
  ('aws_cloudtrail_s3_dataevents_read_enabled');
UPDATE OR IGNORE findings SET resource_id = account_id
  WHERE check_id IN (SELECT check_id FROM account_trail_checks)
    AND resource_id IN ('arn:aws:iam::' || account_id || ':root',
                        'arn:aws-cn:iam::' || account_id || ':root',
                        'arn:aws-us-gov:iam::' || account_id || ':root');
DELETE FROM findings
  WHERE check_id IN (SELECT check_id FROM account_trail_checks)
    AND resource_id LIKE 'arn:%:iam::%:root';
UPDATE acceptances
  SET resource_pattern = substr(resource_pattern, instr(resource_pattern, ':iam::') + 6, 12)
  WHERE check_id IN (SELECT check_id FROM account_trail_checks)
    AND resource_pattern GLOB 'arn:aws*:iam::[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]:root';
DROP TABLE account_trail_checks;
)sql";

constexpr std::array<std::string_view, 6> k_migrations = {k_v1, k_v2, k_v3, k_v4, k_v5, k_v6};

constexpr std::array<EncryptedColumn, 6> k_encrypted_columns = {{
  {"integrations", "credentials"},
  {"evidence", "payload"},
  {"audit_logs", "secrets"},
  {"audit_events", "details"},
  {"assessments", "answers"},
  {"acceptances", "justification"},
}};

} // namespace

std::span<const std::string_view> migrations() {
  return k_migrations;
}

int latest_schema_version() {
  return static_cast<int>(k_migrations.size());
}

std::span<const EncryptedColumn> encrypted_columns() {
  return k_encrypted_columns;
}

} // namespace velocity::store
