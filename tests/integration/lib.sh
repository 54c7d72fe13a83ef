# Shared helpers for the integration suites (tests/integration/<command>.sh), sourced by each.
# Every suite runs the built binary ($VELOCITY_BIN) in its own temporary HOME, so nothing outside
# it is read or written. Under CI=true a missing prerequisite is a failure, never a skip.
set -u

: "${VELOCITY_BIN:?VELOCITY_BIN must point at the built velocity binary}"
: "${VELOCITY_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${VELOCITY_TESTDATA_DIR:=$VELOCITY_SOURCE_DIR/tests/data}"

SUITE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/velocity-it.XXXXXX")
export HOME="$SUITE_DIR/home" XDG_DATA_HOME="$SUITE_DIR/home/.local/share" \
  XDG_CONFIG_HOME="$SUITE_DIR/home/.config" NO_COLOR=1
unset VELOCITY_STATE VELOCITY_MASTER_KEY VELOCITY_KEY_FILE VELOCITY_PASSPHRASE VELOCITY_ORG
# The config file's keys as environment variables (README.md, "Configuration") and the file itself.
# shellcheck disable=SC2046 # one word per variable name
unset VELOCITY_CONFIG $(compgen -e | grep -E '^VELOCITY_(FORMAT|FRAMEWORKS|SIZE|HOURLY_RATE|HOURS_PER_WEEK|AUDIT_COST|OBSERVATION_DAYS|MANUAL_HOURS.*|AUTOMATION_SHARE|AUDIT_REDUCTION|BREACH_COST|RISK_REDUCTION|BREACH_PROBABILITY|ANNUAL_COST|ACCEPT_MAX_DAYS)$')
mkdir -p "$HOME"

PASSED=0
FAILED=0
CURRENT_TEST=""
SUITE_PIDS=()

suite_cleanup() {
  local pid
  for pid in "${SUITE_PIDS[@]}"; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [ "$FAILED" -eq 0 ]; then
    rm -rf "$SUITE_DIR"
  else
    echo "kept $SUITE_DIR for inspection" >&2
  fi
}
trap suite_cleanup EXIT

# A misspelt helper or a tool the machine lacks fails the suite instead of doing nothing.
command_not_found_handle() {
  echo "FAIL: ${CURRENT_TEST:-suite}: no command '$1'" >&2
  FAILED=$((FAILED + 1))
  return 127
}

# Registers a background process to be stopped when the suite ends.
track_pid() { SUITE_PIDS+=("$1"); }

# TEST "name": starts a test; the assertions after it count towards it.
TEST() {
  CURRENT_TEST="$1"
  echo "--- $CURRENT_TEST"
}

fail() {
  echo "FAIL: $CURRENT_TEST: $*" >&2
  FAILED=$((FAILED + 1))
}

pass() { PASSED=$((PASSED + 1)); }

# json_get EXPR: prints EXPR, Python over the JSON document in $OUT bound to `d`; "a, b" prints
# both values with a space between them, as print(a, b) does.
json_get() {
  python3 -c 'import json, sys; d = json.loads(sys.stdin.read()); exec("print(" + sys.argv[1] + ")")' "$1" <<<"$OUT"
}

# run ARGS...: runs velocity; sets OUT, ERR and RC.
run() {
  OUT=$("$VELOCITY_BIN" "$@" 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
  ERR=$(cat "$SUITE_DIR/stderr")
}

expect_rc() {
  if [ "$RC" -eq "$1" ]; then pass; else fail "exit code $RC, expected $1 (stderr: $ERR)"; fi
}

expect_out_contains() {
  if grep -qF -- "$1" <<<"$OUT"; then pass; else fail "stdout lacks '$1': $OUT"; fi
}

expect_err_contains() {
  if grep -qF -- "$1" <<<"$ERR"; then pass; else fail "stderr lacks '$1': $ERR"; fi
}

expect_out_lacks() {
  if grep -qF -- "$1" <<<"$OUT"; then fail "stdout has '$1'"; else pass; fi
}

expect_err_lacks() {
  if grep -qF -- "$1" <<<"$ERR"; then fail "stderr has '$1'"; else pass; fi
}

expect_equal() {
  if [ "$1" == "$2" ]; then pass; else fail "'$1' != '$2'${3:+ ($3)}"; fi
}

# require COMMAND: a prerequisite; fails under CI, skips the suite elsewhere.
require() {
  if command -v "$1" >/dev/null 2>&1; then return 0; fi
  if [ "${CI:-}" = "true" ]; then
    fail "prerequisite '$1' is missing"
    finish
  fi
  echo "skipping suite: '$1' is not installed" >&2
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
}

# free_port: a free TCP port on 127.0.0.1.
# strace with its arguments. LeakSanitizer cannot work under ptrace: in a sanitizer build a run
# that ends normally would write a fatal LSan report (failing the sanitizer stage), so leak
# detection is off for what runs under strace.
strace_run() {
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# small_disk DIR SIZE: mounts a tmpfs of SIZE on DIR for a full-disk test (unmounted when the
# suite ends, or by release_small_disk). When it cannot, it says why and returns 1: a failure under
# CI=true, a skip elsewhere.
small_disk() {
  mkdir -p "$1"
  if mount -t tmpfs -o size="$2" tmpfs "$1" 2>"$SUITE_DIR/mount.err"; then
    # shellcheck disable=SC2064 # the directory is fixed now
    trap "umount '$1' 2>/dev/null; suite_cleanup" EXIT
    return 0
  fi
  if [ "${CI:-}" = "true" ]; then
    fail "cannot mount a tmpfs to fill: $(cat "$SUITE_DIR/mount.err")"
  else
    echo "skipping the full-disk test: cannot mount a tmpfs ($(cat "$SUITE_DIR/mount.err"))" >&2
  fi
  return 1
}

release_small_disk() {
  umount "$1"
  trap suite_cleanup EXIT
}

# fill_disk DIR BLOCKS: fills the disk of DIR (with DIR/filler) until BLOCKS blocks of 4 KiB are
# left.
fill_disk() {
  local avail
  avail=$(df --output=avail -B 4096 "$1" | tail -1)
  dd if=/dev/zero of="$1/filler" bs=4096 count=$((avail - $2)) 2>/dev/null
}

# finish: prints the closing line and exits non-zero when anything failed.
finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
  exit $?
}
