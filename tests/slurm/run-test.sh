#!/usr/bin/env bash
# End-to-end test of examples/slurm/sweep-array.sbatch on a single-node Slurm cluster started
# on this machine: submits the smoke scenario as a job array of 2 shards plus the dependent
# `retrogait report` job, exactly as the README says, and checks that the merged results.csv
# is byte-identical to an unsharded local run.
#
#   tests/slurm/run-test.sh PATH/TO/retrogait
#
# Installs Debian's slurm-wlm and munge when missing (tests/slurm/install.sh). Everything else
# lives in a temporary folder: a MUNGE key and socket, slurm.conf, state, logs, free ports; no
# system file or service is touched, and the daemons it started are always stopped.
#
# Exit status: 0 passed; 77 skipped (Slurm cannot be installed or started here, or
# RETROGAIT_SLURM_TEST=skip), with a last line `slurm test: skipped: <reason>` on stderr;
# anything else failed.
# Environment: RETROGAIT_SLURM_TEST=skip skips, =require turns a skip into a failure;
# RETROGAIT_SLURM_TIMEOUT (seconds, default 300) bounds the wait for the jobs.
set -euo pipefail

readonly SKIP=77
readonly SHARDS=2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
readonly SBATCH_SCRIPT=$root/examples/slurm/sweep-array.sbatch
readonly SCENARIO=$root/assets/scenarios/smoke.ron
readonly JOB_TIMEOUT=${RETROGAIT_SLURM_TIMEOUT:-300}
export PATH=$PATH:/usr/sbin:/sbin
# Run inside a job of another cluster, sbatch and squeue would take its settings
# (SBATCH_PARTITION, SLURM_CONF, ...) for this one's.
while read -r var; do
    unset "$var"
done < <(compgen -e | grep -E '^(SLURM|SBATCH|SALLOC|SRUN|SQUEUE|SINFO|SCONTROL)_' || true)

say() { echo "slurm test: $*" >&2; }
failure=
fail() {
    failure=$*
    say "FAILED: $*"
    exit 1
}
skip() {
    if [[ ${RETROGAIT_SLURM_TEST:-} == require ]]; then
        fail "cannot run (RETROGAIT_SLURM_TEST=require): $*"
    fi
    say "skipped: $*"
    exit "$SKIP"
}

[[ $# -eq 1 ]] || fail "usage: $0 PATH/TO/retrogait"
bin=$(realpath "$1") || fail "no retrogait binary at $1"
[[ -x $bin ]] || fail "$bin is not an executable"
[[ ${RETROGAIT_SLURM_TEST:-} != skip ]] || skip "RETROGAIT_SLURM_TEST=skip"
[[ $(uname -s) == Linux ]] || skip "needs Linux (this is $(uname -s))"

started=$SECONDS
# --- install ----------------------------------------------------------------------------------
rc=0
install_log=$(bash "$here/install.sh" 2>&1) || rc=$?
echo "$install_log" >&2
case $rc in
0) ;;
"$SKIP") skip "${install_log##*slurm install: }" ;;
*) fail "tests/slurm/install.sh exited with $rc" ;;
esac
installed=$SECONDS

# --- the cluster's files ----------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/retrogait-slurm.XXXXXX")
chmod 755 "$tmp"
mkdir -p "$tmp"/{munge,ctld,spool,log,run,out,local}
pids=()
jobs_submitted=()
ok=false

# Prints the last lines of every log, to tell why something failed.
show_logs() {
    local f
    for f in "$tmp"/log/* "$tmp"/out/*.out; do
        [[ -s $f ]] || continue
        echo "----- $f (last 25 lines)" >&2
        tail -n 25 "$f" >&2
    done
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e # clean up as much as possible, whatever fails
    if [[ ${#jobs_submitted[@]} -gt 0 ]] && [[ -n ${SLURM_CONF:-} ]]; then
        scancel "${jobs_submitted[@]}" 2>/dev/null || true
        # Give the job steps a moment to end before their slurmd goes.
        for _ in $(seq 20); do
            [[ -z $(squeue -h -j "$(IFS=,; echo "${jobs_submitted[*]}")" 2>/dev/null) ]] && break
            sleep 0.5
        done
    fi
    # Stop the daemons this script started, newest first, by pid.
    local i pid
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        pid=${pids[i]}
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ $ok == true ]]; then
        rm -rf "$tmp"
    else
        [[ $rc -eq $SKIP ]] || show_logs
        say "kept the cluster's files and logs in $tmp"
        [[ -z $failure ]] || say "FAILED: $failure"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free TCP port on 127.0.0.1 (nothing answers on it), from a range away from Slurm's default.
free_port() {
    local p
    for ((p = $1; p < $1 + 200; p++)); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    skip "no free TCP port in $1-$(($1 + 199))"
}

# Waits up to $1 seconds for the command after it to succeed; fails if a daemon died meanwhile.
wait_for() {
    local what=$2 end=$((SECONDS + $1))
    shift 2
    until "$@" >/dev/null 2>&1; do
        for pid in "${pids[@]}"; do
            kill -0 "$pid" 2>/dev/null || return 1
        done
        ((SECONDS < end)) || return 1
        sleep 0.5
    done
    say "$what after $((SECONDS - started)) s"
}

# --- MUNGE ------------------------------------------------------------------------------------
key=$tmp/munge/munge.key
socket=$tmp/munge/munge.socket
if ! mungekey --create --keyfile="$key" 2>"$tmp/log/mungekey.log"; then
    dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
fi
chmod 400 "$key"
munged --foreground --force --key-file="$key" --socket="$socket" \
    --pid-file="$tmp/run/munged.pid" --log-file="$tmp/log/munged-file.log" \
    --seed-file="$tmp/munge/munged.seed" >"$tmp/log/munged.log" 2>&1 &
pids+=($!)
munge_works() { munge -n -S "$socket" | unmunge -S "$socket"; }
wait_for 20 "munged is up" munge_works || {
    show_logs
    skip "munged does not start or does not answer (logs above)"
}

# --- Slurm ------------------------------------------------------------------------------------
node=$(uname -n)
node=${node%%.*}
node=${node:-localhost}
cpus=$(nproc)
ctld_port=$(free_port 16817)
slurmd_port=$(free_port $((ctld_port + 1)))
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<CONF
# A one-node cluster for tests/slurm/run-test.sh: the daemons run as the script's user, in the
# foreground (their logs: $tmp/log); no cgroups, no accounting; every file under $tmp.
ClusterName=retrogait-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$tmp/ctld
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
DependencyParameters=kill_invalid_depend
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=600
SlurmdTimeout=60
SlurmctldTimeout=60
NodeName=$node NodeHostname=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF

slurmctld -D -c -f "$SLURM_CONF" >"$tmp/log/slurmctld.log" 2>&1 &
pids+=($!)
wait_for 30 "slurmctld is up" scontrol ping || {
    show_logs
    skip "slurmctld does not start (logs above)"
}
slurmd -D -f "$SLURM_CONF" -N "$node" >"$tmp/log/slurmd.log" 2>&1 &
pids+=($!)
node_idle() { [[ $(sinfo -h -n "$node" -o %T) == idle ]]; }
wait_for 60 "node $node ($cpus CPUs) is idle" node_idle || {
    sinfo -N -l >&2 || true
    show_logs
    skip "slurmd does not start or its node does not become idle (logs above)"
}

# --- the sweep, as the README says ------------------------------------------------------------
out=$tmp/out
cd "$tmp"
submit=$(RETROGAIT=$bin sbatch --parsable --array=1-$SHARDS --cpus-per-task=1 --time=20 \
    --output="$out/sweep-%A_%a.out" "$SBATCH_SCRIPT" "$SCENARIO" "$out") ||
    fail "sbatch of the array refused"
array=${submit%%;*}
jobs_submitted+=("$array")
submit=$(RETROGAIT=$bin sbatch --parsable --dependency="afterok:$array" \
    --job-name=retrogait-report --time=5 --output="$out/report-%j.out" \
    --wrap "\"\${RETROGAIT:-retrogait}\" report $out/shard-* --out $out/merged") ||
    fail "sbatch of the report job refused"
report=${submit%%;*}
jobs_submitted+=("$report")
say "submitted array job $array ($SHARDS shards) and report job $report"

# Waits until none of the jobs is pending or running.
end=$((SECONDS + JOB_TIMEOUT))
while [[ -n $(squeue -h -j "$array,$report" -o %i 2>/dev/null) ]]; do
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || fail "a Slurm or MUNGE daemon died while the jobs ran"
    done
    if ((SECONDS >= end)); then
        squeue -j "$array,$report" >&2 || true
        fail "the jobs did not finish within $JOB_TIMEOUT s (RETROGAIT_SLURM_TIMEOUT)"
    fi
    sleep 1
done
say "jobs ended after $((SECONDS - started)) s"

# Every task of the array and the report job must have completed (exit code 0).
states=$(scontrol -o show job "$array" | grep -o 'JobState=[A-Z_]*' | sort | uniq -c | xargs)
report_state=$(scontrol -o show job "$report" | grep -o 'JobState=[A-Z_]*')
say "array tasks: $states; report job: $report_state"
[[ $states == "$SHARDS JobState=COMPLETED" ]] || fail "the shard tasks did not all complete"
[[ $report_state == JobState=COMPLETED ]] || fail "the report job did not complete"
for i in $(seq "$SHARDS"); do
    grep -q "shard $i/$SHARDS" "$out"/sweep-*_"$i".out ||
        fail "the log of task $i does not say it ran shard $i/$SHARDS"
done
merged=$out/merged/results.csv
[[ -s $merged ]] || fail "the report job wrote no $merged"

# --- the same scenario, locally and unsharded -------------------------------------------------
timeout 900 "$bin" sweep "$SCENARIO" --out "$tmp/local" --jobs "$cpus" >&2 ||
    fail "the local sweep failed"
cmp "$merged" "$tmp/local/results.csv" >&2 ||
    fail "the merged results.csv of the Slurm shards differs from the local run's"
rows=$(($(wc -l <"$merged") - 1))
ok=true
say "passed: the merged results.csv of $SHARDS Slurm shards ($rows trials) equals the local" \
    "run's (install $((installed - started)) s, the rest $((SECONDS - installed)) s)"
