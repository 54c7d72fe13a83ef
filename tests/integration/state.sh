#!/usr/bin/env bash
# velocity init / status / org / key: the state file, the master key and what bad input does.
source "$(dirname "$0")/lib.sh"
require sqlite3
: "${VELOCITY_TEST_FILL:?VELOCITY_TEST_FILL must point at the velocity_test_fill tool}"

STATE="$XDG_DATA_HOME/velocity/velocity.db"
KEY="$XDG_CONFIG_HOME/velocity/master.key"
digest() { sha256sum "$1" | cut -d' ' -f1; }
mode() { stat -c %a "$1"; }

TEST "init creates a 0600 state in a 0700 directory and a 0600 key file"
run init
expect_rc 0
expect_err_contains "created state $STATE"
expect_equal "$(mode "$STATE")" 600 "state mode"
expect_equal "$(mode "$(dirname "$STATE")")" 700 "state directory mode"
expect_equal "$(mode "$KEY")" 600 "key file mode"
expect_equal "$(base64 -d "$KEY" | wc -c)" 32 "key size"

TEST "init on an existing state says so and changes nothing"
before=$(digest "$STATE"); key_before=$(digest "$KEY")
run init
expect_rc 0
expect_err_contains "already exists; nothing changed"
expect_equal "$(digest "$STATE")" "$before" "state unchanged"
expect_equal "$(digest "$KEY")" "$key_before" "key unchanged"

TEST "status shows the state and says where the key came from with --verbose"
run -v status --format json
expect_rc 0
expect_out_contains '"schema_version": 6'
expect_err_contains "master key from key file $KEY"

TEST "org create, list and delete"
run org create acme
expect_rc 0
run org create acme
expect_rc 2
expect_err_contains "already exists"
run org create 'bad name!'
expect_rc 2
expect_err_contains "invalid organisation name"
run org list --format json
expect_out_contains '"name": "acme"'
run org delete acme </dev/null
expect_rc 2
expect_err_contains "refusing without --yes"
run org delete acme --yes
expect_rc 0
run org list
expect_out_lacks acme

TEST "the key sources, in order, and a wrong master key"
run status
expect_rc 0
VELOCITY_MASTER_KEY=$(openssl rand -base64 32) run status
expect_rc 3
expect_err_contains "wrong master key for $STATE"
expect_err_contains "the key came from VELOCITY_MASTER_KEY"
VELOCITY_MASTER_KEY="$(cat "$KEY")" run -v status
expect_rc 0
expect_err_contains "master key from VELOCITY_MASTER_KEY"
VELOCITY_KEY_FILE="$KEY" run -v status
expect_rc 0
expect_err_contains "master key from key file $KEY"

TEST "a missing key file and a key file of the wrong size: exit 3, nothing written"
before=$(digest "$STATE")
VELOCITY_KEY_FILE="$SUITE_DIR/none.key" run status
expect_rc 3
expect_err_contains "master key file $SUITE_DIR/none.key does not exist"
head -c 16 /dev/urandom | base64 >"$SUITE_DIR/short.key"
chmod 0600 "$SUITE_DIR/short.key"
VELOCITY_KEY_FILE="$SUITE_DIR/short.key" run org create x
expect_rc 3
expect_err_contains "holds 16 bytes, a master key has 32"
VELOCITY_MASTER_KEY='not base64!' run status
expect_rc 3
expect_err_contains "VELOCITY_MASTER_KEY is not valid base64"
expect_equal "$(digest "$STATE")" "$before" "state unchanged"

TEST "encrypted values survive key rotate --reencrypt and read back"
"$VELOCITY_TEST_FILL" "$STATE" default 50 >/dev/null
old_key=$(cat "$KEY")
sealed=$(sqlite3 "$STATE" "SELECT (SELECT count(*) FROM evidence) + (SELECT count(details) FROM audit_events)
  + (SELECT count(secrets) FROM audit_logs) + (SELECT count(credentials) FROM integrations)
  + (SELECT count(answers) FROM assessments)")
run key rotate --reencrypt --format json
expect_rc 0
expect_out_contains "\"values_reencrypted\": $sealed"
expect_equal "$(mode "$KEY")" 600 "new key mode"
if [ "$(cat "$KEY")" != "$old_key" ]; then pass; else fail "key file unchanged after rotate"; fi
expect_equal "$("$VELOCITY_TEST_FILL" "$STATE" default --verify 2>&1)" 50 "values read back"
VELOCITY_MASTER_KEY="$old_key" run status
expect_rc 3
run key rotate
expect_rc 0
expect_err_contains "new master key written to $KEY"
expect_equal "$("$VELOCITY_TEST_FILL" "$STATE" default --verify 2>&1)" 50 "values read back"

TEST "a tampered ciphertext: key rotate names the row, rotates the rest and leaves it"
cp "$STATE" "$SUITE_DIR/good.db"; cp "$KEY" "$SUITE_DIR/good.key"
sqlite3 "$STATE" "UPDATE evidence SET payload = substr(payload, 1, 40) || x'00' || substr(payload, 42) WHERE id = 7"
version_before=$(sqlite3 "$STATE" "SELECT key_version FROM organizations WHERE name = 'default'")
payload_before=$(sqlite3 "$STATE" "SELECT hex(payload) FROM evidence WHERE id = 8")
run key rotate --reencrypt
expect_rc 0
expect_err_contains "organisation 'default' was not re-encrypted: cannot decrypt evidence.payload of row 7"
expect_err_contains "its data key was rewrapped under the new master key"
expect_equal "$(sqlite3 "$STATE" "SELECT key_version FROM organizations WHERE name = 'default'")" \
  "$version_before" "data key version unchanged"
expect_equal "$(sqlite3 "$STATE" "SELECT hex(payload) FROM evidence WHERE id = 8")" \
  "$payload_before" "the other values untouched"
if [ ! -e "$KEY.new" ]; then pass; else fail "pending key file left behind"; fi
if "$VELOCITY_TEST_FILL" "$STATE" default --verify 2>&1 | grep -q "cannot decrypt evidence.payload of row 7"; then pass; else fail "row 7 opened"; fi

TEST "a ciphertext copied into another row does not open"
cp "$SUITE_DIR/good.db" "$STATE"; cp "$SUITE_DIR/good.key" "$KEY"; rm -f "$STATE-wal" "$STATE-shm"
sqlite3 "$STATE" "UPDATE evidence SET payload = (SELECT payload FROM evidence WHERE id = 3) WHERE id = 4"
run key rotate --reencrypt
expect_rc 0
expect_err_contains "cannot decrypt evidence.payload of row 4"
expect_err_contains "tampered with or copied from another row"
cp "$SUITE_DIR/good.db" "$STATE"; cp "$SUITE_DIR/good.key" "$KEY"; rm -f "$STATE-wal" "$STATE-shm"

TEST "a file that is not SQLite, a truncated state, a newer schema: exit 3, file untouched"
echo "hello" >"$SUITE_DIR/text.db"
before=$(digest "$SUITE_DIR/text.db")
run --state "$SUITE_DIR/text.db" status
expect_rc 3
expect_err_contains "is not a velocity state file (not an SQLite database)"
expect_equal "$(digest "$SUITE_DIR/text.db")" "$before" "text file untouched"
head -c 8192 "$STATE" >"$SUITE_DIR/truncated.db"
before=$(digest "$SUITE_DIR/truncated.db")
run --state "$SUITE_DIR/truncated.db" status
expect_rc 3
expect_err_contains "is truncated"
expect_equal "$(digest "$SUITE_DIR/truncated.db")" "$before" "truncated file untouched"
cp "$STATE" "$SUITE_DIR/newer.db"
sqlite3 "$SUITE_DIR/newer.db" "PRAGMA user_version = 99"
before=$(digest "$SUITE_DIR/newer.db")
run --state "$SUITE_DIR/newer.db" status
expect_rc 3
expect_err_contains "has schema version 99, newer than this velocity understands"
expect_equal "$(digest "$SUITE_DIR/newer.db")" "$before" "newer file untouched"
run --state "$SUITE_DIR/absent.db" status
expect_rc 3
expect_err_contains "no velocity state at $SUITE_DIR/absent.db"

TEST "passphrase states: right, wrong and missing passphrase"
PSTATE="$SUITE_DIR/pass/velocity.db"
VELOCITY_PASSPHRASE="correct horse battery" run --state "$PSTATE" init
expect_rc 0
VELOCITY_PASSPHRASE="correct horse battery" run --state "$PSTATE" -v status
expect_rc 0
expect_err_contains "passphrase (VELOCITY_PASSPHRASE)"
before=$(digest "$PSTATE")
VELOCITY_PASSPHRASE="wrong horse battery" run --state "$PSTATE" org create x
expect_rc 3
expect_err_contains "wrong master key for $PSTATE"
run --state "$PSTATE" status </dev/null
expect_rc 3
expect_err_contains "protected by a passphrase and none was given"
expect_equal "$(digest "$PSTATE")" "$before" "passphrase state unchanged"

TEST "kill -9 during key rotate --reencrypt: the old key still opens every value"
KSTATE="$SUITE_DIR/kill/velocity.db"
export VELOCITY_KEY_FILE="$SUITE_DIR/kill/master.key"
run --state "$KSTATE" init
"$VELOCITY_TEST_FILL" "$KSTATE" default 200000 >/dev/null
old_key=$(cat "$VELOCITY_KEY_FILE")
"$VELOCITY_BIN" --state "$KSTATE" key rotate --reencrypt >/dev/null 2>&1 &
pid=$!
sleep 0.4
kill -9 "$pid" 2>/dev/null && killed=yes || killed=no
wait "$pid" 2>/dev/null
expect_equal "$killed" yes "rotation still running when killed"
expect_equal "$(cat "$VELOCITY_KEY_FILE")" "$old_key" "key file still the old key"
expect_equal "$("$VELOCITY_TEST_FILL" "$KSTATE" default --verify)" 200000 "every value reads back"
expect_equal "$(sqlite3 "$KSTATE" 'PRAGMA integrity_check')" ok "integrity"
unset VELOCITY_KEY_FILE

# killed_rotate AT STATE [ARGS...]: `velocity --state STATE key rotate ARGS` killed (SIGKILL) at
# AT: "commit", the rename that would move the committed new key into place, or "before-commit",
# the first write to the state's log, when the new key is in its `.new` and nothing is committed.
killed_rotate() {
  local at=$1 state=$2
  shift 2
  local inject=(-e trace=rename -e inject=rename:signal=KILL:when=2)
  [ "$at" = before-commit ] && inject=(-P "$state-wal" -e trace=pwrite64 -e inject=pwrite64:signal=KILL:when=1)
  strace_run -f -o /dev/null "${inject[@]}" "$VELOCITY_BIN" --state "$state" key rotate "$@" >/dev/null 2>&1 && RC=0 || RC=$?
  expect_equal "$RC" 137 "key rotate killed at $at"
}

if command -v strace >/dev/null 2>&1; then
  TEST "a rotation killed after its commit is finished by the next command: VELOCITY_KEY_FILE"
  RDIR="$SUITE_DIR/rot-env"
  export VELOCITY_KEY_FILE="$RDIR/keys/master.key"
  run --state "$RDIR/v.db" init
  "$VELOCITY_TEST_FILL" "$RDIR/v.db" default 30 >/dev/null
  old_key=$(cat "$VELOCITY_KEY_FILE")
  killed_rotate commit "$RDIR/v.db"
  expect_equal "$(cat "$VELOCITY_KEY_FILE")" "$old_key" "the key file still holds the old key"
  if [ -e "$VELOCITY_KEY_FILE.new" ]; then pass; else fail "no $VELOCITY_KEY_FILE.new after the kill"; fi
  run --state "$RDIR/v.db" status
  expect_rc 0
  expect_err_contains "finished an interrupted key rotation: the master key is now in $VELOCITY_KEY_FILE"
  if [ "$(cat "$VELOCITY_KEY_FILE")" != "$old_key" ] && [ ! -e "$VELOCITY_KEY_FILE.new" ]; then pass; else fail "the new key was not moved into place"; fi
  expect_equal "$("$VELOCITY_TEST_FILL" "$RDIR/v.db" default --verify 2>&1)" 30 "values read back"
  run --state "$RDIR/v.db" audit verify
  expect_rc 0

  TEST "a key file that is missing: the surviving .new of the rotation is found next to it"
  cp "$VELOCITY_KEY_FILE" "$RDIR/current.key"
  killed_rotate commit "$RDIR/v.db"
  rm "$VELOCITY_KEY_FILE"
  run --state "$RDIR/v.db" status
  expect_rc 0
  expect_err_contains "finished an interrupted key rotation"
  expect_equal "$("$VELOCITY_TEST_FILL" "$RDIR/v.db" default --verify 2>&1)" 30 "values read back"
  unset VELOCITY_KEY_FILE

  TEST "key rotate --key-file killed after its commit: the state knows where its key went"
  RDIR="$SUITE_DIR/rot-file"
  VELOCITY_KEY_FILE="$RDIR/master.key" run --state "$RDIR/v.db" init
  expect_rc 0
  VELOCITY_KEY_FILE="$RDIR/master.key" "$VELOCITY_TEST_FILL" "$RDIR/v.db" default 30 >/dev/null
  VELOCITY_KEY_FILE="$RDIR/master.key" killed_rotate commit "$RDIR/v.db" --key-file "$RDIR/other.key"
  if [ -e "$RDIR/other.key.new" ] && [ ! -e "$RDIR/other.key" ]; then pass; else fail "other.key.new should be all there is"; fi
  VELOCITY_KEY_FILE="$RDIR/master.key" run --state "$RDIR/v.db" status
  expect_rc 0
  expect_err_contains "finished an interrupted key rotation: the master key is now in $RDIR/other.key"
  expect_err_contains "set VELOCITY_KEY_FILE=$RDIR/other.key"
  VELOCITY_KEY_FILE="$RDIR/master.key" run --state "$RDIR/v.db" status
  expect_rc 3
  expect_err_contains "wrong master key"
  expect_err_contains "the last \`velocity key rotate\` wrote the master key of this state to $RDIR/other.key"
  VELOCITY_KEY_FILE="$RDIR/other.key" run --state "$RDIR/v.db" status
  expect_rc 0
  python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())' >"$RDIR/master.key.new"
  VELOCITY_KEY_FILE="$RDIR/master.key" run --state "$RDIR/v.db" status
  expect_rc 3
  expect_err_contains "$RDIR/master.key.new (left by an interrupted key rotation) does not open it either"
  if [ -e "$RDIR/master.key.new" ]; then pass; else fail "a .new that opens nothing was removed"; fi
  expect_equal "$(VELOCITY_KEY_FILE="$RDIR/other.key" "$VELOCITY_TEST_FILL" "$RDIR/v.db" default --verify 2>&1)" 30 "values read back"

  TEST "VELOCITY_MASTER_KEY: the rotation's key file is finished and named"
  RDIR="$SUITE_DIR/rot-mk"
  export VELOCITY_MASTER_KEY
  VELOCITY_MASTER_KEY=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
  run --state "$RDIR/v.db" init
  killed_rotate commit "$RDIR/v.db" --key-file "$RDIR/rotated.key"
  run --state "$RDIR/v.db" status
  expect_rc 0
  expect_err_contains "the master key is now in $RDIR/rotated.key"
  run --state "$RDIR/v.db" status
  expect_rc 3
  expect_err_contains "wrong master key"
  expect_err_contains "wrote the master key of this state to $RDIR/rotated.key"
  unset VELOCITY_MASTER_KEY

  TEST "a passphrase state: key rotate moves it to a key file; an interrupted one is finished"
  RDIR="$SUITE_DIR/rot-pass"
  export VELOCITY_PASSPHRASE="correct horse battery"
  run --state "$RDIR/v.db" init
  expect_rc 0
  "$VELOCITY_TEST_FILL" "$RDIR/v.db" default 30 >/dev/null
  # The audit witness lives beside the key file too; any other file would be a stray key.
  if [ ! -e "$KEY" ] || [ "$(ls "$(dirname "$KEY")" | grep -v '^audit-witness[.]json')" = "master.key" ]; then pass; else fail "unexpected key files: $(ls "$(dirname "$KEY")")"; fi
  killed_rotate commit "$RDIR/v.db" --key-file "$RDIR/rotated.key"
  run --state "$RDIR/v.db" status
  expect_rc 0
  expect_err_contains "the master key is now in $RDIR/rotated.key"
  expect_equal "$(VELOCITY_KEY_FILE="$RDIR/rotated.key" "$VELOCITY_TEST_FILL" "$RDIR/v.db" default --verify 2>&1)" 30 "values read back"
  VELOCITY_KEY_FILE="$RDIR/rotated.key" run --state "$RDIR/v.db" -v status
  expect_rc 0
  expect_err_contains "master key from key file $RDIR/rotated.key"
  unset VELOCITY_PASSPHRASE

  TEST "a rotation killed before its commit: the next command removes its .new, the key stays"
  RDIR="$SUITE_DIR/rot-early"
  export VELOCITY_KEY_FILE="$RDIR/master.key"
  run --state "$RDIR/v.db" init
  "$VELOCITY_TEST_FILL" "$RDIR/v.db" default 30 >/dev/null
  old_key=$(cat "$VELOCITY_KEY_FILE")
  killed_rotate before-commit "$RDIR/v.db"
  if [ -e "$VELOCITY_KEY_FILE.new" ]; then pass; else fail "no .new left by the killed rotation"; fi
  run --state "$RDIR/v.db" status
  expect_rc 0
  expect_err_contains "removed $VELOCITY_KEY_FILE.new, left by a key rotation that stopped before it committed"
  if [ ! -e "$VELOCITY_KEY_FILE.new" ]; then pass; else fail ".new still there"; fi
  expect_equal "$(cat "$VELOCITY_KEY_FILE")" "$old_key" "the key did not change"
  expect_equal "$("$VELOCITY_TEST_FILL" "$RDIR/v.db" default --verify 2>&1)" 30 "values read back"
  unset VELOCITY_KEY_FILE
elif [ "${CI:-}" = "true" ]; then
  fail "prerequisite 'strace' is missing"
else
  echo "skipping the interrupted-rotation tests: strace is not installed" >&2
fi

TEST "key rotate names an organisation it cannot read and rotates the others"
RDIR="$SUITE_DIR/rot-broken"
export VELOCITY_KEY_FILE="$RDIR/master.key"
run --state "$RDIR/v.db" init
run --state "$RDIR/v.db" org create good
run --state "$RDIR/v.db" org create broken
"$VELOCITY_TEST_FILL" "$RDIR/v.db" good 20 >/dev/null
sqlite3 "$RDIR/v.db" "UPDATE organizations SET wrapped_key = randomblob(60) WHERE name = 'broken'"
run --state "$RDIR/v.db" key rotate --reencrypt
expect_rc 0
expect_err_contains "the data key of organisation 'broken' does not open under the master key"
expect_err_contains "velocity org delete broken --yes"
expect_equal "$("$VELOCITY_TEST_FILL" "$RDIR/v.db" good --verify 2>&1)" 20 "the other organisation re-encrypted and readable"
expect_equal "$(sqlite3 "$RDIR/v.db" "SELECT key_version FROM organizations WHERE name = 'good'")" 2 "good at version 2"
run --state "$RDIR/v.db" --org good audit verify
expect_rc 0
unset VELOCITY_KEY_FILE

TEST "two processes writing one state at once: both finish or one reports the lock"
for i in $(seq 1 20); do "$VELOCITY_BIN" org create "a$i" >/dev/null 2>>"$SUITE_DIR/a.err"; echo $? >>"$SUITE_DIR/a.rc"; done &
a=$!
for i in $(seq 1 20); do "$VELOCITY_BIN" org create "b$i" >/dev/null 2>>"$SUITE_DIR/b.err"; echo $? >>"$SUITE_DIR/b.rc"; done &
b=$!
wait "$a" "$b"
bad=$(cat "$SUITE_DIR/a.rc" "$SUITE_DIR/b.rc" | grep -cv '^0$')
locked=$(cat "$SUITE_DIR/a.err" "$SUITE_DIR/b.err" | grep -c "locked by another velocity process")
expect_equal "$bad" "$locked" "every failure is a lock report"
expect_equal "$(sqlite3 "$STATE" 'PRAGMA integrity_check')" ok "integrity"
created=$(sqlite3 "$STATE" "SELECT count(*) FROM organizations WHERE name GLOB '[ab][0-9]*'")
expect_equal "$created" "$((40 - bad))" "organisations created"

TEST "the state's directory not writable: exit 4 (permission denied)"
RO="$SUITE_DIR/ro"
mkdir -p "$RO"
chmod 0777 "$SUITE_DIR" "$RO"
if [ "$(id -u)" -eq 0 ]; then as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups); else as_user=(); fi
chmod 0555 "$RO"
OUT=$("${as_user[@]}" env HOME="$RO" XDG_CONFIG_HOME="$RO/c" "$VELOCITY_BIN" --state "$RO/sub/v.db" init 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
expect_rc 4
expect_err_contains "cannot create directory $RO/sub"
chmod 0755 "$RO"

TEST "unknown command and bad option: exit 2"
run frobnicate
expect_rc 2
run status --format xml
expect_rc 2
expect_err_contains "--format xml is not available here"

finish
