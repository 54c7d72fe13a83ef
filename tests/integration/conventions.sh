#!/usr/bin/env bash
# The conventions every command shares (issue 12 §4): one spelling per idea (-o/--output,
# --from/--to, -f/--framework) with the old spellings still working and noted on stderr, value
# names a person reads in every --help, the nearest option suggested for a typo, --version with
# the commit and the libraries velocity runs with, and the config file of team defaults with its
# precedence (option > environment > config file > built-in), `config list` provenance and every
# bad-config case (file:line, the key, exit 2).
source "$(dirname "$0")/lib.sh"
require python3
WORK="$SUITE_DIR/work"
mkdir -p "$WORK"
CONFIG_DIR="$XDG_CONFIG_HOME/velocity"
DEFAULT_CONFIG="$CONFIG_DIR/config.yaml"

# config_row KEY: the VALUE and FROM columns of `config list` for KEY, one space between.
config_row() {
  run "$@" config list --format json
  json_get "' '.join(str(s['value']) + ' ' + s['source'] + ' ' + str(s['where']) for s in d['settings'] if s['key'] == '$KEY')"
}

TEST "--version: version, commit, build type and the runtime library versions"
run --version
expect_rc 0
expect_out_contains "velocity 0.1.0"
commit=$(sed -n 's/^commit: *//p' <<<"$OUT")
if [ -n "$commit" ]; then pass; else fail "no commit line: $OUT"; fi
if git -C "$VELOCITY_SOURCE_DIR" rev-parse --show-toplevel >/dev/null 2>&1; then
  # git describe: the abbreviated hash, after the nearest tag (v1.0-3-gHASH) when there is one.
  hash=$(sed -E 's/^.*-g([0-9a-f]{12}).*$/\1/; s/^([0-9a-f]{12}).*$/\1/' <<<"$commit")
  expect_equal "$hash" "$(git -C "$VELOCITY_SOURCE_DIR" rev-parse --short=12 HEAD)" "commit of a checkout"
fi
grep -qE '^build: +[A-Za-z]+$' <<<"$OUT" && pass || fail "no build type: $OUT"
expect_out_contains "SQLite:  $(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)')"
if command -v openssl >/dev/null; then
  expect_out_contains "OpenSSL: OpenSSL $(openssl version | sed -n 's/.*Library: OpenSSL \([^ ]*\).*/\1/p;t;s/^OpenSSL \([^ ]*\).*/\1/p')"
fi
if command -v curl >/dev/null; then
  expect_out_contains "libcurl: $(curl --version | sed -n '1s/.* libcurl\/\([^ ]*\).*/\1/p')"
fi
run -V
expect_rc 0
expect_out_contains "velocity 0.1.0"
run --version --format json
expect_rc 0
expect_equal "$(json_get "d['version'], d['commit'] == '$commit', d['sqlite']")" \
  "0.1.0 True $(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)')" "--version --format json"
run --format=json -V
expect_equal "$(json_get "sorted(d)")" "['build_type', 'commit', 'libcurl', 'openssl', 'sqlite', 'version']" "keys"

TEST "an unknown option: the nearest option of the command used, exit 2"
run assess --formt json
expect_rc 2
expect_err_contains "velocity: error: unknown option '--formt'"
expect_err_contains "help: did you mean '--format'?"
run report --framwork soc2
expect_rc 2
expect_err_contains "help: did you mean '--framework'?"
run audit log --actr me
expect_rc 2
expect_err_contains "velocity: error: unknown option '--actr'"
expect_err_contains "help: did you mean '--actor'?"
run roi --hourly-rat=100
expect_rc 2
expect_err_contains "unknown option '--hourly-rat'"
expect_err_contains "did you mean '--hourly-rate'?"
# An option of another command is not suggested: --actor belongs to `audit log`.
run org list --actr me
expect_rc 2
expect_err_contains "help: run \`velocity org list --help\`"
run org list -x
expect_rc 2
expect_err_contains "velocity: error: unknown option '-x'"
expect_err_contains "help: run \`velocity org list --help\`"

TEST "every --help names its values in words, never CLI11's TEXT, INT, FLOAT or ranges"
for command in "" init status "org" "org create" "org list" "org delete" "key rotate" report \
  "report bundle" "report verify" audit "audit key" "audit log" "audit verify" "audit export" \
  "audit report" "audit prove" "audit verify-proof" frameworks "frameworks list" \
  "frameworks show" "frameworks map" "frameworks check" assess "assess template" "assess list" \
  "assess show" "assess diff" "assess delete" connect "connect aws" "connect github" \
  "connect gcp" "connect azure" "connect list" "connect test" "connect remove" \
  "connect evidence-types" collect evidence "evidence list" "evidence show" roi pathway demo \
  config "config list" "config path" backup restore; do
  # shellcheck disable=SC2086 # the command splits into words
  run $command --help
  expect_rc 0
  bad=$(grep -nwE 'TEXT|INT|UINT|FLOAT|NONNEGATIVE|POSITIVE' <<<"$OUT"; grep -nF ' in [' <<<"$OUT")
  if [ -z "$bad" ]; then pass; else fail "velocity $command --help: $bad"; fi
done
# ... and so do the errors about values.
run collect -j 0
expect_rc 2
expect_err_contains "velocity: error: --jobs: must be from 1 to 256, not 0"
run collect --timeout 0.05
expect_err_contains "--timeout: must be from 0.1 to 3600, not 0.05"
run assess --fail-under 101 --answers -
expect_rc 2
expect_err_contains "--fail-under: must be from 0 to 100, not 101"
run demo --days lots
expect_rc 2
expect_err_contains "velocity: error: --days: 'lots' is not a number"
run roi --help
expect_out_contains "--hourly-rate USD"
expect_out_contains "-f,--framework ID[,ID]"
run audit export --help
expect_out_contains "-o,--output FILE"
expect_out_contains "--from TIME"
expect_out_lacks "--since"

TEST "-f/--framework: roi takes it, and --frameworks still works with a note"
run roi -f soc2,iso27001 --format json
expect_rc 0
expect_equal "$(json_get "d['frameworks']['ids']")" "['soc2', 'iso27001']" "roi -f"
expect_err_lacks "old spelling"
run roi --frameworks soc2,iso27001 --format json
expect_rc 0
expect_equal "$(json_get "d['frameworks']['ids']")" "['soc2', 'iso27001']" "roi --frameworks"
expect_err_contains "velocity: warning: --frameworks is an old spelling of --framework; it still works, but use --framework"
run -q roi --frameworks soc2 --format json
expect_err_contains "old spelling" # a note for a script's author, even with --quiet

TEST "--from/--to on audit log and audit export; --since/--until still work with a note"
"$VELOCITY_BIN" init >/dev/null 2>&1
for name in alpha beta gamma; do "$VELOCITY_BIN" org create "$name" >/dev/null 2>&1; done
TODAY=$(date -u +%F)
run audit log --action org.create --from "$TODAY" --to "$TODAY" --format json
expect_rc 0
expect_equal "$(json_get 'len(d)')" 3 "org.create events today"
run audit log --action org.create --since "$TODAY" --until "$TODAY" --format json
expect_rc 0
expect_equal "$(json_get 'len(d)')" 3 "the same with the old spellings"
expect_err_contains "--since is an old spelling of --from"
expect_err_contains "--until is an old spelling of --to"
run audit log --action org.create --from "$(date -u -d tomorrow +%F)" --format json
expect_equal "$(json_get 'len(d)')" 0 "nothing from tomorrow"
run audit export -o "$WORK/today.jsonl" --from "$TODAY" --to "$TODAY"
expect_rc 0
expect_err_contains "exported events 1.."
"$VELOCITY_BIN" audit key >"$WORK/key.pem"
run audit verify --file "$WORK/today.jsonl" --pubkey "$WORK/key.pem"
expect_rc 0
run audit export -o "$WORK/none.jsonl" --from "$(date -u -d tomorrow +%F)"
expect_rc 2
expect_err_contains "no audit events from $(date -u -d tomorrow +%F) to the latest"
run audit export -o "$WORK/both.jsonl" --from "$TODAY" --from-seq 2
expect_rc 2
expect_err_contains "--from-seq"
run audit export -o "$WORK/seq.jsonl" --from-seq 1 --to-seq 2
expect_rc 0
expect_err_contains "exported events 1..2 (2)"

TEST "-o/--output wherever a file is written"
run audit report -o "$WORK/audit.md"
expect_rc 0
expect_err_contains "wrote $WORK/audit.md"
grep -q '^# ' "$WORK/audit.md" && pass || fail "audit report -o wrote no Markdown"
run audit prove 1 -o "$WORK/proof.json"
expect_rc 0
run audit verify-proof --file "$WORK/proof.json" --pubkey "$WORK/key.pem"
expect_rc 0
run demo --scenario startup-soc2 --days 3 --end 2026-01-10
expect_rc 0
run --org demo-startup-soc2 report -f soc2 -o "$WORK/soc2.md"
expect_rc 0
grep -q 'SOC 2' "$WORK/soc2.md" && pass || fail "report -f soc2 -o wrote no SOC 2 report"

TEST "config path: --config, else VELOCITY_CONFIG, else the default file (which may be missing)"
run config path
expect_rc 0
expect_equal "$OUT" "$DEFAULT_CONFIG" "default path"
printf 'org: from-env-file\n' >"$WORK/env.yaml"
OUT=$(VELOCITY_CONFIG="$WORK/env.yaml" "$VELOCITY_BIN" config path 2>/dev/null)
expect_equal "$OUT" "$WORK/env.yaml" "VELOCITY_CONFIG"
OUT=$(VELOCITY_CONFIG="$WORK/env.yaml" "$VELOCITY_BIN" --config "$DEFAULT_CONFIG.x" config path 2>&1)
grep -qF "$DEFAULT_CONFIG.x (from --config) does not exist" <<<"$OUT" && pass || fail "$OUT"

TEST "precedence: option > environment > config file > built-in, for org, format and a number"
mkdir -p "$CONFIG_DIR"
cat >"$DEFAULT_CONFIG" <<'EOF'
# The team's defaults.
org: from-config
format: json
hourly_rate: 120
frameworks: [soc2]
EOF
KEY=org
expect_equal "$(config_row)" "from-config config $DEFAULT_CONFIG:2" "org from the config"
KEY=format
run config list
expect_rc 0
expect_out_contains '"config_file": "'"$DEFAULT_CONFIG"'"' # format json from the config
KEY=hourly_rate
expect_equal "$(config_row)" "120 config $DEFAULT_CONFIG:4" "hourly_rate from the config"
KEY=hours_per_week
expect_equal "$(config_row)" "40 default None" "hours_per_week built in"
export VELOCITY_ORG=from-env VELOCITY_FORMAT=table VELOCITY_HOURLY_RATE=130
KEY=org
expect_equal "$(config_row)" "from-env env VELOCITY_ORG" "org from the environment"
KEY=format
expect_equal "$(config_row)" "json option --format" "format from the option"
KEY=hourly_rate
expect_equal "$(config_row)" "130 env VELOCITY_HOURLY_RATE" "hourly_rate from the environment"
KEY=org
expect_equal "$(config_row --org from-option)" "from-option option --org" "org from the option"
run config list
grep -qE '^org +from-env +env VELOCITY_ORG$' <<<"$OUT" && pass || fail "config list table: $OUT"
grep -qE "^hourly_rate +130 +env VELOCITY_HOURLY_RATE$" <<<"$OUT" && pass || fail "config list table: $OUT"
grep -qE "^frameworks +soc2 +config $DEFAULT_CONFIG:5$" <<<"$OUT" && pass || fail "config list table: $OUT"
grep -qE '^hours_per_week +40 +default$' <<<"$OUT" && pass || fail "config list table: $OUT"
# What the commands do with them: the organisation...
run audit log
expect_rc 2
expect_err_contains "no organisation named 'from-env'"
run --org alpha audit log --action org.create
expect_rc 0
unset VELOCITY_ORG
run audit log
expect_err_contains "no organisation named 'from-config'"
# ... the format (table from the environment, json from the config, an option over both) ...
run frameworks list
expect_rc 0
expect_out_contains "soc2"
expect_out_lacks "{"
unset VELOCITY_FORMAT
run frameworks list
expect_out_contains '"id": "soc2"'
run --format table frameworks list
expect_out_lacks "{"
# ... and a numeric assumption.
run roi --format json
expect_rc 0
expect_equal "$(json_get "d['assumptions']['hourly_rate']['value'], d['assumptions']['hourly_rate']['origin'], d['assumptions']['hourly_rate']['note']")" "130.0 env VELOCITY_HOURLY_RATE" "roi hourly rate from the environment"
expect_equal "$(json_get "d['frameworks']['ids'], d['frameworks']['origin']")" "['soc2'] config" "roi frameworks from the config"
run roi --hourly-rate 140 --format json
expect_equal "$(json_get "d['assumptions']['hourly_rate']['value'], d['assumptions']['hourly_rate']['origin']")" "140.0 flag" "an option beats the environment"
unset VELOCITY_HOURLY_RATE
run roi --format json
expect_equal "$(json_get "d['assumptions']['hourly_rate']['value'], d['assumptions']['hourly_rate']['note']")" "120.0 $DEFAULT_CONFIG:4" "then the config file"
run --config "$WORK/env.yaml" roi -f soc2 --format table
expect_out_contains "hourly rate"
expect_out_contains "\$150"
expect_out_contains "built-in"
# assess takes the frameworks in scope and the hourly rate too.
run assess template
expect_rc 0
expect_out_contains "framework: soc2"
printf 'format: md\n' >"$WORK/md.yaml"
run --config "$WORK/md.yaml" org list
expect_rc 0 # md is not a format of org list: its own default instead
expect_out_contains "NAME"
run --config "$WORK/md.yaml" --format md org list
expect_rc 2
rm "$DEFAULT_CONFIG"

TEST "a bad config file: exit 2 naming file:line and the key"
bad_config() { # NAME CONTENT EXPECTED...
  local name=$1 content=$2
  shift 2
  printf '%b' "$content" >"$WORK/$name.yaml"
  run --config "$WORK/$name.yaml" config list
  expect_rc 2
  local expected
  for expected in "$@"; do expect_err_contains "$expected"; done
}
bad_config typo 'org: acme\nhourli_rate: 100\n' \
  "$WORK/typo.yaml:2:1: unknown key 'hourli_rate' (did you mean 'hourly_rate'?)"
bad_config negative 'org: acme\n\nhourly_rate: -5\n' \
  "$WORK/negative.yaml:3:14: key 'hourly_rate': must be more than 0, not -5"
bad_config type 'org: [a, b]\n' "$WORK/type.yaml:1:6: key 'org': must be one value, not a list"
bad_config number 'audit_cost: lots\n' "$WORK/number.yaml:1:13: key 'audit_cost': must be a number, not 'lots'"
bad_config framework 'frameworks: [soc2, soc3]\n' \
  "$WORK/framework.yaml:1:13: key 'frameworks': unknown framework 'soc3' (did you mean 'soc2'?)"
bad_config percent 'automation_share: 120\n' "key 'automation_share': must be a percentage from 0 to 100"
bad_config format 'format: xml\n' "key 'format': must be one of table, json, jsonl, md, html, csv, not 'xml'"
bad_config nested 'manual_hours_by_size: {small: 10, huge: 20}\n' \
  "unknown key 'manual_hours_by_size.huge'"
bad_config syntax 'org: [acme\n' "$WORK/syntax.yaml:2:1: not valid YAML"
expect_err_contains 'help: README.md, section "Configuration", lists the keys'
run --config "$WORK/missing.yaml" config list
expect_rc 2
expect_err_contains "config file $WORK/missing.yaml (from --config) does not exist"
OUT=$(VELOCITY_CONFIG="$WORK/missing.yaml" "$VELOCITY_BIN" config list 2>&1) && RC=0 || RC=$?
expect_rc 2
grep -qF "(from VELOCITY_CONFIG) does not exist" <<<"$OUT" && pass || fail "$OUT"
# A bad config file stops every command, not only `config`.
printf 'hourly_rate: 0\n' >"$WORK/zero.yaml"
run --config "$WORK/zero.yaml" frameworks list
expect_rc 2
expect_err_contains "zero.yaml:1:14: key 'hourly_rate': must be more than 0, not 0"
# A bad environment value names the variable.
OUT=$(VELOCITY_HOURLY_RATE=abc "$VELOCITY_BIN" roi -f soc2 2>&1) && RC=0 || RC=$?
expect_rc 2
grep -qF "environment variable VELOCITY_HOURLY_RATE: must be a number, not 'abc'" <<<"$OUT" && pass || fail "$OUT"
# No config file at the default path is fine.
run config list
expect_rc 0
expect_err_contains "none there: built-in defaults"

finish
