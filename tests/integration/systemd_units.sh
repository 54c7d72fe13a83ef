#!/usr/bin/env bash
# The systemd units of docs/systemd (docs/scheduling.md): systemd-analyze loads them without a
# warning, rates the service's sandbox OK, and the service's command line, with its environment
# and specifiers filled in as systemd would, runs the built velocity against a state.
source "$(dirname "$0")/lib.sh"
require systemd-analyze
require python3

UNITS="$VELOCITY_SOURCE_DIR/docs/systemd"
COPY="$SUITE_DIR/units"
mkdir -p "$COPY"
# systemd-analyze checks that ExecStart's binary exists: the copy runs the one just built.
sed "s|^ExecStart=/usr/bin/velocity |ExecStart=$VELOCITY_BIN |" "$UNITS/velocity-collect.service" \
  >"$COPY/velocity-collect.service"
cp "$UNITS/velocity-collect.timer" "$COPY/"

# unit_values KEY: every value of KEY= in the service, one a line.
unit_values() { sed -n "s/^$1=//p" "$UNITS/velocity-collect.service"; }

TEST "systemd-analyze verify: the service and its timer load without a word"
expect_equal "$(unit_values ExecStart)" "/usr/bin/velocity collect -q --all" "ExecStart as installed"
grep -q "^ExecStart=$VELOCITY_BIN collect" "$COPY/velocity-collect.service" && pass ||
  fail "ExecStart was not pointed at the built binary"
OUT=$(systemd-analyze verify "$COPY/velocity-collect.service" "$COPY/velocity-collect.timer" 2>&1) &&
  RC=0 || RC=$?
expect_equal "$RC" "0" "systemd-analyze verify exit code ($OUT)"
expect_equal "$OUT" "" "systemd-analyze verify output"

TEST "the sandbox: the key through LoadCredential, the state in StateDirectory, exposure OK"
for setting in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
  StateDirectory=velocity 'LoadCredential=master.key:/etc/velocity/master.key' \
  'Environment=VELOCITY_KEY_FILE=%d/master.key' 'Environment=VELOCITY_STATE=%S/velocity/velocity.db' \
  User=velocity; do
  grep -qxF -- "$setting" "$UNITS/velocity-collect.service" && pass || fail "the service lacks $setting"
done
# Offline, systemd-analyze security exits 1 whatever it finds, so its verdict is read instead.
LEVEL=$(systemd-analyze security --offline=yes "$COPY/velocity-collect.service" 2>/dev/null |
  sed -n 's/.*Overall exposure level for velocity-collect.service: \([0-9.]*\) .*/\1/p')
expect_equal "$(python3 -c 'import sys; print(sys.argv[1] != "" and float(sys.argv[1]) <= 2.0)' "$LEVEL")" \
  "True" "exposure level '$LEVEL' at most 2.0"

TEST "the service's command, as systemd runs it, reaches the state and the key"
STATE_ROOT="$SUITE_DIR/var-lib"    # %S
CREDENTIALS="$SUITE_DIR/credentials" # %d
mkdir -p "$STATE_ROOT/velocity" "$CREDENTIALS"
python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())' >"$CREDENTIALS/master.key"
chmod 0600 "$CREDENTIALS/master.key" # as systemd hands credentials over: readable by the service alone
ENVIRONMENT=()
while read -r assignment; do
  assignment=${assignment//%S/$STATE_ROOT}
  ENVIRONMENT+=("${assignment//%d/$CREDENTIALS}")
done < <(unit_values Environment)
read -r -a COMMAND <<<"$(unit_values ExecStart)"
COMMAND[0]=$VELOCITY_BIN
env "${ENVIRONMENT[@]}" "$VELOCITY_BIN" init >/dev/null 2>&1
expect_equal "$?" "0" "velocity init with the unit's environment"
OUT=$(env "${ENVIRONMENT[@]}" "${COMMAND[@]}" 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
# An empty state: the options are understood, the state and key found, nothing to collect.
expect_rc 2
expect_err_contains "organisation 'default' has no integration to collect from"
expect_equal "$OUT" "" "stdout"
[ -f "$STATE_ROOT/velocity/velocity.db" ] && pass || fail "no state at %S/velocity/velocity.db"

finish
