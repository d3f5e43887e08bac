#!/usr/bin/env bash
# SLURM job-array test (CI): start a real single-node SLURM cluster (munge, slurmctld, slurmd,
# installed from Debian packages and started by ci/slurm-local-cluster.sh; needs root), run a tiny
# sweep locally, generate the sbatch script with `ketasim sweep --slurm 3`, submit it (a job array
# of 3 shards plus a merge job with --dependency=afterok), wait (bounded), and compare the merged
# summary.csv and points.csv with the local sweep's byte for byte.
#
#   bash ci/slurm-test.sh
#
# Env: SLURM_TEST_TIMEOUT (seconds to wait for the jobs, default 300), CARGO_TARGET_DIR.
# Stops only the daemons it started (by PID, via `slurm-local-cluster.sh down`).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
T0=$(date +%s)
log() { printf '[slurm-test %4ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
fail() { log "FAILED: $*"; exit 1; }

log "building the release binary"
cargo build --release
target=${CARGO_TARGET_DIR:-$repo/target}
case "$target" in /*) ;; *) target=$repo/$target ;; esac
bin=$target/release/ketasim
[ -x "$bin" ] || fail "no binary at $bin"

work=$(mktemp -d "${TMPDIR:-/tmp}/ketasim-slurm-test.XXXXXX")
export SLURM_CI_DIR=$work/cluster
export SLURM_CONF=$SLURM_CI_DIR/etc/slurm.conf
array_job="" merge_job=""

show_logs() {
    for f in "$work"/out.shards/*.out; do
        [ -f "$f" ] && { echo "----- $f"; tail -n 20 "$f"; }
    done
    [ -n "$array_job" ] && scontrol -o show job "$array_job" 2>/dev/null | cut -c1-300 || true
    [ -n "$merge_job" ] && scontrol -o show job "$merge_job" 2>/dev/null | cut -c1-300 || true
    return 0
}
cleanup() {
    local rc=$?
    [ "$rc" -eq 0 ] || show_logs
    bash ci/slurm-local-cluster.sh down || true
    if [ "$rc" -eq 0 ]; then rm -rf "$work"; else log "kept $work for inspection"; fi
    log "total $(($(date +%s) - T0)) s (exit $rc)"
    exit "$rc"
}
trap cleanup EXIT

log "starting a single-node SLURM cluster in $SLURM_CI_DIR"
bash ci/slurm-local-cluster.sh up
log "cluster up"

cat > "$work/tiny.toml" <<'SWEEP'
base = "iv-infusion"
replicates = 3
seed = 11

[set]
"circuit.pyramidal_neurons" = 10
"circuit.interneurons" = 5

[grid]
"duration_h" = [2.0]
"dose.0.mg_per_kg" = [0.1, 0.5]
"dose.0.over_min" = [20.0, 40.0]
SWEEP

log "local sweep"
"$bin" sweep "$work/tiny.toml" --out "$work/local" --quiet >/dev/null

log "generating the sbatch script (3 shards)"
"$bin" sweep "$work/tiny.toml" --slurm 3 --out "$work/out" --slurm-script "$work/submit.sh" --quiet >/dev/null
submitted=$(bash "$work/submit.sh")
echo "$submitted"
array_job=$(sed -n 's/^array job: \([0-9][0-9]*\).*/\1/p' <<<"$submitted")
merge_job=$(sed -n 's/^merge job: \([0-9][0-9]*\).*/\1/p' <<<"$submitted")
[ -n "$array_job" ] && [ -n "$merge_job" ] || fail "could not read the job ids from the submit script's output"

timeout=${SLURM_TEST_TIMEOUT:-300}
log "waiting for array job $array_job and merge job $merge_job (at most $timeout s)"
deadline=$(($(date +%s) + timeout))
while [ -n "$(squeue -h -j "$array_job,$merge_job" -o %i 2>/dev/null)" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { scancel "$array_job" "$merge_job" 2>/dev/null || true; fail "jobs still queued or running after $timeout s"; }
    sleep 1
done
log "jobs left the queue"

state() { scontrol -o show job "$1" | grep -o 'JobState=[A-Z_]*' | sort | uniq -c | tr '\n' ' '; }
log "array job states: $(state "$array_job")"
log "merge job state:  $(state "$merge_job")"
[ "$(scontrol -o show job "$merge_job" | grep -c 'JobState=COMPLETED')" -eq 1 ] || fail "the merge job did not complete"
[ "$(scontrol -o show job "$array_job" | grep -c 'JobState=COMPLETED')" -eq 3 ] || fail "not all 3 array tasks completed"

[ -f "$work/out/summary.csv" ] || fail "no merged summary.csv"
cmp "$work/local/summary.csv" "$work/out/summary.csv" || fail "merged summary.csv differs from the local sweep's"
cmp "$work/local/points.csv" "$work/out/points.csv" || fail "merged points.csv differs from the local sweep's"
[ "$(ls "$work/out/runs" | wc -l)" -eq 12 ] || fail "expected 12 run directories in the merged output"
log "PASSED: merged summary.csv and points.csv ($(($(wc -l <"$work/out/summary.csv") - 1)) runs) equal the local sweep's byte for byte"
