#!/usr/bin/env bash
# The C++ sources are formatted by the root .clang-format: lists every file clang-format would
# change and fails, so an unformatted change is caught in CI rather than in the next diff.
set -uo pipefail
cd "${VELOCITY_SOURCE_DIR:?set VELOCITY_SOURCE_DIR to the source tree}"

# As for the integration suites: a missing tool fails under CI=true and skips elsewhere.
if ! command -v clang-format >/dev/null; then
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: clang-format is not installed (scripts/setup test installs it)" >&2
    exit 1
  fi
  echo "skipping: clang-format is not installed (apt-get install clang-format)" >&2
  exit 0
fi

if [ -d .git ] && command -v git >/dev/null; then
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
else
  mapfile -t files < <(find src include tests bench -name '*.cpp' -o -name '*.hpp' 2>/dev/null | sort)
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "FAIL: no C++ source found under $PWD" >&2
  exit 1
fi

# One clang-format for every file; each violation is reported as "FILE:LINE:COL: warning: ...".
mapfile -t unformatted < <(clang-format --dry-run "${files[@]}" 2>&1 |
  sed -n 's/^\(.*\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p' | sort -u)
if [ "${#unformatted[@]}" -gt 0 ]; then
  echo "FAIL: ${#unformatted[@]} of ${#files[@]} files differ from .clang-format ($(clang-format --version)):" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  echo "fix: clang-format -i ${unformatted[*]}" >&2
  exit 1
fi
echo "ok: ${#files[@]} files formatted ($(clang-format --version))"
