#!/bin/bash
# Pull benchmark: nook against Podman and skopeo, from one local registry,
# in one run.
#   bench/pull.sh BUILD_DIR          (what `make bench` runs)
#
# Times, alternating the tools round by round, each round into new, empty
# storage:
#   nook     `nook pull --tls-verify=false REF`
#   podman   `podman pull --tls-verify=false REF`
#   skopeo   `skopeo copy --src-tls-verify=false docker://REF oci:DIR`
#            (downloads and verifies, extracts nothing: a floor for the
#            transfer itself)
# REF is a ~215 MB image (the busybox layer, 20,000 files of 1-8 KiB, one
# 100 MiB file; gzip layers as Go writes them) that `nook push` put in
# Debian's docker-registry, started for the run on 127.0.0.1 on a free
# port with its storage in the run's directory.  Prints per tool the
# median, min and p90 in ms and the peak RSS, the ratios podman/nook and
# skopeo/nook, and a verdict line (target: nook pull at least 2x faster
# than podman pull).  It reports; it fails only when a command fails.
#
# Environment: NOOK_BENCH_PULL_ROUNDS (default 1) timed rounds, after
# NOOK_BENCH_PULL_WARMUP (default 0) warm-up rounds; NOOK_BENCH_PODMAN_DRIVER
# (default overlay) Podman's storage driver.  Use 3 rounds or more: the
# order of the tools rotates, and on this VM's ext4 (no journal) the cost
# of making 20,000 files depends on what was removed near them before
# (see bench/README.md, pull.sh).
# Rootless: as root, every nook, podman and skopeo command runs as the test
# user of tests/setup-root.sh.  Everything is removed at the end.
set -euo pipefail

bench_prog=pull.sh
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/fixtures/common.sh
. "$here/../tests/fixtures/common.sh"

[ $# -eq 1 ] || die "usage: bench/pull.sh BUILD_DIR"
rounds=${NOOK_BENCH_PULL_ROUNDS:-1}
warmup=${NOOK_BENCH_PULL_WARMUP:-0}
driver=${NOOK_BENCH_PODMAN_DRIVER:-overlay}
bench_count NOOK_BENCH_PULL_ROUNDS "$rounds"
nfiles=20000
blob_bytes=$((100 * 1024 * 1024))
for tool in gzip gunzip tar docker-registry python3 curl; do
    command -v "$tool" >/dev/null || die "$tool is missing (contrib/deps.sh test)"
done
bench_init "$1" fixtures/mktar
bench_header "nook pull benchmark"

# --- the image: as bench/images.sh builds its big image -----------------------
fx=$tmp/fixture
WORK=$fx/work
MKTAR=$build/fixtures/mktar
FX_PROG=pull.sh
mkdir -p "$WORK"
fx_arch
fx_config='{"Env":['$(fx_jstr "$FX_PATH_ENV")'],"Cmd":["sh"]}'
cc -O2 -o "$tmp/mkdata" "$src/bench/mkdata.c" || die "cannot build bench/mkdata.c"
mkdir "$fx/busybox"
tar -xf "$tmp/busybox.tar" -C "$fx/busybox"
digest_in () { grep -o '"digest":"sha256:[0-9a-f]*"' | head -n 1 | sed 's/.*sha256:\([0-9a-f]*\)"/\1/'; }
mf=$(digest_in < "$fx/busybox/index.json")
base=$(sed 's/.*"layers":\[//' "$fx/busybox/blobs/sha256/$mf" | digest_in)
base_gz=$fx/busybox/blobs/sha256/$base
gunzip -c < "$base_gz" > "$fx/base.tar"
{
    echo "dir srv 0755 0 0"
    echo "dir srv/files 0755 0 0"
    "$tmp/mkdata" files "$fx/files" srv/files "$nfiles" 1
} > "$fx/files.spec" || die "mkdata files failed"
fx_mktar "$fx/files.tar" < "$fx/files.spec"
gzip -n -6 -c < "$fx/files.tar" > "$fx/files.tar.gz" &
gzip_files=$!
"$tmp/mkdata" blob "$fx/data.bin" "$blob_bytes" 2 || die "mkdata blob failed"
printf '%s\n' "dir srv 0755 0 0" "dir srv/blob 0755 0 0" \
    "file srv/blob/data.bin 0644 0 0 $fx/data.bin" | fx_mktar "$fx/blob.tar"
rm -f "$fx/data.bin"
gzip -n -6 -c < "$fx/blob.tar" > "$fx/blob.tar.gz"
wait "$gzip_files" || die "gzip of the files layer failed"
fx_layers_reset
fx_add_layer "$base_gz" "$FX_MT_GZIP" "$fx/base.tar" "busybox"
fx_add_layer "$fx/files.tar.gz" "$FX_MT_GZIP" "$fx/files.tar" "$nfiles small files"
fx_add_layer "$fx/blob.tar.gz" "$FX_MT_GZIP" "$fx/blob.tar" "one 100 MiB file"
fx_image "$fx/big" localhost/bench-big:latest "$fx_config"
fx_pack "$fx/big" "$tmp/big.tar"
big_mb=$(awk -v b="$(fx_size "$tmp/big.tar")" 'BEGIN { printf "%.1f", b / 1e6 }')
rm -rf "$fx"
chmod a+r "$tmp/big.tar"

# --- the registry ---------------------------------------------------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/registry"
printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s/registry/data\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$tmp" "$port" > "$tmp/registry/config.yml"
env -u REGISTRY_AUTH_FILE docker-registry serve "$tmp/registry/config.yml" > "$logs/registry" 2>&1 &
bench_services+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done
ref=127.0.0.1:$port/bench/big:latest
"${nook_env[@]}" "${nook[@]}" load -i "$tmp/big.tar" > "$logs/nook-load" 2>&1 || fail "nook load big.tar" "$logs/nook-load"
"${nook_env[@]}" "${nook[@]}" push -q --tls-verify=false localhost/bench-big:latest "$ref" > "$logs/nook-push" 2>&1 ||
    fail "nook push" "$logs/nook-push"
"${nook_env[@]}" "${nook[@]}" unshare rm -rf "$u/nook-data/nook" > /dev/null 2>&1 || true
echo "image:    $ref, $big_mb MB as an oci-archive (busybox layer; $nfiles files of 1-8 KiB; one file of 100 MiB), gzip layers"
echo "registry: docker-registry $(docker-registry --version 2>/dev/null | awk '{print $NF}') on 127.0.0.1:$port, plain HTTP"

# --- where the pulls write ------------------------------------------------------
# As root, each tool gets a new ext4 filesystem
# (a loop device on a sparse file) every round: on this VM's ext4 the
# time to make 20,000 files depends on what was removed near them in the
# minutes before (bench/README.md, pull.sh), which no directory escapes.
# Otherwise (NOOK_BENCH_PULL_FS=dir, or not root) a new directory.  All
# are made before Podman's first command: its rootless mount namespace
# sees only the mounts that were there when it was made.
fs_mode=${NOOK_BENCH_PULL_FS:-}
if [ -z "$fs_mode" ]; then
    fs_mode=dir
    [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null && fs_mode=fresh
fi
[ "$fs_mode" = fresh ] || [ "$fs_mode" = dir ] || die "NOOK_BENCH_PULL_FS must be fresh or dir"
[ "$fs_mode" = dir ] || [ "$(id -u)" = 0 ] || die "NOOK_BENCH_PULL_FS=fresh needs root (mount)"
pull_mounts=()
pull_fs_cleanup () {
    local m
    for m in "${pull_mounts[@]}"; do umount -l "$m" 2>/dev/null; done
    rm -f "$tmp"/fs-*.img
}
bench_cleanup_hooks+=(pull_fs_cleanup)
# pull_dir PARENT NAME: a new, empty directory PARENT/NAME owned by the user
# (the root of a new filesystem in fresh mode).
pull_dir () {
    local d=$1/$2 img=$tmp/fs-${1##*/}-$2.img
    "${as_user[@]}" mkdir -m 0700 "$d"
    [ "$fs_mode" = fresh ] || return 0
    truncate -s 2G "$img"
    mkfs.ext4 -q -F "$img" > "$logs/mkfs" 2>&1 || fail "mkfs.ext4 $img" "$logs/mkfs"
    pull_mounts+=("$d")    # first: an interrupt right after the mount leaves nothing
    mount -o loop "$img" "$d" > "$logs/mount" 2>&1 || fail "mount -o loop $img $d" "$logs/mount"
    chown "$uid:$gid" "$d" && chmod 0700 "$d" && rmdir "$d/lost+found"
}

"${as_user[@]}" mkdir -m 0700 "$u/podman-stores" "$u/skopeo-out" "$u/podman-tmp"
for ((r = 0; r < warmup + rounds; r++)); do
    pull_dir "$u/nook-data" "round-$r"
    pull_dir "$u/podman-stores" "round-$r"
    "${as_user[@]}" mkdir -m 0700 "$u/podman-stores/round-$r/store" "$u/podman-stores/round-$r/tmp"
    pull_dir "$u/skopeo-out" "round-$r"
done

# --- the tools ------------------------------------------------------------------
tools=(nook)
if command -v podman >/dev/null 2>&1; then
    echo "podman:   $(pm --version 2>&1 | sed 's/^podman version //')"
    bench_podman_driver "$driver"
    pm "${podman_store[@]}" rmi localhost/busybox:latest > /dev/null 2>&1 || true
    tools+=(podman)
else
    echo "podman:   NOT INSTALLED (Debian package: podman)"
fi
if command -v skopeo >/dev/null 2>&1; then
    echo "skopeo:   $(skopeo --version 2>&1 | sed 's/^skopeo version //')"
    tools+=(skopeo)
else
    echo "skopeo:   NOT INSTALLED (Debian package: skopeo)"
fi
podman_env+=(TMPDIR="$u/podman-tmp")
skopeo_env=("${podman_env[@]}")
# Podman's stores in fresh mode go with their filesystems; a directory
# store holds files of subordinate ids and is removed through podman.
[ "$fs_mode" = fresh ] || bench_podman_dirs=("$u/podman-stores")

# shellcheck disable=SC2034
set_round () {
    local n=$1 d=$u/podman-stores/round-$1
    nook_pull_cmd=("${nook[@]}" --root "$u/nook-data/round-$n" --runroot "$u/nook-run/round-$n"
                   pull -q --tls-verify=false "$ref")
    podman_pull_cmd=(env TMPDIR="$d/tmp" podman "${podman_store[@]}" --root "$d/store"
                     --runroot "$u/podman-run/round-$n" pull -q --tls-verify=false "$ref")
    skopeo_pull_cmd=(env TMPDIR="$u/skopeo-out/round-$n" skopeo copy -q --src-tls-verify=false
                     "docker://$ref" "oci:$u/skopeo-out/round-$n/image")
}
for t in nook podman skopeo; do declare -a "${t}_pull_ms=()" "${t}_pull_kb=()"; done
timed () {
    local tool=$1 out rc ns kb
    local log=$logs/timed-$tool
    local -n cmd=${tool}_pull_cmd env=${tool}_env ms=${tool}_pull_ms rss=${tool}_pull_kb
    out=$("${env[@]}" "$timeit" -r "$log" "${cmd[@]}") && rc=0 || rc=$?
    [ "$rc" = 0 ] || fail "$tool pull (exit status $rc): ${cmd[*]}" "$log"
    read -r ns kb <<< "$out"
    [ "$2" = timed ] || return 0
    ms+=("$ns") rss+=("$kb")
}
case $fs_mode in
    fresh) where="into a new ext4 filesystem of its own (loop device)" ;;
    *) where="into a new directory" ;;
esac
echo "method:   $warmup warm-up and $rounds timed round(s); each tool pulls $where each round;" \
     "the order of the tools rotates every round; sync before each timed command; monotonic clock from fork to wait, peak RSS from wait4"
for ((r = 0; r < warmup + rounds; r++)); do
    mode=timed
    ((r < warmup)) && mode=warm
    set_round "$r"
    round=("${tools[@]:r % ${#tools[@]}}" "${tools[@]:0:r % ${#tools[@]}}")
    for t in "${round[@]}"; do
        sync
        timed "$t" "$mode"
    done
done

# --- report ---------------------------------------------------------------------
echo
for t in "${tools[@]}"; do
    local_cmd=${t}_pull_cmd[*]
    printf '  %-11s %s\n' "$t cmd:" "${!local_cmd}"
done
bench_table_head "peak RSS MB"
declare -A med
for t in "${tools[@]}"; do
    declare -n kb=${t}_pull_kb
    bench_row "$t" "${t}_pull_ms" "$(awk -v k="$(bench_median "${kb[@]}")" 'BEGIN { printf "%.0f", k / 1024 }')"
    med[$t]=$row_med
    unset -n kb
done
for t in podman skopeo; do
    [ -n "${med[$t]:-}" ] && echo "ratio $t/nook (medians): $(bench_ratio "${med[$t]}" "${med[nook]}")x"
done
echo
bench_load_after
if [ -n "${med[podman]:-}" ]; then
    r=$(bench_ratio "${med[podman]}" "${med[nook]}")
    met=$(awk -v r="$r" 'BEGIN { print (r >= 2) ? "met" : "NOT met" }')
    echo "verdict: pull: ratio podman/nook ${r}x vs target >= 2x: $met"
else
    echo "verdict: pull: ratio not measured (podman is not installed)"
fi
