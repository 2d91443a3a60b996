#!/usr/bin/env bash
# Edema accuracy on generator studies, with automatic segmentation and with the generator's own labels.
# Usage: bash testing/benchmarks/bench_edema.sh [build-dir] [first-seed] [last-seed]
# Seed s: scenario [imnm, healthy, ibm, dm][s % 4], vendor [siemens, philips, ge][s % 3], every 5th without Dixon
# (the rule of the figures in docs/experiments.md#quantification, seeds 500-519). Per study: `myoscope analyze` (no
# figures, reports, DICOM results or maps), again with `--labels truth/labels.nii.gz`, and `myoscope evaluate` of
# each; prints the edema and fat-fraction mean absolute errors over the groups and sides, and for healthy studies the
# mean measured edema fraction (truth 0). Needs python3 for the JSON. About a minute per seed on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
first="${2:-500}"
last="${3:-519}"
myoscope="$build/apps/myoscope/myoscope"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
scenarios=(imnm healthy ibm dm)
vendors=(siemens philips ge)
fast=(--no-figures --no-dicom --no-report-documents --no-maps -q)

for ((s = first; s <= last; ++s)); do
  study="$work/s$s"
  extra=()
  ((s % 5 == 0)) && extra=(--no-dixon)
  "$myoscope" phantom -o "$study" --seed "$s" --scenario "${scenarios[s % 4]}" --vendor "${vendors[s % 3]}" \
    "${extra[@]}" -q >/dev/null
  "$myoscope" analyze "$study/dicom" -o "$study/auto" "${fast[@]}" >/dev/null
  "$myoscope" analyze "$study/dicom" -o "$study/perfect" --labels "$study/truth/labels.nii.gz" "${fast[@]}" >/dev/null
  for kind in auto perfect; do
    "$myoscope" evaluate "$study/$kind" "$study/truth" --json "$study/$kind.eval.json" >/dev/null
  done
  rm -rf "$study/dicom"
done

python3 - "$work" "$first" "$last" <<'EOF'
import json, sys
work, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def mae(s, kind, key):
    v = json.load(open(f"{work}/s{s}/{kind}.eval.json")).get(key)
    return v
def healthy_mean(s, kind):
    muscles = json.load(open(f"{work}/s{s}/{kind}/report.json"))["muscles"]
    values = [m["edema_fraction_pct"] for m in muscles if m.get("edema_fraction_pct") is not None]
    return sum(values) / len(values)
print(f"{'seed':>5} {'study':<22} {'edema MAE auto':>15} {'perfect':>8} {'FF MAE auto':>12}  healthy edema % auto / perfect")
sums = {"auto": [], "perfect": []}
for s in range(first, last + 1):
    params = json.load(open(f"{work}/s{s}/truth/truth.json"))["parameters"]
    name = params["scenario"] + "/" + params["vendor"] + ("" if params["dixon"] else "/no-dixon")
    auto, perfect = mae(s, "auto", "edema_fraction_mae_pct"), mae(s, "perfect", "edema_fraction_mae_pct")
    ff = mae(s, "auto", "fat_fraction_mae_pct")
    sums["auto"].append(auto); sums["perfect"].append(perfect)
    healthy = ""
    if params["scenario"] == "healthy":
        healthy = f"{healthy_mean(s, 'auto'):.2f} / {healthy_mean(s, 'perfect'):.2f}"
    print(f"{s:>5} {name:<22} {auto:>15.2f} {perfect:>8.2f} {'-' if ff is None else f'{ff:.2f}':>12}  {healthy}")
for kind in ("auto", "perfect"):
    v = sums[kind]
    print(f"edema MAE {kind}: mean {sum(v) / len(v):.2f} pp, worst study {max(v):.2f} pp")
EOF
