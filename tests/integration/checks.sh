#!/usr/bin/env bash
# velocity checks: list (filters, JSON), show, unknown ids, and bad check catalogues given with
# --frameworks-dir or VELOCITY_FRAMEWORKS_DIR.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require python3

unset VELOCITY_FRAMEWORKS_DIR

TEST "list --format json: every check the platforms run, each with its controls and why"
run checks list --format json
expect_rc 0
listed=$(json_get 'sorted(c["id"] for c in d)')
evaluated=$(for platform in aws gcp azure github; do
  "$VELOCITY_BIN" connect evidence-types "$platform" --format json |
    python3 -c 'import json,sys; [print(c["id"]) for t in json.load(sys.stdin)["evidence_types"] for c in t["checks"]]'
done | python3 -c 'import sys; print(sorted(l.strip() for l in sys.stdin))')
expect_equal "$listed" "$evaluated" "checks list and the platforms' checks"
expect_equal "$(json_get 'sorted(set(tuple(sorted(c)) for c in d))')" \
  "[('controls', 'evidence_type', 'id', 'platform', 'references', 'remediation', 'risk', 'service', 'severity', 'title')]"
expect_equal "$(json_get 'all(c["controls"] and all(m["id"] and m["why"] for ms in c["controls"].values() for m in ms) for c in d)')" "True"
expect_equal "$(json_get 'all(set(m) == {"id", "why"} for c in d for ms in c["controls"].values() for m in ms)')" "True"
expect_equal "$(json_get 'sorted({c["severity"] for c in d})')" "['critical', 'high', 'low', 'medium']"

TEST "list as a table"
run checks list
expect_rc 0
expect_out_contains "ID"
expect_out_contains "SEVERITY"
expect_out_contains "aws_iam_root_mfa_enabled"
expect_out_contains "github_repository_default_branch_protection_applies_to_admins"
expect_err_contains "checks (frameworks/checks)"

TEST "filters: platform, severity, service, framework"
run checks list --platform gcp --format json
expect_rc 0
expect_equal "$(json_get 'len(d) > 0 and all(c["platform"] == "gcp" for c in d)')" "True"
run checks list --severity critical --format json
expect_equal "$(json_get 'sorted(c["id"] for c in d)')" \
  "['aws_ec2_securitygroup_allow_ingress_from_internet_to_all_ports', 'aws_iam_no_root_access_key', 'aws_iam_root_mfa_enabled', 'aws_rds_instance_no_public_access', 'gcp_cloudsql_instance_public_access', 'gcp_cloudstorage_bucket_public_access', 'gcp_iam_no_public_members', 'gcp_kms_key_not_publicly_accessible']"
run checks list --service s3 --format json
expect_equal "$(json_get 'sorted(c["id"] for c in d)')" \
  "['aws_s3_account_level_public_access_blocks', 'aws_s3_bucket_default_encryption', 'aws_s3_bucket_level_public_access_block', 'aws_s3_bucket_no_mfa_delete', 'aws_s3_bucket_object_versioning', 'aws_s3_bucket_secure_transport_policy']"
run checks list --framework hipaa --format json
expect_equal "$(json_get 'len(d) > 0 and all(c["controls"].get("hipaa") for c in d)')" "True"
run checks list --framework hipaa
expect_out_contains "hipaa CONTROLS"
expect_out_contains "164.312(a)(2)(iv)"
expect_out_lacks "github_organization_members_mfa_required"
run checks list --platform aws --severity HIGH --service ec2 --format json
FILTERED=$(json_get 'sorted(c["id"] for c in d)')
run checks list --format json
expect_equal "$FILTERED" "$(json_get 'sorted(c["id"] for c in d if c["platform"] == "aws" and c["severity"] == "high" and c["service"] == "ec2")')"
expect_equal "$(grep -c "'aws_ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22'" <<<"$FILTERED")" "1"

TEST "a filter value nothing has is refused, with the close one"
run checks list --platform gcpp
expect_rc 2
expect_err_contains "--platform gcpp: no check has this platform (did you mean gcp?)"
run checks list --service s4
expect_rc 2
expect_err_contains "did you mean s3?"
run checks list --severity severe
expect_rc 2
expect_err_contains "--severity severe is not a severity"
run checks list --framework soc
expect_rc 2
expect_err_contains "unknown framework 'soc' (did you mean 'soc2'?)"

TEST "show: what it tests, how to fix it, and each control with why"
run checks show aws_s3_bucket_level_public_access_block
expect_rc 0
expect_out_contains "aws_s3_bucket_level_public_access_block: Every bucket is covered by all four public access block settings, its own or the account's"
expect_out_contains "Severity:   high"
expect_out_contains "aws s3api put-public-access-block"
expect_out_contains "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
expect_out_contains "s3_bucket_level_public_access_block"
expect_out_contains "Tests that access to stored information stays restricted to authorised identities."
expect_out_contains "cis-aws-5.0"
run checks show aws_s3_bucket_level_public_access_block --format json
expect_rc 0
expect_equal "$(json_get 'list(d)')" \
  "['controls', 'evidence_type', 'id', 'platform', 'references', 'remediation', 'risk', 'service', 'severity', 'title']"
expect_equal "$(json_get 'd["platform"], d["service"], d["evidence_type"], d["severity"]')" \
  "aws s3 encryption_status high"
expect_equal "$(json_get 'sorted(d["remediation"]), len(d["remediation"]["steps"]) > 0')" \
  "['cli', 'steps', 'url'] True"
expect_equal "$(json_get 'd["references"]["cis"]["recommendations"], d["references"]["prowler"]')" \
  "['2.1.4'] ['s3_bucket_level_public_access_block']"
expect_equal "$(json_get '[m["id"] for m in d["controls"]["iso27001"]], [m["id"] for m in d["controls"]["cis-aws-5.0"]]')" \
  "['A.8.3'] ['2.1.4']"

TEST "the mappings the review removed stay removed"
run checks show aws_cloudtrail_logging_on --format json
expect_equal "$(json_get '[m["id"] for m in d["controls"]["iso27001"]]')" "['A.8.15']"
run checks show github_repository_default_branch_protection_enabled --format json
expect_equal "$(json_get '"CC3.4" in [m["id"] for m in d["controls"]["soc2"]]')" "False"
# PCI DSS 3.5.1.2: encryption that any authorised reader gets decrypted (disk, volume, file system,
# server-side object) does not alone make stored PAN unreadable, so it is no evidence for 3.5.1.
for id in aws_ec2_ebs_default_encryption aws_ec2_ebs_volume_encryption aws_efs_encryption_at_rest_enabled \
  aws_rds_instance_storage_encrypted aws_s3_bucket_default_encryption; do
  run checks show "$id" --format json
  expect_equal "$(json_get '[m["id"] for m in d["controls"].get("pci-dss", [])]')" "[]"
done
# The root user is a generic ID, not a system or application account (8.6.1).
run checks show aws_iam_no_root_access_key --format json
expect_equal "$(json_get '[m["id"] for m in d["controls"]["pci-dss"]]')" "['8.2.2']"
# An alert on a change is an automated log review (10.4.1.1), not what the log records (10.2.1.5).
for id in gcp_logging_log_metric_filter_and_alert_for_project_ownership_changes_enabled \
  gcp_logging_log_metric_filter_and_alert_for_custom_role_changes_enabled; do
  run checks show "$id" --format json
  expect_equal "$(json_get '[m["id"] for m in d["controls"]["pci-dss"]]')" "['10.4.1.1']"
done

TEST "show of an unknown id: exit 2 with the nearest ids"
run checks show nosuch
expect_rc 2
expect_err_contains "no check has the id 'nosuch'"
expect_err_contains "the nearest ids are"
run checks show aws_iam_root_mfa_enable
expect_rc 2
expect_err_contains "the nearest ids are aws_iam_root_mfa_enabled,"

TEST "a custom catalogue with its own checks/ is used"
custom="$SUITE_DIR/custom"
mkdir -p "$custom/checks"
cp "$VELOCITY_SOURCE_DIR"/frameworks/*.yaml "$custom/"
cp "$VELOCITY_SOURCE_DIR"/frameworks/checks/*.yaml "$custom/checks/"
sed -i 's/^    title: The root user has MFA$/    title: Root signs in with MFA/' "$custom/checks/aws-iam.yaml"
run checks show aws_iam_root_mfa_enabled --frameworks-dir "$custom"
expect_rc 0
expect_out_contains "Root signs in with MFA"
OUT=$(VELOCITY_FRAMEWORKS_DIR="$custom" "$VELOCITY_BIN" checks list 2>&1) && RC=0 || RC=$?
expect_rc 0
expect_out_contains "$custom/checks"

# line_of FILE TEXT: the line number of the first line of FILE equal to TEXT.
line_of() { grep -nxF -- "$2" "$1" | head -1 | cut -d: -f1; }

# broken NAME: a fresh copy of the custom catalogue in $SUITE_DIR/NAME, printed.
broken() {
  rm -rf "$SUITE_DIR/$1"
  cp -r "$custom" "$SUITE_DIR/$1"
  echo "$SUITE_DIR/$1"
}

TEST "bad catalogue: a missing field, named with file:line"
dir=$(broken missing)
aws="$dir/checks/aws-iam.yaml"
line=$(line_of "$aws" "  - id: aws_iam_rotate_access_key_90_days")
sed -i "$((line + 4))"'{/^    severity: medium$/d}' "$aws"
run checks list --frameworks-dir "$dir"
expect_rc 2
expect_err_contains "$aws:$line:5: check 'aws_iam_rotate_access_key_90_days': 'severity' is missing"

TEST "bad catalogue: a severity that is not one"
dir=$(broken severity)
aws="$dir/checks/aws-iam.yaml"
line=$(line_of "$aws" "  - id: aws_iam_root_mfa_enabled")
sed -i "$((line + 4))s/severity: critical/severity: urgent/" "$aws"
run checks list --frameworks-dir "$dir"
expect_rc 2
expect_err_contains "$aws:$((line + 4)):15: check 'aws_iam_root_mfa_enabled': 'severity' is 'urgent'; use low, medium, high or critical"

TEST "bad catalogue: an unknown control and an unknown framework"
dir=$(broken control)
gcp="$dir/checks/gcp-iam.yaml"
sed -i 's/        - id: "A.8.3"/        - id: "A.8.99"/' "$gcp"
line=$(line_of "$gcp" '        - id: "A.8.99"')
run checks show gcp_iam_no_public_members --frameworks-dir "$dir"
expect_rc 2
expect_err_contains "$gcp:$line: check 'gcp_iam_no_public_members': 'controls.iso27001' names 'A.8.99', which is not a control in $dir/iso27001.yaml"
dir=$(broken framework)
github="$dir/checks/github-organization.yaml"
sed -i '0,/^      nist-csf-2:$/s//      nist-csf:/' "$github"
line=$(line_of "$github" "      nist-csf:")
run checks list --frameworks-dir "$dir"
expect_rc 2
expect_err_contains "$github:$line: check 'github_organization_members_mfa_required': 'controls' names framework 'nist-csf', which has no catalogue (did you mean 'nist-csf-2'?)"

TEST "bad catalogue: an id used twice"
dir=$(broken duplicate)
iam="$dir/checks/aws-iam.yaml"
first=$(line_of "$iam" "  - id: aws_iam_root_mfa_enabled")
second=$(line_of "$iam" "  - id: aws_iam_rotate_access_key_90_days")
sed -i 's/^  - id: aws_iam_rotate_access_key_90_days$/  - id: aws_iam_root_mfa_enabled/' "$iam"
run checks list --frameworks-dir "$dir"
expect_rc 2
expect_err_contains "$iam:$second:5: check 'aws_iam_root_mfa_enabled': 'id' is also used at $iam:$first"

TEST "bad catalogue: an entry in the file of another service"
dir=$(broken service)
s3="$dir/checks/aws-s3.yaml"
line=$(line_of "$s3" "    service: s3")
sed -i "${line}s/service: s3/service: config/" "$s3"
run checks list --frameworks-dir "$dir"
expect_rc 2
expect_err_contains "$s3:$line:14: check 'aws_s3_bucket_default_encryption': 'service' is 'config' but the file is aws-s3.yaml; move the entry to aws-config.yaml"

TEST "bad catalogue: an entry without an evaluator, an evaluator without an entry"
dir=$(broken evaluators)
azure="$dir/checks/azure-iam.yaml"
line=$(line_of "$azure" "  - id: azure_rbac_owner_count_limited")
sed -i 's/^  - id: azure_rbac_owner_count_limited$/  - id: azure_rbac_owner_count_limit/' "$azure"
run checks list --frameworks-dir "$dir"
expect_rc 2
expect_err_contains "$azure:$line: check 'azure_rbac_owner_count_limit': 'id' names no check the azure platform evaluates (did you mean 'azure_rbac_owner_count_limited'?)"
expect_err_contains "$dir/checks: the azure platform evaluates 'azure_rbac_owner_count_limited' but no entry describes it; add one to azure.yaml or azure-<service>.yaml"
# collect refuses the same catalogue before touching any state or network.
OUT=$(VELOCITY_FRAMEWORKS_DIR="$dir" "$VELOCITY_BIN" collect 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
expect_rc 2
expect_err_contains "$azure:$line: check 'azure_rbac_owner_count_limit'"

TEST "bad catalogue: no checks/ at all"
dir=$(broken none)
rm -r "$dir/checks"
run checks list --frameworks-dir "$dir"
expect_rc 2
expect_err_contains "$dir/checks has no check catalogue"

finish
