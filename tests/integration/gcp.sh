#!/usr/bin/env bash
# `velocity connect gcp` and `collect` against tests/fakes/fake_gcp.py: the JWT-bearer grant
# signed with the key file's key (the fake verifies signature and claims), a wrong key exit 3
# with Google's error, PASS and FAIL for each of the four checks, a denied call (exit 6), the
# token cached across calls, --dry-run, rate limits waited out and bounded by --max-wait.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_clouds.sh"
require python3
require sqlite3

KEYS="$VELOCITY_SOURCE_DIR/tests/fakes/keys"
init_state

# connect_gcp [ARGS...]: connects integration g to the running fake.
connect_gcp() {
  run connect gcp --name g --token-uri "$FAKE_URL/token" --api-endpoint "$FAKE_URL" --replace "$@"
}

start_fake gcp --scenario pass

TEST "connect without a key is a usage error"
OUT=$(env -u GOOGLE_APPLICATION_CREDENTIALS "$VELOCITY_BIN" connect gcp --name g \
  --token-uri "$FAKE_URL/token" --api-endpoint "$FAKE_URL" 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
expect_rc 2
expect_err_contains "GOOGLE_APPLICATION_CREDENTIALS"

TEST "a key Google does not accept: exit 3 with Google's error"
connect_gcp --key-file "$KEYS/gcp-sa-wrong-key.json"
expect_rc 3
expect_err_contains "Invalid JWT Signature"

TEST "connect with GOOGLE_APPLICATION_CREDENTIALS: project from the key, key stored sealed"
GOOGLE_APPLICATION_CREDENTIALS="$KEYS/gcp-sa.json" connect_gcp --format json
expect_rc 0
expect_out_contains '"status": "healthy"'
expect_out_contains '"account_id": "tokyo-rain-123"'
if grep -rqa "BEGIN PRIVATE KEY" "$XDG_DATA_HOME" 2>/dev/null; then fail "key stored in clear"; else pass; fi

TEST "collect on the pass scenario: every check passes, one token for every call"
token_requests() {
  fake_requests | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin) if x["op"] == "token"))'
}
tokens_before=$(token_requests)
run collect --format json
expect_rc 0
expect_status gcp_iam_no_primitive_roles_for_users tokyo-rain-123 PASS
expect_status gcp_iam_no_public_members tokyo-rain-123 PASS
expect_status gcp_iam_audit_logs_enabled tokyo-rain-123 PASS
expect_status gcp_iam_sa_no_administrative_privileges tokyo-rain-123 PASS
expect_equal "$(( $(token_requests) - tokens_before ))" "1" "token requests of the collection"

TEST "collect --dry-run sends nothing"
run collect --dry-run --format json
expect_rc 0
expect_out_contains "getIamPolicy"
expect_out_contains "services.list"
stop_fake

TEST "collect on the fail scenario: every check fails"
start_fake gcp --scenario fail
connect_gcp --key-file "$KEYS/gcp-sa.json"
expect_rc 0
run collect --format json
expect_rc 0
expect_status gcp_iam_no_primitive_roles_for_users tokyo-rain-123 FAIL
expect_status gcp_iam_no_public_members tokyo-rain-123 FAIL
expect_status gcp_iam_audit_logs_enabled tokyo-rain-123 FAIL
expect_status gcp_iam_sa_no_administrative_privileges tokyo-rain-123 FAIL
run collect --fail-on critical
expect_rc 1
stop_fake

TEST "no auditConfigs: the audit check fails"
start_fake gcp --scenario no-audit
connect_gcp --key-file "$KEYS/gcp-sa.json"
run collect --format json
expect_rc 0
expect_status gcp_iam_audit_logs_enabled tokyo-rain-123 FAIL
stop_fake

TEST "a denied getIamPolicy: policies incomplete, configurations collected, exit 6"
start_fake gcp --scenario pass --deny projects.getIamPolicy
connect_gcp --key-file "$KEYS/gcp-sa.json"
run collect --format json
expect_rc 6
expect_out_contains "PERMISSION_DENIED"
OUT=$(stored_resources)
expect_out_contains "projects/tokyo-rain-123"
stop_fake

TEST "paged services are all followed"
start_fake gcp --scenario pass --set services_page_size=1
connect_gcp --key-file "$KEYS/gcp-sa.json"
run collect --types configurations --format json
expect_rc 0
pages=$(fake_requests | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin) if x["op"] == "services.list"))')
if [ "$pages" -gt 1 ]; then pass; else fail "services.list pages: $pages"; fi
stop_fake

TEST "a 429 with Retry-After is waited out, then the call collected"
start_fake gcp --scenario pass --throttle projects.getIamPolicy:2:1
connect_gcp --key-file "$KEYS/gcp-sa.json"
run collect --types policies --format json
expect_rc 0
expect_status gcp_iam_no_public_members tokyo-rain-123 PASS
calls=$(fake_requests | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin) if x["op"] == "projects.getIamPolicy"))')
expect_equal "$calls" "3" "getIamPolicy calls"
stop_fake

TEST "a Retry-After beyond collect --max-wait is not waited for: incomplete, exit 6"
start_fake gcp --scenario pass --throttle projects.getIamPolicy:3:30
connect_gcp --key-file "$KEYS/gcp-sa.json"
run collect --types policies --max-wait 5
expect_rc 6
expect_err_contains "rate limited; Google Cloud asks to wait 30 s, beyond the 5 s --max-wait of this collection"
stop_fake

finish
