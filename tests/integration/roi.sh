#!/usr/bin/env bash
# `velocity roi` end to end: the model's figures for known inputs (computed by hand here), every
# assumption printed with where it came from, config files (YAML and JSON) under flags, the three
# formats, every bad value refused with exit 2, and --from-state on a demo organisation.
source "$(dirname "$0")/lib.sh"
require python3
WORK="$SUITE_DIR/work"
mkdir -p "$WORK"

# json_path PATH: the value at a dotted path of the JSON in $OUT ("result.roi_percent").
json_path() {
  python3 -c 'import json, sys
value = json.loads(sys.stdin.read())
for key in sys.argv[1].split("."):
    value = value[key]
print(json.dumps(value))' "$1" <<<"$OUT"
}

expect_json() {
  local got
  got=$(json_path "$1")
  expect_equal "$got" "$2" "$1"
}

TEST "the issue's model for a medium organisation with two frameworks, no state needed"
run roi --size medium --framework soc2,iso27001 --annual-cost 60000 --format json
expect_rc 0
# 160 h x 90 % = 144 h a month; x 150 = 21,600; x 12 = 259,200.
expect_json result.hours_saved_per_month 144.0
expect_json result.monthly_time_savings 21600.0
expect_json result.annual_time_savings 259200.0
# 50,000 x 2 x 60 % = 60,000; 4,450,000 x 70 % x 1 % = 31,150; total 350,350.
expect_json result.annual_audit_savings 60000.0
expect_json result.risk_reduction_value 31150.0
expect_json result.total_annual_value 350350.0
# (350,350 - 60,000) / 60,000 = 483.92 %; 60,000 / (350,350 / 12) = 2.06 months.
expect_json result.roi_percent 483.92
expect_json result.payback_months 2.06
expect_json assumptions.hourly_rate.origin '"built-in"'
expect_json assumptions.annual_cost.origin '"flag"'
[ ! -e "$XDG_DATA_HOME/velocity/velocity.db" ] && pass || fail "roi created a state"

TEST "ROI and payback follow the stated annual cost, never a fixed number"
run roi --framework soc2 --size small --annual-cost 190750 --format json
# 80 x 0.9 x 150 x 12 = 129,600 + 30,000 + 31,150 = 190,750: ROI 0 %, payback 12 months.
expect_json result.total_annual_value 190750.0
expect_json result.roi_percent 0.0
expect_json result.payback_months 12.0
run roi --framework soc2 --size small --annual-cost 381500 --format json
expect_json result.roi_percent -50.0
expect_json result.payback_months 24.0

TEST "without --annual-cost there is no ROI, and the reason is given"
run roi --framework soc2
expect_rc 0
expect_out_contains "needs --annual-cost"
expect_err_contains "ROI and payback need the programme's annual cost"
run roi --framework soc2 --format json
expect_json result.roi_percent null
expect_json result.payback_months null

TEST "every assumption is a flag, printed with the result"
run roi --framework soc2,hipaa,gdpr --manual-hours 100 --automation-share 50% --hourly-rate 200 \
  --audit-cost 40000 --audit-reduction 25 --breach-cost 1000000 --risk-reduction 50 \
  --breach-probability 10 --annual-cost 120000
expect_rc 0
# 100 x 50 % x 200 x 12 = 120,000; 40,000 x 3 x 25 % = 30,000; 1,000,000 x 50 % x 10 % = 50,000.
expect_out_contains '$120,000'
expect_out_contains '$30,000'
expect_out_contains '$50,000'
expect_out_contains '$200,000'
# (200,000 - 120,000) / 120,000 = 66.7 %; 120,000 / (200,000 / 12) = 7.2 months.
expect_out_contains "66.7 %"
expect_out_contains "7.2 months"
for flag in --manual-hours --automation-share --hourly-rate --audit-cost --audit-reduction \
  --breach-cost --risk-reduction --breach-probability; do
  expect_out_contains "$flag / "
done
expect_out_contains "flag"

TEST "a YAML config file, and flags over it"
cat >"$WORK/roi.yaml" <<'EOF'
# Our own figures.
size: large
frameworks: [soc2, pci-dss]
manual_hours_by_size: {small: 40, medium: 100, large: 200}
automation_share: 75
hourly_rate: 120
audit_cost: 30000
audit_reduction: 50
breach_cost: 2000000
risk_reduction: 40
breach_probability: 5
annual_cost: 48000
EOF
run roi --config "$WORK/roi.yaml" --format json
expect_rc 0
# 200 x 75 % x 120 x 12 = 216,000; 30,000 x 2 x 50 % = 30,000; 2,000,000 x 40 % x 5 % = 40,000.
expect_json result.total_annual_value 286000.0
expect_json result.roi_percent 495.83
expect_json assumptions.hourly_rate.origin '"config"'
expect_json size.origin '"config"'
run roi --config "$WORK/roi.yaml" --hourly-rate 100 --format json
# 150 h x 100 x 12 = 180,000 + 70,000 = 250,000.
expect_json result.total_annual_value 250000.0
expect_json assumptions.hourly_rate.origin '"flag"'
expect_json assumptions.audit_cost.origin '"config"'

TEST "a JSON config file"
echo '{"frameworks": "soc2", "manual_hours": 10, "automation_share": 100, "annual_cost": 1000}' >"$WORK/roi.json"
run roi --config "$WORK/roi.json" --format json
# 10 x 100 % x 150 x 12 = 18,000 + 30,000 + 31,150 = 79,150.
expect_json result.total_annual_value 79150.0
expect_json assumptions.manual_hours.value 10.0

TEST "markdown"
run roi --framework soc2 --annual-cost 50000 --format md
expect_rc 0
expect_out_contains "# ROI estimate: medium organisation, 1 framework (soc2)"
expect_out_contains "| hourly rate | \$150 | built-in | \`--hourly-rate\` / \`hourly_rate\` |"
expect_out_contains "| ROI |"

TEST "bad values: a clear message and exit 2"
run roi --framework soc2 --hourly-rate=-5
expect_rc 2
expect_err_contains "hourly rate is -5"
expect_err_contains "must be 0 or more"
run roi --framework soc2 --size huge
expect_rc 2
expect_err_contains "unknown organisation size 'huge'"
run roi --framework soc3
expect_rc 2
expect_err_contains "unknown framework 'soc3' (did you mean 'soc2'?)"
run roi --framework soc2,soc2
expect_rc 2
expect_err_contains "listed twice"
run roi
expect_rc 2
expect_err_contains "no frameworks"
run roi --framework soc2 --automation-share 120
expect_rc 2
expect_err_contains "a percentage must be 0 to 100"
run roi --framework soc2 --annual-cost 0
expect_rc 2
expect_err_contains "must be more than 0"
run roi --framework soc2 --breach-cost lots
expect_rc 2
expect_err_contains "--breach-cost: 'lots' is not a number"
run roi --framework soc2 --format html
expect_rc 2
printf 'size: small\nhourly_rat: 100\n' >"$WORK/typo.yaml"
run roi --framework soc2 --config "$WORK/typo.yaml"
expect_rc 2
expect_err_contains "typo.yaml:2:1"
expect_err_contains "did you mean 'hourly_rate'"
run roi --framework soc2 --config "$WORK/missing.yaml"
expect_rc 2
expect_err_contains "missing.yaml (from --config) does not exist"

TEST "--from-state measures the automation share, hours and frameworks of a demo organisation"
run --org demo-startup-soc2 roi --from-state
expect_rc 3
"$VELOCITY_BIN" init >/dev/null 2>&1
run demo --scenario startup-soc2 --days 10 --end 2025-03-31
expect_rc 0
run --org demo-startup-soc2 roi --from-state --annual-cost 60000 --format json
expect_rc 0
expect_json assumptions.automation_share.origin '"state"'
expect_json frameworks.origin '"state"'
expect_json frameworks.ids '["soc2"]'
expect_json assumptions.manual_hours.origin '"state"'
note=$(json_path assumptions.automation_share.note)
grep -qE '^"[0-9]+ of [0-9]+ answered controls have automated evidence"$' <<<"$note" && pass || fail "note: $note"
# A flag still has the last word.
run --org demo-startup-soc2 roi --from-state --automation-share 90 --format json
expect_json assumptions.automation_share.origin '"flag"'
run --org demo-startup-soc2 roi --from-state
expect_out_contains "state: "
# The default organisation has no assessment: the built-in values stay, with a warning.
run roi --from-state --framework soc2
expect_rc 0
expect_err_contains "has no completed assessment"

finish
