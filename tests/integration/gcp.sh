#!/usr/bin/env bash
# `velocity connect gcp` and `collect` against tests/fakes/fake_gcp.py: the JWT-bearer grant
# signed with the key file's key (the fake verifies signature and claims), a wrong key exit 3
# with Google's error, PASS and FAIL for every GCP check of the catalogue, a denied call (only
# its checks not evaluated, exit 6), APIs disabled on the project (their checks not evaluated,
# the run complete), every page followed, the token cached across calls, --dry-run, rate limits
# waited out and bounded by --max-wait.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_clouds.sh"
require python3
require sqlite3

KEYS="$VELOCITY_SOURCE_DIR/tests/fakes/keys"
init_state

# every_check STATUS: each GCP check of the catalogue has findings in $OUT (collect --format
# json), and every finding is STATUS (PASS); or each check has at least one STATUS finding (FAIL).
every_check() {
  "$VELOCITY_BIN" checks list --platform gcp --format json >"$SUITE_DIR/gcp-checks.json"
  printf '%s' "$OUT" >"$SUITE_DIR/out.json"
  local wrong
  wrong=$(python3 - "$1" "$SUITE_DIR/gcp-checks.json" "$SUITE_DIR/out.json" <<'PY'
import json, sys
want = sys.argv[1]
checks = [c["id"] for c in json.load(open(sys.argv[2]))]
found = {}
for f in json.load(open(sys.argv[3]))["findings"]:
    found.setdefault(f["check_id"], []).append(f["status"])
bad = [c + ":" + ",".join(found.get(c, ["none"])) for c in checks
       if not found.get(c) or (want == "PASS" and set(found[c]) != {"PASS"})
       or (want == "FAIL" and "FAIL" not in found[c])]
print(" ".join(bad))
PY
)
  expect_equal "$wrong" "" "GCP checks without a $1"
}

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
every_check PASS
expect_status gcp_compute_firewall_ssh_access_from_the_internet_allowed prod-allow-https PASS
expect_status gcp_cloudsql_instance_mysql_local_infile_flag legacy-mysql PASS
expect_equal "$(( $(token_requests) - tokens_before ))" "1" "token requests of the collection"

TEST "connect evidence-types lists every GCP evidence type"
run connect evidence-types gcp
expect_rc 0
for type in policies configurations service_accounts kms_keys storage_buckets logging networks \
  instances sql_instances; do
  expect_out_contains "$type"
done

TEST "collect --dry-run sends nothing"
run collect --dry-run --format json
expect_rc 0
expect_out_contains "getIamPolicy"
expect_out_contains "services.list"
for call in serviceAccounts.keys.list cryptoKeys.getIamPolicy buckets.getIamPolicy \
  alertPolicies.list subnetworks.aggregatedList managedZones.list instances.aggregatedList \
  sqladmin; do
  expect_out_contains "$call"
done
stop_fake

TEST "collect on the fail scenario: every check fails"
start_fake gcp --scenario fail
connect_gcp --key-file "$KEYS/gcp-sa.json"
expect_rc 0
run collect --format json
expect_rc 0
every_check FAIL
expect_status gcp_compute_firewall_ssh_access_from_the_internet_allowed default-allow-rdp PASS
expect_status gcp_compute_firewall_rdp_access_from_the_internet_allowed default-allow-rdp FAIL
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

TEST "APIs disabled on the project: their checks not evaluated, named, the run complete"
start_fake gcp --scenario apis-disabled
connect_gcp --key-file "$KEYS/gcp-sa.json"
run collect --format json
expect_rc 0
expect_status gcp_cloudsql_instance_public_ip tokyo-rain-123 none
expect_status gcp_compute_instance_public_ip tokyo-rain-123 none
expect_status gcp_dns_dnssec_disabled tokyo-rain-123 none
expect_status gcp_cloudstorage_bucket_public_access tokyo-rain-data PASS
OUT=$(stored_resources)
expect_out_contains "projects/tokyo-rain-123/services/sqladmin.googleapis.com"
expect_out_contains "projects/tokyo-rain-123/services/compute.googleapis.com"
expect_out_contains "projects/tokyo-rain-123/services/dns.googleapis.com"
skipped=$(fake_requests | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin) if x["op"] in ("firewalls.list", "subnetworks.aggregatedList", "managedZones.list")))')
expect_equal "$skipped" "0" "calls to an API already found disabled"
disabled_id=$(sqlite3 "$XDG_DATA_HOME/velocity/velocity.db" \
  "SELECT id FROM evidence WHERE resource_id LIKE '%/services/sqladmin.googleapis.com'")
run evidence show "$disabled_id" --format json
expect_rc 0
expect_out_contains "gcp_cloudsql_instance_ssl_connections"
expect_out_contains "before or it is disabled"
stop_fake

TEST "a denied Cloud SQL list: only its checks not evaluated, the permission named, exit 6"
start_fake gcp --scenario pass --deny sql.instances.list
connect_gcp --key-file "$KEYS/gcp-sa.json"
run collect --format json
expect_rc 6
expect_out_contains "not evaluated: gcp_cloudsql_instance_public_ip"
expect_out_contains "cloudsql.instances.list, e.g. in roles/cloudsql.viewer"
expect_status gcp_cloudsql_instance_public_ip tokyo-rain-123 none
expect_status gcp_compute_instance_public_ip web-1 PASS
expect_status gcp_kms_key_rotation_max_90_days cryptoKeys/data PASS
stop_fake

TEST "every ACTIVE project the key can list is collected unless connect names one"
start_fake gcp --scenario two-projects
connect_gcp --key-file "$KEYS/gcp-sa.json"
run collect --format json
expect_rc 0
expect_status gcp_iam_no_public_members projects/tokyo-rain-123/ PASS
expect_status gcp_iam_no_public_members projects/tokyo-rain-staging/ PASS
expect_status gcp_compute_instance_public_ip projects/tokyo-rain-staging/ PASS
expect_status gcp_iam_no_public_members projects/tokyo-rain-old/ none
connect_gcp --key-file "$KEYS/gcp-sa.json" --project tokyo-rain-staging
run collect --format json
expect_rc 0
expect_status gcp_iam_no_public_members projects/tokyo-rain-staging/ PASS
listed=$(fake_requests | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin) if x["op"] == "projects.list"))')
expect_equal "$listed" "1" "projects.list calls (none once --project narrows)"
stop_fake

TEST "a denied projects.list: the key's project still collected, the others named missing, exit 6"
start_fake gcp --scenario two-projects --deny projects.list
connect_gcp --key-file "$KEYS/gcp-sa.json"
run collect --format json
expect_rc 6
expect_out_contains "only this project was collected"
expect_status gcp_iam_no_public_members projects/tokyo-rain-123/ PASS
expect_status gcp_iam_no_public_members projects/tokyo-rain-staging/ none
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

TEST "every page of every list is followed"
start_fake gcp --scenario pass --set services_page_size=1 --set page_size=1
connect_gcp --key-file "$KEYS/gcp-sa.json"
run collect --format json
expect_rc 0
every_check PASS
pages=$(fake_requests | python3 -c 'import collections,json,sys; c = collections.Counter(x["op"] for x in json.load(sys.stdin)); print(" ".join(op for op in ("services.list", "serviceAccounts.list", "locations.list", "buckets.list", "metrics.list", "alertPolicies.list", "firewalls.list", "subnetworks.aggregatedList", "managedZones.list", "sql.instances.list") if c[op] < 2))')
expect_equal "$pages" "" "lists read in one page"
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
