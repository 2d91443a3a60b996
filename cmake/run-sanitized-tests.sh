#!/usr/bin/env bash
# Builds the unit and integration test executables (and the myoscope executable the integration tests drive) with
# AddressSanitizer and UndefinedBehaviorSanitizer (MYO_SANITIZE=ON) into ./build-asan and runs those suites under
# them. `.ci/run` runs it after the normal suite. Extra arguments go to ctest, e.g. `-R Hardening`.
# Kept to what CI can afford (timings in .ci/run): -O1 (the level ASan's documentation recommends), line tables
# only (-g1) for the stack traces, only the targets those suites need (no benchmarks, rendering or data test
# executables), and labels slow/render/data left out (render tests need GL, data tests read ../shared/data only,
# slow tests would take several times their normal duration under ASan).
# Any sanitizer report fails the test that triggered it: UBSan does not recover, ASan halts on the first error, and
# both abort, so that a report inside `myoscope` (run by the CLI tests) shows as a signal, never as a documented
# exit code.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash cmake/setup-debian.sh
export CCACHE_BASEDIR="$root"
export CCACHE_NOHASHDIR=1
# LeakSanitizer is off: Debian's ITK, VTK and DCMTK keep singletons (object factories, DCMTK's dictionary and codec
# registries, VTK's output window) alive until exit on purpose, so every test executable would fail at exit on
# "leaks" that are not ours. The setting must hold during the build too: gtest_discover_tests runs the executables.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:abort_on_error=1}"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
flags="-O1 -g1 -DNDEBUG"
cmake -S . -B build-asan "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMYO_SANITIZE=ON \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="$flags" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$flags" \
  -DMYO_BUILD_BENCHMARKS=OFF -DMYO_WARNINGS_AS_ERRORS=$werror >/dev/null
# myo_sanitized_tests: every test executable labelled unit or integration and none of slow, render or data
# (myo_add_test notes them), and the myoscope executable they drive.
cmake --build build-asan -j"$(nproc)" --target myo_sanitized_tests
cd build-asan
# Executables not built above are listed by ctest as *_NOT_BUILT without labels: -L leaves them out.
xvfb-run -a -s "-screen 0 1280x1024x24" ctest --output-on-failure -j"$(nproc)" --timeout 1800 \
  -L 'unit|integration' -LE 'slow|render|data' "$@"
