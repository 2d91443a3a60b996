#!/usr/bin/env bash
# Throughput of `myoscope batch` and latency of `myoscope serve`, printed as figures (a benchmark, not a test).
# Usage: bash testing/benchmarks/bench_batch.sh [build-dir] [studies]
#   studies: how many standard studies (phantom, vendor siemens, seeds 1..N, figures on) the batch analyses (default 4)
# 1. Studies per hour for --jobs 1 and --jobs 2, and the scaling factor. --jobs 2 is run twice: with each analysis
#    free to use every core (ITK and our own thread pools size themselves by the core count), and with ITK limited to
#    cores/jobs threads per worker (ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS, which `batch` itself does not set).
# 2. Serve latency: a standard study is sent to `myoscope serve` with storescu; the time from the last C-STORE
#    response (storescu's release) to the results being stored in a real PACS (Orthanc on loopback, polled through its
#    REST API). It includes the node's quiet period (--quiet-seconds, printed), which a site chooses.
# Needs: xvfb-run (figures), dcmtk (storescu), orthanc and curl for part 2 (skipped without them).
# On a shared machine the kernel shares the CPU between sessions (sched_autogroup): a batch then gets its session's
# share whatever --jobs is, and "cores used" (CPU time / wall time) shows it. Scaling is only visible on an idle machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build}"
studies="${2:-4}"
quiet=5
myoscope="$build/apps/myoscope/myoscope"
[ -x "$myoscope" ] || { echo "build myoscope first: $myoscope" >&2; exit 2; }
work="$(mktemp -d /tmp/myo-bench-batch-XXXXXX)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done  # the node finishes its analysis
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
display=()
[ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null && display=(xvfb-run -a)
now() { date +%s.%N; }
export TCP_NODELAY=1  # DCMTK's storescu leaves Nagle's algorithm on otherwise (~40 ms per instance)

cores=$(nproc)
echo "MyoScope batch and serve benchmark ($cores cores, $(date -u +%Y-%m-%dT%H:%MZ), $(uptime | sed 's/.*load/load/'))"
echo "(the load average is printed with each figure: other work on the machine makes the figures worse and hides"
echo " the scaling; CPU s/study is the analysis's own cost, which load changes little)"
start=$(now)
for seed in $(seq 1 "$studies"); do
  "$myoscope" phantom -q -o "$work/root/study$seed" --seed "$seed" >/dev/null
done
files=$(find "$work/root" -path '*/dicom/*' -type f | wc -l)
printf "generated %d standard studies (%d files, %s) in %.1f s\n" "$studies" "$files" \
  "$(du -sh "$work/root" | cut -f1)" "$(echo "$(now) - $start" | bc)"

load() { cut -d' ' -f1 /proc/loadavg; }
run_batch() {  # run_batch LABEL JOBS [env assignments...]: prints seconds, studies/hour; sets last_seconds
  local label="$1" jobs="$2"; shift 2
  local out="$work/out-$label"
  local rc=0 load_before wall user sys
  load_before=$(load)
  # GNU time: wall time, and CPU time of the batch and the workers it waited for.
  /usr/bin/time -f "%e %U %S" -o "$work/$label.time" env "$@" "${display[@]}" "$myoscope" batch "$work/root" \
    -o "$out" --jobs "$jobs" --no-progress >/dev/null 2>"$work/$label.log" || rc=$?
  [ "$rc" -eq 0 ] || { echo "batch $label failed (exit $rc):"; tail -n 5 "$work/$label.log"; exit 1; }
  read -r wall user sys <"$work/$label.time"
  last_seconds=$wall
  local per_study
  per_study=$(python3 -c "import json,glob; s=[json.load(open(f))['seconds'] for f in glob.glob('$out/studies/*/batch.json')]; print(f'{sum(s)/len(s):.1f}')")
  printf "%-26s %6.1f s %6.1f studies/h | worker %5s s/study | CPU %5.1f s/study | cores used %4.2f | load %s -> %s\n" \
    "batch --jobs $jobs ($label)" "$wall" "$(echo "$studies * 3600 / $wall" | bc -l)" "$per_study" \
    "$(echo "($user + $sys) / $studies" | bc -l)" "$(echo "($user + $sys) / $wall" | bc -l)" "$load_before" "$(load)"
}

# What this session can get at all: two busy processes get twice the CPU of one only when the machine has room.
share() {  # share N: cores obtained by N busy processes for 3 s
  python3 - "$1" <<'PY'
import os, sys, time, resource
pids = []
for _ in range(int(sys.argv[1])):
    pid = os.fork()
    if pid == 0:
        end = time.time() + 3
        while time.time() < end:
            pass
        os._exit(0)
    pids.append(pid)
for p in pids:
    os.waitpid(p, 0)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{(r.ru_utime + r.ru_stime) / 3:.2f}")
PY
}
echo "CPU this session gets now: 1 busy process $(share 1) cores, 2 busy processes $(share 2) cores"
[ "$studies" -ge 2 ] || echo "(one study: --jobs 2 has nothing to run in parallel; the scaling below is noise)"
run_batch j1 1
t1=$last_seconds
run_batch j2 2
t2=$last_seconds
run_batch j2-itk$((cores / 2 > 0 ? cores / 2 : 1)) 2 ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS=$((cores / 2 > 0 ? cores / 2 : 1))
t2b=$last_seconds
printf "scaling --jobs 2 / --jobs 1: %.2fx (all threads per worker), %.2fx (ITK %d thread(s) per worker)\n" \
  "$(echo "$t1 / $t2" | bc -l)" "$(echo "$t1 / $t2b" | bc -l)" "$((cores / 2 > 0 ? cores / 2 : 1))"

# ---- 2. serve latency into Orthanc
if ! command -v Orthanc >/dev/null && [ ! -x /usr/sbin/Orthanc ] || ! command -v curl >/dev/null ||
  ! command -v storescu >/dev/null; then
  echo "serve latency: skipped (needs orthanc, curl and dcmtk)"
  exit 0
fi
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
http_port=$(port); dicom_port=$(port); node_port=$(port)
cat >"$work/orthanc.json" <<EOF
{"Name": "MyoScopeBench", "StorageDirectory": "$work/orthanc-db", "IndexDirectory": "$work/orthanc-db",
 "Plugins": [], "HttpServerEnabled": true, "HttpPort": $http_port, "RemoteAccessAllowed": false,
 "AuthenticationEnabled": false, "DicomServerEnabled": true, "DicomAet": "ORTHANC", "DicomPort": $dicom_port,
 "DicomCheckCalledAet": true, "DicomAlwaysAllowStore": true}
EOF
/usr/sbin/Orthanc "$work/orthanc.json" >"$work/orthanc.log" 2>&1 &
pids+=($!)
http="http://127.0.0.1:$http_port"
for _ in $(seq 100); do curl -sf "$http/system" >/dev/null && break; sleep 0.2; done
# The node's own pid is recorded (exec keeps it) so that cleanup stops the node, not only the xvfb-run around it.
"${display[@]}" bash -c 'echo $$ >"$0"; exec "$@"' "$work/serve.pid" "$myoscope" serve --port "$node_port" \
  --ae-title MYONODE --allow-calling BENCH --spool "$work/spool" -o "$work/serve-out" --quiet-seconds "$quiet" \
  --destination "ORTHANC@127.0.0.1:$dicom_port" --run-seconds 900 >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/serve.pid" ] && break; sleep 0.1; done
pids=("$(cat "$work/serve.pid")" "${pids[@]}")
for _ in $(seq 100); do echoscu -aet BENCH -aec MYONODE 127.0.0.1 "$node_port" 2>/dev/null && break; sleep 0.2; done
study="$work/root/study1/dicom"
t0=$(now)
storescu -aet BENCH -aec MYONODE +sd +r 127.0.0.1 "$node_port" "$study"
t_sent=$(now)
expected=""
arrived=0
for _ in $(seq 3000); do  # 10 minutes at most
  if [ -z "$expected" ] && ls "$work"/serve-out/*/serve.json >/dev/null 2>&1; then
    expected=$(python3 -c "import json,glob; print(json.load(open(glob.glob('$work/serve-out/*/serve.json')[0])).get('sent', 0))")
  fi
  arrived=$(curl -sf "$http/statistics" | python3 -c 'import json,sys; print(json.load(sys.stdin)["CountInstances"])')
  [ -n "$expected" ] && [ "$arrived" -ge "$expected" ] && [ "$expected" -gt 0 ] && break
  sleep 0.2
done
t_done=$(now)
[ -n "$expected" ] && [ "$arrived" -ge "$expected" ] || { echo "results never reached Orthanc"; tail "$work/serve.log"; exit 1; }
modalities=$(curl -sf "$http/series?expand" | python3 -c 'import json,sys; print(" ".join(sorted(s["MainDicomTags"].get("Modality","?") for s in json.load(sys.stdin))))')
printf "load average during the serve measurement: %s\n" "$(load)"
printf "serve: study received (%d instances) in %.1f s\n" "$(find "$study" -type f | wc -l)" "$(echo "$t_sent - $t0" | bc)"
printf "serve latency, last C-STORE response -> %d result objects in Orthanc (%s): %.1f s (of which quiet period %d s)\n" \
  "$arrived" "$modalities" "$(echo "$t_done - $t_sent" | bc)" "$quiet"
