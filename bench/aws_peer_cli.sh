#!/usr/bin/env bash
# The AWS CLI peer of `velocity collect`: the same calls as bench/aws_peer_boto3.py, one `aws`
# process per call, as a shell script written against the AWS CLI would make them.
#   AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... bash bench/aws_peer_cli.sh ENDPOINT_URL
set -u
ENDPOINT=$1
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
a() { aws --endpoint-url "$ENDPOINT" --output text "$@"; }
quiet() { a "$@" >/dev/null 2>&1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

quiet sts get-caller-identity
# The enabled regions of the aws partition, as velocity takes them: not the opt-in regions the
# account has not opted into, not GovCloud or China.
REGIONS=$(a ec2 describe-regions --query "Regions[?OptInStatus!='not-opted-in'].RegionName" |
  tr '\t' '\n' | grep -v -e '^us-gov-' -e '^cn-')
quiet iam get-account-summary
quiet iam get-account-password-policy
for user in $(a iam list-users --query 'Users[].UserName'); do
  quiet iam get-login-profile --user-name "$user"
  quiet iam list-mfa-devices --user-name "$user"
  for key in $(a iam list-access-keys --user-name "$user" --query 'AccessKeyMetadata[].AccessKeyId'); do
    quiet iam get-access-key-last-used --access-key-id "$key"
  done
  quiet iam list-attached-user-policies --user-name "$user"
done
a iam list-policies --scope Local --query 'Policies[].[Arn,DefaultVersionId]' >"$WORK/policies"
while read -r arn version; do
  quiet iam get-policy-version --policy-arn "$arn" --version-id "$version"
done <"$WORK/policies"
for bucket in $(a s3api list-buckets --query 'Buckets[].Name'); do
  quiet s3api get-bucket-encryption --bucket "$bucket"
  quiet s3api get-public-access-block --bucket "$bucket"
  quiet s3api get-bucket-versioning --bucket "$bucket"
done
for region in $REGIONS; do
  quiet ec2 describe-security-groups --region "$region"
  a cloudtrail describe-trails --region "$region" --query 'trailList[].[TrailARN,HomeRegion]' >>"$WORK/trails"
  quiet configservice describe-config-rules --region "$region"
  quiet configservice describe-compliance-by-config-rule --region "$region"
done
sort -u "$WORK/trails" | while read -r arn home; do
  quiet cloudtrail get-trail-status --name "$arn" --region "$home"
done
