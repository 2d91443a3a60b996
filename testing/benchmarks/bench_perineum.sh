#!/usr/bin/env bash
# Perineum landmark and segmentation when the thighs touch: for each seed, the same generated study with and without
# `--touching-thighs` (the generator's only difference is the contact between the thighs: muscles, bones and truth
# are the same), analysed and evaluated. Prints the perineum (crotch) level in the body frame (LPS z minus the
# generator's table offset, so studies of different seeds compare) and its shift when the thighs touch, and the
# mean/min Dice of both.
# Usage: bash testing/benchmarks/bench_perineum.sh [build-dir] SEED...   (e.g. 600 601 602; not the evaluation seeds)
# Method: `myoscope phantom -o DIR --seed N [--touching-thighs]`, `myoscope -v analyze DIR/dicom -o OUT --no-figures
# --no-dicom --no-report-documents --no-maps` (the crotch level is the segmentation's debug line), `myoscope
# evaluate OUT DIR/truth`. MYO_ANALYZE=path/to/myoscope analyses with another build (e.g. one without a landmark
# change) while this build generates the studies.
# Measured (seeds 601 602 604 607 608; subcutaneous fat 10/5/25/20/12 mm): with thighs touching the perineum moved
# 0.0 mm on every seed (before the contact-aware landmark: -9.0 mm on the obese seed 604, 0 on the others); plain
# studies give the same perineum and labels as before. Mean Dice plain -> touching: 604 0.913 -> 0.906 (0.873
# before), 607 0.910 -> 0.906, 602 0.914 -> 0.906, 601 0.917 -> 0.911, 608 0.912 -> 0.908; the worst group drops
# (gracilis, beside the contact: 604 0.854 -> 0.754, 602 0.724 -> 0.605).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
shift || true
myoscope="$build/apps/myoscope/myoscope"
analyzer="${MYO_ANALYZE:-$myoscope}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf "%-6s %-7s | %-28s | %-28s | %s\n" seed fat_mm "crotch body z: plain" "touching (shift)" "Dice mean/min: plain | touching"
for seed in "$@"; do
  line=()
  for variant in plain touching; do
    flags=()
    [ "$variant" = touching ] && flags=(--touching-thighs)
    study="$work/$seed-$variant"
    "$myoscope" -q phantom -o "$study" --seed "$seed" "${flags[@]}" >/dev/null
    "$analyzer" -v analyze "$study/dicom" -o "$study/out" --no-figures --no-dicom --no-report-documents --no-maps \
      >"$study/analyze.log" 2>&1
    crotch=$(sed -n 's/.*crotch z \([-0-9.]*\) mm.*/\1/p' "$study/analyze.log" | head -1)
    read -r fat offset_z < <(python3 -c "import json,sys; b=json.load(open(sys.argv[1]))['body']; \
print(round(b['subcutaneous_fat_mm'],1), b['table_offset_mm'][2])" "$study/truth/truth.json")
    body_z=$(python3 -c "print(round($crotch - ($offset_z), 1))")
    dice=$("$myoscope" evaluate "$study/out" "$study/truth" | sed -n 's/.*mean Dice \([0-9.]*\) | min Dice \([0-9.]*\).*/\1\/\2/p')
    line+=("$body_z" "$dice")
    rm -rf "$study"
  done
  shift_mm=$(python3 -c "print(round(${line[2]} - (${line[0]}), 1))")
  printf "%-6s %-7s | %-28s | %-28s | %s | %s\n" "$seed" "$fat" "${line[0]}" "${line[2]} ($shift_mm)" "${line[1]}" "${line[3]}"
done
