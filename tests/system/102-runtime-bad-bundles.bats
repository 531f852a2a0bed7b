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

# create_fails TEXT: create fails naming TEXT on stderr (stdout stays
# empty) and in the JSON log, leaving nothing behind.
create_fails () {
    run -1 --separate-stderr runtime create -b "$BUNDLE" bad
    assert_output_equals ''
    if [[ "$stderr" != *"$1"* ]]; then
        echo "expected stderr to contain: $1"; echo "stderr was:"; echo "$stderr"; return 1
    fi
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

# hang_hook SCRIPT: a hook that never ends, having started a child that
# never ends either.  It writes to SCRIPT.pids `$$ $!`, then its own pid
# and its child's as the host numbers them: read in /proc, the host's
# wherever hooks run (in the container too, before pivot_root), while $$
# and $! are numbers of the pid namespace the hook is in.
hang_hook () {
    cat > "$1" <<EOF
#!/bin/sh
sleep 300 &
read -r me _ < /proc/self/stat
read -r kid _ < /proc/\$me/task/\$me/children
echo "\$\$ \$! \$me \$kid" > "$1.tmp"
mv "$1.tmp" "$1.pids"
exec sleep 301
EOF
    chmod 755 "$1"
}

# proc_field PID N: field N of /proc/PID/stat (the command, field 2,
# has no space: sh or sleep); nothing when PID is gone.
proc_field () {
    local f
    read -ra f 2>/dev/null < "/proc/$1/stat" || return 0
    echo "${f[$2 - 1]}"
}

# hang_create SCRIPT: create in the background while its hook SCRIPT
# (made by hang_hook) hangs.  The hook and its child are seen alive by
# their pids, then create fails, and both are gone: not a reused pid
# (the start time is compared), not a zombie.  Leaves create's stdout
# and stderr in $output, what the hook wrote in HOOK_PIDS.
hang_create () {
    local out="$BATS_TEST_TMPDIR/create.out" bg rc=0 i p want
    local -A start=()
    rm -f "$1.pids"
    SECONDS=0
    runtime create -b "$BUNDLE" bad > "$out" 2>&1 &
    bg=$!
    for i in $(seq 250); do [ ! -e "$1.pids" ] || break; sleep 0.02; done
    read -ra HOOK_PIDS < "$1.pids"
    [ "${#HOOK_PIDS[@]}" = 4 ]
    # Alive, and what they are: the hook (once it exec'd) and its child.
    for p in "${HOOK_PIDS[2]}:sleep 301 " "${HOOK_PIDS[3]}:sleep 300 "; do
        want=${p#*:} p=${p%%:*}
        for i in $(seq 200); do
            [ "$(tr '\0' ' ' < "/proc/$p/cmdline")" != "$want" ] || break
            sleep 0.02
        done
        [ "$(tr '\0' ' ' < "/proc/$p/cmdline")" = "$want" ]
        start[$p]=$(proc_field "$p" 22)
        [ -n "${start[$p]}" ]
    done
    wait "$bg" || rc=$?
    output=$(cat "$out")
    echo "$output"
    [ "$rc" = 1 ]
    [ "$SECONDS" -lt 10 ]
    # Killed; reaped by whoever inherited the child: a moment for that.
    for p in "${!start[@]}"; do
        for i in $(seq 250); do
            [ "$(proc_field "$p" 22)" = "${start[$p]}" ] && [ "$(proc_field "$p" 3)" != Z ] || break
            sleep 0.02
        done
        if [ "$(proc_field "$p" 22)" = "${start[$p]}" ] && [ "$(proc_field "$p" 3)" != Z ]; then
            echo "hook process $p left:"; ps -o pid,ppid,stat,args -p "$p"; return 1
        fi
    done
    assert_no_state
    assert_no_processes
}

@test "missing config.json" {
    create_fails "config.json"
    run -1 runtime create -b "$BUNDLE" bad
    assert_output_contains "No such file or directory"
}

@test "config.json that is not JSON" {
    # The parser's own words: what is wrong, and where.
    printf '{"ociVersion": "1.0.2", "process": ' > "$BUNDLE/config.json"
    create_fails "config.json: invalid JSON: parse error: premature EOF (at the end, after 35 bytes)"
    printf '{"ociVersion": "1.0.2", "process": x}' > "$BUNDLE/config.json"
    create_fails "config.json: invalid JSON: lexical error: invalid char in json text. (at byte 36 of 37)"
    printf '{"ociVersion": "1.0.2", "process": {"args": ["sh",]}}' > "$BUNDLE/config.json"
    create_fails "config.json: invalid JSON: parse error: unallowed token at this point in JSON text (at byte 51 of 53)"
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
    hang_hook "$BATS_TEST_TMPDIR/hang.sh"
    rt_config 'true' '' "\"hooks\": {\"createRuntime\": [{\"path\": \"$BATS_TEST_TMPDIR/hang.sh\", \"timeout\": 4}]}"
    hang_create "$BATS_TEST_TMPDIR/hang.sh"
    assert_output_contains 'hook `hooks.createRuntime[0]`'
    assert_output_contains "timed out after 4 s"
    # In the runtime's pid namespace: $$ and $! are the host's numbers.
    [ "${HOOK_PIDS[0]} ${HOOK_PIDS[1]}" = "${HOOK_PIDS[2]} ${HOOK_PIDS[3]}" ]
}

@test "a createContainer hook that hangs, in the container, times out too" {
    local hook="\"hooks\": {\"createContainer\": [{\"path\": \"$BATS_TEST_TMPDIR/hang.sh\", \"timeout\": 4}]}"
    hang_hook "$BATS_TEST_TMPDIR/hang.sh"
    rt_config 'true' '' "$hook"
    hang_create "$BATS_TEST_TMPDIR/hang.sh"
    assert_output_contains 'hook `hooks.createContainer[0]`'
    assert_output_contains "timed out after 4 s"
    # In the container's pid namespace, whose pid 1 is the init.
    [ "${HOOK_PIDS[0]}" -gt 1 ]
    [ "${HOOK_PIDS[0]}" -lt 10 ]
    [ "${HOOK_PIDS[0]}" != "${HOOK_PIDS[2]}" ]
    create_fails 'timed out after 4 s'
    # Without a pid namespace the init's end takes nothing along: only
    # the kill of the hook's group at its timeout ends them.  (No /proc
    # either: mounting one takes a pid namespace of our own.)
    rt_config 'true' '' "$hook, \"mounts\": []" '' '{"type": "mount"}, {"type": "ipc"}, {"type": "uts"}'
    hang_create "$BATS_TEST_TMPDIR/hang.sh"
    assert_output_contains "timed out after 4 s"
    [ "${HOOK_PIDS[0]} ${HOOK_PIDS[1]}" = "${HOOK_PIDS[2]} ${HOOK_PIDS[3]}" ]
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
