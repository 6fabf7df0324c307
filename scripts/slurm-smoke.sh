#!/usr/bin/env bash
# Smoke test of the local Slurm cluster (scripts/slurm-local.sh) with the features the Slurm sweep
# runner relies on (issue 12, section 3). Runs in about a minute:
#   start -> sbatch --array=0-3%2 (task 1 waits for --signal=B:USR2, requeues itself with
#   `scontrol requeue ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}` and exits; task 2 exits 3)
#   -> checks -> `scontrol requeue <job>_0` from outside -> checks -> stop.
# Checks: every task ran; at most 2 at once; USR2 reached the batch shell before the time limit;
# the requeued tasks ran again with SLURM_RESTART_COUNT=1; task 2 is FAILED (ExitCode=3:0) in
# `scontrol show job` and in `squeue --json`; nothing of the cluster runs after stop.
# Exits 0 with a line starting "SKIP slurm-smoke:" when Slurm is not installed or cannot be
# started here (SLURM_SMOKE_REQUIRE=1 turns the latter into a failure), non-zero on a failed check.
# Usage: scripts/slurm-smoke.sh [DIR]   (default: a new temporary directory, removed on success)
set -euo pipefail
cd "$(dirname "$0")/.."
LOCAL=$PWD/scripts/slurm-local.sh
DIR=${1:-$(mktemp -d /tmp/slurm-smoke.XXXXXX)}
mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd -P)
OUT=$DIR/out
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

set +e
"$LOCAL" start "$DIR"
rc=$?
set -e
[ $# -ge 1 ] || [ $rc = 0 ] || rm -rf "$DIR"   # our own temporary directory: nothing to keep on a skip
if [ $rc = 77 ]; then
    echo "SKIP slurm-smoke: Slurm/munge not installed or not root (see above; scripts/setup.sh installs them)"
    exit 0
elif [ $rc != 0 ]; then
    [ ! -d "$DIR" ] || "$LOCAL" stop "$DIR" >/dev/null 2>&1 || true
    if [ "${SLURM_SMOKE_REQUIRE:-0}" = 1 ]; then echo "FAIL: slurm could not be started (logs above)" >&2; exit 1; fi
    echo "SKIP slurm-smoke: slurm is installed but could not be started here (logs above)"
    exit 0
fi
trap '"$LOCAL" stop "$DIR"' EXIT
eval "$("$LOCAL" env "$DIR")"
T0=$(date +%s)

rm -rf "$OUT"; mkdir -p "$OUT"
cat >"$DIR/task.sh" <<EOF
#!/bin/bash
#SBATCH --job-name=smoke
#SBATCH --output=$OUT/%A_%a.out
#SBATCH --open-mode=append
#SBATCH --time=1
#SBATCH --signal=B:USR2@55
OUT=$OUT
EOF
cat >>"$DIR/task.sh" <<'EOF'
t=$SLURM_ARRAY_TASK_ID r=${SLURM_RESTART_COUNT:-0} start=$(date +%s.%N)
echo "$t $r $SLURM_JOB_ID" >>"$OUT/ran.$t"
finish() { echo "$t $r $start $(date +%s.%N)" >>"$OUT/intervals"; }
case $t:$r in
1:0)
    # Wait for the warning signal; bash runs a trap only between commands, so wait on a
    # background sleep instead of sleeping in the foreground.
    on_usr2() {
        echo "usr2 $(( $(date +%s) - ${start%.*} ))" >>"$OUT/signal.$t"
        finish
        scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}" >>"$OUT/signal.$t" 2>&1
        exit 0
    }
    trap on_usr2 USR2
    while true; do sleep 1 & wait $!; done ;;
2:*) sleep 1; finish; exit 3 ;;
*) sleep 2; finish; exit 0 ;;
esac
EOF

JOB=$(sbatch --parsable --array=0-3%2 "$DIR/task.sh")
JOB=${JOB%%;*}
echo "submitted array job $JOB"

# Wait until nothing of the array is pending or running (the requeued task 1 comes back).
wait_done() { # seconds
    local end=$((SECONDS + $1)) s
    while [ $SECONDS -lt $end ]; do
        s=$(squeue -h -j "$JOB" -t PD,R,CG,CF,RQ,RS,S -o '%i %T %r' 2>/dev/null || true)
        [ -z "$s" ] && return 0
        sleep 1
    done
    echo "still queued after $1 s: $s" >&2; return 1
}
wait_done 150 || fail "array job $JOB did not finish"
echo "array finished after $(( $(date +%s) - T0 )) s"

for t in 0 1 2 3; do [ -s "$OUT/ran.$t" ] || fail "task $t never ran"; done
for t in 0 2 3; do
    n=$(wc -l <"$OUT/ran.$t" 2>/dev/null || echo 0)
    [ "$n" = 1 ] || fail "task $t ran $n times, expected once"
done
if [ "$(cut -d' ' -f2 "$OUT/ran.1" 2>/dev/null | tr '\n' ' ')" = "0 1 " ]; then
    ok "task 1 ran twice, SLURM_RESTART_COUNT unset then 1"
else
    fail "task 1 runs (task restart_count job): $(tr '\n' ';' <"$OUT/ran.1" 2>/dev/null)"
fi
if grep -q '^usr2 ' "$OUT/signal.1" 2>/dev/null; then
    s=$(awk '/^usr2/ { print $2 }' "$OUT/signal.1")
    if [ "$s" -lt 60 ]; then ok "USR2 reached the batch shell ${s} s after start (--time=1, @55)"; else fail "USR2 came at ${s} s, after the limit"; fi
else
    fail "task 1 never got USR2"
fi
grep -qi 'error' "$OUT/signal.1" 2>/dev/null && fail "scontrol requeue inside the job: $(cat "$OUT/signal.1")"

# At most 2 tasks at once (throttle %2): sweep the recorded [start, end] intervals.
max=$(awk '{ print $3, 1; print $4, -1 }' "$OUT/intervals" | sort -k1,1g -k2,2n | awk '{ c += $2; if (c > m) m = c } END { print m + 0 }')
if [ "$max" -le 2 ]; then ok "at most $max tasks ran at once (throttle 2)"; else fail "$max tasks ran at once with throttle 2"; fi

st=$(scontrol show job "${JOB}_2" | tr ' ' '\n' | grep -E '^(JobState|ExitCode)=' | tr '\n' ' ')
if [ "$st" = "JobState=FAILED ExitCode=3:0 " ]; then ok "task 2: $st"; else fail "task 2 in scontrol show job: $st"; fi
for t in 0 1 3; do
    st=$(scontrol show job "${JOB}_$t" | tr ' ' '\n' | grep -E '^JobState=' || true)
    [ "$st" = JobState=COMPLETED ] || fail "task $t: $st, expected COMPLETED"
done
r=$(scontrol show job "${JOB}_1" | tr ' ' '\n' | grep '^Restarts=' || true)
[ "$r" = Restarts=1 ] || fail "task 1: $r, expected Restarts=1"

if command -v python3 >/dev/null && squeue --json >"$DIR/squeue.json" 2>/dev/null; then
    # squeue --json (Slurm 22.05) ignores -j/-t and lists every job the controller remembers.
    st=$(python3 - "$DIR/squeue.json" "$JOB" <<'EOF'
import json, sys
jobs = json.load(open(sys.argv[1]))["jobs"]
print(" ".join(f"{j['array_task_id']}:{j['job_state']}" for j in sorted(
    (j for j in jobs if j.get("array_job_id") == int(sys.argv[2])), key=lambda j: j["array_task_id"])))
EOF
    )
    if [ "$st" = "0:COMPLETED 1:COMPLETED 2:FAILED 3:COMPLETED" ]; then ok "squeue --json: $st"; else fail "squeue --json: '$st'"; fi
else
    echo "note: no python3 or no squeue --json here; JSON check skipped"
fi

# Requeue a finished task from outside; it runs again with SLURM_RESTART_COUNT=1.
scontrol requeue "${JOB}_0"
t_rq=$(date +%s)
sleep 1
wait_done 60 || fail "requeued task ${JOB}_0 did not finish"
if [ "$(cut -d' ' -f2 "$OUT/ran.0" | tr '\n' ' ')" = "0 1 " ]; then
    ok "scontrol requeue ${JOB}_0: ran again $(( $(date +%s) - t_rq )) s later with SLURM_RESTART_COUNT=1"
else
    fail "after scontrol requeue ${JOB}_0, runs: $(tr '\n' ';' <"$OUT/ran.0")"
fi

trap - EXIT
"$LOCAL" stop "$DIR"
left=""
for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = $$ ] && continue
    { tr '\0' '\n' <"/proc/$p/cmdline"; } 2>/dev/null | grep -q -- "$DIR" && left="$left $p"
done
[ -z "$left" ] || fail "processes left after stop:$left"

echo "total $(( $(date +%s) - T0 )) s"
if [ $fails = 0 ]; then
    echo "slurm-smoke: all checks passed"
    [ $# -ge 1 ] || rm -rf "$DIR"
    exit 0
fi
echo "slurm-smoke: $fails check(s) failed; files in $DIR" >&2
exit 1
