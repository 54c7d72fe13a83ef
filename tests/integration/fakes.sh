# The platform fakes (tests/fakes/fake_{gcp,azure,github}.py) accept good requests and reject
# bad ones as the real services do; each self-test starts its fake on a free loopback port.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require python3
require openssl
require curl

FAKES="$VELOCITY_SOURCE_DIR/tests/fakes"
export VELOCITY_TESTDATA_DIR

# selftest NAME [ENV=VALUE...]: runs tests/fakes/selftest_NAME.py; its output goes to stderr.
selftest() {
  local name="$1"
  shift
  TEST "fake $name${*:+ ($*)}"
  if env "$@" python3 "$FAKES/selftest_$name.py" >&2; then
    pass
  else
    fail "selftest_$name.py failed (see the FAIL lines above)"
  fi
}

selftest gcp
# The same checks with RS256 verified by the openssl command instead of Python's cryptography.
selftest gcp FAKES_CRYPTO=openssl
selftest azure
selftest github

TEST "each fake prints its port first and stops on SIGTERM"
for fake in gcp azure github; do
  coproc FAKE { exec python3 "$FAKES/fake_$fake.py" --idle 30; }
  pid=$FAKE_PID
  track_pid "$pid"
  read -r -t 20 port <&"${FAKE[0]}" || port=""
  if [[ "$port" =~ ^[0-9]+$ ]] && curl -s -o /dev/null "http://127.0.0.1:$port/_fake/scenario"; then
    pass
  else
    fail "fake_$fake.py printed '$port' instead of a port it serves on"
  fi
  kill -TERM "$pid"
  if wait "$pid"; then pass; else fail "fake_$fake.py did not stop cleanly on SIGTERM"; fi
done

finish
