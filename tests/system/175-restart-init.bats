#!/usr/bin/env bats
# --restart run by nook-monitor (on-failure[:N], always, unless-stopped;
# stop and kill not undone; RestartCount), and --init: nook-init as PID 1
# forwards signals and reaps orphans.

load helpers

bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () { require_rootless; }
teardown () {
    remove_all_containers
    assert_no_leftovers
}

restarts_of () { "$NOOK" inspect --format '{{.RestartCount}}' "$1" 2>/dev/null; }

# Wait (at most SECONDS, default 15) until NAME's RestartCount is at least N.
wait_restarts () {
    local tries=$(( ${3:-15} * 20 )) got
    while [ "$tries" -gt 0 ]; do
        got=$(restarts_of "$1")
        [ "${got:-0}" -ge "$2" ] && return 0
        sleep 0.05; tries=$((tries - 1))
    done
    echo "container $1 restarted $got times, not $2"; "$NOOK" ps -a; return 1
}

# The container is exited and stays so, not restarted, for a while.
assert_stays_exited () {
    local n; n=$(restarts_of "$1")
    wait_state "$1" exited
    sleep 1.5
    [ "$(state_of "$1")" = exited ] || { echo "$1 is $(state_of "$1") again"; false; }
    [ "$(restarts_of "$1")" = "$n" ] || { echo "$1 restarted: $n -> $(restarts_of "$1")"; false; }
}

# ---- --restart -------------------------------------------------------------

@test "--restart on-failure:2 restarts twice, then stays exited with the code" {
    run -0 nook run -d --name of --restart on-failure:2 busybox sh -c 'echo run; exit 3'
    run -0 nook inspect --format '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}' of
    assert_output_equals "on-failure 2"
    wait_restarts of 2
    assert_stays_exited of
    run -0 nook inspect --format '{{.RestartCount}} {{.State.ExitCode}} {{.State.Status}}' of
    assert_output_equals "2 3 exited"
    run -0 nook logs of
    assert_output_equals "run
run
run"
    run -0 nook ps -a --format '{{.Status}}'
    [[ "$output" == "Exited (3) "* ]] || { echo "$output"; false; }
}

@test "--restart on-failure does not restart after exit 0" {
    run -0 nook run -d --name ok --restart on-failure busybox true
    assert_stays_exited ok
    [ "$(restarts_of ok)" = 0 ]
}

@test "--restart always restarts after exit 0; stop is not undone" {
    run -0 nook run -d --name al --restart always busybox sh -c 'echo run; sleep 0.2'
    wait_restarts al 2
    run -0 nook stop -t 0 al
    assert_output_equals "al"
    assert_stays_exited al
    run -0 nook inspect --format '{{.HostConfig.RestartPolicy.Name}}' al
    assert_output_equals "always"
    # Started by hand again, the policy holds again.
    local n; n=$(restarts_of al)
    run -0 nook start al
    wait_restarts al $((n + 1))
    run -0 nook stop -t 0 al
    assert_stays_exited al
}

@test "--restart always: kill is not undone either" {
    run -0 nook run -d --name ak --restart always busybox sleep 100
    wait_state ak running
    run -0 nook kill ak
    assert_stays_exited ak
    [ "$(restarts_of ak)" = 0 ]
    run -0 nook inspect --format '{{.State.ExitCode}}' ak
    assert_output_equals "137"
}

@test "--restart on-failure: a stop (137) is not a failure to undo" {
    run -0 nook run -d --name os --restart on-failure busybox sleep 100
    wait_state os running
    run -0 nook stop -t 0 os
    assert_stays_exited os
    [ "$(restarts_of os)" = 0 ]
}

@test "--restart unless-stopped restarts until stopped" {
    run -0 nook run -d --name us --restart unless-stopped busybox sh -c 'sleep 0.2; exit 1'
    wait_restarts us 2
    run -0 nook stop -t 0 us
    assert_stays_exited us
    run -0 nook inspect --format '{{.HostConfig.RestartPolicy.Name}}' us
    assert_output_equals "unless-stopped"
}

@test "--restart always backs off: a container that exits at once does not spin" {
    local t0 n; t0=$(date +%s%3N)
    run -0 nook run -d --name bo --restart always busybox true
    # Two restarts take 300 ms of back-off (and a loaded machine's time);
    # a spinning monitor would make hundreds in 2 s.
    wait_restarts bo 2
    n=$(( 2000 - ($(date +%s%3N) - t0) ))
    [ "$n" -le 0 ] || sleep "$((n / 1000)).$(printf '%03d' $((n % 1000)))"
    n=$(restarts_of bo)
    [ "$n" -ge 2 ] && [ "$n" -le 15 ] || { echo "$n restarts in 2 s"; false; }
    # rm -f works whatever the moment, and leaves nothing behind.
    run -0 nook rm -f -t 0 bo
    assert_output_equals "bo"
    run -0 nook ps -a -q
    assert_output_equals ""
}

@test "--restart no is the default, and shows as Podman shows it" {
    run -0 nook run -d --name no --restart no busybox sh -c 'exit 1'
    assert_stays_exited no
    [ "$(restarts_of no)" = 0 ]
    run -0 nook inspect --format '{{.HostConfig.RestartPolicy.Name}}' no
    assert_output_equals "no"
    run -0 nook run -d --name dflt busybox true
    run -0 nook inspect --format '{{.HostConfig.RestartPolicy.Name}}|{{.RestartCount}}' dflt
    assert_output_equals "|0"
}

# ---- --init ------------------------------------------------------------------

@test "--init: PID 1 is /run/nook-init running the command" {
    run -0 nook run --rm --init busybox sh -c 'tr "\0" " " < /proc/1/cmdline; echo; echo $$'
    local -a lines; mapfile -t lines <<< "$output"
    [[ "${lines[0]}" == "/run/nook-init -- sh -c "* ]] || { echo "$output"; false; }
    [ "${lines[1]}" != 1 ]
    run -17 nook run --rm --init busybox sh -c 'exit 17'
    run -0 nook run -d --name ii --init busybox sleep 100
    run -0 nook inspect --format '{{.HostConfig.Init}}' ii
    assert_output_equals "true"
}

@test "--init forwards signals: stop and kill -s reach a shell that traps them" {
    # nook-init forwards what it gets; the shell must have its traps set.
    run -0 nook run -d --init --name it busybox sh -c "trap 'exit 21' TERM; trap 'exit 22' USR1; echo ready; while :; do sleep 0.05; done"
    wait_log it ready 1
    local t0; t0=$(date +%s%3N)
    run -0 nook stop -t 5 it
    [ $(( $(date +%s%3N) - t0 )) -lt 4000 ] || { echo "stop waited for the timeout"; false; }
    run -0 nook inspect --format '{{.State.ExitCode}}' it
    assert_output_equals "21"
    run -0 nook start it
    wait_log it ready 2
    run -0 nook kill -s USR1 it
    run -0 nook wait it
    assert_output_equals "22"
}

# Leaves orphans by double forks: each subshell starts a sleep and exits, so
# the sleeps are reparented to PID 1, which must reap them when they end.
ORPHANS='for i in 1 2 3 4; do (sleep 0.2 &); done; (sh -c "sleep 0.1 & exit 0" &); exec sleep 100'

zombies_in () {
    "$NOOK" exec "$1" sh -c 'for s in /proc/[0-9]*/stat; do cut -d" " -f3 "$s" 2>/dev/null; done' | grep -c '^Z' || true
}

@test "--init reaps orphans: none stays a zombie" {
    run -0 nook run -d --init --name rp busybox sh -c "$ORPHANS"
    wait_state rp running
    sleep 1
    run -0 nook exec rp ps -o pid,stat,args
    [[ "$output" != *" Z "* ]] || { echo "$output"; false; }
    [ "$(zombies_in rp)" -eq 0 ]
}

@test "without --init the same orphans stay zombies (the test above can fail)" {
    run -0 nook run -d --name nz busybox sh -c "$ORPHANS"
    wait_state nz running
    local i
    for i in $(seq 100); do
        [ "$(zombies_in nz)" -ge 1 ] && break
        sleep 0.1
    done
    [ "$(zombies_in nz)" -ge 1 ] || { nook exec nz ps -o pid,stat,args; false; }
    # And rm -f still cleans everything up.
    run -0 nook rm -f -t 0 nz
}
