#!/usr/bin/env bash
# A real one-node Slurm cluster on localhost, for tests of the Slurm sweep runner (issue 12, section 3).
#
#   scripts/slurm-local.sh start  DIR   write DIR/slurm.conf, start munged, slurmctld and slurmd,
#                                       wait until the node `localhost` is idle (~30 s, else print
#                                       the logs, stop and fail)
#   scripts/slurm-local.sh stop   DIR   cancel the cluster's jobs, stop the daemons started from DIR
#                                       (pid files) and any job step left behind; nothing keeps running
#   scripts/slurm-local.sh env    DIR   print `export SLURM_CONF=DIR/slurm.conf` (eval it in a test)
#   scripts/slurm-local.sh status DIR   print the daemons' state and `sinfo`
#   scripts/slurm-local.sh restart-ctld DIR   stop slurmctld (SIGTERM: it saves its state) and start
#                                       it again; slurmd and running jobs stay (a controller restart)
#
# Needs Debian's slurm-wlm and munge (scripts/setup.sh installs them) and root (SlurmUser=root).
# No systemd, no cgroups: ProctrackType=proctrack/linuxproc, TaskPlugin=task/none, accounting off.
# Every file lives under DIR, except the unix sockets (munged's, slurmd's step sockets), which move
# to /tmp/slurm-local.<hash of DIR> when DIR is too long for a socket path.
# Exit status: 0 ok, 1 failure, 77 Slurm or munge not installed / not usable here (callers skip).
#
# Environment: SLURM_LOCAL_CPUS (default: the node's CPUs as `slurmd -C` reports them),
# SLURM_LOCAL_MEM_MB (default: RealMemory from `slurmd -C`), SLURM_LOCAL_TIMEOUT (default 30 s).
# See docs/slurm-local.md for what was measured with it and the gotchas.
set -euo pipefail

usage() { echo "usage: $0 start|stop|env|status|restart-ctld DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
mkdir -p "$2"
DIR=$(cd "$2" && pwd -P)
CONF=$DIR/slurm.conf
export SLURM_CONF=$CONF
# munged, slurmctld and slurmd live in /usr/sbin, which a CI user's PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac
# Slurm client tools read these; a caller's environment (or an enclosing Slurm job) must not leak in.
unset SLURM_JOB_ID SLURM_JOBID SLURM_CLUSTERS SQUEUE_FORMAT SINFO_FORMAT 2>/dev/null || true

# Unix socket paths are limited to 108 bytes; slurmd puts `localhost_<job>.<step>` sockets in its
# spool directory. Keep the socket directories short.
if [ ${#DIR} -le 60 ]; then
    RUNDIR=$DIR
else
    RUNDIR=/tmp/slurm-local.$(printf %s "$DIR" | cksum | cut -d' ' -f1)
fi
MUNGE_DIR=$RUNDIR/munge
MUNGE_SOCK=$MUNGE_DIR/munge.socket.2
MUNGE_KEY=$DIR/munge.key
SPOOL=$RUNDIR/spool-slurmd
PIDS=$DIR/run
LOGS=$DIR/log
STATE=$DIR/state
TIMEOUT=${SLURM_LOCAL_TIMEOUT:-30}

log() { echo "slurm-local: $*" >&2; }

pid_alive() { # pid file -> 0 when the process in it is alive (and not a zombie)
    local p
    [ -s "$1" ] || return 1
    p=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$p" ] && [ -d "/proc/$p" ] || return 1
    ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null
}

port_free() { # port -> 0 when nothing listens on it
    if command -v python3 >/dev/null; then
        python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
    else
        ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

pick_ports() { # sets CTLD_PORT and SLURMD_PORT: 6817/6818 when free, else a free pair
    local base i
    CTLD_PORT=6817; SLURMD_PORT=6818
    port_free $CTLD_PORT && port_free $SLURMD_PORT && return 0
    for i in $(seq 1 50); do
        base=$((20000 + (RANDOM * 2) % 40000))
        if port_free $base && port_free $((base + 1)); then
            CTLD_PORT=$base; SLURMD_PORT=$((base + 1))
            log "ports 6817/6818 are taken; using $CTLD_PORT/$SLURMD_PORT"
            return 0
        fi
    done
    log "no free port pair found"; return 1
}

check_installed() {
    local b missing=""
    for b in munged munge slurmctld slurmd sinfo sbatch squeue scontrol scancel; do
        command -v "$b" >/dev/null 2>&1 || missing="$missing $b"
    done
    if [ -n "$missing" ]; then
        log "SKIP: Slurm/munge not installed (missing:$missing); run scripts/setup.sh"
        exit 77
    fi
    if [ "$(id -u)" != 0 ]; then
        log "SKIP: needs root (the local cluster runs with SlurmUser=root, SlurmdUser=root)"
        exit 77
    fi
}

write_conf() {
    local hw cpus mem defmem
    hw=$(slurmd -C 2>/dev/null | head -1 || true)
    cpus=${SLURM_LOCAL_CPUS:-$(printf %s "$hw" | sed -n 's/.* CPUs=\([0-9]*\).*/\1/p')}
    [ -n "$cpus" ] || cpus=$(nproc)
    mem=${SLURM_LOCAL_MEM_MB:-$(printf %s "$hw" | sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p')}
    [ -n "$mem" ] || mem=$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)
    # With CR_Core_Memory a job that asks for no memory gets the whole node's (one job at a time)
    # unless DefMemPerCPU is set.
    defmem=$((mem / cpus)); [ "$defmem" -ge 1 ] || defmem=1
    cat >"$CONF.tmp" <<EOF
# Written by scripts/slurm-local.sh start $DIR; rewritten on every start.
ClusterName=spillover
SlurmctldHost=localhost
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCK,cred_expire=10
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$STATE
SlurmdSpoolDir=$SPOOL
SlurmctldPidFile=$PIDS/slurmctld.pid
SlurmdPidFile=$PIDS/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$defmem
SlurmdParameters=config_overrides
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
ReturnToService=2
SlurmctldTimeout=10
SlurmdTimeout=10
MessageTimeout=5
InactiveLimit=0
KillWait=5
MinJobAge=300
JobRequeue=1
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1,sched_interval=1
NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    mv "$CONF.tmp" "$CONF"
}

start_munged() {
    if pid_alive "$MUNGE_DIR/munged.pid"; then return 0; fi
    mkdir -p "$MUNGE_DIR"; chmod 0700 "$MUNGE_DIR"
    if [ ! -s "$MUNGE_KEY" ]; then
        if command -v mungekey >/dev/null; then
            mungekey --create --keyfile="$MUNGE_KEY"
        elif command -v create-munge-key >/dev/null; then
            create-munge-key -f && cp /etc/munge/munge.key "$MUNGE_KEY"
        else
            dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
        fi
        chmod 0600 "$MUNGE_KEY"
    fi
    rm -f "$MUNGE_SOCK" "$MUNGE_SOCK.lock"
    munged --socket="$MUNGE_SOCK" --key-file="$MUNGE_KEY" --pid-file="$MUNGE_DIR/munged.pid" \
        --log-file="$LOGS/munged.log" --seed-file="$MUNGE_DIR/munged.seed" --force \
        </dev/null >>"$LOGS/munged.out" 2>&1 || { log "munged failed to start:"; tail -20 "$LOGS/munged.out" "$LOGS/munged.log" >&2; return 1; }
    local i
    for i in $(seq 1 50); do
        if munge -n -S "$MUNGE_SOCK" 2>/dev/null | unmunge -S "$MUNGE_SOCK" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    log "munged does not answer on $MUNGE_SOCK:"; tail -20 "$LOGS/munged.log" >&2; return 1
}

print_logs() {
    local f
    for f in "$LOGS/slurmctld.log" "$LOGS/slurmd.log" "$LOGS/munged.log" "$LOGS"/*.out; do
        [ -s "$f" ] || continue
        echo "----- $f (last 40 lines)" >&2; tail -40 "$f" >&2
    done
}

node_state() { sinfo -h -N -n localhost -o '%t' 2>/dev/null | head -1; }

do_start() {
    check_installed
    mkdir -p "$PIDS" "$LOGS" "$STATE" "$SPOOL"
    if pid_alive "$PIDS/slurmctld.pid" && pid_alive "$PIDS/slurmd.pid"; then
        case $(node_state) in idle|mix|alloc) log "already running ($CONF)"; return 0 ;; esac
    fi
    # A half-started cluster (one daemon dead): stop what is left and start over.
    do_stop quiet
    pick_ports
    write_conf
    start_munged || { do_stop quiet; exit 1; }
    local t0=$SECONDS state="" resumed=0
    slurmctld -f "$CONF" </dev/null >>"$LOGS/slurmctld.out" 2>&1 || { log "slurmctld failed to start"; print_logs; do_stop quiet; exit 1; }
    slurmd -N localhost -f "$CONF" </dev/null >>"$LOGS/slurmd.out" 2>&1 || { log "slurmd failed to start"; print_logs; do_stop quiet; exit 1; }
    while [ $((SECONDS - t0)) -lt "$TIMEOUT" ]; do
        state=$(node_state)
        case $state in
            idle|mix|alloc) log "up in $((SECONDS - t0)) s: node localhost $state, ports $CTLD_PORT/$SLURMD_PORT, SLURM_CONF=$CONF"; return 0 ;;
            drain*|down*|drng*|fail*)
                # State saved by an earlier run can carry a DOWN/DRAIN over a restart.
                if [ $resumed = 0 ] && [ $((SECONDS - t0)) -ge 3 ]; then
                    log "node localhost is '$state' ($(sinfo -h -R -o '%E' 2>/dev/null)); resuming it"
                    scontrol update NodeName=localhost State=RESUME >/dev/null 2>&1 || true
                    resumed=1
                fi ;;
        esac
        pid_alive "$PIDS/slurmctld.pid" || [ $((SECONDS - t0)) -lt 3 ] || { log "slurmctld died"; break; }
        sleep 0.5
    done
    log "node localhost not idle after ${TIMEOUT} s (state '${state:-no answer}')"
    sinfo -N -l >&2 2>&1 || true
    print_logs
    do_stop quiet
    exit 1
}

kill_pidfile() { # pid file, name: SIGTERM, wait up to 10 s, SIGKILL
    local f=$1 p i
    pid_alive "$f" || { rm -f "$f"; return 0; }
    p=$(cat "$f")
    kill -TERM "$p" 2>/dev/null || true
    for i in $(seq 1 100); do
        [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null || break
        sleep 0.1
    done
    if [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; then
        log "$2 ($p) ignored SIGTERM; SIGKILL"; kill -KILL "$p" 2>/dev/null || true
    fi
    rm -f "$f"
}

cluster_pids() { # processes of this cluster's jobs: slurmstepd and job processes carry SLURM_CONF=$CONF
    local p e self=$$
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [ "$p" = "$self" ] && continue
        e=$( { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null) || continue
        case $e in *"SLURM_CONF=$CONF"*) ;; *) continue ;; esac
        # slurmstepd (and the job processes it started) only; not the caller that exported SLURM_CONF.
        if grep -q '^slurmstepd' "/proc/$p/cmdline" 2>/dev/null || printf %s "$e" | grep -q '^SLURM_JOB_ID='; then
            echo "$p"
        fi
    done
}

do_stop() {
    local quiet=${1:-} i left
    if pid_alive "$PIDS/slurmctld.pid"; then
        # Jobs first, so that no slurmstepd (and no job) outlives the daemons.
        squeue -h -t PD,R,CG,S,CF,RQ,RS,SE,SO -o '%A' 2>/dev/null | xargs -r scancel 2>/dev/null || true
        for i in $(seq 1 30); do
            [ -z "$(squeue -h -t R,CG,CF 2>/dev/null)" ] && break
            sleep 0.5
        done
    fi
    kill_pidfile "$PIDS/slurmd.pid" slurmd
    kill_pidfile "$PIDS/slurmctld.pid" slurmctld
    left=$(cluster_pids)
    if [ -n "$left" ]; then
        [ -n "$quiet" ] || log "killing leftover job processes: $(echo $left)"
        kill -KILL $left 2>/dev/null || true
    fi
    kill_pidfile "$MUNGE_DIR/munged.pid" munged
    rm -f "$MUNGE_SOCK" "$MUNGE_SOCK.lock"
    [ -n "$quiet" ] || log "stopped ($DIR)"
}

case $cmd in
    start) do_start ;;
    stop) do_stop ;;
    env) echo "export SLURM_CONF=$CONF" ;;
    restart-ctld)
        pid_alive "$PIDS/slurmctld.pid" || { log "slurmctld is not running"; exit 1; }
        kill_pidfile "$PIDS/slurmctld.pid" slurmctld
        slurmctld -f "$CONF" </dev/null >>"$LOGS/slurmctld.out" 2>&1 || { log "slurmctld failed to start"; print_logs; exit 1; }
        t0=$SECONDS
        until scontrol ping 2>/dev/null | grep -q 'is UP'; do
            [ $((SECONDS - t0)) -lt "$TIMEOUT" ] || { log "slurmctld does not answer"; print_logs; exit 1; }
            sleep 0.2
        done
        log "slurmctld restarted in $((SECONDS - t0)) s" ;;
    status)
        for d in munged:"$MUNGE_DIR/munged.pid" slurmctld:"$PIDS/slurmctld.pid" slurmd:"$PIDS/slurmd.pid"; do
            if pid_alive "${d#*:}"; then echo "${d%%:*}: running ($(cat "${d#*:}"))"; else echo "${d%%:*}: not running"; fi
        done
        sinfo 2>&1 || true ;;
    *) usage ;;
esac
