#!/usr/bin/env bash
# Installs what the single-node Slurm test needs (Debian's `slurm-wlm` and `munge`) when it is
# missing. Used by tests/slurm/run-test.sh and by .ci/run (before the tests, so the install
# time is not counted in the test's).
#
# Exit status: 0 when Slurm and MUNGE are installed (already, or now); 77 when they cannot be
# (not root and no password-less sudo, no apt-get, no network, package not found), with the
# reason on stderr; anything else is a bug in this script.
set -euo pipefail

readonly SKIP=77
readonly PACKAGES=(slurm-wlm munge)
# The programs the test runs; all of them come with the two packages above.
readonly PROGRAMS=(munged mungekey slurmctld slurmd sbatch squeue scontrol scancel sinfo)

skip() {
    echo "slurm install: cannot install ${PACKAGES[*]}: $*" >&2
    exit "$SKIP"
}

missing=()
for p in "${PROGRAMS[@]}"; do
    # The daemons live in /usr/sbin, which is not always on a non-root PATH.
    command -v "$p" >/dev/null 2>&1 || [[ -x /usr/sbin/$p ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "slurm install: ${PACKAGES[*]} already installed"
    exit 0
fi
echo "slurm install: missing ${missing[*]}; installing ${PACKAGES[*]} with apt-get"

command -v apt-get >/dev/null 2>&1 || skip "apt-get is not available (not a Debian-like system)"
if [[ $(id -u) -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    skip "not root, and sudo needs a password or is not installed"
fi
command -v timeout >/dev/null 2>&1 || skip "coreutils' timeout is not available"

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q --no-install-recommends
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
    -o Acquire::Retries=2 -o Acquire::http::Timeout=30 -o DPkg::Lock::Timeout=120)
log=$(mktemp -t retrogait-slurm-install.XXXXXX)
trap 'rm -f "$log"' EXIT

# The first error apt-get reported (no network, no such package, ...), for the skip message.
first_error() {
    grep -m 1 -E '^(E|W): ' "$log" || tail -n 1 "$log" || echo "no output"
}

install() {
    timeout 240 "${as_root[@]}" apt-get install "${apt_opts[@]}" "${PACKAGES[@]}" >"$log" 2>&1
}

start=$SECONDS
if ! install; then
    # Stale or missing package lists are the usual reason: refresh them once and retry.
    echo "slurm install: apt-get install failed; running apt-get update and retrying"
    if ! timeout 120 "${as_root[@]}" apt-get update -q -o DPkg::Lock::Timeout=60 >"$log" 2>&1; then
        tail -n 5 "$log" >&2
        skip "apt-get update failed: $(first_error)"
    fi
    if ! install; then
        tail -n 10 "$log" >&2
        skip "apt-get install failed: $(first_error)"
    fi
fi
for p in "${PROGRAMS[@]}"; do
    command -v "$p" >/dev/null 2>&1 || [[ -x /usr/sbin/$p ]] ||
        skip "apt-get installed ${PACKAGES[*]} but $p is still missing"
done
echo "slurm install: installed ${PACKAGES[*]} in $((SECONDS - start)) s"
