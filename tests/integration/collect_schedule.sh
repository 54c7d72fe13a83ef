#!/usr/bin/env bash
# `velocity collect` from cron (docs/scheduling.md) against a seeded moto: what each run changed
# since the previous one (new failures, fixed findings) in the table, JSON and JSONL summaries,
# and -q printing nothing at all unless something newly fails, across several integrations and
# after an upgrade of the state.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_aws.sh"
require_moto
require sqlite3

start_moto --auth --config-compliance '{"restricted-ssh": "NON_COMPLIANT"}'
init_state
with_moto_keys run connect aws --name prod --endpoint-url "$MOTO_ENDPOINT" --region us-east-1
[ "$RC" -eq 0 ] || { echo "connect failed: $ERR" >&2; exit 1; }

# change_of CHECK RESOURCE-SUBSTRING: "change previous_status" of that finding in the changes of
# the first integration of the collect --format json document in $OUT, or "none".
change_of() {
  json_get "next((c['change'], c['previous_status']) for c in d['integrations'][0]['changes']['findings'] if c['check_id'] == '$1' and '$2' in c['resource_id']) if any(c['check_id'] == '$1' and '$2' in c['resource_id'] for c in d['integrations'][0]['changes']['findings']) else 'none'"
}

TEST "the first collect -q of a failing account prints its news: every failure is new"
run collect -q
expect_rc 0
expect_equal "$ERR" "" "stderr"
expect_out_contains "CHANGE       INTEGRATION  CHECK"
expect_out_contains "new failure  prod         aws_iam_password_policy_minimum_length_14"
expect_out_contains "new failure  prod         aws_s3_bucket_object_versioning"
expect_out_lacks "fixed "
FAILING=$(grep -c '^new failure' <<<"$OUT")
expect_out_contains "prod: first collection: $FAILING new failures; $FAILING failing"
expect_out_lacks "API calls"

TEST "a second collect -q with nothing changed prints nothing at all, exit 0"
run collect -q
expect_rc 0
expect_equal "$OUT" "" "stdout"
expect_equal "$ERR" "" "stderr"

TEST "without -q the table says nothing is new since the previous collection"
run collect
expect_rc 0
expect_out_contains "prod: nothing new since the collection of 20"
expect_out_contains "; $FAILING failing"
expect_out_lacks "CHANGE"

TEST "a fixed finding and a new failure: -q names both, with the counts"
fixture mutate '{"action": "strong-password-policy"}' >/dev/null
fixture mutate '{"action": "stop-logging"}' >/dev/null
run collect -q
expect_rc 0
expect_equal "$ERR" "" "stderr"
# A stopped trail also fails what rests on a logging multi-region trail (CIS 3.1, 3.8, the
# monitoring chain of 4.x): five new failures in all.
expect_equal "$(grep -c '^new failure' <<<"$OUT")" "5" "new failure rows"
expect_out_contains "new failure  prod         aws_cloudtrail_logging_on"
expect_out_contains "new failure  prod         aws_cloudtrail_multi_region_enabled"
expect_out_contains "new failure  prod         aws_cloudwatch_log_metric_filter_unauthorized_api_calls"
expect_out_contains "org-trail"
expect_out_contains "fixed        prod         aws_iam_password_policy_minimum_length_14"
expect_out_contains "fixed        prod         aws_iam_password_policy_reuse_24"
expect_out_contains "prod: 5 new failures, 2 fixed since the collection of 20"
expect_out_contains "; $((FAILING + 3)) failing"

TEST "--format json: the changes of each integration, with the previous status"
fixture mutate '{"action": "root-mfa-on"}' >/dev/null
fixture mutate '{"action": "delete-password-policy"}' >/dev/null
run collect --format json
expect_rc 0
expect_equal "$(json_get 'd["integrations"][0]["changes"]["new_failures"], d["integrations"][0]["changes"]["fixed"]')" "2 2"
expect_equal "$(change_of aws_iam_password_policy_minimum_length_14 123456789012)" "('new_failure', 'PASS')"
expect_equal "$(change_of aws_iam_password_policy_reuse_24 123456789012)" "('new_failure', 'PASS')"
expect_equal "$(change_of aws_iam_root_hardware_mfa_enabled :root)" "('fixed', 'FAIL')"
expect_equal "$(change_of aws_iam_root_mfa_enabled :root)" "('fixed', 'FAIL')"
expect_equal "$(change_of aws_cloudtrail_logging_on org-trail)" "none" "still failing, not new"
expect_equal "$(json_get 'd["integrations"][0]["changes"]["failing"] == sum(1 for f in d["findings"] if f["status"] == "FAIL")')" "True" "failing counts every FAIL"
expect_equal "$(json_get 'd["integrations"][0]["changes"]["previous_run"]["id"] + 1 == d["integrations"][0]["run_id"]')" "True" "compared with the run before"
expect_equal "$(json_get 'd["integrations"][0]["changes"]["previous_run"]["outcome"]')" "success"

TEST "-q with --format json still writes the document: a reader expects one"
run collect -q --format json
expect_rc 0
expect_equal "$(json_get 'd["integrations"][0]["changes"]["new_failures"], d["integrations"][0]["changes"]["fixed"], len(d["integrations"][0]["changes"]["findings"])')" "0 0 0"

TEST "--format jsonl: the summary line carries the changes"
fixture mutate '{"action": "strong-password-policy"}' >/dev/null
run collect --format jsonl --types policies
expect_rc 0
expect_equal "$(tail -1 <<<"$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["type"], d["changes"]["fixed"], [c["check_id"] for c in d["changes"]["findings"]])')" "summary 2 ['aws_iam_password_policy_minimum_length_14', 'aws_iam_password_policy_reuse_24']"

TEST "several integrations: each is compared with its own previous run; a new one's failures are news"
with_moto_keys run connect aws --name staging --endpoint-url "$MOTO_ENDPOINT" --region us-east-1
expect_rc 0
run collect -q --all
expect_rc 0
expect_equal "$ERR" "" "stderr"
expect_out_contains "new failure  staging      aws_iam_user_mfa_enabled_console_access"
expect_out_lacks "  prod  "
expect_out_contains "staging: first collection:"
expect_out_lacks "prod:"
run collect -q --all
expect_rc 0
expect_equal "$OUT" "" "stdout of the second --all"
expect_equal "$ERR" "" "stderr of the second --all"

TEST "only fixed findings: -q stays silent (nothing new fails); the table still says so"
fixture mutate '{"action": "close-ssh"}' >/dev/null
run collect -q -i prod
expect_rc 0
expect_equal "$OUT" "" "stdout"
expect_equal "$ERR" "" "stderr"
run collect -i staging
expect_rc 0
expect_out_contains "staging: 0 new failures, 1 fixed since the collection of 20"

TEST "exit codes are kept under -q: --fail-on and errors always speak on stderr"
run collect -q -i prod --fail-on high
expect_rc 1
expect_equal "$OUT" "" "stdout"
expect_err_contains "at or above severity high"
fault GetAccountAuthorizationDetails access-denied 1
run collect -q -i prod --types policies
expect_rc 6
expect_equal "$OUT" "" "stdout"
expect_err_contains "incomplete: policies (123456789012): iam:GetAccountAuthorizationDetails: AccessDenied"
expect_err_contains "velocity: error: the collection of integration prod is incomplete"

TEST "--all with one integration locked: the others' news prints, then the lock error, exit 1"
fixture mutate '{"action": "strong-password-policy"}' >/dev/null
run collect -q --all
expect_equal "$OUT$ERR" "" "only fixed findings: silent"
fixture mutate '{"action": "delete-password-policy"}' >/dev/null
fault GetAccountAuthorizationDetails slow 1 3
"$VELOCITY_BIN" collect -q -i staging --types policies >"$SUITE_DIR/staging.out" 2>&1 &
STAGING=$!
sleep 1.5
run collect -q --all
expect_rc 1
expect_out_contains "new failure  prod         aws_iam_password_policy_minimum_length_14"
expect_out_contains "prod: 2 new failures, 0 fixed since the collection of 20"
expect_out_lacks "staging"
expect_err_contains "velocity: error: integration staging is being collected already: pid $STAGING"
run audit log --action evidence.collect --outcome failure --format json
expect_equal "$(json_get 'd[-1]["resource_id"], d[-1]["details"]["exit_code"]')" "staging 1" "the lock is logged against staging"
wait "$STAGING"
expect_equal "$?" "0" "the staging collection finished"
expect_equal "$(grep -c '^new failure  staging      aws_iam_password_policy_minimum_length_14' "$SUITE_DIR/staging.out")" "1" "staging's news, from its own run"
run collect -q --all
expect_rc 0
expect_equal "$OUT$ERR" "" "nothing left to report"

TEST "a state from before run marks (schema 2) upgrades: its standing failures are not news"
STATE="$XDG_DATA_HOME/velocity/velocity.db"
sqlite3 "$STATE" "DROP TABLE acceptances; DROP INDEX findings_by_status_run; ALTER TABLE findings DROP COLUMN status_since_run_id; PRAGMA user_version = 2"
run collect -q --all
expect_rc 0
expect_equal "$OUT" "" "stdout"
expect_equal "$ERR" "" "stderr"
expect_equal "$(sqlite3 "$STATE" "PRAGMA user_version")" "6" "schema version after the upgrade"
fixture mutate '{"action": "strong-password-policy"}' >/dev/null
run collect -i prod
expect_rc 0
expect_out_contains "fixed   prod         aws_iam_password_policy_minimum_length_14"
expect_out_contains "prod: 0 new failures, 2 fixed since the collection of 20"

finish
