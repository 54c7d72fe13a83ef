#!/usr/bin/env bash
# velocity backup / restore: a verified copy of the state taken while other commands write, and a
# restore that checks the backup first, asks before it replaces anything, and refuses to roll an
# audit log back behind the witness unless told to (then records it). Bad input: a missing file,
# a directory, a file that is not a database or not velocity's, a newer schema, a wrong key, a
# full disk.
source "$(dirname "$0")/lib.sh"
require sqlite3
require python3

STATE="$XDG_DATA_HOME/velocity/velocity.db"
KEY="$XDG_CONFIG_HOME/velocity/master.key"
WITNESS="$XDG_CONFIG_HOME/velocity/audit-witness.json"
B="$SUITE_DIR/backups"
mkdir -p "$B"
digest() { sha256sum "$1" | cut -d' ' -f1; }
mode() { stat -c %a "$1"; }
# Files in a directory whose name says they are temporary files of velocity.
leftovers() { find "$1" -maxdepth 1 \( -name '*.tmp.*' -o -name '*-journal' -o -name '*-wal' \) | sort; }
actions() {
  run "$@" audit log --format json
  python3 -c 'import json, sys; print(*[e["action"] for e in json.load(sys.stdin)])' <<<"$OUT"
}

run init
run demo --scenario startup-soc2 --days 7 --seed 1
[ "$RC" -eq 0 ] || fail "demo setup: $ERR"

TEST "backup writes a verified copy, mode 0600, one file, and logs it before the copy"
run backup "$B/one.db"
expect_rc 0
expect_err_contains "backed up state $STATE to $B/one.db"
expect_err_contains "verified: SQLite's integrity check passed"
expect_equal "$(mode "$B/one.db")" 600 "backup mode"
expect_equal "$(sqlite3 "$B/one.db" 'PRAGMA integrity_check')" ok "integrity of the copy"
expect_equal "$(sqlite3 "$B/one.db" 'PRAGMA journal_mode')" delete "a backup is one file"
expect_equal "$(leftovers "$B")" "" "nothing beside the backup"
expect_equal "$(sqlite3 "$B/one.db" "SELECT count(*) FROM evidence")" \
  "$(sqlite3 "$STATE" "SELECT count(*) FROM evidence")" "the evidence is all there"
# The copy holds its own event: the last one of the default log in it is state.backup.
expect_equal "$(sqlite3 "$B/one.db" "SELECT action FROM audit_events WHERE org_id = 1 ORDER BY seq DESC LIMIT 1")" \
  state.backup "the backup's last event"
last=$(actions)
expect_equal "${last##* }" state.backup "the state's last event"
run backup "$B/one.db" --format json
expect_rc 0
expect_equal "$(json_get '[d["file"], d["verified"], d["organizations"], d["bytes"] > 0]')" \
  "['$B/one.db', True, 2, True]" "backup --format json"

TEST "backup while demo and assess write: every copy verifies, the writers do not notice"
"$VELOCITY_BIN" --org busy demo --scenario enterprise-iso27001 --days 20 --seed 3 \
  >"$SUITE_DIR/demo.out" 2>"$SUITE_DIR/demo.err" &
demo_pid=$!
track_pid "$demo_pid"
"$VELOCITY_BIN" assess template --framework soc2 | sed 's/^\(    answer:\).*/\1 yes/' >"$SUITE_DIR/answers.yaml"
(for i in 1 2 3; do
  "$VELOCITY_BIN" assess --framework soc2 --answers "$SUITE_DIR/answers.yaml" >/dev/null 2>>"$SUITE_DIR/assess.err" || exit 1
done) &
assess_pid=$!
track_pid "$assess_pid"
copies=0 failures=""
while kill -0 "$demo_pid" 2>/dev/null || [ "$copies" -lt 3 ]; do
  copies=$((copies + 1))
  copy="$B/busy-$copies.db"
  if "$VELOCITY_BIN" backup "$copy" >/dev/null 2>"$SUITE_DIR/backup.err"; then
    [ "$(sqlite3 "$copy" 'PRAGMA integrity_check')" = ok ] || failures+=" copy $copies is damaged;"
    # A consistent snapshot: every finding's evidence is in the same copy.
    orphans=$(sqlite3 "$copy" "SELECT count(*) FROM findings f WHERE f.evidence_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.id = f.evidence_id)")
    [ "$orphans" = 0 ] || failures+=" copy $copies has $orphans findings without their evidence;"
  else
    failures+=" copy $copies: $(cat "$SUITE_DIR/backup.err");"
  fi
  # The first copy is restored below; the others only had to verify.
  [ "$copies" -gt 1 ] && rm -f "$copy"
  [ "$copies" -ge 12 ] && break
done
wait "$demo_pid" && demo_rc=0 || demo_rc=$?
wait "$assess_pid" && assess_rc=0 || assess_rc=$?
expect_equal "$demo_rc" 0 "the demo writing meanwhile ($(cat "$SUITE_DIR/demo.err"))"
expect_equal "$assess_rc" 0 "the assessments meanwhile ($(cat "$SUITE_DIR/assess.err" 2>/dev/null))"
expect_equal "$failures" "" "backups taken meanwhile"
run audit verify
expect_rc 0
run --org busy audit verify
expect_rc 0

TEST "restore of the latest backup: asks first, replaces the state, no rollback, audit intact"
run backup "$B/latest.db"
expect_rc 0
run restore "$B/latest.db"
expect_rc 2
expect_err_contains "replaces state $STATE"
expect_err_contains "refusing without --yes"
run restore "$B/latest.db" --yes
expect_rc 0
expect_err_contains "restored state $STATE from $B/latest.db"
expect_err_lacks "rolled back"
expect_equal "$(sqlite3 "$STATE" "SELECT count(*) FROM evidence")" \
  "$(sqlite3 "$B/latest.db" "SELECT count(*) FROM evidence")" "evidence"
expect_equal "$(sqlite3 "$STATE" 'PRAGMA journal_mode')" wal "the state stays in WAL mode"
last=$(actions)
expect_equal "${last##* }" state.restore "the restore is an audit event"
run audit verify
expect_rc 0
expect_out_contains "intact"

TEST "restore of an older backup rolls the log back: refused, then --accept-rollback records it"
run org create newer
expect_rc 0
highest_id=$(sqlite3 "$STATE" "SELECT max(id) FROM organizations")
before=$(digest "$STATE")
run restore "$B/one.db" --yes
expect_rc 2
expect_err_contains "would roll back audit logs the witness $WITNESS saw further; nothing was changed"
expect_err_contains "the audit log of 'default' was rolled back"
expect_err_contains "--accept-rollback"
expect_equal "$(digest "$STATE")" "$before" "state unchanged"
run restore "$B/one.db" --yes --accept-rollback --format json
expect_rc 0
expect_equal "$(json_get '[log in [r["log"] for r in d["rolled_back"]] for log in ("busy", "default")]')" \
  "[True, True]" "the logs rolled back"
rolled_back=$(json_get '[r["log"] for r in d["rolled_back"]]')
expect_equal "$(json_get 'all(r["restored_size"] < r["witnessed_size"] for r in d["rolled_back"])')" True "restored sizes"
run org list --format json
expect_equal "$(json_get '[o["name"] for o in d]')" "['default', 'demo-startup-soc2']" "organisations of the backup"
run audit log --format json
expect_equal "$(python3 -c 'import json, sys; e = json.load(sys.stdin)[-1]; print(e["action"], [r["log"] for r in e["details"]["rolled_back"]])' <<<"$OUT")" \
  "state.restore $rolled_back" "the rollback is in the log"
run audit verify
expect_rc 0
run --org demo-startup-soc2 audit verify
expect_rc 0
# A new organisation does not take an id the replaced state gave.
run org create fresh
expect_rc 0
if [ "$(sqlite3 "$STATE" "SELECT id FROM organizations WHERE name = 'fresh'")" -gt "$highest_id" ]; then
  pass
else
  fail "an organisation id of the replaced state was given again"
fi

TEST "restore where there is no state creates it, mode 0600, in WAL mode"
NEW="$SUITE_DIR/elsewhere/velocity.db"
# A copy used beside the original has the original's id: it gets a witness of its own.
elsewhere() { VELOCITY_WITNESS_FILE="$SUITE_DIR/elsewhere-witness.json" run --state "$NEW" "$@"; }
elsewhere restore "$B/latest.db"
expect_rc 0
expect_equal "$(mode "$NEW")" 600 "state mode"
expect_equal "$(sqlite3 "$NEW" 'PRAGMA journal_mode')" wal "journal mode"
expect_equal "$(leftovers "$SUITE_DIR/elsewhere" | grep -v -- '-wal$')" "" "no temporary file left"
elsewhere status
expect_rc 0

TEST "restore refuses what is not a usable backup, and changes nothing"
before=$(digest "$STATE")
echo 'not a state' >"$B/junk.db"
sqlite3 "$B/other.db" 'CREATE TABLE t (x)'
cp "$B/latest.db" "$B/newer.db"
sqlite3 "$B/newer.db" 'PRAGMA user_version = 999'
head -c 20000 "$B/latest.db" >"$B/truncated.db"
mkdir -p "$B/a-directory"
run restore "$B/missing.db" --yes
expect_rc 2
expect_err_contains "$B/missing.db does not exist"
run restore "$B/a-directory" --yes
expect_rc 2
expect_err_contains "$B/a-directory is a directory"
run restore "$B/junk.db" --yes
expect_rc 2
expect_err_contains "$B/junk.db is not a velocity backup (not an SQLite database)"
run restore "$B/other.db" --yes
expect_rc 2
expect_err_contains "$B/other.db is not a velocity backup (an SQLite database, but no velocity state)"
run restore "$B/newer.db" --yes
expect_rc 2
expect_err_contains "backup $B/newer.db has schema version 999, newer than this velocity understands"
run restore "$B/truncated.db" --yes
expect_rc 2
expect_err_contains "$B/truncated.db is not a velocity backup (truncated"
run restore "$STATE" --yes
expect_rc 2
expect_err_contains "is the state itself"
VELOCITY_MASTER_KEY=$(head -c 32 /dev/urandom | base64) run restore "$B/latest.db" --yes
expect_rc 3
expect_err_contains "wrong master key for backup $B/latest.db"
# A live state with its log beside it is not a backup: the log's changes would be missed.
elsewhere org create busy-elsewhere
expect_rc 0
python3 - "$NEW" <<'PY' &
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1])
con.execute("BEGIN IMMEDIATE")
con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('test_holder', x'00')")
con.commit()
time.sleep(120)
PY
holder=$!
track_pid "$holder"
for _ in $(seq 50); do [ -s "$NEW-wal" ] && break; sleep 0.1; done
run restore "$NEW" --yes
expect_rc 2
expect_err_contains "has a write-ahead log beside it: it is a state in use, not a backup"
kill "$holder" 2>/dev/null
expect_equal "$(digest "$STATE")" "$before" "state unchanged by every refusal"
expect_equal "$(leftovers "$(dirname "$STATE")" | grep -v -- '-wal$')" "" "no temporary file left"

TEST "backup refuses a directory, a missing directory and the state itself"
run backup "$B/a-directory"
expect_rc 2
expect_err_contains "cannot write $B/a-directory: it is a directory"
run backup "$B/nowhere/x.db"
expect_rc 2
expect_err_contains "the directory $B/nowhere does not exist"
run backup "$STATE"
expect_rc 2
expect_err_contains "is the state itself"
VELOCITY_MASTER_KEY=$(head -c 32 /dev/urandom | base64) run backup "$B/wrong.db"
expect_rc 3
expect_err_contains "wrong master key"
[ -e "$B/wrong.db" ] && fail "a backup was written with a wrong key" || pass

TEST "a full disk: backup and restore say so, leave nothing behind and change nothing"
FULL="$SUITE_DIR/full"
if small_disk "$FULL" 4m; then
  fill_disk "$FULL" 16
  run backup "$FULL/full.db"
  expect_rc 3
  expect_err_contains "no space left on the device"
  expect_err_contains "unchanged"
  [ -e "$FULL/full.db" ] && fail "a partial backup was left" || pass
  expect_equal "$(leftovers "$FULL")" "" "nothing left on the full disk"
  last=$(actions)
  expect_equal "${last##* }" state.backup "the failed backup is logged"
  run audit log --format json --outcome failure
  expect_out_contains "no space left on the device"
  rm -f "$FULL/filler"
  # The state on the small disk, then a backup larger than the room that is left.
  export VELOCITY_STATE="$FULL/v.db" VELOCITY_WITNESS_FILE="$SUITE_DIR/full-witness.json"
  run restore "$B/one.db" --yes
  expect_rc 0
  before=$(digest "$FULL/v.db")
  fill_disk "$FULL" 16
  run restore "$B/busy-1.db" --yes --accept-rollback
  expect_rc 3
  expect_err_contains "no space left on the device"
  expect_err_contains "unchanged"
  expect_equal "$(digest "$FULL/v.db")" "$before" "the state on the full disk"
  expect_equal "$(leftovers "$FULL" | grep -v -- '-wal$')" "" "nothing left on the full disk"
  rm -f "$FULL/filler"
  run status
  expect_rc 0
  unset VELOCITY_STATE VELOCITY_WITNESS_FILE
  release_small_disk "$FULL"
fi

finish
