#!/usr/bin/env bats
# nook top, nook rename, nook container exists (and their completion).

load helpers
load completion

bats_require_minimum_version 1.5.0

TOP_COLUMNS=(USER PID PPID %CPU ELAPSED TTY TIME COMMAND)

setup_file () { nook_setup_file; }
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () {
    require_rootless
}
teardown () {
    remove_all_containers
}

# Start a long-running container NAME (extra run flags before the name)
# with run -d, and wait until ps shows it running.
start_container () {
    local name=$1 tries=200; shift
    "$NOOK" run -d --name "$name" "$@" busybox sleep 1000 >/dev/null || return 1
    while [ "$tries" -gt 0 ]; do
        "$NOOK" ps --format '{{.Names}}' | grep -qx "$name" && return 0
        sleep 0.05; tries=$((tries - 1))
    done
    echo "container $name did not start"; "$NOOK" ps -a; return 1
}

@test "top: Podman's default columns, PIDs as the container sees them" {
    start_container c1
    run -0 nook top c1
    assert_table_layout "$output" "${TOP_COLUMNS[@]}"
    local first; first=$(sed -n 2p <<<"$output")
    [[ "$first" =~ ^root\ +1\ +0\ +[0-9]+\.[0-9]{3}\ +[0-9hms.]+\ +\?\ +[0-9a-zµ.]+\ +sleep\ 1000$ ]] || {
        echo "unexpected row: $first"; return 1; }
    [ "$(wc -l <<<"$output")" -eq 2 ]
    run -0 nook container top c1
}

@test "top: descriptors, users and groups by name, parents inside" {
    start_container c1
    run -0 nook exec -d -u nobody c1 sh -c 'sleep 201 & exec sleep 202'
    local i
    for i in $(seq 100); do
        run -0 nook top c1 pid,ppid user group args
        [[ "$output" == *"sleep 201"* && "$output" == *"sleep 202"* ]] && break
        sleep 0.1
    done
    assert_table_layout "$output" PID PPID USER GROUP COMMAND
    local p201 p202
    p202=$(awk '$NF == "202" { print $1 }' <<<"$output")
    p201=$(awk '$NF == "201" { print $2 }' <<<"$output")
    [ -n "$p202" ] && [ "$p201" = "$p202" ]
    assert_output_contains "nobody"
    assert_output_contains "nogroup"
    # AIX codes, and the other descriptors.
    run -0 nook top c1 %p %U %c
    assert_table_layout "$output" PID USER COMMAND
    run -0 nook top c1 comm nice vsz rss state hpid ruser rgroup pgid etime time tty pcpu
    assert_table_layout "$output" COMMAND NI VSZ RSS STATE HPID RUSER RGROUP PGID ELAPSED TIME TTY %CPU
}

@test "top: errors" {
    start_container c1
    run -125 nook top c1 bogus
    assert_output_contains "'bogus': unknown descriptor"
    run -125 nook top no-such-container
    assert_output_contains "no such container"
    run -125 nook top
    run -0 nook run --name done busybox true
    run -125 nook top done
    assert_output_contains "top can only be used on running containers"
    run -0 nook top --list-descriptors
    assert_output_contains "pcpu"
    assert_output_contains "args"
}

@test "top --latest" {
    start_container c1
    run -0 nook top -l pid args
    assert_output_contains "sleep 1000"
}

@test "rename: running and stopped containers; the old name is free again" {
    start_container c1
    local id; id=$(container_id_of c1)
    run -0 nook rename c1 renamed
    assert_output_equals ""
    [ "$(container_id_of renamed)" = "$id" ]
    run -1 nook container exists c1
    run -0 nook exec renamed echo still-running
    assert_output_equals "still-running"
    run -0 nook run --name c1 busybox true
    run -0 nook container rename c1 stopped.one-2
    run -0 nook ps -a --format '{{.Names}}'
    assert_output_contains "stopped.one-2"
    assert_output_contains "renamed"
    # Its own name again: nothing to do.
    run -0 nook rename renamed renamed
    # Renaming leaves the record readable by everything else.
    run -0 nook inspect --format '{{.Name}}' renamed
    assert_output_equals "renamed"
}

@test "rename: a name in use names its holder; invalid names; unknown containers" {
    start_container c1
    run -0 nook run --name other busybox true
    local holder; holder=$(container_id_of other)
    run -125 nook rename c1 other
    assert_output_contains "the container name \"other\" is already in use by $holder"
    [ -n "$(container_id_of c1)" ]
    run -125 nook rename c1 "bad name"
    assert_output_contains "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument"
    run -125 nook rename c1 -lead
    run -125 nook rename c1 ""
    run -125 nook rename no-such-container x
    assert_output_contains "no such container"
    run -125 nook rename c1
    [ -n "$(container_id_of c1)" ]
}

@test "container exists: 0 or 1, no output" {
    run -0 nook run --name ex busybox true
    local id; id=$(container_id_of ex)
    run -0 nook container exists ex
    assert_output_equals ""
    run -0 nook container exists "$id"
    run -0 nook container exists "${id:0:12}"
    run -1 nook container exists no-such-container
    assert_output_equals ""
    run -125 nook container exists
}

@test "completion: exec, top, rename, container exists" {
    [ -r "$(completion_script)" ] || skip "completion not installed"
    run -0 nook run --name compl busybox true
    run complete_line "ex"
    assert_output_contains "exec"
    run complete_line "exec --de"
    assert_output_equals "$(printf -- '--detach\n--detach-keys')"
    run complete_line "exec comp"
    assert_output_equals "compl"
    # After the container comes the command: no container names.
    run complete_line "exec compl comp"
    [[ "$output" != *compl* ]]
    run complete_line "top compl pc"
    assert_output_equals "pcpu"
    run complete_line "top --l"
    assert_output_equals "$(printf -- '--latest\n--list-descriptors')"
    run complete_line "rename comp"
    assert_output_equals "compl"
    run complete_line "container ex"
    assert_output_equals "$(printf 'exec\nexists\nexport')"
    run complete_line "container exists comp"
    assert_output_equals "compl"
}
