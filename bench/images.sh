#!/bin/bash
# Image benchmark: nook against Podman on the same archives, in one run.
#   bench/images.sh BUILD_DIR          (what `make bench` runs)
#
# Times, alternating the two tools round by round:
#   load    `load -i big.tar`, a ~215 MB image (busybox, 20,000 small files,
#           one 100 MiB file) into a new, empty store each round;
#   save    `save --format oci-archive -o FILE IMAGE` of that image, right
#           after the load (skipped, and said so, while `nook save` does not
#           exist);
#   images  `images` with 50 images in the store, and /bin/true beside it
#           as the floor (what starting any process costs here);
# and prints per tool the median, min and p90 in ms (and the peak RSS of
# load and save), the ratio podman/nook of the medians, and one verdict line
# per target (load at least 2x faster than Podman; `images` under 10 ms).
# It reports; it never fails because of a number.  It fails (exit 1) only
# when a command fails: a failed run is an error, never a fast sample.
#
# BUILD_DIR holds bin/nook, libexec/nook/*, fixtures/busybox.tar and
# fixtures/mktar (from tests/fixtures); the test images are built from them
# and bench/mkdata.c's seeded data in the temporary directory, byte for byte
# the same on every run (bench/README.md describes them).
# Environment: NOOK_BENCH_LOAD_ROUNDS (default 3) timed rounds of load and
# save after 1 warm-up round; NOOK_BENCH_IMAGES_ROUNDS (default 30) timed
# rounds of images after 3 warm-up runs; NOOK_BENCH_PODMAN_DRIVER (default
# overlay, "default" for Podman's own choice) the storage driver Podman uses.
#
# Rootless only.  As root, it prepares the unprivileged test user the way
# `make check` does (tests/setup-root.sh) and runs every nook and podman
# command as that user.  Everything lives in one temporary directory --
# the archives, nook's store, Podman's home, storage, runtime and temporary
# dir -- which is removed at the end.  Nothing is pulled.
set -euo pipefail

bench_prog=images.sh
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
# The fixtures' helpers (image layout, oci-archive packing): sourced here,
# at the top level, because it declares a global associative array.
# shellcheck source=tests/fixtures/common.sh
. "$here/../tests/fixtures/common.sh"

[ $# -eq 1 ] || die "usage: bench/images.sh BUILD_DIR"
load_rounds=${NOOK_BENCH_LOAD_ROUNDS:-3}
images_rounds=${NOOK_BENCH_IMAGES_ROUNDS:-30}
driver=${NOOK_BENCH_PODMAN_DRIVER:-overlay}
bench_count NOOK_BENCH_LOAD_ROUNDS "$load_rounds"
bench_count NOOK_BENCH_IMAGES_ROUNDS "$images_rounds"
load_warmup=1 images_warmup=3
nsmall=50                           # images in the store for `images` (the issue's number)
nfiles=20000                        # small files in the big image's second layer
blob_bytes=$((100 * 1024 * 1024))   # the one big file in its third layer
big_ref=localhost/bench-big:latest
for tool in gzip gunzip sha256sum tar; do
    command -v "$tool" >/dev/null || die "$tool is missing"
done
bench_init "$1" fixtures/mktar

bench_header "nook image benchmark"

# Podman extracts an oci-archive to a temporary directory before it reads
# it ($TMPDIR, else /var/tmp): keep that inside this run's directory too.
"${as_user[@]}" mkdir -m 0700 "$u/podman-tmp" "$u/out"
podman_env+=(TMPDIR="$u/podman-tmp")

# --- the test images ----------------------------------------------------------
# Built with tests/fixtures/common.sh and mktar, as the fixtures are: fixed
# mtimes, fixed entry order, `gzip -n`.  The layers are gzip level 6, what
# Go's compress/gzip (and so docker, buildah and skopeo) write by default;
# a registry serves them as pushed, and load has to decompress and verify
# them.
#   big.tar      localhost/bench-big:latest
#                1. the busybox layer of fixtures/busybox.tar (the same blob)
#                2. srv/files/dNN/dN/fNNNNN.txt: $nfiles files of 1-8 KiB of
#                   hex text, 100 to a directory (gzip halves it)
#                3. srv/blob/data.bin: 100 MiB of pseudo-random bytes
#                   (incompressible)
#   small/N.tar  localhost/bench-small-N:latest: the busybox layer, and a
#                layer holding only etc/bench-id (N)
# Content comes from bench/mkdata.c's seeded PRNG, not /dev/urandom, so every
# run measures the same bytes.
fx=$tmp/fixture
WORK=$fx/work                       # common.sh's scratch (configs, manifests, specs)
MKTAR=$build/fixtures/mktar
FX_PROG=images.sh
mkdir -p "$WORK" "$tmp/small"
fx_arch
fx_config='{"Env":['$(fx_jstr "$FX_PATH_ENV")'],"Cmd":["sh"]}'
built_at=$(date +%s%N)

cc -O2 -o "$tmp/mkdata" "$src/bench/mkdata.c" || die "cannot build bench/mkdata.c"

# The base layer: the one of busybox.tar (index -> manifest -> first layer).
mkdir "$fx/busybox"
tar -xf "$tmp/busybox.tar" -C "$fx/busybox"
digest_in () { grep -o '"digest":"sha256:[0-9a-f]*"' | head -n 1 | sed 's/.*sha256:\([0-9a-f]*\)"/\1/'; }
mf=$(digest_in < "$fx/busybox/index.json")
[ -n "$mf" ] || die "no manifest in busybox.tar"
base=$(sed 's/.*"layers":\[//' "$fx/busybox/blobs/sha256/$mf" | digest_in)
[ -n "$base" ] || die "no layer in busybox.tar's manifest"
base_gz=$fx/busybox/blobs/sha256/$base
gunzip -c < "$base_gz" > "$fx/base.tar"

# Layer 2: the small files.
{
    echo "dir srv 0755 0 0"
    echo "dir srv/files 0755 0 0"
    "$tmp/mkdata" files "$fx/files" srv/files "$nfiles" 1
} > "$fx/files.spec" || die "mkdata files failed"
fx_mktar "$fx/files.tar" < "$fx/files.spec"
# Compressing takes seconds: one layer while the next is made.
gzip -n -6 -c < "$fx/files.tar" > "$fx/files.tar.gz" &
gzip_files=$!
# Layer 3: the big file.
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
fx_image "$fx/big" "$big_ref" "$fx_config"
fx_pack "$fx/big" "$tmp/big.tar"
size_mb () { awk -v b="$(fx_size "$1")" 'BEGIN { printf "%.1f", b / 1e6 }'; }
big_desc="oci-archive $(size_mb "$tmp/big.tar") MB: busybox layer;"
big_desc+=" $nfiles files of 1-8 KiB ($(size_mb "$fx/files.tar") MB tar, $(size_mb "$fx/files.tar.gz") MB gzip);"
big_desc+=" one file of 100 MiB ($(size_mb "$fx/blob.tar") MB tar, $(size_mb "$fx/blob.tar.gz") MB gzip)"
rm -rf "$fx/big" "$fx/files.tar" "$fx/blob.tar" "$fx/files.tar.gz" "$fx/blob.tar.gz"

# The small images.
for ((i = 1; i <= nsmall; i++)); do
    echo "text etc/bench-id 0644 0 0 $i" | fx_mktar "$fx/id.tar"
    gzip -n -6 -c < "$fx/id.tar" > "$fx/id-$i.tar.gz"
    fx_layers_reset
    fx_add_layer "$base_gz" "$FX_MT_GZIP" "$fx/base.tar" "busybox"
    fx_add_layer "$fx/id-$i.tar.gz" "$FX_MT_GZIP" "$fx/id.tar" "etc/bench-id $i"
    fx_image "$fx/small" "localhost/bench-small-$i:latest" "$fx_config"
    fx_pack "$fx/small" "$tmp/small/$i.tar"
done
# Everything but the 20,000 source files, which go at the end (see the load
# rounds for why).
find "$fx" -mindepth 1 -maxdepth 1 ! -name files -exec rm -rf {} +
chmod -R a+rX "$tmp/big.tar" "$tmp/small"
built_s=$(awk -v a="$built_at" -v b="$(date +%s%N)" 'BEGIN { printf "%.0f", (b - a) / 1e9 }')
echo "image:    $big_ref, $big_desc (built in $built_s s)"
echo "images:   $nsmall images localhost/bench-small-N:latest, each the busybox layer and one tiny layer"

# --- the tools ----------------------------------------------------------------
# tool_run TOOL WHAT ARG...: TOOL ARG..., untimed, output to the log WHAT;
# a failure stops the benchmark.
tool_run () {
    local tool=$1 what=$2
    shift 2
    local log=$logs/$tool-$what
    if [ "$tool" = nook ]; then
        "${nook_env[@]}" "${nook[@]}" "$@" > "$log" 2>&1 || fail "nook $*" "$log"
    else
        "${podman_env[@]}" podman "${podman_store[@]}" "$@" > "$log" 2>&1 || fail "podman $*" "$log"
    fi
}

tools=(nook)
no_podman=
if ! command -v podman >/dev/null 2>&1; then
    no_podman="podman is not installed: Debian package podman"
    echo "podman:   NOT INSTALLED (Debian package: podman); reporting nook alone"
else
    # Even `podman --version` creates dirs in XDG_RUNTIME_DIR: ask in the private env.
    podman_version=$(pm --version 2>&1 | sed 's/^podman version //')
    echo "podman:   $podman_version ($(command -v podman))"
    # The driver check loads busybox.tar; the store starts empty all the same.
    bench_podman_driver "$driver"
    tool_run podman rmi rmi localhost/busybox:latest
    storage=$(pm "${podman_store[@]}" info --format '{{.Store.GraphDriverName}}' 2>/dev/null) || storage=unknown
    echo "  runs rootless; storage driver $storage"
    tools+=(podman)
fi

# The commands, by tool and operation, read through namerefs.  load and
# save get a store of their own each round (see below): set_round sets
# them for a round.
# shellcheck disable=SC2034
{
    nook_env_note="with XDG_DATA_HOME, XDG_RUNTIME_DIR and XDG_CONFIG_HOME private to this run"
    podman_env_note="with HOME, XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_RUNTIME_DIR and TMPDIR private to this run"
    nook_images_cmd=("${nook[@]}" images)
    podman_images_cmd=(podman "${podman_store[@]}" images)
    # The floor: what starting any process costs here, timed alongside.
    true_env=("${as_user[@]}")
    true_images_cmd=(/bin/true)
}
# shellcheck disable=SC2034
set_round () {
    local n=$1
    nook_round=(--root "$u/nook-data/round-$n" --runroot "$u/nook-run/round-$n")
    podman_round=(--root "$u/podman-stores/round-$n" --runroot "$u/podman-run/round-$n")
    nook_load_cmd=("${nook[@]}" "${nook_round[@]}" load -i "$tmp/big.tar")
    podman_load_cmd=(podman "${podman_store[@]}" "${podman_round[@]}" load -i "$tmp/big.tar")
    nook_save_cmd=("${nook[@]}" "${nook_round[@]}" save --format oci-archive -o "$u/out/nook.tar" "$big_ref")
    podman_save_cmd=(podman "${podman_store[@]}" "${podman_round[@]}" save --format oci-archive -o "$u/out/podman.tar" "$big_ref")
}

# `nook save` is new: measure it only where this build has it.
save=yes
if ! "${nook_env[@]}" "${nook[@]}" save --help > "$logs/nook-save-help" 2>&1; then
    save=no
    echo "save:     nook save not available (\`nook save --help\` fails): save is not measured"
fi
ops=(load)
[ "$save" = yes ] && ops+=(save)
ops+=(images)

# The round stores stay until the end (below): check they fit.  A round
# takes ~380 MB for nook (the blobs as they came, and the layers), ~230 MB
# for Podman, and the saved archives ~220 MB each at most.
need_mb=$(((load_warmup + load_rounds) * 650 + 1000))
have_mb=$(df -Pm "$tmp" | awk 'NR == 2 { print $4 }')
[ "$have_mb" -ge "$need_mb" ] ||
    die "$tmp has $have_mb MB free; $((load_warmup + load_rounds)) load rounds need about $need_mb MB (NOOK_BENCH_LOAD_ROUNDS)"

echo "method:     $load_warmup warm-up round, then $load_rounds rounds of load$([ "$save" = yes ] && echo " and save")," \
     "each into a new store; $images_warmup warm-up runs, then $images_rounds rounds of images (and of /bin/true);" \
     "the tools alternate (order swapped every round); monotonic clock from fork to wait, peak RSS from wait4"

# --- the measurement ----------------------------------------------------------
declare -A saved_mb med_nook
# timed TOOL OP MODE: one timed run of TOOL's OP command; with MODE "timed",
# the time and peak RSS go to TOOL_OP_ms and TOOL_OP_kb.
for t in nook podman true; do
    for op in load save images; do
        declare -a "${t}_${op}_ms=()" "${t}_${op}_kb=()"
    done
done
timed () {
    local tool=$1 op=$2 out rc ns kb
    local log=$logs/timed-$tool-$op   # written by the user: a name of its own
    local -n cmd=${tool}_${op}_cmd env=${tool}_env ms=${tool}_${op}_ms rss=${tool}_${op}_kb
    out=$("${env[@]}" "$timeit" -r "$log" "${cmd[@]}") && rc=0 || rc=$?
    [ "$rc" = 0 ] || fail "$tool $op (exit status $rc): ${cmd[*]}" "$log"
    read -r ns kb <<< "$out"
    [ -n "$ns" ] || fail "$tool $op: no time measured" "$log"
    [ "$3" = timed ] || return 0
    ms+=("$ns") rss+=("$kb")
}

# order I: the tools in round I's order (swapped every other round, so
# neither always runs right after the other).
order () {
    local t
    if (($1 % 2 == 0)); then round=("${tools[@]}"); return; fi
    round=()
    for t in "${tools[@]}"; do round=("$t" "${round[@]}"); done
}

# Load (and save) rounds.  Each round loads into a new, empty store: its
# own --root and --runroot, made beforehand by an untimed `images`, so
# neither tool pays for setting up a store, and the stores stay until the
# end.  Removing the image between rounds instead would free 20,000 inodes
# just before the next load, and on ext4 without a journal (this VM's) a
# new file then skips every inode freed in the last minute, each checked
# in the inode table: that doubled load times and made them depend on what
# ran before, not on the tool.  (The same is why the fixture's 20,000
# source files stay until the end.)  Before each timed command the
# previous one's dirty pages are written back (sync, untimed), so neither
# tool pays for the other's writes.
"${as_user[@]}" mkdir -m 0700 "$u/podman-stores"
[ ${#tools[@]} -gt 1 ] && bench_podman_dirs=("$u/podman-stores")
for ((r = 0; r < load_warmup + load_rounds; r++)); do
    mode=timed
    ((r < load_warmup)) && mode=warm
    set_round "$r"
    tool_run nook init "${nook_round[@]}" images -q
    [ ${#tools[@]} -gt 1 ] && tool_run podman init "${podman_round[@]}" images -q
    order "$r"
    for t in "${round[@]}"; do
        sync
        timed "$t" load "$mode"
        if [ "$save" = yes ]; then
            sync
            timed "$t" save "$mode"
            [ -s "$u/out/$t.tar" ] || fail "$t save wrote nothing" "$logs/timed-$t-save"
            saved_mb[$t]=$(size_mb "$u/out/$t.tar")
            rm -f "$u/out/$t.tar"
        fi
    done
done

# The round stores and the fixture's files go now, in the background while
# the small images load (untimed), rather than at the end: removing
# 20,000 files takes 5-10 s on this VM, and there are two per round.
# `images` is timed only once they are gone, on a quiet machine.
(
    "${nook_env[@]}" "${nook[@]}" unshare rm -rf "$u"/nook-data/round-*
    if [ ${#tools[@]} -gt 1 ]; then "${podman_env[@]}" podman unshare rm -rf "$u/podman-stores"; fi
    rm -rf "$fx"
) > "$logs/remove-rounds" 2>&1 &
remove_rounds=$!

# `images`: load the small images (untimed), check each tool lists them all.
for t in "${tools[@]}"; do
    for ((i = 1; i <= nsmall; i++)); do
        tool_run "$t" load-small load -i "$tmp/small/$i.tar"
    done
    tool_run "$t" check images
    n=$(grep -c 'localhost/bench-small-' "$logs/$t-check") || true
    [ "$n" = "$nsmall" ] || fail "$t images lists $n of the $nsmall images" "$logs/$t-check"
done
wait "$remove_rounds" || fail "removing the load rounds' stores" "$logs/remove-rounds"
for ((r = 0; r < images_warmup; r++)); do
    for t in "${tools[@]}"; do timed "$t" images warm; done
done
for ((r = 0; r < images_rounds; r++)); do
    order "$r"
    for t in "${round[@]}"; do timed "$t" images timed; done
    timed true images timed
done

# --- report -------------------------------------------------------------------
# report OP: OP's commands, its table and the ratio; sets med_nook[OP] and
# ratio[OP].
declare -A ratio
report () {
    local op=$1 t p_med=
    echo
    case $op in
    load)   echo "load: load -i big.tar, into a new, empty store each round (its own --root and --runroot)" ;;
    save)   echo "save: save --format oci-archive, right after the load" ;;
    images) echo "images: images, with $nsmall images in the store" ;;
    esac
    for t in "${tools[@]}"; do
        local -n cmd=${t}_${op}_cmd note=${t}_env_note
        printf '  %-11s %s\n' "$t cmd:" "${cmd[*]}"
        printf '  %-11s %s\n' "" "$note"
    done
    if [ "$op" = images ]; then
        # shellcheck disable=SC2119  # no extra columns
        bench_table_head
    else
        bench_table_head "peak RSS MB"
    fi
    for t in "${tools[@]}"; do
        local -n kb=${t}_${op}_kb
        if [ "$op" = images ]; then
            bench_row "$t" "${t}_${op}_ms"
        else
            bench_row "$t" "${t}_${op}_ms" "$(awk -v k="$(bench_median "${kb[@]}")" 'BEGIN { printf "%.0f", k / 1024 }')"
        fi
        if [ "$t" = nook ]; then med_nook[$op]=$row_med; else p_med=$row_med; fi
    done
    if [ "$op" = images ]; then
        bench_row true true_images_ms
        echo "  (true: /bin/true as the same user, the floor for any command here)"
    fi
    if [ -n "$p_med" ]; then
        ratio[$op]=$(bench_ratio "$p_med" "${med_nook[$op]}")
        echo "ratio podman/nook (medians): ${ratio[$op]}x"
    fi
    if [ "$op" = save ]; then
        for t in "${tools[@]}"; do
            echo "  $t wrote ${saved_mb[$t]} MB (big.tar is $(size_mb "$tmp/big.tar") MB)"
        done
    fi
}
for op in "${ops[@]}"; do report "$op"; done

echo
bench_load_after

# --- verdict (a report, not a test) -------------------------------------------
if [ -n "$no_podman" ]; then
    echo "verdict: load: ratio not measured ($no_podman)"
else
    met=$(awk -v r="${ratio[load]}" 'BEGIN { print (r >= 2) ? "met" : "NOT met" }')
    echo "verdict: load: ratio ${ratio[load]}x vs target >= 2x: $met"
fi
met=$(awk -v n="${med_nook[images]}" 'BEGIN { print (n < 10) ? "met" : "NOT met" }')
echo "verdict: images: nook median ${med_nook[images]} ms vs target < 10 ms: $met"
