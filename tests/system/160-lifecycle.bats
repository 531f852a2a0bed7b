#!/usr/bin/env bats
# The container lifecycle through nook-monitor: run -d, create, start,
# stop, restart, kill, wait, rm -f, --rm with -d; their output (names as
# given, IDs with -a), exit codes, and bad input with Podman's messages.

load helpers

bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () { require_rootless; }
teardown () {
    remove_all_containers
    assert_no_leftovers
}

# Start a detached container NAME running SCRIPT under sh (extra run flags
# before the name) and wait until it runs; sets $CID.
run_detached () {
    local name=$1 script=$2; shift 2
    CID=$("$NOOK" run -d --name "$name" "$@" busybox sh -c "$script") || return 1
    wait_state "$name" running
}

# run_detached, and wait until the script has said "ready": "running"
# comes when sh is exec'd, before its traps are set, and a signal sent
# then is dropped (sh is PID 1: no trap, no default action).
run_ready () {
    run_detached "$@" && wait_log "$1" ready
}

# Milliseconds since the epoch.
now_ms () { date +%s%3N; }

# A shell loop that exits with CODE on SIGNAL (default TERM), and says
# "ready" once it traps it (sleeps in short steps so that the trap runs
# at once).
trap_term () { echo "trap 'exit $1' ${2:-TERM}; echo ready; while :; do sleep 0.05; done"; }

# ---- run -d ------------------------------------------------------------------

@test "run -d prints the full ID and returns while the container runs" {
    local t0; t0=$(now_ms)
    run -0 nook run -d --name d1 busybox sleep 30
    [ $(( $(now_ms) - t0 )) -lt 10000 ]
    [[ "$output" =~ ^[0-9a-f]{64}$ ]] || { echo "not an ID: $output"; false; }
    [ "$output" = "$(container_id_of d1)" ]
    [ "$(state_of d1)" = running ]
    run -0 nook ps --format '{{.Names}} {{.Status}}'
    [[ "$output" == "d1 Up "* ]] || { echo "ps: $output"; false; }
    run -0 nook inspect --format '{{.State.Running}} {{.State.Pid}} {{.State.ConmonPid}}' d1
    read -r running pid monpid <<< "$output"
    [ "$running" = true ]
    kill -0 "$pid"
    kill -0 "$monpid"
    [ "$pid" != "$monpid" ]
}

@test "a runtime directory that is not there yet: the first run -d and run make what they need" {
    # XDG_RUNTIME_DIR/nook as after a reboot: the monitor's directory
    # (its socket, the runtime's log) is made before anything goes there.
    local rr=$BATS_TEST_TMPDIR/fresh-run
    run -0 nook --runroot "$rr" run -d --name fresh1 --network none busybox sleep 30
    [ -S "$rr/monitor/$output" ]
    run -0 nook --runroot "$rr" rm -f -t 0 fresh1
    rm -rf "$rr"
    run -0 nook --runroot "$rr" run --rm --network none busybox echo fresh
    assert_output_equals "fresh"
}

@test "run -d: the monitor outlives the CLI in a session of its own" {
    run -0 nook run -d --name d1 busybox sleep 30
    local monpid; monpid=$("$NOOK" inspect --format '{{.State.ConmonPid}}' d1)
    # Not our child, and not in our session.
    [ "$(ps -o sid= -p "$monpid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]
    [ "$(ps -o ppid= -p "$monpid" | tr -d ' ')" != "$$" ]
}

# The monitor's resident memory in KiB, unless it runs under AddressSanitizer
# (whose shadow memory is all of it): then "asan".
monitor_rss () {
    if grep -q libasan "/proc/$1/maps"; then echo asan; return; fi
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# Wait (at most 10 s) until the monitor PID is at rest: under 512 KiB.
# It rests after a quarter of a second without an event, given the CPU.
assert_monitor_rests () {
    local i rss
    for i in $(seq 100); do
        rss=$(monitor_rss "$1")
        [ "$rss" = asan ] || [ "$rss" -lt 512 ] && return 0
        sleep 0.1
    done
    echo "monitor VmRSS at rest: $rss KiB"; return 1
}

@test "a quiet container's monitor gives its memory back, and wakes for attach, output and stop" {
    run_ready q1 "trap 'exit 3' TERM; echo ready; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo two; while :; do sleep 0.05; done"
    local monpid out=$BATS_TEST_TMPDIR/attach.out
    monpid=$("$NOOK" inspect --format '{{.State.ConmonPid}}' q1)
    # At rest after a quarter of a second without an event: its code and
    # free memory are given back (set up, it holds about 1.3 MiB).
    assert_monitor_rests "$monpid"
    "$NOOK" attach --no-stdin q1 > "$out" 2>&1 &
    local apid=$!
    sleep 1 # at rest again, with a client
    "$NOOK" exec q1 touch /tmp/go
    wait_for_text "$out" two
    run -0 nook logs q1
    assert_output_equals $'ready\ntwo'
    assert_monitor_rests "$monpid"
    run -0 nook stop q1
    wait_for_exit "$apid" 10
    [ "$wait_status" -eq 3 ] || { echo "attach: $wait_status"; cat "$out"; false; }
    run -0 nook inspect --format '{{.State.ExitCode}}' q1
    [ "$output" = 3 ]
}

# ---- the helpers -----------------------------------------------------------------

@test "nook-monitor and nook-runtime are static: no dynamic loader, no library, no NSS lookup" {
    local h bin dyn
    for h in nook-monitor nook-runtime; do
        bin=$NOOK_PREFIX/libexec/nook/$h
        dyn=$(readelf -d "$bin")
        # AddressSanitizer builds link them dynamically: it needs the loader.
        if [[ "$dyn" != *libasan* ]]; then
            [[ "$dyn" != *NEEDED* ]] || { echo "$h: $dyn"; false; }
            if readelf -l "$bin" | grep -q INTERP; then echo "$h has a dynamic loader"; false; fi
        fi
        # No NSS lookup, for which static glibc would load modules.
        if nm "$bin" | grep -wE '(getpw|getgr)(uid|nam|gid|ent)(_r)?'; then
            echo "$h looks users up through NSS"
            false
        fi
    done
    # The monitor maps a container's user namespace with the ids nook gave it.
    run -0 nook run --rm busybox cat /proc/self/uid_map
    [[ "${lines[0]}" =~ ^\ *0\ +$(id -u)\ +1$ ]] || { echo "$output"; false; }
}

# ---- create and start ---------------------------------------------------------

@test "create prints the ID; start prints each container as given; start -a attaches" {
    run -0 nook create --name c1 busybox sh -c 'echo one; exit 3'
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    local id=$output
    [ "$(state_of c1)" = created ]
    run -0 nook create --name c2 busybox true
    local id2=$output
    run -0 nook start c1 "${id2:0:12}"
    # One by name, one by a short ID: each printed as given.
    assert_output_equals "c1
${id2:0:12}"
    run -0 nook wait c1 c2
    assert_output_equals "3
0"
    run -0 nook inspect --format '{{.State.Status}} {{.State.ExitCode}}' c1
    assert_output_equals "exited 3"
    # start -a: the output, and the container's exit code.
    run -3 nook start -a c1
    assert_output_equals "one"
}

@test "start -i passes stdin to a container created with -i" {
    run -0 nook create -i --name ci busybox sh -c 'read x; echo got=$x'
    run -0 bash -c "echo hello | '$NOOK' start -a -i ci"
    assert_output_equals "got=hello"
}

@test "start of an exited container runs it again" {
    run -0 nook run --name again busybox sh -c 'echo ran'
    run -0 nook start again
    assert_output_equals "again"
    run -0 nook wait again
    run -0 nook logs again
    assert_output_equals "ran
ran"
}

# ---- stop ----------------------------------------------------------------------

@test "stop: a container that traps TERM exits at once with its code" {
    run_ready s1 "$(trap_term 42)"
    local t0; t0=$(now_ms)
    run -0 nook stop -t 10 s1
    assert_output_equals "s1"
    [ $(( $(now_ms) - t0 )) -lt 5000 ] || { echo "stop took $(( $(now_ms) - t0 )) ms"; false; }
    run -0 nook inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}' s1
    assert_output_equals "exited 42 false"
}

@test "stop -t 1: a container that ignores TERM is killed after the timeout (137), with Podman's warning" {
    # sleep as PID 1 has no handler: TERM does not reach it.
    run -0 nook run -d --name s1 busybox sleep 100
    local t0 dt; t0=$(now_ms)
    run --separate-stderr -0 nook stop -t 1 s1
    dt=$(( $(now_ms) - t0 ))
    assert_output_equals "s1"
    [ "$dt" -ge 900 ] && [ "$dt" -lt 8000 ] || { echo "stop took $dt ms"; false; }
    [[ "$stderr" == *"StopSignal SIGTERM failed to stop container s1 in 1 seconds, resorting to SIGKILL"* ]] \
        || { echo "stderr: $stderr"; false; }
    run -0 nook inspect --format '{{.State.ExitCode}}' s1
    assert_output_equals "137"
    run -0 nook wait s1
    assert_output_equals "137"
}

@test "stop -t 0 kills at once" {
    run -0 nook run -d --name s0 busybox sleep 100
    local t0; t0=$(now_ms)
    run -0 nook stop -t 0 s0
    [ $(( $(now_ms) - t0 )) -lt 5000 ]
    run -0 nook inspect --format '{{.State.ExitCode}}' s0
    assert_output_equals "137"
}

@test "--stop-signal and --stop-timeout are what stop uses" {
    run_ready sig "$(trap_term 7 USR1)" --stop-signal USR1
    run -0 nook inspect --format '{{.Config.StopSignal}}' sig
    [[ "$output" == *USR1* || "$output" == 10 ]] || { echo "StopSignal: $output"; false; }
    run -0 nook stop sig
    run -0 nook inspect --format '{{.State.ExitCode}}' sig
    assert_output_equals "7"

    run -0 nook run -d --name st --stop-timeout 1 busybox sleep 100
    run -0 nook inspect --format '{{.Config.StopTimeout}}' st
    assert_output_equals "1"
    local t0 dt; t0=$(now_ms)
    run -0 nook stop st
    dt=$(( $(now_ms) - t0 ))
    [ "$dt" -ge 900 ] && [ "$dt" -lt 8000 ] || { echo "stop took $dt ms"; false; }
    run -0 nook inspect --format '{{.State.ExitCode}}' st
    assert_output_equals "137"
}

@test "stop -a stops the running ones and prints their IDs; stop of a stopped one is fine" {
    run -0 nook run -d --name r1 busybox sleep 100
    local id1=$output
    run -0 nook run -d --name r2 busybox sleep 100
    local id2=$output
    run -0 nook run --name ex busybox true
    run -0 nook stop -a -t 0
    [ "$(echo "$output" | sort)" = "$(printf '%s\n' "$id1" "$id2" | sort)" ] \
        || { echo "stop -a printed: $output"; false; }
    [ "$(state_of r1)" = exited ]
    [ "$(state_of r2)" = exited ]
    run -0 nook stop r1
    assert_output_equals "r1"
}

# ---- restart -------------------------------------------------------------------

@test "restart prints the name and runs the container anew; restart of an exited one starts it" {
    run_detached rs 'echo started; while :; do sleep 0.05; done'
    local pid1 started1
    pid1=$("$NOOK" inspect --format '{{.State.Pid}}' rs)
    started1=$("$NOOK" inspect --format '{{.State.StartedAt}}' rs)
    run -0 nook restart -t 0 rs
    assert_output_equals "rs"
    wait_state rs running
    [ "$("$NOOK" inspect --format '{{.State.Pid}}' rs)" != "$pid1" ]
    [ "$("$NOOK" inspect --format '{{.State.StartedAt}}' rs)" != "$started1" ]
    kill -0 "$("$NOOK" inspect --format '{{.State.Pid}}' rs)"
    run -0 nook stop -t 0 rs
    run -0 nook restart rs
    assert_output_equals "rs"
    wait_state rs running
    # "running" comes before the script's echo reaches the log.
    wait_log rs started 3
    run -0 nook logs rs
    [ "$(grep -c started <<< "$output")" -eq 3 ] || { echo "logs: $output"; false; }
}

# ---- kill ------------------------------------------------------------------------

@test "kill: SIGKILL by default, -s by name and by number, the name printed as given" {
    run_ready k1 "$(trap_term 43)"
    run -0 nook kill -s TERM k1
    assert_output_equals "k1"
    run -0 nook wait k1
    assert_output_equals "43"

    run_ready k2 "$(trap_term 44)"
    run -0 nook kill --signal 15 k2
    run -0 nook wait k2
    assert_output_equals "44"

    run_ready k3 "$(trap_term 45 USR1)"
    run -0 nook kill -s SIGUSR1 k3
    run -0 nook wait k3
    assert_output_equals "45"

    run -0 nook run -d --name k4 busybox sleep 100
    local id=$output
    run -0 nook kill "${id:0:12}"
    assert_output_equals "${id:0:12}"
    run -0 nook wait k4
    assert_output_equals "137"
}

@test "kill -a signals the running containers and prints their IDs" {
    run -0 nook run -d --name a1 busybox sleep 100
    local id1=$output
    run -0 nook run --name a2 busybox true
    run -0 nook kill -a
    assert_output_equals "$id1"
    run -0 nook wait a1
    assert_output_equals "137"
}

# ---- wait ------------------------------------------------------------------------

@test "wait: blocks until the end, prints the exit code" {
    run -0 nook run -d --name w1 busybox sh -c 'sleep 0.5; exit 9'
    run -0 nook wait w1
    assert_output_equals "9"
    [ "$(state_of w1)" = exited ]
    # Of an exited container: at once.
    run -0 nook wait w1
    assert_output_equals "9"
}

@test "wait --condition running returns when a created container starts (-1, as Podman)" {
    run -0 nook create --name wc busybox sleep 100
    "$NOOK" wait --condition running wc > "$BATS_TEST_TMPDIR/wait.out" 2>&1 &
    local pid=$!
    sleep 0.3
    kill -0 "$pid" || { echo "wait ended before start:"; cat "$BATS_TEST_TMPDIR/wait.out"; false; }
    run -0 nook start wc
    wait_for_exit "$pid" 10
    [ "$wait_status" -eq 0 ]
    run cat "$BATS_TEST_TMPDIR/wait.out"
    assert_output_equals "-1"
}

@test "wait --condition exited/stopped on a running one, and bad conditions" {
    run -0 nook run -d --name we busybox sh -c 'sleep 0.3; exit 5'
    run -0 nook wait --condition exited we
    assert_output_equals "5"
    run -0 nook wait --condition stopped we
    assert_output_equals "5"
    run -125 nook wait --condition bogus we
    assert_one_error_line "$output"
}

# ---- rm --------------------------------------------------------------------------

@test "rm -f of a running container stops and removes it" {
    run -0 nook run -d --name rf busybox sleep 100
    local monpid; monpid=$("$NOOK" inspect --format '{{.State.ConmonPid}}' rf)
    run -0 nook rm -f -t 0 rf
    assert_output_equals "rf"
    run -0 nook ps -a -q
    assert_output_equals ""
    # The monitor is gone, and its socket.
    local i; for i in $(seq 100); do kill -0 "$monpid" 2>/dev/null || break; sleep 0.05; done
    ! kill -0 "$monpid" 2>/dev/null
}

@test "rm of a running container without -f is refused (2); rm -t without -f is an error" {
    run -0 nook run -d --name rr busybox sleep 100
    local id=$output
    run -2 nook rm rr
    assert_output_contains "cannot remove container $id as it is running - running or paused containers cannot be removed without force: container state improper"
    [ "$(state_of rr)" = running ]
    run -125 nook rm -t 0 rr
    assert_output_contains "--force must be specified to use the --time option"
    run -0 nook rm -f --time 0 rr
}

@test "run -d --rm removes the container after it exits" {
    run -0 nook run -d --rm --name gone busybox sh -c 'sleep 0.3'
    local i
    for i in $(seq 200); do
        [ -z "$("$NOOK" ps -a -q)" ] && break
        sleep 0.05
    done
    run -0 nook ps -a -q
    assert_output_equals ""
    run -125 nook inspect gone
    assert_no_leftovers
}

@test "run -d --rm with stop: removed as well" {
    run -0 nook run -d --rm --name gone2 busybox sleep 100
    run -0 nook stop -t 0 gone2
    local i
    for i in $(seq 200); do
        [ -z "$("$NOOK" ps -a -q)" ] && break
        sleep 0.05
    done
    run -0 nook ps -a -q
    assert_output_equals ""
}

# ---- bad input ----------------------------------------------------------------

@test "an unknown container: 125 for each command, 1 for rm, Podman's message" {
    local cmd msg='no container with name or ID "nope" found: no such container'
    for cmd in start stop restart kill wait attach logs exec top; do
        if [ "$cmd" = exec ]; then run nook exec nope true; else run nook "$cmd" nope; fi
        [ "$status" -eq 125 ] || { echo "$cmd: status $status"; echo "$output"; false; }
        [[ "$output" == "Error: $msg" ]] || { echo "$cmd: $output"; false; }
    done
    run -1 nook rm nope
    assert_output_equals "Error: $msg"
    run -0 nook rm -f nope
}

@test "start of a running container is refused" {
    run -0 nook run -d --name up busybox sleep 100
    local id=$output
    run -125 nook start up
    assert_output_contains "container $id must be in Created or Stopped state to be started: container state improper"
    assert_one_error_line "$output"
}

@test "kill, exec and attach of a stopped container are refused" {
    run -0 nook run --name stopped busybox true
    local id; id=$(container_id_of stopped)
    run -125 nook kill stopped
    assert_output_equals "Error: can only kill running containers. $id is in state exited: container state improper"
    run -125 nook exec stopped true
    assert_output_contains "can only create exec sessions on running containers: container state improper"
    run -125 nook attach stopped
    assert_output_contains "you can only attach to running containers"
    run -0 nook create --name fresh busybox true
    id=$(container_id_of fresh)
    run -125 nook kill fresh
    assert_output_equals "Error: can only kill running containers. $id is in state created: container state improper"
}

@test "a name already in use names its holder" {
    run -0 nook run -d --name taken busybox sleep 100
    local id=$output
    local msg="the container name \"taken\" is already in use by $id. You have to remove that container to be able to reuse that name: that name is already in use"
    run -125 nook run -d --name taken busybox true
    assert_output_contains "$msg"
    run -125 nook create --name taken busybox true
    assert_output_contains "$msg"
    # Nothing was left behind by the failed attempts.
    [ "$("$NOOK" ps -a -q | wc -l)" -eq 1 ]
}

@test "invalid --restart, --log-driver, --log-opt, --stop-signal: 125, Podman's messages, nothing created" {
    run -125 nook run -d --restart bogus busybox true
    assert_output_contains '"bogus" is not a valid restart policy'
    run -125 nook run -d --restart always:3 busybox true
    assert_output_contains "restart policy retries can only be specified with on-failure restart policy"
    run -125 nook run -d --restart on-failure:x busybox true
    assert_one_error_line "$output"
    run -125 nook run -d --restart on-failure:-1 busybox true
    assert_output_contains "must specify restart policy retry count as a number greater than 0"
    run -125 nook run -d --log-driver bogus busybox true
    assert_output_contains "invalid log driver"
    run -125 nook run -d --log-opt bogus busybox true
    assert_output_contains 'invalid log option "bogus"'
    run -125 nook run -d --log-opt max-size=xyz busybox true
    assert_output_contains "invalid size: 'xyz'"
    run -125 nook run -d --stop-signal BOGUS busybox true
    assert_output_equals "Error: invalid signal: BOGUS"
    run -125 nook run -d --stop-signal 99 busybox true
    assert_output_contains "valid signals are 1 through 64"
    run -125 nook kill -s BOGUS nope
    assert_output_contains "invalid signal: BOGUS"
    run -0 nook ps -a -q
    assert_output_equals ""
}

@test "commands without a container: 125 with a message" {
    local cmd
    for cmd in start stop restart kill wait attach logs; do
        run nook "$cmd"
        [ "$status" -eq 125 ] || { echo "$cmd: status $status: $output"; false; }
        [[ "$output" == "Error: "* ]] || { echo "$cmd: $output"; false; }
    done
    run -125 nook rm
    assert_output_contains "must specify at least one container name or ID"
}
