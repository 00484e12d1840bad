#!/usr/bin/env bash
# setup.sh — makes this clone ready to build, test and run: installs the native prerequisites (libtorch, OpenBLAS,
# cmake, g++) only when they are missing, builds the solution in Release, packs the tool into artifacts/packages and
# installs it as the local tool `dotnet interp-eval`, reinstalling whenever the package changed.
# Idempotent and quiet when there is nothing to do; on a failure it prints the failing step's output.
# It does not install the .NET SDK, and it never touches a libtorch named by Torch_DIR / LIBTORCH.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

say() { echo "setup: $*" >&2; }
die() { echo "setup: $*" >&2; exit 1; }

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# Runs a step silently; shows its output only when it fails.
quietly() {
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    die "failed: $*"
  fi
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

command -v dotnet >/dev/null || die "the .NET 10 SDK is missing: install it (https://dot.net/v1/dotnet-install.sh) and rerun"

# --- 1. native prerequisites --------------------------------------------------------------------------------------
multiarch="$(uname -m)-linux-gnu"
debian_torch="/usr/lib/$multiarch/cmake/Torch/TorchConfig.cmake"
debian_blas="/usr/lib/$multiarch/libblas.so.3"

blas_is_openblas() { case "$(readlink -f "$debian_blas" 2>/dev/null || true)" in *openblas*) return 0 ;; *) return 1 ;; esac; }

packages=()
if [ -z "${Torch_DIR:-}" ] && [ -z "${LIBTORCH:-}" ]; then
  if [ ! -f "$debian_torch" ]; then
    packages+=(libtorch-dev libopenblas0-pthread)
  elif ! blas_is_openblas; then
    # Debian's libtorch calls whatever libblas.so.3 points at; without OpenBLAS that is the reference BLAS
    # (measured ~3 GFLOP/s on a 2048² sgemm instead of ~180).
    packages+=(libopenblas0-pthread)
  fi
fi
# gloo's headers: ProcessGroupGloo.hpp includes them (the distributed layer, docs/distributed.md)
if [ -z "${Torch_DIR:-}${LIBTORCH:-}" ] && [ ! -d /usr/include/gloo ]; then packages+=(libgloo-dev); fi
command -v cmake >/dev/null || packages+=(cmake)
command -v g++ >/dev/null || packages+=(g++)

if [ "${#packages[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null ||
    die "missing: ${packages[*]} — install them (or point Torch_DIR / LIBTORCH at a libtorch) and rerun"
  say "installing ${packages[*]} (apt-get)"
  quietly as_root env DEBIAN_FRONTEND=noninteractive apt-get update
  quietly as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${packages[@]}"
fi

if [ -z "${Torch_DIR:-}${LIBTORCH:-}" ] && [ -f "$debian_torch" ] && ! blas_is_openblas; then
  say "warning: $debian_blas resolves to $(readlink -f "$debian_blas"), not OpenBLAS: sgemm will be ~50x slower." \
      "Select OpenBLAS with: sudo update-alternatives --config libblas.so.3-$multiarch"
fi

# --- 2. build, pack -----------------------------------------------------------------------------------------------
version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' dotnet-tools.json | head -n 1)"
built_version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n 1)"
[ -n "$version" ] || die "dotnet-tools.json names no interp-eval version"
[ "$version" = "$built_version" ] ||
  die "dotnet-tools.json pins interp-eval $version but Directory.Build.props builds $built_version — make them agree"

[ -f src/Torch/native/build/CMakeCache.txt ] || say "building (the first build compiles the C++ shim: a few minutes)"
quietly dotnet build EvalHarness.sln -c Release -nologo
quietly dotnet pack src/EvalHarness/EvalHarness.csproj -c Release --no-build -nologo -o artifacts/packages
package="artifacts/packages/interp-eval.$version.nupkg"
[ -f "$package" ] || die "dotnet pack did not produce $package"

# --- 3. install as the local tool ---------------------------------------------------------------------------------
# `dotnet tool restore` takes a package from the NuGet global packages folder when that version is already there,
# so a rebuilt package of the same version would be ignored: drop the cached copy unless it is this very package
# (pack is deterministic, so an unchanged build gives a byte-identical package and nothing is reinstalled).
global_packages="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')"
[ -n "$global_packages" ] || die "could not find the NuGet global packages folder (dotnet nuget locals global-packages --list)"
cached="${global_packages%/}/interp-eval/$version"
if ! cmp -s "$package" "$cached/interp-eval.$version.nupkg"; then
  if [ -d "$cached" ]; then
    say "reinstalling the interp-eval $version tool (the package changed)"
    rm -rf "$cached"
  fi
fi
quietly dotnet tool restore --add-source artifacts/packages
