#!/usr/bin/env bash
# Installing like any Debian tool: `cmake --install` into a staging root and the .deb that cpack
# builds both give a binary that runs, man pages that render and completions where each shell
# looks by itself; the .deb's Depends comes from dpkg-shlibdeps.
source "$(dirname "$0")/lib.sh"
require cmake
require cpack
require dpkg-deb
require dpkg-shlibdeps
require man
BUILD_DIR=$(dirname "$VELOCITY_BIN")
ERR="" # the commands below capture stderr together with stdout
[ -f "$BUILD_DIR/CPackConfig.cmake" ] || { fail "no CPackConfig.cmake in $BUILD_DIR"; finish; }
VERSION=$("$VELOCITY_BIN" --version | sed -n '1s/^velocity \([0-9.]*\).*/\1/p')
ARCH=$(dpkg --print-architecture)

# check_tree ROOT PREFIX WHAT: the installed tree under ROOT/PREFIX works.
check_tree() {
  local root=$1 prefix=$2 what=$3
  TEST "$what: the binary runs"
  OUT=$("$root$prefix/bin/velocity" --version 2>&1) && RC=0 || RC=$?
  expect_rc 0
  expect_out_contains "velocity $VERSION"

  TEST "$what: man pages render without warnings"
  local pages=("$root$prefix"/share/man/man1/velocity*.1*)
  if [ -e "${pages[0]}" ]; then pass; else fail "no man page under $root$prefix/share/man/man1"; fi
  if [ -e "$root$prefix/share/man/man1/velocity-collect.1" ] || [ -e "$root$prefix/share/man/man1/velocity-collect.1.gz" ]; then
    pass
  else
    fail "no velocity-collect.1 (one page per command)"
  fi
  local page warnings
  for page in "${pages[@]}"; do
    warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
    [ -z "$warnings" ] || fail "$page: $warnings"
  done
  OUT=$(MANWIDTH=80 man -l "${pages[0]}" 2>/dev/null)
  expect_out_contains "EXIT STATUS"

  TEST "$what: completions where each shell looks by itself"
  local bash_completion="$root$prefix/share/bash-completion/completions/velocity"
  local zsh_completion="$root$prefix/share/zsh/vendor-completions/_velocity"
  local fish_completion="$root$prefix/share/fish/vendor_completions.d/velocity.fish"
  local file
  for file in "$bash_completion" "$zsh_completion" "$fish_completion"; do
    if [ -s "$file" ]; then pass; else fail "missing $file"; fi
  done
  OUT=$(bash -c 'source "$1" && complete -p velocity' _ "$bash_completion" 2>&1) && RC=0 || RC=$?
  expect_rc 0
  expect_out_contains "velocity"

  TEST "$what: documentation"
  for file in README.md scheduling.md; do
    if [ -s "$root$prefix/share/doc/velocity/$file" ]; then pass; else fail "missing share/doc/velocity/$file"; fi
  done
}

TEST "cmake --install into a DESTDIR"
STAGE="$SUITE_DIR/stage"
OUT=$(DESTDIR="$STAGE" cmake --install "$BUILD_DIR" --prefix /usr/local 2>&1) && RC=0 || RC=$?
expect_rc 0
check_tree "$STAGE" /usr/local "cmake --install"
TEST "cmake --install puts nothing outside its prefix"
OUT=$(cd "$STAGE" && find . -mindepth 1 -maxdepth 2 | sort)
expect_equal "$OUT" "$(printf './usr\n./usr/local')"

TEST "cpack builds velocity_<version>_<arch>.deb"
PKG="$SUITE_DIR/pkg"
OUT=$(cpack --config "$BUILD_DIR/CPackConfig.cmake" -G DEB -B "$PKG" 2>&1) && RC=0 || RC=$?
expect_rc 0
DEB="$PKG/velocity_${VERSION}_${ARCH}.deb"
if [ -f "$DEB" ]; then pass; else fail "no $DEB: $(ls "$PKG") $OUT"; finish; fi

TEST "the .deb's Depends is computed from the binary's libraries"
OUT=$(dpkg-deb -f "$DEB" Depends)
expect_out_contains "libc6 (>="
expect_out_contains "libssl3 (>="
expect_out_contains "libsqlite3-0 (>="
expect_out_contains "libcurl4 (>="
OUT=$(dpkg-deb -f "$DEB" Package Version Architecture)
expect_out_contains "Package: velocity"
expect_out_contains "Version: $VERSION"
expect_out_contains "Architecture: $ARCH"

TEST "the .deb installs under /usr"
ROOT="$SUITE_DIR/deb-root"
dpkg-deb -x "$DEB" "$ROOT"
OUT=$(dpkg-deb -c "$DEB")
expect_out_contains "./usr/bin/velocity"
expect_out_lacks "./usr/local"
check_tree "$ROOT" /usr ".deb"

TEST "the unpacked binary works on a state of its own"
export VELOCITY_STATE="$SUITE_DIR/deb.db" VELOCITY_KEY_FILE="$SUITE_DIR/deb.key"
OUT=$("$ROOT/usr/bin/velocity" init 2>&1) && RC=0 || RC=$?
expect_rc 0
OUT=$("$ROOT/usr/bin/velocity" frameworks list 2>&1) && RC=0 || RC=$?
expect_rc 0
expect_out_contains "soc2"

finish
