#!/usr/bin/env bats
# Bad bundles given straight to nook-runtime: each fails with an error
# that says what is wrong, on stderr and in --log as JSON, exits non-zero,
# and leaves no state directory and no process behind (not the init, not
# a hook, not what a hook started).

load helpers
load runtime-bundle

bats_require_minimum_version 1.5.0

setup_file () {
    rt_setup_file
}

setup () {
    rt_setup
    LOG="$BATS_TEST_TMPDIR/log.json"
}

# create_fails TEXT: create fails naming TEXT on stderr and in the JSON
# log, leaving nothing behind.
create_fails () {
    run -1 runtime create -b "$BUNDLE" bad
    assert_output_contains "$1"
    assert_no_state
    assert_no_processes
    run -1 runtime --log "$LOG" --log-format json create -b "$BUNDLE" bad
    run grep '"level":"error"' "$LOG"
    assert_status 0
    assert_output_contains "${1//\"/\\\"}"
    assert_output_contains '"msg":'
    assert_no_state
    assert_no_processes
}

@test "missing config.json" {
    create_fails "config.json"
    run -1 runtime create -b "$BUNDLE" bad
    assert_output_contains "No such file or directory"
}

@test "config.json that is not JSON" {
    printf '{"ociVersion": "1.0.2", "process": ' > "$BUNDLE/config.json"
    create_fails "config.json"
}

@test "an unknown namespace type is named" {
    rt_config 'true' '' '' '' '{"type": "mount"}, {"type": "bogus"}'
    create_fails 'unknown namespace type `bogus`'
}

@test "a rootfs that does not exist" {
    rt_config 'true'
    rm -rf "$BUNDLE/rootfs"
    create_fails "rootfs"
    run -1 runtime create -b "$BUNDLE" bad
    assert_output_contains "No such file or directory"
}

@test "a failing prestart hook fails create, naming the hook and its output" {
    printf '#!/bin/sh\necho hook says no >&2\nexit 3\n' > "$BATS_TEST_TMPDIR/no.sh"
    chmod 755 "$BATS_TEST_TMPDIR/no.sh"
    rt_config 'true' '' "\"hooks\": {\"prestart\": [{\"path\": \"$BATS_TEST_TMPDIR/no.sh\"}]}"
    create_fails 'hooks.prestart[0]'
    run -1 runtime create -b "$BUNDLE" bad
    assert_output_contains "exit status 3: hook says no"
}

@test "a hook that hangs is killed at its timeout, with what it started" {
    # The hook leaves a child behind too: the whole group goes.
    printf '#!/bin/sh\nsleep 300 &\nexec sleep 301\n' > "$BATS_TEST_TMPDIR/hang.sh"
    chmod 755 "$BATS_TEST_TMPDIR/hang.sh"
    rt_config 'true' '' "\"hooks\": {\"createRuntime\": [{\"path\": \"$BATS_TEST_TMPDIR/hang.sh\", \"timeout\": 1}]}"
    SECONDS=0
    run -1 runtime create -b "$BUNDLE" bad
    [ "$SECONDS" -lt 10 ]
    assert_output_contains 'hook `hooks.createRuntime[0]`'
    assert_output_contains "timed out after 1 s"
    assert_no_state
    assert_no_processes
}

@test "a createContainer hook that hangs, in the container, times out too" {
    printf '#!/bin/sh\nexec sleep 302\n' > "$BATS_TEST_TMPDIR/hang.sh"
    chmod 755 "$BATS_TEST_TMPDIR/hang.sh"
    rt_config 'true' '' "\"hooks\": {\"createContainer\": [{\"path\": \"$BATS_TEST_TMPDIR/hang.sh\", \"timeout\": 1}]}"
    create_fails "timed out after 1 s"
}

@test "a hook timeout that is not positive is refused, naming the field" {
    rt_config 'true' '' '"hooks": {"poststart": [{"path": "/bin/true", "timeout": 0}]}'
    create_fails 'hooks.poststart[0].timeout'
}

@test "an executable that does not exist" {
    rt_config 'true'
    sed -i 's|"/bin/sh", "-c", "true"|"/bin/nonexistent"|' "$BUNDLE/config.json"
    create_fails 'exec: "/bin/nonexistent": stat /bin/nonexistent: no such file or directory'
    sed -i 's|"/bin/nonexistent"|"nonexistent"|' "$BUNDLE/config.json"
    create_fails 'executable file not found in $PATH'
}

@test "an executable that is not executable" {
    rt_config 'true'
    printf 'echo hi\n' > "$BUNDLE/rootfs/bin/script"
    chmod 644 "$BUNDLE/rootfs/bin/script"
    sed -i 's|"/bin/sh", "-c", "true"|"/bin/script"|' "$BUNDLE/config.json"
    create_fails 'exec: "/bin/script": permission denied'
}

@test "an unsupported field is an error naming it, not ignored" {
    rt_config 'true' '"scheduler": {"policy": "SCHED_OTHER"}'
    create_fails 'process.scheduler'
    rt_config 'true' '' '' '"intelRdt": {}'
    create_fails 'linux.intelRdt'
    rt_config 'true' '' '' '"sysctl": {"kernel.panic": "1"}'
    create_fails 'kernel.panic'
}

@test "a bind mount option that is not known is an error naming it" {
    mkdir -p "$BATS_TEST_TMPDIR/data"
    rt_config 'true' '' "\"mounts\": [{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/data\", \"options\": [\"rbind\", \"rro\"]}]"
    create_fails 'mounts[].options'
    run -1 runtime create -b "$BUNDLE" bad
    assert_output_contains '`rro` is not supported'
}
