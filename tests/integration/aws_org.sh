#!/usr/bin/env bash
# Whole AWS organisations (--organization-role: Organizations ListAccounts, then AssumeRole in
# each member account) and cross-account collection with --role-arn, against moto.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_aws.sh"
require_moto

start_moto
init_state
read -r MEMBER_ONE MEMBER_TWO <<<"$MOTO_MEMBERS"

TEST "connect aws --organization-role"
with_moto_keys run connect aws --name org --endpoint-url "$MOTO_ENDPOINT" --region us-east-1 \
  --organization-role OrganizationAccountAccessRole --format json
expect_rc 0
expect_out_contains '"status": "healthy"'
expect_out_contains '"organization_role": "OrganizationAccountAccessRole"'

TEST "--dry-run shows the organisation calls"
run collect --dry-run --types encryption_status
expect_rc 0
expect_out_contains "organizations:ListAccounts"
expect_out_contains "sts:AssumeRole"

TEST "collect every account of the organisation into one result, account id on each finding"
run collect --types encryption_status --format json
expect_rc 0
expect_equal "$(json_get 'sorted(d["integrations"][0]["accounts"])')" "$(python3 -c "print(sorted(['$MOTO_ACCOUNT', '$MEMBER_ONE', '$MEMBER_TWO']))")"
expect_equal "$(json_get '[f["account_id"] for f in d["findings"] if f["resource_id"]=="member-one-bucket"][0]')" "$MEMBER_ONE"
expect_equal "$(json_get '[f["account_id"] for f in d["findings"] if f["resource_id"]=="velocity-logs"][0]')" "$MOTO_ACCOUNT"

TEST "one account failing does not stop the others: exit 6 naming it"
fault AssumeRole access-denied 1
run collect --types encryption_status --format json
expect_rc 6
expect_err_contains "cannot assume arn:aws:iam::"
expect_equal "$(json_get 'len(d["integrations"][0]["failed_accounts"])')" "1"
expect_equal "$(json_get 'any(f["resource_id"]=="velocity-logs" for f in d["findings"])')" "True"

TEST "evidence of different accounts is kept apart"
run evidence list --check aws_s3_bucket_object_versioning --format json
expect_equal "$(json_get 'len({f["account_id"] for f in d})')" "2"

TEST "--role-arn collects as the assumed role"
with_moto_keys run connect aws --name member --endpoint-url "$MOTO_ENDPOINT" --region us-east-1 \
  --role-arn "arn:aws:iam::$MEMBER_ONE:role/OrganizationAccountAccessRole" --format json
expect_rc 0
expect_equal "$(json_get 'd["account_id"]')" "$MEMBER_ONE"
run collect --integration member --types encryption_status --format json
expect_rc 0
expect_equal "$(json_get 'sorted({f["resource_id"] for f in d["findings"]})')" "['$MEMBER_ONE', 'member-one-bucket']" "the member's bucket and its account-level S3 block"
expect_equal "$(json_get '{f["account_id"] for f in d["findings"]} == {"'"$MEMBER_ONE"'"}')" "True"

TEST "an AssumeRole that is denied: exit 4"
fault AssumeRole access-denied 1
run collect --integration member --types encryption_status
expect_rc 4
expect_err_contains "AccessDenied"

finish
