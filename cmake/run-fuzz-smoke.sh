#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -DMYO_FUZZ=ON, ./build-fuzz) and runs each for a short time on its seed corpus:
# a smoke run that `.ci/run` affords (timings there); long runs are by hand, see testing/fuzz/README.md.
# Usage: bash cmake/run-fuzz-smoke.sh [seconds per target, default 20]
# Seeds: ../shared/data/dicom-qa (DICOM and SEG readers) and the TotalSegmentator class list when ../shared/data is
# present, the report schema and example in data/, and small label tables written here in each format. New inputs
# go to a temporary folder that is removed afterwards. A crash, sanitizer report, time-out or out-of-memory fails
# the run and leaves its input in build-fuzz/findings/ for replay (`build-fuzz/testing/fuzz/<target> <file>`).
# A fixed seed keeps CI runs alike, and the generous per-input time-out keeps a slow, loaded machine from looking
# like a hang.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-20}"
bash cmake/setup-debian.sh
export CCACHE_BASEDIR="$root"
export CCACHE_NOHASHDIR=1
# LeakSanitizer off for the same reason as in run-sanitized-tests.sh (ITK/DCMTK registries live until exit).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B build-fuzz "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DMYO_FUZZ=ON -DMYO_BUILD_TESTS=OFF -DMYO_BUILD_BENCHMARKS=OFF >/dev/null
targets=(fuzz_dicom_series fuzz_segmentation_reader fuzz_report_reader fuzz_label_table)
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}"

shared="$root/../shared/data"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
labels="$work/label-seeds"
mkdir -p "$labels" "$root/build-fuzz/findings"
printf '# ITK-SNAP Label Description File\n0 0 0 0 0 0 0 "Clear Label"\n1 255 0 0 1 1 1 "vastus lateralis right"\n2 0 255 0 1 1 1 "Adductor longus L"\n' >"$labels/itksnap.txt"
printf '# Color table\n0 background 0 0 0 0\n4 adductor_longus_right 10 20 30 255\n5 gluteus_maximus_left 1 2 3 255\n' >"$labels/slicer.ctbl"
printf '1,spleen\n48,iliopsoas_left\n49,iliopsoas_right\n' >"$labels/classes.csv"
[ -f "$shared/muscle-mri/totalsegmentator-example/total_mr_classes.txt" ] &&
  cp "$shared/muscle-mri/totalsegmentator-example/total_mr_classes.txt" "$labels/"
dicom_seeds=()
[ -d "$shared/dicom-qa" ] && dicom_seeds=("$shared/dicom-qa")
[ ${#dicom_seeds[@]} -eq 0 ] && echo "note: ../shared/data/dicom-qa is absent: DICOM targets start without seeds"

status=0
run() {  # run TARGET SEED_FOLDER... [-- libFuzzer options]
  local target="$1"; shift
  local seeds=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do seeds+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  mkdir -p "$work/$target"
  if (cd "$root/build-fuzz/findings" && "$root/build-fuzz/testing/fuzz/$target" "$work/$target" "${seeds[@]}" \
      -max_total_time="$seconds" -seed=1 -timeout=120 -rss_limit_mb=4096 -print_final_stats=1 "$@" >"$work/$target.log" 2>&1); then
    echo "$target: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$target.log" | grep -o '[0-9]*$') executions in ${seconds} s, no finding"
  else
    echo "$target: FINDING (input saved in build-fuzz/findings/)"
    tail -40 "$work/$target.log"
    status=1
  fi
}
run fuzz_dicom_series "${dicom_seeds[@]}" -- -max_len=65536
run fuzz_segmentation_reader "${dicom_seeds[@]}" -- -max_len=65536
run fuzz_report_reader "$root/data"
run fuzz_label_table "$labels" -- -max_len=4096
exit $status
