#!/usr/bin/env bash
# The shell completions (completions/) in the real shells: bash through Debian's bash-completion,
# zsh through compinit, fish through its own loader; and `velocity __complete`, which they call
# for the names that live in the state.
source "$(dirname "$0")/lib.sh"
require bash
require zsh
require fish
require sqlite3
require openssl
require python3
unset VELOCITY_FRAMEWORKS_DIR
BASH_COMPLETION=/usr/share/bash-completion/bash_completion
if [ ! -f "$BASH_COMPLETION" ]; then
  if [ "${CI:-}" = "true" ]; then fail "bash-completion is not installed"; finish; fi
  echo "skipping suite: bash-completion is not installed" >&2
  exit 0
fi
COMPLETIONS="$VELOCITY_SOURCE_DIR/completions"

# The scripts call `velocity` by name, as a user's shell does.
mkdir -p "$SUITE_DIR/bin"
ln -s "$VELOCITY_BIN" "$SUITE_DIR/bin/velocity"
export PATH="$SUITE_DIR/bin:$PATH"

# Installed where each shell's own loader looks for them.
mkdir -p "$XDG_DATA_HOME/bash-completion/completions" "$XDG_CONFIG_HOME/fish/completions"
cp "$COMPLETIONS/velocity.bash" "$XDG_DATA_HOME/bash-completion/completions/velocity"
cp "$COMPLETIONS/velocity.fish" "$XDG_CONFIG_HOME/fish/completions/velocity.fish"

# bash_complete WORD...: the candidates bash offers for the last word (the one being completed).
bash_complete() {
  OUT=$(bash --norc --noprofile -c '
    source "$1"; shift
    __load_completion velocity || { echo "no completion loaded for velocity"; exit 1; }
    function=$(complete -p velocity | sed -E "s/.*-F ([^ ]+).*/\1/")
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    "$function" velocity "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$BASH_COMPLETION" "$@" 2>&1)
}

# zsh_complete WORD...: the candidates zsh's completion function adds for the last word; compadd
# is captured, and filtered by the word as zsh would.
zsh_complete() {
  OUT=$(zsh -f -c '
    fpath=("$1" $fpath); shift
    autoload -Uz compinit && compinit -u -D
    [[ $_comps[velocity] == _velocity ]] || { print "compinit did not register _velocity"; exit 1 }
    compadd() {
      local -i i=${@[(i)--]}
      local c
      for c in "${@[i+1,-1]}"; do [[ $c == ${PREFIX}* ]] && print -r -- $c; done
    }
    _files() { print -r -- "(files)" }
    words=("$@"); CURRENT=${#words}; PREFIX=${words[CURRENT]}
    $_comps[velocity]' _ "$COMPLETIONS" "$@" 2>&1)
}

# fish_complete LINE: the candidates fish offers at the end of LINE (without descriptions).
fish_complete() {
  OUT=$(fish -c 'complete -C $argv[1]' "$1" 2>&1 | cut -f1)
}

expect_line() {
  if grep -qxF -- "$1" <<<"$OUT"; then pass; else fail "no candidate '$1' in: $OUT"; fi
}
expect_no_line() {
  if grep -qxF -- "$1" <<<"$OUT"; then fail "unexpected candidate '$1' in: $OUT"; else pass; fi
}

TEST "bash: commands, subcommands, options and fixed values"
bash_complete velocity as
expect_line assess
expect_no_line audit
bash_complete velocity assess ''
expect_line list
expect_line template
bash_complete velocity assess --fr
expect_line --framework
expect_line --frameworks-dir
bash_complete velocity assess list --st
expect_line --state
bash_complete velocity assess --framework so
expect_line soc2
expect_no_line iso27001
bash_complete velocity --format js
expect_line json
expect_line jsonl
bash_complete velocity demo --scenario ''
expect_line startup-soc2
expect_line healthcare-hipaa
bash_complete velocity connect evidence-types ''
expect_line aws
expect_line github
bash_complete velocity collect --types ''
expect_equal "$(grep -c . <<<"$OUT")" "$(velocity __complete evidence-types | grep -c .)" \
  "every evidence type"

bash_complete velocity help as
expect_line assess
bash_complete velocity help assess ''
expect_line list
expect_line diff

TEST "zsh: commands, subcommands, options and fixed values"
zsh_complete velocity as
expect_line assess
expect_no_line audit
zsh_complete velocity org ''
expect_line create
expect_line delete
zsh_complete velocity assess --fr
expect_line --framework
zsh_complete velocity assess --framework so
expect_line soc2
expect_no_line hipaa
zsh_complete velocity evidence list --status ''
expect_line PASS
expect_line FAIL
zsh_complete velocity report --output ''
expect_line "(files)"

zsh_complete velocity help connect ''
expect_line aws
expect_line evidence-types

TEST "fish: commands, subcommands, options and fixed values"
fish_complete "velocity as"
expect_line assess
fish_complete "velocity assess "
expect_line list
fish_complete "velocity assess --fr"
expect_line --framework
fish_complete "velocity assess --framework so"
expect_line soc2
expect_no_line gdpr
fish_complete "velocity collect --fail-on h"
expect_line high
fish_complete "velocity audit log --category "
expect_line data_access
fish_complete "velocity help audit verify"
expect_line verify
expect_line verify-proof

TEST "__complete on a missing state: no candidates, exit 0, no file created"
run --state "$SUITE_DIR/nothing/velocity.db" __complete orgs
expect_rc 0
expect_equal "$OUT" "" "candidates"
expect_equal "$ERR" "" "stderr"
run __complete orgs
expect_rc 0
expect_equal "$OUT" "" "candidates"
expect_equal "$([ -e "$SUITE_DIR/nothing" ] || [ -e "$XDG_DATA_HOME/velocity" ] && echo created)" "" \
  "nothing created"
run __complete nosuch
expect_rc 2
expect_err_contains "unknown kind 'nosuch'"

TEST "state names: organisations, integrations and assessment ids"
run init
expect_rc 0
run org create acme
expect_rc 0
run org create acme-labs
expect_rc 0
run demo --scenario startup-soc2 --days 3
expect_rc 0
integration=$(sqlite3 "$XDG_DATA_HOME/velocity/velocity.db" \
  "SELECT i.name FROM integrations i JOIN organizations o ON o.id = i.org_id
   WHERE o.name = 'demo-startup-soc2' ORDER BY i.name LIMIT 1")
assessment=$(sqlite3 "$XDG_DATA_HOME/velocity/velocity.db" \
  "SELECT a.id FROM assessments a JOIN organizations o ON o.id = a.org_id
   WHERE o.name = 'demo-startup-soc2' ORDER BY a.id LIMIT 1")
expect_equal "$([ -n "$integration" ] && [ -n "$assessment" ] && echo both)" both \
  "the demo has an integration and an assessment"
run __complete orgs ac
expect_rc 0
expect_equal "$OUT" "acme
acme-labs" "organisations starting with ac"
run --org demo-startup-soc2 __complete integrations
expect_line "$integration"
run --org demo-startup-soc2 __complete assessments
expect_line "$assessment"
bash_complete velocity --org ac
expect_line acme
expect_line acme-labs
bash_complete velocity status --org demo
expect_line demo-startup-soc2
bash_complete velocity --org demo-startup-soc2 collect -i ''
expect_line "$integration"
bash_complete velocity --org demo-startup-soc2 assess show ''
expect_line "$assessment"
zsh_complete velocity --org acme-
expect_line acme-labs
expect_no_line acme
zsh_complete velocity --org demo-startup-soc2 connect test ''
expect_line "$integration"
fish_complete "velocity --org ac"
expect_line acme
expect_line acme-labs
fish_complete "velocity --org demo-startup-soc2 assess diff "
expect_line "$assessment"

TEST "__complete reads the state without the master key and changes nothing"
state="$XDG_DATA_HOME/velocity/velocity.db"
before=$(sha256sum "$state" | cut -d' ' -f1)
files_before=$(ls -a "$(dirname "$state")")
VELOCITY_KEY_FILE="$SUITE_DIR/no-such.key" run __complete orgs
expect_rc 0
expect_line acme
VELOCITY_MASTER_KEY=$(openssl rand -base64 32) run __complete orgs acme-
expect_equal "$OUT" "acme-labs" "with a wrong master key"
expect_equal "$(sha256sum "$state" | cut -d' ' -f1)" "$before" "state unchanged"
expect_equal "$(ls -a "$(dirname "$state")")" "$files_before" "no file beside the state"

TEST "__complete latency (measured, reported, not asserted)"
# Wall-clock time and CPU time (user + system) a call, the mean of 20: on a loaded machine the wall
# clock is mostly waiting for a core.
measure() {
  local TIMEFORMAT='%R %U %S' times
  times=$({ time (for _ in $(seq 20); do "$VELOCITY_BIN" __complete "$1" >/dev/null; done); } 2>&1)
  read -r wall user system <<<"$times"
  python3 -c 'import sys; w, u, s = map(float, sys.argv[2:]); print(f"__complete {sys.argv[1]}: {w * 50:.1f} ms wall, {(u + s) * 50:.1f} ms CPU a call")' \
    "$1" "$wall" "$user" "$system"
}
measure orgs
measure frameworks
pass

finish
