#!/bin/bash
# Start-up benchmark: nook against Podman on the same image, in one run.
#   bench/startup.sh BUILD_DIR          (what `make bench` runs)
#
# Times `nook run --rm --network none IMAGE true` and
# `podman run --rm --pull never --network none IMAGE true`, alternating the
# two round by round, and prints per tool the median, min and p90 in ms, the
# ratio podman/nook of the medians, and a one-line verdict against the
# targets (nook under 30 ms, at least 10x faster than Podman).  It reports;
# it never fails because of a number.  It fails (exit 1) only when a
# command fails: a failed run is an error, never a fast sample.
#
# BUILD_DIR holds bin/nook, libexec/nook/* and fixtures/busybox.tar (an
# oci-archive named localhost/busybox:latest, from tests/fixtures).
# Environment: NOOK_BENCH_ROUNDS (default 30) timed rounds after 3 warm-up
# runs of each; NOOK_BENCH_PODMAN_DRIVER (default overlay, "default" for
# Podman's own choice) the storage driver Podman uses.
#
# Rootless only.  As root, it prepares the unprivileged test user the way
# `make check` does (tests/setup-root.sh) and runs every nook and podman
# command as that user.  Everything lives in one temporary directory --
# nook's store, Podman's home, storage and runtime dir -- which is removed
# at the end.  Nothing is pulled: the image is loaded from the archive.
set -euo pipefail

bench_prog=startup.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: bench/startup.sh BUILD_DIR"
image=localhost/busybox:latest
warmup=3
rounds=${NOOK_BENCH_ROUNDS:-30}
driver=${NOOK_BENCH_PODMAN_DRIVER:-overlay}
bench_count NOOK_BENCH_ROUNDS "$rounds"
bench_init "$1"

podman_global=()    # podman's global flags, filled in below
podman_runopts=()   # extra `podman run` flags, filled in below

bench_header "nook start-up benchmark"

# --- the image --------------------------------------------------------------
"${nook_env[@]}" "${nook[@]}" load -i "$tmp/busybox.tar" > "$logs/nook-load" 2>&1 ||
    fail "nook load -i busybox.tar" "$logs/nook-load"

podman_mode=none    # none | rootless | root
no_podman="podman cannot run a container here"
if ! command -v podman >/dev/null 2>&1; then
    no_podman="podman is not installed: Debian package podman"
    echo "podman:   NOT INSTALLED (Debian package: podman); reporting nook alone"
else
    # Even `podman --version` creates dirs in XDG_RUNTIME_DIR: ask in the private env.
    podman_version=$(pm --version 2>&1 | sed 's/^podman version //')
    echo "podman:   $podman_version ($(command -v podman))"
    bench_podman_driver "$driver"
    if podman_probe; then
        podman_mode=rootless
    else
        # The usual cure for a rootless setup gone stale.
        echo "  rootless podman cannot run a container; trying 'podman system migrate'"
        pm system migrate > "$logs/podman-migrate" 2>&1 || true
        if podman_probe; then
            podman_mode=rootless
        elif [ "$(id -u)" = 0 ]; then
            echo "  ROOTLESS PODMAN CANNOT RUN A CONTAINER HERE: falling back to podman as root"
            # Root's store, run root and tmp dir are private to this run too.
            podman_kind=root    # from here on, pm and clean-up act as root
            podman_store+=(--root "$tmp/root-podman/storage" --runroot "$tmp/root-podman/run"
                           --tmpdir "$tmp/root-podman/tmp")
            podman_load "$tmp/busybox.tar" || fail "podman load -i busybox.tar (as root)" "$logs/podman-load"
            podman_probe || fail "podman as root cannot run a container either" "$logs/podman-probe"
            podman_mode=root
        else
            echo "  rootless podman cannot run a container here; reporting nook alone"
        fi
    fi
fi

podman_prefix=()    # what runs the podman command: the user's env, or nothing (root)
mode_note=
if [ "$podman_mode" != none ]; then
    podman_args "${chosen[@]}"
    podman_global=("${pg[@]}") podman_runopts=("${pr[@]}")
    [ "$podman_mode" = rootless ] && podman_prefix=("${podman_env[@]}")
    [ "$podman_mode" = root ] && mode_note=" [podman AS ROOT]"
    bench_podman_describe
fi

# Both without a network: nook now defaults to slirp4netns as Podman does, and
# --network none keeps the comparison like for like (bench/network.sh measures the network).
nook_cmd=("${nook[@]}" run --rm --network none "$image" true)
podman_cmd=(podman "${podman_global[@]}" run --rm --pull never --network none "${podman_runopts[@]}" "$image" true)
echo "nook cmd:   ${nook_cmd[*]}"
echo "            with XDG_DATA_HOME, XDG_RUNTIME_DIR and XDG_CONFIG_HOME private to this run"
if [ "$podman_mode" != none ]; then
    echo "podman cmd: ${podman_cmd[*]}"
    if [ "$podman_mode" = rootless ]; then
        echo "            with HOME, XDG_DATA_HOME, XDG_CONFIG_HOME and XDG_RUNTIME_DIR private to this run"
    else
        echo "            AS ROOT (rootless podman could not run a container here)"
    fi
fi
if [ "$podman_mode" != none ]; then
    echo "method:     $warmup warm-up runs each, then $rounds rounds alternating nook/podman" \
         "(order swapped every round); monotonic clock from fork to wait"
else
    echo "method:     $warmup warm-up runs, then $rounds timed runs of nook; monotonic clock from fork to wait"
fi

# --- the measurement ----------------------------------------------------------
# sample TOOL: one timed run; appends the milliseconds to TOOL's samples.
nook_ms=() podman_ms=()
sample () {
    local tool=$1 ns rc
    local log=$logs/$tool-run
    if [ "$tool" = nook ]; then
        ns=$("${nook_env[@]}" "$timeit" "$log" "${nook_cmd[@]}") && rc=0 || rc=$?
    else
        ns=$("${podman_prefix[@]}" "$timeit" "$log" "${podman_cmd[@]}") && rc=0 || rc=$?
    fi
    [ "$rc" = 0 ] || fail "$tool run (exit status $rc)" "$log"
    [ -n "$ns" ] || fail "$tool run: no time measured" "$log"
    [ "$2" = timed ] || return 0
    if [ "$tool" = nook ]; then nook_ms+=("$ns"); else podman_ms+=("$ns"); fi
}
tools=(nook)
[ "$podman_mode" != none ] && tools+=(podman)
for ((i = 0; i < warmup; i++)); do
    for t in "${tools[@]}"; do sample "$t" warm; done
done
for ((i = 0; i < rounds; i++)); do
    if ((i % 2 == 0)); then order=("${tools[@]}"); else order=(); for t in "${tools[@]}"; do order=("$t" "${order[@]}"); done; fi
    for t in "${order[@]}"; do sample "$t" timed; done
done

echo
# shellcheck disable=SC2119  # no extra columns here
bench_table_head
bench_row nook nook_ms
n_med=$row_med
if [ "$podman_mode" != none ]; then
    bench_row podman podman_ms
    p_med=$row_med
    ratio=$(bench_ratio "$p_med" "$n_med")
    echo "ratio podman/nook (medians): ${ratio}x$mode_note"
fi

bench_load_after

# --- verdict (a report, not a test) -------------------------------------------
fast=$(awk -v n="$n_med" 'BEGIN { print (n < 30) ? "yes" : "no" }')
verdict="nook median ${n_med} ms vs target < 30 ms: $([ "$fast" = yes ] && echo met || echo NOT met)"
if [ "$podman_mode" != none ]; then
    far=$(awk -v r="$ratio" 'BEGIN { print (r >= 10) ? "yes" : "no" }')
    verdict+="; ratio ${ratio}x vs target >= 10x: $([ "$far" = yes ] && echo met || echo NOT met)"
    verdict+=$mode_note
else
    verdict+="; ratio not measured ($no_podman)"
fi
echo "verdict: $verdict"
