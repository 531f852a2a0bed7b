#!/bin/bash
# Start-up benchmark: nook against Podman on the same image, in one run.
#   bench/startup.sh BUILD_DIR          (what `make bench` runs)
#
# Times `nook run --rm IMAGE true` and
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

die () { echo "startup.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: bench/startup.sh BUILD_DIR"
build=$(cd "$1" && pwd) || die "no build directory $1"
src=$(cd "$(dirname "$0")/.." && pwd)
image=localhost/busybox:latest
warmup=3
rounds=${NOOK_BENCH_ROUNDS:-30}
driver=${NOOK_BENCH_PODMAN_DRIVER:-overlay}
case $rounds in ''|*[!0-9]*|0) die "NOOK_BENCH_ROUNDS must be a positive integer, not '$rounds'" ;; esac
for f in bin/nook libexec/nook/nook-monitor libexec/nook/nook-runtime fixtures/busybox.tar; do
    [ -e "$build/$f" ] || die "$build/$f is missing: run 'make all fixtures' first"
done
command -v cc >/dev/null || die "no C compiler (Debian package gcc) for bench/timeit.c"

tmp=$(mktemp -d /tmp/nook-bench.XXXXXX)
chmod 0755 "$tmp"
cd "$tmp"    # every command runs here: the caller's cwd may be closed to the test user

# --- who runs the containers -------------------------------------------------
# as_user: the prefix that runs a command as the unprivileged user with a
# clean environment.  Per-tool variables follow it on the env command line.
base_path=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
if [ "$(id -u)" = 0 ]; then
    user=$("$src/tests/setup-root.sh") || die "tests/setup-root.sh failed"
    uid=$(id -u "$user") gid=$(id -g "$user")
    home=$(getent passwd "$user" | cut -d: -f6)
    # Stage the install where the test user can read it, as run-tests.sh
    # does: the source tree may sit in root's 0700 home.
    make -s -C "$src" install BUILD="$build" PREFIX="$tmp/prefix" DESTDIR= >/dev/null
    prefix=$tmp/prefix
    as_user=(setpriv --reuid="$uid" --regid="$gid" --init-groups
             env -i PATH="$base_path" HOME="$home" USER="$user" LOGNAME="$user" LANG=C.UTF-8)
    who="user $user (uid $uid), set up by tests/setup-root.sh"
else
    user=$(id -un) uid=$(id -u) gid=$(id -g)
    prefix=$build
    as_user=(env -i PATH="$PATH:$base_path" HOME="$HOME" USER="$user" LOGNAME="$user" LANG=C.UTF-8)
    who="user $user (uid $uid)"
fi
cp "$build/fixtures/busybox.tar" "$tmp/busybox.tar"
cc -O2 -o "$tmp/timeit" "$src/bench/timeit.c" || die "cannot build bench/timeit.c"
chmod -R a+rX "$tmp"
# The user's private part: nook's data and runtime dirs, Podman's home and
# runtime dir.  0700, as runtime dirs must be.
mkdir -m 0700 "$tmp/u"
[ "$(id -u)" = 0 ] && chown "$uid:$gid" "$tmp/u"
u=$tmp/u
"${as_user[@]}" mkdir -m 0700 "$u/nook-data" "$u/nook-run" "$u/nook-config" \
    "$u/podman-home" "$u/podman-run" "$u/logs"
logs=$u/logs
timeit=$tmp/timeit

# How each tool is run.  nook: a private XDG_DATA_HOME (its store) and
# XDG_RUNTIME_DIR.  Podman rootless: a private HOME, XDG dirs and runtime
# dir, so its storage, config, pause process and events are its own.
nook_env=("${as_user[@]}" XDG_DATA_HOME="$u/nook-data" XDG_RUNTIME_DIR="$u/nook-run"
          XDG_CONFIG_HOME="$u/nook-config")
podman_env=("${as_user[@]}" HOME="$u/podman-home" XDG_DATA_HOME="$u/podman-home/.local/share"
            XDG_CONFIG_HOME="$u/podman-home/.config" XDG_RUNTIME_DIR="$u/podman-run")
nook=("$prefix/bin/nook")
podman_global=()    # podman's global flags, filled in below
podman_runopts=()   # extra `podman run` flags, filled in below

# pm ARG...: podman as the user (rootless) or, in the fallback, as root.
podman_kind=rootless
pm () {
    if [ "$podman_kind" = root ]; then podman "$@"; else "${podman_env[@]}" podman "$@"; fi
}
podman_store=()     # storage flags: the driver; in the root fallback, private paths

# --- clean-up ---------------------------------------------------------------
# nook's store holds files of subordinate ids: remove it from inside the
# user namespace.  Podman's store likewise (system reset), then stop the
# pause process this run's rootless Podman started (by the pid in its pid file).
cleanup () {
    set +e
    cd /
    if [ -d "$u/nook-data" ]; then
        "${nook_env[@]}" "${nook[@]}" unshare rm -rf "$u/nook-data" > "$tmp/cleanup.log" 2>&1 ||
            { echo "clean-up: nook unshare rm -rf failed:"; cat "$tmp/cleanup.log"; } >&2
    fi
    if [ "$podman_kind" = root ]; then
        podman "${podman_store[@]}" system reset -f > "$tmp/cleanup.log" 2>&1 ||
            { echo "clean-up: podman system reset (root) failed:"; cat "$tmp/cleanup.log"; } >&2
    fi
    if [ -e "$u/podman-home/.local/share/containers" ]; then
        local pause
        pause=$(cat "$u/podman-run/libpod/tmp/pause.pid" 2>/dev/null)
        "${podman_env[@]}" podman system reset -f > "$tmp/cleanup.log" 2>&1 ||
            { echo "clean-up: podman system reset failed:"; cat "$tmp/cleanup.log"; } >&2
        pause=${pause:-$(cat "$u/podman-run/libpod/tmp/pause.pid" 2>/dev/null)}
        if [ -n "$pause" ] && [ "$(ps -o uid= -p "$pause" 2>/dev/null | tr -d ' ')" = "$uid" ]; then
            kill "$pause" 2>/dev/null
        fi
    fi
    rm -rf "$tmp" 2>/dev/null
    [ -e "$tmp" ] && echo "clean-up: could not remove all of $tmp" >&2
}
trap cleanup EXIT
trap "exit 130" INT
trap "exit 143" TERM

# fail WHAT LOG: a command failed: say which, show its output, stop.
fail () {
    local what=$1 log=$2
    echo "FAILED: $what" >&2
    sed 's/^/    /' "$log" | tail -n 20 >&2
    exit 1
}

# --- machine and versions ---------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "== nook start-up benchmark"
echo "machine:  $(nproc) CPUs${cpu:+ ($cpu)}, kernel $(uname -r) $(uname -m)"
echo "runs as:  $who"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min load average before the runs)"
nook_version=$("${nook_env[@]}" "${nook[@]}" --version 2>&1) || die "nook --version failed: $nook_version"
echo "nook:     $nook_version ($prefix/bin/nook)"

# --- the image --------------------------------------------------------------
"${nook_env[@]}" "${nook[@]}" load -i "$tmp/busybox.tar" > "$logs/nook-load" 2>&1 ||
    fail "nook load -i busybox.tar" "$logs/nook-load"

# --- Podman: find the least it needs to run a container here ----------------
# Candidate extra flags ("g:" go before `run`, "r:" after it).  The probe
# below passes the fewest of them that make `podman run` work here.
flag_sets=(
    # crun 1.8 refuses a hybrid cgroup layout (v1 hierarchies next to a v2
    # mount with no controllers): "cgroups in hybrid mode not supported,
    # drop all controllers from cgroupv2".  runc copes with it.
    "g:--runtime runc"
    # With no systemd user session to ask for a scope, podman must manage
    # cgroups itself.
    "g:--cgroup-manager cgroupfs"
    # Rootless on cgroup v1 there is no hierarchy delegated to the user:
    # do not make a cgroup for the container at all.
    "r:--cgroups disabled"
    # podman sets the container's RLIMIT_NOFILE/NPROC to its own hard limit
    # or above; raising a limit needs CAP_SYS_RESOURCE, which root lacks here.
    "r:--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
    # The default events backend (journald, or a file) can be unusable.
    "g:--events-backend none"
)
flag_why=(
    "crun refuses this hybrid cgroup v1/v2 layout; runc runs"
    "no systemd user session to create the cgroup scope"
    "no cgroup hierarchy delegated to the user"
    "raising RLIMIT_NOFILE/NPROC needs CAP_SYS_RESOURCE"
    "the default events backend is unusable here"
)

# podman_args SET...: set pg (global flags) and pr (run flags) from the
# storage flags and the flag sets given by index.
podman_args () {
    pg=("${podman_store[@]}") pr=()
    local i f
    for i in "$@"; do
        f=${flag_sets[$i]}
        # shellcheck disable=SC2206  # the flags are single words
        case $f in g:*) pg+=(${f#g:}) ;; r:*) pr+=(${f#r:}) ;; esac
    done
}

# podman_try SET...: one `podman run` with those flag sets, output to the probe log.
podman_try () {
    podman_args "$@"
    pm "${pg[@]}" run --rm --pull never --network none "${pr[@]}" "$image" true \
        > "$logs/podman-probe" 2>&1
}
probe_error () { grep -a -m1 -iE "error" "$logs/podman-probe" || tail -n1 "$logs/podman-probe"; }

# podman_probe: find a smallest combination of flag sets that runs a
# container (the empty one first, then each set alone, then pairs, ...;
# among equals, the one listed first); sets `chosen`.  Some sets exclude
# each other (runc refuses --cgroups disabled), so they are not just piled up.
podman_probe () {
    local n=${#flag_sets[@]} size mask i
    local -a sets shown
    for ((size = 0; size <= n; size++)); do
        for ((mask = 0; mask < (1 << n); mask++)); do
            sets=()
            for ((i = 0; i < n; i++)); do ((mask & (1 << i))) && sets+=("$i"); done
            [ ${#sets[@]} -eq "$size" ] || continue
            if podman_try "${sets[@]}"; then chosen=("${sets[@]}"); return 0; fi
            shown=("${pg[@]:${#podman_store[@]}}" "${pr[@]}")
            echo "  tried ${shown[*]:-no extra flags}: $(probe_error)" | cut -c 1-200
        done
    done
    return 1
}

# podman_load: load the archive into the current store.
podman_load () {
    pm "${podman_store[@]}" load -i "$tmp/busybox.tar" > "$logs/podman-load" 2>&1
}

podman_mode=none    # none | rootless | root
no_podman="podman cannot run a container here"
if ! command -v podman >/dev/null 2>&1; then
    no_podman="podman is not installed: Debian package podman"
    echo "podman:   NOT INSTALLED (Debian package: podman); reporting nook alone"
else
    # Even `podman --version` creates dirs in XDG_RUNTIME_DIR: ask in the private env.
    podman_version=$(pm --version 2>&1 | sed 's/^podman version //')
    echo "podman:   $podman_version ($(command -v podman))"
    # Storage: Debian's podman 4.3 picks vfs for a fresh rootless store, which
    # copies the whole image for every container.  nook mounts the image's
    # layers with overlay, so Podman gets overlay too (kernel overlay, its
    # fastest choice) unless NOOK_BENCH_PODMAN_DRIVER=default.
    if [ "$driver" != default ]; then podman_store=(--storage-driver "$driver"); fi
    if ! podman_load && [ ${#podman_store[@]} -gt 0 ]; then
        echo "  --storage-driver $driver does not work: $(grep -m1 -i error "$logs/podman-load"); using Podman's default"
        pm system reset -f >/dev/null 2>&1 || true
        podman_store=()
        podman_load || fail "podman load -i busybox.tar (rootless)" "$logs/podman-load"
    elif [ ! -s "$logs/podman-load" ] || ! grep -q "Loaded image" "$logs/podman-load"; then
        fail "podman load -i busybox.tar (rootless)" "$logs/podman-load"
    fi
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
            podman_load || fail "podman load -i busybox.tar (as root)" "$logs/podman-load"
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
    runtime=$(pm "${podman_global[@]}" info --format '{{.Host.OCIRuntime.Path}}' 2>/dev/null) || runtime=
    storage=$(pm "${podman_global[@]}" info --format '{{.Store.GraphDriverName}}' 2>/dev/null) || storage=unknown
    echo "  runs $podman_mode; OCI runtime ${runtime:-unknown}: $("${runtime:-false}" --version 2>/dev/null | head -n 1 || echo "version unknown"); storage driver $storage"
    [ ${#chosen[@]} -eq 0 ] && echo "  needs no extra flags here"
    for i in "${chosen[@]}"; do
        echo "  needs ${flag_sets[$i]#?:}  (${flag_why[$i]})"
    done
fi

nook_cmd=("${nook[@]}" run --rm "$image" true)
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

# stats NS...: "median min p90" in ms (p90 by nearest rank).
stats () {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 / 1e6 }
        END { n = NR; med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2;
              k = int(0.9 * n); if (k < 0.9 * n) k++; if (k < 1) k = 1;
              printf "%.1f %.1f %.1f\n", med, v[1], v[k] }'
}
read -r n_med n_min n_p90 <<< "$(stats "${nook_ms[@]}")"
echo
printf '%-8s %10s %10s %10s %6s\n' tool "median ms" "min ms" "p90 ms" runs
printf '%-8s %10s %10s %10s %6s\n' nook "$n_med" "$n_min" "$n_p90" "${#nook_ms[@]}"
if [ "$podman_mode" != none ]; then
    read -r p_med p_min p_p90 <<< "$(stats "${podman_ms[@]}")"
    printf '%-8s %10s %10s %10s %6s\n' "podman" "$p_med" "$p_min" "$p_p90" "${#podman_ms[@]}"
    ratio=$(awk -v p="$p_med" -v n="$n_med" 'BEGIN { printf "%.1f", p / n }')
    echo "ratio podman/nook (medians): ${ratio}x$mode_note"
fi

echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) after the runs (a load near or above $(nproc) means the numbers are noisy)"

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
