#!/usr/bin/env bash
# `velocity connect`: the credential chain, sealed storage, STS GetCallerIdentity against moto
# with signature checking on, list/test/remove/evidence-types, and the ways it can go wrong.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_aws.sh"
require_moto

start_moto --seed empty --auth
init_state

TEST "connect aws with keys from the environment"
with_moto_keys run connect aws --name prod --endpoint-url "$MOTO_ENDPOINT" --region us-east-1 --format json
expect_rc 0
expect_out_contains '"status": "healthy"'
expect_out_contains "\"account_id\": \"$MOTO_ACCOUNT\""
expect_out_contains '"arn": "arn:aws:iam::123456789012:user/velocity-auditor"'
expect_out_contains '"credential_source": "environment variables"'

TEST "the secret key is stored sealed, never in clear"
STATE_FILE="$XDG_DATA_HOME/velocity/velocity.db"
if grep -qaF "$MOTO_SECRET" "$STATE_FILE" "$STATE_FILE-wal" 2>/dev/null; then
  fail "the secret access key is in the state file in clear"
else
  pass
fi
run connect list --format json
expect_rc 0
expect_out_contains '"name": "prod"'
expect_out_contains '"access_key_hint"'
expect_out_lacks "$MOTO_SECRET"
expect_out_lacks "$MOTO_KEY"

TEST "connect list as a table"
run connect list
expect_rc 0
expect_out_contains "prod"
expect_out_contains "$MOTO_ACCOUNT"
expect_out_contains "healthy"

TEST "connect test NAME uses the stored keys (no environment)"
run connect test prod --format json
expect_rc 0
expect_out_contains '"status": "healthy"'
expect_out_contains '"response_time_ms"'
expect_equal "$(json_get 'd["region"]')" "us-east-1"

TEST "a name that exists is refused without --replace"
with_moto_keys run connect aws --name prod --endpoint-url "$MOTO_ENDPOINT"
expect_rc 2
expect_err_contains "exists already"
with_moto_keys run connect aws --name prod --endpoint-url "$MOTO_ENDPOINT" --region us-east-1 --replace
expect_rc 0

TEST "keys from AWS_PROFILE and ~/.aws/credentials"
mkdir -p "$HOME/.aws"
printf '[default]\naws_access_key_id = AKIAWRONGWRONGWRONG1\naws_secret_access_key = nope\n\n[audit]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
  "$MOTO_KEY" "$MOTO_SECRET" >"$HOME/.aws/credentials"
printf '[profile audit]\nregion = eu-west-1\n' >"$HOME/.aws/config"
AWS_PROFILE=audit run connect aws --name from-profile --endpoint-url "$MOTO_ENDPOINT" --format json
expect_rc 0
expect_out_contains '"credential_source": "profile audit of'
expect_equal "$(json_get 'd["region"]')" "eu-west-1" "region from the profile"

TEST "keys from --credentials-file and --profile"
printf '[ci]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$MOTO_KEY" "$MOTO_SECRET" >"$SUITE_DIR/creds.ini"
run connect aws --name from-file --credentials-file "$SUITE_DIR/creds.ini" --profile ci --endpoint-url "$MOTO_ENDPOINT" --format json
expect_rc 0
expect_out_contains '"status": "healthy"'

TEST "AWS_ENDPOINT_URL is honoured"
AWS_ENDPOINT_URL="$MOTO_ENDPOINT" with_moto_keys run connect aws --name via-env --format json
expect_rc 0
expect_out_contains '"status": "healthy"'

TEST "keys are never read from the command line"
run connect aws --name argv --aws-secret-access-key "$MOTO_SECRET" --endpoint-url "$MOTO_ENDPOINT"
expect_err_contains "never taken from the command line"
expect_rc 2
expect_err_lacks "$MOTO_SECRET"

TEST "no credentials anywhere: usage error saying where it looked"
rm -f "$HOME/.aws/credentials" "$HOME/.aws/config"
run connect aws --name none --endpoint-url "$MOTO_ENDPOINT"
expect_rc 2
expect_err_contains "no AWS credentials found"

TEST "an unknown profile is named"
AWS_PROFILE=ghost with_moto_keys run connect aws --name ghost --profile ghost --endpoint-url "$MOTO_ENDPOINT"
expect_rc 2
expect_err_contains "ghost"

TEST "a wrong secret key is caught by moto's signature check: exit 3"
AWS_ACCESS_KEY_ID="$MOTO_KEY" AWS_SECRET_ACCESS_KEY="not-the-secret" run connect aws --name prod-bad --endpoint-url "$MOTO_ENDPOINT"
expect_rc 3
expect_err_contains "AWS rejected the credentials of integration prod-bad (SignatureDoesNotMatch)"
expect_err_lacks "not-the-secret"
run connect list --format json
expect_out_lacks "prod-bad"

TEST "an unknown access key: InvalidClientTokenId, exit 3"
AWS_ACCESS_KEY_ID="AKIAUNKNOWNUNKNOWN00" AWS_SECRET_ACCESS_KEY="whatever" run connect aws --name prod-unknown --endpoint-url "$MOTO_ENDPOINT"
expect_rc 3
expect_err_contains "AWS rejected the credentials of integration prod-unknown (InvalidClientTokenId)"

TEST "connection refused: exit 6 naming the endpoint"
PORT=$(free_port)
with_moto_keys run connect aws --name nowhere --endpoint-url "http://127.0.0.1:$PORT" --retries 0
expect_rc 6
expect_err_contains "127.0.0.1:$PORT"
expect_err_contains "connection refused"

TEST "DNS failure: exit 6 naming the host"
with_moto_keys run connect aws --name nodns --endpoint-url "http://no-such-host.invalid" --retries 0
expect_rc 6
expect_err_contains "no-such-host.invalid"

TEST "bad settings are usage errors"
with_moto_keys run connect aws --name bad --region "not a region" --endpoint-url "$MOTO_ENDPOINT"
expect_rc 2
with_moto_keys run connect aws --name bad --role-arn "arn:aws:s3:::bucket" --endpoint-url "$MOTO_ENDPOINT"
expect_rc 2
with_moto_keys run connect aws --name "bad name" --endpoint-url "$MOTO_ENDPOINT"
expect_rc 2

TEST "connect evidence-types aws"
run connect evidence-types aws --format json
expect_rc 0
for type in policies security_groups encryption_status audit_logs compliance_rules; do
  expect_out_contains "\"id\": \"$type\""
done
EVALUATED=$(json_get 'sum(len(t["checks"]) for t in d["evidence_types"])')
run checks list --platform aws --format json
expect_equal "$EVALUATED" "$(json_get 'len(d)')" "every catalogued AWS check has its evidence type"
run connect evidence-types aws
expect_rc 0
expect_out_contains "iam:GetAccountPasswordPolicy"
run connect evidence-types nimbus
expect_rc 2
expect_err_contains "unknown platform"

TEST "connect remove: refused without --yes when nobody can confirm, then done with it"
run connect remove from-file
expect_rc 2
expect_err_contains "removing integration 'from-file' deletes its credentials and 0 evidence records with their findings; refusing without --yes"
expect_err_contains "velocity connect remove from-file --yes"
run connect list --format json
expect_out_contains "from-file"
run connect remove from-file --yes
expect_rc 0
expect_err_contains "removed integration 'from-file'"
run connect list --format json
expect_out_lacks "from-file"
run connect remove from-file --yes
expect_rc 2

TEST "connect test of a stored integration whose keys were revoked: exit 3"
run connect test prod
expect_rc 0
python3 - "$MOTO_ENDPOINT" "$MOTO_KEY" "$MOTO_SECRET" <<'PY'
import boto3, sys
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
iam.delete_access_key(UserName="velocity-auditor", AccessKeyId=sys.argv[2])
PY
run connect test prod --format json
expect_rc 3
expect_out_contains '"status": "unhealthy"'
expect_err_contains "AWS rejected the credentials of integration prod (InvalidClientTokenId)"

finish
