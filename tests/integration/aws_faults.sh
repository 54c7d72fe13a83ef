#!/usr/bin/env bash
# AWS collection when things go wrong: moto's missing Config API, AccessDenied on one call,
# throttling with Retry-After, 5xx, resets, slow and truncated answers, broken XML and JSON,
# rejected credentials with moto's signature check on, and an endpoint that refuses.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_aws.sh"
require_moto

start_moto --auth
init_state
with_moto_keys run connect aws --name prod --endpoint-url "$MOTO_ENDPOINT" --region us-east-1
[ "$RC" -eq 0 ] || { echo "connect failed: $ERR" >&2; exit 1; }

TEST "Config DescribeComplianceByConfigRule (not in moto): that type incomplete, the rest stored, exit 6"
run collect --retries 1 --format json
expect_rc 6
expect_err_contains "compliance_rules (123456789012): config:DescribeComplianceByConfigRule: HTTP 500"
expect_equal "$(json_get 'd["integrations"][0]["outcome"]')" "incomplete"
expect_equal "$(json_get 'sorted({f["evidence_type"] for f in d["findings"]})')" "['access_analyzers', 'account_contacts', 'audit_logs', 'config_recorders', 'databases', 'ebs_encryption', 'encryption_status', 'file_systems', 'instances', 'kms_keys', 'policies', 'security_groups', 'security_hub', 'vpc_network']"
expect_equal "$(calls_of DescribeComplianceByConfigRule)" "2" "one retry, then given up"

TEST "AccessDenied on one call: its type incomplete with the reason, the others go on, exit 6"
fixture reset-calls >/dev/null
fault GetAccountAuthorizationDetails access-denied 1
run collect --types policies,encryption_status --format json
expect_rc 6
expect_err_contains "policies (123456789012): iam:GetAccountAuthorizationDetails: AccessDenied"
expect_equal "$(json_get 'len([f for f in d["findings"] if f["evidence_type"]=="encryption_status"])')" "16"
expect_equal "$(json_get 'any(f["check_id"]=="aws_iam_password_policy_minimum_length_14" for f in d["findings"])')" "True" "the rest of policies was kept"
expect_equal "$(json_get 'any(f["check_id"]=="aws_iam_user_mfa_enabled_console_access" for f in d["findings"])')" "True" "the credential report was kept"
expect_equal "$(json_get '[f["check_id"] for f in d["findings"] if f["check_id"] in ("aws_iam_policy_attached_only_to_group_or_roles", "aws_iam_support_role_created", "aws_iam_customer_attached_policy_no_administrative_privileges")]')" "[]" "what it answers is not evaluated, never PASS"
expect_equal "$(calls_of GetAccountAuthorizationDetails)" "1" "AccessDenied is not retried"

TEST "AccessDenied on S3 Control: the bucket-level block is not evaluated, never PASS"
fault GetAccountPublicAccessBlock access-denied 1
run collect --types encryption_status --format json
expect_rc 6
expect_err_contains "encryption_status (123456789012): s3:GetAccountPublicAccessBlock: AccessDenied"
expect_equal "$(json_get '[f["check_id"] for f in d["findings"] if "public_access_block" in f["check_id"]]')" "[]"
expect_equal "$(json_get 'len([f for f in d["findings"] if f["check_id"]=="aws_s3_bucket_default_encryption"])')" "3"

TEST "throttling with Retry-After (429 from a JSON service) is waited out and retried"
fixture reset-calls >/dev/null
fault DescribeTrails throttle 2 1
START=$(date +%s.%N)
run collect --types audit_logs
END=$(date +%s.%N)
expect_rc 0
expect_equal "$(calls_of DescribeTrails)" "3"
expect_equal "$(python3 -c "print($END - $START >= 2.0)")" "True" "waited the Retry-After twice"

TEST "throttling as a 400 RequestLimitExceeded (EC2) is retried"
fixture reset-calls >/dev/null
fault DescribeSecurityGroups throttle 2
run collect --types security_groups
expect_rc 0
expect_equal "$(calls_of DescribeSecurityGroups)" "3"

TEST "a 500 that does not go away: bounded retries, then incomplete"
fixture reset-calls >/dev/null
fault GetAccountSummary status null 503
run collect --types policies --retries 2
expect_rc 6
expect_err_contains "iam:GetAccountSummary: HTTP 503"
expect_equal "$(calls_of GetAccountSummary)" "3"
fixture clear-faults >/dev/null

TEST "a reset connection is retried"
fixture reset-calls >/dev/null
fault GetCredentialReport reset 1
run collect --types policies
expect_rc 0
expect_equal "$(calls_of GetCredentialReport)" "2"

TEST "resets every time: a clear error, no crash"
fault ListPolicies reset null
run collect --types policies --retries 1
expect_rc 6
expect_err_contains "iam:ListPolicies"
fixture clear-faults >/dev/null

TEST "a slow answer past the timeout"
fault GetAccountPasswordPolicy slow 1 3
run collect --types policies --timeout 1 --retries 0
expect_rc 6
expect_err_contains "iam:GetAccountPasswordPolicy"
expect_err_contains "timed out"

TEST "a truncated answer"
fault GetBucketVersioning truncated 1
run collect --types encryption_status --retries 0
expect_rc 6
expect_err_contains "s3:GetBucketVersioning"
expect_err_contains "truncated"

TEST "invalid XML: a clear error, and no bucket half-stored (the account's block, read fine, is)"
run evidence list --format json --integration prod
BEFORE=$(json_get 'sorted((f["resource_id"], f["last_seen_at"]) for f in d if f["evidence_type"]=="encryption_status" and f["resource_id"].startswith("velocity-"))')
fault ListBuckets invalid-body 1
run collect --types encryption_status
expect_rc 6
expect_err_contains "s3:ListBuckets: malformed answer: invalid XML"
run evidence list --format json --integration prod
expect_equal "$(json_get 'sorted((f["resource_id"], f["last_seen_at"]) for f in d if f["evidence_type"]=="encryption_status" and f["resource_id"].startswith("velocity-"))')" "$BEFORE"

TEST "invalid JSON"
fault DescribeTrails invalid-body 1
run collect --types audit_logs
expect_rc 6
expect_err_contains "cloudtrail:DescribeTrails: malformed answer: invalid JSON"

TEST "rejected credentials at collection time: exit 3, nothing collected"
AWS_ACCESS_KEY_ID=AKIAUNKNOWNUNKNOWN00 AWS_SECRET_ACCESS_KEY=x run connect aws --name bogus --endpoint-url "$MOTO_ENDPOINT" --region us-east-1 --no-test
expect_rc 0
run collect --integration bogus
expect_rc 3
expect_err_contains "AWS rejected the credentials of integration bogus (InvalidClientTokenId)"
AWS_ACCESS_KEY_ID="$MOTO_KEY" AWS_SECRET_ACCESS_KEY=wrong run connect aws --name wrong-secret --endpoint-url "$MOTO_ENDPOINT" --region us-east-1 --no-test
run collect --integration wrong-secret --format json
expect_rc 3
expect_err_contains "AWS rejected the credentials of integration wrong-secret (SignatureDoesNotMatch)"
expect_out_contains '"outcome": "failed"'

TEST "connection refused: exit 6 naming the endpoint"
PORT=$(free_port)
with_moto_keys run connect aws --name down --endpoint-url "http://127.0.0.1:$PORT" --no-test
run collect --integration down --retries 1
expect_rc 6
expect_err_contains "http://127.0.0.1:$PORT"
expect_err_contains "connection refused"

TEST "--all goes on past a failing integration and exits with its code"
run collect --all --types encryption_status --format json --retries 0
expect_rc 3
expect_equal "$(json_get '[i["outcome"] for i in d["integrations"]]')" "['failed', 'failed', 'success', 'failed']"

# The security groups of integration prod the state holds findings on, and when a finding of
# one was last written: "COUNT LATEST-last_seen_at".
stored_groups() {
  "$VELOCITY_BIN" evidence list --integration prod --format jsonl | python3 -c '
import json, sys
rows = [json.loads(line) for line in sys.stdin if line.strip()]
groups = [r for r in rows if r["evidence_type"] == "security_groups"]
print(len({r["resource_id"] for r in groups}), max(r["last_seen_at"] for r in groups))'
}

TEST "a type larger than a part (1,200 more security groups) is stored whole, every group judged"
run collect --integration prod --types security_groups --format json
expect_rc 0
BEFORE=$(json_get 'd["integrations"][0]["resources"]')
fixture mutate '{"action": "grow", "groups": 1200}' >/dev/null
fixture reset-calls >/dev/null
run collect --integration prod --types security_groups --format json
expect_rc 0
expect_equal "$(json_get 'd["integrations"][0]["resources"]')" "$((BEFORE + 1200))"
expect_equal "$(json_get 'len({f["resource_id"] for f in d["findings"] if "(grown-" in f["reason"]})')" "1200" "each grown group has findings"
expect_equal "$(stored_groups | cut -d' ' -f1)" "$((BEFORE + 1200))"
# us-east-1 answered in two pages, every other region in one.
FIRST_PAGES=$(($(calls_of DescribeSecurityGroups) - 1))

TEST "a collection killed half-way through a type writes none of it; the next stores it all"
fixture mutate '{"action": "grow", "groups": 1200}' >/dev/null
STORED=$(stored_groups)
fixture reset-calls >/dev/null
# Every region's first page quickly; the second page of us-east-1 (asked once its first 1,000
# groups are in, two parts staged) hangs until the collection is killed.
fault DescribeSecurityGroups slow "$FIRST_PAGES" 0.001
fault DescribeSecurityGroups slow 1 60
"$VELOCITY_BIN" collect --integration prod --types security_groups >/dev/null 2>&1 &
COLLECT_PID=$!
track_pid "$COLLECT_PID"
for _ in $(seq 1 1200); do
  [ "$(calls_of DescribeSecurityGroups)" -gt "$FIRST_PAGES" ] && break
  kill -0 "$COLLECT_PID" 2>/dev/null || break
done
expect_equal "$(calls_of DescribeSecurityGroups)" "$((FIRST_PAGES + 1))" "the second page was asked for"
kill -9 "$COLLECT_PID"
wait "$COLLECT_PID" 2>/dev/null
expect_equal "$(stored_groups)" "$STORED" "no group written or touched"
fixture clear-faults >/dev/null
run collect --integration prod --types security_groups --format json
expect_rc 0
expect_equal "$(json_get 'd["integrations"][0]["resources"]')" "$((BEFORE + 2400))"
expect_equal "$(stored_groups | cut -d' ' -f1)" "$((BEFORE + 2400))"

TEST "a region that does not take the credentials (not enabled): skipped with a note, run complete"
with_moto_keys run connect aws --name two-regions --endpoint-url "$MOTO_ENDPOINT" --region us-east-1,eu-west-1
expect_rc 0
fixture clear-faults >/dev/null
fault DescribeDBInstances invalid-token null null eu-west-1
fault DescribeFileSystems invalid-token null null eu-west-1
run collect --integration two-regions --types databases,file_systems --format json
expect_rc 0
expect_equal "$(json_get 'd["integrations"][0]["outcome"]')" "success"
expect_equal "$(json_get 'd["integrations"][0]["notes"]')" "[\"databases (123456789012): rds: eu-west-1 skipped, the region does not take the account's credentials (InvalidClientTokenId): not enabled for the account, or a session token valid only in the default regions; nothing there was evaluated\", \"file_systems (123456789012): elasticfilesystem: eu-west-1 skipped, the region does not take the account's credentials (UnrecognizedClientException): not enabled for the account, or a session token valid only in the default regions; nothing there was evaluated\"]"
expect_equal "$(json_get 'sorted({f["region"] for f in d["findings"]})')" "['us-east-1']" "nothing judged in the skipped region"
expect_equal "$(json_get 'd["integrations"][0]["problems"]')" "[]"
fixture clear-faults >/dev/null
fault DescribeDBInstances invalid-token 1 null eu-west-1
run collect --integration two-regions --types databases
expect_rc 0
expect_err_contains "note: databases (123456789012): rds: eu-west-1 skipped"
fault DescribeFileSystems invalid-token 1 null us-east-1
run collect --integration two-regions --types file_systems
expect_rc 6
expect_err_contains "AWS rejected the credentials (UnrecognizedClientException); collection stopped"

stop_moto

TEST "moto's INITIAL_NO_AUTH_ACTION_COUNT: keys accepted while checking is off, refused once it is on"
start_moto --seed empty --auth --free-requests 1
AWS_ACCESS_KEY_ID=AKIAUNKNOWNUNKNOWN00 AWS_SECRET_ACCESS_KEY=x run connect aws --name early --endpoint-url "$MOTO_ENDPOINT" --region us-east-1
expect_rc 0
run collect --integration early --types policies
expect_rc 3
expect_err_contains "AWS rejected the credentials of integration early (InvalidClientTokenId)"

finish
