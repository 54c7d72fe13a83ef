#!/usr/bin/env bash
# velocity frameworks: list, show, map, check, custom catalogues.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require python3


TEST "list shows the eleven catalogues from any directory"
OUT=$(cd / && "$VELOCITY_BIN" frameworks list 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
expect_rc 0
for id in soc2 iso27001 hipaa gdpr pci-dss cis-v8 nist-csf-2 cis-aws-5.0 cis-gcp-5.0 \
  cis-azure-6.0 cis-github-1.2; do expect_out_contains "$id"; done
expect_out_contains "type1,type2"

TEST "list --format json: control counts"
run frameworks list --format json
expect_rc 0
expect_equal "$(json_get '",".join("%s=%d" % (f["id"], f["controls"]) for f in d)')" \
  "soc2=61,iso27001=116,hipaa=65,gdpr=36,pci-dss=280,cis-v8=153,nist-csf-2=106,cis-aws-5.0=63,cis-gcp-5.0=93,cis-azure-6.0=127,cis-github-1.2=120"

TEST "show: categories, variants, and --controls lists exact ids"
run frameworks show soc2
expect_rc 0
expect_out_contains "61 in 20 categories"
expect_out_contains "type2 (Type II)"
run frameworks show hipaa --controls
expect_rc 0
expect_out_contains "164.312(d)"
expect_out_contains "addressable"
run frameworks show cis-v8 --controls
expect_out_contains "IG1,2,3"

TEST "show --format json: every control with its id and the questions reaching it"
run frameworks show iso27001 --format json
expect_rc 0
expect_equal "$(json_get 'sum(len(c["controls"]) for c in d["categories"] if c["id"].startswith("A."))')" 93
expect_equal "$(json_get '[x["common_controls"] for c in d["categories"] for x in c["controls"] if x["id"]=="A.8.5"][0].count("mfa-all-users")')" 1
run frameworks show nist-csf-2 --format json
expect_equal "$(json_get 'len(d["groups"]), sum(len(c["controls"]) for c in d["categories"])')" "6 106"
run frameworks show pci-dss --format json
expect_equal "$(json_get 'len(d["groups"]), len(d["categories"]), sum(len(c["controls"]) for c in d["categories"])')" "15 71 280"
expect_equal "$(json_get '[(c["id"], c["group"], [x["id"] for x in c["controls"]]) for c in d["categories"] if c["id"]=="3.3"][0]')" \
  "('3.3', '3', ['3.3.1', '3.3.1.1', '3.3.1.2', '3.3.1.3', '3.3.2', '3.3.3'])"

TEST "show a CIS Benchmark: sections, sub-sections, profile and assessment of each recommendation"
run frameworks show cis-aws-5.0
expect_rc 0
expect_out_contains "63 in 8 categories; 12 questions of the questionnaire reach them"
expect_out_contains "Benchmark:  35 automated, 28 manual; 41 Level 1, 22 Level 2"
run frameworks show cis-aws-5.0 --format json
expect_equal "$(json_get 'len(d["groups"]), [c["id"] for c in d["categories"]]')" \
  "5 ['1', '2.1', '2.2', '2.3', '3', '4', '5.1', '5']"
expect_equal "$(json_get '[(x["profile"], x["assessment"], x["common_controls"]) for c in d["categories"] for x in c["controls"] if x["id"]=="1.10"][0]')" \
  "('level1', 'manual', ['access-provisioning'])"
expect_equal "$(json_get '[(x["profile"], x["assessment"], x["common_controls"]) for c in d["categories"] for x in c["controls"] if x["id"]=="2.1.1"][0]')" \
  "('level2', 'automated', [])"
# Counts per benchmark: recommendations, automated, manual, Level 2, and every manual one reached.
for expected in "cis-aws-5.0 63 35 28 22" "cis-gcp-5.0 93 71 22 39" "cis-azure-6.0 127 89 38 53" \
  "cis-github-1.2 120 2 118 29"; do
  run frameworks show "${expected%% *}" --format json
  counts=$(python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
xs = [x for c in d["categories"] for x in c["controls"]]
unreached = [x["id"] for x in xs if x["assessment"] == "manual" and not x["common_controls"]]
print(d["id"], len(xs), sum(x["assessment"] == "automated" for x in xs),
      sum(x["assessment"] == "manual" for x in xs), sum(x["profile"] == "level2" for x in xs),
      "manual unreached:", unreached)' <<<"$OUT")
  expect_equal "$counts" "$expected manual unreached: []"
done
run frameworks show cis-azure-6.0 --controls
expect_out_contains "8.1.3.1"
expect_out_contains "L2 automated"
run frameworks map cis-github-1.2:1.1.16 --format json
expect_equal "$(json_get '[c["id"] for c in d["matches"][0]["common_controls"]]')" "['protected-branches']"

TEST "show an unknown framework suggests the closest"
run frameworks show soc
expect_rc 2
expect_err_contains "unknown framework 'soc' (did you mean 'soc2'?)"

TEST "map a common control to every framework"
run frameworks map mfa-all-users --format json
expect_rc 0
expect_equal "$(json_get '[m["id"] for m in d["matches"][0]["maps"]["hipaa"]]')" "['164.312(d)']"
expect_equal "$(json_get '[m["id"] for m in d["matches"][0]["maps"]["nist-csf-2"]]')" "['PR.AA-03']"

TEST "map a framework control to its equivalents"
run frameworks map soc2:CC6.1
expect_rc 0
expect_out_contains "SOC 2 CC6.1"
expect_out_contains "A.8.5"
run frameworks map PR.AA-03 --format json
expect_equal "$(json_get 'd["matches"][0]["framework"], "CC6.1" in [c["id"] for c in d["matches"][0]["equivalents"]["soc2"]]')" "nist-csf-2 True"
run frameworks map pci-dss:8.4.2 --format json
expect_equal "$(json_get '[c["id"] for c in d["matches"][0]["equivalents"]["soc2"]]')" "['CC6.1']"
run frameworks map no-such-thing
expect_rc 2
expect_err_contains "no common control or framework control has the id 'no-such-thing'"

TEST "map refuses a bare id two shipped frameworks use"
run frameworks map 4.1
expect_rc 2
expect_err_contains "'4.1' is a control id in 4 frameworks: iso27001:4.1, cis-v8:4.1, cis-aws-5.0:4.1, cis-gcp-5.0:4.1"

TEST "map lists the checks testing a control, with why, and only those"
run frameworks map soc2:CC6.6 --format json
expect_rc 0
MAPPED=$(json_get 'sorted(c["id"] for c in d["matches"][0]["checks"])')
WHY=$(json_get 'all(c["why"] for c in d["matches"][0]["checks"])')
run checks list --format json
expect_equal "$MAPPED" "$(json_get 'sorted(c["id"] for c in d if any(m["id"] == "CC6.6" for m in c["controls"].get("soc2", [])))')"
expect_equal "$(grep -c "'azure_network_ssh_internet_access_restricted'" <<<"$MAPPED")" "1" "the Azure twin is among them"
expect_equal "$WHY" "True"
run frameworks map iso27001:A.8.17
expect_rc 0
expect_out_contains "No automated check tests it."
run frameworks map soc2:CC3.4 --format json
expect_equal "$(json_get 'd["matches"][0]["checks"]')" "[]"
run frameworks map mfa-all-users --format json
expect_equal "$(json_get '"checks" in d["matches"][0]["common_control"]')" "False"

TEST "check validates the built-in set"
run frameworks check
expect_rc 0
expect_out_contains "valid: 11 frameworks with 1220 controls, 101 common controls, every control reached by a question or marked automated"
expect_out_contains "$("$VELOCITY_BIN" checks list --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') checks each with its evaluator"

TEST "custom catalogues with --frameworks-dir and VELOCITY_FRAMEWORKS_DIR"
custom="$SUITE_DIR/custom"
mkdir -p "$custom"
cat >"$custom/acme.yaml" <<'EOF'
id: acme
name: ACME Baseline
version: "1"
publisher: ACME
description: Our own baseline.
categories:
  - id: A
    name: Access
    controls:
      - id: "A-1"
        title: Strong sign-in
        description: Everyone signs in with MFA.
EOF
cat >"$custom/common-controls.yaml" <<'EOF'
domains:
  - id: identity
    name: Identity
common_controls:
  - id: mfa
    domain: identity
    title: MFA
    question: Is MFA enforced?
    guidance: Everyone uses MFA.
    weight: 5
    risk: critical
    effort_hours: 10
    remediation: [Turn on MFA]
    maps:
      acme: ["A-1"]
EOF
run frameworks list --frameworks-dir "$custom"
expect_rc 0
expect_out_contains "ACME Baseline"
expect_out_lacks "soc2"
# Without checks/ no check the providers run is described: check refuses.
run frameworks check --frameworks-dir "$custom"
expect_rc 2
expect_err_contains "$custom/checks has no check catalogue"
# The built-in checks, mapping to nothing of ACME's, in a checks/ folder of their own.
mkdir -p "$custom/checks"
"$VELOCITY_BIN" checks list --format json | python3 -c '
import json, sys
by_platform = {}
for check in json.load(sys.stdin):
    by_platform.setdefault(check["platform"], []).append(check)
for platform, checks in by_platform.items():
    with open(sys.argv[1] + "/" + platform + ".yaml", "w") as out:
        out.write("checks:\n")
        for c in checks:
            out.write(f"""  - id: {c["id"]}
    platform: {c["platform"]}
    service: {c["service"]}
    evidence_type: {c["evidence_type"]}
    severity: {c["severity"]}
    title: {json.dumps(c["title"])}
    risk: {json.dumps(c["risk"])}
    remediation:
      steps: {json.dumps(c["remediation"]["steps"])}
      url: {c["remediation"]["url"]}
    controls: {{}}
""")
' "$custom/checks"
OUT=$(VELOCITY_FRAMEWORKS_DIR="$custom" "$VELOCITY_BIN" frameworks check 2>&1) && RC=0 || RC=$?
expect_rc 0
expect_out_contains "valid: 1 frameworks with 1 controls, 1 common controls"

TEST "map refuses an id several frameworks use, naming the qualified ones"
sed -e 's/^id: acme/id: acme-two/' -e 's/ACME Baseline/ACME Two/' "$custom/acme.yaml" >"$custom/acme-two.yaml"
sed -i 's/      acme: \["A-1"\]/      acme: ["A-1"]\n      acme-two: ["A-1"]/' "$custom/common-controls.yaml"
run frameworks map A-1 --frameworks-dir "$custom"
expect_rc 2
expect_err_contains "'A-1' is a control id in 2 frameworks: acme:A-1, acme-two:A-1"
expect_err_contains "velocity frameworks map acme:A-1"
run frameworks map acme-two:A-1 --frameworks-dir "$custom" --format json
expect_rc 0
expect_equal "$(json_get 'len(d["matches"]), d["matches"][0]["framework"], d["matches"][0]["control"]["id"]')" \
  "1 acme-two A-1"
rm "$custom/acme-two.yaml"
sed -i '/acme-two/d' "$custom/common-controls.yaml"

TEST "a broken custom catalogue is rejected with file:line and the field"
sed -i 's/        title: Strong sign-in/        titel: Strong sign-in/' "$custom/acme.yaml"
run frameworks check --frameworks-dir "$custom"
expect_rc 2
expect_err_contains "$custom/acme.yaml:11:9: control 'A-1': unknown field 'titel' (did you mean 'title'?)"
expect_err_contains "$custom/acme.yaml:10:9: control 'A-1': 'title' is missing"
run frameworks list --frameworks-dir "$SUITE_DIR/nope"
expect_rc 2
expect_err_contains "does not exist or is not a directory"

finish
