#!/bin/bash
# shellcheck disable=SC2034,SC2178  # arrays read through namerefs and ${!name}
# Container lifecycle benchmark: nook against rootless Podman (conmon), in
# one run.
#   bench/lifecycle.sh BUILD_DIR        (what `make bench` runs)
#
# Measures, each side by side with Podman, alternating the two round by
# round, and reports nook's number, Podman's, their ratio and a verdict
# against the target (issue 5):
#   run -d     `run -d IMAGE sleep 3600`, one at a time          < 40 ms
#   exec       `exec CTR true` in a running container            < 20 ms
#   ps -a      `ps -a` with 100 (exited) containers              < 10 ms
#   stdout     200 MB through a foreground container's stdout:
#              `run --rm IMAGE sh -c 'dd if=/dev/zero bs=100000
#              count=2000 2>/dev/null'`, stdout to /dev/null     < 0.5 s
#   logs       `logs CTR` of a 200 MB log, stdout to /dev/null   < 0.4 s
#   monitor    resident memory (VmRSS) of the monitor (nook-monitor,
#              conmon) of a running container                    < 300 KiB
#   parallel   16 `run -d` at once: each no slower than 1.5x the
#              median lone `run -d`
#
# It reports; it never fails because of a number.  A nook measurement whose
# command does not exist yet (`nook COMMAND --help` fails, or `run --help`
# has no --detach) is reported as "not available yet".  If Podman cannot
# do something here, that measurement says so and reports nook alone.  A
# command of nook's that exists and fails is an error: the measurement
# says FAILED with its output, the others go on, and the exit status is 1.
#
# BUILD_DIR holds bin/nook, libexec/nook/* and fixtures/busybox.tar (an
# oci-archive named localhost/busybox:latest, from tests/fixtures).
# Environment: NOOK_BENCH_ROUNDS (default 20) timed rounds of run -d, exec
# and ps, after 2 warm-up rounds; NOOK_BENCH_STREAM_ROUNDS (default 3)
# timed rounds of stdout and logs, after 1 warm-up round that also checks
# the byte count; NOOK_BENCH_MONITORS (default 10) running containers whose
# monitors are measured; NOOK_BENCH_PS_CONTAINERS (default 100) containers
# for ps -a; NOOK_BENCH_PARALLEL_ROUNDS (default 3) rounds of
# 16 parallel run -d; NOOK_BENCH_TIMEOUT (default 120) seconds after which
# a command counts as hung and is killed (900 s for the 200 MB ones);
# NOOK_BENCH_PODMAN_DRIVER (default overlay, "default"
# for Podman's own choice) the storage driver Podman uses.
#
# Rootless only: as root it runs every command as the test user of
# tests/setup-root.sh, as startup.sh does.  Everything lives in one
# temporary directory, removed at the end, even on failure or Ctrl-C;
# containers still running then are removed (rm -f), and any process left
# with this run's directory in its environment is killed by pid.
set -euo pipefail

bench_prog=lifecycle.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: bench/lifecycle.sh BUILD_DIR"
image=localhost/busybox:latest
rounds=${NOOK_BENCH_ROUNDS:-20}
stream_rounds=${NOOK_BENCH_STREAM_ROUNDS:-3}
monitors=${NOOK_BENCH_MONITORS:-10}
par_rounds=${NOOK_BENCH_PARALLEL_ROUNDS:-3}
driver=${NOOK_BENCH_PODMAN_DRIVER:-overlay}
nps=${NOOK_BENCH_PS_CONTAINERS:-100}   # containers for ps -a (the issue's number)
short_limit=${NOOK_BENCH_TIMEOUT:-120}
for v in NOOK_BENCH_ROUNDS:$rounds NOOK_BENCH_STREAM_ROUNDS:$stream_rounds NOOK_BENCH_PS_CONTAINERS:$nps \
         NOOK_BENCH_MONITORS:$monitors NOOK_BENCH_PARALLEL_ROUNDS:$par_rounds NOOK_BENCH_TIMEOUT:$short_limit; do
    bench_count "${v%%:*}" "${v#*:}"
done
warmup=2 stream_warmup=1
npar=16                 # parallel run -d (the issue's number)
stream_bytes=200000000  # 200 MB, through stdout and in the log
# 99 characters and a newline: 2,000,000 lines make the 200 MB log.
log_line=$(printf 'lifecycle-bench-log-line-%074d' 0)
keep=(sleep 3600)       # what a detached container runs; it ends by itself in an hour at worst
bench_init "$1"

bench_header "nook container lifecycle benchmark"
"${nook_env[@]}" "${nook[@]}" load -i "$tmp/busybox.tar" > "$logs/nook-load" 2>&1 ||
    fail "nook load -i busybox.tar" "$logs/nook-load"

# --- what nook has today --------------------------------------------------------
# nook_help CMD...: `nook CMD... --help` succeeds; its output is in $logs/help.
nook_help () { "${nook_env[@]}" "${nook[@]}" "$@" --help > "$logs/help" 2>&1; }
has_detach=no has_exec=no has_logs=no has_wait=no has_rm_force=no rm_time=()
nook_run=()
if nook_help run; then
    grep -q -- '--detach' "$logs/help" && has_detach=yes
    # Podman runs with --network none: nook too, once it has networking.
    grep -q -- '--network' "$logs/help" && nook_run=(--network none)
fi
nook_help exec && has_exec=yes
nook_help logs && has_logs=yes
nook_help wait && has_wait=yes
if nook_help rm && grep -q -- '--force' "$logs/help"; then
    has_rm_force=yes
    grep -q -- '--time' "$logs/help" && rm_time=(-t 0)
fi
echo "nook has: run -d $has_detach; exec $has_exec; logs $has_logs; wait $has_wait; rm -f $has_rm_force"
no_detach="not available yet: \`nook run --help\` has no --detach"

# --- Podman -------------------------------------------------------------------------
bench_podman_rootless "$driver" \
    "conmon $(conmon --version 2>/dev/null | sed -n 's/^conmon version //p' | head -n 1)"
if [ "$podman_ok" != yes ]; then
    echo "podman:   NOT MEASURED: $no_podman; every measurement reports nook alone"
fi
# What each tool's commands start with; Podman's run flags.  k8s-file is the
# log format nook writes; nook has no network by default.
nook_base=("${nook[@]}")
podman_base=(podman "${podman_global[@]}")
podman_run=(--pull never --network none --log-driver k8s-file "${podman_runopts[@]}")
echo "nook:     ${nook_base[*]} ... (XDG_DATA_HOME, XDG_RUNTIME_DIR, XDG_CONFIG_HOME private to this run)"
[ "$podman_ok" = yes ] &&
    echo "podman:   ${podman_base[*]} ... run ${podman_run[*]} ... (HOME and XDG dirs private to this run)"
echo "method:   the tools alternate, the order swapped every round; each timed command waits until no podman process (but the pause process) is left from the one before; monotonic clock from fork to wait (bench/timeit)"

# --- running the tools --------------------------------------------------------------
# Every command is killed if it has not ended after op_limit seconds (a
# hung command is a failure, not a sample): NOOK_BENCH_TIMEOUT, 900 s for
# the 200 MB ones.
op_limit=$short_limit
# tool TOOL ARG...: TOOL's command ARG..., untimed, as the user.
tool () {
    local t=$1
    shift
    local -n env=${t}_env base=${t}_base
    local rc=0
    "${env[@]}" timeout -k 5 "$op_limit" "${base[@]}" "$@" || rc=$?
    case $rc in
    124) echo "$bench_prog: $t $1 did not end within $op_limit s: killed" >&2 ;;
    137) echo "$bench_prog: $t $1 was killed (SIGKILL: by the timeout after $op_limit s, or by someone else)" >&2 ;;
    esac
    return "$rc"
}
# settle: wait, at most 5 s, until no podman process of the user is left
# but the pause process.  Podman's exit commands (`podman container
# cleanup`, which conmon starts when a container or an exec session ends)
# go on after the timed command returned, and would share the two CPUs
# with the next timed command, whichever tool's it is.
settle () {
    local i
    for ((i = 0; i < 100; i++)); do
        pgrep -u "$uid" -x podman > /dev/null || return 0
        sleep 0.05
    done
}
# timed TOOL LOG [-n] ARG...: TOOL ARG..., timed, once Podman's leftovers
# are done (settle; not in the parallel measurement, which settles once
# before its 16 commands); the time in ns goes to t_ns.  With -n its
# stdout goes to /dev/null, only stderr to LOG.
timed_settles=yes
timed () {
    # The log gets a name of its own: timeit opens it as the user, and a
    # file of that name written by this script (as root) would refuse it.
    local t=$1 log=${2%/*}/timed-${2##*/} out rc opt=()
    shift 2
    if [ "$1" = -n ]; then opt=(-n); shift; fi
    local -n env=${t}_env base=${t}_base
    [ "$timed_settles" = yes ] && settle
    out=$("${env[@]}" "$timeit" -t "$op_limit" "${opt[@]}" "$log" "${base[@]}" "$@") && rc=0 || rc=$?
    t_ns=$out
    [ "$rc" = 0 ] && [ -n "$out" ]
}
# run_args TOOL MODE NAME CMD...: the arguments of a `run` in `ra`; MODE is
# -d, --rm or "" (a foreground run that keeps the container).
run_args () {
    local t=$1 mode=$2 name=$3
    shift 3
    ra=(run)
    [ -n "$mode" ] && ra+=("$mode")
    ra+=(--name "$name")
    if [ "$t" = podman ]; then ra+=("${podman_run[@]}"); else ra+=("${nook_run[@]}"); fi
    ra+=("$image" "$@")
}

# remove TOOL NAME...: remove containers, running or not.  `sleep` as a
# container's pid 1 ignores SIGTERM, hence -t 0 (Podman, and nook when it
# has --time).  Without `nook rm -f`, the monitor and its children are
# killed (by the pid inspect gives) and the container removed.
remove () {
    local t=$1 n pid
    shift
    if [ "$t" = podman ]; then tool podman rm -f -t 0 "$@"; return; fi
    if [ "$has_rm_force" = yes ]; then tool nook rm -f "${rm_time[@]}" "$@"; return; fi
    for n in "$@"; do
        pid=$(monitor_pid nook "$n") || pid=
        [ -n "$pid" ] && kill_tree "$pid"
    done
    tool nook rm "$@"
}
# kill_tree PID: SIGKILL PID and its descendants.
kill_tree () {
    local pids
    pids=$(ps -e -o pid=,ppid= | awk -v root="$1" '
        { parent[$1] = $2 } END { mark[root] = 1
          do { more = 0; for (p in parent) if (!(p in mark) && (parent[p] in mark)) { mark[p] = 1; more = 1 } } while (more)
          for (p in mark) print p }')
    # shellcheck disable=SC2086  # a list of pids
    kill -KILL $pids 2>/dev/null || true
}
# monitor_pid TOOL NAME: the pid of the container's monitor (nook-monitor,
# conmon): `inspect --format {{.State.ConmonPid}}`, else (nook) the
# nook-monitor process whose command line holds the container's ID.
monitor_pid () {
    local t=$1 name=$2 pid id p
    pid=$(tool "$t" inspect --format '{{.State.ConmonPid}}' "$name" 2>/dev/null) || pid=
    if [[ $pid =~ ^[0-9]+$ ]] && [ "$pid" != 0 ] && [ -e "/proc/$pid" ]; then echo "$pid"; return 0; fi
    [ "$t" = nook ] || return 1
    id=$(tool nook inspect --format '{{.Id}}' "$name" 2>/dev/null) || return 1
    [ -n "$id" ] || return 1
    for p in $(pgrep -u "$uid" -x nook-monitor); do
        if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qF "$id"; then echo "$p"; return 0; fi
    done
    return 1
}
# wait_exit TOOL NAME: wait until a detached container has exited (`wait`,
# or else polling inspect's State.Running), at most 10 minutes.
wait_exit () {
    local t=$1 name=$2 i running
    if [ "$t" = podman ] || [ "$has_wait" = yes ]; then
        tool "$t" wait "$name" > /dev/null && return 0
    fi
    for ((i = 0; i < 1200; i++)); do
        running=$(tool "$t" inspect --format '{{.State.Running}}' "$name") || return 1
        [ "$running" = false ] && return 0
        sleep 0.5
    done
    return 1
}

# Stop and remove what is still running at exit (before lib.sh's
# clean-up removes the stores).
stop_all () {
    local names op_limit=30
    if [ "$has_detach" = yes ] && [ -d "$u/nook-data" ]; then
        names=$(tool nook ps -a --format '{{.Names}}' 2>/dev/null | grep '^bench-') || names=
        # shellcheck disable=SC2086  # names have no blanks
        [ -n "$names" ] && remove nook $names > "$tmp/cleanup.log" 2>&1
    fi
    if [ "$podman_ok" = yes ]; then
        tool podman rm -a -f -t 0 > "$tmp/cleanup.log" 2>&1
    fi
}
bench_cleanup_hooks+=(stop_all)

# --- one measurement ------------------------------------------------------------------
# A measurement (a "section") runs its tools, m_tools, round by round.  A
# tool that cannot take part gets a note instead (m_skip: not available,
# podman unusable; m_fail: a command failed, its output shown).  Samples go
# to nook_ns and podman_ns.
declare -A m_note
summary=()
failed_nook=no
m_begin () {
    echo
    echo "== $1"
    m_tools=() nook_ns=() podman_ns=()
    m_note=([nook]="" [podman]="")
    m_tools=(nook)
    if [ "$podman_ok" = yes ]; then m_tools+=(podman); else m_note[podman]="not measured: $no_podman"; fi
}
m_drop () {
    local t keep_t=()
    for t in "${m_tools[@]}"; do [ "$t" = "$1" ] || keep_t+=("$t"); done
    m_tools=("${keep_t[@]}")
}
m_skip () { m_note[$1]=$2; m_drop "$1"; }
m_has () { local t; for t in "${m_tools[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }
# m_fail TOOL WHAT LOG
m_fail () {
    local t=$1 what=$2 log=$3 why
    # A timed command's log has a name of its own (see timed).
    [ -s "$log" ] || [ ! -e "${log%/*}/timed-${log##*/}" ] || log=${log%/*}/timed-${log##*/}
    why=$(grep -a -m1 -iE 'error|fail|denied|cannot|invalid' "$log" 2>/dev/null || tail -n 1 "$log" 2>/dev/null)
    if [ "$t" = podman ]; then
        m_note[podman]="FAILS HERE ($what): ${why:0:200}"
    else
        m_note[nook]="FAILED ($what): ${why:0:200}"
        failed_nook=yes
    fi
    echo "  $t $what failed:"
    sed 's/^/      /' "$log" 2>/dev/null | tail -n 8
    m_drop "$t"
}
# m_rounds WARM N STEP: WARM + N rounds; each round runs `STEP TOOL ROUND
# MODE` (MODE warm or timed) for the tools still in, alternating; STEP
# returns 1 after calling m_fail.
m_rounds () {
    local warm=$1 n=$2 step=$3 r t mode
    for ((r = 0; r < warm + n; r++)); do
        mode=timed
        ((r < warm)) && mode=warm
        order "$r"
        for t in "${round[@]}"; do
            m_has "$t" || continue
            "$step" "$t" "$r" "$mode" || true
        done
    done
}
order () {
    local t
    round=()
    if (($1 % 2 == 0)); then round=("${m_tools[@]}"); return; fi
    for t in "${m_tools[@]}"; do round=("$t" "${round[@]}"); done
}
# m_sample TOOL MODE: keep t_ns if MODE is timed.
m_sample () {
    [ "$2" = timed ] || return 0
    local -n s=${1}_ns
    s+=("$t_ns")
}
# m_report WHAT TARGET_MS: the table, the ratio, the verdict against
# "nook's median under TARGET_MS"; adds a line to the summary.  Samples
# taken before a tool failed (say, an untimed rm -f after the timed run)
# are reported, with the failure under them and in the verdict.
m_report () {
    local what=$1 target=$2 t n_med='' p_med='' ratio=- verdict
    # shellcheck disable=SC2119  # no extra columns
    bench_table_head
    for t in nook podman; do
        local ref="${t}_ns[@]"
        local -a s=("${!ref}")
        if [ ${#s[@]} -gt 0 ]; then
            bench_row "$t" "${t}_ns"
            if [ "$t" = nook ]; then n_med=$row_med; else p_med=$row_med; fi
            [ -z "${m_note[$t]}" ] || printf '%-8s (then %s)\n' "" "${m_note[$t]}"
        else
            printf '%-8s %s\n' "$t" "${m_note[$t]:-no samples}"
        fi
    done
    if [ -n "$n_med" ] && [ -n "$p_med" ]; then
        ratio=$(bench_ratio "$p_med" "$n_med")x
        echo "ratio podman/nook (medians): $ratio"
    fi
    if [ -n "$n_med" ]; then
        verdict=$(awk -v n="$n_med" -v t="$target" 'BEGIN { print (n < t) ? "met" : "NOT met" }')
        echo "verdict: $what: nook median $n_med ms vs target < $target ms: $verdict"
        [ -z "${m_note[nook]}" ] || verdict+="; then ${m_note[nook]}"
    else
        verdict="nook ${m_note[nook]:-not measured}"
        echo "verdict: $what: $verdict"
    fi
    summary+=("$(printf '%-9s|%12s|%12s|%8s|%-12s|%s' "$what" "${n_med:--}" "${p_med:--}" "$ratio" "< $target ms" "$verdict")")
}
# m_cmd TOOL ARG...: print the command TOOL runs in this section.
m_cmd () {
    local t=$1 a line='' plain='^[-A-Za-z0-9_./:=,+@%{}>]+$'
    shift
    for a in "$@"; do
        if [[ $a =~ $plain ]]; then line+=" $a"; else line+=" '$a'"; fi
    done
    printf '  %-11s%s\n' "$t cmd:" "$line"
}

# --- run -d ---------------------------------------------------------------------------
m_begin "run -d: \`run -d --name NAME IMAGE ${keep[*]}\`, one at a time (removed, untimed, after each)"
[ "$has_detach" = yes ] || m_skip nook "$no_detach"
step_rund () {
    local t=$1 r=$2 name=bench-d-$1-$2
    run_args "$t" -d "$name" "${keep[@]}"
    [ "$r" = 0 ] && m_cmd "$t" "${ra[@]}"
    timed "$t" "$logs/$t-rund" "${ra[@]}" || { m_fail "$t" "run -d" "$logs/$t-rund"; return 1; }
    m_sample "$t" "$3"
    remove "$t" "$name" > "$logs/$t-rm" 2>&1 || { m_fail "$t" "rm -f" "$logs/$t-rm"; return 1; }
}
m_rounds "$warmup" "$rounds" step_rund
m_report "run -d" 40
lone_nook=$(printf '%s\n' "${nook_ns[@]}") lone_podman=$(printf '%s\n' "${podman_ns[@]}")

# --- exec -------------------------------------------------------------------------------
m_begin "exec: \`exec CTR true\` in a running container (\`run -d IMAGE ${keep[*]}\`)"
[ "$has_detach" = yes ] || m_skip nook "$no_detach (exec needs a running container)"
[ "$has_exec" = yes ] || m_skip nook "not available yet: \`nook exec --help\` fails"
for t in "${m_tools[@]}"; do
    run_args "$t" -d bench-exec "${keep[@]}"
    tool "$t" "${ra[@]}" > "$logs/$t-exec-run" 2>&1 || m_fail "$t" "run -d" "$logs/$t-exec-run"
done
step_exec () {
    local t=$1
    [ "$2" = 0 ] && m_cmd "$t" exec bench-exec true
    timed "$t" "$logs/$t-exec" exec bench-exec true || { m_fail "$t" "exec" "$logs/$t-exec"; return 1; }
    m_sample "$t" "$3"
}
m_rounds "$warmup" "$rounds" step_exec
m_report "exec" 20
for t in nook podman; do
    [ "$t" = nook ] && [ "$has_detach" = no ] && continue
    [ "$t" = podman ] && [ "$podman_ok" = no ] && continue
    remove "$t" bench-exec > "$logs/$t-rm" 2>&1 || true
done

# --- monitor memory -----------------------------------------------------------------
echo
echo "== monitor: resident memory of the monitor of each of $monitors running containers (\`run -d IMAGE ${keep[*]}\`)"
echo "   VmRSS from /proc/PID/status, PID from \`inspect --format '{{.State.ConmonPid}}'\` (nook: else the"
echo "   nook-monitor whose command line holds the container's ID); Pss from /proc/PID/smaps_rollup beside it"
declare -A rss_note
rss_kb_nook=() rss_kb_podman=() pss_kb_nook=() pss_kb_podman=()
rss_tools=()
[ "$has_detach" = yes ] && rss_tools+=(nook) || rss_note[nook]=$no_detach
[ "$podman_ok" = yes ] && rss_tools+=(podman) || rss_note[podman]="not measured: $no_podman"
for t in "${rss_tools[@]}"; do
    names=()
    for ((i = 0; i < monitors; i++)); do
        run_args "$t" -d "bench-rss-$i" "${keep[@]}"
        if ! tool "$t" "${ra[@]}" > "$logs/$t-rss-run" 2>&1; then
            m_fail "$t" "run -d" "$logs/$t-rss-run"
            rss_note[$t]=${m_note[$t]}
            break
        fi
        names+=("bench-rss-$i")
    done
    [ -n "${rss_note[$t]:-}" ] && continue
    sleep 1     # let the monitors settle
    for n in "${names[@]}"; do
        pid=$(monitor_pid "$t" "$n") || { rss_note[$t]="no monitor pid found for $n"; break; }
        comm=$(cat "/proc/$pid/comm" 2>/dev/null)
        kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
        pss=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null)
        [ -n "$kb" ] || { rss_note[$t]="cannot read /proc/$pid/status ($n)"; break; }
        declare -n rk=rss_kb_$t pk=pss_kb_$t
        rk+=("$kb") pk+=("${pss:-0}")
        unset -n rk pk
    done
    [ -n "${rss_note[$t]:-}" ] || echo "  $t: the monitors are $comm processes"
    remove "$t" "${names[@]}" > "$logs/$t-rm" 2>&1 || true
done
printf '%-8s %12s %10s %10s %14s %10s\n' tool "median KiB" "min KiB" "max KiB" "median Pss KiB" containers
rss_med_nook='' rss_med_podman=''
for t in nook podman; do
    declare -n rk=rss_kb_$t pk=pss_kb_$t
    if [ ${#rk[@]} -gt 0 ] && [ -z "${rss_note[$t]:-}" ]; then
        med=$(bench_median "${rk[@]}")
        printf '%-8s %12s %10s %10s %14s %10s\n' "$t" "$med" "$(printf '%s\n' "${rk[@]}" | sort -n | head -n 1)" \
            "$(printf '%s\n' "${rk[@]}" | sort -n | tail -n 1)" "$(bench_median "${pk[@]}")" "${#rk[@]}"
        declare "rss_med_$t=$med"
    else
        printf '%-8s %s\n' "$t" "${rss_note[$t]:-no samples}"
    fi
    unset -n rk pk
done
ratio=-
if [ -n "$rss_med_nook" ] && [ -n "$rss_med_podman" ]; then
    ratio=$(bench_ratio "$rss_med_podman" "$rss_med_nook")x
    echo "ratio conmon/nook-monitor (medians): $ratio"
fi
if [ -n "$rss_med_nook" ]; then
    verdict=$(awk -v n="$rss_med_nook" 'BEGIN { print (n < 300) ? "met" : "NOT met" }')
    echo "verdict: monitor: nook median $rss_med_nook KiB vs target < 300 KiB: $verdict"
else
    verdict="nook ${rss_note[nook]:-not measured}"
    echo "verdict: monitor: $verdict"
fi
summary+=("$(printf '%-9s|%12s|%12s|%8s|%-12s|%s' monitor "${rss_med_nook:--} KiB" "${rss_med_podman:--} KiB" "$ratio" "< 300 KiB" "$verdict")")

# --- parallel run -d ----------------------------------------------------------------
m_begin "parallel: $npar \`run -d\` started at once, $par_rounds rounds (removed, untimed, after each)"
[ "$has_detach" = yes ] || m_skip nook "$no_detach"
declare -A par_wall
step_par () {
    local t=$1 r=$2 i start
    local -a pids=()
    settle
    start=$(date +%s%N)
    for ((i = 0; i < npar; i++)); do
        run_args "$t" -d "bench-p$r-$i" "${keep[@]}"
        ( timed_settles=no; timed "$t" "$logs/$t-par-$i" "${ra[@]}" && echo "$t_ns" > "$tmp/par-$t-$i" ) &
        pids+=($!)
    done
    local bad=
    for ((i = 0; i < npar; i++)); do wait "${pids[$i]}" || bad=${bad:-$i}; done
    par_wall[$t]+=" $(($(date +%s%N) - start))"
    local names=()
    for ((i = 0; i < npar; i++)); do names+=("bench-p$r-$i"); done
    if [ -n "$bad" ]; then
        remove "$t" "${names[@]}" > "$logs/$t-rm" 2>&1 || true
        m_fail "$t" "parallel run -d (container $bad of $npar)" "$logs/$t-par-$bad"
        return 1
    fi
    for ((i = 0; i < npar; i++)); do
        t_ns=$(cat "$tmp/par-$t-$i")
        m_sample "$t" "$3"
    done
    remove "$t" "${names[@]}" > "$logs/$t-rm" 2>&1 || { m_fail "$t" "rm -f" "$logs/$t-rm"; return 1; }
}
m_rounds 0 "$par_rounds" step_par
# shellcheck disable=SC2119
bench_table_head "lone median" "worst/lone"
par_summary_n=- par_summary_p=- verdict=
for t in nook podman; do
    ref="${t}_ns[@]"
    s=("${!ref}")
    lone=lone_$t
    if [ ${#s[@]} -gt 0 ] && [ -n "${!lone}" ]; then
        # shellcheck disable=SC2046  # one number a line
        lone_med=$(bench_stats $(printf '%s\n' "${!lone}") | cut -d' ' -f1)
        worst=$(printf '%s\n' "${s[@]}" | sort -n | tail -n 1 | awk '{ printf "%.1f", $1 / 1e6 }')
        factor=$(bench_ratio "$worst" "$lone_med")
        bench_row "$t" "${t}_ns" "$lone_med" "${factor}x"
        wall=$(echo "${par_wall[$t]}" | tr ' ' '\n' | awk 'NF { s += $1; n++ } END { printf "%.0f", s / n / 1e6 }')
        echo "         all $npar done in $wall ms (mean over the rounds), from the first start to the last exit"
        [ -z "${m_note[$t]}" ] || printf '%-8s (then %s)\n' "" "${m_note[$t]}"
        if [ "$t" = nook ]; then
            par_summary_n="${factor}x"
            verdict=$(awk -v f="$factor" 'BEGIN { print (f <= 1.5) ? "met" : "NOT met" }')
        else
            par_summary_p="${factor}x"
        fi
    else
        printf '%-8s %s\n' "$t" "${m_note[$t]:-no samples (no lone run -d to compare with)}"
    fi
done
if [ -n "$verdict" ]; then
    echo "verdict: parallel: nook's slowest of $npar x${par_summary_n%x} its lone median vs target <= 1.5x: $verdict"
    [ -z "${m_note[nook]}" ] || verdict+="; then ${m_note[nook]}"
else
    verdict="nook ${m_note[nook]:-not measured}"
    echo "verdict: parallel: $verdict"
fi
summary+=("$(printf '%-9s|%12s|%12s|%8s|%-12s|%s' parallel "$par_summary_n" "$par_summary_p" - "<= 1.5x lone" "$verdict")")

# --- stdout ---------------------------------------------------------------------------
op_limit=900
# dd in 100 kB blocks, not `head -c`: busybox's head copies in 4 KiB
# reads and writes and spends about 0.8 s of CPU on 200 MB by itself, with
# no container, so it would time busybox rather than the stdout path.
stream_cmd=(sh -c "dd if=/dev/zero bs=100000 count=$((stream_bytes / 100000)) 2>/dev/null")
m_begin "stdout: $stream_bytes bytes through a foreground container's stdout, to /dev/null"
step_stdout () {
    local t=$1 r=$2 name=bench-out-$1-$2 n
    run_args "$t" --rm "$name" "${stream_cmd[@]}"
    if [ "$3" = warm ]; then
        m_cmd "$t" "${ra[@]}" ">" /dev/null
        # The warm-up round checks every byte came through.  wc has a time
        # limit too: a process left holding the container's stdout would
        # keep it waiting for the end of the pipe.
        n=$(tool "$t" "${ra[@]}" 2> "$logs/$t-stdout" | timeout -k 5 "$op_limit" wc -c) ||
            { m_fail "$t" "run" "$logs/$t-stdout"; return 1; }
        if [ "$n" != "$stream_bytes" ]; then
            echo "stdout carried $n bytes, not $stream_bytes" >> "$logs/$t-stdout"
            m_fail "$t" "run (byte count)" "$logs/$t-stdout"
            return 1
        fi
        return 0
    fi
    timed "$t" "$logs/$t-stdout" -n "${ra[@]}" || { m_fail "$t" "run" "$logs/$t-stdout"; return 1; }
    m_sample "$t" "$3"
}
m_rounds "$stream_warmup" "$stream_rounds" step_stdout
m_report "stdout" 500

# --- logs -----------------------------------------------------------------------------
m_begin "logs: \`logs CTR\` of a container that wrote $stream_bytes bytes (2,000,000 lines of 100 bytes), to /dev/null"
[ "$has_detach" = yes ] || m_skip nook "$no_detach (the log is written by a detached container)"
[ "$has_logs" = yes ] || m_skip nook "not available yet: \`nook logs --help\` fails"
for t in "${m_tools[@]}"; do
    run_args "$t" -d bench-log sh -c "yes $log_line | head -c $stream_bytes"
    m_cmd "$t" "${ra[@]}"
    if ! tool "$t" "${ra[@]}" > "$logs/$t-log-run" 2>&1; then
        m_fail "$t" "run -d" "$logs/$t-log-run"
    elif ! wait_exit "$t" bench-log > "$logs/$t-log-wait" 2>&1; then
        m_fail "$t" "waiting for the container to exit" "$logs/$t-log-wait"
    fi
done
step_logs () {
    local t=$1 n
    if [ "$3" = warm ]; then
        m_cmd "$t" logs bench-log ">" /dev/null
        n=$(tool "$t" logs bench-log 2> "$logs/$t-logs" | timeout -k 5 "$op_limit" wc -c) ||
            { m_fail "$t" "logs" "$logs/$t-logs"; return 1; }
        if [ "$n" != "$stream_bytes" ]; then
            echo "logs printed $n bytes, not $stream_bytes" >> "$logs/$t-logs"
            m_fail "$t" "logs (byte count)" "$logs/$t-logs"
            return 1
        fi
        return 0
    fi
    timed "$t" "$logs/$t-logs" -n logs bench-log || { m_fail "$t" "logs" "$logs/$t-logs"; return 1; }
    m_sample "$t" "$3"
}
m_rounds "$stream_warmup" "$stream_rounds" step_logs
m_report "logs" 400
for t in nook podman; do
    [ "$t" = nook ] && [ "$has_detach" = no ] && continue
    [ "$t" = podman ] && [ "$podman_ok" = no ] && continue
    remove "$t" bench-log > "$logs/$t-rm" 2>&1 || true
done

# --- ps -a ------------------------------------------------------------------------------
op_limit=$short_limit
m_begin "ps -a: \`ps -a\` with $nps exited containers (each \`run --name bench-ps-N IMAGE true\`), and no others"
for t in "${m_tools[@]}"; do
    # Only these: what the measurements before left (the running
    # containers of monitor and exec, the log's) is removed first.
    names=$(tool "$t" ps -a --format '{{.Names}}' 2> /dev/null | grep '^bench-') || names=
    # shellcheck disable=SC2086  # names have no blanks
    [ -z "$names" ] || remove "$t" $names > "$logs/$t-ps-clear" 2>&1 ||
        { m_fail "$t" "rm -f of the containers before" "$logs/$t-ps-clear"; continue; }
    made=0
    for ((i = 0; i < nps; i++)); do
        run_args "$t" "" "bench-ps-$i" true
        tool "$t" "${ra[@]}" > "$logs/$t-ps-run" 2>&1 || { m_fail "$t" "run (container $i of $nps)" "$logs/$t-ps-run"; break; }
        made=$((made + 1))
    done
    [ "$made" = "$nps" ] || continue
    n=$(tool "$t" ps -a --format '{{.Names}}' 2> "$logs/$t-ps-check" | grep -c .) || true
    if [ "$n" != "$nps" ]; then
        tool "$t" ps -a >> "$logs/$t-ps-check" 2>&1
        echo "ps -a lists $n containers, not $nps" >> "$logs/$t-ps-check"
        m_fail "$t" "ps -a (count)" "$logs/$t-ps-check"
    fi
done
step_ps () {
    local t=$1
    [ "$2" = 0 ] && m_cmd "$t" ps -a
    timed "$t" "$logs/$t-ps" ps -a || { m_fail "$t" "ps -a" "$logs/$t-ps"; return 1; }
    m_sample "$t" "$3"
}
m_rounds "$warmup" "$rounds" step_ps
m_report "ps -a" 10

# --- summary ----------------------------------------------------------------------------
echo
bench_load_after
echo
echo "== summary (medians; ratio podman/nook)"
printf '%-9s|%12s|%12s|%8s|%-12s|%s\n' measure nook podman ratio target verdict
printf '%s\n' "${summary[@]}"
[ "$failed_nook" = no ] || { echo "$bench_prog: a nook command failed (see FAILED above)" >&2; exit 1; }
