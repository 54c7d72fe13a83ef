#!/usr/bin/env bash
# Findings as SARIF, JUnit and OCSF from `evidence list` and `report`, on the demo's history:
# every file the binary writes validates against the published schema copied in tests/data
# (tests/tools/findings_validate.py), a result per failing resource, fingerprints that a new run
# of the same estate keeps, and `--format json` still one document when it streams.
source "$(dirname "$0")/lib.sh"
require python3
require xmllint
python3 -c 'import jsonschema' 2>/dev/null || require python3-jsonschema
VALIDATE=(python3 "$VELOCITY_SOURCE_DIR/tests/tools/findings_validate.py")
WORK="$SUITE_DIR/work"
mkdir -p "$WORK"
"$VELOCITY_BIN" init >/dev/null 2>&1 || { echo "init failed" >&2; exit 1; }
DEMO=(demo --scenario startup-soc2 --days 14 --seed 7 --end 2025-03-31)
"$VELOCITY_BIN" "${DEMO[@]}" >/dev/null 2>&1 || { echo "demo failed" >&2; exit 1; }
export VELOCITY_ORG=demo-startup-soc2

# validates KIND FILE: the file passes findings_validate.py.
validates() {
  local report
  if report=$("${VALIDATE[@]}" "$1" "$2" 2>&1); then pass; else fail "$2 is not valid $1: $report"; fi
}

for format in sarif sarif-github junit ocsf; do
  TEST "evidence list --format $format validates against its schema"
  run evidence list --format "$format"
  expect_rc 0
  printf '%s\n' "$OUT" >"$WORK/list.$format"
  validates "${format%-github}" "$WORK/list.$format"
done

TEST "sarif: a result per failing finding, the resource as a logical location"
run evidence list --format jsonl --status FAIL
failing=$(grep -c '"status":"FAIL"' <<<"$OUT")
OUT=$(cat "$WORK/list.sarif")
expect_equal "$(json_get 'len(d["runs"][0]["results"])')" "$failing" "results"
expect_equal "$(json_get 'len(d["runs"][0]["tool"]["driver"]["rules"]) > 0')" "True"
expect_equal "$(json_get 'all("physicalLocation" not in r["locations"][0] and r["locations"][0]["logicalLocations"][0]["name"] for r in d["runs"][0]["results"])')" "True"

TEST "sarif-github: every result anchored to --sarif-anchor"
run evidence list --format sarif-github --sarif-anchor infra/main.tf
expect_rc 0
expect_equal "$(json_get '{r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in d["runs"][0]["results"]}')" "{'infra/main.tf'}"
OUT=$(cat "$WORK/list.sarif-github")
expect_equal "$(json_get '{r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in d["runs"][0]["results"]}')" "{'README.md'}" "default anchor"

TEST "sarif: a new run of the same estate keeps every fingerprint"
fingerprints='sorted(r["partialFingerprints"]["velocityFinding/v1"] for r in d["runs"][0]["results"])'
OUT=$(cat "$WORK/list.sarif")
before=$(json_get "$fingerprints")
"$VELOCITY_BIN" "${DEMO[@]}" --reset >/dev/null 2>&1 || fail "demo --reset failed"
run evidence list --format sarif
expect_equal "$(json_get "$fingerprints")" "$before"

TEST "junit: the counts match the test cases"
run evidence list --format jsonl
total=$(grep -c . <<<"$OUT")
expect_equal "$(xmllint --xpath 'string(/testsuites/@tests)' "$WORK/list.junit")" "$total"
expect_equal "$(xmllint --xpath 'count(//testcase)' "$WORK/list.junit")" "$total"
expect_equal "$(xmllint --xpath 'count(//testcase/failure)' "$WORK/list.junit")" \
  "$(xmllint --xpath 'string(/testsuites/@failures)' "$WORK/list.junit")"

TEST "ocsf: one Detection Finding per finding"
OUT=$(cat "$WORK/list.ocsf")
expect_equal "$(json_get 'len(d)')" "$total"
expect_equal "$(json_get '{e["class_uid"] for e in d}')" "{2004}"

TEST "evidence list --format json streams one array, the same findings as jsonl"
run evidence list --format json
expect_rc 0
expect_equal "$(json_get 'len(d)')" "$total"

TEST "report writes the formats too, chosen by --format or the file's extension"
run report --framework soc2 --format junit -o "$WORK/report.xml"
expect_rc 0
validates junit "$WORK/report.xml"
run report --framework soc2 -o "$WORK/report.sarif"
expect_rc 0
validates sarif "$WORK/report.sarif"
run report --framework soc2 -o "$WORK/report.ocsf.json"
expect_rc 0
validates ocsf "$WORK/report.ocsf.json"

TEST "the validators refuse a broken document"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["runs"][0]["tool"]; json.dump(d, open(sys.argv[2], "w"))' \
  "$WORK/list.sarif" "$WORK/broken.sarif"
"${VALIDATE[@]}" sarif "$WORK/broken.sarif" >/dev/null && fail "a SARIF run without tool passed" || pass
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d[0]["finding_info"]["uid"]; d[1]["severity_id"]=7; json.dump(d, open(sys.argv[2], "w"))' \
  "$WORK/list.ocsf" "$WORK/broken.ocsf"
OUT=$("${VALIDATE[@]}" ocsf "$WORK/broken.ocsf") && fail "a broken OCSF event passed" || pass
grep -q "finding_info: required attribute 'uid' is missing" <<<"$OUT" && pass || fail "$OUT"
grep -q "severity_id: 7 is not one of" <<<"$OUT" && pass || fail "$OUT"
sed 's/ failures="[0-9]*"//' "$WORK/list.junit" >"$WORK/broken.xml"
"${VALIDATE[@]}" junit "$WORK/broken.xml" >/dev/null && fail "a testsuite without failures passed" || pass

TEST "an anchor outside the repository is refused"
run evidence list --format sarif-github --sarif-anchor /etc/passwd
expect_rc 2
expect_err_contains "relative to the repository root"

TEST "an unknown format is refused with the list"
run evidence list --format sarif2
expect_rc 2
expect_err_contains "sarif-github"

finish
