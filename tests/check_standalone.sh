#!/usr/bin/env bash
# The repository stands alone: a user's clone has nothing beside it, so no tracked file may read
# test data, tools or anything else from a sibling folder of the checkout. Third-party test data
# lives in tests/data/ with its README.
set -uo pipefail
cd "${VELOCITY_SOURCE_DIR:?set VELOCITY_SOURCE_DIR to the source tree}"

# Written as a character class so that this file does not match itself.
pattern='[.][.]/share[d]|/work/share[d]'
if [ -d .git ] && command -v git >/dev/null; then
  mapfile -t hits < <(git grep -nIE "$pattern" -- . || true)
else
  mapfile -t hits < <(grep -rnIE "$pattern" --exclude-dir=build --exclude-dir=.git . || true)
fi
if [ "${#hits[@]}" -gt 0 ]; then
  echo "FAIL: ${#hits[@]} lines refer to a folder outside the repository (copy what they need into tests/data/):" >&2
  printf '  %s\n' "${hits[@]}" >&2
  exit 1
fi
# A path joined from pieces spells the same escape: "..", then the sibling's name.
mapfile -t joined < <(git grep -nIE '"[.][.]", *"share[d]"' -- . 2>/dev/null || true)
if [ "${#joined[@]}" -gt 0 ]; then
  echo "FAIL: paths built to a folder outside the repository:" >&2
  printf '  %s\n' "${joined[@]}" >&2
  exit 1
fi
echo "ok: no tracked file refers to a folder beside the checkout"
