# Helpers for the AWS suites: the moto fixture (tests/fakes/moto_aws.py) and its control routes.
# Source after lib.sh.

# require_moto: moto and boto3 importable by python3 (a prerequisite like `require`).
require_moto() {
  require python3
  if python3 -c 'import moto, boto3, werkzeug' 2>/dev/null; then return 0; fi
  if [ "${CI:-}" = "true" ]; then
    fail "prerequisite python modules moto and boto3 are missing"
    finish
  fi
  echo "skipping suite: python modules moto and boto3 are not installed" >&2
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
}

# start_moto [ARGS...]: starts a seeded moto (see moto_aws.py for ARGS) and sets MOTO_ENDPOINT,
# MOTO_KEY, MOTO_SECRET, MOTO_ACCOUNT and MOTO_MEMBERS (space-separated member account ids).
start_moto() {
  local out="$SUITE_DIR/moto.$RANDOM.json"
  python3 "$VELOCITY_SOURCE_DIR/tests/fakes/moto_aws.py" "$@" >"$out" 2>>"$SUITE_DIR/moto.log" &
  MOTO_PID=$!
  track_pid "$MOTO_PID"
  local i
  for i in $(seq 1 1200); do
    [ -s "$out" ] && break
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [ ! -s "$out" ]; then
    echo "moto fixture did not start:" >&2
    cat "$SUITE_DIR/moto.log" >&2
    exit 1
  fi
  eval "$(python3 - "$out" <<'PY'
import json, shlex, sys
d = json.load(open(sys.argv[1]))
print("MOTO_ENDPOINT=%s MOTO_KEY=%s MOTO_SECRET=%s MOTO_ACCOUNT=%s MOTO_MEMBERS=%s" % (
    shlex.quote(d["endpoint"]), shlex.quote(d["access_key_id"]),
    shlex.quote(d["secret_access_key"]), d["account_id"], shlex.quote(" ".join(d["members"]))))
PY
)"
}

# stop_moto: stops the fixture started last.
stop_moto() {
  kill "$MOTO_PID" 2>/dev/null
  wait "$MOTO_PID" 2>/dev/null
}

# fixture ROUTE [JSON]: calls a /velocity-fixture/ROUTE of the running fixture; prints the answer.
fixture() {
  python3 - "$MOTO_ENDPOINT/velocity-fixture/$1" "${2:-}" <<'PY'
import sys, urllib.request
data = sys.argv[2].encode() if sys.argv[2] else b"{}"
req = urllib.request.Request(sys.argv[1], data=data, method="POST",
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=60).read().decode())
PY
}

# fault OPERATION KIND [TIMES] [ARG] [REGION]: the next TIMES calls of OPERATION (signed for
# REGION, when given) misbehave (KIND: access-denied, invalid-token, throttle, status,
# invalid-body, slow, reset, truncated); TIMES "null" = always.
fault() {
  local region=null
  [ -n "${5:-}" ] && region="\"$5\""
  fixture fault "{\"operation\": \"$1\", \"kind\": \"$2\", \"times\": ${3:-1}, \"arg\": ${4:-null}, \"region\": $region}" >/dev/null
}

# calls_of OPERATION: how many requests of OPERATION the fixture has seen.
calls_of() {
  fixture calls | python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], 0))' "$1"
}

# with_moto_keys COMMAND...: runs COMMAND with the fixture's keys in the environment.
with_moto_keys() {
  AWS_ACCESS_KEY_ID="$MOTO_KEY" AWS_SECRET_ACCESS_KEY="$MOTO_SECRET" "$@"
}

# json_get EXPRESSION: evaluates a Python expression on the JSON in $OUT (bound to `d`).

# init_state: a fresh state with a master key in the environment.
init_state() {
  export VELOCITY_MASTER_KEY
  VELOCITY_MASTER_KEY=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
  "$VELOCITY_BIN" init >/dev/null 2>&1 || { echo "velocity init failed" >&2; exit 1; }
}

# status_of CHECK RESOURCE-SUBSTRING: the status of the finding in $OUT (collect --format json).
status_of() {
  printf '%s' "$OUT" >"$SUITE_DIR/out.json"
  python3 - "$1" "$2" "$SUITE_DIR/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[3]))
found = [f["status"] for f in d["findings"] if f["check_id"] == sys.argv[1] and (sys.argv[2] in f["resource_id"] or sys.argv[2] in f["reason"])]
print(",".join(found) if found else "none")
PY
}
expect_status() {
  local got
  got=$(status_of "$1" "$2")
  expect_equal "$got" "$3" "$1 on $2"
}
