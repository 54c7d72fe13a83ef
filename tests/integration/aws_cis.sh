#!/usr/bin/env bash
# The CIS AWS Foundations Benchmark v5.0.0 sections 1 (IAM) and 2 (storage) against a seeded moto
# with signature checking on (tests/fakes/moto_seed_cis.py): a PASS and a FAIL for each check,
# the bucket the account's public access block covers, the IAM calls that do not grow with
# users, and a state from before the checks took Prowler's ids (schema 3) keeping its history.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_aws.sh"
require_moto
require sqlite3

start_moto --auth
init_state
with_moto_keys run connect aws --name prod --endpoint-url "$MOTO_ENDPOINT" --region us-east-1,eu-west-1
[ "$RC" -eq 0 ] || { echo "connect failed: $ERR" >&2; exit 1; }
ACCOUNT=123456789012

TEST "section 1: every IAM check passes somewhere and fails somewhere"
fixture reset-calls >/dev/null
run collect --types policies,encryption_status,databases,file_systems,access_analyzers,account_contacts --format json
expect_rc 0
expect_status aws_account_security_contact_information_is_registered "$ACCOUNT" FAIL
expect_equal "$(json_get '[f["reason"] for f in d["findings"] if f["check_id"]=="aws_account_security_contact_information_is_registered"]')" "['account $ACCOUNT has no security contact']"
expect_status aws_iam_no_root_access_key ":root" PASS
expect_status aws_iam_root_hardware_mfa_enabled ":root" FAIL
expect_status aws_iam_avoid_root_usage ":root" FAIL
expect_status aws_iam_user_no_setup_initial_access_key alice PASS
expect_status aws_iam_user_no_setup_initial_access_key bob FAIL
expect_status aws_iam_user_accesskey_unused alice PASS
expect_status aws_iam_user_accesskey_unused bob FAIL
expect_status aws_iam_user_console_access_unused alice PASS
expect_status aws_iam_user_console_access_unused dave FAIL
expect_status aws_iam_user_two_active_access_key alice PASS
expect_status aws_iam_user_two_active_access_key erin FAIL
expect_status aws_iam_policy_attached_only_to_group_or_roles carol PASS
expect_status aws_iam_policy_attached_only_to_group_or_roles erin FAIL
expect_status aws_iam_policy_attached_only_to_group_or_roles velocity-auditor FAIL
expect_status aws_iam_aws_attached_policy_no_administrative_privileges policy/AdministratorAccess FAIL
expect_status aws_iam_aws_attached_policy_no_administrative_privileges policy/AWSSupportAccess PASS
expect_status aws_iam_support_role_created "$ACCOUNT" FAIL
expect_status aws_iam_policy_cloudshell_admin_not_attached "$ACCOUNT" FAIL
expect_status aws_iam_no_expired_server_certificates_stored old-site FAIL
expect_status aws_iam_no_expired_server_certificates_stored shop-site PASS
expect_status aws_accessanalyzer_enabled us-east-1 PASS
expect_status aws_accessanalyzer_enabled eu-west-1 FAIL
expect_equal "$(json_get '[f["reason"] for f in d["findings"] if f["check_id"]=="aws_iam_policy_cloudshell_admin_not_attached"][0]')" "AWSCloudShellFullAccess is attached to user erin"
expect_equal "$(json_get 'sorted({f["resource_id"] for f in d["findings"] if f["check_id"]=="aws_iam_user_two_active_access_key"})')" "['alice', 'bob', 'carol', 'dave', 'erin', 'velocity-auditor']" "users are named by user name"

TEST "section 1: IAM calls do not grow with users and policies"
expect_equal "$(calls_of GetCredentialReport) $(calls_of GetAccountAuthorizationDetails)" "1 1"
expect_equal "$(calls_of GenerateCredentialReport)" "2" "STARTED, then COMPLETE after a backoff"
expect_equal "$(calls_of ListUsers) $(calls_of ListAccessKeys) $(calls_of GetLoginProfile)" "0 0 0"
expect_equal "$(calls_of GetPolicyVersion)" "3" "one per attached AWS-managed policy"

TEST "section 2: every S3 and RDS check passes somewhere and fails somewhere"
expect_status aws_s3_bucket_secure_transport_policy velocity-logs PASS
expect_status aws_s3_bucket_secure_transport_policy velocity-partial FAIL
expect_status aws_s3_bucket_secure_transport_policy velocity-data FAIL
expect_status aws_s3_bucket_no_mfa_delete velocity-logs PASS
expect_status aws_s3_bucket_no_mfa_delete velocity-data FAIL
expect_status aws_s3_account_level_public_access_blocks "$ACCOUNT" FAIL
expect_status aws_s3_bucket_level_public_access_block velocity-data FAIL
for check in aws_rds_instance_storage_encrypted aws_rds_instance_minor_version_upgrade_enabled \
  aws_rds_instance_no_public_access aws_rds_instance_multi_az; do
  expect_status "$check" orders-db PASS
  expect_status "$check" legacy-db FAIL
done
expect_equal "$(json_get '[f["region"] for f in d["findings"] if f["resource_id"]=="orders-db"][0]')" "us-east-1"
expect_status aws_efs_encryption_at_rest_enabled shared-encrypted PASS
expect_status aws_efs_encryption_at_rest_enabled scratch-plain FAIL
expect_equal "$(json_get 'all(f["resource_id"].startswith("fs-") for f in d["findings"] if f["check_id"]=="aws_efs_encryption_at_rest_enabled")')" "True" "file systems are named by id"

TEST "the account's settings turned: root key, support role, CloudShell, S3 account block, security contact"
fixture mutate '{"action": "cis-fixed"}' >/dev/null
fixture mutate '{"action": "root-mfa-on"}' >/dev/null
run collect --types policies,encryption_status,access_analyzers,account_contacts --format json
expect_rc 0
expect_status aws_account_security_contact_information_is_registered "$ACCOUNT" PASS
expect_equal "$(calls_of GetAlternateContact)" "2" "one signed call per collection"
expect_status aws_accessanalyzer_enabled eu-west-1 PASS
expect_status aws_iam_no_root_access_key ":root" FAIL
expect_status aws_iam_root_hardware_mfa_enabled ":root" PASS
expect_status aws_iam_avoid_root_usage ":root" PASS
expect_status aws_iam_support_role_created "$ACCOUNT" PASS
expect_status aws_iam_policy_cloudshell_admin_not_attached "$ACCOUNT" PASS
expect_status aws_s3_account_level_public_access_blocks "$ACCOUNT" PASS

TEST "a bucket the account's public access block covers passes, and says so"
expect_status aws_s3_bucket_level_public_access_block velocity-data PASS
expect_equal "$(json_get '[f["reason"] for f in d["findings"] if f["check_id"]=="aws_s3_bucket_level_public_access_block" and f["resource_id"]=="velocity-data"][0]')" "bucket velocity-data is covered by the account's public access block (all four settings on)"
expect_status aws_s3_bucket_level_public_access_block velocity-partial PASS
expect_out_contains "BlockPublicPolicy, RestrictPublicBuckets on the account, the rest on the bucket"

TEST "a state from schema 3 with the old check ids and ARNs keeps its findings' history"
STATE="$XDG_DATA_HOME/velocity/velocity.db"
sqlite3 "$STATE" "DELETE FROM findings WHERE check_id = 'aws_iam_password_policy_reuse_24';
UPDATE findings SET check_id = 'aws_iam_password_policy_strong', resource_id = 'arn:aws:iam::$ACCOUNT:account-password-policy', first_failed_at = '2020-01-01T00:00:00Z' WHERE check_id = 'aws_iam_password_policy_minimum_length_14';
UPDATE findings SET check_id = 'aws_iam_user_mfa_enabled', resource_id = 'arn:aws:iam::$ACCOUNT:user/' || resource_id, first_failed_at = '2020-01-02T00:00:00Z' WHERE check_id = 'aws_iam_user_mfa_enabled_console_access' AND resource_id = 'bob';
UPDATE findings SET check_id = 'aws_s3_bucket_versioning' WHERE check_id = 'aws_s3_bucket_object_versioning';
DROP TABLE acceptances;
PRAGMA user_version = 3"
BEFORE=$(sqlite3 "$STATE" "SELECT count(*) FROM findings")
run evidence list --format json
expect_rc 0
expect_equal "$(sqlite3 "$STATE" "PRAGMA user_version")" "6" "schema version after the upgrade"
expect_equal "$(sqlite3 "$STATE" "SELECT count(*) FROM findings WHERE check_id IN ('aws_iam_password_policy_strong', 'aws_iam_user_mfa_enabled', 'aws_s3_bucket_versioning')")" "0" "no old id left"
expect_equal "$(sqlite3 "$STATE" "SELECT count(*) FROM findings")" "$((BEFORE + 1))" "the password finding became two"
expect_equal "$(sqlite3 "$STATE" "SELECT resource_id, first_failed_at FROM findings WHERE check_id LIKE 'aws_iam_password_policy_%' ORDER BY check_id")" "$ACCOUNT|2020-01-01T00:00:00Z
$ACCOUNT|2020-01-01T00:00:00Z"
expect_equal "$(sqlite3 "$STATE" "SELECT resource_id, first_failed_at FROM findings WHERE check_id = 'aws_iam_user_mfa_enabled_console_access' AND resource_id LIKE '%bob%'")" "bob|2020-01-02T00:00:00Z"
run collect --types policies,encryption_status --format json
expect_rc 0
expect_equal "$(sqlite3 "$STATE" "SELECT count(*) FROM findings")" "$((BEFORE + 1))" "collecting again adds no duplicate"
expect_equal "$(json_get '[f["first_failed_at"] for f in d["findings"] if f["check_id"]=="aws_iam_user_mfa_enabled_console_access" and f["resource_id"]=="bob"][0]')" "2020-01-02T00:00:00Z" "bob has failed since the old finding"

finish
