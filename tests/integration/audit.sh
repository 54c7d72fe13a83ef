#!/usr/bin/env bash
# velocity audit: key, log, verify, export, report, prove and verify-proof end to end. Real
# commands append the events; every kind of tampering, in the state (with the sqlite3 shell) and
# in an export (with python), ends in exit 5 naming the first bad event and why; an export and an
# inclusion proof verify offline with nothing but the public key; a command killed with SIGKILL
# leaves a log that verifies and that the next command continues.
source "$(dirname "$0")/lib.sh"
require sqlite3
require openssl
require python3
# The interpreter itself: a version manager's shim in front of it can cost most of a second a call.
PY=$(python3 -c 'import sys; print(sys.executable)')

STATE="$XDG_DATA_HOME/velocity/velocity.db"
WORK="$SUITE_DIR/work"
NOWHERE="$SUITE_DIR/nowhere" # an empty home for the offline checks: no state, no key
mkdir -p "$WORK" "$NOWHERE"
DEMO=demo-startup-soc2
ME=$(id -un)

sql() { sqlite3 "$STATE" "$@"; }
# json_get EXPR: EXPR over d, the JSON on stdout of the last run.
# offline ARGS...: velocity with no state, no master key, no key file and an empty home.
offline() {
  OUT=$(env -u VELOCITY_MASTER_KEY -u VELOCITY_KEY_FILE -u VELOCITY_PASSPHRASE HOME="$NOWHERE" \
    XDG_CONFIG_HOME="$NOWHERE/.config" XDG_DATA_HOME="$NOWHERE/.local/share" \
    "$VELOCITY_BIN" --state "$NOWHERE/none.db" "$@" 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
  ERR=$(cat "$SUITE_DIR/stderr")
}
org_id() { sql "SELECT id FROM organizations WHERE name = '$1'"; }
count_events() { sql "SELECT count(*) FROM audit_events WHERE org_id = $(org_id "$1")"; }
count_heads() { sql "SELECT count(*) FROM audit_heads WHERE org_id = $(org_id "$1")"; }
# The state as it was when pristine was taken (the WAL folded in first), with its audit witness:
# restoring the state alone is a rollback that `audit verify` reports (audit_witness.sh).
WITNESS="$XDG_CONFIG_HOME/velocity/audit-witness.json"
save_pristine() {
  sql "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
  cp "$STATE" "$WORK/pristine.db"
  cp "$WITNESS" "$WORK/pristine-witness.json"
}
restore() {
  cp "$WORK/pristine.db" "$STATE"
  rm -f "$STATE-wal" "$STATE-shm"
  cp "$WORK/pristine-witness.json" "$WITNESS"
}
# The seqs of a `audit log --format json` answer, on one line.
seqs_of() { "$PY" -c 'import json, sys; print(*[e["seq"] for e in json.load(sys.stdin)])' <<<"$OUT"; }
# seq action outcome, one line per event of a `audit log --format json` answer.
events_of() {
  "$PY" -c 'import json, sys
for e in json.load(sys.stdin): print(e["seq"], e["action"], e["outcome"])' <<<"$OUT"
}

TEST "state changes are logged, failed commands too (outcome failure, with the error)"
run init
expect_rc 0
run org create acme
expect_rc 0
run org create acme
expect_rc 2
run audit log --format json
expect_rc 0
expect_equal "$(events_of)" "1 audit.log.create success
2 state.init success
3 org.create success
4 org.create failure" "the default log"
expect_equal "$(json_get 'd[3]["details"]["error"]')" "an organisation named 'acme' already exists" "error recorded"
expect_equal "$(json_get 'd[3]["details"]["exit_code"]')" 2 "exit code recorded"
expect_equal "$(json_get 'd[2]["category"] + " " + d[2]["actor"] + " " + d[2]["resource_type"] + ":" + d[2]["resource_id"]')" \
  "system_security $ME organization:acme" "who did what to what"
if [ "$(json_get 'd[2]["correlation_id"]')" != "$(json_get 'd[3]["correlation_id"]')" ] &&
  [ "$(json_get 'd[0]["correlation_id"]')" == "$(json_get 'd[1]["correlation_id"]')" ]; then
  pass
else
  fail "one correlation id per run expected: $OUT"
fi
# The read itself was logged, after it answered.
DEFAULT_ID=$(org_id default)
expect_equal "$(sql "SELECT action FROM audit_events WHERE org_id = $DEFAULT_ID ORDER BY seq DESC LIMIT 1")" audit.log.read
# Each run that appended events ended with a signed tree head over them.
expect_equal "$(sql "SELECT group_concat(size, ',') FROM audit_heads WHERE org_id = $DEFAULT_ID ORDER BY id")" "2,3,4,5"

sleep 0.05
MID=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
sleep 0.05
run org create beta
expect_rc 0
run org delete beta --yes
expect_rc 0
run --org acme audit export --to-seq 99 --output "$WORK/none.jsonl"
expect_rc 2
expect_err_contains "events 1..99 are not in the audit log of 'acme'"
run --org acme audit log --outcome failure --format json
expect_equal "$(events_of)" "2 audit.export failure" "a failed export is logged in the organisation's log"
expect_equal "$(json_get 'd[0]["category"]')" data_access
run audit log --action org.delete --format json
expect_equal "$(json_get 'd[0]["resource_id"] + " " + str(d[0]["details"]["data_key_destroyed"])')" "beta True" \
  "org delete is logged in the default log"

TEST "audit log filters: time, category, actor, action, outcome, limit"
run audit log --action org.create --from "$MID" --format json
expect_rc 0
expect_equal "$(events_of)" "6 org.create success" "--from"
run audit log --action org.create --to "$MID" --format json
expect_equal "$(events_of)" "3 org.create success
4 org.create failure" "--to"
run audit log --action org.create --to "$(date -u +%F)"
expect_err_contains "3 events" # a bare date ends the whole day
run audit log --from "$(date -u -d tomorrow +%F)"
expect_rc 0
expect_err_contains "0 events"
run audit log --outcome failure
expect_out_contains "org.create  organization:acme  failure"
expect_err_contains "1 events"
run audit log --actor "$ME" --format json
total=$(json_get 'len(d)')
expect_equal "$total" "$(($(count_events default) - 1))" "every event but the read's own, by $ME"
run audit log --actor nobody-else
expect_err_contains "0 events"
run audit log --limit 3 --format json
all=$(sql "SELECT seq FROM audit_events WHERE org_id = $DEFAULT_ID ORDER BY seq DESC LIMIT 3 OFFSET 1" | sort -n | xargs) # not the read's own
expect_equal "$(seqs_of)" "$all" "--limit: the latest, oldest first"

TEST "bad filter values: exit 2 with what was wrong"
# shellcheck disable=SC2089,SC2090 # the quotes are part of the messages
for case in "--category bogus|unknown category 'bogus'" "--outcome maybe|unknown outcome 'maybe'" \
  "--limit 0|--limit must be at least 1" "--limit abc|--limit" "--from yesterday|--from yesterday: not a date or time" \
  "--to 2026-13-45|--to 2026-13-45: not a date or time" \
  "--from 2026-12-02 --to 2026-12-01|--from 2026-12-02 is after --to 2026-12-01"; do
  # shellcheck disable=SC2086 # the options split into words
  run audit log ${case%%|*}
  expect_rc 2
  expect_err_contains "${case#*|}"
done
run audit log --format csv
expect_rc 2

TEST "a demo history fills the organisation's log; filters by category and action"
run demo --scenario startup-soc2 --days 14 --seed 7
expect_rc 0
demo_events=$(grep -oP '^audit events\s+\K[0-9]+' <<<"$OUT")
# audit.log.create, org.create, the history's events, demo.generate.
expect_equal "$(count_events $DEMO)" "$((demo_events + 3))" "events in the demo log"
expect_equal "$(count_heads $DEMO)" 1 "one signed head for the run"
for category in authentication data_access system_security; do
  expected=$(sql "SELECT count(*) FROM audit_events WHERE org_id = $(org_id $DEMO) AND category = '$category'")
  run --org $DEMO audit log --category $category --format json
  expect_equal "$(json_get 'len(d)'):$(json_get 'sorted({e["category"] for e in d})')" "$expected:['$category']" \
    "--category $category"
done
expected=$(sql "SELECT seq FROM audit_events WHERE org_id = $(org_id $DEMO) AND action = 'evidence.read' ORDER BY seq DESC LIMIT 2" | sort -n | xargs)
run --org $DEMO audit log --category data_access --action evidence.read --limit 2 --format json
expect_equal "$(json_get '[e["action"] for e in d]')" "['evidence.read', 'evidence.read']"
expect_equal "$(seqs_of)" "$expected" "--limit with filters"
# A few more runs, so that the log has a head after each of them.
for _ in 1 2 3; do run --org $DEMO audit verify; done
save_pristine
N=$(count_events $DEMO)
H=$(count_heads $DEMO)
DEMO_ID=$(org_id $DEMO)

TEST "audit key: a PEM that openssl reads, and its fingerprint"
run --org $DEMO audit key
expect_rc 0
printf '%s\n' "$OUT" >"$WORK/key.pem"
expect_out_contains "-----BEGIN PUBLIC KEY-----"
FP=$(grep -oP 'fingerprint \KSHA256:[0-9a-f]{64}' <<<"$ERR")
expect_err_contains "(audit log of '$DEMO')"
if openssl pkey -pubin -in "$WORK/key.pem" -noout -text 2>/dev/null | grep -q "ED25519 Public-Key"; then pass; else
  fail "openssl pkey -pubin does not read the key as Ed25519"
fi
expect_equal "SHA256:$(openssl pkey -pubin -in "$WORK/key.pem" -outform DER | tail -c 32 | sha256sum | cut -d' ' -f1)" \
  "$FP" "fingerprint is SHA-256 of the raw key"
run --org $DEMO audit key --format json
expect_equal "$(json_get 'd["fingerprint"] + " " + d["algorithm"]')" "$FP Ed25519"
run --org $DEMO audit log --action audit.log.create --format json
expect_equal "$(json_get 'd[0]["details"]["public_key_fingerprint"]')" "$FP" "the log's first event records the key"
restore
openssl genpkey -algorithm ed25519 -out "$WORK/other.key" 2>/dev/null
openssl pkey -in "$WORK/other.key" -pubout -out "$WORK/other.pem"

TEST "audit verify on an intact log: exit 0, how many events and heads were checked"
run --org $DEMO audit verify
expect_rc 0
expect_out_contains "audit log '$DEMO': intact"
expect_out_contains "events checked:      $N (seq 1..$N)"
expect_out_contains "tree heads checked:  $H (latest: $N events"
expect_out_contains "key:                 $FP"
expect_equal "$(sql "SELECT action || ' ' || outcome FROM audit_events WHERE org_id = $DEMO_ID AND seq = $((N + 1))")" \
  "audit.verify success" "the check itself is logged"
run --org $DEMO audit verify --format json
expect_equal "$(json_get '[d["ok"], d["events_checked"], d["heads_checked"], d["unsigned_events"], d["failure"]]')" \
  "[True, $((N + 1)), $((H + 1)), 0, None]"
run --org $DEMO audit verify --pubkey "$WORK/key.pem"
expect_rc 2
expect_err_contains "--pubkey goes with --file"

# tamper_state SQL PROBLEM SEQ MESSAGE: the pristine state changed by SQL fails verification so.
tamper_state() {
  restore
  sql "$1"
  run --org $DEMO audit verify --format json
  expect_rc 5
  expect_equal "$(json_get 'd["failure"]["problem"], d["failure"]["seq"]')" "$2 $3" "problem, first bad event"
  expect_err_contains "audit log '$DEMO' failed verification: "
  expect_err_contains "$4"
}
WHERE="org_id = $DEMO_ID"
COLS="org_id, time, category, actor, action, resource_type, resource_id, outcome, correlation_id, prev_hash, hash, details"

TEST "tampered state: a changed field"
tamper_state "UPDATE audit_events SET action = 'org.delete' WHERE $WHERE AND seq = 10" \
  changed 10 "event 10 was changed: its fields no longer match its recorded hash"
# The failed check is itself logged, as a system_security failure.
expect_equal "$(sql "SELECT category || ' ' || action || ' ' || outcome FROM audit_events WHERE $WHERE ORDER BY seq DESC LIMIT 1")" \
  "system_security audit.verify failure"
tamper_state "UPDATE audit_events SET outcome = 'failure' WHERE $WHERE AND seq = 12" \
  changed 12 "event 12 was changed: its fields no longer match its recorded hash"
tamper_state "UPDATE audit_events SET details = (SELECT details FROM audit_events WHERE $WHERE AND seq = 14) WHERE $WHERE AND seq = 13" \
  changed 13 "event 13 was changed: its details were replaced (they were sealed for another row)"

TEST "tampered state: events deleted in the middle and at the tail"
tamper_state "DELETE FROM audit_events WHERE $WHERE AND seq = 10" \
  deleted 10 "event 10 was deleted: event 11 follows event 9"
tamper_state "DELETE FROM audit_events WHERE $WHERE AND seq BETWEEN 20 AND 22" \
  deleted 20 "events 20..22 were deleted: event 23 follows event 19"
tamper_state "DELETE FROM audit_events WHERE $WHERE AND seq > $((N - 2))" \
  deleted_tail $((N - 1)) "event $((N - 1)) was deleted at the tail: the signed tree head #$((H - 1))"
expect_err_contains "covers $((N - 1)) events, only $((N - 2)) remain"
tamper_state "DELETE FROM audit_events WHERE $WHERE AND seq > $((N - 2)); DELETE FROM audit_heads WHERE $WHERE AND size > $((N - 2))" \
  deleted_tail $((N - 1)) "events $((N - 1))..$N were deleted at the tail: the log's authenticated tail records $N events, only $((N - 2)) remain"

TEST "tampered state: an event inserted (a copied row)"
tamper_state "UPDATE audit_events SET seq = -seq WHERE $WHERE AND seq >= 20;
  UPDATE audit_events SET seq = 1 - seq WHERE $WHERE AND seq < 0;
  INSERT INTO audit_events (seq, $COLS) SELECT 20, $COLS FROM audit_events WHERE $WHERE AND seq = 19" \
  inserted 20 "event 20 was inserted or copied from another row"
tamper_state "INSERT INTO audit_events (seq, $COLS) SELECT $((N + 1)), $COLS FROM audit_events WHERE $WHERE AND seq = $N" \
  inserted $((N + 1)) "event $((N + 1)) was inserted or copied from another row"
# velocity will not append behind an event it did not write: exit 5 naming it.
expect_err_contains "an event numbered $((N + 1)) stands after its authenticated tail (event $N): it was inserted"
run --org $DEMO audit prove 1
expect_rc 5
expect_err_contains "the audit log of organisation '$DEMO' was modified outside velocity: an event numbered $((N + 1)) stands after its authenticated tail"
expect_err_lacks "UNIQUE constraint"

TEST "tampered state: events reordered (numbers or row ids swapped)"
tamper_state "UPDATE audit_events SET seq = -1 WHERE $WHERE AND seq = 10; UPDATE audit_events SET seq = 10 WHERE $WHERE AND seq = 11;
  UPDATE audit_events SET seq = 11 WHERE $WHERE AND seq = -1" \
  reordered 10 "events were reordered: the event recorded as number 11 now appears as number 10"
tamper_state "UPDATE audit_events SET seq = -1 WHERE $WHERE AND seq = 5; UPDATE audit_events SET seq = 5 WHERE $WHERE AND seq = 30;
  UPDATE audit_events SET seq = 30 WHERE $WHERE AND seq = -1" \
  reordered 5 "events were reordered: the event recorded as number 30 now appears as number 5"
ids=$(sql "SELECT group_concat(id, ' ') FROM (SELECT id FROM audit_events WHERE $WHERE AND seq IN (10, 11) ORDER BY seq)")
read -r id10 id11 <<<"$ids"
tamper_state "UPDATE audit_events SET id = -1 WHERE id = $id10; UPDATE audit_events SET id = $id10 WHERE id = $id11;
  UPDATE audit_events SET id = $id11 WHERE id = -1" \
  changed 10 "event 10 was changed: its details were replaced (they were sealed for another row)"

TEST "tampered state: forged, deleted and re-signed tree heads, a changed tail"
tamper_state "UPDATE audit_heads SET root = randomblob(32) WHERE $WHERE AND size = $((N - 1))" \
  forged_head None "of $((N - 1)) events signed at"
expect_err_contains "does not verify with key $FP: it was forged or altered"
tamper_state "UPDATE audit_heads SET signature = randomblob(64) WHERE $WHERE AND size = $((N - 2))" \
  forged_head None "does not verify with key $FP"
tamper_state "DELETE FROM audit_heads WHERE $WHERE AND size = $((N - 1))" \
  forged_head None "the log signed $H tree heads and $((H - 1)) remain: tree heads were deleted"
# Every head re-signed with another key, and that key put in the log's place.
restore
"$PY" - "$STATE" "$DEMO_ID" "$DEMO" "$WORK/other.key" <<'PY'
import base64, sqlite3, subprocess, sys, tempfile, os
state, org_id, log, key = sys.argv[1:]
db = sqlite3.connect(state)
der = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"], check=True, capture_output=True).stdout
db.execute("UPDATE audit_logs SET public_key = ? WHERE org_id = ?", (der[-32:], org_id))
with tempfile.TemporaryDirectory() as d:
    for hid, size, root, time in db.execute("SELECT id, size, root, time FROM audit_heads WHERE org_id = ?", (org_id,)).fetchall():
        body = '{"type":"tree_head","v":1,"log":"%s","size":%d,"root":"%s","time":"%s"}' % (log, size, root.hex(), time)
        open(os.path.join(d, "m"), "w").write(body)
        subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", os.path.join(d, "m"),
                        "-out", os.path.join(d, "s")], check=True)
        db.execute("UPDATE audit_heads SET signature = ? WHERE id = ?", (open(os.path.join(d, "s"), "rb").read(), hid))
db.commit()
PY
run --org $DEMO audit verify --format json
expect_rc 5
expect_equal "$(json_get 'd["failure"]["problem"]')" resigned
expect_err_contains "the log's public key was replaced"
expect_err_contains "its sealed key is $FP"
tamper_state "UPDATE audit_logs SET size = size - 1 WHERE $WHERE" \
  tail None "the log's authenticated tail (size, last hash, tree heads) was modified outside velocity: its MAC does not verify"
run --org $DEMO audit prove 1
expect_rc 5
expect_err_contains "velocity will not append to a log whose end it cannot authenticate"
restore

TEST "audit report counts a tampered log and says it failed: exit 5"
tamper_state "UPDATE audit_events SET action = 'x' WHERE $WHERE AND seq = 7" changed 7 "event 7 was changed"
run --org $DEMO audit report
expect_rc 5
expect_out_contains "Integrity of the whole log: FAILED: event 7 was changed"
expect_err_contains "the report was written"
restore

# ---------------------------------------------------------------------------------------------
# Exports, checked offline.
cat >"$WORK/edit_export.py" <<'PY'
# edit_export.py IN OUT MODE [KEY]: one way of tampering with an export.
import base64, hashlib, json, os, subprocess, sys, tempfile
src, dst, mode = sys.argv[1:4]
key = sys.argv[4] if len(sys.argv) > 4 else None
lines = open(src, encoding="utf-8").read().split("\n")
if lines[-1] == "":
    lines.pop()
H = lambda b: hashlib.sha256(b).digest()
kind = lambda line: json.loads(line)["type"]
events = lambda: [i for i, l in enumerate(lines) if kind(l) == "audit_event"]
heads = lambda: [i for i, l in enumerate(lines) if kind(l) == "tree_head"]
event = lambda seq: next(i for i in events() if json.loads(lines[i])["seq"] == seq)
head = lambda size: next(i for i in heads() if json.loads(lines[i])["size"] == size)
canon = lambda obj: json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
def mth(l):
    if len(l) == 1:
        return l[0]
    k = 1 << ((len(l) - 1).bit_length() - 1)
    return H(b"\x01" + mth(l[:k]) + mth(l[k:]))
def sign(text):
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "m"), "w").write(text)
        subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", os.path.join(d, "m"),
                        "-out", os.path.join(d, "s")], check=True)
        return base64.b64encode(open(os.path.join(d, "s"), "rb").read()).decode()
def change(seq):
    i = event(seq)
    lines[i] = lines[i].replace('"outcome":"success"', '"outcome":"failure"', 1)
def rechain():  # every prev recomputed, as a forger without the key can
    prev = bytes(32)
    for i in events():
        e = json.loads(lines[i]); e["prev"] = prev.hex(); lines[i] = canon(e)
        prev = H(b"\x00" + lines[i].encode())
def resign(own_pem):  # every head and the seal re-rooted and re-signed with KEY
    leaves = [H(b"\x00" + lines[i].encode()) for i in events()]
    for i, l in enumerate(lines):
        r = json.loads(l)
        if r["type"] in ("tree_head", "export_seal"):
            r["root"] = mth(leaves[:r["size" if r["type"] == "tree_head" else "tree_size"]]).hex()
            del r["signature"]
            body = canon(r)
            lines[i] = body[:-1] + ',"signature":"' + sign(body) + '"}'
        elif r["type"] == "public_key" and own_pem:
            r["pem"] = subprocess.run(["openssl", "pkey", "-in", key, "-pubout"], check=True,
                                      capture_output=True, text=True).stdout
            lines[i] = canon(r)
last = json.loads(lines[events()[-1]])["seq"]
first = json.loads(lines[events()[0]])["seq"]
if mode == "change":
    change(first + 9)
elif mode == "rechain":
    change(first + 9); rechain()
elif mode == "forge":
    change(first + 9); rechain(); resign(True)
elif mode == "forge-keep-key":
    change(first + 9); rechain(); resign(False)
elif mode == "delete":
    del lines[event(first + 9)]
elif mode == "delete-tail":
    del lines[event(last)]
elif mode == "delete-tail-heads":
    for i in sorted([event(last), event(last - 1), head(last), head(last - 1)], reverse=True):
        del lines[i]
elif mode == "truncate":
    del lines[event(last):]
elif mode == "insert":
    i = event(first + 9); lines.insert(i + 1, lines[i])
elif mode == "swap":
    a, b = event(first + 9), event(first + 10); lines[a], lines[b] = lines[b], lines[a]
elif mode == "swap-far":
    a, b = event(first + 9), event(first + 14); lines[a], lines[b] = lines[b], lines[a]
elif mode == "head-root":
    i = heads()[1]; r = json.loads(lines[i])["root"]; lines[i] = lines[i].replace(r, "0" * 64)
elif mode == "head-signature":
    i = heads()[1]; s = json.loads(lines[i])["signature"]
    lines[i] = lines[i].replace(s, ("B" if s[0] == "A" else "A") + s[1:])
elif mode == "seal":
    lines[-1] = lines[-1].replace('"heads":', '"heads":1', 1)
elif mode == "append":
    lines.append(lines[event(last)])
else:
    sys.exit("unknown mode " + mode)
open(dst, "w", encoding="utf-8").write("\n".join(lines) + "\n")
PY
EXPORT="$WORK/export.jsonl"

TEST "audit export --format jsonl: a 0600 file that verifies offline with only the public key"
run --org $DEMO audit export --format jsonl --output "$EXPORT"
expect_rc 0
expect_err_contains "exported events 1..$N ($N) and $H tree heads of '$DEMO' to $EXPORT"
expect_err_contains "check it with \`velocity audit verify --file $EXPORT --pubkey KEY.pem\`"
expect_equal "$(stat -c %a "$EXPORT")" 600 "export mode"
expect_equal "$(grep -c '"type":"audit_event"' "$EXPORT")" "$N" "event lines"
offline audit verify --file "$EXPORT" --pubkey "$WORK/key.pem"
expect_rc 0
expect_out_contains "audit log '$DEMO': intact"
expect_out_contains "events checked:      $N (seq 1..$N)"
expect_out_contains "tree heads checked:  $H (latest: $N events"
expect_out_contains "key:                 $FP"
expect_equal "$(find "$NOWHERE" -mindepth 1 | wc -l)" 0 "nothing written without a state"
offline audit verify --file "$EXPORT" --pubkey "$WORK/key.pem" --format json
expect_equal "$(json_get '[d["ok"], d["events_checked"], d["heads_checked"]]')" "[True, $N, $H]"

TEST "an export checks by hand: openssl verifies the seal, python recomputes the root"
line=$(grep '"type":"export_seal"' "$EXPORT")
printf '%s' "${line%,\"signature\"*}}" >"$WORK/seal.msg"
printf '%s' "$line" | "$PY" -c 'import sys, json, base64; sys.stdout.buffer.write(base64.b64decode(json.load(sys.stdin)["signature"]))' >"$WORK/seal.sig"
if openssl pkeyutl -verify -pubin -inkey "$WORK/key.pem" -rawin -in "$WORK/seal.msg" -sigfile "$WORK/seal.sig" >/dev/null 2>&1; then
  pass
else
  fail "openssl does not verify the export's seal"
fi
root=$("$PY" - "$EXPORT" <<'PY'
import hashlib, json, sys
H = lambda b: hashlib.sha256(b).digest()
leaves, prev = [], bytes(32)
for line in open(sys.argv[1], "rb"):
    line = line.rstrip(b"\n")
    if line.startswith(b'{"type":"audit_event"'):
        assert bytes.fromhex(json.loads(line)["prev"]) == prev
        prev = H(b"\x00" + line)
        leaves.append(prev)
def mth(l):
    if len(l) == 1: return l[0]
    k = 1 << ((len(l) - 1).bit_length() - 1)
    return H(b"\x01" + mth(l[:k]) + mth(l[k:]))
print(mth(leaves).hex())
PY
)
expect_equal "$root" "$("$PY" -c 'import json, sys; print(json.loads(sys.argv[1])["root"])' "$line")" "root of the seal"

# tamper_export MODE PROBLEM SEQ MESSAGE [FILE]: the export edited so fails offline verification.
tamper_export() {
  "$PY" "$WORK/edit_export.py" "${5:-$EXPORT}" "$WORK/tampered.jsonl" "$1" "$WORK/other.key"
  offline audit verify --file "$WORK/tampered.jsonl" --pubkey "$WORK/key.pem" --format json
  expect_rc 5
  expect_equal "$(json_get 'd["failure"]["problem"], d["failure"]["seq"]')" "$2 $3" "$1: problem, first bad event"
  expect_err_contains "audit log '$DEMO' failed verification: "
  expect_err_contains "$4"
}

TEST "a tampered export: changed, deleted, inserted, reordered events"
tamper_export change changed 10 "event 10 (line 13) was changed: event 11 recorded a different hash for it"
# The export's first signed tree head: its line and the events it covers (the demo decides them).
read -r HEAD_LINE HEAD_SIZE < <("$PY" -c '
import json, sys
for number, line in enumerate(open(sys.argv[1]), 1):
    if line.startswith("{\"type\":\"tree_head\""):
        print(number, json.loads(line)["size"])
        break' "$EXPORT")
tamper_export rechain changed 1 "events 1..$HEAD_SIZE were changed and the chain after the change recomputed: the signed tree head at line $HEAD_LINE of $HEAD_SIZE events does not match"
tamper_export delete deleted 10 "event 10 was deleted: event 11 (line 13) follows event 9"
tamper_export insert inserted 10 "event 10 (line 14) appears twice: an event was inserted"
tamper_export swap reordered 11 "event 11 (line 13) comes before event 10: events were reordered"
tamper_export swap-far reordered 15 "event 15 (line 13) comes before event 11: events were reordered"
tamper_export append inserted None "comes after the export's signed seal: it was added"

TEST "a tampered export: events deleted at the tail"
tamper_export delete-tail deleted_tail "$N" "event $N was deleted at the tail: the signed tree head at line"
tamper_export delete-tail-heads deleted_tail "$((N - 1))" "events $((N - 1))..$N were deleted at the tail: the export's signed seal covers events up to $N"
tamper_export truncate deleted_tail None "without its signed seal: it was truncated"

TEST "a tampered export: altered heads and seal, a forgery signed with another key"
tamper_export head-root forged_head None "the tree head at line"
expect_err_contains "does not verify with key $FP: it was forged or altered"
tamper_export head-signature forged_head None "does not verify with key $FP"
tamper_export seal forged_head None "the export's seal (line $((N + H + 4))) does not verify with key $FP"
tamper_export forge-keep-key forged_head None "does not verify with key $FP"
tamper_export forge resigned None "the export's public key"
expect_err_contains "is not the key given with --pubkey ($FP): its tree heads were re-signed with another key"
offline audit verify --file "$EXPORT" --pubkey "$WORK/other.pem"
expect_rc 5
expect_err_contains "is not the key given with --pubkey"

TEST "audit verify --file: what it needs"
offline audit verify --file "$EXPORT"
expect_rc 2
expect_err_contains "--pubkey is required to verify a file"
offline audit verify --file "$EXPORT" --pubkey "$EXPORT"
expect_rc 2
expect_err_contains "is not an Ed25519 public key in PEM form"
offline audit verify --file "$WORK/absent.jsonl" --pubkey "$WORK/key.pem"
expect_rc 2
expect_err_contains "$WORK/absent.jsonl does not exist"
offline audit verify --file "$WORK/key.pem" --pubkey "$WORK/key.pem"
expect_rc 5
expect_err_contains "line 1 is not the header of a velocity audit export"

TEST "audit export --from-seq/--to-seq: a slice verifies offline against the whole log's heads"
run --org $DEMO audit export --from-seq 11 --to-seq 30 --output "$WORK/slice.jsonl"
expect_rc 0
expect_err_contains "exported events 11..30 (20) and"
expect_equal "$(grep -c '"type":"audit_event"' "$WORK/slice.jsonl")" 20 "slice event lines"
offline audit verify --file "$WORK/slice.jsonl" --pubkey "$WORK/key.pem"
expect_rc 0
expect_out_contains "events checked:      20 (seq 11..30)"
tamper_export change changed 20 "event 20 (line" "$WORK/slice.jsonl"
tamper_export delete deleted 20 "event 20 was deleted: event 21" "$WORK/slice.jsonl"
tamper_export delete-tail deleted_tail 30 "event 30 was deleted at the tail: the export's range suffix (line 24) starts after event 30" "$WORK/slice.jsonl"
# shellcheck disable=SC2089,SC2090 # the quotes are part of the messages
for range in "--from-seq 0|events 0.." "--from-seq 20 --to-seq 10|events 20..10 are not in the audit log" \
  "--to-seq 100000|events 1..100000 are not in the audit log of '$DEMO', which has events 1.."; do
  # shellcheck disable=SC2086 # the options split into words
  run --org $DEMO audit export ${range%%|*} --output "$WORK/bad.jsonl"
  expect_rc 2
  expect_err_contains "${range#*|}"
done
if [ ! -e "$WORK/bad.jsonl" ]; then pass; else fail "a refused export left a file"; fi

TEST "audit export --format csv: one row per event"
last=$(sql "SELECT max(seq) FROM audit_events WHERE $WHERE")
run --org $DEMO audit export --format csv --output "$WORK/log.csv"
expect_rc 0
expect_err_contains "exported events 1..$last ($last) and 0 tree heads of '$DEMO' to $WORK/log.csv"
expect_equal "$(head -1 "$WORK/log.csv")" "seq,time,category,actor,action,resource_type,resource_id,outcome,correlation_id,details,prev_hash,hash"
rows=$("$PY" -c 'import csv, sys; print(len(list(csv.DictReader(open(sys.argv[1])))))' "$WORK/log.csv")
expect_equal "$rows" "$last" "csv rows"
expect_equal "$("$PY" -c 'import csv, json, sys
r = list(csv.DictReader(open(sys.argv[1])))[0]
print(r["action"], json.loads(r["details"])["public_key_fingerprint"])' "$WORK/log.csv")" "audit.log.create $FP"
expect_equal "$(stat -c %a "$WORK/log.csv")" 600 "csv mode"
run --org $DEMO audit export --format md --output "$WORK/log.md"
expect_rc 2
expect_err_contains "--format md is not available here"

TEST "audit prove and verify-proof: an inclusion proof checks offline, an altered one does not"
latest=$(sql "SELECT max(size) FROM audit_heads WHERE $WHERE")
run --org $DEMO audit prove 10 --output "$WORK/proof.json"
expect_rc 0
size=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["tree_head"]["size"])' "$WORK/proof.json")
expect_equal "$size" "$latest" "proof against the latest head"
offline audit verify-proof --file "$WORK/proof.json" --pubkey "$WORK/key.pem"
expect_rc 0
expect_out_contains "event 10 is in the log '$DEMO' of $size events"
expect_out_contains "key $FP"
offline audit verify-proof --file "$WORK/proof.json" --pubkey "$WORK/key.pem" --format json
expect_equal "$(json_get '[d["ok"], d["seq"], d["tree_size"]]')" "[True, 10, $size]"
expect_equal "$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["event"])' "$WORK/proof.json")" \
  "$(grep '"type":"audit_event","v":1,"seq":10,' "$EXPORT")" "the proof carries the event's canonical line"
# alter_proof NAME PYTHON MESSAGE: the proof changed by PYTHON (on p) fails with MESSAGE.
alter_proof() {
  "$PY" - "$WORK/proof.json" "$WORK/$1.json" <<PY
import json, sys
p = json.load(open(sys.argv[1]))
$2
json.dump(p, open(sys.argv[2], "w"))
PY
  offline audit verify-proof --file "$WORK/$1.json" --pubkey "$WORK/key.pem"
  expect_rc 5
  expect_err_contains "the inclusion proof $WORK/$1.json does not hold: $3"
}
alter_proof event 'p["event"] = p["event"].replace("\"outcome\":\"success\"", "\"outcome\":\"failure\"")' \
  "event 10 is not in the tree of $size events the head signs"
alter_proof path 'p["path"][0] = "0" * 64' "event 10 is not in the tree of $size events the head signs"
alter_proof short 'p["path"].pop()' "event 10 is not in the tree of $size events the head signs"
alter_proof head 'p["tree_head"]["size"] += 1' "the proof's tree head does not verify with key $FP"
alter_proof leaf 'p["leaf_index"] = 3' "the proof is for leaf 3 but its event is number 10"
offline audit verify-proof --file "$WORK/proof.json" --pubkey "$WORK/other.pem"
expect_rc 5
expect_err_contains "does not verify with key"
run --org $DEMO audit prove 0
expect_rc 2
expect_err_contains "has events 1.."
run --org $DEMO audit prove 100000
expect_rc 2
expect_err_contains "not 100000"

TEST "audit report: counts by category, outcome and actor over a period, md, html and json"
run --org $DEMO audit export --to-seq 100000 --output "$WORK/bad.jsonl" # one more failure to count
by() { sql "SELECT '{' || group_concat('\"' || $1 || '\": ' || n, ', ') || '}' FROM (SELECT $1, count(*) AS n FROM audit_events WHERE $WHERE GROUP BY $1 ORDER BY $1)"; }
total=$(count_events $DEMO)
expected_category=$(by category); expected_outcome=$(by outcome); expected_actor=$(by actor)
run --org $DEMO audit report --format json
expect_rc 0
expect_equal "$(json_get 'd["events"]')" "$total" "events in the period"
expect_equal "$(json_get 'json.dumps(d["by_category"], sort_keys=True)')" "$expected_category" "by category"
expect_equal "$(json_get 'json.dumps(d["by_outcome"], sort_keys=True)')" "$expected_outcome" "by outcome"
expect_equal "$(json_get 'json.dumps(d["by_actor"], sort_keys=True)')" "$expected_actor" "by actor"
expect_equal "$(json_get 'd["integrity"]["ok"]')" True
expect_equal "$(json_get 'sorted({e["outcome"] for e in d["notable"] if e["outcome"] != "success"})')" "['failure']"
total=$((total + 1)) # the json report's own event
data_access=$(sql "SELECT count(*) FROM audit_events WHERE $WHERE AND category = 'data_access'")
failures=$(sql "SELECT count(*) FROM audit_events WHERE $WHERE AND outcome = 'failure'")
run --org $DEMO audit report
expect_rc 0
expect_out_contains "# Audit report: $DEMO"
expect_out_contains "Integrity of the whole log: intact: $total events and"
expect_out_contains "$total events in the period."
expect_out_contains "| data_access | $data_access |"
expect_out_contains "| failure | $failures |"
expect_out_contains "| $ME | $total |"
run --org $DEMO audit report --format html --output "$WORK/report.html"
expect_rc 0
expect_err_contains "wrote $WORK/report.html"
if grep -q "<h1>Audit report: $DEMO</h1>" "$WORK/report.html" && grep -q "<table" "$WORK/report.html"; then pass; else
  fail "the html report lacks its title or tables"
fi
run --org $DEMO audit report --to "$(date -u -d yesterday +%F)" --format json
expect_equal "$(json_get 'd["events"]')" 0 "nothing before today"
today=$(date -u +%F)
total=$(count_events $DEMO)
run --org $DEMO audit report --from "$today" --to "$today" --format json
expect_equal "$(json_get 'd["events"]')" "$total" "the whole of today"
run --org $DEMO audit report --from 2026-12-02 --to 2026-12-01
expect_rc 2
expect_err_contains "--from 2026-12-02 is after --to 2026-12-01"
run --org $DEMO audit report --from soon
expect_rc 2
expect_err_contains "--from soon: not a date or time"
run --org $DEMO audit report --format csv
expect_rc 2

TEST "key rotate --reencrypt: every log records it and still verifies, the export key is unchanged"
run key rotate --reencrypt
expect_rc 0
run --org $DEMO audit log --action key.rotate --format json
expect_equal "$(json_get 'd[0]["details"]["reencrypt"]')" True
run --org $DEMO audit verify
expect_rc 0
run audit verify
expect_rc 0
run --org $DEMO audit key
expect_equal "$(printf '%s\n' "$OUT")" "$(cat "$WORK/key.pem")" "same audit key after rotation"
offline audit verify --file "$EXPORT" --pubkey "$WORK/key.pem"
expect_rc 0

# ---------------------------------------------------------------------------------------------
TEST "kill -9 in the middle of a long demo: what was committed verifies, the next command continues"
before=$(count_events default)
"$VELOCITY_BIN" --org big demo --scenario enterprise-iso27001 --days 366 --seed 3 >/dev/null 2>&1 &
pid=$!
track_pid "$pid"
sleep 0.7
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null && rc=0 || rc=$?
expect_equal "$rc" 137 "the demo was killed mid-run"
for org in $(sql "SELECT name FROM organizations ORDER BY id"); do
  run --org "$org" audit verify
  expect_rc 0
done
run org create after-kill
expect_rc 0
run audit verify --format json
expect_rc 0
expect_equal "$(json_get '[d["ok"], d["unsigned_events"]]')" "[True, 0]"
expect_equal "$(json_get 'd["events_checked"]')" "$(($(count_events default) - 1))" "the chain goes on"
if [ "$(count_events default)" -gt "$before" ]; then pass; else fail "no event after the kill"; fi

TEST "SIGKILL at one write after another of a command: the log always verifies; the next run signs what was left"
if command -v strace >/dev/null 2>&1; then
  unsigned_seen=0 completed=0 verify_failed=0
  # Every third write: the window between an append's commit and its head's is wider than that.
  for n in $(seq 1 3 120); do
    strace_run -f -o /dev/null -e trace=pwrite64 -e inject=pwrite64:signal=KILL:when="$n" \
      "$VELOCITY_BIN" org create "k$n" >/dev/null 2>&1 && rc=0 || rc=$?
    run audit verify
    if [ "$RC" -ne 0 ]; then
      verify_failed=$((verify_failed + 1))
      fail "verify after a SIGKILL at write $n: exit $RC: $OUT $ERR"
    fi
    if grep -q "after the latest head: [0-9]* events, authenticated by the log's tail MAC" <<<"$OUT"; then
      unsigned_seen=$((unsigned_seen + 1))
    fi
    if [ "$rc" -eq 0 ]; then
      completed=1
      break
    fi
    [ "$rc" -eq 137 ] || fail "org create under strace: exit $rc"
  done
  echo "killed org create at writes 1, 4 .. $n: $unsigned_seen kills left events to sign"
  expect_equal "$verify_failed" 0 "verifications that failed"
  expect_equal "$completed" 1 "the sweep reached a run that finished"
  if [ "$unsigned_seen" -gt 0 ]; then pass; else fail "no kill fell between an append and its signature"; fi
  heads=$(count_heads default)
  run audit verify --format json
  expect_rc 0
  expect_equal "$(json_get '[d["ok"], d["unsigned_events"], d["heads_checked"]]')" \
    "[True, 0, $heads]" "every leftover signed"
  run audit export --output "$WORK/after-kills.jsonl"
  expect_rc 0
  run audit key
  printf '%s\n' "$OUT" >"$WORK/default.pem"
  offline audit verify --file "$WORK/after-kills.jsonl" --pubkey "$WORK/default.pem"
  expect_rc 0
elif [ "${CI:-}" = "true" ]; then
  fail "prerequisite 'strace' is missing"
else
  echo "skipping: strace is not installed" >&2
fi

finish
