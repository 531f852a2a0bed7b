#!/usr/bin/env bats
# The processes of a nook-runtime container, driven as an unprivileged
# user with the user namespace in the spec: exec into a bundle with
# labels the host cannot apply; ps, kill --all and delete --force with
# no pid namespace of the container's own (exec'd processes, a daemon
# they left, never a process outside); start waiting for the init's
# answer (a failing startContainer hook, an execve that fails); exec and
# poststop using config.json as create read it; exec --user switching
# ids (in the user's subordinate range).

load helpers
load runtime-bundle

bats_require_minimum_version 1.5.0

setup_file () {
    rt_setup_file
}

setup () {
    rt_setup
    command -v jq >/dev/null || skip "jq is not installed (contrib/deps.sh test)"
    mkdir -p "$BUNDLE/rootfs/tmp" "$BUNDLE/rootfs/proc" "$BUNDLE/rootfs/dev"
}

teardown () {
    local id
    for id in $(rt_plain list -q 2>/dev/null); do rt_plain delete --force "$id" >/dev/null 2>&1 || true; done
    [ -z "${OUTSIDER:-}" ] || kill "$OUTSIDER" 2>/dev/null || true
}

# The user namespaces, as 110's: root mapped to the caller.
MAPS="\"uidMappings\": [{\"containerID\": 0, \"hostID\": $(id -u), \"size\": 1}],
    \"gidMappings\": [{\"containerID\": 0, \"hostID\": $(id -g), \"size\": 1}]"
WITH_PID='{"type": "mount"}, {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "user"}'
NO_PID='{"type": "mount"}, {"type": "ipc"}, {"type": "uts"}, {"type": "user"}'
# Without a pid namespace of its own the container cannot mount a proc:
# the host's, bound.
BIND_PROC='"mounts": [
    {"destination": "/proc", "type": "bind", "source": "/proc", "options": ["rbind"]},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}
  ]'

# config CMD [PROCESS] [TOP] [NAMESPACES]: rt_config with a user
# namespace mapping the caller (default namespaces: with a pid one).
config () {
    rt_config "$1" "${2:-}" "${3:-}" "$MAPS" "${4:-$WITH_PID}"
}

# config with no pid namespace: CMD [PROCESS] [TOP-MEMBERS]
config_no_pid () {
    rt_config "$1" "${2:-}" "$BIND_PROC${3:+, $3}" "$MAPS" "$NO_PID"
}

# rt_plain with the container's stdio on a file: one that outlives the
# command must not hold bats's output pipe.
rtq () {
    rt_plain "$@" < /dev/null >> "$BATS_TEST_TMPDIR/ctr.out" 2>&1
}

status_of () {
    "${2:-rt_plain}" state "$1" | jq -r .status
}

wait_status () {
    local i
    for i in $(seq 200); do
        [ "$(status_of "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    echo "container $1: status $(status_of "$1"), expected $2"; return 1
}

# Whether PID has ended (gone, or a zombie waiting for its reaper).
ended () {
    local state
    state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -z "$state" ] || [ "$state" = Z ]
}

# Wait up to 10 s for every PID given to end.
wait_ended () {
    local p i
    for p in "$@"; do
        for i in $(seq 100); do ended "$p" && break; sleep 0.1; done
        ended "$p" || { echo "process $p still runs: $(tr '\0' ' ' < "/proc/$p/cmdline")"; return 1; }
    done
}

# The pids of `ps --format json ID`, sorted, one line.
ps_pids () {
    rt_plain ps --format json "$1" | jq -c 'sort'
}

# Two `exec -d sleep` in container $1: their pids in P1 and P2.
exec_two () {
    rtq exec -d --pid-file "$BATS_TEST_TMPDIR/p1" "$1" sleep 1001
    rtq exec -d --pid-file "$BATS_TEST_TMPDIR/p2" "$1" sleep 1002
    P1=$(cat "$BATS_TEST_TMPDIR/p1")
    P2=$(cat "$BATS_TEST_TMPDIR/p2")
    [ -n "$P1" ] && [ -n "$P2" ]
}

# ---- exec and labels ----

@test "exec into a container whose config.json has labels the host cannot apply" {
    # AppArmor on: a profile that exists everywhere; off: any name (create
    # drops it with a warning, exec must accept the container alike).
    local profile=x labels
    [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] || profile=unconfined
    labels="\"apparmorProfile\": \"$profile\""
    [ -e /sys/fs/selinux/enforce ] || labels="$labels, \"selinuxLabel\": \"system_u:system_r:container_t:s0\""
    config 'exec sleep 1000' "$labels"
    rtq create -b "$BUNDLE" lab
    if [ "$profile" = x ]; then
        grep -q 'process.apparmorProfile. ignored' "$BATS_TEST_TMPDIR/ctr.out"
    fi
    rtq start lab
    # Quiet: create warned already.
    run rt_plain exec lab sh -c 'echo in; id -u'
    assert_status 0
    [ "$output" = "$(printf 'in\n0')" ]
    run rt_plain exec -d lab true < /dev/null
    assert_status 0
    if [ "$profile" = x ]; then
        # --apparmor where AppArmor is off: the same rule, said aloud.
        run rt_plain exec --apparmor y lab echo ran
        assert_status 0
        assert_output_contains 'apparmorProfile'
        assert_output_contains 'ran'
    fi
}

# ---- signals the caller ignored ----

# The signals ignored in "SigIgn: HEX" (a /proc/PID/status line), but
# glibc's own two real-time signals (32 and 33: it will not let a program
# change them, and some callers leave them ignored).
ignored_but_glibcs () {
    local hex=${1##*[[:space:]]}
    printf '%x\n' $(( 0x$hex & ~0x180000000 ))
}

# nohup ignores SIGHUP, a shell SIGINT and SIGQUIT for a background job;
# ignored stays ignored across execve, but not into a container.
@test "a signal the runtime's caller ignored is at its default in the container, run and exec" {
    config 'grep SigIgn /proc/self/status; exec sleep 1000'
    (trap '' HUP INT QUIT; rtq create -b "$BUNDLE" sig)
    rtq start sig
    run -0 rt_plain exec sig grep SigIgn /proc/self/status
    [ "$(ignored_but_glibcs "$output")" = 0 ] || { echo "$output"; false; }
    run -0 bash -c "trap '' HUP INT QUIT; exec \"\$0\" --root \"\$1\" exec sig grep SigIgn /proc/self/status" \
        "$RUNTIME" "$STATE"
    [ "$(ignored_but_glibcs "$output")" = 0 ] || { echo "$output"; false; }
    local i line
    for i in $(seq 200); do
        grep -q SigIgn "$BATS_TEST_TMPDIR/ctr.out" && break
        sleep 0.05
    done
    line=$(grep SigIgn "$BATS_TEST_TMPDIR/ctr.out")
    [ "$(ignored_but_glibcs "$line")" = 0 ] || { cat "$BATS_TEST_TMPDIR/ctr.out"; false; }
    # And the test can fail: the caller's ignored signals, seen outside.
    run -0 bash -c "trap '' HUP INT QUIT; exec grep SigIgn /proc/self/status"
    [ $(( 0x$(ignored_but_glibcs "$output") & 7 )) = 7 ]
}

# ---- the processes, with no pid namespace ----

@test "no pid namespace: ps lists exec'd processes, kill --all KILL ends them and nothing else" {
    config_no_pid 'exec sleep 1000'
    rtq run -d -b "$BUNDLE" np
    init=$(rt_plain state np | jq .pid)
    exec_two np
    # A process of the same user outside the container.
    sleep 1003 &
    OUTSIDER=$!
    [ "$(ps_pids np)" = "$(printf '%s\n' "$init" "$P1" "$P2" | jq -sc sort)" ]
    run rt_plain ps np
    assert_status 0
    [ "${#lines[@]}" = 4 ]
    assert_output_contains "sleep 1001"
    assert_output_contains "sleep 1002"
    run rt_plain kill --all np KILL
    assert_status 0
    wait_ended "$init" "$P1" "$P2"
    wait_status np stopped
    kill -0 "$OUTSIDER"
    ! ended "$OUTSIDER"
    [ "$(ps_pids np)" = "[]" ]
    rt_plain delete np
    assert_no_state
}

@test "no pid namespace: kill --all signals every process, plain kill the init only" {
    local loop="while :; do sleep 0.1; done"
    config_no_pid "trap 'echo init >> /tmp/log' USR1; $loop"
    rtq run -d -b "$BUNDLE" sig
    rtq exec -d sig sh -c "trap 'echo e1 >> /tmp/log' USR1; $loop"
    rtq exec -d sig sh -c "trap 'echo e2 >> /tmp/log' USR1; $loop"
    # The shells have set their traps once ps shows their sleeps.
    for i in $(seq 100); do
        [ "$(rt_plain ps sig -o pid,args | grep -c 'sleep 0.1')" -ge 3 ] && break
        sleep 0.1
    done
    log="$BUNDLE/rootfs/tmp/log"
    rt_plain kill sig USR1
    for i in $(seq 100); do [ -s "$log" ] && break; sleep 0.1; done
    sleep 0.5
    [ "$(cat "$log")" = init ]
    rt_plain kill --all sig USR1
    for i in $(seq 100); do [ "$(wc -l < "$log")" -ge 4 ] && break; sleep 0.1; done
    sleep 0.3
    [ "$(sort "$log" | tr '\n' ' ')" = "e1 e2 init init " ]
    rt_plain kill --all sig KILL
    wait_status sig stopped
    rt_plain delete sig
}

@test "no pid namespace: delete --force leaves no process, not even one an exec left behind" {
    config_no_pid 'exec sleep 1000'
    rtq run -d -b "$BUNDLE" df
    init=$(rt_plain state df | jq .pid)
    exec_two df
    # A daemon: its shell exits, it is nobody's in the container.
    rt_plain exec df sh -c 'sleep 1004 > /dev/null 2>&1 & echo $! > /tmp/daemon'
    daemon=$(cat "$BUNDLE/rootfs/tmp/daemon")
    [ -n "$daemon" ]
    wait_cmdline "$daemon" "sleep 1004 "
    [ "$(ps_pids df)" = "$(printf '%s\n' "$init" "$P1" "$P2" "$daemon" | jq -sc sort)" ]
    run rt_plain delete --force df
    assert_status 0
    wait_ended "$init" "$P1" "$P2" "$daemon"
    assert_no_state
}

@test "with a pid namespace too: exec'd processes are listed and killed with the rest" {
    config 'exec sleep 1000'
    rtq run -d -b "$BUNDLE" wp
    init=$(rt_plain state wp | jq .pid)
    exec_two wp
    [ "$(ps_pids wp)" = "$(printf '%s\n' "$init" "$P1" "$P2" | jq -sc sort)" ]
    rt_plain kill --all wp KILL
    wait_ended "$init" "$P1" "$P2"
    rt_plain delete wp
}

# ---- start waits for the init ----

@test "start fails when a startContainer hook fails: the hook named, no poststart, stopped" {
    config 'exec sleep 1000' '' "\"hooks\": {\"startContainer\": [{\"path\": \"/bin/false\"}],
      \"poststart\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo ran > $BATS_TEST_TMPDIR/poststart\"]}]}"
    rtq create -b "$BUNDLE" h1
    run --separate-stderr rt_plain start h1
    assert_status 1
    [ -z "$output" ]
    [[ "$stderr" == *'hook `hooks.startContainer[0]` (/bin/false) failed: exit status 1'* ]]
    [ ! -e "$BATS_TEST_TMPDIR/poststart" ]
    wait_status h1 stopped
    run rt_plain start h1
    assert_status 1
    rt_plain delete h1
    # The error reaches --log too.
    rtq create -b "$BUNDLE" h2
    run "$RUNTIME" --root "$STATE" --log "$BATS_TEST_TMPDIR/log.json" --log-format json start h2
    assert_status 1
    jq -e 'select(.level == "error") | .msg | contains("hooks.startContainer[0]")' "$BATS_TEST_TMPDIR/log.json"
    rt_plain delete --force h2
    # run: the same error, and nothing left.
    run rt_plain run -b "$BUNDLE" h3
    assert_status 1
    assert_output_contains 'hooks.startContainer[0]'
    [ ! -e "$BATS_TEST_TMPDIR/poststart" ]
    assert_no_state
    assert_no_processes
}

@test "a missing executable fails create; one whose execve fails fails start" {
    config 'true'
    sed -i 's|"/bin/sh", "-c", "true"|"/nosuch"|' "$BUNDLE/config.json"
    run rt_plain create -b "$BUNDLE" m1
    assert_status 1
    assert_output_contains 'exec: "/nosuch": stat /nosuch: no such file or directory'
    assert_no_state
    # Found and executable, but its interpreter is missing: only the
    # execve after start can tell.
    printf '#!/nosuch-interpreter\n' > "$BUNDLE/rootfs/bin/badscript"
    chmod 755 "$BUNDLE/rootfs/bin/badscript"
    sed -i 's|"/nosuch"|"/bin/badscript"|' "$BUNDLE/config.json"
    rtq create -b "$BUNDLE" m2
    run --separate-stderr rt_plain start m2
    assert_status 1
    [[ "$stderr" == *'exec `/bin/badscript`: No such file or directory'* ]]
    wait_status m2 stopped
    rt_plain delete m2
    # A good one: start returns once the process runs.
    config 'exec sleep 1000'
    rtq create -b "$BUNDLE" m3
    run rt_plain start m3
    assert_status 0
    [ -z "$output" ]
    [ "$(status_of m3)" = running ]
    wait_cmdline "$(rt_plain state m3 | jq .pid)" "sleep 1000 "
}

# ---- config.json as create read it ----

@test "exec and poststop use config.json as create read it, not the bundle's of now" {
    local hook="\"poststop\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo WHICH >> $BATS_TEST_TMPDIR/poststop\"]}]"
    config 'exec sleep 1000' '' "\"hooks\": {${hook/WHICH/original}}"
    sed -i 's|"PATH=/bin:/usr/bin"|"PATH=/bin:/usr/bin", "WHICH=original"|' "$BUNDLE/config.json"
    rtq create -b "$BUNDLE" cf
    rtq start cf
    # The bundle changed: another env, another hook.
    sed -i 's|original|changed|g' "$BUNDLE/config.json"
    grep -q changed "$BUNDLE/config.json"
    run rt_plain exec cf sh -c 'echo $WHICH'
    assert_status 0
    [ "$output" = original ]
    # And gone.
    rm "$BUNDLE/config.json"
    run rt_plain exec cf sh -c 'echo $WHICH'
    assert_status 0
    [ "$output" = original ]
    rt_plain kill cf KILL
    wait_status cf stopped
    run rt_plain delete cf
    assert_status 0
    [ "$(cat "$BATS_TEST_TMPDIR/poststop")" = original ]
    assert_no_state
}

# ---- exec --user ----

@test "exec --user and --additional-gids switch the ids (subordinate range)" {
    grep -qE "^($(id -un)|$(id -u)):" /etc/subuid || skip "no /etc/subuid range for $(id -un)"
    "$NOOK" unshare true 2>/dev/null || skip "nook unshare does not work here"
    rt_config 'exec sleep 1000'
    # Each `nook unshare` is a user namespace of its own: the whole life
    # of the container in one, as root of the user's subordinate range.
    cat > "$BATS_TEST_TMPDIR/wide.sh" <<EOF
r="$RUNTIME --root $STATE/wide"
\$r run -d -b "$BUNDLE" u1 < /dev/null > "$BATS_TEST_TMPDIR/ctr.out" 2>&1 || exit 9
\$r exec --user 1000:1001 --additional-gids 10 -g 20 u1 sh -c 'echo \$(id -u) \$(id -g) \$(id -G)'
# A uid only: gid 0, no other group.
\$r exec --user 1000 u1 sh -c 'echo \$(id -u) \$(id -g) \$(id -G)'
# The container's own user otherwise.
\$r exec u1 sh -c 'echo \$(id -u) \$(id -g) \$(id -G)'
\$r delete --force u1
EOF
    run "$NOOK" unshare sh "$BATS_TEST_TMPDIR/wide.sh"
    assert_status 0
    [ "$output" = "$(printf '1000 1001 1001 10 20\n1000 0 0\n0 0 0')" ]
    [ -z "$(ls -A "$STATE/wide")" ]
}
