#!/usr/bin/env bash
# Performance budget of the standard example study (cmake/run-example.sh: Siemens, IMNM, seed 1): wall time and peak
# memory of each analysis stage and of the whole run, and loading against dcm2niix on the same folder.
# Usage: bash testing/benchmarks/bench_study.sh [build-dir] [repetitions] [vendor] [scenario] [seed]
# Method: the study is generated once; its files are read once before timing (warm page cache, as on a PACS node
# that has just received them). The whole analysis (figures under Xvfb, reports, DICOM results) runs `repetitions`
# times under GNU time; the run with the best wall time is shown, its stage table from report.json's provenance
# (stage_seconds; stage_peak_rss_mib is the process's high-water mark when the stage ends). Loading is
# myo_load_bench (scan + every series into memory, best of `repetitions`) against dcm2niix converting the same
# folder to uncompressed NIfTI in a RAM folder (best of `repetitions`). Budget on the 2-core reference machine: the
# whole analysis under 30 s, peak memory under 1.5 GiB, loading faster than dcm2niix. Figures from a machine that is
# busy with other work are upper bounds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
repetitions="${2:-3}"
vendor="${3:-siemens}"
scenario="${4:-imnm}"
seed="${5:-1}"
myoscope="$build/apps/myoscope/myoscope"
load_bench="$build/testing/benchmarks/myo_load_bench"
work="$(mktemp -d)"
ram="$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)"
trap 'rm -rf "$work" "$ram"' EXIT

# timed COMMAND...: runs it under GNU time, sets $seconds (wall), $cpu (user + system) and $peak_mib; stops the
# script when it fails.
timed() {
  /usr/bin/time -f "%e %M %U %S" -o "$work/time.txt" "$@" >"$work/stdout.txt" 2>"$work/stderr.txt" || {
    cat "$work/stderr.txt" >&2
    exit 1
  }
  read -r seconds kib user system <"$work/time.txt"
  peak_mib=$((kib / 1024))
  cpu=$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.2f", u + s }')
}

echo "MyoScope performance budget: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), study $vendor/$scenario/seed $seed, best of $repetitions"
timed "$myoscope" phantom -o "$work/study" --vendor "$vendor" --scenario "$scenario" --seed "$seed"
printf "%-34s %8.2f s %7d MiB\n" "phantom (generate the study)" "$seconds" "$peak_mib"
echo "  study: $(find "$work/study/dicom" -type f | wc -l) files, $(du -sh "$work/study/dicom" | cut -f1)"
find "$work/study/dicom" -type f -exec cat {} + >/dev/null  # warm the page cache

display=()
[ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null && display=(xvfb-run -a -s "-screen 0 1280x1024x24")
best=""
for ((r = 0; r < repetitions; r++)); do
  rm -rf "$work/analysis"
  timed "${display[@]}" "$myoscope" analyze "$work/study/dicom" -o "$work/analysis"
  if [ -z "$best" ] || awk -v a="$seconds" -v b="$best" 'BEGIN { exit !(a < b) }'; then
    best="$seconds"
    best_peak="$peak_mib"
    best_cpu="$cpu"
    cp "$work/analysis/report.json" "$work/best-report.json"
  fi
done
/usr/bin/python3 - "$work/best-report.json" "$best" "$best_peak" "$best_cpu" <<'PY'
import json, sys
provenance = json.load(open(sys.argv[1]))["provenance"]
seconds = provenance["stage_seconds"]
peaks = provenance.get("stage_peak_rss_mib", {})
order = ["scan", "load", "segmentation", "quantification", "outputs", "figures", "report_documents", "dicom_results"]
names = [n for n in order if n in seconds] + sorted(n for n in seconds if n not in order)
print(f"{'analyze stage':<34} {'wall':>10} {'peak RSS at end':>16}")
for name in names:
    peak = peaks.get(name)
    print(f"  {name:<32} {seconds[name]:8.2f} s {'' if peak is None else f'{peak:10.0f} MiB':>16}")
print(f"  {'sum of stages':<32} {sum(seconds.values()):8.2f} s")
print(f"{'analyze (whole process)':<34} {float(sys.argv[2]):8.2f} s {int(sys.argv[3]):10d} MiB   (CPU {sys.argv[4]} s)")
PY
total_ok=$(awk -v s="$best" 'BEGIN { print (s < 30) ? "yes" : "NO" }')
memory_ok=$(awk -v m="$best_peak" 'BEGIN { print (m < 1536) ? "yes" : "NO" }')

load_line=""
if [ -x "$load_bench" ]; then
  load_line="$("$load_bench" "$work/study/dicom" "$repetitions")"
  echo "myoscope load: $load_line"
fi
if command -v dcm2niix >/dev/null; then
  dcm_best=""
  for ((r = 0; r < repetitions; r++)); do
    rm -rf "$ram/nii" && mkdir -p "$ram/nii"
    timed dcm2niix -z n -o "$ram/nii" "$work/study/dicom"
    if [ -z "$dcm_best" ] || awk -v a="$seconds" -v b="$dcm_best" 'BEGIN { exit !(a < b) }'; then
      dcm_best="$seconds"
      dcm_peak="$peak_mib"
      dcm_cpu="$cpu"
    fi
  done
  printf "%-34s %8.2f s %7d MiB   (CPU %s s; %s)\n" "dcm2niix -z n (same folder)" "$dcm_best" "$dcm_peak" "$dcm_cpu" \
    "$(dcm2niix --version 2>&1 | grep -o 'v[0-9.]*[0-9]' | head -1)"
  if [ -n "$load_line" ]; then
    load_seconds="$(echo "$load_line" | sed -n 's/.*) \([0-9.]*\) s (best.*/\1/p')"
    load_cpu="$(echo "$load_line" | sed -n 's/.*CPU \([0-9.]*\) s.*/\1/p')"
    awk -v l="$load_seconds" -v d="$dcm_best" 'BEGIN { printf "load / dcm2niix, wall: %.3f s / %.2f s = %.2f (below 1: loading is faster)\n", l, d, l / d }'
    awk -v l="$load_cpu" -v d="$dcm_cpu" 'BEGIN { if (d > 0) printf "load / dcm2niix, CPU:  %.3f s / %.2f s = %.2f\n", l, d, l / d }'
    load_ok=$(awk -v l="$load_seconds" -v d="$dcm_best" 'BEGIN { print (l < d) ? "yes" : "NO" }')
  fi
fi
echo "budget: whole analysis < 30 s: $total_ok; peak memory < 1.5 GiB: $memory_ok; loading faster than dcm2niix: ${load_ok:-not measured}"
