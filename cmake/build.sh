#!/usr/bin/env bash
# Sets up the machine (Debian 12 packages) and builds MyoScope into ./build. Safe to run repeatedly.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash cmake/setup-debian.sh
# ccache: paths below the project root are hashed relative to it, so clones in other folders (CI) share the cache.
export CCACHE_BASEDIR="$root"
export CCACHE_NOHASHDIR=1
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# Warnings are errors in CI (CI=true) so that they cannot accumulate; locally they stay warnings.
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DMYO_WARNINGS_AS_ERRORS=$werror >/dev/null
cmake --build build -j"$(nproc)"
