#!/usr/bin/env bash
# Bad input and unlucky machines: unbounded and non-regular input files, output paths that cannot
# be written, files of another user, a full disk, a wrong key over a leftover write-ahead log and
# temporary files left by a killed process. Each gets its documented exit code, a message naming
# what is wrong, and no damage.
source "$(dirname "$0")/lib.sh"
require sqlite3
require setpriv
require timeout

STATE="$XDG_DATA_HOME/velocity/velocity.db"
KEY="$XDG_CONFIG_HOME/velocity/master.key"
digest() { sha256sum "$1" | cut -d' ' -f1; }
run init
[ "$RC" -eq 0 ] || { echo "init failed: $ERR" >&2; exit 1; }
run demo --scenario startup-soc2 --days 7 --seed 1
[ "$RC" -eq 0 ] || { echo "demo failed: $ERR" >&2; exit 1; }
export VELOCITY_ORG=demo-startup-soc2

TEST "an endless answers file is refused at its limit, not read into memory"
OUT=$(timeout 60 "$VELOCITY_BIN" assess --framework soc2 --answers /dev/zero 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
expect_rc 2
expect_err_contains "/dev/zero is larger than velocity reads (16 MiB at most)"

TEST "an endless audit export is refused at its first line"
"$VELOCITY_BIN" audit key >"$SUITE_DIR/org.pem" 2>/dev/null
OUT=$(timeout 60 "$VELOCITY_BIN" audit verify --file /dev/zero --pubkey "$SUITE_DIR/org.pem" 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
expect_rc 2
expect_err_contains "line 1 of /dev/zero is longer than an audit event can be"

TEST "a FIFO as the key file is refused at once, not waited on"
mkfifo "$SUITE_DIR/key.fifo"
OUT=$(VELOCITY_KEY_FILE="$SUITE_DIR/key.fifo" timeout 20 "$VELOCITY_BIN" status 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
expect_rc 2
expect_err_contains "$SUITE_DIR/key.fifo is not a regular file but a pipe"

TEST "a key file that is far too large is refused"
head -c 100000 /dev/urandom >"$SUITE_DIR/big.key"
chmod 0600 "$SUITE_DIR/big.key"
OUT=$(VELOCITY_KEY_FILE="$SUITE_DIR/big.key" "$VELOCITY_BIN" status 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
expect_rc 2
expect_err_contains "big.key is larger than velocity reads (4 KiB at most)"

TEST "answers through a pipe are still read"
"$VELOCITY_BIN" assess template --framework soc2 2>/dev/null | sed "s/^    answer:\$/    answer: yes/" >"$SUITE_DIR/answers.yaml"
run assess --framework soc2 --answers <(cat "$SUITE_DIR/answers.yaml") --no-save
expect_rc 0

TEST "an output in a directory that does not exist: exit 2 naming it, nothing written"
run report --framework soc2 --format html -o /nonexistent/r.html
expect_rc 2
expect_err_contains "cannot write /nonexistent/r.html: the directory /nonexistent does not exist"
run audit export --output /nonexistent/audit.jsonl
expect_rc 2
expect_err_contains "the directory /nonexistent does not exist"

TEST "an output where the user may not write: exit 4"
mkdir -p "$SUITE_DIR/locked"
chmod 0777 "$SUITE_DIR"
chmod 0555 "$SUITE_DIR/locked"
cp "$STATE" "$SUITE_DIR/other.db"
OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$VELOCITY_BIN" --state "$SUITE_DIR/other.db" report --framework soc2 -o "$SUITE_DIR/locked/r.md" 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
expect_rc 4

TEST "a state of another user: permission denied (4), not 'no state'"
OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent "$VELOCITY_BIN" --state "$STATE" status 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
expect_rc 4
expect_err_contains "cannot read state $STATE: permission denied"
expect_err_lacks "no velocity state"

TEST "a missing credentials file is a usage error (2), not a state error"
run connect gcp --name g --key-file "$SUITE_DIR/missing.json" --no-test
expect_rc 2
expect_err_contains "missing.json does not exist"

TEST "temporary files a killed writer left are removed by the next write"
run report --framework soc2 --format md -o "$SUITE_DIR/r.md"
expect_rc 0
printf 'decrypted secrets' >"$SUITE_DIR/r.md.tmp.0badf00d"
touch -d '1 hour ago' "$SUITE_DIR/r.md.tmp.0badf00d"
printf 'being written' >"$SUITE_DIR/r.md.tmp.0000beef"
run report --framework soc2 --format md -o "$SUITE_DIR/r.md"
expect_rc 0
[ ! -e "$SUITE_DIR/r.md.tmp.0badf00d" ] && pass || fail "the stale temporary file is still there"
[ -e "$SUITE_DIR/r.md.tmp.0000beef" ] && pass || fail "a fresh temporary file (a live writer's) was removed"

TEST "escape sequences in what a user or server gave are shown, not obeyed"
run --org $'\e]0;pwned\a\e[2J' evidence list
expect_rc 2
expect_err_contains '\x1b]0;pwned\x07\x1b[2J'
if grep -q $'\e' <<<"$ERR"; then fail "a raw ESC reached the terminal: $ERR"; else pass; fi
printf 'answers:\n  mfa-all-users: \xff\xfe\x1b[31m\n' >"$SUITE_DIR/binary.yaml"
run assess --framework soc2 --answers "$SUITE_DIR/binary.yaml" --no-save
expect_rc 2
if grep -q $'\e' <<<"$ERR"; then fail "a raw ESC reached the terminal: $ERR"; else pass; fi
if LC_ALL=C grep -q $'\xff' <<<"$ERR"; then fail "invalid UTF-8 reached the terminal: $ERR"; else pass; fi

TEST "credentials never go in cleartext to another machine without --allow-insecure-http"
# A proxy on a closed loopback port catches any request that would leave: nothing leaves.
export http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9
GITHUB_TOKEN=ghp_test run connect github --name remote --org acme --api-url http://velocity-test.invalid
expect_rc 2
expect_err_contains "refused to send credentials in cleartext to http://velocity-test.invalid"
expect_err_contains "--allow-insecure-http"
expect_err_lacks "ghp_test"
GITHUB_TOKEN=ghp_test run connect github --name remote --org acme --api-url http://velocity-test.invalid --allow-insecure-http
expect_rc 6
expect_err_contains "may send its credentials over plain http://"
expect_err_lacks "refused to send credentials"
unset http_proxy HTTP_PROXY

TEST "evidence list --check with an id no platform has: exit 2 with the nearest id"
run evidence list --check bogus
expect_rc 2
expect_err_contains "--check bogus: no check has this id"
run evidence list --check aws_iam_root_mfa_enable
expect_rc 2
expect_err_contains "(did you mean aws_iam_root_mfa_enabled?)"
run evidence list --check aws_iam_root_mfa_enabled --format json
expect_rc 0

TEST "a report file name's extension names its format; an unknown one is refused"
run report --framework soc2 -o "$SUITE_DIR/r.oscal"
expect_rc 2
expect_err_contains "velocity does not know which format '.oscal' is"
[ ! -e "$SUITE_DIR/r.oscal" ] && pass || fail "a file was written for an unknown extension"
run report --framework soc2 -o "$SUITE_DIR/r.oscal.json"
expect_rc 0
expect_equal "$(python3 -c 'import json,sys; print(list(json.load(open(sys.argv[1])))[0])' "$SUITE_DIR/r.oscal.json")" "assessment-results" "an .oscal.json file is OSCAL"

TEST "collect on a demo organisation calls nothing"
export http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9
run collect --all
expect_rc 2
expect_err_contains "organisation 'demo-startup-soc2' is a demo"
unset http_proxy https_proxy HTTPS_PROXY

TEST "a report for a period without an assessment promises no completion date or cost"
run report --framework soc2 --from 2001-01-01 --to 2001-01-31
expect_rc 0
expect_out_contains "No completed assessment covers SOC 2 yet"
expect_out_lacks "full compliance by"
expect_out_contains "Without an assessment there is no gap list, cost or completion date to give."

TEST "demo history ends no later than the moment the demo ran"
run assess list --format json
now=$(date -u +%Y-%m-%dT%H:%M:%S)
latest=$(json_get 'max(a.get("completed_at") or "" for a in d)')
if [[ "$latest" < "$now" || "${latest:0:19}" == "$now" ]]; then pass; else fail "an assessment completed at $latest, after $now"; fi

TEST "report templates that recurse or nest without end are refused, not a stack overflow"
mkdir -p "$SUITE_DIR/tpl-self" "$SUITE_DIR/tpl-mutual" "$SUITE_DIR/tpl-deep"
printf '# {{organization}}\n{{> report_md}}\n' >"$SUITE_DIR/tpl-self/report.md.mustache"
run report --framework soc2 --format md --template-dir "$SUITE_DIR/tpl-self"
expect_rc 2
expect_err_contains "template report.md.mustache includes itself through its partials"
printf '{{> ping}}' >"$SUITE_DIR/tpl-mutual/report.md.mustache"
printf '{{> pong}}' >"$SUITE_DIR/tpl-mutual/ping.mustache"
printf '{{> ping}}' >"$SUITE_DIR/tpl-mutual/pong.mustache"
run report --framework soc2 --format md --template-dir "$SUITE_DIR/tpl-mutual"
expect_rc 2
expect_err_contains "includes itself through its partials"
python3 -c 'import sys; n = 20000; sys.stdout.write("{{#organization}}" * n + "x" + "{{/organization}}" * n)' >"$SUITE_DIR/tpl-deep/report.md.mustache"
OUT=$(timeout 30 "$VELOCITY_BIN" report --framework soc2 --format md --template-dir "$SUITE_DIR/tpl-deep" 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
expect_rc 2
expect_err_contains "sections nest deeper than 64 levels"

TEST "a proof with a field of the wrong type is named (exit 5), not an internal error"
"$VELOCITY_BIN" audit prove 2 -o "$SUITE_DIR/proof.json" 2>/dev/null
run audit verify-proof --file "$SUITE_DIR/proof.json" --pubkey "$SUITE_DIR/org.pem"
expect_rc 0
python3 - "$SUITE_DIR/proof.json" <<'PY'
import json, sys
proof = json.load(open(sys.argv[1]))
proof["leaf_index"] = str(proof["leaf_index"])
json.dump(proof, open(sys.argv[1], "w"))
PY
run audit verify-proof --file "$SUITE_DIR/proof.json" --pubkey "$SUITE_DIR/org.pem"
expect_rc 5
expect_err_contains '"leaf_index" field is missing or not a whole number'
expect_err_lacks "internal error"
"$VELOCITY_BIN" audit prove 2 -o "$SUITE_DIR/proof.json" 2>/dev/null
python3 - "$SUITE_DIR/proof.json" <<'PY'
import json, sys
proof = json.load(open(sys.argv[1]))
proof["tree_head"]["size"] = str(proof["tree_head"]["size"])
json.dump(proof, open(sys.argv[1], "w"))
PY
run audit verify-proof --file "$SUITE_DIR/proof.json" --pubkey "$SUITE_DIR/org.pem"
expect_rc 5
expect_err_contains "the proof's tree head is malformed: its \"size\" field is missing or not a whole number"

TEST "an export with a field of the wrong type is named (exit 5), not an internal error"
"$VELOCITY_BIN" audit export -o "$SUITE_DIR/export.jsonl" 2>/dev/null
# retype TYPE FIELD: the export with FIELD of its first TYPE record as a string, and that line.
retype() {
  python3 - "$SUITE_DIR/export.jsonl" "$SUITE_DIR/retyped.jsonl" "$1" "$2" <<'PY'
import json, sys
source, target, kind, field = sys.argv[1:]
lines = open(source).read().splitlines()
for number, line in enumerate(lines, 1):
    if line.startswith("{") and json.loads(line).get("type") == kind:
        record = json.loads(line)
        record[field] = str(record[field])
        lines[number - 1] = json.dumps(record, separators=(",", ":"))
        break
open(target, "w").write("\n".join(lines) + "\n")
print(number)
PY
}
line=$(retype tree_head size)
run audit verify --file "$SUITE_DIR/retyped.jsonl" --pubkey "$SUITE_DIR/org.pem"
expect_rc 5
expect_err_contains "the tree head at line $line is malformed: its \"size\" field is missing or not a whole number"
expect_err_lacks "internal error"
line=$(retype export_seal to_seq)
run audit verify --file "$SUITE_DIR/retyped.jsonl" --pubkey "$SUITE_DIR/org.pem"
expect_rc 5
expect_err_contains "line $line: the export's seal is malformed: its \"to_seq\" field is missing or not a whole number"
line=$(retype witness size)
run audit verify --file "$SUITE_DIR/retyped.jsonl" --pubkey "$SUITE_DIR/org.pem"
expect_rc 5
expect_err_contains "line $line: the witnessed head is malformed: its \"size\" field is missing or not a whole number"

TEST "a master key file every user may read is refused, as ssh refuses such a key"
chmod 0644 "$KEY"
run status
expect_rc 3
expect_err_contains "master key file $KEY may be read by every user (mode 0644): refused"
expect_err_contains "chmod 600 $KEY"
TEST "a key file or state its group may read works, with a warning even with -q"
chmod 0640 "$KEY"
chmod 0640 "$STATE"
run -q status
expect_rc 0
expect_err_contains "velocity: warning: master key file $KEY may be read by other users (mode 0640)"
expect_err_contains "velocity: warning: state $STATE may be read by other users (mode 0640)"
chmod 0600 "$KEY" "$STATE"
run -q status
expect_rc 0
expect_equal "$ERR" "" "no warning once both are private"

TEST "a wrong key leaves the state and its write-ahead log as they were"
cp "$STATE" "$SUITE_DIR/wal.db"
python3 - "$SUITE_DIR/wal.db" <<'PY'
import sqlite3, sys, os
con = sqlite3.connect(sys.argv[1])
con.execute("PRAGMA wal_autocheckpoint=0")
con.execute("INSERT INTO meta (key, value) VALUES ('left-in-the-log', x'00')")
con.commit()
# Leave the log behind, as a killed process does.
os._exit(0)
PY
[ -s "$SUITE_DIR/wal.db-wal" ] && pass || fail "the test did not leave a write-ahead log"
before=$(digest "$SUITE_DIR/wal.db"); wal_before=$(digest "$SUITE_DIR/wal.db-wal")
OUT=$(VELOCITY_MASTER_KEY=$(head -c 32 /dev/urandom | base64) "$VELOCITY_BIN" --state "$SUITE_DIR/wal.db" status 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
expect_rc 3
expect_err_contains "wrong master key"
expect_equal "$(digest "$SUITE_DIR/wal.db")" "$before" "state file unchanged"
expect_equal "$(digest "$SUITE_DIR/wal.db-wal")" "$wal_before" "write-ahead log unchanged"

TEST "a full disk: the command says so, the state is unchanged and works once space is freed"
FULL="$SUITE_DIR/full"
if small_disk "$FULL" 8m; then
  export VELOCITY_STATE="$FULL/v.db" VELOCITY_KEY_FILE="$FULL/master.key"
  run init
  expect_rc 0
  run demo --scenario startup-soc2 --days 7 --seed 1
  expect_rc 0
  # Leave about 200 KiB, then write until the disk is full.
  fill_disk "$FULL" 50
  full_rc=0
  for day in 1 2 3 4 5 6 7 8 9 10; do
    run demo --scenario startup-soc2 --days 30 --seed "$day" --reset
    if [ "$RC" -ne 0 ]; then full_rc=$RC; break; fi
  done
  expect_equal "$full_rc" 3 "the command that met the full disk"
  expect_err_contains "no space left on the device"
  expect_err_contains "unchanged"
  expect_err_lacks "truncated"
  run status
  if [ "$RC" -eq 0 ] || grep -q "no space left" <<<"$ERR"; then pass; else fail "status on a full disk: $RC $ERR"; fi
  expect_err_lacks "truncated"
  rm -f "$FULL/filler"
  run status
  expect_rc 0
  run demo --scenario startup-soc2 --days 7 --seed 1 --reset
  expect_rc 0
  expect_equal "$(sqlite3 "$FULL/v.db" 'PRAGMA integrity_check')" ok "integrity"
  unset VELOCITY_STATE VELOCITY_KEY_FILE
  release_small_disk "$FULL"
fi

finish
