#!/usr/bin/env bash
# Usage: cmake/slurm/submit.sh ROOT OUT SHARDS [extra sbatch options...]
# Queues SHARDS array tasks (myoscope-array.sbatch) and the merge (myoscope-merge.sbatch) that runs after them all.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 ROOT OUT SHARDS [sbatch options...]" >&2; exit 2; }
root=$(realpath "$1"); out=$(realpath -m "$2"); shards=$3; shift 3
here=$(dirname "$(realpath "$0")")
mkdir -p "$out"
array=$(sbatch --parsable --array=0-$((shards - 1)) --chdir="$out" \
  --export=ALL,MYO_ROOT="$root",MYO_OUT="$out" "$@" "$here/myoscope-array.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterany:"$array" --chdir="$out" --export=ALL,MYO_OUT="$out" \
  "$here/myoscope-merge.sbatch")
echo "array job $array ($shards shards), merge job ${merge%%;*}; results in $out/merged"
