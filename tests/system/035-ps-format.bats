#!/usr/bin/env bats
# ps --format (templates, table, json), --filter and --size.

load helpers
bats_require_minimum_version 1.5.0

setup_file () {
    nook_setup_file
    "$NOOK" run --name ps-zero busybox true
    "$NOOK" run --name ps-three busybox sh -c 'exit 3' || true
    "$NOOK" run --name ps-test nook-test echo from nook-test >/dev/null
}
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () { require_rootless; }

@test "ps --format runs the template per container" {
    run nook ps -a --format '{{.Names}} {{.Image}} {{.Status}}'
    assert_status 0
    [ "${#lines[@]}" -eq 3 ]
    [[ "${lines[0]}" == "ps-test localhost/nook-test:latest Exited (0) "*" ago" ]] || { echo "$output"; false; }
    [[ "${lines[1]}" == "ps-three localhost/busybox:latest Exited (3) "* ]]
}

@test "ps --format sees Podman's fields" {
    run nook ps -a --filter name=ps-three \
        --format '{{.ID}}|{{.Command}}|{{.ExitCode}}|{{.Exited}}|{{.Pid}}|{{.AutoRemove}}|{{.ImageID}}'
    assert_status 0
    [[ "$output" =~ ^[0-9a-f]{12}\|sh\ -c\ exit\ 3\|3\|true\|0\|false\|[0-9a-f]{12}$ ]] || { echo "$output"; false; }
    run nook ps -a --filter name=ps-test --format '{{index .Labels "org.nook.test"}} {{.Command}}'
    assert_output_equals "yes echo from nook-te..."
    run nook ps -a --no-trunc --filter name=ps-test --format '{{.Command}}'
    assert_output_equals "echo from nook-test"
}

@test "ps --format table prints Podman's headers" {
    run nook ps -a --format 'table {{.ID}} {{.Names}} {{.CreatedHuman}}'
    assert_status 0
    [[ "${lines[0]}" =~ ^CONTAINER\ ID\ +NAMES\ +CREATED$ ]] || { echo "${lines[0]}"; false; }
    [ "${#lines[@]}" -eq 4 ]
}

@test "ps --format json prints Podman's keys, one object per container" {
    run nook ps -a --format json
    assert_status 0
    [ "${lines[0]}" = "[" ]
    [ "${lines[1]}" = "  {" ]
    [ "$(echo "$output" | grep -c '"Id":')" -eq 3 ]
    local key
    for key in AutoRemove Command CreatedAt Exited ExitedAt ExitCode Id Image ImageID Labels \
               Mounts Names Pid Ports State Status Created; do
        assert_output_contains "\"$key\":"
    done
    assert_output_contains '"State": "exited"'
    assert_output_contains '"ExitCode": 3'
}

@test "ps --filter name and id take regular expressions" {
    run nook ps -a --filter name='^ps-t' --format '{{.Names}}'
    assert_output_equals "$(printf 'ps-test\nps-three')"
    local id; id=$(nook ps -a -q --filter name=ps-zero)
    run nook ps -a --filter "id=${id:0:6}" --format '{{.Names}}'
    assert_output_equals "ps-zero"
    run nook ps -a -f name=ps-zero -f name=ps-three --format '{{.Names}}'
    assert_output_equals "$(printf 'ps-three\nps-zero')"
}

@test "ps --filter status, exited, ancestor and label" {
    run nook ps --filter status=exited --format '{{.Names}}'
    [ "${#lines[@]}" -eq 3 ]
    run nook ps -a --filter status=running --format '{{.Names}}'
    assert_output_equals ""
    run nook ps -a --filter exited=3 --format '{{.Names}}'
    assert_output_equals "ps-three"
    run nook ps -a --filter ancestor=nook-test --format '{{.Names}}'
    assert_output_equals "ps-test"
    run nook ps -a --filter ancestor=localhost/busybox:latest --format '{{.Names}}'
    assert_output_equals "$(printf 'ps-three\nps-zero')"
    run nook ps -a --filter label=org.nook.test=yes --format '{{.Names}}'
    assert_output_equals "ps-test"
}

@test "ps --filter before and since" {
    run nook ps -a --filter before=ps-three --format '{{.Names}}'
    assert_output_equals "ps-zero"
    run nook ps -a --filter since=ps-three --format '{{.Names}}'
    assert_output_equals "ps-test"
}

@test "ps refuses bad filters" {
    run --separate-stderr nook ps --filter bogus=1
    assert_status 125
    [ "$stderr" = "Error: bogus is an invalid filter" ]
    run --separate-stderr nook ps --filter status=sleeping
    assert_status 125
    [ "$stderr" = "Error: sleeping is not a valid status" ]
    run --separate-stderr nook ps --filter name
    assert_status 125
    run --separate-stderr nook ps --filter before=nosuchcontainer
    assert_status 125
}

@test "ps -s adds the SIZE column" {
    nook run --name ps-size busybox sh -c 'head -c 5000 /dev/zero > /f'
    run nook ps -a -s --filter name=ps-size
    assert_status 0
    [[ "${lines[0]}" =~ NAMES\ +SIZE$ ]] || { echo "${lines[0]}"; false; }
    [[ "${lines[1]}" =~ ps-size\ +5\ kB\ \(virtual\ 2\.[0-9]+\ MB\)$ ]] || { echo "${lines[1]}"; false; }
    nook rm ps-size
}

@test "ps of a running container shows Up, its pid and the running state" {
    nook run --name ps-running busybox sleep 30 3>&- &
    local i
    for i in $(seq 200); do
        [ -n "$(nook ps -q --filter name=ps-running)" ] && break
        sleep 0.05
    done
    run nook ps --format '{{.Names}} {{.Status}} {{.Pid}}'
    assert_status 0
    [[ "$output" =~ ^ps-running\ Up\ .*\ [1-9][0-9]*$ ]] || { echo "$output"; false; }
    run nook ps --format json
    assert_output_contains '"State": "running"'
    nook rm -f ps-running
    wait || true
}
