# shellcheck shell=bash disable=SC2034,SC2154
# What the benchmarks (startup.sh, images.sh, lifecycle.sh) share:
#   - the private temporary directory, the unprivileged user who runs every
#     nook and podman command, and how each tool is run (bench_init);
#   - clean-up of both tools' stores at exit, even on failure or Ctrl-C;
#   - the storage driver Podman gets (bench_podman_driver) and the fewest
#     extra flags it needs to run a container here (podman_probe);
#   - the header lines and the median/min/p90 table (bench_header, bench_row).
#
# The caller sets bench_prog (its name, for messages) before sourcing this,
# and runs with `set -euo pipefail`.  Every variable set here is global on
# purpose: the scripts read them (hence SC2034 off; SC2154: bench_prog).

die () { echo "$bench_prog: $*" >&2; exit 1; }

# bench_count NAME VALUE: VALUE (from the environment variable NAME) must be
# a positive integer.
bench_count () {
    case $2 in ''|*[!0-9]*|0) die "$1 must be a positive integer, not '$2'" ;; esac
}

# bench_init BUILD_DIR [FILE...]: check BUILD_DIR holds nook, its helpers,
# fixtures/busybox.tar and FILE..., make the private temporary directory and
# cd into it, choose the user, stage the install, build timeit.  Sets build,
# src, tmp, u, logs, timeit, prefix, user, uid, gid, who, as_user, nook_env,
# podman_env, nook; installs the clean-up trap as soon as there is
# something to clean.
bench_init () {
    local f
    build=$(cd "$1" && pwd) || die "no build directory $1"
    shift
    src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    for f in bin/nook libexec/nook/nook-monitor libexec/nook/nook-runtime fixtures/busybox.tar "$@"; do
        [ -e "$build/$f" ] || die "$build/$f is missing: run 'make all fixtures' first"
    done
    command -v cc >/dev/null || die "no C compiler (Debian package gcc) for bench/timeit.c"

    tmp=$(mktemp -d /tmp/nook-bench.XXXXXX)
    u=$tmp/u
    trap bench_cleanup EXIT
    trap "exit 130" INT
    trap "exit 143" TERM
    chmod 0755 "$tmp"
    cd "$tmp" || die "cannot enter $tmp"    # every command runs here: the caller's cwd may be closed to the test user

    # as_user: the prefix that runs a command as the unprivileged user with
    # a clean environment.  Per-tool variables follow it on the env command line.
    local base_path=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin home
    if [ "$(id -u)" = 0 ]; then
        user=$("$src/tests/setup-root.sh") || die "tests/setup-root.sh failed"
        uid=$(id -u "$user") gid=$(id -g "$user")
        home=$(getent passwd "$user" | cut -d: -f6)
        # Stage the install where the test user can read it, as run-tests.sh
        # does: the source tree may sit in root's 0700 home.  `-o all`:
        # install what BUILD_DIR holds, as built; do not rebuild it from a
        # tree that may have changed since (or be half-edited).
        make -s -C "$src" -o all install BUILD="$build" PREFIX="$tmp/prefix" DESTDIR= >/dev/null ||
            die "make install of $build failed"
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
    bench_vartmp_before=$(bench_vartmp_list)
    cp "$build/fixtures/busybox.tar" "$tmp/busybox.tar"
    cc -O2 -o "$tmp/timeit" "$src/bench/timeit.c" || die "cannot build bench/timeit.c"
    chmod -R a+rX "$tmp"
    # The user's private part: nook's data and runtime dirs, Podman's home
    # and runtime dir.  0700, as runtime dirs must be.
    mkdir -m 0700 "$tmp/u"
    [ "$(id -u)" = 0 ] && chown "$uid:$gid" "$tmp/u"
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
}

# pm ARG...: podman as the user (rootless) or, in startup.sh's fallback, as root.
podman_kind=rootless
pm () {
    if [ "$podman_kind" = root ]; then podman "$@"; else "${podman_env[@]}" podman "$@"; fi
}
podman_store=()     # storage flags: the driver; in the root fallback, private paths

# --- clean-up ---------------------------------------------------------------
# nook's store holds files of subordinate ids: remove it from inside the
# user namespace.  Podman's store likewise (system reset, and `podman
# unshare rm -rf` for the extra stores listed in bench_podman_dirs), then
# stop the pause process this run's rootless Podman started (by the pid in
# its pid file).
# A script that leaves containers running adds a function that stops them
# to bench_cleanup_hooks; they run first.  Then any process of the user
# that still has this run's directory in its environment (a container's
# monitor or conmon, and their children) is killed by pid.
# A server the script started in the background (pull.sh's registry) adds
# its pid to bench_services: it is stopped before the clean-up waits for
# the script's other background jobs, which it would otherwise wait for
# forever.
bench_podman_dirs=()
bench_cleanup_hooks=()
bench_services=()
bench_cleanup () {
    local d dirs=() hook pause pid
    trap : INT TERM     # a second Ctrl-C must not cut the clean-up short (: and not '':
                        # an ignored signal would stay ignored in every command it runs)
    set +eu
    cd /
    for pid in "${bench_services[@]}"; do kill "$pid" 2>/dev/null; done
    wait    # a background job of the script may still be using the stores
    for hook in "${bench_cleanup_hooks[@]}"; do "$hook"; done
    for d in "${bench_podman_dirs[@]}"; do [ -e "$d" ] && dirs+=("$d"); done
    if [ ${#dirs[@]} -gt 0 ]; then
        "${podman_env[@]}" podman unshare rm -rf "${dirs[@]}" > "$tmp/cleanup.log" 2>&1 ||
            { echo "clean-up: podman unshare rm -rf failed:"; cat "$tmp/cleanup.log"; } >&2
    fi
    if [ "$podman_kind" = root ]; then
        podman "${podman_store[@]}" system reset -f > "$tmp/cleanup.log" 2>&1 ||
            { echo "clean-up: podman system reset (root) failed:"; cat "$tmp/cleanup.log"; } >&2
    elif [ -e "$u/podman-home/.local/share/containers" ]; then
        pause=$(cat "$u/podman-run/libpod/tmp/pause.pid" 2>/dev/null)
        "${podman_env[@]}" podman "${podman_store[@]}" system reset -f > "$tmp/cleanup.log" 2>&1 ||
            { echo "clean-up: podman system reset failed:"; cat "$tmp/cleanup.log"; } >&2
        pause=${pause:-$(cat "$u/podman-run/libpod/tmp/pause.pid" 2>/dev/null)}
        if [ -n "$pause" ] && [ "$(ps -o uid= -p "$pause" 2>/dev/null | tr -d ' ')" = "$uid" ]; then
            kill "$pause" 2>/dev/null
        fi
    fi
    bench_kill_leftovers
    if [ -d "$u/nook-data" ]; then
        "${nook_env[@]}" "${nook[@]}" unshare rm -rf "$u/nook-data" > "$tmp/cleanup.log" 2>&1 ||
            { echo "clean-up: nook unshare rm -rf failed:"; cat "$tmp/cleanup.log"; } >&2
    fi
    bench_vartmp_cleanup
    bench_kill_leftovers
    rm -rf "$tmp" 2>/dev/null
    [ -e "$tmp" ] && echo "clean-up: could not remove all of $tmp" >&2
}

# bench_kill_leftovers: SIGKILL, by pid, every process of the user whose
# environment names this run's directory (nook, nook-monitor, podman,
# conmon: all were started with XDG_RUNTIME_DIR under $u), and all their
# descendants (the containers, fuse-overlayfs).  Normally there are none.
bench_kill_leftovers () {
    local pids
    [ -n "${u:-}" ] && [ -n "${uid:-}" ] || return 0
    pids=$(for f in /proc/[0-9]*/environ; do
               grep -qzF "XDG_RUNTIME_DIR=$u/" "$f" 2>/dev/null && { p=${f#/proc/}; echo "${p%/environ}"; }
           done | sort -u)
    [ -n "$pids" ] || return 0
    pids=$(ps -e -o pid=,ppid=,uid= | awk -v roots="$pids" -v uid="$uid" -v self=$$ '
        BEGIN { n = split(roots, r, "\n"); for (i = 1; i <= n; i++) mark[r[i]] = 1 }
        { parent[$1] = $2; owner[$1] = $3 }
        END { do { more = 0
                   for (p in parent) if (!(p in mark) && (parent[p] in mark)) { mark[p] = 1; more = 1 }
              } while (more)
              for (p in mark) if ((p in owner) && owner[p] == uid && p != self) print p }')
    [ -n "$pids" ] || return 0
    echo "clean-up: killing leftover processes of this run: ${pids//$'\n'/ }" >&2
    # shellcheck disable=SC2086  # a list of pids
    kill -KILL $pids 2>/dev/null
    sleep 0.2
}

# Podman 4.3 unpacks an oci-archive into /var/tmp/ociNNN for its first look
# at it whatever TMPDIR and containers.conf say (c/image's default for big
# files), and removes it only if it is not interrupted.  bench_init notes
# the user's /var/tmp/oci* entries; the clean-up removes the ones that
# appeared since, and only those.
bench_vartmp_list () {
    find /var/tmp -mindepth 1 -maxdepth 1 -name 'oci*' -user "$uid" 2>/dev/null | sort
}
bench_vartmp_cleanup () {
    local d
    [ -n "${bench_vartmp_before+set}" ] || return 0
    while IFS= read -r d; do
        [ -n "$d" ] && rm -rf "$d"
    done < <(comm -13 <(printf '%s\n' "$bench_vartmp_before") <(bench_vartmp_list))
}

# fail WHAT LOG: a command failed: say which, show its output, stop.
fail () {
    local what=$1 log=$2
    echo "FAILED: $what" >&2
    sed 's/^/    /' "$log" | tail -n 20 >&2
    exit 1
}

# bench_header TITLE: the machine, the user, the load average and nook's version.
bench_header () {
    local cpu
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
    echo "== $1"
    echo "machine:  $(nproc) CPUs${cpu:+ ($cpu)}, kernel $(uname -r) $(uname -m)"
    echo "runs as:  $who"
    echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min load average before the runs)"
    nook_version=$("${nook_env[@]}" "${nook[@]}" --version 2>&1) || die "nook --version failed: $nook_version"
    echo "nook:     $nook_version ($prefix/bin/nook)"
}

# bench_load_after: the load average once the runs are over.
bench_load_after () {
    echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) after the runs (a load near or above $(nproc) means the numbers are noisy)"
}

# --- Podman's storage -------------------------------------------------------
# podman_load ARCHIVE: load ARCHIVE into Podman's current store (log: podman-load).
podman_load () {
    pm "${podman_store[@]}" load -i "$1" > "$logs/podman-load" 2>&1
}

# bench_podman_driver DRIVER: choose Podman's storage driver and load
# busybox.tar with it.  Debian's podman 4.3 picks vfs for a fresh rootless
# store, which copies the whole image for every container and every layer.
# nook mounts the image's layers with overlay, so Podman gets overlay too
# (kernel overlay, its fastest choice) unless DRIVER is "default".  If the
# driver does not work, Podman's own choice is used, and the output says so.
bench_podman_driver () {
    local driver=$1
    if [ "$driver" != default ]; then podman_store=(--storage-driver "$driver"); fi
    if ! podman_load "$tmp/busybox.tar" && [ ${#podman_store[@]} -gt 0 ]; then
        echo "  --storage-driver $driver does not work: $(grep -m1 -i error "$logs/podman-load"); using Podman's default"
        pm system reset -f >/dev/null 2>&1 || true
        podman_store=()
        podman_load "$tmp/busybox.tar" || fail "podman load -i busybox.tar (rootless)" "$logs/podman-load"
    elif [ ! -s "$logs/podman-load" ] || ! grep -q "Loaded image" "$logs/podman-load"; then
        fail "podman load -i busybox.tar (rootless)" "$logs/podman-load"
    fi
}

# --- Podman: find the least it needs to run a container here ----------------
# Candidate extra flags ("g:" go before `run`, "r:" after it).  The probe
# below passes the fewest of them that make `podman run --rm $image true`
# work here (the caller sets image).
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

# bench_podman_rootless DRIVER [NOTE]: rootless Podman ready to measure, or
# why not.  Prints its version (with NOTE), probes the flags it needs here
# (again after `podman system migrate`, the usual cure for a setup gone
# stale), and sets podman_ok (yes|no), no_podman (why not), podman_global
# and podman_runopts.
bench_podman_rootless () {
    podman_ok=no no_podman= podman_global=() podman_runopts=()
    if ! command -v podman >/dev/null 2>&1; then
        no_podman="podman is not installed (Debian package podman)"
        return 0
    fi
    echo "podman:   $(pm --version 2>&1 | sed 's/^podman version //') ($(command -v podman))${2:+, $2}"
    bench_podman_driver "$1"
    if ! podman_probe; then
        echo "  rootless podman cannot run a container; trying 'podman system migrate'"
        pm system migrate > "$logs/podman-migrate" 2>&1 || true
        if ! podman_probe; then
            no_podman="rootless podman cannot run a container here: $(probe_error | cut -c 1-160)"
            return 0
        fi
    fi
    podman_ok=yes
    podman_args "${chosen[@]}"
    podman_global=("${pg[@]}") podman_runopts=("${pr[@]}")
    bench_podman_describe
}

# bench_podman_describe: the lines saying how Podman runs (rootless or
# root, its OCI runtime and storage driver) and why each chosen flag set is
# there.  The caller has set podman_global from `chosen` (podman_args).
bench_podman_describe () {
    local runtime storage i
    runtime=$(pm "${podman_global[@]}" info --format '{{.Host.OCIRuntime.Path}}' 2>/dev/null) || runtime=
    storage=$(pm "${podman_global[@]}" info --format '{{.Store.GraphDriverName}}' 2>/dev/null) || storage=unknown
    echo "  runs $podman_kind; OCI runtime ${runtime:-unknown}: $("${runtime:-false}" --version 2>/dev/null | head -n 1 || echo "version unknown"); storage driver $storage"
    [ ${#chosen[@]} -eq 0 ] && echo "  needs no extra flags here"
    for i in "${chosen[@]}"; do
        echo "  needs ${flag_sets[$i]#?:}  (${flag_why[$i]})"
    done
}

# --- statistics ---------------------------------------------------------------
# bench_stats NS...: "median min p90" in ms (p90 by nearest rank).
bench_stats () {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 / 1e6 }
        END { n = NR; med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2;
              k = int(0.9 * n); if (k < 0.9 * n) k++; if (k < 1) k = 1;
              printf "%.1f %.1f %.1f\n", med, v[1], v[k] }'
}

# bench_median N...: the median of plain numbers, as an integer.
bench_median () {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
        END { n = NR; printf "%d\n", (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'
}

# bench_table_head [EXTRA-COLUMN...] / bench_row TOOL NS_ARRAY [EXTRA...]:
# the table of results, one row per tool.  bench_row sets row_med,
# row_min, row_p90 (ms) for the caller.
bench_table_head () {
    printf '%-8s %10s %10s %10s %6s' tool "median ms" "min ms" "p90 ms" runs
    [ $# -eq 0 ] || printf ' %14s' "$@"
    printf '\n'
}
bench_row () {
    local tool=$1
    local -n samples=$2
    shift 2
    read -r row_med row_min row_p90 <<< "$(bench_stats "${samples[@]}")"
    printf '%-8s %10s %10s %10s %6s' "$tool" "$row_med" "$row_min" "$row_p90" "${#samples[@]}"
    [ $# -eq 0 ] || printf ' %14s' "$@"
    printf '\n'
}

# bench_ratio P N: P / N to one decimal.
bench_ratio () {
    awk -v p="$1" -v n="$2" 'BEGIN { printf "%.1f", p / n }'
}
