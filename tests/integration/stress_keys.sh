#!/usr/bin/env bash
# Key rotation against everything else at once: `key rotate` (plain and --reencrypt) runs while
# `org create`, `demo --reset`, `assess --answers`, `collect` (against moto) and `audit log` write
# and read the same state, and one of them is killed (SIGKILL) at a random moment in most rounds.
# Afterwards every organisation opens, every value decrypts and every audit log verifies; no
# command said "tampered", and a command that exited 3 said the documented "the master key was
# rotated while this command ran; run it again". Bounded by rounds (and a time cap for a
# machine far slower than expected, or the sanitizer build): about three minutes on two busy cores.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_aws.sh"

require python3
require sqlite3
require_moto

ROUNDS=${STRESS_ROUNDS:-200}
TIME_CAP=${STRESS_TIME_CAP:-240}
ROTATED="the master key was rotated while this command ran; run it again"
RANDOM=${STRESS_SEED:-1307} # the same rounds and kills on every run (STRESS_SEED varies them)

cd "$SUITE_DIR"
start_moto
KEY="$XDG_CONFIG_HOME/velocity/master.key"

TEST "setup: a state on the default key file, an AWS integration, an answers file"
run init
expect_rc 0
with_moto_keys run connect aws --name prod --endpoint-url "$MOTO_ENDPOINT" --region us-east-1
expect_rc 0
run assess template --framework soc2
expect_rc 0
printf '%s\n' "$OUT" | sed 's/^    answer:$/    answer: yes/' >answers.yaml
run assess --answers answers.yaml
expect_rc 0
run demo --scenario startup-soc2 --days 2
expect_rc 0

# launch NAME ARGS...: starts velocity in the background; its output goes to logs/NAME.*.
LAUNCHED=()
launch() {
  local name=$1
  shift
  # A simple command, so that $! is velocity itself and a kill reaches it.
  AWS_ACCESS_KEY_ID="$MOTO_KEY" AWS_SECRET_ACCESS_KEY="$MOTO_SECRET" \
    "$VELOCITY_BIN" "$@" >"logs/$name.out" 2>"logs/$name.err" &
  PIDS+=("$!")
  NAMES+=("$name")
  LAUNCHED+=("$name")
}

mkdir -p logs
rounds=0 kills=0 commands=0 killed_rotations=0
started=$(date +%s)
TEST "rounds of rotations against writers and readers, with random kills"
for round in $(seq 1 "$ROUNDS"); do
  if [ $(($(date +%s) - started)) -ge "$TIME_CAP" ]; then
    echo "stopping after $rounds rounds: the time cap of ${TIME_CAP}s is reached"
    break
  fi
  PIDS=() NAMES=()
  reencrypt=$([ $((round % 2)) -eq 0 ] && echo --reencrypt || true)
  launch "r$round.rotate" key rotate $reencrypt
  launch "r$round.org" org create "o$round"
  launch "r$round.demo" demo --scenario startup-soc2 --days 2 --reset
  launch "r$round.assess" assess --answers answers.yaml
  launch "r$round.collect" collect --types security_groups
  launch "r$round.log1" audit log --limit 5
  launch "r$round.log2" --org demo-startup-soc2 audit log --limit 5
  launch "r$round.rotate2" key rotate $([ -n "$reencrypt" ] || echo --reencrypt)
  victim=-1
  if [ $((RANDOM % 5)) -ne 0 ]; then
    victim=$((RANDOM % ${#PIDS[@]}))
    sleep "0.$((RANDOM % 5))$((RANDOM % 10))"
    kill -9 "${PIDS[$victim]}" 2>/dev/null
  fi
  for i in "${!PIDS[@]}"; do
    wait "${PIDS[$i]}" && rc=0 || rc=$?
    echo "$rc" >"logs/${NAMES[$i]}.rc"
    commands=$((commands + 1))
    if [ "$rc" -eq 137 ]; then
      kills=$((kills + 1))
      case ${NAMES[$i]} in *rotate*) killed_rotations=$((killed_rotations + 1)) ;; esac
    fi
  done
  rounds=$((rounds + 1))
done
elapsed=$(($(date +%s) - started))

TEST "no command said tampered; every exit 3 is the documented rotation message"
tampered=0 rotated=0 other=0
declare -A run_again=()
for name in "${LAUNCHED[@]}"; do
  rc=$(cat "logs/$name.rc")
  if grep -qi "tamper" "logs/$name.err"; then
    tampered=$((tampered + 1))
    fail "$name said tampered: $(cat "logs/$name.err")"
  fi
  if [ "$rc" -eq 137 ]; then
    continue # killed
  elif [ "$rc" -eq 3 ] && grep -qF "$ROTATED" "logs/$name.err"; then
    rotated=$((rotated + 1))
    kind=${name#*.}
    run_again[$kind]=$((${run_again[$kind]:-0} + 1))
  elif [ "$rc" -ne 0 ]; then
    other=$((other + 1))
    fail "$name exited $rc: $(cat "logs/$name.err")"
  fi
  if grep -q "do not end where its authenticated tail says" "logs/$name.err"; then
    fail "$name warned of a log that does not end at its tail: $(cat "logs/$name.err")"
  fi
done
expect_equal "$tampered" 0 "commands that said tampered"
expect_equal "$other" 0 "commands that failed otherwise"

TEST "afterwards: every organisation opens, every value decrypts, every log verifies"
run status
expect_rc 0
if [ ! -e "$KEY.new" ]; then pass; else fail "$KEY.new is still there after a command ran"; fi
run org list --format json
expect_rc 0
orgs=$(json_get '" ".join(o["name"] for o in d)')
for org in $orgs; do
  for command in "evidence list --format json" "assess list --format json" "connect list" \
    "audit verify" "audit log --format json"; do
    # shellcheck disable=SC2086 # the command is words
    run --org "$org" $command
    if [ "$RC" -ne 0 ]; then fail "--org $org $command: exit $RC: $ERR"; else pass; fi
  done
  run --org "$org" assess list --format json
  for id in $(json_get '" ".join(str(a["id"]) for a in d)'); do
    run --org "$org" assess show "$id" --format json
    if [ "$RC" -ne 0 ]; then fail "--org $org assess show $id: exit $RC: $ERR"; else pass; fi
  done
done

TEST "every stored assessment has its assess.complete event"
run assess list --format json
stored=$(json_get 'len(d)')
run audit log --action assess.complete --format json
expect_equal "$(json_get 'len(d)')" "$stored" "assess.complete events"

told=""
for kind in "${!run_again[@]}"; do told+=" $kind ${run_again[$kind]}"; done
echo "stress: $rounds rounds in ${elapsed}s, $commands commands, $kills kills ($killed_rotations of a rotation), $rotated told to run again${told:+ (by command:$told)}"
finish
