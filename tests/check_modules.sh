#!/usr/bin/env bash
# The module rules of ARCHITECTURE.md hold: checks the source tree with tests/tools/check_modules.py,
# after proving on a scratch tree that the checker reports each kind of violation.
set -uo pipefail
source_dir="${VELOCITY_SOURCE_DIR:?set VELOCITY_SOURCE_DIR to the source tree}"
checker="$source_dir/tests/tools/check_modules.py"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/velocity-modules.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

mkdir -p "$scratch/src/cli" "$scratch/src/core" "$scratch/include/velocity"
cp "$source_dir/CMakeLists.txt" "$scratch/"
cat >"$scratch/src/cli/violations.cpp" <<'CPP'
#include <sqlite3.h>
#include <curl/curl.h>
#include <openssl/evp.h>
void f() {
  run("SELECT count(*) FROM evidence");
  EVP_MD_CTX_new();
  curl_easy_init();
  // sqlite3_open( in a comment is fine
}
CPP
printf '#include <velocity/store/state.hpp>\n' >"$scratch/src/core/upward.cpp"
output=$(python3 "$checker" "$scratch")
status=$?
failed=0
if [ "$status" -ne 1 ]; then
  echo "FAIL: the checker exited $status on a tree with violations, expected 1" >&2
  failed=1
fi
for expected in "violations.cpp:1: SQLite outside store" "violations.cpp:2: libcurl outside net" \
  "violations.cpp:3: OpenSSL outside crypto" "violations.cpp:5: SQL text outside store" \
  "violations.cpp:6: OpenSSL outside crypto" "violations.cpp:7: libcurl outside net" \
  "upward.cpp:1: module core includes <velocity/store/...> but does not depend on store"; do
  if ! grep -qF "$expected" <<<"$output"; then
    echo "FAIL: the checker did not report '$expected'; it said:" >&2
    echo "$output" >&2
    failed=1
  fi
done
if grep -qF "violations.cpp:8" <<<"$output"; then
  echo "FAIL: the checker reported a comment: $output" >&2
  failed=1
fi
[ "$failed" -eq 0 ] || exit 1

python3 "$checker" "$source_dir"
