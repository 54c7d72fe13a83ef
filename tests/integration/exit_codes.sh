#!/usr/bin/env bash
# Every exit code of the README's table ("Exit codes") that each command family can produce, each
# with the smallest real trigger and the message it prints: the one place that lists them all.
#
#   0 success   1 a check failed   2 usage, bad input   3 state or key   4 permission denied
#   5 integrity (signed or chained data does not verify)   6 remote API error
#   70 internal error: a bug, never expected (every run below is checked for it)
#
# family      codes           why not the others
# init        0 2 3 4         no check (1), nothing signed read (5), no network (6)
# org         0 2 3 4         no check, nothing verified, no network
# key         0 2 3 4         no check, nothing verified, no network
# assess      0 1 2 3 4       nothing verified (5), no network (6)
# connect     0 2 3 4 6       no check (1): it tests access, it does not judge; nothing verified
# collect     0 1 2 3 4 6     nothing signed is read (5)
# evidence    0 2 3 4         reads the state only: no check, nothing verified, no network
# audit       0 2 3 4 5       no check (1), no network (6)
# report      0 2 3 4 5       no check (1), no network (6)
# roi         0 2 3 4         arithmetic on assumptions: no check, nothing verified, no network
# frameworks  0 2 4           no state or key (3), no check, nothing verified, no network
# demo        0 2 3 4         made-up data: no check, nothing verified, no network
# config      0 2 4           reads the config file only: no state or key (3) ...
# status      0 2 3 4         no check, nothing verified, no network
# backup      0 2 3 4         no check, nothing signed read (the copy's checks are state errors)
# restore     0 2 3 4         no check; a rollback the witness sees is refused as usage (2)
# checks      0 2 4           the catalogue only: no state or key (3), no check, nothing verified
# pathway     0 2 3 4         measures the state: no check, nothing verified, no network
# accept      0 2 3 4         no check, nothing verified, no network
#
# velocity runs here as a user without privileges (nobody, when the suite runs as root), so that
# a file of mode 000 or a directory of mode 555 refuses it as it would refuse any user; a state
# made by root is "a state another user cannot read".
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_clouds.sh"
require python3
require openssl

W="$SUITE_DIR/work"
mkdir -p "$W"
if [ "$(id -u)" -eq 0 ]; then
  require setpriv
  # A copy nobody can execute wherever the build tree is, run as nobody.
  cp "$VELOCITY_BIN" "$SUITE_DIR/velocity"
  cat >"$SUITE_DIR/velocity-as-nobody" <<EOF
#!/bin/sh
exec setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$SUITE_DIR/velocity" "\$@"
EOF
  chmod 755 "$SUITE_DIR/velocity-as-nobody" "$SUITE_DIR/velocity"
  ROOT_BIN=$VELOCITY_BIN
  VELOCITY_BIN="$SUITE_DIR/velocity-as-nobody"
  chown -R nobody:nogroup "$SUITE_DIR"
  chmod 755 "$SUITE_DIR"
fi

random_key() { openssl rand -base64 32; }
export VELOCITY_MASTER_KEY
VELOCITY_MASTER_KEY=$(random_key)
WRONG_KEY=$(random_key)
OWNER=ghp_VelocityFakeOwner0000000000000000000

# What the triggers need: a read-only directory, unreadable files, a state of another user.
mkdir -p "$W/readonly" "$W/unreadable-dir" "$W/a-directory"
"$VELOCITY_BIN" assess template --framework soc2 >"$W/yes.yaml"
sed -i 's/^\(    answer:\).*/\1 yes/' "$W/yes.yaml"
sed 's/^\(    answer:\).*/\1 no/' "$W/yes.yaml" >"$W/no.yaml"
cp "$W/yes.yaml" "$W/unreadable.yaml"
echo 'hourly_rate: 120' >"$W/unreadable-config.yaml"
echo 'hourly_rate: lots' >"$W/bad-config.yaml"
echo 'not a state' >"$W/junk.db"
OTHER="$W/other/velocity.db"
if [ -n "${ROOT_BIN:-}" ]; then
  "$ROOT_BIN" --state "$OTHER" init >/dev/null 2>&1
  chmod 700 "$W/other"
else
  "$VELOCITY_BIN" --state "$OTHER" init >/dev/null 2>&1
  chmod 000 "$OTHER" "$W/other"
fi
[ -n "${ROOT_BIN:-}" ] && chown nobody:nogroup "$W"/*.yaml "$W"/*.db
chmod 555 "$W/readonly"
chmod 000 "$W/unreadable-dir" "$W/unreadable.yaml" "$W/unreadable-config.yaml"

declare -A FAMILY_CODES=(
  [init]="0 2 3 4" [org]="0 2 3 4" [key]="0 2 3 4" [assess]="0 1 2 3 4" [connect]="0 2 3 4 6"
  [collect]="0 1 2 3 4 6" [evidence]="0 2 3 4" [audit]="0 2 3 4 5" [report]="0 2 3 4 5"
  [roi]="0 2 3 4" [frameworks]="0 2 4" [demo]="0 2 3 4" [config]="0 2 4" [status]="0 2 3 4"
  [backup]="0 2 3 4" [restore]="0 2 3 4"
  [checks]="0 2 4" [pathway]="0 2 3 4" [accept]="0 2 3 4"
)
declare -A SEEN=()

# exits FAMILY CODE MESSAGE ARGS...: `velocity ARGS` exits CODE and prints MESSAGE (on stdout or
# stderr), never an internal error.
exits() {
  local family=$1 code=$2 message=$3
  shift 3
  TEST "$family, exit $code: velocity $*"
  run "$@"
  expect_rc "$code"
  if grep -qF -- "$message" <<<"$OUT"$'\n'"$ERR"; then pass; else fail "no '$message' in: $OUT $ERR"; fi
  expect_err_lacks "internal error"
  SEEN["$family $code"]=1
}

exits init 0 "created state" init
VELOCITY_MASTER_KEY='' exits init 2 "there is no terminal to ask on" --state "$W/pass/velocity.db" init --passphrase
exits init 3 "is not a velocity state file (not an SQLite database)" --state "$W/junk.db" init
exits init 4 "cannot write in $W/readonly, the directory of state" --state "$W/readonly/velocity.db" init

exits org 0 "created organisation 'acme'" org create acme
exits org 2 "an organisation named 'acme' already exists" org create acme
exits org 3 "no velocity state at $W/none.db" --state "$W/none.db" org list
exits org 4 "cannot read state $OTHER: permission denied" --state "$OTHER" org list

ROTATED="$W/rotated/velocity.db"
"$VELOCITY_BIN" --state "$ROTATED" init >/dev/null 2>&1
exits key 2 "cannot write the new master key to $W/a-directory: it is a directory" \
  --state "$ROTATED" key rotate --key-file "$W/a-directory"
# The refused rotation changed nothing: the state opens with the key it had.
exits status 0 "master key:  VELOCITY_MASTER_KEY" --state "$ROTATED" status
VELOCITY_MASTER_KEY=$WRONG_KEY exits key 3 "wrong master key for $ROTATED" --state "$ROTATED" key rotate
exits key 4 "cannot write $W/readonly/master.key.new: Permission denied" \
  --state "$ROTATED" key rotate --key-file "$W/readonly/master.key"
exits key 0 "new master key written to $W/rotated/master.key" \
  --state "$ROTATED" key rotate --key-file "$W/rotated/master.key"

exits assess 0 "stored as assessment 1" assess --framework soc2 --answers "$W/yes.yaml"
exits assess 1 "score under --fail-under 50: soc2 0" assess --framework soc2 --answers "$W/no.yaml" --fail-under 50
exits assess 2 "answers file $W/missing.yaml does not exist" assess --framework soc2 --answers "$W/missing.yaml"
VELOCITY_MASTER_KEY=$WRONG_KEY exits assess 3 "wrong master key" assess --framework soc2 --answers "$W/yes.yaml"
exits assess 4 "cannot read $W/unreadable.yaml: Permission denied" assess --framework soc2 --answers "$W/unreadable.yaml"

start_fake github --scenario fail
GITHUB_URL=$FAKE_URL
CLOSED_URL="http://127.0.0.1:$(free_port)"
GITHUB_TOKEN=$OWNER exits connect 0 "connected github integration 'gh'" \
  connect github --name gh --org acme-corp --api-url "$GITHUB_URL"
exits connect 2 "$W/missing.json does not exist" connect gcp --name gcp --key-file "$W/missing.json"
GITHUB_TOKEN=ghp_wrong exits connect 3 "GitHub rejected the token of integration bad (401 Bad credentials)" \
  connect github --name bad --org acme-corp --api-url "$GITHUB_URL"
exits connect 4 "cannot read $W/unreadable.yaml: Permission denied" \
  connect github --name gh2 --org acme-corp --api-url "$GITHUB_URL" --token-file "$W/unreadable.yaml"
start_fake github --scenario pass --deny user
GITHUB_TOKEN=$OWNER exits connect 4 "GET /user: 403" \
  connect github --name denied --org acme-corp --api-url "$FAKE_URL"
stop_fake
GITHUB_TOKEN=$OWNER exits connect 6 "GET $CLOSED_URL/user: connection refused" \
  connect github --name away --org acme-corp --api-url "$CLOSED_URL" --retries 0

# Integrations the connection test would refuse, stored with --no-test for collect to meet.
GITHUB_TOKEN=ghp_wrong run connect github --name bad --org acme-corp --api-url "$GITHUB_URL" --no-test
GITHUB_TOKEN=$OWNER run connect github --name away --org acme-corp --api-url "$CLOSED_URL" --no-test
exits collect 0 "failing" collect -i gh
exits collect 1 "failing findings at or above severity high" collect -i gh --fail-on high
exits collect 2 "no integration named 'nope'" collect -i nope
exits collect 3 "GitHub rejected the token of integration bad" collect -i bad
exits collect 4 "cannot write $W/readonly/velocity.prom: Permission denied" \
  collect -i gh --metrics-file "$W/readonly/velocity.prom"
exits collect 4 "cannot read $W/unreadable.yaml: Permission denied" \
  collect -i gh --ca-bundle "$W/unreadable.yaml"
exits collect 6 "GET $CLOSED_URL/orgs/acme-corp: connection refused" collect -i away --retries 0

exits evidence 0 "github_organization_members_mfa_required" evidence list
exits evidence 2 "no evidence 999999 in organisation 'default'" evidence show 999999
exits evidence 3 "no velocity state at $W/none.db" --state "$W/none.db" evidence list
exits evidence 4 "cannot read state $OTHER: permission denied" --state "$OTHER" evidence list

"$VELOCITY_BIN" audit key >"$W/org.pem" 2>/dev/null
exits audit 0 "intact" audit verify
exits audit 2 "cannot write /nonexistent/audit.jsonl: the directory /nonexistent does not exist" \
  audit export --output /nonexistent/audit.jsonl
VELOCITY_MASTER_KEY=$WRONG_KEY exits audit 3 "wrong master key" audit log
exits audit 4 "cannot write $W/readonly/audit.jsonl: Permission denied" \
  audit export --output "$W/readonly/audit.jsonl"
exits audit 4 "cannot read $W/unreadable.yaml: Permission denied" \
  audit verify --file "$W/unreadable.yaml" --pubkey "$W/org.pem"
run audit export --output "$W/audit.jsonl"
sed '0,/"actor":"[^"]*"/s//"actor":"mallory"/' "$W/audit.jsonl" >"$W/tampered.jsonl"
exits audit 5 "failed verification" audit verify --file "$W/tampered.jsonl" --pubkey "$W/org.pem"

exits report 0 "wrote the html report" report --framework soc2 --output "$W/report.html"
exits report 2 "cannot write /nonexistent/r.html: the directory /nonexistent does not exist" \
  report --framework soc2 --output /nonexistent/r.html
VELOCITY_CHROMIUM=$(type -P false) exits report 2 "failed to print the report (exit 1)" \
  report --framework soc2 --format pdf --output "$W/report.pdf"
exits report 3 "no velocity state at $W/none.db" --state "$W/none.db" report --framework soc2
exits report 4 "cannot write $W/readonly/r.html: Permission denied" \
  report --framework soc2 --output "$W/readonly/r.html"
exits report 4 "cannot read $W/unreadable-dir: Permission denied" \
  report --framework soc2 --template-dir "$W/unreadable-dir"
exits report 4 "cannot read $W/unreadable.yaml: Permission denied" report verify "$W/unreadable.yaml"
run report bundle --framework soc2 --output "$W/bundle.tar.gz"
python3 "$VELOCITY_SOURCE_DIR/tests/integration/report_tamper.py" "$W/bundle.tar.gz" \
  "$W/tampered.tar.gz" flip report.md
exits report 5 "report.md: SHA-256" report verify "$W/tampered.tar.gz" --pubkey "$W/org.pem"

exits roi 0 "ROI estimate: small organisation" roi --size small --framework soc2
exits roi 2 "unknown organisation size 'huge' for --size" roi --size huge --framework soc2
exits roi 3 "no velocity state at $W/none.db" --state "$W/none.db" roi --from-state
exits roi 4 "cannot read $W/unreadable-config.yaml: Permission denied" \
  --config "$W/unreadable-config.yaml" roi --framework soc2

exits frameworks 0 "soc2" frameworks list
exits frameworks 2 "unknown framework 'nope'" frameworks show nope
exits frameworks 4 "cannot read $W/unreadable-dir: Permission denied" \
  frameworks --frameworks-dir "$W/unreadable-dir" list

exits demo 0 "writing demo organisation 'demo-startup-soc2'" demo --scenario startup-soc2 --days 2
exits demo 2 "demo organisation 'demo-startup-soc2' exists already" demo --scenario startup-soc2 --days 2
exits demo 3 "no velocity state at $W/none.db" --state "$W/none.db" demo --scenario startup-soc2
exits demo 4 "cannot read state $OTHER: permission denied" --state "$OTHER" demo --scenario startup-soc2

exits config 0 "config file" config list
exits config 2 "key 'hourly_rate': must be a number, not 'lots'" --config "$W/bad-config.yaml" config list
exits config 4 "cannot read $W/unreadable-config.yaml: Permission denied" \
  --config "$W/unreadable-config.yaml" config list

exits checks 0 "aws_iam_root_mfa_enabled" checks list --platform aws
exits checks 2 "no check has the id 'nosuch'" checks show nosuch
exits checks 4 "cannot read $W/unreadable-dir: Permission denied" \
  checks --frameworks-dir "$W/unreadable-dir" list

exits pathway 0 "Trust pathway of 'default'" pathway
exits pathway 2 "unknown organisation size 'huge' for --size" pathway --size huge
exits pathway 3 "no velocity state at $W/none.db" --state "$W/none.db" pathway
exits pathway 4 "cannot read state $OTHER: permission denied" --state "$OTHER" pathway

EXPIRES=$(date -u -d '+30 days' +%F)
exits accept 0 "accepted" accept github_organization_members_mfa_required \
  --reason "a compensating control" --owner alice --expires "$EXPIRES"
exits accept 2 "nosuch_check" accept nosuch_check --reason r --owner o --expires "$EXPIRES"
exits accept 3 "no velocity state at $W/none.db" --state "$W/none.db" accept list
exits accept 4 "cannot read state $OTHER: permission denied" --state "$OTHER" accept list

exits status 2 "--format xml is not available here" status --format xml
exits status 3 "no velocity state at $W/none.db" --state "$W/none.db" status
VELOCITY_MASTER_KEY=$WRONG_KEY exits status 3 "wrong master key" status
exits status 4 "cannot read state $OTHER: permission denied" --state "$OTHER" status
expect_err_lacks "no velocity state"

exits backup 0 "backed up state" backup "$W/backup.db"
exits backup 2 "cannot write /nonexistent/b.db: the directory /nonexistent does not exist" \
  backup /nonexistent/b.db
exits backup 3 "no velocity state at $W/none.db" --state "$W/none.db" backup "$W/b.db"
exits backup 4 "cannot write $W/readonly/b.db: Permission denied" backup "$W/readonly/b.db"

exits restore 0 "restored state $W/restored/velocity.db" \
  --state "$W/restored/velocity.db" restore "$W/backup.db"
exits restore 2 "$W/junk.db is not a velocity backup (not an SQLite database)" \
  restore "$W/junk.db" --yes
VELOCITY_MASTER_KEY=$WRONG_KEY exits restore 3 "wrong master key for backup $W/backup.db" \
  restore "$W/backup.db" --yes
exits restore 4 "cannot write $W/readonly/velocity.db: Permission denied" \
  --state "$W/readonly/velocity.db" restore "$W/backup.db"

TEST "the table above is complete: every family's every code was triggered"
for family in "${!FAMILY_CODES[@]}"; do
  for code in ${FAMILY_CODES[$family]}; do
    if [ -n "${SEEN["$family $code"]:-}" ]; then pass; else fail "no test of $family exiting $code"; fi
  done
done
for seen in "${!SEEN[@]}"; do
  read -r family code <<<"$seen"
  if [[ " ${FAMILY_CODES[$family]} " == *" $code "* ]]; then pass; else fail "$family exited $code, which the table does not list"; fi
done

# Let the suite's directory be removed (a user other than root cannot remove what it cannot read).
chmod 755 "$W/readonly" "$W/unreadable-dir" "$W/other"
finish
