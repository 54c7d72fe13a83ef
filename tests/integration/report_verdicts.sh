#!/usr/bin/env bash
# Automated verdicts in every output, on the demo's history (no cloud needed): a control answered
# "yes" whose check fails reads "not met" in `assess show`, the report (json, md, html, csv) and
# OSCAL, naming the check, its failing resources and since when; a control with passing checks
# and no answer is "met by automated evidence". The OSCAL results carry subjects, evidence links
# that resolve inside the bundle with their SHA-256, risks, namespaced props, and the same UUIDs
# on every run.
source "$(dirname "$0")/lib.sh"
require python3
OSCAL_VALIDATE="$VELOCITY_SOURCE_DIR/tests/tools/oscal_validate.py"
WORK="$SUITE_DIR/work"
mkdir -p "$WORK"
cd "$WORK"

"$VELOCITY_BIN" init >/dev/null 2>&1 || { echo "init failed" >&2; exit 1; }
"$VELOCITY_BIN" demo --scenario startup-soc2 --days 14 --seed 7 --end 2025-03-31 >/dev/null 2>&1 ||
  { echo "demo failed" >&2; exit 1; }
export VELOCITY_ORG=demo-startup-soc2
# Every question answered "yes": only automated checks can make a control anything but met.
"$VELOCITY_BIN" assess template --framework soc2 --variant type1 >all-yes.yaml
sed -i 's/^\(    answer:\).*/\1 yes/' all-yes.yaml
run assess --framework soc2 --variant type1 --answers all-yes.yaml --format json
[ "$RC" -eq 0 ] || { echo "assess failed: $ERR" >&2; exit 1; }
ASSESSMENT=$(json_get 'd["assessment"]["id"]')

TEST "report json: a control answered met with a failing check is not met and names it"
# The same report for the demo's first days, to find a failure that began after them.
BEFORE=2025-03-21
"$VELOCITY_BIN" report --framework soc2 --format json --to "$BEFORE" >early.json
run report --framework soc2 --format json
expect_rc 0
printf '%s' "$OUT" >soc2.json
if python3 - soc2.json early.json "$BEFORE" >failing.txt <<'PY'; then pass; else fail "$(cat failing.txt)"; fi
import json, sys
d = json.load(open(sys.argv[1]))
failing = []
for c in d["controls"]:
    bad = [k for k in c["checks"] if k["fail"] > 0]
    assert c["answered_status"] == "met", (c["id"], c["answered_status"])
    if bad:
        assert c["status"] == "not_met" and c["status_source"] == "failing_checks", c
        assert c["contradicted"] is True, c
        for k in bad:
            assert k["failing_since"] and 0 < len(k["failing_resources"]) <= k["fail"], k
            assert len(k["failing_resources"]) + k["failing_resources_omitted"] == k["fail"], k
        failing.append(c)
    else:
        assert c["status"] == "met" and c["status_source"] == "answers", c
assert failing, "no control with a failing check in the demo"
counts = d["summary"]["status_counts"]
assert counts["not_met"] == len(failing) and counts["met"] == len(d["controls"]) - len(failing), counts
assert d["summary"]["contradicted_controls"] == len(failing)
# A failure that began after the demo's first days, on a check that was judged (and passed) for
# that resource before; the MFA one if it is among them (which check, resource and day follow
# from the seed and the catalogue). The later tests follow it.
early = json.load(open(sys.argv[2]))
judged_early = {k["id"] for c in early["controls"] for k in c["checks"]}
failing_early = {(k["id"], r["resource_id"]) for c in early["controls"] for k in c["checks"]
                 for r in k["failing_resources"]}
began = [(c["id"], k) for c in failing for k in c["checks"]
         if k["fail"] > 0 and k["failing_since"][:10] > sys.argv[3] and k["id"] in judged_early
         and (k["id"], k["failing_resources"][0]["resource_id"]) not in failing_early]
assert began, "no failure began after the demo's first days"
began.sort(key=lambda pair: pair[1]["id"] != "aws_iam_user_mfa_enabled_console_access")
control, check = began[0]
print(control, check["id"], check["failing_since"][:10], check["failing_resources"][0]["resource_id"])
PY
read -r CONTROL CHECK SINCE USER_RES <failing.txt

TEST "report md, html and csv: the same control reads not met and names the check"
run report --framework soc2 --format md
expect_rc 0
ROW=$(grep -F "| $CONTROL |" <<<"$OUT")
if grep -q "Not met" <<<"$ROW" && grep -qF "$CHECK" <<<"$ROW" && grep -qF "$SINCE" <<<"$ROW" &&
  grep -qF "$USER_RES" <<<"$ROW"; then pass; else fail "md row of $CONTROL: $ROW"; fi
run report --framework soc2 --format html
ROW=$(sed -n "/id=\"control-$CONTROL\"/,/<\/tr>/p" <<<"$OUT")
if grep -q 'data-status="not_met"' <<<"$ROW" && grep -qF "$CHECK" <<<"$ROW" &&
  grep -qF "$USER_RES" <<<"$ROW"; then pass; else fail "html row of $CONTROL: $ROW"; fi
run report --framework soc2 --format csv
ROW=$(grep -F "soc2,$CONTROL," <<<"$OUT")
if grep -q ",not_met," <<<"$ROW" && grep -qF "$CHECK" <<<"$ROW"; then pass; else fail "csv row: $ROW"; fi
expect_out_contains "status_source,failing_checks"

TEST "assess show: the control is not met, with the failing check, resource and date"
run assess show "$ASSESSMENT" --format json
expect_rc 0
if python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
control, check = sys.argv[1], sys.argv[2]
[c] = [c for cat in d["frameworks"][0]["categories"] for c in cat["controls"] if c["id"] == control]
assert c["status"] == "not_met" and c["answered_status"] == "met", c
assert c["status_source"] == "failing_checks", c
[k] = [k for k in c["checks"] if k["id"] == check]
assert k["fail"] > 0 and any(r["resource_id"].endswith(sys.argv[3]) for r in k["failing_resources"]), k
assert d["frameworks"][0]["controls"]["not_met"] > 0
assert d["automated"]["findings_until"] == d["assessment"]["completed_at"], d["automated"]
' "$CONTROL" "$CHECK" "$USER_RES" <<<"$OUT"; then pass; else fail "assess show json: $CONTROL"; fi
run assess show "$ASSESSMENT"
expect_rc 0
expect_out_contains "$CONTROL"
expect_out_contains "$CHECK"
expect_out_contains "$USER_RES"
run assess show "$ASSESSMENT" --format md
expect_out_contains "| $CONTROL |"
expect_out_contains "$CHECK"

TEST "a period that ends before the failure began does not count it"
run report --framework soc2 --format json --to "$BEFORE"
expect_rc 0
if python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
checked = 0
for c in d["controls"]:
    for k in c["checks"]:
        if k["id"] == sys.argv[1]:
            checked += 1
            assert not any(r["resource_id"].endswith(sys.argv[2]) for r in k["failing_resources"]), (c["id"], k)
assert checked, "the check is in no control"
' "$CHECK" "$USER_RES" <<<"$OUT"; then pass; else fail "$USER_RES counted as failing $CHECK before $SINCE"; fi

TEST "report of a framework without an assessment: passing checks alone give met by automated evidence"
run report --framework iso27001 --format json
expect_rc 0
printf '%s' "$OUT" >iso.json
if python3 - iso.json >automated.txt <<'PY'; then pass; else fail "$(cat automated.txt)"; fi
import json, sys
d = json.load(open(sys.argv[1]))
automated = []
for c in d["controls"]:
    assert c["answered_status"] == "not_assessed", c
    if any(k["fail"] > 0 for k in c["checks"]):
        assert c["status"] == "not_met" and c["status_source"] == "failing_checks", c
    elif c["checks"]:
        assert c["status"] == "met" and c["status_source"] == "passing_checks", c
        automated.append(c["id"])
    else:
        assert c["status"] == "not_assessed" and c["status_source"] == "answers", c
assert automated, "no control with passing checks only"
print(automated[0])
PY
read -r AUTOMATED <automated.txt
run report --framework iso27001 --format md
ROW=$(grep -F "| $AUTOMATED |" <<<"$OUT")
if grep -q "Met by automated evidence" <<<"$ROW"; then pass; else fail "md row of $AUTOMATED: $ROW"; fi

TEST "a CIS Benchmark report: each recommendation with profile, assessment and result"
run report --framework cis-aws-5.0 --format json
expect_rc 0
printf '%s' "$OUT" >cis.json
if python3 - cis.json >benchmark.txt <<'PY'; then pass; else fail "$(cat benchmark.txt)"; fi
import collections, json, sys
d = json.load(open(sys.argv[1]))
b = d["benchmark"]
assert b["recommendations"] == len(d["controls"]) == 63, b
assert b["level1"] + b["level2"] == 63 and b["automated"] + b["manual"] == 63, b
results = collections.Counter(c["benchmark_result"] for c in d["controls"])
assert dict(results) == {k: v for k, v in b["results"].items() if v}, (results, b)
for c in d["controls"]:
    assert c["profile"] in ("level1", "level2") and c["assessment"] in ("automated", "manual"), c
    failing = any(k["fail"] > 0 for k in c["checks"])
    expected = ("fail" if failing else "pass" if c["checks"] else
                "manual" if c["assessment"] == "manual" else "no_result")
    assert c["benchmark_result"] == expected, c
assert results["pass"] > 0 and results["fail"] > 0 and results["manual"] > 0, results
root_mfa = next(c for c in d["controls"] if c["id"] == "1.4")
assert (root_mfa["profile"], root_mfa["assessment"], root_mfa["benchmark_result"]) == ("level1", "automated", "pass"), root_mfa
print(f'{b["results"]["pass"]} passed, {b["results"]["fail"]} failed')
PY
read -r SUMMARY <benchmark.txt
run report --framework cis-aws-5.0 --format md
expect_out_contains "Benchmark recommendations: 63 (41 Level 1, 22 Level 2; 35 automated, 28 manual): **$SUMMARY**"
expect_out_contains "| Recommendation | Title | Profile | Assessment | Result | Answers | Automated checks |"
expect_out_contains "| 1.4 | Turn on MFA for the root user | Level 1 | Automated | Pass (automated checks) |"
expect_out_contains "| 1.1 | Keep the account's contact details current and reaching more than one person | Level 1 | Manual | Manual: not answered yet |"
run report --framework cis-aws-5.0 --format html
expect_out_contains '<th>Recommendation</th><th>Title</th><th>Profile</th><th>Assessment</th><th>Result</th>'
expect_out_contains '<td>1.4</td><td>Turn on MFA for the root user</td><td>Level 1</td><td>Automated</td><td><span class="status met">Pass (automated checks)</span>'
run report --framework soc2 --format md
expect_out_contains "| Control | Title | Status | Answers | Automated checks |"
expect_out_lacks "Benchmark recommendations"

TEST "OSCAL: the failing control is not-satisfied, linked to a risk naming the check and to its observations"
run report --framework soc2 --format oscal --output ar1.json
expect_rc 0
if "$OSCAL_VALIDATE" ar1.json >oscal.out 2>&1; then pass; else fail "$(cat oscal.out)"; fi
if python3 - ar1.json "$CONTROL" "$CHECK" iso.json "$USER_RES" >oscal-check.out 2>&1 <<'PY'; then pass; else fail "$(cat oscal-check.out)"; fi
import json, sys
ar = json.load(open(sys.argv[1]))["assessment-results"]
control, check = sys.argv[2], sys.argv[3]
result = ar["results"][0]
observations = {o["uuid"]: o for o in result["observations"]}
risks = {r["uuid"]: r for r in result["risks"]}
items = {i["uuid"]: i for i in result["local-definitions"]["inventory-items"]}
[finding] = [f for f in result["findings"]
             if any(p["name"] == "label" and p["value"] == control for p in f["target"]["props"])]
assert finding["target"]["status"]["state"] == "not-satisfied", finding
linked = [risks[r["risk-uuid"]] for r in finding["related-risks"]]
assert any(check in r["title"] and check in r["description"] for r in linked), linked
assert all(r["status"] == "open" and r["related-observations"] for r in linked), linked
seen = [observations[o["observation-uuid"]] for o in finding["related-observations"]]
tests = [o for o in seen if o["methods"] == ["TEST"]]
assert any(o["methods"] == ["INTERVIEW"] for o in seen), seen
failing = [s for o in tests for s in o["subjects"]
           if any(p["name"] == "result" and p["value"] == "fail" for p in s["props"])]
assert any(p["name"] == "asset-id" and p["value"].endswith(sys.argv[5])
           for s in failing for p in items[s["subject-uuid"]]["props"]), failing
for o in result["observations"]:
    for s in o.get("subjects", []):
        assert s["type"] == "inventory-item" and s["subject-uuid"] in items, s
    if o["methods"] == ["TEST"]:
        assert o["relevant-evidence"] and o["subjects"], o
        assert o["collected"] < "2025-04-01", o["collected"]  # the demo's collection, not today
# Every prop velocity writes is in its namespace.
def props(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "props":
                yield from value
            yield from props(value)
    elif isinstance(node, list):
        for value in node:
            yield from props(value)
bare = [p for p in props(ar) if p.get("ns") != "https://velocity.dev/ns/oscal"]
assert not bare, bare
# import-ap resolves to the back-matter resource describing the plan.
href = ar["import-ap"]["href"]
assert href.startswith("#") and href[1:] in {r["uuid"] for r in ar["back-matter"]["resources"]}, href
PY

TEST "OSCAL: two reports of the same state have the same UUIDs"
run report --framework soc2 --format oscal --output ar2.json
expect_rc 0
uuids() { python3 -c '
import json, re, sys
print("\n".join(re.findall(r"\"(?:uuid|[a-z-]*-uuid)\": ?\"([0-9a-f-]{36})\"", open(sys.argv[1]).read())))' "$1"; }
uuids ar1.json >uuids1.txt
uuids ar2.json >uuids2.txt
if [ -s uuids1.txt ] && cmp -s uuids1.txt uuids2.txt; then pass; else fail "UUIDs differ between two runs"; fi
if grep -qE '^[0-9a-f]{8}-[0-9a-f]{4}-5' uuids1.txt && ! grep -qvE '^[0-9a-f]{8}-[0-9a-f]{4}-5' uuids1.txt; then
  pass
else fail "not every UUID is a version 5 UUID"; fi
run report --framework iso27001 --format oscal --output ar-iso.json
if "$OSCAL_VALIDATE" ar-iso.json >oscal.out 2>&1; then pass; else fail "$(cat oscal.out)"; fi
if python3 -c '
import json, sys
ar = json.load(open(sys.argv[1]))["assessment-results"]
states = {f["target"]["status"]["state"] for f in ar["results"][0]["findings"]}
assert "satisfied" in states, states
' ar-iso.json; then pass; else fail "no control satisfied by automated evidence in the ISO OSCAL"; fi

TEST "OSCAL in a bundle: every href resolves inside the bundle and the SHA-256 matches"
run report bundle --framework soc2 --output soc2.tar.gz
expect_rc 0
mkdir -p bundle && tar -xzf soc2.tar.gz -C bundle
if "$OSCAL_VALIDATE" bundle/oscal/assessment-results.json >oscal.out 2>&1; then pass; else fail "$(cat oscal.out)"; fi
if python3 - bundle >hrefs.out 2>&1 <<'PY'; then pass; else fail "$(cat hrefs.out)"; fi
import hashlib, json, os, sys, urllib.parse
root = os.path.realpath(sys.argv[1])
path = os.path.join(root, "oscal", "assessment-results.json")
ar = json.load(open(path))["assessment-results"]
uuids = set()
def walk(node):
    if isinstance(node, dict):
        if "uuid" in node:
            uuids.add(node["uuid"])
        for value in node.values():
            yield from walk(value)
        if "href" in node:
            yield node
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)
links = list(walk(ar))
resolved = 0
for link in links:
    href = link["href"]
    if href.startswith("#"):
        assert href[1:] in uuids, href
        continue
    target = os.path.realpath(os.path.join(os.path.dirname(path), urllib.parse.unquote(href)))
    assert target.startswith(root + os.sep) and os.path.isfile(target), href
    resolved += 1
assert resolved > 0, "no file href"
checked = 0
for o in ar["results"][0]["observations"]:
    for e in o.get("relevant-evidence", []):
        digest = [p["value"] for p in e["props"] if p["name"] == "sha256"]
        target = os.path.join(os.path.dirname(path), e["href"])
        data = open(target, "rb").read()
        assert digest == [hashlib.sha256(data).hexdigest()], (e["href"], digest)
        assert json.loads(data)["collected_at"] == o["collected"], (e["href"], o["collected"])
        checked += 1
for r in ar["back-matter"]["resources"]:
    for link in r.get("rlinks", []):
        data = open(os.path.join(os.path.dirname(path), link["href"]), "rb").read()
        assert link["hashes"] == [{"algorithm": "SHA-256", "value": hashlib.sha256(data).hexdigest()}]
assert checked > 0
print(f"{resolved} hrefs resolve, {checked} evidence digests match")
PY
run report verify soc2.tar.gz
expect_rc 0

finish
