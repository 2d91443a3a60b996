#!/usr/bin/env bash
# Builds the whole tree with AddressSanitizer and UndefinedBehaviorSanitizer (MYO_SANITIZE=ON) into ./build-asan and
# runs the `unit` tests under them. Extra arguments go to ctest, e.g. `bash cmake/run-sanitized-tests.sh -R Stack`.
# Any sanitizer report fails the test that triggered it (UBSan does not recover; ASan halts on the first error).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash cmake/setup-debian.sh
export CCACHE_BASEDIR="$root"
export CCACHE_NOHASHDIR=1
# LeakSanitizer is off: Debian's ITK, VTK and DCMTK keep singletons (object factories, DCMTK's dictionary and codec
# registries, VTK's output window) alive until exit on purpose, so every test executable would fail at exit on
# "leaks" that are not ours. The setting must hold during the build too: gtest_discover_tests runs the executables.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:detect_stack_use_after_return=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
cmake -S . -B build-asan "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMYO_SANITIZE=ON \
  -DMYO_BUILD_BENCHMARKS=OFF -DMYO_WARNINGS_AS_ERRORS=$werror >/dev/null
cmake --build build-asan -j"$(nproc)"
cd build-asan
xvfb-run -a -s "-screen 0 1280x1024x24" ctest --output-on-failure -j"$(nproc)" --timeout 1800 -L unit "$@"
