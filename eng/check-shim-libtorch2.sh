#!/usr/bin/env bash
# check-shim-libtorch2.sh — compiles every shim source (src/Torch/native/src/*.cpp) with `g++ -fsyntax-only` against
# the headers of Debian trixie's libtorch-dev 2.6, so an include or API that moved in libtorch 2.x breaks CI here and
# not on a user's CUDA machine. The .deb is fetched with `apt-get download` through a private apt configuration in a
# temp folder (the system's sources and lists are untouched), extracted with dpkg-deb, never installed.
# LIBTORCH2_INCLUDE=DIR uses headers already extracted there instead. When the trixie package cannot be fetched
# (no route to the archive) it says so and exits 0 without checking; a compile error exits 1. It does not link or run
# anything: the shim's tests run against the installed libtorch (1.13 on Debian 12).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo/src/Torch/native/src"
say() { echo "check-shim-libtorch2: $*" >&2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

include="${LIBTORCH2_INCLUDE:-}"
if [ -z "$include" ]; then
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
    { say "skipped: apt-get and dpkg-deb are needed to fetch trixie's libtorch-dev"; exit 0; }
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/deb" "$tmp/root"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  echo "deb [signed-by=$keyring] http://deb.debian.org/debian trixie main" >"$tmp/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache" -o APT::Sandbox::User=root -qq)
  if ! apt-get "${apt_opts[@]}" update >"$tmp/apt.log" 2>&1 ||
     ! (cd "$tmp/deb" && apt-get "${apt_opts[@]}" download libtorch-dev >>"$tmp/apt.log" 2>&1); then
    say "skipped: could not fetch Debian trixie's libtorch-dev ($(tail -n 1 "$tmp/apt.log"))"
    exit 0
  fi
  deb="$(ls "$tmp"/deb/libtorch-dev_*.deb)"
  dpkg-deb -x "$deb" "$tmp/root"
  include="$tmp/root/usr/include"
  say "headers of $(basename "$deb")"
fi
[ -f "$include/torch/csrc/api/include/torch/version.h" ] || { say "no libtorch headers under $include"; exit 1; }

# One compiler per core; each prints its file's errors, and any failure fails the check.
export include src
check() { g++ -std=c++17 -fsyntax-only -Wall -Wno-unused-parameter -I "$src" -isystem "$include" \
            -isystem "$include/torch/csrc/api/include" "$1" 2>&1 || { echo "FAILED: $(basename "$1")"; return 1; }; }
export -f check
if ls "$src"/*.cpp | xargs -P "$(nproc)" -I{} bash -c 'check "$1"' _ {} >"$tmp/out" 2>&1; then
  say "$(ls "$src"/*.cpp | wc -l) shim sources compile against libtorch $(grep -o 'TORCH_VERSION_M[A-Z]* [0-9]*' \
      "$include/torch/csrc/api/include/torch/version.h" | awk '{print $2}' | paste -sd.)"
else
  grep -E "error|FAILED" "$tmp/out" >&2 || cat "$tmp/out" >&2
  say "the shim does not compile against libtorch 2.x (see above)"
  exit 1
fi
