#!/usr/bin/env bash
# The checks of CIS AWS sections 3-5 (logging, monitoring, networking) against a seeded moto with
# signature checking on (tests/fakes/moto_seed_logging.py): each passes on one resource and
# fails on another, every call is made once, and AccessDenied leaves a service's checks not
# evaluated with the permission named.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_aws.sh"
require_moto

start_moto --auth
init_state
with_moto_keys run connect aws --name prod --endpoint-url "$MOTO_ENDPOINT" --region us-east-1,eu-west-1
[ "$RC" -eq 0 ] || { echo "connect failed: $ERR" >&2; exit 1; }
TYPES=audit_logs,config_recorders,kms_keys,security_hub,vpc_network,ebs_encryption,instances,security_groups

# status_of CHECK RESOURCE-OR-REASON-SUBSTRING: the statuses of the matching findings in $OUT.
status_of() {
  printf '%s' "$OUT" >"$SUITE_DIR/out.json"
  python3 - "$1" "$2" "$SUITE_DIR/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[3]))
found = sorted(f["status"] for f in d["findings"]
               if f["check_id"] == sys.argv[1] and (sys.argv[2] in f["resource_id"] or sys.argv[2] in f["reason"]))
print(",".join(found) if found else "none")
PY
}
expect_status() {
  expect_equal "$(status_of "$1" "$2")" "$3" "$1 on $2"
}

TEST "collect: each new check passes on one seeded resource and fails on another"
run collect --types "$TYPES" --format json
expect_rc 0
expect_equal "$(json_get 'd["integrations"][0]["outcome"]')" "success"
# 3.1 / 3.8 / 3.9, account-wide: org-trail is multi-region, logging, all management events and
# S3 writes; nothing records S3 reads.
expect_status aws_cloudtrail_multi_region_enabled "123456789012" PASS
expect_status aws_cloudtrail_s3_dataevents_write_enabled "123456789012" PASS
expect_status aws_cloudtrail_s3_dataevents_read_enabled "123456789012" FAIL
expect_equal "$(json_get 'sorted({f["resource_id"] for f in d["findings"] if f["check_id"].startswith("aws_cloudtrail_s3_") or f["check_id"] in ("aws_cloudtrail_multi_region_enabled", "aws_cloudwatch_log_metric_filter_root_usage")})')" "['123456789012']" "account-wide checks name the account by its id"
expect_status aws_cloudtrail_kms_encryption_enabled trail/org-trail PASS
expect_status aws_cloudtrail_kms_encryption_enabled trail/local-trail FAIL
expect_status aws_cloudtrail_logs_s3_bucket_access_logging_enabled trail/org-trail PASS
expect_status aws_cloudtrail_logs_s3_bucket_access_logging_enabled trail/local-trail FAIL
expect_status aws_cloudtrail_logging_on trail/local-trail FAIL
# 4.x: one evaluator over filter -> alarm -> subscribed topic.
expect_status aws_cloudwatch_log_metric_filter_unauthorized_api_calls "" PASS
expect_status aws_cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled "" PASS
expect_status aws_cloudwatch_log_metric_filter_root_usage "" FAIL
expect_status aws_cloudwatch_log_metric_filter_policy_changes "" FAIL
expect_status aws_cloudwatch_log_metric_filter_security_group_changes "" FAIL
expect_status aws_cloudwatch_changes_to_vpcs_alarm_configured "" FAIL
expect_out_contains "alarm root-usage-alarm on metric filter root-usage notifies no SNS topic with a confirmed subscriber"
expect_out_contains "metric filter security-group-changes on log group cloudtrail/org-trail has no alarm"
expect_equal "$(json_get 'len([f for f in d["findings"] if f["check_id"].startswith("aws_cloudwatch_")])')" "15" "one finding per monitoring check"
expect_status aws_config_recorder_all_regions_enabled us-east-1 PASS
expect_status aws_config_recorder_all_regions_enabled eu-west-1 FAIL
# moto makes the alias/aws/ebs key (for encrypted volumes) a customer managed key, where AWS
# makes it AWS managed: it fails beside the "static" key. The ECC signing key is not judged.
expect_status aws_kms_cmk_rotation_enabled "rotates automatically" PASS
expect_status aws_kms_cmk_rotation_enabled "rotation off" FAIL,FAIL
expect_equal "$(json_get 'len([f for f in d["findings"] if f["check_id"]=="aws_kms_cmk_rotation_enabled"])')" "3" "the signing key is not judged"
expect_status aws_securityhub_enabled us-east-1 PASS
expect_status aws_securityhub_enabled eu-west-1 FAIL
expect_status aws_ec2_ebs_default_encryption us-east-1 PASS
expect_status aws_ec2_ebs_default_encryption eu-west-1 FAIL
expect_status aws_ec2_ebs_volume_encryption "is encrypted" PASS
expect_status aws_ec2_ebs_volume_encryption "not encrypted" FAIL,FAIL,FAIL # two are the instances' root volumes
expect_status aws_ec2_instance_imdsv2_enabled "requires IMDSv2" PASS
expect_status aws_ec2_instance_imdsv2_enabled "accepts IMDSv1" FAIL
expect_status aws_ec2_instance_profile_attached "instance profile arn:aws:iam::123456789012:instance-profile/app" PASS
expect_status aws_ec2_instance_profile_attached "has no IAM instance profile" FAIL
WEB_ACL=$(with_moto_keys python3 - "$MOTO_ENDPOINT" <<'PY'
import boto3, sys
ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=sys.argv[1])
print(ec2.describe_network_acls(Filters=[{"Name": "tag:Name", "Values": ["web-acl"]}])["NetworkAcls"][0]["NetworkAclId"])
PY
)
expect_status aws_ec2_networkacl_allow_ingress_tcp_port_22 "$WEB_ACL" PASS
expect_status aws_ec2_networkacl_allow_ingress_tcp_port_3389 "$WEB_ACL" FAIL
expect_status aws_ec2_networkacl_allow_ingress_any_port "$WEB_ACL" PASS
expect_equal "$(json_get 'sorted({f["status"] for f in d["findings"] if f["check_id"]=="aws_ec2_networkacl_allow_ingress_any_port"})')" "['FAIL', 'PASS']" "default ACLs allow everything"
expect_status aws_vpc_flow_logs_enabled "(flow log" PASS
expect_status aws_vpc_flow_logs_enabled "no active flow log" FAIL
expect_status aws_ec2_securitygroup_default_restrict_traffic eu-west-1 none
expect_equal "$(json_get 'sorted((f["region"], f["status"]) for f in d["findings"] if f["check_id"]=="aws_ec2_securitygroup_default_restrict_traffic")')" "[('eu-west-1', 'PASS'), ('us-east-1', 'FAIL')]"
expect_status aws_ec2_instance_port_cifs_exposed_to_internet smb-open FAIL
expect_status aws_ec2_instance_port_cifs_exposed_to_internet ssh-open PASS

TEST "report --framework cis-aws-5.0: the recommendations follow the checks"
run report --framework cis-aws-5.0 --format json
expect_rc 0
printf '%s' "$OUT" >"$SUITE_DIR/cis.json"
CIS_STATUS='import json, sys
d = json.load(open(sys.argv[1]))
print({c["id"]: c["status"] for c in d["controls"]}[sys.argv[2]])'
expect_equal "$(python3 -c "$CIS_STATUS" "$SUITE_DIR/cis.json" 4.1)" "met" "4.1: the chain is complete"
expect_equal "$(python3 -c "$CIS_STATUS" "$SUITE_DIR/cis.json" 3.9)" "not_met" "3.9: nothing records S3 reads"
expect_equal "$(python3 -c "$CIS_STATUS" "$SUITE_DIR/cis.json" 5.2)" "not_met" "5.2: default ACLs allow everything"

TEST "every call once: alarms per region, subscriptions per topic, not per check"
fixture reset-calls >/dev/null
run collect --types audit_logs
expect_rc 0
expect_equal "$(calls_of DescribeMetricFilters)" "1" "one log group"
expect_equal "$(calls_of DescribeAlarms)" "1" "one region with a trail log group"
expect_equal "$(calls_of ListSubscriptionsByTopic)" "2" "two topics"
expect_equal "$(calls_of GetEventSelectors)" "2" "two trails"

TEST "AccessDenied on CloudWatch: the monitoring checks are not evaluated, with the permission named"
fault DescribeAlarms access-denied null
run collect --types audit_logs --format json
expect_rc 6
expect_err_contains "cloudwatch:DescribeAlarms: AccessDenied"
expect_equal "$(json_get '[p for p in d["integrations"][0]["problems"] if "not evaluated" in p]')" \
  "['audit_logs (123456789012): the CloudWatch monitoring checks (CIS 4.1-4.15) were not evaluated: grant cloudwatch:DescribeAlarms']"
expect_equal "$(json_get 'len([f for f in d["findings"] if f["check_id"].startswith("aws_cloudwatch_")])')" "0" "no verdict"
expect_status aws_cloudtrail_multi_region_enabled "123456789012" PASS
fixture clear-faults >/dev/null

TEST "AccessDenied on Security Hub and KMS: no verdict for them, the rest goes on"
fault DescribeHub access-denied null
fault ListKeys access-denied null
run collect --types security_hub,kms_keys,ebs_encryption --format json
expect_rc 6
expect_equal "$(json_get '[p for p in d["integrations"][0]["problems"] if "DescribeHub" in p or "ListKeys" in p]')" \
  "['security_hub (123456789012): securityhub:DescribeHub: AccessDenied: User: arn:aws:iam::123456789012:user/velocity-auditor is not authorized (in 2 regions: us-east-1, ...)', 'kms_keys (123456789012): kms:ListKeys: AccessDeniedException: User: arn:aws:iam::123456789012:user/velocity-auditor is not authorized (in 2 regions: us-east-1, ...)']"
expect_equal "$(json_get 'sorted({f["check_id"] for f in d["findings"]})')" "['aws_ec2_ebs_default_encryption', 'aws_ec2_ebs_volume_encryption']"
fixture clear-faults >/dev/null

TEST "a state from schema 5 with the trails' account-wide findings under the root ARN keeps them"
STATE="$XDG_DATA_HOME/velocity/velocity.db"
run accept aws_cloudtrail_multi_region_enabled 'arn:aws:iam::123456789012:root' --reason "trail in another account" --owner alice --expires "$(date -u -d '+30 days' +%F)"
expect_rc 0
sqlite3 "$STATE" "UPDATE findings SET resource_id = 'arn:aws:iam::123456789012:root', first_failed_at = '2020-01-03T00:00:00Z' WHERE check_id = 'aws_cloudtrail_s3_dataevents_read_enabled';
PRAGMA user_version = 5"
run evidence list --format json
expect_rc 0
expect_equal "$(sqlite3 "$STATE" "PRAGMA user_version")" "6" "schema version after the upgrade"
expect_equal "$(sqlite3 "$STATE" "SELECT resource_id, first_failed_at FROM findings WHERE check_id = 'aws_cloudtrail_s3_dataevents_read_enabled'")" "123456789012|2020-01-03T00:00:00Z"
expect_equal "$(sqlite3 "$STATE" "SELECT resource_pattern FROM acceptances WHERE check_id = 'aws_cloudtrail_multi_region_enabled'")" "123456789012"

TEST "--dry-run and connect evidence-types list the new calls"
run collect --dry-run --types "$TYPES,account_contacts"
expect_rc 0
expect_out_contains "account:GetAlternateContact"
for call in cloudtrail:GetEventSelectors s3:GetBucketLogging logs:DescribeMetricFilters monitoring:DescribeAlarms \
  sns:ListSubscriptionsByTopic config:DescribeConfigurationRecorderStatus kms:GetKeyRotationStatus \
  securityhub:DescribeHub ec2:DescribeFlowLogs ec2:DescribeNetworkAcls ec2:GetEbsEncryptionByDefault \
  ec2:DescribeVolumes ec2:DescribeInstances; do
  expect_out_contains "$call"
done
run connect evidence-types aws
expect_rc 0
for type in config_recorders kms_keys security_hub vpc_network ebs_encryption instances account_contacts; do
  expect_out_contains "$type"
done
expect_out_contains "cloudwatch:DescribeAlarms"
expect_out_contains "account:GetAlternateContact"

finish
