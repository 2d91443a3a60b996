#!/usr/bin/env bash
# `myoscope convert` against dcm2niix on the same DICOM folder, uncompressed (-z n) and gzip (-z y), plus the stage
# times of `myoscope analyze` on it.
# Usage: bash testing/benchmarks/bench_convert.sh [build-dir] [dicom-folder]
# Method: without a folder, `myoscope phantom` (Siemens, IMNM, seed 1) generates a study into a temporary folder.
# The files are read once before timing (warm page cache). Each converter writes into a RAM folder; the best wall
# time of 3 runs is kept and printed with the ratio ours / dcm2niix. Then bench_analyze.sh times analyze. Targets, printed and never asserted (a machine busy with other work gives upper
# bounds): convert -z n <= dcm2niix -z n; convert -z y <= 0.7 x dcm2niix -z y; analyze's stages within 8 s.
set -euo pipefail
repetitions=3
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
myoscope="${1:-$root/build}/apps/myoscope/myoscope"
[ -x "$myoscope" ] || { echo "build myoscope first: $myoscope" >&2; exit 2; }
work="$(mktemp -d)"
ram="$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)"
trap 'rm -rf "$work" "$ram"' EXIT
command -v dcm2niix >/dev/null || { echo "dcm2niix is not installed (apt-get install dcm2niix)" >&2; exit 2; }

if [ -n "${2:-}" ]; then
  dicom="$2"
else
  "$myoscope" phantom -o "$work/study" --vendor siemens --scenario imnm --seed 1 >/dev/null
  dicom="$work/study/dicom"
fi
find "$dicom" -type f -exec cat {} + >/dev/null  # warm the page cache
echo "convert vs dcm2niix: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  folder: $dicom ($(find "$dicom" -type f | wc -l) files, $(du -sh "$dicom" | cut -f1)), best of $repetitions"

# best_of COMMAND...: runs COMMAND $repetitions times into a fresh $ram/out, sets $best (wall seconds) and $mib
# (size of the output of the last run).
best_of() {
  best=""
  for ((r = 0; r < repetitions; r++)); do
    rm -rf "$ram/out" && mkdir -p "$ram/out"
    local start end
    start=$(date +%s.%N)
    "$@" >"$work/log.txt" 2>&1 || { cat "$work/log.txt" >&2; exit 1; }
    end=$(date +%s.%N)
    local s
    s=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
    if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then best="$s"; fi
  done
  mib=$(du -sm "$ram/out" | cut -f1)
}

for mode in n y; do
  best_of "$myoscope" convert "$dicom" -o "$ram/out" -z "$mode"
  ours="$best" ours_mib="$mib"
  best_of dcm2niix -z "$mode" -o "$ram/out" "$dicom"
  theirs="$best" theirs_mib="$mib"
  target=$([ "$mode" = n ] && echo 1.0 || echo 0.7)
  awk -v m="$mode" -v o="$ours" -v t="$theirs" -v om="$ours_mib" -v tm="$theirs_mib" -v g="$target" 'BEGIN {
    r = o / t
    printf "  -z %s: myoscope convert %7.2f s (%4d MiB)  dcm2niix %7.2f s (%4d MiB)  ratio %.2f  target <= %.1f: %s\n",
           m, o, om, t, tm, r, g, (r <= g) ? "met" : "NOT met" }'
done

# analyze's stages, wall and CPU time, against the 8 s budget (on the given folder, else on the standard study).
bash "$root/testing/benchmarks/bench_analyze.sh" "${1:-$root/build}" ${2:+"$2"}
