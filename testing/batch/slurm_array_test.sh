#!/usr/bin/env bash
# The documented Slurm recipe (cmake/slurm/submit.sh: an array of `batch --shard I/N` tasks, then the merge job) on a
# real one-node Slurm cluster started on loopback by this test, compared with a single-machine batch of the same
# cohort: same studies, same cohort.csv, no duplicates in cohort.sqlite.
#
# Usage: slurm_array_test.sh MYOSCOPE SLURM_SCRIPTS_DIR
# Exit 77 (ctest: skipped) with the reason when Slurm or munge is not installed (Debian: slurm-wlm munge, installed
# by cmake/setup-debian.sh). Everything lives in a private temporary folder: munged with its own key and socket,
# slurmctld and slurmd in the foreground (-D) with their own state, spool, ports and logs; each daemon is stopped by
# its pid at the end, whatever happens. MYO_KEEP_TEST_OUTPUT=1 keeps the folder.
set -euo pipefail
exe=$(realpath "$1")
scripts=$(realpath "$2")

for tool in munged mungekey slurmctld slurmd sbatch squeue scontrol sinfo sqlite3 python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool not installed (Debian packages slurm-wlm munge sqlite3; cmake/setup-debian.sh installs them)"
    exit 77
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  # slurmd must start jobs as their submitting user; without root it can only do so for itself, which Slurm refuses.
  echo "SKIP: a private Slurm cluster needs root (slurmd runs the jobs)"
  exit 77
fi

dir=$(mktemp -d /tmp/myo-slurm-XXXXXX)
chmod 755 "$dir"  # munged wants its socket folder searchable by all
pids=()
failed=1
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$failed" -ne 0 ]; then
    for f in "$dir"/slurmctld.log "$dir"/slurmd.log "$dir"/out/*.log "$dir"/out/shard-*/logs/*.log; do
      [ -f "$f" ] && { echo "---- $f"; tail -n 30 "$f"; }
    done
    echo "test folder kept: $dir"
  elif [ -z "${MYO_KEEP_TEST_OUTPUT:-}" ]; then
    rm -rf "$dir"
  fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# 1. A small cohort: three generated studies (3 mm Dixon voxels keep them quick).
for seed in 31 32 33; do
  "$exe" phantom -q --seed "$seed" --dixon-voxel-mm 3 -o "$dir/root/study$seed" >/dev/null
done

# 2. munge with a private key and socket.
mungekey -c -k "$dir/munge.key"
munged -F -f --key-file="$dir/munge.key" --socket="$dir/munge.sock" --pid-file="$dir/munged.pid" \
  --log-file="$dir/munged.log" --seed-file="$dir/munged.seed" >"$dir/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$dir/munge.sock" ] && break; sleep 0.1; done
[ -S "$dir/munge.sock" ] || fail "munged did not start: $(cat "$dir/munged.out")"

# 3. One node, two CPUs, on loopback.
ctld_port=$(free_port)
slurmd_port=$(free_port)
[ "$ctld_port" != "$slurmd_port" ] || slurmd_port=$(free_port)
mkdir -p "$dir/state" "$dir/spool" "$dir/out"
cat >"$dir/slurm.conf" <<EOF
ClusterName=myoscopetest
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge.sock
CredType=cred/munge
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 RealMemory=4000 State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" >"$dir/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$dir/slurmd.out" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 150); do
  if sinfo -h -o '%T' 2>/dev/null | grep -q '^idle'; then up=1; break; fi
  sleep 0.2
done
[ "$up" -eq 1 ] || fail "the Slurm node did not come up: $(sinfo 2>&1; tail -n 5 "$dir/slurmctld.out" "$dir/slurmd.out")"

# 4. The documented recipe: submit.sh queues 2 array tasks and the merge after them. The node has 2 CPUs and 4 GB, so
#    the script's defaults (4 CPUs, 3 GB per CPU) are overridden on the command line, as a user would.
out="$dir/out"
submitted=$(MYOSCOPE="$exe" MYO_FIGURES=0 bash "$scripts/submit.sh" "$dir/root" "$out" 2 \
  --cpus-per-task=1 --mem-per-cpu=1G --time=10)
echo "$submitted"
array=$(sed -n 's/^array job \([0-9]*\).*/\1/p' <<<"$submitted")
merge=$(sed -n 's/.*merge job \([0-9]*\).*/\1/p' <<<"$submitted")
[ -n "$array" ] && [ -n "$merge" ] || fail "submit.sh did not report its jobs: $submitted"
for _ in $(seq 450); do  # 90 s at most
  [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
  sleep 0.2
done
[ -z "$(squeue -h -o %i)" ] || fail "jobs still queued or running after 90 s: $(squeue)"
for job in "${array}_0" "${array}_1" "$merge"; do
  state=$(scontrol -o show job "$job" | sed -n 's/.*JobState=\([A-Z_]*\).*ExitCode=\([0-9:]*\).*/\1 \2/p')
  [ "$state" = "COMPLETED 0:0" ] || fail "job $job ended as '$state'"
done

# 5. The shards are disjoint and cover the cohort.
shard_studies=$(for s in "$out"/shard-*/studies/*/batch.json; do grep -q '"done"' "$s" && dirname "$s"; done |
  xargs -n1 basename | sort)
[ "$(wc -l <<<"$shard_studies")" -eq 3 ] || fail "shards hold $(wc -l <<<"$shard_studies") done studies, not 3"
[ -z "$(uniq -d <<<"$shard_studies")" ] || fail "a study was analysed in two shards"
for s in "$out"/shard-*; do echo "$(basename "$s"): $(find "$s/studies" -name batch.json | wc -l) studies"; done

# 6. The same cohort on one machine, and the comparison.
"$exe" batch "$dir/root" -o "$dir/single" --jobs 2 --no-figures --no-progress >/dev/null 2>"$dir/single.log" ||
  fail "single-machine batch failed: $(tail -n 5 "$dir/single.log")"
merged="$out/merged"
[ -f "$merged/cohort.csv" ] || fail "the merge job wrote no cohort.csv"
diff <(sort "$dir/single/cohort.csv") <(sort "$merged/cohort.csv") >"$dir/cohort.diff" ||
  fail "merged cohort.csv differs from the single-machine one: $(head -n 5 "$dir/cohort.diff")"
q() { sqlite3 -batch -noheader "$1" "$2"; }
for sql in "SELECT study_uid FROM studies WHERE status = 'done' ORDER BY 1" \
  "SELECT COUNT(*) FROM measurements" "SELECT COUNT(*) FROM series"; do
  [ "$(q "$dir/single/cohort.sqlite" "$sql")" = "$(q "$merged/cohort.sqlite" "$sql")" ] ||
    fail "cohort.sqlite differs from the single-machine one for: $sql"
done
[ "$(q "$merged/cohort.sqlite" "SELECT COUNT(*) FROM studies WHERE status = 'done'")" -eq 3 ] ||
  fail "merged database does not hold 3 done studies"
dups=$(q "$merged/cohort.sqlite" "SELECT COUNT(*) FROM (SELECT 1 FROM measurements
  GROUP BY study_uid, group_name, side, level HAVING COUNT(*) > 1)")
[ "$dups" -eq 0 ] || fail "$dups duplicated measurement rows in the merged database"
[ "$(q "$merged/cohort.sqlite" "SELECT COUNT(*) FROM runs")" -eq 2 ] || fail "merged runs table is not one row per shard"

failed=0
echo "PASS: 2 Slurm array tasks + merge = single-machine cohort (3 studies)"
