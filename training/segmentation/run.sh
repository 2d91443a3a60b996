#!/usr/bin/env bash
# Runs train.py to the end in processes of 500 iterations each: a long-lived PyTorch process on this CPU slowed
# from 1.3 to 5 s per iteration within a few thousand iterations (memory fragmentation: page faults in the profile),
# and resuming is exact (iteration i's samples depend only on the seed and i), so a fresh process every 500
# iterations costs a few seconds of loading and keeps the speed.
# Usage: bash run.sh --run RUN --iterations N [other train.py arguments]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run="" iterations=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --run) run="${args[i + 1]}" ;;
    --iterations) iterations="${args[i + 1]}" ;;
  esac
done
[ -n "$run" ] && [ -n "$iterations" ] || { echo "usage: run.sh --run RUN --iterations N [...]" >&2; exit 2; }
done_iterations() {
  /usr/bin/python3 -c "import sys, torch; print(torch.load(sys.argv[1])['iteration'])" "$run/checkpoint.pt" 2>/dev/null || echo 0
}
while [ "$(done_iterations)" -lt "$iterations" ]; do
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$here/train.py" "$@" --stop-after 500
done
