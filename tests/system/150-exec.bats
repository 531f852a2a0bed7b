#!/usr/bin/env bats
# nook exec: flags, exit codes, errors, and -it under a real terminal (tmux).

load helpers
load tmux

bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () {
    require_rootless
}
teardown () {
    [ -z "${TMUX_SOCK:-}" ] || tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
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

@test "exec: output, exit code, and the container alias" {
    start_container c1
    run -0 nook exec c1 echo hello
    assert_output_equals "hello"
    run -3 nook exec c1 sh -c 'exit 3'
    run -0 nook container exec c1 true
    # A process killed by a signal: 128 + the signal, as a shell says.
    run -137 nook exec c1 sh -c 'kill -9 $$'
}

@test "exec: stdout and stderr stay apart" {
    start_container c1
    run --separate-stderr -0 nook exec c1 sh -c 'echo out; echo err >&2'
    assert_output_equals "out"
    [ "$stderr" = "err" ]
}

@test "exec: not found is 127, cannot run is 126" {
    start_container c1
    run -127 nook exec c1 no-such-command
    assert_output_contains "no-such-command"
    assert_output_contains "not found"
    run -126 nook exec c1 /etc/passwd
    assert_output_contains "permission denied"
}

@test "exec: bad input is 125 with Podman's messages" {
    start_container c1
    run -125 nook exec no-such-container true
    assert_output_contains 'no container with name or ID "no-such-container" found: no such container'
    run -125 nook exec c1
    assert_output_contains "must provide a non-empty command to start an exec session"
    run -125 nook exec
    assert_output_contains "exec requires the name or ID of a container or the --latest flag"
    run -125 nook exec --detach-keys=ctrl-p,bogus c1 true
    assert_output_contains "invalid detach keys: Unknown character: 'bogus'"
    run -125 nook exec -w relative c1 true
    assert_output_contains "must be an absolute path"
    run -125 nook exec -u no-such-user c1 true
    assert_output_contains "unable to find user no-such-user"
}

@test "exec into a stopped container is refused" {
    run -0 nook run --name done busybox true
    run -125 nook exec done true
    assert_output_contains "can only create exec sessions on running containers: container state improper"
}

@test "exec: the container's environment, -e and --env-file" {
    start_container c1 -e FROMRUN=1 -e SHARED=run
    printf '# comment\nFROMFILE=2\nSHARED=file\n' > "$BATS_TEST_TMPDIR/env"
    FROMHOST=3 run -0 nook exec --env-file "$BATS_TEST_TMPDIR/env" -e FROMHOST -e FROMFLAG=4 \
        c1 sh -c 'echo $FROMRUN $FROMFILE $FROMHOST $FROMFLAG $SHARED'
    assert_output_equals "1 2 3 4 file"
    run -0 nook exec -e SHARED=flag --env-file "$BATS_TEST_TMPDIR/env" c1 sh -c 'echo $SHARED'
    assert_output_equals "flag"
    run -0 nook exec c1 sh -c 'echo $PATH'
    assert_output_contains "/usr/bin"
}

@test "exec -w and -u" {
    start_container c1 -w /tmp
    run -0 nook exec c1 pwd
    assert_output_equals "/tmp"
    run -0 nook exec -w /etc c1 pwd
    assert_output_equals "/etc"
    run -0 nook exec c1 id -u
    assert_output_equals "0"
    run -0 nook exec -u 1000:1000 c1 id
    assert_output_contains "uid=1000"
    assert_output_contains "gid=1000"
    run -0 nook exec -u nobody c1 id -un
    assert_output_equals "nobody"
    run -0 nook exec --user root:nogroup c1 id -gn
    assert_output_equals "nogroup"
}

@test "exec: capabilities, and --privileged" {
    start_container c1
    run -0 nook exec c1 grep CapEff /proc/self/status
    local default=${output##*:}
    run -0 nook exec --privileged c1 grep CapEff /proc/self/status
    local all=${output##*:}
    [ "$default" != "$all" ]
    # Not root: no effective capabilities, as Podman.
    run -0 nook exec -u 1000 c1 grep CapEff /proc/self/status
    assert_output_contains "0000000000000000"
}

@test "exec -i passes stdin; without -i the process reads nothing" {
    start_container c1
    run -0 bash -c "echo piped | '$NOOK' exec -i c1 cat"
    assert_output_equals "piped"
    run -0 bash -c "echo piped | '$NOOK' exec c1 cat"
    assert_output_equals ""
}

@test "exec -d prints a session ID and leaves the process running" {
    start_container c1
    run -0 nook exec -d c1 sleep 123
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    run -0 nook top c1 args
    assert_output_contains "sleep 123"
    # With a terminal: it stays open for the process after nook is gone.
    run -0 nook exec -d -t c1 sleep 124
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    run -0 nook top c1 tty args
    [[ "$output" =~ pts/[0-9]+\ +sleep\ 124 ]] || { echo "$output"; return 1; }
}

@test "exec --latest and a container given by ID prefix" {
    start_container c1
    run -0 nook exec -l echo latest
    assert_output_equals "latest"
    local id; id=$(container_id_of c1)
    run -0 nook exec "${id:0:12}" echo prefix
    assert_output_equals "prefix"
}

@test "exec: a signal to nook reaches the process" {
    start_container c1
    "$NOOK" exec c1 sh -c 'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.1; done' \
        > "$BATS_TEST_TMPDIR/out" 2>&1 &
    local pid=$!
    wait_for_text "$BATS_TEST_TMPDIR/out" ready
    kill -TERM "$pid"
    wait_for_exit "$pid"
    [ "$wait_status" -eq 42 ]
    grep -q got-term "$BATS_TEST_TMPDIR/out"
}

@test "exec -t without a terminal of ours still gives the process one" {
    start_container c1
    run -0 nook exec -t c1 sh -c 'tty; echo $TERM'
    assert_output_contains "/dev/pts/"
    run -5 nook exec -t c1 sh -c 'exit 5'
    # -it fed from a pipe: the end of the input reaches the process (VEOF).
    run -0 timeout 20 bash -c "printf 'from-pipe\\n' | '$NOOK' exec -it c1 cat"
    assert_output_contains "from-pipe"
}

@test "exec: an installed nook runs the runtime's exec itself; one the user can write spawns the sealed nook-runtime" {
    start_container c1
    run -0 nook --log-level debug exec c1 true
    assert_output_contains "the runtime's exec in this process"
    cp -r "$NOOK_PREFIX" "$BATS_TEST_TMPDIR/prefix"
    local mine="$BATS_TEST_TMPDIR/prefix/bin/nook"
    run -0 "$mine" --log-level debug exec c1 echo spawned
    assert_output_contains "a sealed nook-runtime"
    run -0 "$mine" exec c1 echo spawned
    assert_output_equals "spawned"
    run -3 "$mine" exec c1 sh -c 'exit 3'
    run -127 "$mine" exec c1 no-such-command
    assert_output_contains "not found"
    run -0 bash -c "echo piped | '$mine' exec -i c1 cat"
    assert_output_equals "piped"
    run -0 "$mine" exec -t c1 tty
    assert_output_contains "/dev/pts/"
    run -0 "$mine" exec -d c1 sleep 125
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    run -0 "$mine" exec -d -t c1 sleep 126
    run -0 nook top c1 tty args
    assert_output_contains "sleep 125"
    [[ "$output" =~ pts/[0-9]+\ +sleep\ 126 ]] || { echo "$output"; return 1; }
}

# ---- under a real terminal: tmux ----

@test "exec -it under a terminal: window size, resize, raw mode restored, exit code" {
    start_container c1
    tmux_start
    tmux_type "stty -g > $BATS_TEST_TMPDIR/before; '$NOOK' exec -it c1 sh" Enter
    tmux_type "echo size=\$(stty size)" Enter
    tmux_wait "size=30 100"
    # No echo of our own: the line shows once, as the container's shell echoes it.
    tmux -L "$TMUX_SOCK" resize-window -t t -x 90 -y 25
    tmux_type "echo resized=\$(stty size)" Enter
    tmux_wait "resized=25 90"
    tmux_type "exit 7" Enter
    tmux_type_to_shell "echo code=\$?; stty -g > $BATS_TEST_TMPDIR/after" Enter
    tmux_wait "code=7"
    wait_for_text "$BATS_TEST_TMPDIR/after" ":"
    cmp "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "exec -it: ctrl-p ctrl-q detaches, the process keeps running" {
    start_container c1
    tmux_start
    tmux_type "stty -g > $BATS_TEST_TMPDIR/before; '$NOOK' exec -it c1 sh -c 'echo sta\"\"rted; exec sleep 456'" Enter
    tmux_wait "started"
    tmux_type C-p
    sleep 0.1
    tmux_type C-q
    tmux_type_to_shell "echo code=\$?; stty -g > $BATS_TEST_TMPDIR/after" Enter
    tmux_wait "code=0"
    wait_for_text "$BATS_TEST_TMPDIR/after" ":"
    cmp "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
    run -0 nook top c1 args
    assert_output_contains "sleep 456"
}

@test "exec -it --detach-keys: a custom sequence; ctrl-p alone goes through" {
    start_container c1
    tmux_start
    tmux_type "'$NOOK' exec -it --detach-keys=ctrl-x,x c1 sh -c 'echo sta\"\"rted; cat -v'" Enter
    tmux_wait "started"
    # ctrl-p ctrl-q is not the sequence now: cat gets the ctrl-p (and the
    # container's terminal takes ctrl-q as XON).
    tmux_type C-p C-q zz Enter
    tmux_wait "^Pzz"
    tmux_type C-x x
    tmux_type_to_shell "echo code=\$?" Enter
    tmux_wait "code=0"
    run -0 nook top c1 args
    assert_output_contains "cat -v"
}

@test "exec -it --detach-keys='' disables detaching" {
    start_container c1
    tmux_start
    tmux_type "'$NOOK' exec -it --detach-keys= c1 sh -c 'echo sta\"\"rted; cat -v'" Enter
    tmux_wait "started"
    tmux_type C-p C-q zz Enter
    tmux_wait "^Pzz"
    tmux_type C-d
    tmux_type_to_shell "echo code=\$?" Enter
    tmux_wait "code=0"
}

@test "exec -t without -i under a terminal: ctrl-c reaches the process" {
    start_container c1
    tmux_start
    tmux_type "stty -g > $BATS_TEST_TMPDIR/before; '$NOOK' exec -t c1 sh -c 'echo cols=\$(stty size); exec sleep 300'" Enter
    tmux_wait "cols=30 100"
    tmux_type C-c
    tmux_type_to_shell "echo code=\$?; stty -g > $BATS_TEST_TMPDIR/after" Enter
    tmux_wait "code=130"
    wait_for_text "$BATS_TEST_TMPDIR/after" ":"
    cmp "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}
