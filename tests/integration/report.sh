#!/usr/bin/env bash
# `velocity report`, `report bundle` and `report verify` end to end: two assessments and a moto
# collection feed every format; the bundle verifies with velocity and, by the steps of its own
# VERIFY.md, with openssl and sha256sum alone; every tampering is refused with exit 5.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_aws.sh"
require openssl
require sha256sum
require_moto
TAMPER="$VELOCITY_SOURCE_DIR/tests/integration/report_tamper.py"
OSCAL_VALIDATE="$VELOCITY_SOURCE_DIR/tests/tools/oscal_validate.py"
WORK="$SUITE_DIR/work"
mkdir -p "$WORK"

start_moto
init_state
with_moto_keys run connect aws --name prod --endpoint-url "$MOTO_ENDPOINT" --region us-east-1
[ "$RC" -eq 0 ] || { echo "connect failed: $ERR" >&2; exit 1; }
# Evidence and findings to report on; an incomplete type (moto lacks some calls) is fine here.
run collect --types policies,audit_logs
"$VELOCITY_BIN" evidence list --format json 2>/dev/null | grep -q '"id"' || { echo "collect stored nothing: $ERR" >&2; exit 1; }

# answers FILE VALUE [ID=VALUE...]: a filled-in SOC 2 answers file.
answers() {
  local file=$1 value=$2
  shift 2
  "$VELOCITY_BIN" assess template --framework soc2 >"$file"
  sed -i "s/^\(    answer:\).*/\1 $value/" "$file"
  local pair
  for pair in "$@"; do
    python3 - "$file" "${pair%%=*}" "${pair#*=}" <<'PY'
import re, sys
path, ident, value = sys.argv[1:]
text = open(path).read()
text = re.sub(r"(- id: %s\n(?:.*\n)*?    answer:).*" % re.escape(ident), r"\1 " + value, text, count=1)
open(path, "w").write(text)
PY
  done
}
answers "$WORK/first.yaml" no
run assess --framework soc2 --answers "$WORK/first.yaml"
answers "$WORK/second.yaml" yes security-policy=no documented-procedures=partially
run assess --framework soc2 --answers "$WORK/second.yaml"
[ "$RC" -eq 0 ] || [ "$RC" -eq 1 ] || { echo "assess failed: $ERR" >&2; exit 1; }

TEST "report --format json: score, change since the last assessment, every control, findings"
run report --framework soc2 --format json
expect_rc 0
printf '%s' "$OUT" >"$WORK/report.json"
expect_equal "$(json_get 'd["schema"]')" "velocity.report.v1"
expect_equal "$(json_get 'len(d["controls"])')" "61"
expect_equal "$(json_get 'd["summary"]["previous_score"]')" "0.0"
expect_equal "$(json_get 'd["summary"]["change"] == d["summary"]["score"] and d["summary"]["score"] > 50')" "True"
expect_equal "$(json_get 'len(d["history"])')" "2"
expect_equal "$(json_get 'd["findings"]["total"] > 0 and d["findings"]["fail"] > 0')" "True"
expect_equal "$(json_get 'd["evidence"]["items"] > 0')" "True"
expect_equal "$(json_get 'd["summary"]["contradicted_controls"] > 0')" "True"
SCORE=$(json_get 'd["summary"]["score"]')
FINDINGS=$(json_get 'd["findings"]["total"]')

TEST "report: Markdown on stdout by default, with the score and every control row"
run report --framework soc2
expect_rc 0
expect_out_contains "# SOC 2 compliance report: default"
expect_out_contains "**Score: ${SCORE%.0}**"
expect_out_contains "| CC6.1 |"
expect_out_contains "## Gaps and remediation"
expect_equal "$(grep -cE '^\| (CC|A1|C1|PI1|P[0-9])[0-9.]* \|' <<<"$OUT")" "61"

TEST "report --output soc2.html: format from the extension, private file, self-contained"
run report --framework soc2 --output "$WORK/soc2.html"
expect_rc 0
expect_err_contains "wrote the html report"
expect_equal "$(stat -c %a "$WORK/soc2.html")" "600"
if grep -qiE '(src|href)=["'"'"']?(https?:|//)|url\(|@import|<script|<link' "$WORK/soc2.html"; then
  fail "the HTML loads something from outside"
else pass; fi
expect_equal "$(grep -c '<svg' "$WORK/soc2.html")" "4"
expect_equal "$(grep -c '<tr class="control"' "$WORK/soc2.html")" "61"

TEST "report --format csv: one row per control"
run report --framework soc2 --format csv
expect_rc 0
expect_equal "$(printf '%s\n' "$OUT" | wc -l)" "62"
expect_out_contains "soc2,CC6.1,"

TEST "report --format oscal validates against NIST's assessment-results 1.0.4 schema"
run report --framework soc2 --format oscal --output "$WORK/ar.json"
expect_rc 0
if "$OSCAL_VALIDATE" "$WORK/ar.json" >"$WORK/oscal.out" 2>&1; then pass; else fail "$(cat "$WORK/oscal.out")"; fi
run report --framework hipaa --format oscal --output "$WORK/ar-hipaa.json"
if "$OSCAL_VALIDATE" "$WORK/ar-hipaa.json" >"$WORK/oscal.out" 2>&1; then pass; else fail "$(cat "$WORK/oscal.out")"; fi

TEST "report --format jsonl and findings-csv list every finding"
run report --framework soc2 --format jsonl
expect_rc 0
expect_equal "$(printf '%s\n' "$OUT" | grep -c '"check_id"')" "$FINDINGS"
run report --framework soc2 --format findings-csv --output "$WORK/findings.csv"
expect_equal "$(wc -l <"$WORK/findings.csv")" "$((FINDINGS + 1))"
expect_err_contains "as findings-csv ($(wc -c <"$WORK/findings.csv") bytes) to $WORK/findings.csv"

TEST "report --template-dir replaces a template; the others stay built in"
mkdir -p "$WORK/templates"
echo 'Custom {{organization}} {{framework.id}} {{view.score_text}}' >"$WORK/templates/report.md.mustache"
run report --framework soc2 --template-dir "$WORK/templates"
expect_rc 0
expect_out_contains "Custom default soc2 ${SCORE%.0}"
echo '{{#broken}}' >"$WORK/templates/report.md.mustache"
run report --framework soc2 --template-dir "$WORK/templates"
expect_rc 2
expect_err_contains "report.md.mustache"

TEST "report works from any directory (templates are in the binary)"
OUT=$(cd / && "$VELOCITY_BIN" report --framework soc2 2>/dev/null) && RC=0 || RC=$?
expect_rc 0
expect_out_contains "## Controls"

TEST "report: bad options are usage errors"
run report --framework nope
expect_rc 2
run report --framework soc2 --format docx
expect_rc 2
expect_err_contains "md, html, json"
run report --framework soc2 --from 2026-05-01 --to 2026-04-01
expect_rc 2
run report --framework soc2 --format pdf
expect_rc 2
expect_err_contains "--output"

TEST "report --format pdf without Chromium names the package to install"
OUT=$(VELOCITY_CHROMIUM=/nonexistent/chromium "$VELOCITY_BIN" report --framework soc2 --format pdf --output "$WORK/x.pdf" 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
expect_rc 2
expect_err_contains "Debian package \`chromium\`"

TEST "report bundle: every member of the issue, signed with the organisation's key"
cd "$WORK"
run report bundle --framework soc2 --output acme-soc2.tar.gz --format json
expect_rc 0
expect_equal "$(json_get 'd["evidence"] > 0 and d["audit_events"] > 0')" "True"
tar -tzf acme-soc2.tar.gz | sort >members.txt
for member in report.html report.md report.json report.csv oscal/assessment-results.json \
  audit/events.jsonl public-key.pem VERIFY.md manifest.json manifest.sig findings.jsonl; do
  if grep -qx "$member" members.txt; then pass; else fail "no $member in the bundle"; fi
done
expect_equal "$(grep -c '^evidence/[0-9]*\.json$' members.txt)" "$(json_get 'd["evidence"]')"
expect_equal "$(stat -c %a acme-soc2.tar.gz)" "600"
"$VELOCITY_BIN" audit key >org.pem 2>/dev/null
tar -xzf acme-soc2.tar.gz audit/events.jsonl evidence/1.json
if grep -q '"type":"tree_head"' audit/events.jsonl; then pass; else fail "no signed tree head in audit/events.jsonl"; fi
if python3 -c 'import json,sys; d=json.load(open("evidence/1.json")); sys.exit(0 if len(d["raw_sha256"])==64 and "data" in d else 1)'; then pass; else fail "evidence/1.json lacks its data or digest"; fi

TEST "report verify: valid with the organisation's key, and says when it trusted the bundle's"
run report verify acme-soc2.tar.gz --pubkey org.pem
expect_rc 0
expect_out_contains "OK acme-soc2.tar.gz"
expect_err_lacks "trusted the key inside"
run report verify acme-soc2.tar.gz
expect_rc 0
expect_err_contains "trusted the key inside the bundle"

TEST "report verify needs no state and no master key"
OUT=$(env -u VELOCITY_MASTER_KEY HOME=/nonexistent XDG_DATA_HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent \
  VELOCITY_STATE=/nonexistent/velocity.db "$VELOCITY_BIN" report verify acme-soc2.tar.gz --pubkey org.pem 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
ERR=$(cat "$SUITE_DIR/stderr")
expect_rc 0

TEST "VERIFY.md: its steps, run literally, pass with openssl and sha256sum alone"
mkdir -p literal && cp acme-soc2.tar.gz literal/
tar -xzf acme-soc2.tar.gz -O VERIFY.md >literal-VERIFY.md
# Every line of every ```sh block, in order, in one shell, each checked.
awk '/^```sh$/{on=1; next} /^```$/{on=0} on && NF {print; print "rc=$?; [ $rc -eq 0 ] || { echo \"step failed ($rc)\"; exit 9; }"}' \
  literal-VERIFY.md >steps.sh
expect_equal "$(grep -c 'step failed' steps.sh)" "8"
if (cd literal && bash ../steps.sh) >steps.out 2>&1; then pass; else fail "VERIFY.md steps failed: $(cat steps.out)"; fi
if grep -q "Signature Verified Successfully" steps.out && grep -q "files: every digest matches" steps.out &&
  grep -q "members: none missing, none added" steps.out; then pass; else fail "$(cat steps.out)"; fi
# The same steps catch a changed file.
rm -rf literal && mkdir literal
python3 "$TAMPER" acme-soc2.tar.gz literal/acme-soc2.tar.gz flip report.csv
if (cd literal && bash ../steps.sh) >steps.out 2>&1; then fail "VERIFY.md steps passed a tampered bundle"; else pass; fi
expect_equal "$(grep -c 'report.csv: FAILED' steps.out)" "1"

# tampered MODE ARG NAMED: the tampered bundle fails with exit 5 and names NAMED.
tampered() {
  python3 "$TAMPER" acme-soc2.tar.gz bad.tar.gz "$1" ${2:+"$2"}
  run report verify bad.tar.gz --pubkey org.pem
  expect_rc 5
  expect_err_contains "$3"
}

TEST "a byte flipped in each member in turn is found and the member named"
while read -r member; do
  case "$member" in
  manifest.sig | manifest.json) tampered flip "$member" "manifest" ;;
  *) tampered flip "$member" "$member" ;;
  esac
done <members.txt

TEST "a member added, a member removed"
tampered add evidence/999999.json "evidence/999999.json: extra"
tampered remove report.html "report.html: missing"

TEST "the signature replaced, the manifest edited and re-signed with another key"
tampered flip manifest.sig "manifest.sig"
openssl genpkey -algorithm ed25519 -out other.pem 2>/dev/null
tampered resign other.pem "manifest.sig: the signature of manifest.json does not verify"

TEST "'..', absolute, symlink entries and a decompression bomb are refused"
tampered dotdot "" "../escape.txt: refused"
tampered absolute "" "/tmp/absolute.txt: refused"
tampered symlink evidence/link.json "evidence/link.json: refused: a symbolic link"
tampered bigheader "" "evidence/huge.json: refused"

TEST "a member inflating far past the manifest's size for it is refused at once, sizes named"
# report.csv becomes 1 GiB of zeros (1 MB compressed): reading it through took seconds of CPU.
python3 "$TAMPER" acme-soc2.tar.gz bomb.tar.gz bomb report.csv:1024
DECLARED=$(tar -xzOf acme-soc2.tar.gz manifest.json |
  python3 -c 'import json,sys; print(next(f["size"] for f in json.load(sys.stdin)["files"] if f["path"] == "report.csv"))')
# The size the refusal names is the member's tar header: it is refused before a byte is inflated.
run report verify bomb.tar.gz --pubkey org.pem
expect_rc 5
expect_err_contains "report.csv: refused: the archive holds 1073741824 bytes for it, manifest.json lists $DECLARED"

TEST "a bundle with its manifest last, as older velocity wrote it, verifies; a bomb before it is bounded"
python3 "$TAMPER" acme-soc2.tar.gz last.tar.gz manifest-last
expect_equal "$(tar -tzf last.tar.gz | tail -1)" "manifest.sig"
run report verify last.tar.gz --pubkey org.pem
expect_rc 0
python3 "$TAMPER" last.tar.gz bomb.tar.gz bomb report.csv:1024
run report verify bomb.tar.gz --pubkey org.pem
expect_rc 5
expect_err_contains "report.csv: refused: manifest.json is not the first entry and the entries before it inflate past 256 MiB"

TEST "report verify: a file that is not a bundle fails with exit 5, a missing one with 2"
echo "not a bundle" >junk.tar.gz
run report verify junk.tar.gz
expect_rc 5
run report verify nothing-here.tar.gz
expect_rc 2

TEST "report bundle --from/--to keeps the period's evidence and audit events"
run report bundle --framework soc2 --output old.tar.gz --from 2000-01-01 --to 2000-12-31 --format json
expect_rc 0
expect_equal "$(json_get 'd["evidence"]')" "0"
expect_equal "$(json_get 'd["audit_events"]')" "0"
run report verify old.tar.gz --pubkey org.pem
expect_rc 0

TEST "the bundle and report runs are in the audit log"
run audit log --format json
expect_out_contains "report.bundle"
expect_out_contains "report.generate"

finish
