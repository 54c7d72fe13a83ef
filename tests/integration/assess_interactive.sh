#!/usr/bin/env bash
# velocity assess on a terminal: the questionnaire driven through tmux on an 80×24 screen (where
# you are, answer, back, skip, save and quit, --resume, Ctrl-C, finish, colour, width), and no
# prompt at all without one.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require tmux
require python3
require sqlite3

cd "$SUITE_DIR"

# A private tmux server, gone when the suite ends.
SOCKET="velocity-$$"
tm() { tmux -u -L "$SOCKET" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCKET"; suite_cleanup' EXIT

export VELOCITY_MASTER_KEY
VELOCITY_MASTER_KEY=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')

SESSION=""  # the tmux session of the velocity started last
RAW=""      # every byte it wrote to the terminal (pipe-pane)
SCREEN=""   # the visible screen of the last capture, wrapped lines joined
HISTORY=""  # everything the pane showed, once velocity has exited
EXIT_RC=""  # its exit status
WIDTH_CHECKED=1 # whether captures go to the width check
CAPTURES=0  # screens checked for width
COUNT=0

# start [--colour] [VAR=VALUE]... -- COMMAND...: runs COMMAND alone in a new 80×24 tmux pane with
# the suite's state and key, and NO_COLOR=1 unless --colour. It waits on a fifo until pipe-pane
# records, so $RAW has every byte; the pane stays after it exits, for its last screen. Its exit
# status goes to a file: tmux 3.3 sometimes leaves #{pane_dead_status} empty.
start() {
  local env=(NO_COLOR=1)
  if [ "$1" = "--colour" ]; then
    env=(-u NO_COLOR)
    shift
  fi
  local assignments=()
  while [ "$1" != "--" ]; do
    assignments+=("$1")
    shift
  done
  shift
  [ -n "$SESSION" ] && tm kill-session -t "$SESSION" 2>/dev/null
  COUNT=$((COUNT + 1))
  SESSION="s$COUNT"
  RAW="$SUITE_DIR/raw.$COUNT"
  local gate="$SUITE_DIR/gate.$COUNT"
  mkfifo "$gate"
  : >"$RAW"
  tm start-server \; set-option -g remain-on-exit on \; set-option -g history-limit 10000 \; \
    new-session -d -s "$SESSION" -x 80 -y 24 \
    bash -c 'read -r _ <"$0"; "$@"; echo $? >"$0.rc"' "$gate" \
    env "${env[@]}" HOME="$HOME" XDG_DATA_HOME="$XDG_DATA_HOME" XDG_CONFIG_HOME="$XDG_CONFIG_HOME" \
    VELOCITY_MASTER_KEY="$VELOCITY_MASTER_KEY" "${assignments[@]}" "$@"
  tm pipe-pane -t "$SESSION" -o "cat >>'$RAW'"
  timeout 10 sh -c 'echo go >"$0"' "$gate" || fail "tmux did not start velocity $*"
}

# type TEXT: types TEXT and Enter.
type_line() { tm send-keys -t "$SESSION" -l -- "$1" \; send-keys -t "$SESSION" Enter; }

# check_width TEXT: keeps TEXT (a screen or a history) for the width check at the end.
check_width() {
  [ "$WIDTH_CHECKED" = 1 ] || return 0
  CAPTURES=$((CAPTURES + 1))
  printf '%s\n' "$1" >>"$SUITE_DIR/captures.txt"
}

# too_wide FILE: its lines wider than 80 display columns.
too_wide() {
  python3 - "$1" <<'EOF'
import sys, unicodedata
for line in open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n"):
    width = sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
                for c in line)
    if width > 80:
        print(f"{width} columns: {line}")
EOF
}

capture() { SCREEN=$(tm capture-pane -p -J -t "$SESSION"); }

# ready TEXT: the screen shows TEXT and velocity waits at its empty ` > ` prompt (drawn last, so
# the screen is whole).
ready() {
  grep -qF -- "$1" <<<"$SCREEN" || return 1
  [ "$(sed 's/[[:space:]]*$//' <<<"$SCREEN" | grep -v '^$' | tail -1)" = " >" ]
}

# see TEXT: waits (10 s at most) for a whole screen showing TEXT at the prompt.
see() {
  local i
  for ((i = 0; i < 200; i++)); do
    capture
    if ready "$1"; then
      check_width "$SCREEN"
      pass
      return 0
    fi
    sleep 0.05
  done
  fail "the screen never showed '$1' at the prompt:
$SCREEN"
  return 1
}

# see_text TEXT: waits for TEXT anywhere on the screen (prompts other than ` > `).
see_text() {
  local i
  for ((i = 0; i < 200; i++)); do
    capture
    if grep -qF -- "$1" <<<"$SCREEN"; then
      check_width "$SCREEN"
      pass
      return 0
    fi
    sleep 0.05
  done
  fail "the screen never showed '$1':
$SCREEN"
  return 1
}

screen_lacks() {
  if grep -qF -- "$1" <<<"$SCREEN"; then fail "the screen shows '$1':
$SCREEN"; else pass; fi
}

history_contains() {
  if grep -qF -- "$1" <<<"$HISTORY"; then pass; else fail "the terminal never showed '$1':
$HISTORY"; fi
}

# wait_exit: waits for velocity to exit; sets EXIT_RC, SCREEN and HISTORY (tmux's own
# "Pane is dead" line left out).
wait_exit() {
  local i
  for ((i = 0; i < 200; i++)); do
    if [ -s "$SUITE_DIR/gate.$COUNT.rc" ] && [ "$(tm display-message -p -t "$SESSION" '#{pane_dead}')" = 1 ]; then
      EXIT_RC=$(cat "$SUITE_DIR/gate.$COUNT.rc")
      capture
      HISTORY=$(tm capture-pane -p -J -S - -t "$SESSION" | grep -v '^Pane is dead')
      check_width "$HISTORY"
      return 0
    fi
    sleep 0.05
  done
  capture
  EXIT_RC=timeout
  fail "velocity did not exit:
$SCREEN"
}

# colours FILE: how many SGR (colour/attribute) sequences velocity wrote.
colours() { grep -c $'\e\\[[0-9;]*m' "$1"; }


TEST "without a terminal it never prompts: exit 2 and a pointer to --answers"
CI=true run assess --framework soc2 </dev/null
expect_rc 2
expect_err_contains "--answers"
expect_err_contains "stdin or stderr is not one"
expect_err_lacks "question 1 of"
expect_err_lacks "Create it now"
if [ -e "$XDG_DATA_HOME/velocity/velocity.db" ]; then fail "a state was created"; else pass; fi
# stdin from /dev/null while stderr is the terminal (errors are not wrapped to the terminal:
# not part of the width check)
WIDTH_CHECKED=0
start -- sh -c 'exec "$0" "$@" </dev/null' "$VELOCITY_BIN" assess --framework soc2
wait_exit
expect_equal "$EXIT_RC" 2 "exit status"
history_contains "--answers"
if grep -qF "question 1 of" <<<"$HISTORY"; then fail "it asked: $HISTORY"; else pass; fi
# stdin the terminal, stderr not
start -- sh -c 'exec "$0" "$@" 2>"$HOME/stderr.txt"' "$VELOCITY_BIN" assess --framework soc2
wait_exit
expect_equal "$EXIT_RC" 2 "exit status"
grep -qF -- "--answers" "$HOME/stderr.txt" && pass || fail "stderr lacks --answers: $(cat "$HOME/stderr.txt")"

WIDTH_CHECKED=1

TEST "without a state it offers to create one, then asks"
start XDG_DATA_HOME="$SUITE_DIR/fresh" -- "$VELOCITY_BIN" assess --framework gdpr
see_text "velocity saves answers as you go, encrypted, in a state file"
see_text "Create it now, with a new master key? [Y/n]"
type_line ""
see "question 1 of 35 · 0 answered"
type_line "q"
wait_exit
expect_equal "$EXIT_RC" 0 "exit status"
history_contains "created it (master key: VELOCITY_MASTER_KEY):"
if [ -e "$SUITE_DIR/fresh/velocity/velocity.db" ]; then pass; else fail "no state created"; fi

"$VELOCITY_BIN" init >/dev/null 2>&1 || { fail "velocity init failed"; finish; }

TEST "--no-save on a terminal stores nothing: refused before the first question"
WIDTH_CHECKED=0
start -- "$VELOCITY_BIN" assess --framework soc2 --no-save
wait_exit
expect_equal "$EXIT_RC" 2 "exit status"
history_contains "--no-save works with --answers FILE only"
if grep -qF "question 1 of" <<<"$HISTORY"; then fail "it asked: $HISTORY"; else pass; fi
expect_equal "$(sqlite3 "$XDG_DATA_HOME/velocity/velocity.db" 'SELECT count(*) FROM assessments')" 0 "assessments stored"
WIDTH_CHECKED=1

TEST "the first question says where you are: section, n of N"
start --colour -- "$VELOCITY_BIN" assess --framework soc2
see "velocity assess · SOC 2 Type I"
# the header is the top line: the screen fits 24 rows
expect_equal "$(head -1 <<<"$SCREEN" | sed 's/.*  //')" "question 1 of 82 · 0 answered"
expect_equal "$(sed -n 2p <<<"$SCREEN")" " Governance and policies · 1 of 6"
see "Approved information security policy"
see "[y]es  [p]artially  [n]o  n/[a]"
see "[b]ack  [s]kip  [e] LINK evidence  [g] N go to  [?] help  [q] save and quit"

TEST "answering moves on, a note after the letter is kept"
type_line "y"
see "question 2 of 82 · 1 answered"
see " Governance and policies · 2 of 6"
see "Documented, controlled operating procedures"
type_line "p only admins"
see "question 3 of 82 · 2 answered"
see "Named security owner and defined responsibilities"

TEST "back returns to the previous question with its answer; Enter keeps it"
type_line "b"
see "question 2 of 82 · 2 answered"
see "Your answer: partially · note: only admins"
type_line ""
see "question 3 of 82 · 2 answered"
screen_lacks "Your answer"

TEST "skip moves on without answering"
type_line "s"
see "question 4 of 82 · 2 answered"
see "Leadership oversight, objectives and management review"
type_line "b"
see "question 3 of 82 · 2 answered"
screen_lacks "Your answer"
type_line "s"
see "question 4 of 82 · 2 answered"

TEST "a long note, help and a wrong key stay within the screen"
type_line "n the board reviews security only when an incident forces it, never before"
see "question 5 of 82 · 3 answered"
type_line "b"
see "question 4 of 82 · 3 answered"
see "Your answer: no · note: the board reviews security"
expect_equal "$(grep -F 'Your answer: no' <<<"$SCREEN" | sed 's/[[:space:]]*$//' | tail -c 4)" "…"
type_line "?"
see "y/p/n/a answer (a = not applicable)"
type_line "x"
see "'x' is not an answer: y, p, n or a"
see "question 4 of 82 · 3 answered"

TEST "save and quit stores the progress and exits cleanly"
type_line "q"
wait_exit
expect_equal "$EXIT_RC" 0 "exit status"
history_contains "saved: 3 answers in assessment 1; \`velocity assess --resume\` continues it"
if [ "$(colours "$RAW")" -gt 0 ]; then pass; else fail "no colour without NO_COLOR"; fi
run assess list --format json
expect_equal "$(json_get '[(a["id"], a["status"]) for a in d]')" "[(1, 'in_progress')]"

TEST "without a terminal it does not prompt to resume either"
CI=true run assess --framework soc2 </dev/null
expect_rc 2
expect_err_contains "--answers"
expect_err_lacks "Resume it?"

TEST "--resume continues at the question left, the earlier answers kept"
start -- "$VELOCITY_BIN" assess --resume
see "question 4 of 82 · 3 answered"
see "Your answer: no · note: the board reviews security"
type_line "b"
see "question 3 of 82 · 3 answered"
screen_lacks "Your answer"
type_line "b"
see "question 2 of 82"
see "Your answer: partially · note: only admins"
type_line "b"
see "question 1 of 82"
see "Your answer: yes"
type_line "b"
see "this is the first question"
type_line "g 5"
see "question 5 of 82 · 3 answered"
see "Program scope, context and legal obligations"

TEST "Ctrl-C keeps what was answered"
type_line "y"
see "question 6 of 82 · 4 answered"
tm send-keys -t "$SESSION" C-c
wait_exit
expect_equal "$EXIT_RC" 130 "exit status"
history_contains "interrupted; the 4 answers given are saved in assessment 1"
history_contains "velocity assess --resume"

TEST "NO_COLOR=1: no colour sequences at all"
# the recording has the screens (each starts with ESC[H ESC[2J), without one SGR sequence
screens=$(grep -o $'\e\\[2J' "$RAW" | wc -l)
if [ "$screens" -ge 7 ]; then pass; else fail "the recording has $screens screens, expected 7"; fi
expect_equal "$(colours "$RAW")" 0 "SGR sequences under NO_COLOR=1"

TEST "after Ctrl-C the assessment is offered again, with the answers given"
start -- "$VELOCITY_BIN" assess --framework soc2
see_text "An assessment of soc2 is in progress (number 1, 4 answers,"
see_text "Resume it? [Y/n]"
grep -q '^Resume it? \[Y/n\]' <<<"$SCREEN" && pass || fail "the question is not on a line of its own: $SCREEN"
type_line ""
see "question 6 of 82 · 4 answered"
type_line "b"
see "question 5 of 82"
see "Your answer: yes"

TEST "finishing gives the score"
type_line "g 82"
see "question 82 of 82 · 4 answered"
type_line "y"
see "velocity assess · every question visited"
see "5 of 82 questions answered; 77 skipped"
see "[f] finish and see the results"
type_line "f"
wait_exit
expect_equal "$EXIT_RC" 0 "exit status"
history_contains "82 questions: 5 answered (0 n/a), 77 unanswered (not scored)"
# yes 4, partially 3, no 4, yes 3, yes 3: (4 + 1.5 + 3 + 3) / 17
history_contains "SOC 2 Type I  67.6"
expect_equal "$(colours "$RAW")" 0 "SGR sequences under NO_COLOR=1"
run assess list --format json
expect_equal "$(json_get '[(a["id"], a["status"], a["scores"]["soc2"]) for a in d]')" \
  "[(1, 'completed', 67.6)]"
run assess show 1 --format json
expect_equal "$(json_get '[(a["id"], a["answer"]) for a in d["answers"] if a.get("answer")]')" \
  "[('security-policy', 'yes'), ('documented-procedures', 'partially'), ('management-oversight', 'no'), ('program-scope', 'yes'), ('international-transfers', 'yes')]"

TEST "in colour the results line up as without"
start --colour -- "$VELOCITY_BIN" assess --framework gdpr
see "question 1 of 35 · 0 answered"
type_line "g 35"
see "question 35 of 35"
type_line "y"
see "1 of 35 questions answered"
type_line "f"
wait_exit
expect_equal "$EXIT_RC" 0 "exit status"
history_contains "GDPR"
if [ "$(colours "$RAW")" -gt 0 ]; then pass; else fail "no colour without NO_COLOR"; fi
total=$(grep '^  Total ' <<<"$HISTORY" | sed 's/[[:space:]]*$//')
audit=$(grep '^  External audit ' <<<"$HISTORY" | sed 's/[[:space:]]*$//')
expect_equal "${#total}" "${#audit}" "the Total amount ends where the External audit one does: '$total'"

TEST "no line on the 80-column terminal is wider than 80"
expect_equal "$(too_wide "$SUITE_DIR/captures.txt")" "" "over $CAPTURES captured screens and histories"
if [ "$CAPTURES" -ge 40 ]; then pass; else fail "only $CAPTURES screens captured"; fi

finish
