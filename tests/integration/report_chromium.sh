#!/usr/bin/env bash
# The HTML report in headless Chromium (Debian `chromium`): the DOM Chromium builds holds the
# expected score and one row per control, a screenshot is made, and --format pdf prints a PDF.
source "$(dirname "$0")/lib.sh"
require chromium
WORK="$SUITE_DIR/work"
mkdir -p "$WORK"
export VELOCITY_MASTER_KEY
VELOCITY_MASTER_KEY=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
"$VELOCITY_BIN" init >/dev/null 2>&1 || { echo "velocity init failed" >&2; exit 1; }
"$VELOCITY_BIN" assess template --framework soc2 >"$WORK/answers.yaml"
sed -i 's/^\(    answer:\).*/\1 partially/' "$WORK/answers.yaml"
"$VELOCITY_BIN" assess --framework soc2 --answers "$WORK/answers.yaml" >/dev/null 2>&1

# chrome ARGS...: headless Chromium in a fresh profile, with nothing reaching the network.
chrome() {
  local profile
  profile=$(mktemp -d "$SUITE_DIR/profile.XXXXXX")
  timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" "$@"
}

run report --framework soc2 --format json
SCORE=$(python3 -c 'import json,sys; s=json.loads(sys.stdin.read())["summary"]["score"]; print(int(s) if s == int(s) else s)' <<<"$OUT")

TEST "the HTML report's DOM in Chromium holds the score and every control row"
run report --framework soc2 --output "$WORK/soc2.html"
expect_rc 0
chrome --dump-dom "file://$WORK/soc2.html" >"$WORK/dom.html" 2>"$WORK/chrome.log"
if grep -q "id=\"score-value\">$SCORE<" "$WORK/dom.html"; then pass; else fail "score $SCORE not in the DOM"; fi
expect_equal "$(grep -o '<tr class="control"' "$WORK/dom.html" | wc -l)" "61"
if grep -q 'id="control-CC6.1"' "$WORK/dom.html"; then pass; else fail "no CC6.1 row"; fi

TEST "a screenshot of the HTML report is made"
chrome --window-size=1280,2000 --screenshot="$WORK/soc2.png" "file://$WORK/soc2.html" >"$WORK/chrome.log" 2>&1
if [ "$(head -c 8 "$WORK/soc2.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; then pass; else fail "no PNG screenshot: $(tail -3 "$WORK/chrome.log")"; fi
[ "$(stat -c %s "$WORK/soc2.png")" -gt 10000 ] && pass || fail "the screenshot is empty"
cp "$WORK/soc2.png" "${VELOCITY_REPORT_SCREENSHOT:-/dev/null}" 2>/dev/null || true

TEST "report --format pdf prints the HTML through headless Chromium"
run report --framework soc2 --format pdf --output "$WORK/soc2.pdf"
expect_rc 0
expect_equal "$(head -c 5 "$WORK/soc2.pdf")" "%PDF-"
expect_equal "$(stat -c %a "$WORK/soc2.pdf")" "600"

finish
