#!/usr/bin/env bash
# Stage times of `myoscope analyze` against the 8 s budget of issue #21 (2 cores, standard study with figures).
# Usage: bash testing/benchmarks/bench_analyze.sh [build-dir] [dicom-folder]
# Method: without a folder, the standard study is generated: `myoscope phantom --seed 5 --dixon-voxel-mm 3` (the
# tests' study). analyze runs once with all cores (the default) and once with --threads 1, with figures (under Xvfb
# when there is no display). Per stage: wall time and CPU time (user + system, all threads) from report.json's
# provenance; for the whole process the same from /usr/bin/time, with its peak resident memory (budget 1 GiB). On a
# machine shared with other work the CPU times are the figures to compare and wall times are upper bounds; the load
# average is printed with them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
myoscope="${1:-$root/build}/apps/myoscope/myoscope"
[ -x "$myoscope" ] || { echo "build myoscope first: $myoscope" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -n "${2:-}" ]; then
  dicom="$2"
else
  "$myoscope" phantom -q -o "$work/standard" --seed 5 --dixon-voxel-mm 3 >/dev/null
  dicom="$work/standard/dicom"
fi
find "$dicom" -type f -exec cat {} + >/dev/null  # warm the page cache
echo "analyze $dicom: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs"
display=()
[ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null && display=(xvfb-run -a -s "-screen 0 1280x1024x24")
for threads in 0 1; do
  /usr/bin/time -f "%e %U %S %M" -o "$work/time-$threads.txt" "${display[@]}" "$myoscope" analyze "$dicom" \
    -o "$work/analysis-$threads" --threads "$threads" >"$work/log.txt" 2>&1 || { cat "$work/log.txt" >&2; exit 1; }
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs"
/usr/bin/python3 - "$work" <<'PY'
import json, sys
runs = {t: json.load(open(f"{sys.argv[1]}/analysis-{t}/report.json"))["provenance"] for t in ("0", "1")}
times = {t: [float(x) for x in open(f"{sys.argv[1]}/time-{t}.txt").read().split()[-4:]] for t in ("0", "1")}
order = ["scan", "load", "segmentation", "quantification", "water_t2", "figures", "outputs", "scene",
         "report_documents", "dicom_results"]
stages = [s for s in order if s in runs["0"]["stage_seconds"]]
stages += [s for s in runs["0"]["stage_seconds"] if s not in stages]
nan = float("nan")
print(f"analyze stages (report.json provenance), all {runs['0']['threads']} cores | --threads 1; wall and CPU seconds:")
print(f"  {'stage':<18} {'wall':>7} {'CPU':>7} | {'wall':>7} {'CPU':>7}")
for name in stages:
    row = [runs[t][key].get(name, nan) for t in ("0", "1") for key in ("stage_seconds", "stage_cpu_seconds")]
    print(f"  {name:<18} {row[0]:7.2f} {row[1]:7.2f} | {row[2]:7.2f} {row[3]:7.2f}")
# The wall times of scan and load are apart; load's CPU time includes the scan's (and the process's start).
wall = {t: sum(r["stage_seconds"].values()) for t, r in runs.items()}
cpu = {t: sum(r.get("stage_cpu_seconds", {}).values()) for t, r in runs.items()}
print(f"  {'sum of stages':<18} {wall['0']:7.2f} {cpu['0']:7.2f} | {wall['1']:7.2f} {cpu['1']:7.2f}"
      f"   budget 8 s wall (all cores): {'met' if wall['0'] <= 8 else 'NOT met'}")
print(f"  {'whole process':<18} {times['0'][0]:7.2f} {times['0'][1] + times['0'][2]:7.2f} | "
      f"{times['1'][0]:7.2f} {times['1'][1] + times['1'][2]:7.2f}   (/usr/bin/time, Xvfb included)")
peak = {t: times[t][3] / 1024 for t in ("0", "1")}
print(f"  {'peak memory MiB':<18} {peak['0']:7.0f} {'':>7} | {peak['1']:7.0f}"
      f"   budget 1024 MiB: {'met' if max(peak.values()) <= 1024 else 'NOT met'}")
PY
