#!/usr/bin/env bash
# Water T2 accuracy and cost on generated studies with a multi-echo spin-echo series (`phantom --t2-multi-echo`).
# Usage: bash testing/benchmarks/bench_water_t2.sh [build-dir] [first-seed] [count]
# Method: `count` studies with seeds first-seed, first-seed+1, ... cycling through vendors (Siemens and Philips: one
# series of 10 echoes; GE: one series per echo) and scenarios (healthy, IMNM, IBM, DM), at the default resolution.
# Each is analysed as a user would (automatic segmentation, --no-figures) twice: with the default fat-corrected
# bi-exponential fit and with --water-t2-mono; `myoscope evaluate --json` gives the water T2 error of every group
# and side against the truth (median water T2 of the group's muscle voxels). Groups are split by their true fat
# fraction (below / at least 10 %). Cost: the water_t2 stage of report.json (labels and fat fraction brought onto the
# echo grid, the fit, per-group medians) and the load stage; the first Siemens study is also analysed with its echo
# train switched off (--role N=other) to see the whole-run difference. Figures from a busy machine are upper bounds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
first="${2:-201}"
count="${3:-8}"
myoscope="$build/apps/myoscope/myoscope"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
vendors=(siemens philips ge)
scenarios=(healthy imnm ibm dm)

echo "Water T2 on generated studies: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for ((n = 0; n < count; ++n)); do
  seed=$((first + n))
  vendor=${vendors[$((n % 3))]}
  scenario=${scenarios[$((n % 4))]}
  study="$work/s$seed"
  "$myoscope" -q phantom -o "$study" --vendor "$vendor" --scenario "$scenario" --seed "$seed" --t2-multi-echo >/dev/null
  for model in biexp mono; do
    extra=()
    [ "$model" = mono ] && extra=(--water-t2-mono)
    start=$(date +%s.%N)
    "$myoscope" -q analyze "$study/dicom" -o "$study/$model" --no-figures --no-dicom --no-report-documents "${extra[@]}" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc >"$study/$model.wall"
    "$myoscope" -q evaluate "$study/$model" "$study" --json "$study/$model.eval.json" >/dev/null
  done
  if [ "$vendor" = siemens ] && [ ! -e "$work/timed" ]; then
    touch "$work/timed"
    number=$(/usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print([s['series_number'] for s in r['series'] if s['role']=='t2_multi_echo'][0])" "$study/biexp/report.json")
    start=$(date +%s.%N)
    "$myoscope" -q analyze "$study/dicom" -o "$study/none" --no-figures --no-dicom --no-report-documents --role "$number=other" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc >"$study/none.wall"
  fi
done

/usr/bin/python3 - "$work" "$first" "$count" <<'EOF'
import json, sys, os, statistics as st
work, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
vendors, scenarios = ['siemens', 'philips', 'ge'], ['healthy', 'imnm', 'ibm', 'dm']
rows = {'biexp': {'lean': [], 'fatty': []}, 'mono': {'lean': [], 'fatty': []}}
print(f"{'study':<26} {'model':<6} {'MAE ms':>7} {'bias ms':>8} {'max |err|':>9} {'fatty MAE':>9} {'fit s':>6} {'load s':>6} {'wall s':>6}")
for n in range(count):
    seed = first + n
    d = os.path.join(work, f"s{seed}")
    truth = {(g['group'], g['side']): g for g in json.load(open(os.path.join(d, 'truth', 'truth.json')))['groups']}
    for model in ('biexp', 'mono'):
        ev = json.load(open(os.path.join(d, f"{model}.eval.json")))
        rep = json.load(open(os.path.join(d, model, 'report.json')))
        errs, fatty = [], []
        for g in ev['groups']:
            if g['water_t2_error_ms'] is None: continue
            e = g['water_t2_error_ms']
            errs.append(e)
            kind = 'fatty' if truth[(g['group'], g['side'])]['fat_fraction_pct'] >= 10 else 'lean'
            rows[model][kind].append(e)
            if kind == 'fatty': fatty.append(abs(e))
        wall = float(open(os.path.join(d, f"{model}.wall")).read())
        ss = rep['provenance']['stage_seconds']
        print(f"{vendors[n % 3] + '/' + scenarios[n % 4] + '/' + str(seed):<26} {model:<6} {st.mean(map(abs, errs)):7.2f} "
              f"{st.mean(errs):+8.2f} {max(map(abs, errs)):9.2f} {(st.mean(fatty) if fatty else float('nan')):9.2f} "
              f"{ss.get('water_t2', float('nan')):6.2f} {ss.get('load', float('nan')):6.2f} {wall:6.1f}")
    none = os.path.join(d, 'none.wall')
    if os.path.exists(none):
        rep = json.load(open(os.path.join(d, 'none', 'report.json')))
        print(f"{'  same study, echoes off':<26} {'-':<6} {'':>7} {'':>8} {'':>9} {'':>9} {'':>6} "
              f"{rep['provenance']['stage_seconds'].get('load', float('nan')):6.2f} {float(open(none).read()):6.1f}")
print()
for model in ('biexp', 'mono'):
    for kind in ('lean', 'fatty'):
        e = rows[model][kind]
        if e:
            print(f"{model:<6} groups with {'<' if kind == 'lean' else '>='}10 % fat: n {len(e):3d}  MAE {st.mean(map(abs, e)):5.2f} ms  "
                  f"bias {st.mean(e):+5.2f} ms  max |err| {max(map(abs, e)):5.2f} ms")
EOF
