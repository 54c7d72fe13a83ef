#!/usr/bin/env bash
# `velocity connect azure` and `collect` against tests/fakes/fake_azure.py: client-credentials
# token from AZURE_* variables or a file, a wrong secret exit 3 naming AADSTS7000215, PASS and
# FAIL for each of the five checks, nextLink paging, a denied call (exit 6), --dry-run, rate
# limits waited out and bounded by --max-wait.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_clouds.sh"
require python3

export AZURE_TENANT_ID=11111111-1111-4111-8111-111111111111
export AZURE_CLIENT_ID=22222222-2222-4222-8222-222222222222
export AZURE_CLIENT_SECRET='velocity-fake-secret~0123456789'
export AZURE_SUBSCRIPTION_ID=00000000-0000-0000-0000-000000000000
init_state

connect_azure() {
  run connect azure --name az --authority-host "$FAKE_URL" --arm-endpoint "$FAKE_URL" --replace "$@"
}

start_fake azure --scenario pass

TEST "a wrong client secret: exit 3 with Microsoft's error code"
AZURE_CLIENT_SECRET=wrong connect_azure
expect_rc 3
expect_err_contains "AADSTS7000215"

TEST "connect from the AZURE_* environment, secret stored sealed"
connect_azure --format json
expect_rc 0
expect_out_contains '"status": "healthy"'
expect_out_contains "$AZURE_SUBSCRIPTION_ID"
if grep -rqa "$AZURE_CLIENT_SECRET" "$XDG_DATA_HOME" 2>/dev/null; then fail "secret in clear"; else pass; fi

TEST "collect on the pass scenario: every check passes"
run collect --format json
expect_rc 0
expect_status azure_storage_https_only stprod01 PASS
expect_status azure_storage_min_tls_12 stlogs02 PASS
expect_status azure_storage_no_public_blob stprod01 PASS
expect_status azure_nsg_no_ingress_world_ssh_rdp nsg-web PASS
expect_status azure_rbac_owner_count_limited roleAssignments PASS
pages=$(fake_requests | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin) if x["op"] == "roleAssignments.list"))')
expect_equal "$pages" "3" "role assignment pages"

TEST "collect --dry-run sends nothing"
run collect --dry-run --format json
expect_rc 0
expect_out_contains "roleAssignments.list"
stop_fake

TEST "collect on the fail scenario: every check fails"
start_fake azure --scenario fail
printf 'AZURE_TENANT_ID=%s\nAZURE_CLIENT_ID=%s\nAZURE_CLIENT_SECRET="%s"\nAZURE_SUBSCRIPTION_ID=%s\n' \
  "$AZURE_TENANT_ID" "$AZURE_CLIENT_ID" "$AZURE_CLIENT_SECRET" "$AZURE_SUBSCRIPTION_ID" >"$SUITE_DIR/az.env"
AZURE_CLIENT_SECRET= connect_azure --credentials-file "$SUITE_DIR/az.env"
expect_rc 0
run collect --format json
expect_rc 0
expect_status azure_storage_https_only sthttp01 FAIL
expect_status azure_storage_min_tls_12 sttls02 FAIL
expect_status azure_storage_min_tls_12 stlegacy04 FAIL
expect_status azure_storage_no_public_blob stpublic03 FAIL
expect_status azure_nsg_no_ingress_world_ssh_rdp nsg-open FAIL
expect_status azure_nsg_no_ingress_world_ssh_rdp nsg-range FAIL
expect_status azure_rbac_owner_count_limited roleAssignments FAIL
stop_fake

TEST "a denied storage list: configurations incomplete, policies collected, exit 6"
start_fake azure --scenario pass --deny storageAccounts.list
connect_azure
run collect --format json
expect_rc 6
expect_out_contains "AuthorizationFailed"
expect_status azure_rbac_owner_count_limited roleAssignments PASS
expect_status azure_nsg_no_ingress_world_ssh_rdp nsg-web PASS
stop_fake

TEST "a throttled list is waited out (Retry-After), then collected"
start_fake azure --scenario pass --throttle storageAccounts.list:2:1
connect_azure
run collect --types configurations --format json
expect_rc 0
expect_status azure_storage_https_only stprod01 PASS
calls=$(fake_requests | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin) if x["op"] == "storageAccounts.list"))')
expect_equal "$calls" "3" "storageAccounts.list calls"
stop_fake

TEST "a Retry-After beyond collect --max-wait is not waited for: incomplete, exit 6"
start_fake azure --scenario pass --throttle storageAccounts.list:3:30
connect_azure
run collect --types configurations --max-wait 5
expect_rc 6
expect_err_contains "rate limited; Azure asks to wait 30 s, beyond the 5 s --max-wait of this collection"
expect_err_contains "SubscriptionRequestsThrottled"
stop_fake

finish
