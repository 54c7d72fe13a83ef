#!/usr/bin/env bash
# `velocity collect` and `velocity evidence` against a seeded moto with signature checking on:
# a PASS and a FAIL for each of the original checks of EC2, CloudTrail, Config, IAM and S3 (the
# other CIS ones are in aws_cis.sh for sections 1-2 and aws_cis_logging.sh for sections 3-5),
# idempotent re-runs, freshness, --fail-on, the output formats, metrics, --dry-run and the
# per-integration lock.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_aws.sh"
require_moto

start_moto --auth --config-compliance '{"restricted-ssh": "NON_COMPLIANT", "s3-bucket-server-side-encryption-enabled": "COMPLIANT"}'
init_state
with_moto_keys run connect aws --name prod --endpoint-url "$MOTO_ENDPOINT" --region us-east-1,eu-west-1
[ "$RC" -eq 0 ] || { echo "connect failed: $ERR" >&2; exit 1; }

TEST "collect --format json: every check passes somewhere and fails somewhere"
run collect --format json
expect_rc 0
COLLECT_JSON=$OUT
expect_status aws_iam_root_mfa_enabled ":root" FAIL
expect_status aws_iam_password_policy_minimum_length_14 "123456789012" FAIL
expect_status aws_iam_password_policy_reuse_24 "123456789012" FAIL
expect_status aws_iam_user_mfa_enabled_console_access "alice" PASS
expect_status aws_iam_user_mfa_enabled_console_access "bob" FAIL
expect_status aws_iam_user_mfa_enabled_console_access "carol" none
expect_status aws_iam_rotate_access_key_90_days "alice" PASS
expect_status aws_iam_rotate_access_key_90_days "bob" FAIL
expect_status aws_iam_customer_attached_policy_no_administrative_privileges "policy/admin-everything" FAIL
expect_status aws_iam_customer_attached_policy_no_administrative_privileges "policy/velocity-readonly" PASS
SSH_GROUP=$(json_get '[f["resource_id"] for f in d["findings"] if "ssh-open" in f["reason"]][0]')
ALL_GROUP=$(json_get '[f["resource_id"] for f in d["findings"] if "all-open" in f["reason"]][0]')
RDP_GROUP=$(json_get '[f["resource_id"] for f in d["findings"] if "rdp-open-v6" in f["reason"]][0]')
INTERNAL_GROUP=$(json_get '[f["resource_id"] for f in d["findings"] if "internal-ssh" in f["reason"]][0]')
expect_status aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22 "$SSH_GROUP" FAIL
expect_status aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22 "$INTERNAL_GROUP" PASS
expect_status aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389 "$RDP_GROUP" FAIL
expect_status aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389 "$SSH_GROUP" PASS
expect_status aws_ec2_securitygroup_allow_ingress_from_internet_to_all_ports "$ALL_GROUP" FAIL
expect_status aws_ec2_securitygroup_allow_ingress_from_internet_to_all_ports "$SSH_GROUP" PASS
expect_status aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22 "$ALL_GROUP" FAIL
expect_status aws_s3_bucket_default_encryption velocity-logs PASS
expect_status aws_s3_bucket_default_encryption velocity-data FAIL
expect_status aws_s3_bucket_default_encryption velocity-partial PASS
expect_status aws_s3_bucket_level_public_access_block velocity-logs PASS
expect_status aws_s3_bucket_level_public_access_block velocity-partial FAIL
expect_status aws_s3_bucket_level_public_access_block velocity-data FAIL
expect_status aws_s3_bucket_object_versioning velocity-logs PASS
expect_status aws_s3_bucket_object_versioning velocity-partial FAIL
expect_status aws_cloudtrail_multi_region_enabled 123456789012 PASS
expect_status aws_cloudtrail_log_file_validation_enabled trail/org-trail PASS
expect_status aws_cloudtrail_log_file_validation_enabled trail/local-trail FAIL
expect_status aws_cloudtrail_logging_on trail/org-trail PASS
expect_status aws_cloudtrail_logging_on trail/local-trail FAIL
expect_status aws_config_rules_compliant restricted-ssh FAIL
expect_status aws_config_rules_compliant s3-bucket-server-side-encryption-enabled PASS
expect_equal "$(json_get 'd["integrations"][0]["outcome"]')" "success"
expect_equal "$(json_get 'sorted({f["region"] for f in d["findings"] if f["evidence_type"]=="security_groups"})')" "['eu-west-1', 'us-east-1']"
expect_equal "$(json_get 'all(f["account_id"]=="123456789012" for f in d["findings"])')" "True" "account id on every finding"
expect_equal "$(json_get 'any(c["framework"]=="soc2" for f in d["findings"] for c in f["controls"])')" "True" "findings map to SOC 2 controls"
FIRST_COUNT=$(json_get 'len(d["findings"])')

TEST "running again updates, never duplicates"
run evidence list --format json
EVIDENCE_BEFORE=$(json_get 'len({f["evidence_id"] for f in d})')
FINDINGS_BEFORE=$(json_get 'len(d)')
run collect --format json
expect_rc 0
expect_equal "$(json_get 'len(d["findings"])')" "$FIRST_COUNT"
run evidence list --format json
expect_equal "$(json_get 'len(d)')" "$FINDINGS_BEFORE" "findings after a second run"
expect_equal "$(json_get 'len({f["evidence_id"] for f in d})')" "$EVIDENCE_BEFORE" "evidence after a second run"

TEST "freshness: a FAIL that passes again keeps when it failed and says when it passed"
fixture mutate '{"action": "strong-password-policy"}' >/dev/null
fixture mutate '{"action": "root-mfa-on"}' >/dev/null
fixture mutate '{"action": "stop-logging"}' >/dev/null
run collect --format json --types policies,audit_logs
expect_rc 0
expect_status aws_iam_password_policy_minimum_length_14 "123456789012" PASS
expect_status aws_iam_password_policy_reuse_24 "123456789012" PASS
expect_status aws_iam_root_mfa_enabled ":root" PASS
expect_status aws_cloudtrail_logging_on trail/org-trail FAIL
expect_equal "$(json_get '[f["passed_again_at"] is not None and f["first_failed_at"] is not None and f["first_failed_at"] < f["passed_again_at"] for f in d["findings"] if f["check_id"]=="aws_iam_password_policy_minimum_length_14"][0]')" "True"
expect_equal "$(json_get '[f["first_failed_at"] is not None and f["passed_again_at"] is None for f in d["findings"] if f["check_id"]=="aws_cloudtrail_logging_on" and "org-trail" in f["resource_id"]][0]')" "True"
expect_equal "$(json_get '[f["first_seen_at"] < f["last_seen_at"] for f in d["findings"] if f["check_id"]=="aws_iam_root_mfa_enabled"][0]')" "True"
run evidence list --check aws_iam_password_policy_reuse_24
expect_out_contains "passed again"
run evidence list --check aws_cloudtrail_logging_on --status FAIL
expect_out_contains "failing since"

TEST "--fail-on exits 1 for a FAIL at or above the severity, not for lower ones"
run collect --types encryption_status --fail-on high
expect_rc 1
expect_err_contains "at or above severity high"
run collect --types encryption_status --fail-on critical
expect_rc 0
run collect --types security_groups --fail-on critical --quiet
expect_rc 1
run collect --types encryption_status --fail-on extreme
expect_rc 2

TEST "the table format ends with a summary"
run collect --types encryption_status
expect_rc 0
expect_out_contains "resources"
expect_out_contains "API calls"
expect_out_contains "velocity-data"

TEST "--format jsonl streams one finding per line, then a summary line"
run collect --format jsonl --types security_groups
expect_rc 0
LINES=$(printf '%s\n' "$OUT" | wc -l)
BAD=$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; print(sum(1 for l in sys.stdin if json.loads(l)["type"] not in ("finding","summary")))')
expect_equal "$BAD" "0"
LAST=$(printf '%s\n' "$OUT" | tail -1 | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["type"], d["findings"]["PASS"]+d["findings"]["FAIL"])')
expect_equal "$LAST" "summary $((LINES - 1))"

TEST "--metrics-file writes Prometheus text atomically"
fixture reset-calls >/dev/null
run collect --types encryption_status --metrics-file "$SUITE_DIR/metrics/velocity.prom"
expect_rc 2 # the directory does not exist: refused before collecting
expect_err_contains "metrics"
expect_equal "$(fixture calls)" "{}" "nothing collected"
mkdir -p "$SUITE_DIR/metrics"
run collect --types encryption_status --metrics-file "$SUITE_DIR/metrics/velocity.prom"
expect_rc 0
METRICS=$(cat "$SUITE_DIR/metrics/velocity.prom")
for needle in '# TYPE velocity_collect_duration_seconds gauge' \
  'velocity_collect_resources{integration="prod",platform="aws"} 4' \
  'velocity_collect_findings{integration="prod",platform="aws",status="FAIL"} 10' \
  'velocity_collect_check_findings{integration="prod",platform="aws",check="aws_s3_bucket_object_versioning",status="PASS"} 1' \
  'velocity_collect_api_errors{integration="prod",platform="aws"} 0' \
  'velocity_collect_last_success_timestamp_seconds{integration="prod",platform="aws"}' \
  'velocity_collect_success{integration="prod",platform="aws"} 1'; do
  if grep -qF -- "$needle" <<<"$METRICS"; then pass; else fail "metrics lack '$needle': $METRICS"; fi
done
expect_equal "$(ls "$SUITE_DIR/metrics" | wc -l)" "1" "no temporary file left"

TEST "--dry-run prints the calls and makes none"
fixture reset-calls >/dev/null
run evidence list --format json
BEFORE=$OUT
run collect --dry-run
expect_rc 0
expect_out_contains "iam:GetCredentialReport"
expect_out_contains "ec2:DescribeSecurityGroups"
expect_out_contains "eu-west-1"
expect_out_contains "config:DescribeComplianceByConfigRule"
expect_err_contains "nothing was sent"
run collect --dry-run --format json --types audit_logs
expect_rc 0
expect_out_contains '"call": "cloudtrail:GetTrailStatus"'
expect_out_lacks '"call": "iam:GetCredentialReport"'
expect_equal "$(fixture calls)" "{}" "no request reached the emulator"
run evidence list --format json
expect_equal "$OUT" "$BEFORE" "nothing written"

TEST "one collection at a time per integration; --wait queues"
fault GetAccountAuthorizationDetails slow 1 3
"$VELOCITY_BIN" collect --types policies >"$SUITE_DIR/first.out" 2>&1 &
FIRST=$!
sleep 1.5
run collect --types policies
expect_rc 1
expect_err_contains "integration prod is being collected already: pid $FIRST"
expect_err_contains "--wait"
run collect --types policies --wait
expect_rc 0
wait "$FIRST"
expect_equal "$?" "0" "the first collection finished"

TEST "evidence show: the decrypted data, its digest and its findings with controls"
run evidence list --check aws_s3_bucket_object_versioning --status FAIL --format json
expect_rc 0
ID=$(json_get '[f["evidence_id"] for f in d if "velocity-data" in f["resource_id"]][0]')
run evidence show "$ID" --format json
expect_rc 0
expect_out_contains '"resource_id": "velocity-data"'
expect_out_contains '"evidence_type": "encryption_status"'
expect_equal "$(json_get 'len(d["raw_sha256"])')" "64"
expect_equal "$(json_get 'd["data"]["versioning"]["status"]')" "" "versioning never enabled"
expect_equal "$(json_get 'sorted(s["call"] for s in d["data"]["sources"])')" "['s3:GetBucketEncryption', 's3:GetBucketPolicy', 's3:GetBucketVersioning', 's3:GetPublicAccessBlock', 's3:ListBuckets']"
expect_equal "$(json_get 'len(d["findings"])')" "5"
run evidence show "$ID"
expect_rc 0
expect_out_contains "soc2:"
run evidence show 999999
expect_rc 2

TEST "evidence list filters"
run evidence list --status FAIL --format json
expect_equal "$(json_get 'all(f["status"]=="FAIL" for f in d)')" "True"
run evidence list --status maybe
expect_rc 2
run evidence list --integration nope
expect_rc 2

TEST "every enabled region of the aws partition, none of GovCloud or China"
with_moto_keys run connect aws --name everywhere --endpoint-url "$MOTO_ENDPOINT"
expect_rc 0
fixture reset-calls >/dev/null
run collect --integration everywhere --types security_groups --format json
expect_rc 0
# What the account has enabled, asked the way the AWS CLI would; GovCloud and China are other
# partitions, which these keys cannot reach.
ENABLED=$(with_moto_keys python3 - "$MOTO_ENDPOINT" <<'PY'
import boto3, sys
ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=sys.argv[1])
regions = [r["RegionName"] for r in ec2.describe_regions()["Regions"]
           if r.get("OptInStatus") != "not-opted-in"]
print(sum(1 for r in regions if not r.startswith(("us-gov-", "cn-"))))
PY
)
expect_equal "$(calls_of DescribeSecurityGroups)" "$ENABLED" "DescribeSecurityGroups calls, one per enabled region"
expect_equal "$(json_get 'any(f["region"].startswith(("us-gov-", "cn-")) for f in d["findings"])')" "False"

TEST "several integrations need --integration or --all"
run collect --types security_groups
expect_rc 2
run collect --all --types encryption_status --format json
expect_rc 0
expect_equal "$(json_get 'len(d["integrations"])')" "2"

finish
