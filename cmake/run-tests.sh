#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite with ctest. `.ci/run` calls exactly this.
# Pass ctest arguments through, e.g. `bash cmake/run-tests.sh -L unit` or `-LE slow`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash cmake/build.sh
cd build
# Rendering tests need an X server: run the suite inside a virtual one.
xvfb-run -a -s "-screen 0 1280x1024x24" ctest --output-on-failure -j"$(nproc)" --timeout 900 "$@"
