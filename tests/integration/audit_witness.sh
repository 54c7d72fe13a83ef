#!/usr/bin/env bash
# The audit witness: the latest signed tree head of every organisation's log, kept beside the key
# file, outside the state. Deleting a log from the state (with the sqlite3 shell), starting it
# over, or restoring an older copy of the state ends `audit verify` in exit 5 naming the
# organisation; org delete, demo --reset and init update the witness so that they do not;
# concurrent commands never move it backwards; exports and report bundles carry the witnessed
# head and their offline verification catches a log that does not reach it.
source "$(dirname "$0")/lib.sh"
require sqlite3
require python3
require tar

WORK="$SUITE_DIR/work"
NOWHERE="$SUITE_DIR/nowhere" # an empty home for the offline checks: no state, no key
mkdir -p "$WORK" "$NOWHERE"
WITNESS="$XDG_CONFIG_HOME/velocity/audit-witness.json"
export VELOCITY_STATE="$WORK/a.db"

sql() { sqlite3 "$VELOCITY_STATE" "$@"; }
org_id() { sql "SELECT id FROM organizations WHERE name = '$1'"; }
count_events() { sql "SELECT count(*) FROM audit_events WHERE org_id = $(org_id "$1")"; }
# fingerprint ORG: SHA256: and the hex SHA-256 of the raw public key of the organisation's log.
fingerprint() {
  python3 -c 'import hashlib, sys; print("SHA256:" + hashlib.sha256(bytes.fromhex(sys.argv[1])).hexdigest())' \
    "$(sql "SELECT hex(public_key) FROM audit_logs WHERE org_id = $(org_id "$1")")"
}
# witness_get EXPR: EXPR over w, this state's record in the witness file (python).
witness_get() {
  python3 - "$WITNESS" "$(sql "SELECT value FROM meta WHERE key = 'state_id'")" "$1" <<'PY'
import json, sys
path, state_id, expr = sys.argv[1:]
w = json.load(open(path))["states"][state_id]
print(eval(expr))
PY
}
# snapshot NAME / rollback NAME: a copy of the state file (the WAL folded in first), put back.
snapshot() { sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null; cp "$VELOCITY_STATE" "$WORK/$1"; }
rollback() { cp "$WORK/$1" "$VELOCITY_STATE"; rm -f "$VELOCITY_STATE-wal" "$VELOCITY_STATE-shm"; }
offline() {
  OUT=$(env -u VELOCITY_MASTER_KEY -u VELOCITY_KEY_FILE -u VELOCITY_STATE HOME="$NOWHERE" \
    XDG_CONFIG_HOME="$NOWHERE/.config" XDG_DATA_HOME="$NOWHERE/.local/share" \
    "$VELOCITY_BIN" --state "$NOWHERE/none.db" "$@" 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
  ERR=$(cat "$SUITE_DIR/stderr")
}

TEST "every command that signs a head records it in the witness beside the key file"
run init
expect_rc 0
run org create acme
expect_rc 0
for _ in 1 2 3; do run --org acme audit log; done
if [ -f "$WITNESS" ]; then pass; else fail "no witness at $WITNESS"; fi
expect_equal "$(stat -c %a "$WITNESS")" 600 "witness mode"
expect_equal "$(witness_get 'w["logs"]["acme"]["size"]')" "$(count_events acme)" "witnessed size"
expect_equal "$(witness_get 'w["logs"]["acme"]["key_fingerprint"]')" "$(fingerprint acme)"
expect_equal "$(witness_get 'w["state"]')" "$VELOCITY_STATE"
run --org acme audit verify
expect_rc 0
expect_out_contains "witnessed head:      $(($(count_events acme) - 1)) events, signed"
run --org acme audit verify --format json
expect_equal "$(json_get 'd["witness"]["log"], d["warnings"]')" "acme []"

TEST "a missing witness is a warning, and the next command starts it again"
mv "$WITNESS" "$WORK/witness.saved"
run --org acme audit verify
expect_rc 0
expect_err_contains "warning: no audit witness at $WITNESS: the log cannot be checked for deletion or rollback"
if [ -f "$WITNESS" ]; then pass; else fail "verify did not start a new witness"; fi
run --org acme audit verify
expect_rc 0
expect_err_lacks "no audit witness"

TEST "VELOCITY_WITNESS_FILE puts the witness elsewhere"
VELOCITY_WITNESS_FILE="$WORK/elsewhere/witness.json" run --org acme audit verify
expect_rc 0
expect_err_contains "no audit witness at $WORK/elsewhere/witness.json"
if [ -f "$WORK/elsewhere/witness.json" ]; then pass; else fail "no witness at VELOCITY_WITNESS_FILE"; fi

TEST "a log deleted from the state (its rows in the three tables): exit 5 naming it"
# The size this witness saw (the last run recorded its head in the other file).
SIZE=$(witness_get 'w["logs"]["acme"]["size"]')
ACME_ID=$(org_id acme)
sql "DELETE FROM audit_events WHERE org_id = $ACME_ID; DELETE FROM audit_heads WHERE org_id = $ACME_ID;
  DELETE FROM audit_logs WHERE org_id = $ACME_ID"
# Verifying another organisation's log reports it too.
run audit verify --format json
expect_rc 5
expect_equal "$(json_get 'd["failure"]["problem"]')" gone
expect_err_contains "the audit log of 'acme' is gone"
run --org acme audit verify
expect_rc 5
expect_err_contains "the audit log of 'acme' is gone: the witness at $WITNESS saw $SIZE events signed at"
expect_err_contains "help: the state was changed outside velocity after the witness saw it"

TEST "a new log started after the deletion does not pass either"
run --org acme audit log
expect_rc 0
expect_err_contains "the audit log of 'acme' is signed with key $(fingerprint acme), but the witness at $WITNESS saw $SIZE events"
run --org acme audit verify --format json
expect_rc 5
expect_equal "$(json_get 'd["failure"]["problem"]')" replaced
expect_err_contains "the audit log of 'acme' was replaced by a new one with key $(fingerprint acme)"
expect_equal "$(witness_get 'w["logs"]["acme"]["size"]')" "$SIZE" "the witness did not move"

TEST "org delete records the deletion: verify passes, and a new organisation of that name starts afresh"
run org delete acme --yes
expect_rc 0
run audit verify
expect_rc 0
if [ -n "$(witness_get 'w["logs"]["acme"]["deleted_at"]')" ]; then pass; else fail "no deleted_at"; fi
run org create acme
run --org acme audit log
run --org acme audit verify
expect_rc 0
expect_equal "$(witness_get 'w["logs"]["acme"].get("deleted_at")')" None "a live log again"
expect_equal "$(witness_get 'w["logs"]["acme"]["key_fingerprint"]')" "$(fingerprint acme)"

TEST "an export and a bundle carry the witnessed head and verify offline"
for _ in $(seq 1 12); do run --org acme audit log; done
run --org acme audit verify
expect_rc 0
run --org acme audit key
printf '%s\n' "$OUT" >"$WORK/acme.pem"
run --org acme audit export --output "$WORK/good.jsonl"
expect_rc 0
offline audit verify --file "$WORK/good.jsonl" --pubkey "$WORK/acme.pem" --format json
expect_rc 0
expect_equal "$(json_get 'd["witness"]["size"] > 0, d["failure"]')" "True None"
run --org acme report bundle --framework soc2 --output "$WORK/good.tar.gz"
expect_rc 0
offline report verify "$WORK/good.tar.gz" --pubkey "$WORK/acme.pem"
expect_rc 0
expect_equal "$(tar -xzOf "$WORK/good.tar.gz" audit/witness.json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["type"], r["log"])')" \
  "witness acme" "the bundle's witnessed head"

TEST "an export cut short, or without its witness record, does not verify offline"
# The events after the first ten, and every record after them, removed.
python3 - "$WORK/good.jsonl" "$WORK/cut.jsonl" "$WORK/nowitness.jsonl" <<'PY'
import json, sys
src, cut, nowitness = sys.argv[1:]
lines = open(src).read().splitlines(True)
events = [i for i, l in enumerate(lines) if l.startswith('{"type":"audit_event"')]
open(cut, "w").writelines(lines[:events[9] + 1])
open(nowitness, "w").writelines(l for l in lines if json.loads(l)["type"] != "witness")
PY
offline audit verify --file "$WORK/cut.jsonl" --pubkey "$WORK/acme.pem" --format json
expect_rc 5
expect_equal "$(json_get 'd["witness"]["size"] > 10, d["failure"]["problem"]')" "True deleted_tail"
offline audit verify --file "$WORK/nowitness.jsonl" --pubkey "$WORK/acme.pem"
expect_rc 5
expect_err_contains "export does not carry: its witness record was removed"

TEST "demo --reset replaces the demo organisation's log in the witness"
run demo --scenario startup-soc2 --days 3 --end 2025-03-31
expect_rc 0
run demo --scenario startup-soc2 --days 3 --end 2025-03-31 --reset
expect_rc 0
run --org demo-startup-soc2 audit verify
expect_rc 0
expect_equal "$(witness_get 'w["logs"]["demo-startup-soc2"]["key_fingerprint"]')" "$(fingerprint demo-startup-soc2)"

TEST "concurrent commands never move the witness backwards"
pids=()
for i in $(seq 1 10); do
  "$VELOCITY_BIN" --org acme audit log >"$WORK/par$i.out" 2>"$WORK/par$i.err" &
  pids+=("$!")
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
expect_equal "$failed" 0 "parallel writers that failed"
expect_equal "$(witness_get 'w["logs"]["acme"]["size"]')" "$(count_events acme)" "witness size = log size"
run --org acme audit verify
expect_rc 0
if ls "$(dirname "$WITNESS")" | grep -q '\.tmp\.'; then fail "a temporary witness file was left"; else pass; fi

TEST "a state whose id was changed is not the state the witness saw there"
snapshot before-id.db
sql "UPDATE meta SET value = 'forged' WHERE key = 'state_id'"
run audit verify
expect_rc 5
expect_err_contains "the state at $VELOCITY_STATE is not the state the witness at $WITNESS saw there"
rollback before-id.db
run audit verify
expect_rc 0

TEST "an older copy of the state put back: exit 5, rolled back"
snapshot old.db
for _ in 1 2 3; do run --org acme audit log; done
SIZE=$(count_events acme)
rollback old.db
run --org acme audit verify --format json
expect_rc 5
expect_equal "$(json_get 'd["failure"]["problem"]')" rolled_back
expect_err_contains "the audit log of 'acme' was rolled back: it has $(($(count_events acme) - 1)) events, the witness at $WITNESS saw $SIZE events signed at"
# Commands after the rollback append past the witnessed size, but not to the witnessed tree.
for _ in 1 2 3 4 5 6; do run --org acme audit log; done
expect_err_contains "the audit log of 'acme' does not extend the head the witness at $WITNESS saw $SIZE events"
run --org acme audit verify
expect_rc 5
expect_err_contains "the audit log of 'acme' was rolled back and rewritten: its first $SIZE events do not hash to the root the witness"
run --org acme audit report
expect_rc 5
expect_out_contains "Integrity of the whole log: FAILED: the audit log of 'acme' was rolled back and rewritten"
expect_equal "$(witness_get 'w["logs"]["acme"]["size"]')" "$SIZE" "the witness did not move"

TEST "a rolled-back export and bundle carry the witnessed head; offline verification catches them"
run --org acme audit key
printf '%s\n' "$OUT" >"$WORK/acme.pem"
run --org acme audit export --output "$WORK/rolled-back.jsonl"
expect_rc 0
expect_equal "$(sed -n 3p "$WORK/rolled-back.jsonl" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["type"], r["size"])')" \
  "witness $SIZE" "line 3 is the witnessed head"
offline audit verify --file "$WORK/rolled-back.jsonl" --pubkey "$WORK/acme.pem" --format json
expect_rc 5
expect_equal "$(json_get 'd["failure"]["problem"]')" rolled_back
expect_err_contains "the export's first $SIZE events do not hash to the root of the witnessed head it carries"
run --org acme report bundle --framework soc2 --output "$WORK/rolled-back.tar.gz"
expect_rc 0
offline report verify "$WORK/rolled-back.tar.gz" --pubkey "$WORK/acme.pem"
expect_rc 5
expect_err_contains "FAILED audit/events.jsonl"

TEST "init of a new state where one was: the old records are kept, marked replaced"
snapshot replaced.db
rm -f "$VELOCITY_STATE" "$VELOCITY_STATE-wal" "$VELOCITY_STATE-shm"
run init
expect_rc 0
expect_err_contains "the audit witness $WITNESS knew another state at $VELOCITY_STATE: its records are kept there, marked replaced"
run audit verify
expect_rc 0
# The replaced state put back in the new one's place does not pass.
snapshot new.db
rollback replaced.db
run audit verify
expect_rc 5
expect_err_contains "this is the state that \`init\` replaced at"
rollback new.db
run audit verify
expect_rc 0
expect_equal "$(python3 -c 'import json,sys; print(sum(1 for s in json.load(open(sys.argv[1]))["states"].values() if s.get("replaced_at")))' "$WITNESS")" \
  1 "one replaced state"
# Another state beside it shares the witness file, each with its own record.
VELOCITY_STATE="$WORK/b.db" run init
expect_rc 0
VELOCITY_STATE="$WORK/b.db" run audit verify
expect_rc 0
expect_equal "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["states"]))' "$WITNESS")" 3 "states in the witness"

TEST "a witness file that is not one: exit 5 on verify, a warning elsewhere"
cp "$WITNESS" "$WORK/witness.good"
echo '{"type":"something else"}' >"$WITNESS"
run audit verify
expect_rc 5
expect_err_contains "the audit witness $WITNESS is not a witness file velocity wrote"
run org create gamma
expect_rc 0
expect_err_contains "warning: the audit witness $WITNESS was not updated"
cp "$WORK/witness.good" "$WITNESS"

finish
