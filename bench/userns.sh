#!/bin/bash
# User namespace modes on a large image: nook against Podman, in one run.
#   bench/userns.sh BUILD_DIR
#
# Makes a ~200 MB image (busybox and NOOK_BENCH_MB MB of random files in
# 2000 files, a tenth of them owned by uid 1000 when run as root), imports
# it into both tools, and times `run --rm IMAGE true` in the default
# user namespace and with --userns=keep-id (nook also with nomap and
# auto).  The first run of each mode is shown apart: a tool that copies or
# chowns the image for a new id mapping pays for it there.  Then
# NOOK_BENCH_ROUNDS (default 10) rounds, the tools alternating, give the
# median, min and p90 in ms and the ratios podman/nook of the medians.
# nook never copies a layer for a mode (fuse-overlayfs maps the ids), so
# its keep-id start should cost what its default one does.
#
# It reports; it fails only when a command fails.  Rootless only: as root
# it runs every command as the test user (tests/setup-root.sh), like the
# other benchmarks, in one temporary directory removed at the end.
# Environment: NOOK_BENCH_MB (default 200), NOOK_BENCH_ROUNDS (default
# 10), NOOK_BENCH_PODMAN_DRIVER (default overlay, "default" for Podman's
# own choice).
set -euo pipefail

bench_prog=userns.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: bench/userns.sh BUILD_DIR"
image=localhost/busybox:latest    # what podman_probe runs
big=localhost/nook-bench-big:latest
mb=${NOOK_BENCH_MB:-200}
rounds=${NOOK_BENCH_ROUNDS:-10}
driver=${NOOK_BENCH_PODMAN_DRIVER:-overlay}
bench_count NOOK_BENCH_MB "$mb"
bench_count NOOK_BENCH_ROUNDS "$rounds"
command -v busybox >/dev/null || die "no busybox (Debian package busybox-static)"
bench_init "$1"
# nomap and auto: the container's root must be able to search the path
# to the store, as with Podman (nook says so otherwise).
chmod go+x "$u" "$u/nook-data"
bench_header "nook user namespace modes on a ${mb} MB image"

# --- the image ------------------------------------------------------------------
rootfs=$tmp/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/data"
cp "$(command -v busybox)" "$rootfs/bin/busybox"
for applet in sh true id cat; do ln -s busybox "$rootfs/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\n' > "$rootfs/etc/group"
files=2000
kb=$((mb * 1024 / files))
for ((d = 0; d < 20; d++)); do
    mkdir "$rootfs/data/d$d"
    for ((f = 0; f < files / 20; f++)); do
        head -c "${kb}K" /dev/urandom > "$rootfs/data/d$d/f$f"
    done
done
owners="all root's"
if [ "$(id -u)" = 0 ]; then
    chown -R 1000:1000 "$rootfs/data/d0" "$rootfs/data/d1"
    owners="a tenth uid 1000's, the rest root's"
fi
if [ "$(id -u)" = 0 ]; then
    tar -C "$rootfs" --numeric-owner -cf "$tmp/big.tar" .
else
    tar -C "$rootfs" --owner=0 --group=0 --numeric-owner -cf "$tmp/big.tar" .
fi
rm -rf "$rootfs"
chmod a+r "$tmp/big.tar"
echo "image:    $big, $(du -m "$tmp/big.tar" | cut -f1) MB in one layer, $files data files ($owners)"

"${nook_env[@]}" "${nook[@]}" load -i "$tmp/busybox.tar" > "$logs/nook-load" 2>&1 ||
    fail "nook load -i busybox.tar" "$logs/nook-load"
"${nook_env[@]}" "${nook[@]}" import "$tmp/big.tar" "$big" > "$logs/nook-import" 2>&1 ||
    fail "nook import" "$logs/nook-import"

# --- Podman -----------------------------------------------------------------------
bench_podman_rootless "$driver"
if [ "$podman_ok" = yes ]; then
    pm "${podman_store[@]}" import "$tmp/big.tar" "$big" > "$logs/podman-import" 2>&1 ||
        fail "podman import" "$logs/podman-import"
else
    echo "podman:   NOT MEASURED: $no_podman; reporting nook alone"
fi
rm -f "$tmp/big.tar"

# --- the measurement -----------------------------------------------------------------
# Each case: TOOL and MODE (its --userns value, "default" for none).
cases=("nook default" "nook keep-id" "nook nomap" "nook auto")
[ "$podman_ok" = yes ] && cases+=("podman default" "podman keep-id")
echo "cmd:      nook run --rm [--userns=MODE] $big true"
[ "$podman_ok" = yes ] &&
    echo "          podman ${podman_global[*]} run --rm --pull never --network none ${podman_runopts[*]} [--userns=MODE] $big true"
echo "method:   one first run per case (shown apart), then $rounds rounds of every case in turn" \
     "(order reversed every other round); monotonic clock from fork to wait"

# run_case TOOL MODE: one timed run, its nanoseconds on stdout.
run_case () {
    local tool=$1 mode=$2 ns rc log=$logs/$1-$2
    local -a extra=()
    [ "$mode" = default ] || extra=(--userns="$mode")
    if [ "$tool" = nook ]; then
        ns=$("${nook_env[@]}" "$timeit" "$log" "${nook[@]}" run --rm "${extra[@]}" "$big" true) && rc=0 || rc=$?
    else
        ns=$("${podman_env[@]}" "$timeit" "$log" podman "${podman_global[@]}" run --rm --pull never \
            --network none "${podman_runopts[@]}" "${extra[@]}" "$big" true) && rc=0 || rc=$?
    fi
    [ "$rc" = 0 ] || fail "$tool run --userns=$mode (exit status $rc)" "$log"
    [ -n "$ns" ] || fail "$tool run --userns=$mode: no time measured" "$log"
    echo "$ns"
}

declare -A first
for c in "${cases[@]}"; do
    # shellcheck disable=SC2086  # "tool mode"
    first[$c]=$(run_case $c)
done
declare -A samples
for ((i = 0; i < rounds; i++)); do
    order=("${cases[@]}")
    if ((i % 2)); then
        order=()
        for c in "${cases[@]}"; do order=("$c" "${order[@]}"); done
    fi
    for c in "${order[@]}"; do
        # shellcheck disable=SC2086
        samples[$c]+=" $(run_case $c)"
    done
done

echo
printf '%-16s %10s %10s %10s %10s %6s\n' case "first ms" "median ms" "min ms" "p90 ms" runs
declare -A med
for c in "${cases[@]}"; do
    # shellcheck disable=SC2086
    read -r m lo p90 <<< "$(bench_stats ${samples[$c]})"
    med[$c]=$m
    printf '%-16s %10s %10s %10s %10s %6s\n' "$c" \
        "$(awk -v n="${first[$c]}" 'BEGIN { printf "%.1f", n / 1e6 }')" "$m" "$lo" "$p90" "$rounds"
done
echo
echo "nook keep-id / nook default (medians): $(bench_ratio "${med[nook keep-id]}" "${med[nook default]}")x"
if [ "$podman_ok" = yes ]; then
    echo "ratio podman/nook, default (medians): $(bench_ratio "${med[podman default]}" "${med[nook default]}")x"
    echo "ratio podman/nook, keep-id (medians): $(bench_ratio "${med[podman keep-id]}" "${med[nook keep-id]}")x"
    echo "ratio podman/nook, keep-id first run: $(bench_ratio \
        "$(awk -v n="${first[podman keep-id]}" 'BEGIN { print n / 1e6 }')" \
        "$(awk -v n="${first[nook keep-id]}" 'BEGIN { print n / 1e6 }')")x"
fi
bench_load_after
