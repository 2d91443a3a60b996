#!/usr/bin/env bash
# `myoscope convert` against dcm2niix on the same DICOM folder, uncompressed (-z n) and gzip (-z y), plus the stage
# times of `myoscope analyze` on it.
# Usage: bash testing/benchmarks/bench_convert.sh [build-dir] [dicom-folder]
# Method: without a folder, `myoscope phantom` (Siemens, IMNM, seed 1) generates a study into a temporary folder.
# The files are read once before timing (warm page cache). Each converter writes into a RAM folder; of 3 runs the
# best wall time and the best CPU time (user + sys, from /usr/bin/time: on a machine shared with other work CPU
# seconds vary less than wall seconds) are kept and printed with the ratios ours / dcm2niix. Then bench_analyze.sh
# times analyze. Targets, printed and never asserted (a busy machine gives upper bounds): convert -z n <= dcm2niix
# -z n; convert -z y <= 0.7 x dcm2niix -z y, both in wall and CPU time; analyze's stages within 8 s.
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

# best_of COMMAND...: runs COMMAND $repetitions times into a fresh $ram/out, sets $best (wall seconds), $best_cpu
# (user + sys seconds, the best run's by CPU) and $mib (size of the output of the last run).
best_of() {
  best="" best_cpu=""
  for ((r = 0; r < repetitions; r++)); do
    rm -rf "$ram/out" && mkdir -p "$ram/out"
    /usr/bin/time -f "%e %U %S" -o "$work/time.txt" "$@" >"$work/log.txt" 2>&1 || { cat "$work/log.txt" >&2; exit 1; }
    local wall cpu
    read -r wall cpu < <(awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$work/time.txt")
    if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then best="$wall"; fi
    if [ -z "$best_cpu" ] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then best_cpu="$cpu"; fi
  done
  mib=$(du -sm "$ram/out" | cut -f1)
}

for mode in n y; do
  best_of "$myoscope" convert "$dicom" -o "$ram/out" -z "$mode"
  ours="$best" ours_cpu="$best_cpu" ours_mib="$mib"
  best_of dcm2niix -z "$mode" -o "$ram/out" "$dicom"
  theirs="$best" theirs_cpu="$best_cpu" theirs_mib="$mib"
  target=$([ "$mode" = n ] && echo 1.0 || echo 0.7)
  awk -v m="$mode" -v o="$ours" -v t="$theirs" -v oc="$ours_cpu" -v tc="$theirs_cpu" -v om="$ours_mib" \
      -v tm="$theirs_mib" -v g="$target" 'BEGIN {
    r = o / t; rc = oc / tc
    printf "  -z %s: myoscope convert %6.2f s wall %6.2f s CPU (%4d MiB)  dcm2niix %6.2f s wall %6.2f s CPU (%4d MiB)\n",
           m, o, oc, om, t, tc, tm
    printf "        ratio wall %.2f, CPU %.2f  target <= %.1f: wall %s, CPU %s\n", r, rc, g, (r <= g) ? "met" : "NOT met",
           (rc <= g) ? "met" : "NOT met" }'
done
echo "  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# analyze's stages, wall and CPU time, against the 8 s budget (on the given folder, else on the standard study).
bash "$root/testing/benchmarks/bench_analyze.sh" "${1:-$root/build}" ${2:+"$2"}
