#!/usr/bin/env bash
# `velocity pathway` end to end: the stage, milestones and metrics measured from the state, on an
# empty organisation, on a short demo history and on a long one.
source "$(dirname "$0")/lib.sh"
require python3
"$VELOCITY_BIN" init >/dev/null 2>&1 || { echo "init failed" >&2; exit 1; }

json_path() {
  python3 -c 'import json, sys
value = json.loads(sys.stdin.read())
for key in sys.argv[1].split("."):
    value = value[int(key)] if isinstance(value, list) else value[key]
print(json.dumps(value))' "$1" <<<"$OUT"
}

TEST "an empty organisation is in discovery, the pilot's milestones next"
run pathway --format json
expect_rc 0
expect_equal "$(json_path stage)" '"discovery"'
expect_equal "$(json_path next_stage)" '"pilot"'
expect_equal "$(json_path next_milestones)" '["assessment", "integration_verified"]'
run pathway
expect_rc 0
expect_out_contains "[discovery] -> pilot -> rollout -> production"
expect_out_contains "Next, for pilot:"

TEST "three days of demo history: a pilot, not yet a rollout"
run demo --scenario startup-soc2 --days 3 --end 2025-03-31
expect_rc 0
run --org demo-startup-soc2 pathway --format json
expect_rc 0
expect_equal "$(json_path stage)" '"pilot"'
expect_equal "$(json_path metrics.collection.streak_days)" 3
expect_equal "$(json_path metrics.assessments)" 2

TEST "sixty days of history: past the rollout, with the score change since the first assessment"
run demo --scenario startup-soc2 --days 60 --end 2025-03-31 --reset
expect_rc 0
run --org demo-startup-soc2 pathway --format json
expect_rc 0
stage=$(json_path stage)
[ "$stage" = '"rollout"' ] || [ "$stage" = '"production"' ] && pass || fail "stage $stage"
first=$(json_path metrics.score_change.0.first)
latest=$(json_path metrics.score_change.0.latest)
python3 -c "import sys; sys.exit(0 if $latest > $first else 1)" && pass || fail "score $first -> $latest"
expect_equal "$(json_path metrics.collection.last_day)" '"2025-03-31"'
python3 -c "import sys; sys.exit(0 if $(json_path metrics.evidence_automated_percent) > 0 else 1)" && pass || fail "no automation"
run --org demo-startup-soc2 pathway --format md
expect_rc 0
expect_out_contains "# Trust pathway of demo-startup-soc2"
expect_out_contains "| production |"
run --org demo-startup-soc2 pathway --size large --format json
expect_equal "$(json_path metrics.manual_hours_per_month)" 320.0

TEST "bad options"
run pathway --format html
expect_rc 2
run pathway --size huge
expect_rc 2
run --org nobody pathway
expect_rc 2
run --state "$SUITE_DIR/none.db" pathway
expect_rc 3

finish
