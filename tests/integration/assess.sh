#!/usr/bin/env bash
# velocity assess without a terminal: templates, answers files, scores, storage, list/show/diff.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require python3

# fill FILE VALUE: sets every empty `answer:` (and `operating:`) of a template to VALUE.
fill() { sed -i "s/^    answer:\$/    answer: $2/; s/^    operating:\$/    operating: $2/" "$1"; }
# set_answer FILE ID VALUE: the answer of one entry.
set_answer() {
  python3 - "$@" <<'EOF'
import sys
path, ident, value = sys.argv[1:]
lines = open(path).read().split("\n")
for i, line in enumerate(lines):
    if line.strip() == "- id: " + ident:
        j = i + 1
        while not lines[j].strip().startswith("answer:"):
            j += 1
        lines[j] = "    answer: " + value
open(path, "w").write("\n".join(lines))
EOF
}

cd "$SUITE_DIR"

TEST "without a terminal and without --answers it never prompts"
run assess --framework soc2 </dev/null
expect_rc 2
expect_err_contains "stdin or stderr is not one"
expect_err_contains "--answers"

TEST "template: one entry per question with the question and guidance as comments"
run assess template --framework soc2
expect_rc 0
printf '%s\n' "$OUT" >soc2.yaml
expect_equal "$(grep -c '^  - id: ' soc2.yaml)" 82
expect_out_contains "framework: soc2"
expect_out_contains "variant: type1"
expect_out_contains "  - id: mfa-all-users"
expect_out_contains "  # Q: Is multi-factor authentication enforced for every user account"
expect_out_lacks "operating:"
run assess template --framework soc2 --variant type2
expect_out_contains "variant: type2"
expect_out_contains "    operating:"
run assess template --framework gdpr
expect_equal "$(grep -c '^  - id: ' <<<"$OUT")" 35

TEST "an unfilled template: every empty answer named by line"
run assess --answers soc2.yaml
expect_rc 2
line=$(grep -n -A1 -- '- id: security-policy' soc2.yaml | tail -1 | cut -d- -f1)
expect_err_contains "soc2.yaml:$line: 'security-policy': 'answer' is empty; use yes, partially, no or n/a"
expect_err_contains "(82 problems)"

TEST "unknown ids, bad values and missing entries: file:line, exit 2"
cp soc2.yaml broken.yaml
fill broken.yaml yes
set_answer broken.yaml mfa-all-users maybe
sed -i 's/^  - id: backups$/  - id: backup/' broken.yaml
python3 - <<'EOF'
# drop the access-reviews entry
text = open("broken.yaml").read().split("\n")
start = text.index("  - id: access-reviews")
end = start + 1
while end < len(text) and not text[end].startswith("  - id: ") and not text[end].startswith("  # "):
    end += 1
open("broken.yaml", "w").write("\n".join(text[:start] + text[end:]))
EOF
run assess --answers broken.yaml
expect_rc 2
line=$(grep -n '^    answer: maybe' broken.yaml | cut -d: -f1)
expect_err_contains "broken.yaml:$line:13: 'mfa-all-users': 'answer' is 'maybe'; use yes, partially, no or n/a"
line=$(grep -n '^  - id: backup$' broken.yaml | cut -d: -f1)
expect_err_contains "broken.yaml:$line:9: 'backup': 'id' is not a question of the questionnaire (did you mean 'backups'?)"
answers_line=$(grep -n '^answers:' broken.yaml | cut -d: -f1)
expect_err_contains "broken.yaml:$answers_line: no answer for 'access-reviews' (Periodic user access reviews)"

TEST "all yes scores 100; all no scores 0 and --fail-under exits 1"
cp soc2.yaml yes.yaml
fill yes.yaml yes
run assess --answers yes.yaml --format json --fail-under 99
expect_rc 0
expect_equal "$(json_get 'd["frameworks"][0]["score"], len(d["gaps"]), d["schema"]')" "100.0 0 velocity.assessment.v1"
expect_err_contains "not stored: there is no state"
cp soc2.yaml no.yaml
fill no.yaml no
run assess --answers no.yaml --fail-under 50 --no-save
expect_rc 1
expect_err_contains "score under --fail-under 50: soc2 0"
expect_out_contains "Gaps: 82"
expect_out_contains "Full compliance:"

TEST "scores of a known answer set (README example: 100 × 7 / 13)"
python3 - <<'EOF'
text = open("soc2.yaml").read()
answers = {"mfa-all-users": "yes", "access-reviews": "partially", "security-policy": "no"}
out, current = [], None
for line in text.split("\n"):
    if line.startswith("  - id: "):
        current = line.split(": ")[1]
    if line == "    answer:":
        line += " " + answers.get(current, "n/a")
    out.append(line)
open("example.yaml", "w").write("\n".join(out))
EOF
run assess --answers example.yaml --format json --no-save
expect_rc 0
expect_equal "$(json_get 'd["frameworks"][0]["score"], d["summary"]["not_applicable"], [g["id"] for g in d["gaps"]]')" \
  "53.8 79 ['access-reviews', 'security-policy']"
# access-reviews (3 × 4 / 16 = 0.75) before security-policy (3 × 4 / 24 = 0.5).
# security-policy: 24 h; access-reviews partially: half of 16 h; at $200/h, no tooling, audit 1000
run assess --answers example.yaml --format json --no-save --hourly-rate 200 --audit-cost 1000
expect_equal "$(json_get 'd["cost"]["hours"], d["cost"]["labour"], d["cost"]["total"]')" "32.0 6400.0 7400.0"
run assess --answers . --no-save
expect_rc 2
expect_err_contains "answers file . is a directory"
run assess --answers /dev/null --no-save
expect_rc 2
expect_err_contains "expected a mapping of fields, found empty"
run assess --answers <(cat example.yaml) --format json --no-save
expect_rc 0
expect_equal "$(json_get 'd["frameworks"][0]["score"]')" "53.8" "answers read from a pipe"
run assess --answers example.yaml --no-save --hourly-rate 0
expect_rc 2
expect_err_contains "--hourly-rate: must be more than 0, not 0"
run assess --answers example.yaml --no-save --audit-cost -1000
expect_rc 2
expect_err_contains "--audit-cost: must be 0 or more, not -1000"

TEST "SOC 2 Type II asks the operating question and scores it"
run assess template --framework soc2 --variant type2
printf '%s\n' "$OUT" >type2.yaml
fill type2.yaml yes
run assess --answers type2.yaml --format json --no-save
expect_equal "$(json_get 'd["frameworks"][0]["score"], d["frameworks"][0]["operating_effectiveness"]')" "100.0 True"
sed -i '0,/^    operating: yes$/s//    operating: no/' type2.yaml
run assess --answers type2.yaml --format json --no-save
expect_equal "$(json_get 'd["gaps"][0]["id"], d["gaps"][0]["kind"], d["gaps"][0]["remaining_hours"], d["frameworks"][0]["score"] < 100')" \
  "security-policy operating 6.0 True"
sed -i '0,/^    operating: no$/s//    operating:/' type2.yaml
run assess --answers type2.yaml --no-save
expect_rc 2
expect_err_contains "'security-policy': 'operating' is empty: Type II asks"
run assess --answers yes.yaml --variant type3 --no-save
expect_rc 2
expect_err_contains "--variant type3 is not a variant of soc2"

TEST "one answers file for several frameworks; the same answers reach each"
run assess template --framework soc2,hipaa
printf '%s\n' "$OUT" >multi.yaml
expect_out_contains "framework: [soc2, hipaa]"
fill multi.yaml partially
run assess --answers multi.yaml --format json --no-save
expect_equal "$(json_get '[(f["id"], f["score"]) for f in d["frameworks"]]')" "[('soc2', 50.0), ('hipaa', 50.0)]"
run assess template --framework soc2,gdpr
printf '%s\n' "$OUT" >soc2-gdpr.yaml
fill soc2-gdpr.yaml yes
run assess --answers soc2-gdpr.yaml --framework gdpr --format json --no-save
expect_rc 0
expect_equal "$(json_get 'd["scope"]["frameworks"], d["summary"]["questions"]')" "['gdpr'] 35"

TEST "answers from stdin and Markdown output"
OUT=$("$VELOCITY_BIN" assess --answers - --format md --no-save <example.yaml 2>"$SUITE_DIR/stderr") && RC=0 || RC=$?
expect_rc 0
expect_out_contains "# Assessment: SOC 2 Type I"
expect_out_contains "## Gaps (2)"
expect_out_contains "## Roadmap"

TEST "with a state every finished assessment is stored, answers sealed"
run init
expect_rc 0
set_answer example.yaml mfa-all-users "yes"
sed -i '0,/^    note:$/s//    note: "our weakest spot is the VPN"/' example.yaml
run assess --answers example.yaml
expect_rc 0
expect_err_contains "stored as assessment 1"
run assess --answers yes.yaml --quiet
expect_rc 0
run assess list --format json
expect_equal "$(json_get '[(a["id"], a["status"], a["scores"]["soc2"]) for a in d]')" \
  "[(1, 'completed', 53.8), (2, 'completed', 100.0)]"
run assess list
expect_out_contains "soc2 53.8"
run audit log --action assess.complete --format json
expect_equal "$(json_get '[(e["resource_id"], e["outcome"]) for e in d]')" \
  "[('1', 'success'), ('2', 'success')]" "the audit log records each stored assessment"
db="$XDG_DATA_HOME/velocity/velocity.db"
if grep -q "weakest spot" "$db"* 2>/dev/null; then fail "the note is readable in the state file"; else pass; fi

TEST "show recomputes a stored assessment"
run assess show 1 --format json
expect_rc 0
expect_equal "$(json_get 'd["assessment"]["id"], d["frameworks"][0]["score"], [a["note"] for a in d["answers"] if a["id"]=="security-policy"]')" \
  "1 53.8 ['our weakest spot is the VPN']"
run assess show 1 --fail-under 60
expect_rc 1
run assess show 9
expect_rc 2
expect_err_contains "no assessment 9"

TEST "diff of two assessments"
run assess diff 1 2
expect_rc 0
expect_out_contains "SOC 2      53.8  100  +46.2"
expect_out_contains "Gaps closed: 2 (access-reviews, security-policy)"
run assess diff 1 2 --format json
expect_equal "$(json_get 'len(d["changed_answers"]), d["frameworks"][0]["change"]')" "81 46.2"

TEST "delete"
run assess delete 2
expect_rc 0
run assess list --format json
expect_equal "$(json_get 'len(d)')" 1

TEST "a deleted assessment's id is never given to another"
run assess --answers yes.yaml --format json
expect_rc 0
run assess list --format json
expect_equal "$(json_get 'sorted(a["id"] for a in d)')" "[1, 3]" "ids after deleting 2"
run audit log --format json
if grep -q '"assessment:3"\|"resource_id": "3"' <<<"$OUT"; then pass; else fail "no audit event names assessment 3: $OUT"; fi

TEST "kill -9 at any write of assess --answers: an assessment is stored with its event or not at all"
if command -v strace >/dev/null 2>&1; then
  fill soc2.yaml yes
  writes=$(strace_run -f -c -e trace=pwrite64 "$VELOCITY_BIN" assess --answers soc2.yaml 2>&1 >/dev/null |
    awk '$NF == "pwrite64" {print $4}')
  # completed_minus_stored: events minus stored assessments (the deleted one keeps its event).
  completed_minus_stored() {
    run assess list --format json
    local stored
    stored=$(json_get 'len(d)')
    run audit log --action assess.complete --format json
    echo $(($(json_get 'len(d)') - stored))
  }
  offset=$(completed_minus_stored)
  kills=0
  for n in $(seq 1 2 "$writes"); do
    strace_run -f -o /dev/null -e trace=pwrite64 -e inject=pwrite64:signal=KILL:when="$n" \
      "$VELOCITY_BIN" assess --answers soc2.yaml >/dev/null 2>&1 && rc=0 || rc=$?
    [ "$rc" -eq 137 ] && kills=$((kills + 1))
    expect_equal "$(completed_minus_stored)" "$offset" "events minus assessments after a kill at write $n of $writes"
  done
  if [ "$kills" -gt 0 ]; then pass; else fail "no run was killed"; fi
  run audit verify
  expect_rc 0
elif [ "${CI:-}" = "true" ]; then
  fail "prerequisite 'strace' is missing"
else
  echo "skipping: strace is not installed" >&2
fi

finish
