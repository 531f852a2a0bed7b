#!/bin/bash
# bench/runtime.sh BUILD_DIR: `nook-runtime run` of a bundle running
# /bin/true, against `crun run` and `runc run` on the same bundle, in one
# run, as root; medians and ratios.  Target (issue 4): no slower than crun.
#
# What is timed: one `RUNTIME --root DIR run -b BUNDLE ID`, from fork to
# the runtime's exit: the runtime creates the container (namespaces,
# mounts, pivot_root, capabilities), starts /bin/true, waits for it and
# deletes it.  The three runtimes take turns in every round, so a change
# of load hits them alike.
#
# The bundle is the same file for all three: a busybox rootfs from
# fixtures/busybox.tar and runc's default spec less what one of them
# cannot do here (no linux.resources, no cgroup mount: crun and nook do
# not manage cgroups on this host's hybrid layout; no ambient
# capabilities; no terminal).  crun 1.8 refuses a hybrid cgroup layout
# outright, so every run happens in a private mount namespace whose
# /sys/fs/cgroup is a cgroup2 mount, and crun runs with
# --cgroup-manager=disabled (nook-runtime makes no cgroup for a spec
# without cgroupsPath or resources either); runc makes its cgroup, as it
# always does — that is part of its cost.
#
# A second table times `RUNTIME exec ID true` in a running container of
# each (same bundle, running sleep): nook's `exec CTR true` must stay
# under 20 ms in all, and this is the runtime's part of it.
#
#   NOOK_BENCH_RUNTIME_ROUNDS   timed rounds (default 30), after 3 warm-up rounds
set -euo pipefail
bench_prog=runtime.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

rounds=${NOOK_BENCH_RUNTIME_ROUNDS:-30}
bench_count NOOK_BENCH_RUNTIME_ROUNDS "$rounds"

[ $# -eq 1 ] || die "usage: bench/runtime.sh BUILD_DIR"
build=$(cd "$1" && pwd) || die "no build directory $1"
src=$(cd "$(dirname "$0")/.." && pwd)
nook_rt=$build/libexec/nook/nook-runtime
[ -x "$nook_rt" ] || die "$nook_rt is missing: run 'make all fixtures' first"
[ -e "$build/fixtures/busybox.tar" ] || die "$build/fixtures/busybox.tar is missing: run 'make fixtures'"
[ "$(id -u)" = 0 ] || { echo "$bench_prog: crun and runc run containers here only as root; run it as root"; exit 0; }
command -v cc >/dev/null || die "no C compiler (Debian package gcc) for bench/timeit.c"
command -v jq >/dev/null || die "jq is needed (Debian package jq)"

# Everything runs in a private mount namespace with cgroup2 on
# /sys/fs/cgroup (crun, above): the script re-enters itself there first.
if [ -z "${NOOK_BENCH_RUNTIME_INSIDE:-}" ]; then
    export NOOK_BENCH_RUNTIME_INSIDE=1
    exec unshare -m --propagation private bash "$0" "$@"
fi
cgroup_note="cgroup2 on /sys/fs/cgroup"
mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null || cgroup_note="the host's cgroups (cgroup2 mount failed)"

tmp=$(mktemp -d /tmp/nook-bench-runtime.XXXXXX)
cleanup () {
    local r id
    set +e
    for r in nook crun runc; do
        for id in $(rt_"$r" list -q 2>/dev/null); do rt_"$r" delete -f "$id" >/dev/null 2>&1; done
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 130" INT
trap "exit 143" TERM

# The runtimes; those not installed are left out of the table.
runtimes=(nook)
cmd_nook=("$nook_rt" --root "$tmp/root-nook")
cmd_crun=(crun --cgroup-manager=disabled --root "$tmp/root-crun")
cmd_runc=(runc --root "$tmp/root-runc")
rt_nook () { "${cmd_nook[@]}" "$@"; }
rt_crun () { "${cmd_crun[@]}" "$@"; }
rt_runc () { "${cmd_runc[@]}" "$@"; }
for r in crun runc; do
    if command -v "$r" >/dev/null; then runtimes+=("$r"); else echo "$r is not installed (Debian package $r): left out"; fi
done

# --- the bundle ---------------------------------------------------------------
bundle=$tmp/bundle
mkdir -p "$tmp/image" "$bundle/rootfs"
tar -xf "$build/fixtures/busybox.tar" -C "$tmp/image"
for blob in "$tmp/image"/blobs/sha256/*; do
    if tar -tf "$blob" 2>/dev/null | grep -x 'bin/busybox' >/dev/null; then tar -xf "$blob" -C "$bundle/rootfs"; fi
done
[ -x "$bundle/rootfs/bin/busybox" ] || die "no busybox layer in fixtures/busybox.tar"
mkdir -p "$bundle/rootfs/proc" "$bundle/rootfs/sys" "$bundle/rootfs/dev" "$bundle/rootfs/bin"
[ -e "$bundle/rootfs/bin/true" ] || ln -s busybox "$bundle/rootfs/bin/true"
"$nook_rt" spec -b "$bundle"
jq '.process.terminal = false | .process.args = ["/bin/true"] | .root.readonly = true
    | .mounts |= map(select(.type != "cgroup"))' "$bundle/config.json" > "$tmp/config.json"
mv "$tmp/config.json" "$bundle/config.json"
# The bundle of the exec table: the same, running sleep.
mkdir -p "$tmp/bundle-sleep"
jq '.process.args = ["/bin/sleep", "100000"] | .root.path = "'"$bundle/rootfs"'"' "$bundle/config.json" \
    > "$tmp/bundle-sleep/config.json"
cc -O2 -o "$tmp/timeit" "$src/bench/timeit.c" || die "cannot build bench/timeit.c"

# --- the runs -----------------------------------------------------------------
# One round: each runtime once, its own container ID.  A failure stops
# the benchmark with the runtime's output: a failed run is not a sample.
declare -A samples exec_samples
timed () {
    local r=$1 what=$2 ns
    shift 2
    if ! ns=$("$tmp/timeit" "$tmp/$r.log" "$@" 2>&1); then
        echo "FAILED: $r $what" >&2; sed 's/^/    /' "$tmp/$r.log" | tail -n 20 >&2; exit 1
    fi
    echo "$ns"
}
round () {
    local n=$1 r ns
    for r in "${runtimes[@]}"; do
        local -n cmd=cmd_$r
        ns=$(timed "$r" "run (round $n)" "${cmd[@]}" run -b "$bundle" "b$n")
        [ "$n" -lt 0 ] || samples[$r]+=" $ns"
    done
}
exec_round () {
    local n=$1 r ns
    for r in "${runtimes[@]}"; do
        local -n cmd=cmd_$r
        ns=$(timed "$r" "exec (round $n)" "${cmd[@]}" exec sleeper true)
        [ "$n" -lt 0 ] || exec_samples[$r]+=" $ns"
    done
}

# table TITLE NAME: the table of the samples in the array NAME.
table () {
    local -n all=$2
    local r arr
    echo
    echo "$1"
    bench_table_head "nook/this"
    declare -A med
    for r in "${runtimes[@]}"; do
        # shellcheck disable=SC2206  # a list of numbers
        arr=(${all[$r]})
        bench_row "$r" arr > "$tmp/row"
        med[$r]=$row_med
        if [ "$r" = nook ]; then
            cat "$tmp/row"
        else
            sed "s/\$/ $(awk -v a="${med[nook]}" -v b="$row_med" 'BEGIN { printf "%14.2fx", a / b }')/" "$tmp/row"
        fi
    done
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "== nook-runtime run vs crun run vs runc run: a bundle running /bin/true"
echo "machine:  $(nproc) CPUs${cpu:+ ($cpu)}, kernel $(uname -r) $(uname -m)"
echo "runs as:  root, in a private mount namespace ($cgroup_note); crun --cgroup-manager=disabled"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min load average before the runs)"
echo "nook:     $("$nook_rt" --version | head -n 1) ($nook_rt)"
for r in crun runc; do
    [[ " ${runtimes[*]} " == *" $r "* ]] && echo "$r:     $("$r" --version | head -n 1)"
done
for i in 1 2 3; do round "-$i"; done
for ((i = 0; i < rounds; i++)); do round "$i"; done
for r in "${runtimes[@]}"; do
    declare -n cmd=cmd_$r
    timed "$r" "run -d" "${cmd[@]}" run -d -b "$tmp/bundle-sleep" sleeper > /dev/null
done
for i in 1 2 3; do exec_round "-$i"; done
for ((i = 0; i < rounds; i++)); do exec_round "$i"; done
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) after the runs (a load near or above $(nproc) means the numbers are noisy)"
table "run -b BUNDLE ID (/bin/true): create, start, wait, delete" samples
table "exec ID true, in a running container" exec_samples
