#!/usr/bin/env bash
# `velocity demo` end to end: a deterministic history for a seed (the same twice, another for
# another seed), written into an organisation marked demo that every other command then reads
# with no cloud account; a real organisation is never written into, even with --reset.
source "$(dirname "$0")/lib.sh"
require python3
WORK="$SUITE_DIR/work"
mkdir -p "$WORK"
"$VELOCITY_BIN" init >/dev/null 2>&1 || { echo "init failed" >&2; exit 1; }

DEMO=(demo --scenario startup-soc2 --days 14 --seed 7 --end 2025-03-31)

TEST "demo writes a history into demo-<scenario>, marked demo"
run "${DEMO[@]}" --format json
expect_rc 0
echo "$OUT" >"$WORK/first.json"
expect_out_contains '"org": "demo-startup-soc2"'
expect_out_contains '"from": "2025-03-18"'
expect_out_contains '"to": "2025-03-31"'
expect_equal "$(json_get '[(a["day"], a["completed_at"][:10]) for a in d["assessments"]][-1]')" \
  "(14, '2025-03-31')" "the last assessment on day 14 of 14, as the table numbers it"
run org list --format json
python3 -c 'import json, sys
orgs = {o["name"]: o for o in json.load(sys.stdin)}
assert orgs["demo-startup-soc2"]["demo"] is True, orgs
assert orgs["default"]["demo"] is False, orgs' <<<"$OUT" && pass || fail "org list: $OUT"

TEST "a second run without --reset refuses and changes nothing"
run "${DEMO[@]}"
expect_rc 2
expect_err_contains "exists already"
expect_err_contains "--reset"

TEST "--reset with the same seed rebuilds the same history"
"$VELOCITY_BIN" --org demo-startup-soc2 evidence list --format json >"$WORK/evidence-1.json" 2>/dev/null
run "${DEMO[@]}" --reset --format json
expect_rc 0
# Assessment ids are never reused (the audit log names assessments by id): the rebuilt history
# is the same but for them.
without_ids() { python3 -c 'import json,sys; d=json.load(sys.stdin); [a.pop("id") for a in d["assessments"]]; print(json.dumps(d, sort_keys=True))'; }
expect_equal "$(without_ids <<<"$OUT")" "$(without_ids <"$WORK/first.json")" "summary but for assessment ids"
expect_equal "$(json_get '[a["id"] for a in d["assessments"]]')" "[4, 5, 6]" "assessment ids after the first three"
"$VELOCITY_BIN" --org demo-startup-soc2 evidence list --format json >"$WORK/evidence-2.json" 2>/dev/null
cmp -s "$WORK/evidence-1.json" "$WORK/evidence-2.json" && pass || fail "evidence differs between two runs of one seed"

TEST "another seed gives another history"
run demo --scenario startup-soc2 --days 14 --seed 8 --end 2025-03-31 --reset --format json
expect_rc 0
[ "$OUT" != "$(cat "$WORK/first.json")" ] && pass || fail "seed 8 wrote the same history as seed 7"

TEST "the same seed in another state gives the same history"
run --state "$WORK/other.db" init
VELOCITY_STATE="$WORK/other.db" "$VELOCITY_BIN" "${DEMO[@]}" --format json >"$WORK/other.json" 2>/dev/null
cmp -s "$WORK/first.json" "$WORK/other.json" && pass || fail "another state, same seed, another history"

TEST "every other command works on the demo organisation"
run "${DEMO[@]}" --reset
expect_rc 0
expect_out_contains "demo-startup-soc2 (marked demo)"
expect_err_contains "next: velocity --org demo-startup-soc2"
run --org demo-startup-soc2 evidence list
expect_rc 0
expect_out_contains "aws-production"
run --org demo-startup-soc2 assess list --format json
expect_rc 0
python3 -c 'import json, sys; rows = json.load(sys.stdin); assert len(rows) == 3, rows' <<<"$OUT" && pass || fail "assess list: $OUT"
run --org demo-startup-soc2 audit verify
expect_rc 0
run --org demo-startup-soc2 audit log --format json
expect_rc 0
expect_out_contains "evidence.collect"
expect_out_contains "simulated_at"
run --org demo-startup-soc2 report --format md --output "$WORK/report.md"
expect_rc 0
[ -s "$WORK/report.md" ] && pass || fail "no report written"
run --org demo-startup-soc2 roi --from-state
expect_rc 0
run --org demo-startup-soc2 pathway
expect_rc 0

# Every check id of the catalogue, and those with a finding in organisation $1 (its latest).
"$VELOCITY_BIN" checks list --format json >"$WORK/checks.json" 2>/dev/null
checks_without_finding() {
  "$VELOCITY_BIN" --org "$1" evidence list --format json 2>/dev/null | python3 -c '
import json, sys
catalogue = {c["id"]: c["platform"] for c in json.load(open(sys.argv[1]))}
findings = json.load(sys.stdin)
seen = {f["check_id"] for f in findings}
statuses = {f["status"] for f in findings}
assert len(catalogue) > 200, len(catalogue)
assert {"PASS", "FAIL"} <= statuses, statuses
print(" ".join(sorted(set(catalogue) - seen)))' "$WORK/checks.json"
}

TEST "every check of the catalogue, of every platform, has a finding in the demo"
expect_equal "$(checks_without_finding demo-startup-soc2)" "" "checks without a finding"
run --org demo-startup-soc2 connect list --format json
expect_equal "$(json_get 'sorted(i["platform"] for i in d)')" "['aws', 'azure', 'gcp', 'github']" "platforms"

TEST "every scenario, every check"
for scenario in healthcare-hipaa fintech-pci enterprise-iso27001; do
  run demo --scenario "$scenario" --days 8 --end 2025-03-31 --format json
  expect_rc 0
  expect_out_contains "\"org\": \"demo-$scenario\""
  expect_equal "$(checks_without_finding "demo-$scenario")" "" "$scenario: checks without a finding"
done
run demo --list
expect_out_contains "enterprise-iso27001"

TEST "a real organisation is never written into"
run org create acme
run --org acme "${DEMO[@]}"
expect_rc 2
expect_err_contains "'acme' is not a demo organisation"
run --org acme "${DEMO[@]}" --reset
expect_rc 2
run --org acme evidence list --format json
expect_equal "$OUT" "[]" "acme stays empty"
run org list
expect_out_contains "acme"

TEST "--org names another demo organisation"
run --org sandbox "${DEMO[@]}" --format json
expect_rc 0
expect_out_contains '"org": "sandbox"'

TEST "bad options: exit 2"
run demo --scenario startup
expect_rc 2
expect_err_contains "unknown scenario 'startup'"
run demo
expect_rc 2
expect_err_contains "--scenario is required"
run demo --scenario startup-soc2 --days 0 --reset
expect_rc 2
run demo --scenario startup-soc2 --end yesterday --reset
expect_rc 2
expect_err_contains "--end yesterday is not a date"

TEST "no state: exit 3"
run --state "$WORK/none.db" demo --scenario startup-soc2
expect_rc 3

TEST "kill -9 at any write of demo --reset: the old history or the new one, never half"
if command -v strace >/dev/null 2>&1; then
  run demo --scenario startup-soc2 --days 3 --org demo-kill
  expect_rc 0
  run --org demo-kill evidence list --format json
  full=$(json_get 'len(d)')
  writes=$(strace_run -f -c -e trace=pwrite64 "$VELOCITY_BIN" demo --scenario startup-soc2 --days 3 \
    --org demo-kill --reset 2>&1 >/dev/null | awk '$NF == "pwrite64" {print $4}')
  step=$(((writes + 11) / 12))
  kills=0
  for n in $(seq 1 "$step" "$writes"); do
    strace_run -f -o /dev/null -e trace=pwrite64 -e inject=pwrite64:signal=KILL:when="$n" \
      "$VELOCITY_BIN" demo --scenario startup-soc2 --days 3 --org demo-kill --reset \
      >/dev/null 2>&1 && rc=0 || rc=$?
    [ "$rc" -eq 137 ] && kills=$((kills + 1))
    run --org demo-kill evidence list --format json
    expect_equal "$RC $(json_get 'len(d)')" "0 $full" "evidence after a kill at write $n of $writes"
    run --org demo-kill audit verify
    expect_rc 0
  done
  if [ "$kills" -gt 0 ]; then pass; else fail "no run was killed"; fi
elif [ "${CI:-}" = "true" ]; then
  fail "prerequisite 'strace' is missing"
else
  echo "skipping: strace is not installed" >&2
fi

finish
