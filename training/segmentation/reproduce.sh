#!/usr/bin/env bash
# Trains the muscle model from nothing, as the shipped data/muscle_model.bin was made, and measures it.
# Usage: bash training/segmentation/reproduce.sh WORK_DIR [ITERATIONS]
# Needs the real label maps in ../shared/data (see MODEL_CARD.md) and Debian's python3-torch; about 3 hours on two
# cores for the 7500 iterations of the shipped model. Interrupt it whenever: rerun the same command and training
# resumes from its checkpoint.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${1:?usage: reproduce.sh WORK_DIR [ITERATIONS]}"
iterations="${2:-7500}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
for p in python3-torch python3-numpy python3-scipy python3-nibabel python3-pil; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
bash "$root/cmake/build.sh"
myoscope="$root/build/apps/myoscope/myoscope"
py=/usr/bin/python3  # Debian's, where python3-torch lives
cd "$here"
[ -f "$work/real_maps.npz" ] || $py sources.py "$work/real_maps.npz"
[ -f "$work/generator_bank.npz" ] || $py generator_bank.py "$myoscope" 6001 30 "$work/generator_bank.npz"
bash run.sh --run "$work/run" --cache "$work" --iterations "$iterations"
$py export.py --weights "$work/run/weights_$iterations.pt" --run "$work/run" -o "$work/muscle_model.bin"
[ -f "$work/testsets/index.json" ] || $py testsets.py "$work/testsets" --cache "$work"
$py evaluate.py --myoscope "$myoscope" --testsets "$work/testsets" --work "$work/evaluation" \
  --model "$work/muscle_model.bin" --generator -o "$work/figures.json"
echo "model: $work/muscle_model.bin; figures: $work/figures.json (compare with MODEL_CARD.md)"
