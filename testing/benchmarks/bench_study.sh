#!/usr/bin/env bash
# Performance budget of the standard example study: wall time and peak memory of each stage, printed as a table.
# Usage: bash testing/benchmarks/bench_study.sh [build-dir] [vendor] [seed]
# Measures with GNU time (peak resident set size) and the stage timings recorded in report.json's provenance.
# dcm2niix (if installed: apt-get install dcm2niix) converts the same folder for the loading comparison.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
vendor="${2:-siemens}"
seed="${3:-1}"
myoscope="$build/apps/myoscope/myoscope"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

measure() {  # measure NAME COMMAND...: prints "NAME seconds peak_MiB"
  local name="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || { cat "$work/stderr.txt"; exit 1; }
  read -r seconds kib < "$work/time.txt"
  printf "%-28s %8.2f s %8.0f MiB\n" "$name" "$seconds" "$((kib / 1024))"
}

echo "MyoScope performance budget ($(nproc) cores, vendor $vendor, seed $seed)"
measure "phantom (generate study)" "$myoscope" phantom -o "$work/study" --vendor "$vendor" --seed "$seed"
echo "  study: $(find "$work/study/dicom" -type f | wc -l) files, $(du -sh "$work/study/dicom" | cut -f1)"
measure "scan" "$myoscope" scan "$work/study/dicom"
display=()
[ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null && display=(xvfb-run -a)
measure "analyze (whole)" "${display[@]}" "$myoscope" analyze "$work/study/dicom" -o "$work/analysis"
/usr/bin/python3 - "$work/analysis/report.json" <<'PY'
import json, sys
stages = json.load(open(sys.argv[1]))["provenance"]["stage_seconds"]
for name, seconds in stages.items():
    print(f"  analyze stage {name:<14} {seconds:8.2f} s")
PY
measure "evaluate" "$myoscope" evaluate "$work/analysis" "$work/study"
"$myoscope" evaluate "$work/analysis" "$work/study"
if command -v dcm2niix >/dev/null; then
  mkdir -p "$work/dcm2niix"
  measure "dcm2niix (same folder)" dcm2niix -z n -o "$work/dcm2niix" "$work/study/dicom"
  measure "myoscope convert (.nii.gz)" "$myoscope" convert "$work/study/dicom" -o "$work/convert"
  "$build/testing/benchmarks/myo_load_bench" "$work/study/dicom" 3 | sed 's/^/  myoscope load: /'
  start=$(date +%s.%N); dcm2niix -z n -o "$work/dcm2niix" "$work/study/dicom" >/dev/null; end=$(date +%s.%N)
  echo "  dcm2niix (uncompressed) $(echo "$end - $start" | bc) s"
fi
