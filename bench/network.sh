#!/bin/bash
# shellcheck disable=SC2034,SC2178  # arrays read through namerefs
# Network benchmark: nook against rootless Podman, in one run.
#   bench/network.sh BUILD_DIR          (what `make bench` runs)
#
# Measures, each side by side with Podman, the tools alternating round by
# round, and reports nook's number, Podman's, their ratio and a verdict
# against the targets of issue 7:
#   slirp4netns  `run --rm --network slirp4netns IMAGE true`        < 45 ms
#   none         `run --rm --network none IMAGE true`, for reference:
#                what the network costs each tool is the difference
#   http         requests per second through a published port: busybox
#                httpd in a container (`run -d -p 127.0.0.1:PORT:80`,
#                slirp4netns on both sides, Podman with its default port
#                handler, rootlessport), a 1 KiB page fetched by
#                `ab -n N -c 8` from the host                  >= Podman's
# The two `run` measurements share their rounds: each round runs the four
# (tool, network) pairs, in an order rotated every round, so both tools and
# both networks see the same background load.
#
# It reports; it never fails because of a number.  It fails (exit 1) only
# when a nook command fails (a failed run is an error, never a fast sample).
# If rootless Podman cannot do something here, that measurement says so and
# reports nook alone.
#
# BUILD_DIR holds bin/nook, libexec/nook/* and fixtures/busybox.tar (an
# oci-archive named localhost/busybox:latest, from tests/fixtures).
# Environment: NOOK_BENCH_ROUNDS (default 20) timed rounds of the two `run`
# measurements, after 3 warm-up rounds; NOOK_BENCH_HTTP_ROUNDS (default 5)
# timed `ab` rounds per tool, after 1 warm-up round;
# NOOK_BENCH_HTTP_REQUESTS (default 2000) requests per `ab` round;
# NOOK_BENCH_TIMEOUT (default 120) seconds after which a command counts as
# hung and is killed; NOOK_BENCH_PODMAN_DRIVER (default overlay, "default"
# for Podman's own choice) the storage driver Podman uses.
#
# Needs ab (Debian package apache2-utils) and slirp4netns.  Rootless only:
# as root it runs every nook, podman and ab command as the test user of
# tests/setup-root.sh, as startup.sh does.  Everything lives in one
# temporary directory, removed at the end, even on failure or Ctrl-C; the
# httpd containers are removed (rm -f) first.  Nothing is pulled, and
# nothing leaves the host: the servers are published on 127.0.0.1.
set -euo pipefail

bench_prog=network.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: bench/network.sh BUILD_DIR"
image=localhost/busybox:latest
rounds=${NOOK_BENCH_ROUNDS:-20}
http_rounds=${NOOK_BENCH_HTTP_ROUNDS:-5}
http_requests=${NOOK_BENCH_HTTP_REQUESTS:-2000}
limit=${NOOK_BENCH_TIMEOUT:-120}
driver=${NOOK_BENCH_PODMAN_DRIVER:-overlay}
for v in NOOK_BENCH_ROUNDS:$rounds NOOK_BENCH_HTTP_ROUNDS:$http_rounds \
         NOOK_BENCH_HTTP_REQUESTS:$http_requests NOOK_BENCH_TIMEOUT:$limit; do
    bench_count "${v%%:*}" "${v#*:}"
done
warmup=3
http_conc=8             # ab's concurrency
http_size=1024          # the page's size in bytes
http_warm=$((http_requests < 200 ? http_requests : 200))
# The server: busybox httpd in the foreground on port 80, serving a 1 KiB page.
httpd=(sh -c "mkdir /w && head -c $http_size /dev/zero > /w/index.html && exec httpd -f -p 80 -h /w")
command -v ab >/dev/null || die "ab is missing: Debian package apache2-utils"
command -v slirp4netns >/dev/null || die "slirp4netns is missing: Debian package slirp4netns"
bench_init "$1"

bench_header "nook network benchmark"
"${nook_env[@]}" "${nook[@]}" load -i "$tmp/busybox.tar" > "$logs/nook-load" 2>&1 ||
    fail "nook load -i busybox.tar" "$logs/nook-load"
echo "slirp4netns: $(slirp4netns --version 2>/dev/null | head -n 1); ab: $(ab -V 2>/dev/null | sed -n 's/^This is ApacheBench, //p' | head -n 1)"

# --- Podman (rootless only, as lifecycle.sh: no root fallback) --------------------
bench_podman_rootless "$driver"
if [ "$podman_ok" != yes ]; then
    echo "podman:   NOT MEASURED: $no_podman; every measurement reports nook alone"
fi
echo "nook:     ${nook[*]} ... (XDG_DATA_HOME, XDG_RUNTIME_DIR, XDG_CONFIG_HOME private to this run)"
[ "$podman_ok" = yes ] &&
    echo "podman:   podman ${podman_global[*]} ... run --pull never${podman_runopts[*]:+ ${podman_runopts[*]}} ... (HOME and XDG dirs private to this run)"
echo "method:   the tools alternate, the order changed every round; monotonic clock from fork to wait (bench/timeit)"

# --- running the tools ------------------------------------------------------------
# tool TOOL ARG...: TOOL's command ARG..., untimed, as the user, killed
# after $limit seconds.
tool () {
    local t=$1
    shift
    if [ "$t" = nook ]; then
        "${nook_env[@]}" timeout -k 5 "$limit" "${nook[@]}" "$@"
    else
        "${podman_env[@]}" timeout -k 5 "$limit" podman "${podman_global[@]}" "$@"
    fi
}
# timed TOOL LOG ARG...: TOOL ARG..., timed (killed after $limit s); the
# time in ns goes to t_ns.  LOG is a name of its own: timeit opens it as
# the user, and a file this script wrote (as root) would refuse it.
timed () {
    local t=$1 log=$2
    shift 2
    if [ "$t" = nook ]; then
        t_ns=$("${nook_env[@]}" "$timeit" -t "$limit" "$log" "${nook[@]}" "$@")
    else
        t_ns=$("${podman_env[@]}" "$timeit" -t "$limit" "$log" podman "${podman_global[@]}" "$@")
    fi
    [ -n "$t_ns" ]
}
# run_args TOOL NET ARG...: ra = TOOL's `run` with the network NET, then
# ARG... (Podman's with --pull never and the run flags its probe chose).
run_args () {
    local t=$1 net=$2
    shift 2
    ra=(run --network "$net")
    [ "$t" = podman ] && ra+=(--pull never "${podman_runopts[@]}")
    ra+=("$@")
}
# show_cmd TOOL ARG...: print TOOL's command line (nook's or podman's).
show_cmd () {
    local t=$1 a line='' plain='^[-A-Za-z0-9_./:=,+@%{}>]+$'
    shift
    if [ "$t" = nook ]; then set -- "${nook[@]}" "$@"; else set -- podman "${podman_global[@]}" "$@"; fi
    for a in "$@"; do
        if [[ $a =~ $plain ]]; then line+=" $a"; else line+=" '$a'"; fi
    done
    printf '  %-11s%s\n' "$t cmd:" "$line"
}
# podman_fails KEY WHAT LOG: Podman cannot do WHAT here: note it under KEY,
# show why, go on without it.  (A nook failure is fatal: `fail`.)
declare -A dropped
podman_fails () {
    local key=$1 what=$2 log=$3 why
    why=$(grep -a -m1 -iE 'error|fail|denied|cannot|invalid' "$log" 2>/dev/null || tail -n 1 "$log" 2>/dev/null)
    dropped[$key]="FAILS HERE ($what): ${why:0:200}"
    echo "  podman $what failed (measured without it from here on):"
    sed 's/^/      /' "$log" 2>/dev/null | tail -n 8
}

# At exit (before lib.sh's clean-up removes the stores): remove the httpd
# containers still there, nook's and Podman's.
stop_all () {
    local limit=30
    if [ -d "$u/nook-data" ] && [ -n "${nook_version:-}" ]; then
        tool nook rm -f -t 0 bench-httpd > "$tmp/cleanup.log" 2>&1
    fi
    if [ "$podman_ok" = yes ]; then
        tool podman rm -a -f -t 0 > "$tmp/cleanup.log" 2>&1
    fi
}
bench_cleanup_hooks+=(stop_all)

tools=(nook)
[ "$podman_ok" = yes ] && tools+=(podman)
summary=()
# summary_line MEASURE NOOK PODMAN RATIO TARGET VERDICT
summary_line () { summary+=("$(printf '%-12s|%12s|%12s|%14s|%-12s|%s' "$@")"); }

# --- run --rm: slirp4netns and none -----------------------------------------------
nets=(slirp4netns none)
echo
echo "== run: \`run --rm --network NET $image true\`, NET slirp4netns and none;" \
     "$warmup warm-up rounds, then $rounds rounds of the ${#tools[@]}x${#nets[@]} (tool, network) pairs, order rotated every round"
combos=()
for net in "${nets[@]}"; do
    for t in "${tools[@]}"; do
        combos+=("$t/$net")
        declare -a "ns_${t}_$net=()"
        run_args "$t" "$net" --rm "$image" true
        [ "$t" = nook ] || [ "$net" = "${nets[0]}" ] || continue
        show_cmd "$t" "${ra[@]}"
    done
done
[ "$podman_ok" = yes ] && echo "  (podman's none: the same, with --network none)"
for ((r = 0; r < warmup + rounds; r++)); do
    n=${#combos[@]}
    for ((k = 0; k < n; k++)); do
        c=${combos[$(((k + r) % n))]}
        t=${c%/*} net=${c#*/}
        [ -z "${dropped[$c]:-}" ] || continue
        run_args "$t" "$net" --rm "$image" true
        log=$logs/timed-$t-run-$net
        if ! timed "$t" "$log" "${ra[@]}"; then
            [ "$t" = nook ] && fail "nook run --rm --network $net $image true" "$log"
            podman_fails "$c" "run --rm --network $net" "$log"
            continue
        fi
        if ((r >= warmup)); then
            declare -n s=ns_${t}_$net
            s+=("$t_ns")
            unset -n s
        fi
    done
done
declare -A med
for net in "${nets[@]}"; do
    echo
    echo "-- --network $net"
    # shellcheck disable=SC2119  # no extra columns
    bench_table_head
    for t in nook podman; do
        declare -n s=ns_${t}_$net
        if [ "${s+set}" = set ] && [ ${#s[@]} -gt 0 ]; then
            bench_row "$t" "ns_${t}_$net"
            med[$t/$net]=$row_med
            [ -z "${dropped[$t/$net]:-}" ] || printf '%-8s (then %s)\n' "" "${dropped[$t/$net]}"
        elif [ "$t" = podman ] && [ "$podman_ok" = no ]; then
            printf '%-8s %s\n' "$t" "not measured: $no_podman"
        else
            printf '%-8s %s\n' "$t" "${dropped[$t/$net]:-no samples}"
        fi
        unset -n s
    done
    ratio=-
    if [ -n "${med[nook/$net]:-}" ] && [ -n "${med[podman/$net]:-}" ]; then
        ratio=$(bench_ratio "${med[podman/$net]}" "${med[nook/$net]}")x
        echo "ratio podman/nook (medians): $ratio"
    fi
    if [ "$net" = slirp4netns ]; then
        verdict=$(awk -v n="${med[nook/$net]}" 'BEGIN { print (n < 45) ? "met" : "NOT met" }')
        echo "verdict: run --network slirp4netns: nook median ${med[nook/$net]} ms vs target < 45 ms: $verdict"
        summary_line "run slirp" "${med[nook/$net]} ms" "${med[podman/$net]:--} ms" "$ratio p/n" "< 45 ms" "$verdict"
    else
        summary_line "run none" "${med[nook/$net]} ms" "${med[podman/$net]:--} ms" "$ratio p/n" "(reference)" -
    fi
done
# What the network costs each tool: the difference of the medians.
cost=()
for t in nook podman; do
    if [ -n "${med[$t/slirp4netns]:-}" ] && [ -n "${med[$t/none]:-}" ]; then
        cost+=("$(awk -v a="${med[$t/slirp4netns]}" -v b="${med[$t/none]}" 'BEGIN { printf "%+.1f ms", a - b }')")
    else
        cost+=(-)
    fi
done
echo
echo "network cost (median slirp4netns - median none): nook ${cost[0]}, podman ${cost[1]}"
summary_line "net cost" "${cost[0]}" "${cost[1]}" - "(reference)" -

# --- HTTP through a published port --------------------------------------------------
# free_ports N: N TCP ports free on 127.0.0.1 right now (bound at once, so
# distinct, then released): python3 if there is one, else the first free
# ones of 41000-41999 by `ss`.
free_ports () {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))' "$1"
    else
        local p used out=()
        used=$(ss -Hltn 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }')
        for ((p = 41000; p < 42000 && ${#out[@]} < $1; p++)); do
            grep -qx "$p" <<< "$used" || out+=("$p")
        done
        echo "${out[*]}"
    fi
}
# ab_run LOG N: `ab -q -n N -c 8` (-c N if N < 8) against $url as the user, output to LOG;
# fails if ab fails, or any request failed or did not get a 2xx answer.
ab_run () {
    local log=$1 n=$2 rc=0 c=$http_conc
    ((c <= n)) || c=$n    # ab refuses more connections than requests
    "${as_user[@]}" timeout -k 5 "$limit" ab -q -n "$n" -c "$c" "$url" > "$log" 2>&1 || rc=$?
    [ "$rc" = 0 ] || { echo "ab exited with status $rc" >> "$log"; return 1; }
    grep -q "^Complete requests: *$n\$" "$log" && grep -q '^Failed requests: *0$' "$log" &&
        ! grep -q '^Non-2xx responses' "$log" && grep -q "^Document Length: *$http_size bytes" "$log"
}
# wait_http TOOL: wait (at most 30 s) until TOOL's server answers with the page.
wait_http () {
    local i
    for ((i = 0; i < 60; i++)); do
        ab_run "$logs/ab-wait-$1" 1 && return 0
        sleep 0.5
    done
    return 1
}

echo
echo "== http: busybox httpd in a container (\`run -d --network slirp4netns -p 127.0.0.1:PORT:80\`), a $http_size-byte page;"
echo "   \`ab -q -n $http_requests -c $http_conc\` from the host (no -k: busybox httpd has no keep-alive);" \
     "1 warm-up round of $http_warm requests, then $http_rounds rounds, the tools alternating"
read -r -a ports <<< "$(free_ports 2)"
[ ${#ports[@]} -eq 2 ] || die "cannot find two free ports on 127.0.0.1"
declare -A port=([nook]=${ports[0]} [podman]=${ports[1]})
http_tools=()
for t in "${tools[@]}"; do
    run_args "$t" slirp4netns -d --name bench-httpd -p "127.0.0.1:${port[$t]}:80" "$image" "${httpd[@]}"
    show_cmd "$t" "${ra[@]}"
    if ! tool "$t" "${ra[@]}" > "$logs/$t-httpd" 2>&1; then
        [ "$t" = nook ] && fail "nook run -d (httpd)" "$logs/$t-httpd"
        podman_fails podman/http "run -d -p (httpd)" "$logs/$t-httpd"
        continue
    fi
    url=http://127.0.0.1:${port[$t]}/
    if ! wait_http "$t"; then
        tool "$t" logs bench-httpd >> "$logs/ab-wait-$t" 2>&1 || true
        [ "$t" = nook ] && fail "nook's httpd did not answer on $url within 30 s" "$logs/ab-wait-$t"
        podman_fails podman/http "httpd answering on $url" "$logs/ab-wait-$t"
        continue
    fi
    http_tools+=("$t")
done
# Which port handler each tool has: nook's is slirp4netns's own (the
# add_hostfwd API); Podman's default is rootlessport (a re-exec of podman
# named rootlessport that listens on the host and forwards into the
# namespace), unless slirp4netns:port_handler=slirp4netns is given.
handler_note="nook: slirp4netns's own forwarding (add_hostfwd through its API)"
if [ -z "${dropped[podman/http]:-}" ] && [ "$podman_ok" = yes ]; then
    if pgrep -u "$uid" -f '^rootlessport' >/dev/null 2>&1; then
        handler_note+="; podman: rootlessport, its default (the rootlessport process is running)"
    else
        handler_note+="; podman: its default (no rootlessport process seen: slirp4netns's own?)"
    fi
fi
echo "  port handlers: $handler_note"
rps_nook=() rps_podman=()
for ((r = 0; r < 1 + http_rounds; r++)); do
    if ((r % 2 == 0)); then round=("${http_tools[@]}"); else round=(); for t in "${http_tools[@]}"; do round=("$t" "${round[@]}"); done; fi
    for t in "${round[@]}"; do
        [ -z "${dropped[$t/http]:-}" ] || continue
        url=http://127.0.0.1:${port[$t]}/
        n=$http_requests
        ((r == 0)) && n=$http_warm
        if ! ab_run "$logs/ab-$t" "$n"; then
            [ "$t" = nook ] && fail "ab -n $n -c $http_conc $url (nook's httpd)" "$logs/ab-$t"
            podman_fails podman/http "ab -n $n -c $http_conc $url" "$logs/ab-$t"
            continue
        fi
        ((r > 0)) || continue
        v=$(sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$logs/ab-$t")
        [ -n "$v" ] || fail "ab printed no requests per second ($t)" "$logs/ab-$t"
        declare -n s=rps_$t
        s+=("$v")
        unset -n s
    done
done
for t in "${http_tools[@]}"; do
    tool "$t" rm -f -t 0 bench-httpd > "$logs/$t-rm" 2>&1 || {
        [ "$t" = nook ] && fail "nook rm -f -t 0 bench-httpd" "$logs/$t-rm"
        podman_fails podman/rm "rm -f -t 0 bench-httpd" "$logs/$t-rm"
    }
done
printf '%-8s %12s %10s %10s %6s\n' tool "median req/s" "min" "max" rounds
declare -A rps
for t in nook podman; do
    declare -n s=rps_$t
    if [ ${#s[@]} -gt 0 ]; then
        rps[$t]=$(bench_median "${s[@]}")
        printf '%-8s %12s %10s %10s %6s\n' "$t" "${rps[$t]}" \
            "$(printf '%s\n' "${s[@]}" | sort -n | head -n 1 | cut -d. -f1)" \
            "$(printf '%s\n' "${s[@]}" | sort -n | tail -n 1 | cut -d. -f1)" "${#s[@]}"
        [ -z "${dropped[$t/http]:-}" ] || printf '%-8s (then %s)\n' "" "${dropped[$t/http]}"
    elif [ "$t" = podman ] && [ "$podman_ok" = no ]; then
        printf '%-8s %s\n' "$t" "not measured: $no_podman"
    else
        printf '%-8s %s\n' "$t" "${dropped[$t/http]:-no samples}"
    fi
    unset -n s
done
ratio=-
if [ -n "${rps[nook]:-}" ] && [ -n "${rps[podman]:-}" ]; then
    ratio=$(bench_ratio "${rps[nook]}" "${rps[podman]}")x
    verdict=$(awk -v n="${rps[nook]}" -v p="${rps[podman]}" 'BEGIN { print (n >= p) ? "met" : "NOT met" }')
    echo "ratio nook/podman (medians, higher is better for nook): $ratio"
    echo "verdict: http: nook median ${rps[nook]} req/s vs target >= podman's ${rps[podman]} req/s: $verdict"
else
    verdict="not compared: podman ${dropped[podman/http]:-not measured${no_podman:+: $no_podman}}"
    echo "verdict: http: $verdict"
fi
summary_line "http req/s" "${rps[nook]:--}" "${rps[podman]:--}" "$ratio n/p" ">= podman" "$verdict"

# --- summary ------------------------------------------------------------------------
echo
bench_load_after
echo
echo "== summary (medians; run: ratio podman/nook, time; http: ratio nook/podman, req/s)"
printf '%-12s|%12s|%12s|%14s|%-12s|%s\n' measure nook podman ratio target verdict
printf '%s\n' "${summary[@]}"
