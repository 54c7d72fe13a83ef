#!/usr/bin/env bash
# velocity help, --help and the man pages: the help conventions of every command, the committed
# man/ and completions/ against what the binary generates, and the pages through mandoc and man.
source "$(dirname "$0")/lib.sh"
require mandoc
require man
unset VELOCITY_FRAMEWORKS_DIR

# The subcommands `velocity PATH --help` lists, one a line.
subcommands_of() {
  # shellcheck disable=SC2086
  "$VELOCITY_BIN" $1 --help | awk '/^Subcommands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }'
}

TEST "velocity without arguments prints the help, exit 0"
run
expect_rc 0
expect_out_contains "Usage: velocity"
expect_out_contains "Global options:"
expect_out_contains "Examples:"
expect_out_contains "Exit codes: 0 success"

TEST "velocity help [COMMAND [SUBCOMMAND]] is the command's --help"
run help
expect_rc 0
expect_out_contains "Usage: velocity"
run help assess list
expect_rc 0
expect_out_contains "Usage: velocity assess list"
expect_equal "$OUT" "$("$VELOCITY_BIN" assess list --help)" "help assess list = assess list --help"
run help connect aws
expect_rc 0
expect_out_contains "--role-arn"

TEST "velocity help of an unknown command: exit 2 with the nearest command"
run help asess
expect_rc 2
expect_err_contains "velocity has no command 'asess'"
expect_err_contains 'did you mean `velocity assess`?'
run help assess lst
expect_rc 2
expect_err_contains 'did you mean `velocity assess list`?'
run help nosuch
expect_rc 2
expect_err_contains "velocity has no command 'nosuch'"
expect_err_contains "the commands of velocity: init, status, org"
run help org nosuch
expect_rc 2
expect_err_contains "the commands of velocity org: create, list, delete"

TEST "every command's and subcommand's --help: global options, examples, exit codes, 80 columns"
paths=()
for command in $(subcommands_of ""); do
  paths+=("$command")
  for sub in $(subcommands_of "$command"); do paths+=("$command $sub"); done
done
expect_equal "$([ "${#paths[@]}" -gt 30 ] && echo many)" many "commands found: ${#paths[*]}"
for path in "${paths[@]}"; do
  # shellcheck disable=SC2086
  OUT=$("$VELOCITY_BIN" $path --help) && RC=0 || RC=$?
  expect_rc 0
  for section in "Usage: velocity $path" "Global options:" "  --state PATH" "  -q,--quiet" \
    "  --no-color" "Example" "Exit codes: 0 success, 1 a check failed, 2 usage error"; do
    grep -qF -- "$section" <<<"$OUT" || fail "velocity $path --help lacks '$section'"
  done
  wide=$(awk 'length($0) > 80' <<<"$OUT")
  if [ -n "$wide" ]; then fail "velocity $path --help has lines over 80 columns: $wide"; else pass; fi
done

TEST "the committed man pages and completions are what the binary generates"
generated="$SUITE_DIR/generated"
run __generate man "$generated/man"
expect_rc 0
run __generate completions "$generated/completions"
expect_rc 0
for dir in man completions; do
  if difference=$(diff -r "$VELOCITY_SOURCE_DIR/$dir" "$generated/$dir"); then
    pass
  else
    fail "$dir/ differs from what velocity generates; refresh it with scripts/generate-docs (then commit): $difference"
  fi
done

TEST "a man page per command, with every section"
for command in $(subcommands_of ""); do
  page="$VELOCITY_SOURCE_DIR/man/velocity-$command.1"
  if [ -f "$page" ]; then pass; else fail "no man page for $command"; continue; fi
  for section in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" ENVIRONMENT FILES "EXIT STATUS" \
    EXAMPLES "SEE ALSO"; do
    grep -q "^\.SH \"\?$section" "$page" || fail "$page lacks the section $section"
  done
done
for section in NAME SYNOPSIS DESCRIPTION COMMANDS "GLOBAL OPTIONS" ENVIRONMENT FILES \
  "EXIT STATUS" EXAMPLES "SEE ALSO"; do
  grep -q "^\.SH \"\?$section" "$VELOCITY_SOURCE_DIR/man/velocity.1" ||
    fail "velocity.1 lacks the section $section"
done
pass

TEST "velocity-assess(1) documents the subcommands and options with their values"
OUT=$(MANWIDTH=80 man -l "$VELOCITY_SOURCE_DIR/man/velocity-assess.1" 2>&1)
expect_out_contains "-f, --framework ID[,ID]"
expect_out_contains "velocity assess list"
expect_out_contains "velocity assess template --framework soc2 --variant type2 > answers.yaml"
expect_out_contains "VELOCITY_MASTER_KEY"
expect_out_contains "130    Interrupted."

TEST "mandoc -Tlint -W warning finds nothing"
OUT=$(mandoc -Tlint -W warning "$VELOCITY_SOURCE_DIR"/man/*.1 2>&1) && RC=0 || RC=$?
expect_rc 0
expect_equal "$OUT" "" "mandoc lint output"

TEST "man --warnings prints no warning on any page"
for page in "$VELOCITY_SOURCE_DIR"/man/*.1; do
  warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
  expect_equal "$warnings" "" "man --warnings $page"
done

TEST "every environment variable velocity reads is in velocity(1)"
variables=$(grep -rhoE '(env::get|envname|env)\("[A-Z_]+"\)' "$VELOCITY_SOURCE_DIR/src" |
  sed -E 's/.*\("([A-Z_]+)"\)/\1/' | sort -u)
expect_equal "$([ -n "$variables" ] && echo found)" found "variables found in src"
for variable in $variables; do
  grep -qF "\\fB$variable\\fR" "$VELOCITY_SOURCE_DIR/man/velocity.1" ||
    fail "velocity.1 does not document $variable"
done
pass

finish
