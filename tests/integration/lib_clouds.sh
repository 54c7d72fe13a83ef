# Helpers for the GitHub, GCP and Azure suites: start a platform fake (tests/fakes/fake_*.py),
# a fresh state, and read findings out of `collect --format json`. Source after lib.sh.

# start_fake PLATFORM [ARGS...]: starts tests/fakes/fake_PLATFORM.py with ARGS and sets
# FAKE_URL (http://127.0.0.1:PORT) and FAKE_PID.
start_fake() {
  local platform=$1
  shift
  local out="$SUITE_DIR/fake.$RANDOM.port"
  python3 "$VELOCITY_SOURCE_DIR/tests/fakes/fake_$platform.py" --idle 300 "$@" >"$out" \
    2>>"$SUITE_DIR/fake.log" &
  FAKE_PID=$!
  track_pid "$FAKE_PID"
  local i
  for i in $(seq 1 100); do
    [ -s "$out" ] && break
    sleep 0.1
  done
  if [ ! -s "$out" ]; then
    echo "fake_$platform did not start:" >&2
    cat "$SUITE_DIR/fake.log" >&2
    exit 1
  fi
  FAKE_URL="http://127.0.0.1:$(head -n1 "$out")"
}

# stop_fake: stops the fake started last.
stop_fake() {
  kill "$FAKE_PID" 2>/dev/null
  wait "$FAKE_PID" 2>/dev/null
}

# fake_requests: the fake's request log (GET /_fake/requests) as a JSON list of
# {method, path, op, status, auth, time}.
fake_requests() {
  python3 -c 'import json, sys, urllib.request; print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1] + "/_fake/requests"))["requests"]))' "$FAKE_URL"
}

# stored_resources: the resource ids of the evidence in the state, one a line (resource ids are
# stored in clear; the payloads are sealed).
stored_resources() {
  sqlite3 "$XDG_DATA_HOME/velocity/velocity.db" "SELECT resource_id FROM evidence ORDER BY resource_id"
}

# init_state: a fresh state with a master key in the environment.
init_state() {
  rm -rf "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
  export VELOCITY_MASTER_KEY
  VELOCITY_MASTER_KEY=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
  "$VELOCITY_BIN" init >/dev/null 2>&1 || { echo "velocity init failed" >&2; exit 1; }
}

# status_of CHECK RESOURCE-SUBSTRING: the statuses of matching findings in $OUT (collect
# --format json), comma-separated, or "none".
status_of() {
  printf '%s' "$OUT" >"$SUITE_DIR/out.json"
  python3 - "$1" "$2" "$SUITE_DIR/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[3]))
found = [f["status"] for f in d["findings"] if f["check_id"] == sys.argv[1] and sys.argv[2] in f["resource_id"]]
print(",".join(found) if found else "none")
PY
}

# expect_status CHECK RESOURCE-SUBSTRING EXPECTED
expect_status() {
  local got
  got=$(status_of "$1" "$2")
  expect_equal "$got" "$3" "$1 on $2"
}
