#!/usr/bin/env bats
# Terminals and attach, under a real terminal (tmux): run -it gets a pty of
# the outer terminal's size, raw mode is restored, ctrl-p ctrl-q (or
# --detach-keys) detaches and attach comes back; and attach with pipes:
# --no-stdin, stdin of a run -d -i container, signals proxied.

load helpers
load tmux

bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () { require_rootless; }
teardown () {
    [ -z "${TMUX_SOCK:-}" ] || tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
    remove_all_containers
    assert_no_leftovers
}

# ---- tmux ------------------------------------------------------------------

# Save the outer terminal's settings (to $BATS_TEST_TMPDIR/before).
tmux_save_stty () {
    tmux_type "stty -g > $BATS_TEST_TMPDIR/before; clear" Enter
    wait_for_text "$BATS_TEST_TMPDIR/before" ":"
}

# Wait until nook ARGS has returned: what is typed while it runs goes to
# the container, not to bash.
nook_gone () {
    local i
    for i in $(seq 200); do
        pgrep -u "$(id -u)" -f "bin/nook $1" >/dev/null || return 0
        sleep 0.05
    done
    echo "nook $1 is still running"; return 1
}

# After nook returned to bash: its exit code shows as code=N, and the
# terminal's settings are those saved before.
tmux_check_return () {
    tmux_wait_shell
    tmux_type "echo code=\$?; stty -g > $BATS_TEST_TMPDIR/after" Enter
    tmux_wait "code=$1"
    wait_for_text "$BATS_TEST_TMPDIR/after" ":"
    cmp "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" \
        || { echo "terminal settings not restored"; cat "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"; false; }
}

# ---- run -it ------------------------------------------------------------------

@test "run -it: a tty of the outer terminal's size, resized, raw mode restored, exit code" {
    tmux_start
    tmux_save_stty
    tmux_type "'$NOOK' run -it --name t1 busybox sh" Enter
    tmux_type "echo tty=\$(tty)" Enter
    tmux_wait "tty=/dev/pts/"
    tmux_type "echo size=\$(stty size)" Enter
    tmux_wait "size=30 100"
    tmux -L "$TMUX_SOCK" resize-window -t t -x 90 -y 25
    # The resize reaches the pty by nook (SIGWINCH, then a message to the
    # monitor), the keys by the monitor: nothing orders the two.
    local i
    for i in $(seq 100); do
        [ "$("$NOOK" exec t1 sh -c 'stty size < /dev/pts/0')" = "25 90" ] && break
        sleep 0.1
    done
    tmux_type "echo resized=\$(stty size)" Enter
    tmux_wait "resized=25 90"
    tmux_type "exit 3" Enter
    nook_gone "run -it --name t1"
    tmux_check_return 3
    [ "$(state_of t1)" = exited ]
    run -0 nook inspect --format '{{.Config.Tty}} {{.State.ExitCode}}' t1
    assert_output_equals "true 3"
}

@test "run -it: ctrl-p ctrl-q detaches and leaves the container running; attach comes back" {
    tmux_start
    tmux_save_stty
    tmux_type "'$NOOK' run -it --name t2 busybox sh -c 'echo sta\"\"rted; while read l; do echo got:\$l; done; exit 4'" Enter
    tmux_wait "started"
    tmux_type "one" Enter
    tmux_wait "got:one"
    tmux_type C-p
    sleep 0.1
    tmux_type C-q
    tmux_check_return 0
    [ "$(state_of t2)" = running ]
    # Back in: what we type reaches the container.
    tmux_type clear Enter
    tmux_type "'$NOOK' attach t2" Enter
    sleep 0.5
    tmux_type "two" Enter
    tmux_wait "got:two"
    # Detach again, from attach.
    tmux_type C-p C-q
    tmux_check_return 0
    [ "$(state_of t2)" = running ]
    # And once more, to end it: attach returns the container's exit code.
    tmux_type clear Enter
    tmux_type "'$NOOK' attach t2" Enter
    sleep 0.5
    tmux_type "three" Enter
    tmux_wait "got:three"
    tmux_type C-d
    tmux_check_return 4
    wait_state t2 exited
    run -0 nook logs t2
    assert_output_contains "got:one"
    assert_output_contains "got:three"
}

@test "run -it --detach-keys: the custom sequence detaches, ctrl-p goes through" {
    tmux_start
    tmux_save_stty
    tmux_type "'$NOOK' run -it --detach-keys=ctrl-x,x --name t3 busybox sh -c 'echo sta\"\"rted; cat -v'" Enter
    tmux_wait "started"
    tmux_type C-p C-q zz Enter
    tmux_wait "^Pzz"
    [ "$(state_of t3)" = running ]
    tmux_type C-x x
    tmux_check_return 0
    [ "$(state_of t3)" = running ]
    # attach --detach-keys: its own sequence.
    tmux_type clear Enter
    tmux_type "'$NOOK' attach --detach-keys=ctrl-y t3" Enter
    sleep 0.5
    tmux_type "back" Enter
    tmux_wait "back"
    tmux_type C-y
    tmux_check_return 0
    [ "$(state_of t3)" = running ]
    run -125 nook attach --detach-keys=ctrl-p,bogus t3
    assert_output_contains "invalid detach keys: Unknown character: 'bogus'"
}

@test "run -d -t -i, then attach: the pty takes the attaching terminal's size" {
    run -0 nook run -d -t -i --name t4 busybox sh
    wait_state t4 running
    tmux_start
    tmux_save_stty
    tmux_type "'$NOOK' attach t4" Enter
    sleep 0.5
    tmux_type "echo size=\$(stty size) tty=\$(tty)" Enter
    tmux_wait "size=30 100 tty=/dev/pts/"
    tmux_type "exit 5" Enter
    nook_gone "attach t4"
    tmux_check_return 5
    wait_state t4 exited
    run -0 nook inspect --format '{{.State.ExitCode}}' t4
    assert_output_equals "5"
}

@test "run -d -t: a tty, its output in the log with CR LF" {
    run -0 nook run -d -t --name t5 busybox sh -c 'tty; echo out'
    run -0 nook wait t5
    run -0 nook logs t5
    [[ "$output" == "/dev/pts/"* ]] || { echo "$output"; false; }
    assert_output_contains "out"
}

@test "attach -l attaches to the latest container" {
    run -0 nook run -d -t -i --name old busybox sh
    run -0 nook run -d -t -i --name latest busybox sh
    wait_state latest running
    tmux_start
    tmux_save_stty
    tmux_type "'$NOOK' attach -l" Enter
    sleep 0.5
    tmux_type "exit 6" Enter
    nook_gone "attach -l"
    tmux_check_return 6
    [ "$(state_of latest)" = exited ]
    [ "$(state_of old)" = running ]
}

# ---- attach with pipes -------------------------------------------------------

# Wait until the attach client writing to FILE is attached to NAME: a
# line the container's stdout gets now reaches it (an attach client sees
# only what comes after it connects).
wait_attached () {
    local i
    for i in $(seq 10); do
        "$NOOK" exec "$1" sh -c 'echo mark > /proc/1/fd/1'
        wait_for_text "$2" mark 1 >/dev/null && return 0
    done
    echo "no attach client writes $2:"; cat "$2"; return 1
}

@test "a run -d -i container receives stdin through attach; --no-stdin sends none" {
    run -0 nook run -d -i --name p1 busybox sh -c 'echo ready; while read l; do echo got:$l; done; echo eof; exit 8'
    wait_state p1 running
    local quiet=$BATS_TEST_TMPDIR/quiet.out
    # A client that must not send its stdin (which holds "secret" and ends).
    echo secret | "$NOOK" attach --no-stdin p1 > "$quiet" 2>&1 &
    local qpid=$!
    wait_attached p1 "$quiet"
    kill -0 "$qpid" || { echo "attach --no-stdin ended early:"; cat "$quiet"; false; }
    [ "$(state_of p1)" = running ]
    # A client that sends: the container reads it, and the end of its input.
    run -8 bash -c "printf 'hello\nworld\n' | '$NOOK' attach p1"
    assert_output_contains "got:hello"
    assert_output_contains "got:world"
    assert_output_contains "eof"
    wait_for_exit "$qpid" 10
    [ "$wait_status" -eq 8 ]
    run cat "$quiet"
    assert_output_contains "got:hello"
    [[ "$output" != *secret* ]]
    run -0 nook logs p1
    [[ "$output" != *secret* ]]
}

@test "attach: a container that reads its stdin late gets all of it, and its output flows meanwhile" {
    # The container's stdin pipe holds 64 KiB: the rest waits, in the
    # monitor and in attach, for as long as the container does not read.
    # Meanwhile its output still reaches attach.
    run -0 nook run -d -i --name slow busybox sh -c \
        'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do echo tick; sleep 0.2; done; wc -c'
    run -0 bash -c "head -c 8000000 /dev/zero | '$NOOK' attach slow"
    # (attach sees what comes after it connects: most of the ticks)
    [ "$(grep -c tick <<< "$output")" -ge 5 ] || { echo "$output"; false; }
    [ "$(tail -n 1 <<< "$output" | tr -d ' ')" = 8000000 ] || { echo "$output"; false; }
}

@test "attach -t: a pty that is not read holds up neither the input nor the output" {
    # Raw: bytes go through as they are, no line is cut at 4 KiB.
    run -0 nook run -d -i -t --name slowt busybox sh -c \
        'stty raw -echo; for i in $(seq 15); do echo tick; sleep 0.2; done; echo reading; head -c 1000000 | wc -c'
    local i n0 n out=$BATS_TEST_TMPDIR/attach.out
    wait_log slowt tick
    n0=$("$NOOK" logs slowt | grep -c tick)
    bash -c "head -c 1000000 /dev/zero | tr '\\0' x | '$NOOK' attach slowt" > "$out" 2>&1 &
    local pid=$!
    # While the input waits for the container, its ticks still reach the
    # log (a monitor stuck writing to the pty would log them all at once,
    # with "reading").
    for i in $(seq 200); do
        run -0 nook logs slowt
        [[ "$output" != *reading* ]] || { echo "the ticks came with reading: $output"; false; }
        n=$(grep -c tick <<< "$output")
        [ "$n" -lt $((n0 + 3)) ] || break
        sleep 0.05
    done
    [ "$n" -ge $((n0 + 3)) ]
    wait_for_exit "$pid" 20
    [ "$wait_status" -eq 0 ] || { echo "attach: $wait_status"; cat "$out"; false; }
    grep -q 1000000 "$out" || { cat "$out"; false; }
}

@test "attach of a container without -i reads no stdin, and ends with the container" {
    run -0 nook run -d --name p2 busybox sh -c 'echo ready; while [ ! -e /tmp/go ]; do sleep 0.05; done; cat; echo done; exit 2'
    wait_state p2 running
    local out=$BATS_TEST_TMPDIR/attach.out
    echo ignored | "$NOOK" attach p2 > "$out" 2>&1 &
    local pid=$!
    wait_attached p2 "$out"
    "$NOOK" exec p2 touch /tmp/go
    wait_for_exit "$pid" 10
    [ "$wait_status" -eq 2 ] || { echo "attach: $wait_status"; cat "$out"; false; }
    run cat "$out"
    assert_output_contains "done"
    [[ "$output" != *ignored* ]]
}

@test "attach --sig-proxy: a signal to attach reaches the container" {
    run -0 nook run -d --name p3 busybox sh -c "trap 'echo termed; exit 12' TERM; echo ready; while :; do sleep 0.05; done"
    wait_state p3 running
    local out=$BATS_TEST_TMPDIR/attach.out
    "$NOOK" attach --no-stdin p3 > "$out" 2>&1 &
    local pid=$!
    # Attached, attach holds TERM for the container (before, it dies of it).
    wait_attached p3 "$out"
    kill -TERM "$pid"
    wait_for_exit "$pid" 10
    [ "$wait_status" -eq 12 ] || { echo "attach: $wait_status"; cat "$out"; false; }
    wait_for_text "$out" termed
    wait_state p3 exited
}

@test "attach --sig-proxy: a signal goes ahead of input the container has not read" {
    run -0 nook run -d -i --name p5 busybox sh -c "trap 'echo termed; exit 14' TERM; echo ready; while :; do sleep 0.05; done"
    wait_log p5 ready
    local out=$BATS_TEST_TMPDIR/attach.out
    # More than the pipe, the monitor and the socket hold: attach waits.
    bash -c "head -c 8000000 /dev/zero | exec '$NOOK' attach p5" > "$out" 2>&1 &
    local pid=$!
    wait_attached p5 "$out"
    kill -TERM "$(pgrep -P "$pid" -x nook)"
    wait_for_exit "$pid" 10
    [ "$wait_status" -eq 14 ] || { echo "attach: $wait_status"; cat "$out"; false; }
    wait_for_text "$out" termed
}

@test "run (not detached) proxies signals: TERM to nook reaches the container" {
    local out=$BATS_TEST_TMPDIR/run.out
    "$NOOK" run --name p4 busybox sh -c "trap 'echo termed; exit 13' TERM; echo ready; while :; do sleep 0.05; done" > "$out" 2>&1 &
    local pid=$!
    wait_for_text "$out" ready
    kill -TERM "$pid"
    wait_for_exit "$pid" 10
    [ "$wait_status" -eq 13 ] || { echo "run: $wait_status"; cat "$out"; false; }
}
