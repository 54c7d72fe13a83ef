#!/usr/bin/env bash
# `velocity connect azure` and `collect` against tests/fakes/fake_azure.py: client-credentials
# token from AZURE_* variables or a file, a wrong secret exit 3 naming AADSTS7000215, PASS and
# FAIL for every Azure check, nextLink paging, denied calls (their checks not evaluated, exit 6),
# resource providers not registered (nothing to judge, exit 0), --dry-run, rate limits waited
# out and bounded by --max-wait, every subscription listed when AZURE_SUBSCRIPTION_ID is unset.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_clouds.sh"
require python3

export AZURE_TENANT_ID=11111111-1111-4111-8111-111111111111
export AZURE_CLIENT_ID=22222222-2222-4222-8222-222222222222
export AZURE_CLIENT_SECRET='velocity-fake-secret~0123456789'
export AZURE_SUBSCRIPTION_ID=00000000-0000-0000-0000-000000000000
init_state

# every_check_is STATUS [CHECK...]: every Azure check but the CHECKs named has findings in $OUT
# and, for PASS, all of them pass; for FAIL, each check has at least one failure.
every_check_is() {
  printf '%s' "$OUT" >"$SUITE_DIR/out.json"
  "$VELOCITY_BIN" checks list --platform azure --format json >"$SUITE_DIR/checks.json"
  local problems
  problems=$(python3 - "$SUITE_DIR/out.json" "$SUITE_DIR/checks.json" "$@" <<'PY'
import json, sys
findings, want, skipped = json.load(open(sys.argv[1]))["findings"], sys.argv[3], sys.argv[4:]
checks = json.load(open(sys.argv[2]))
ids = [c["id"] for c in (checks["checks"] if isinstance(checks, dict) else checks)
       if c["id"] not in skipped]
for check in ids:
    got = [f["status"] for f in findings if f["check_id"] == check]
    if not got:
        print("%s: no finding" % check)
    elif (want == "PASS" and set(got) != {"PASS"}) or (want == "FAIL" and "FAIL" not in got):
        print("%s: %s" % (check, ",".join(got)))
print("%d checks" % len(ids), file=sys.stderr)
PY
)
  expect_equal "$problems" "" "checks not all $1"
}

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
# Judging the access-policy variants of key and secret expiry needs an access-policy vault, which
# fails azure_keyvault_rbac_enabled: the fail scenario judges them.
every_check_is PASS azure_keyvault_key_expiration_set_in_non_rbac \
  azure_keyvault_non_rbac_secret_expiration_set
expect_status azure_storage_ensure_soft_delete_is_enabled stprod01 PASS
expect_status azure_keyvault_rbac_secret_expiration_set kv-prod-01 PASS
expect_status azure_storage_secure_transfer_required_is_enabled stprod01 PASS
expect_status azure_storage_ensure_minimum_tls_version_12 stlogs02 PASS
expect_status azure_network_ssh_internet_access_restricted nsg-web PASS
expect_status azure_defender_ensure_defender_for_server_is_on pricings/VirtualMachines PASS
expect_status azure_monitor_alert_delete_nsg activityLogAlerts PASS
expect_status azure_keyvault_recoverable kv-prod-01 PASS
expect_status azure_vm_ensure_using_managed_disks vm-web-01 PASS
expect_status azure_sqlserver_unrestricted_inbound_access sql-prod-01 PASS
expect_status azure_app_ftp_deployment_disabled app-web-01 PASS
expect_status azure_rbac_owner_count_limited roleAssignments PASS
pages=$(fake_requests | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin) if x["op"] == "roleAssignments.list"))')
expect_equal "$pages" "3" "role assignment pages"

TEST "collect --dry-run sends nothing"
before=$(fake_requests | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
run collect --dry-run --format json
expect_rc 0
for call in roleAssignments.list pricings.list subscriptionDiagnosticSettings.list \
  activityLogAlerts.listBySubscriptionId vaults.listBySubscription virtualMachines.listAll \
  servers.list transparentDataEncryptions.get webApps.list webApps.getConfiguration; do
  expect_out_contains "$call"
done
after=$(fake_requests | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_equal "$after" "$before" "requests after --dry-run"

TEST "connect evidence-types azure lists the new types and their calls"
run connect evidence-types azure
expect_rc 0
for text in defender monitoring pricings.list activityLogAlerts.listBySubscriptionId; do
  expect_out_contains "$text"
done
stop_fake

TEST "collect on the fail scenario: every check fails"
start_fake azure --scenario fail
printf 'AZURE_TENANT_ID=%s\nAZURE_CLIENT_ID=%s\nAZURE_CLIENT_SECRET="%s"\nAZURE_SUBSCRIPTION_ID=%s\n' \
  "$AZURE_TENANT_ID" "$AZURE_CLIENT_ID" "$AZURE_CLIENT_SECRET" "$AZURE_SUBSCRIPTION_ID" >"$SUITE_DIR/az.env"
AZURE_CLIENT_SECRET= connect_azure --credentials-file "$SUITE_DIR/az.env"
expect_rc 0
run collect --format json
expect_rc 0
every_check_is FAIL
expect_status azure_storage_secure_transfer_required_is_enabled sthttp01 FAIL
expect_status azure_storage_ensure_minimum_tls_version_12 sttls02 FAIL
expect_status azure_storage_ensure_minimum_tls_version_12 stlegacy04 FAIL
expect_status azure_storage_blob_public_access_level_is_disabled stpublic03 FAIL
expect_status azure_network_ssh_internet_access_restricted nsg-open FAIL
expect_status azure_network_ssh_internet_access_restricted nsg-range FAIL
expect_status azure_network_rdp_internet_access_restricted nsg-open FAIL
expect_status azure_network_udp_internet_access_restricted nsg-open FAIL
expect_status azure_monitor_alert_create_update_nsg activityLogAlerts FAIL
expect_status azure_monitor_alert_create_policy_assignment activityLogAlerts FAIL
expect_status azure_vm_ensure_using_managed_disks vm-legacy-01 FAIL
expect_status azure_keyvault_key_expiration_set_in_non_rbac kv-legacy-01 FAIL
expect_status azure_keyvault_rbac_key_expiration_set kv-rbac-02 FAIL
expect_status azure_keyvault_rbac_key_expiration_set kv-legacy-01 none
expect_status azure_sqlserver_tde_encryption_enabled sql-legacy-01 FAIL
expect_status azure_sqlserver_unrestricted_inbound_access sql-legacy-01 FAIL
expect_status azure_app_minimum_tls_version_12 app-legacy-01 FAIL
expect_status azure_rbac_owner_count_limited roleAssignments FAIL
stop_fake

TEST "denied lists: only their checks are not evaluated, the rest collected, exit 6"
start_fake azure --scenario pass --deny storageAccounts.list --deny pricings.list \
  --deny activityLogAlerts.listBySubscriptionId --deny serverBlobAuditingPolicies.listByServer
connect_azure
run collect --format json
expect_rc 6
expect_out_contains "Microsoft.Security/pricings/read"
expect_out_contains "Microsoft.Insights/activityLogAlerts/read"
expect_status azure_storage_secure_transfer_required_is_enabled stprod01 none
expect_status azure_defender_ensure_defender_for_server_is_on pricings none
expect_status azure_monitor_alert_delete_nsg activityLogAlerts none
expect_status azure_monitor_diagnostic_settings_exists diagnosticSettings PASS
expect_status azure_rbac_owner_count_limited roleAssignments PASS
expect_status azure_network_ssh_internet_access_restricted nsg-web PASS
expect_status azure_keyvault_rbac_enabled kv-prod-01 PASS
expect_out_contains "Microsoft.Sql/servers/auditingSettings/read"
expect_status azure_sqlserver_auditing_enabled sql-prod-01 none
expect_status azure_sqlserver_azuread_administrator_enabled sql-prod-01 PASS
stop_fake

TEST "resource providers not registered: no such resources, nothing incomplete, exit 0"
start_fake azure --scenario pass \
  --set 'unregistered_providers=["Microsoft.KeyVault","Microsoft.Compute","Microsoft.Sql","Microsoft.Web"]'
connect_azure
run collect --types configurations,databases,app_services --format json
expect_rc 0
expect_status azure_keyvault_recoverable kv-prod-01 none
expect_status azure_vm_encryption_at_host_enabled vm-web-01 none
expect_status azure_sqlserver_auditing_enabled sql-prod-01 none
expect_status azure_app_minimum_tls_version_12 app-web-01 none
expect_status azure_storage_account_key_access_disabled stprod01 PASS
stop_fake

TEST "a throttled list is waited out (Retry-After), then collected"
start_fake azure --scenario pass --throttle storageAccounts.list:2:1
connect_azure
run collect --types configurations --format json
expect_rc 0
expect_status azure_storage_secure_transfer_required_is_enabled stprod01 PASS
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

TEST "no AZURE_SUBSCRIPTION_ID: every enabled subscription listed is collected"
empty_sub=aaaaaaaa-0000-4000-8000-00000000000a
disabled_sub=bbbbbbbb-0000-4000-8000-00000000000b
start_fake azure --scenario pass --set "extra_subscriptions=[{\"subscriptionId\": \"$empty_sub\", \"displayName\": \"Sandbox\"}, {\"subscriptionId\": \"$disabled_sub\", \"displayName\": \"Old\", \"state\": \"Disabled\"}]"
AZURE_SUBSCRIPTION_ID= connect_azure --format json
expect_rc 0
expect_out_contains '"status": "healthy"'
expect_out_contains "3 subscriptions"
run collect --format json
expect_rc 0
expect_status azure_storage_secure_transfer_required_is_enabled stprod01 PASS
expect_status azure_monitor_diagnostic_settings_exists "$AZURE_SUBSCRIPTION_ID" PASS
expect_status azure_monitor_diagnostic_settings_exists "$empty_sub" FAIL
expect_status azure_rbac_owner_count_limited "$empty_sub" PASS
expect_status azure_sqlserver_auditing_enabled "$empty_sub" none
calls=$(fake_requests | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin) if sys.argv[1] in x["path"]))' "$disabled_sub")
expect_equal "$calls" "0" "calls into the disabled subscription"
run collect --dry-run
expect_rc 0
expect_out_contains "subscriptions.list"
stop_fake

finish
