#!/usr/bin/env bats
# nook-runtime's runc command line, driven directly on a bundle as an
# unprivileged user: the bundle asks for a user namespace mapping root to
# the caller, which the runtime creates.  create/start/state/kill/delete
# and their exit codes, run in the foreground and detached, exec with its
# flags, --process and a terminal, a console socket that receives the
# pty master, list, ps, features, spec, --root, --log (text and JSON),
# --debug, --preserve-fds, --no-pivot; the same inside `unshare -Urm`
# (root of a user namespace); and the same command lines against runc,
# which must behave alike.

load helpers

bats_require_minimum_version 1.5.0

RUNTIME="${NOOK_PREFIX:?NOOK_PREFIX must point at the install prefix}/libexec/nook/nook-runtime"

setup_file () {
    local img="$BATS_FILE_TMPDIR/image" blob
    export RT_ROOTFS="$BATS_FILE_TMPDIR/rootfs"
    mkdir -p "$img" "$RT_ROOTFS"
    tar -xf "$NOOK_FIXTURES/busybox.tar" -C "$img"
    for blob in "$img"/blobs/sha256/*; do
        if tar -tf "$blob" 2>/dev/null | grep -qx 'bin/busybox'; then
            tar -xf "$blob" -C "$RT_ROOTFS"
        fi
    done
    # A console socket's other end, as runc's recvtty: receive the pty
    # master, write INPUT to it, print what comes out until it closes.
    export RECVTTY="$BATS_FILE_TMPDIR/recvtty.py"
    cat > "$RECVTTY" <<'EOF'
import os, socket, sys
path, data = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "").encode()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
open(path + ".ready", "w").close()
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 1024, 4)
print("fds=%d isatty=%d" % (len(fds), len(fds) == 1 and os.isatty(fds[0])), flush=True)
if data:
    os.write(fds[0], data)
out = b""
while True:
    try:
        b = os.read(fds[0], 4096)
    except OSError:
        break
    if not b:
        break
    out += b
sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
EOF
}

setup () {
    [ "$(id -u)" != 0 ] || skip "system tests must run as an unprivileged user"
    [ -x "$RT_ROOTFS/bin/busybox" ] || skip "no busybox layer found in $NOOK_FIXTURES/busybox.tar"
    command -v jq >/dev/null || skip "jq is not installed (contrib/deps.sh test)"
    BUNDLE="$BATS_TEST_TMPDIR/bundle"
    STATE="$BATS_TEST_TMPDIR/state"
    mkdir -p "$BUNDLE" "$STATE"
    cp -a "$RT_ROOTFS" "$BUNDLE/rootfs"
    mkdir -p "$BUNDLE/rootfs/proc" "$BUNDLE/rootfs/dev" "$BUNDLE/rootfs/tmp"
    write_config 'sleep 1000'
}

teardown () {
    local id
    # Whatever a failed test left running.
    for id in $(rt list -q 2>/dev/null); do rt delete --force "$id" >/dev/null 2>&1 || true; done
    if command -v runc >/dev/null && [ -d "$STATE/runc" ]; then
        for id in $(runc --root "$STATE/runc" list -q 2>/dev/null); do
            runc --root "$STATE/runc" delete --force "$id" >/dev/null 2>&1 || true
        done
    fi
}

# write_config COMMAND [TERMINAL]: a config.json running `sh -c COMMAND`
# (no double quotes in it) as root of a new user namespace that maps the
# caller; runc's rootless spec, less what neither runtime needs here.
write_config () {
    local cmd=$1 terminal=${2:-false}
    cat > "$BUNDLE/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": $terminal,
    "user": {"uid": 0, "gid": 0},
    "args": ["/bin/sh", "-c", "$cmd"],
    "env": ["PATH=/bin", "TERM=xterm", "HOME=/root"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID"],
      "effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID"],
      "permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID"]
    },
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs"},
  "hostname": "rtcli",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]}
  ],
  "linux": {
    "uidMappings": [{"containerID": 0, "hostID": $(id -u), "size": 1}],
    "gidMappings": [{"containerID": 0, "hostID": $(id -g), "size": 1}],
    "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "user"}],
    "maskedPaths": ["/proc/kcore", "/proc/keys"],
    "readonlyPaths": ["/proc/sys"]
  }
}
EOF
}

rt () {
    "$RUNTIME" --root "$STATE/nook" "$@"
}

# rt with the container's stdio on a file: a container that outlives the
# command (create, run -d, exec -d) must not hold bats's output pipe.
# Its output goes to $BATS_TEST_TMPDIR/ctr.out.
rtq () {
    rt "$@" < /dev/null >> "$BATS_TEST_TMPDIR/ctr.out" 2>&1
}

# The status of container $1 (of runtime $2, default nook-runtime).
status_of () {
    local r=${2:-rt}
    "$r" state "$1" | jq -r .status
}

# Wait up to 10 s for container $1 to reach status $2.  An exited init
# waits for its reaper (here the machine's init, which may be slow) to be
# seen as stopped.
wait_status () {
    local id=$1 want=$2 r=${3:-rt} i
    for i in $(seq 100); do
        [ "$(status_of "$id" "$r")" = "$want" ] && return 0
        sleep 0.1
    done
    echo "container $id: status $(status_of "$id" "$r"), expected $want"; return 1
}

# ---- spec, features ----

@test "spec writes a default config.json and never over one; --rootless maps the caller" {
    rm "$BUNDLE/config.json"
    run rt spec -b "$BUNDLE"
    assert_status 0
    jq -e '.process.args == ["sh"] and .root.path == "rootfs" and (.linux.namespaces | map(.type) | index("mount") != null)' "$BUNDLE/config.json"
    run rt spec -b "$BUNDLE"
    assert_status 1
    assert_output_contains "config.json"
    assert_output_contains "exists"
    rm "$BUNDLE/config.json"
    (cd "$BUNDLE" && "$RUNTIME" spec --rootless)
    jq -e --argjson u "$(id -u)" '(.linux.namespaces | map(.type) | index("user") != null)
        and .linux.uidMappings[0].hostID == $u and (.linux.namespaces | map(.type) | index("network") == null)' \
        "$BUNDLE/config.json"
}

@test "the bundle of spec --rootless runs as it is, rootless" {
    rm "$BUNDLE/config.json"
    rt spec --rootless -b "$BUNDLE"
    jq '.process.terminal = false | .process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map; ls /sys/kernel >/dev/null && echo sys"]' \
        "$BUNDLE/config.json" > "$BATS_TEST_TMPDIR/c" && mv "$BATS_TEST_TMPDIR/c" "$BUNDLE/config.json"
    run rt run -b "$BUNDLE" sr1
    assert_status 0
    [ "${lines[0]}" = 0 ]
    [ "$(echo ${lines[1]})" = "0 $(id -u) 1" ]
    [ "${lines[2]}" = sys ]
}

@test "features prints the OCI features document" {
    run rt features
    assert_status 0
    echo "$output" | jq -e '.ociVersionMin and .ociVersionMax
        and (.linux.namespaces | index("user") != null)
        and (.linux.capabilities | index("CAP_SYS_ADMIN") != null)
        and .linux.seccomp.enabled == true
        and (.mountOptions | index("rbind") != null)'
    # AppArmor as the host has it: create applies profiles where it is on.
    local aa=false
    [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] || aa=true
    [ "$(echo "$output" | jq .linux.apparmor.enabled)" = "$aa" ]
}

# ---- the lifecycle ----

@test "create, state, start, kill, delete: OCI state, pid file, exit codes" {
    run rtq create -b "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" c1
    assert_status 0
    [ ! -s "$BATS_TEST_TMPDIR/ctr.out" ]
    run rt state c1
    assert_status 0
    echo "$output" | jq -e --arg b "$BUNDLE" --arg p "$(cat "$BATS_TEST_TMPDIR/pid")" \
        '.ociVersion and .id == "c1" and .status == "created" and .bundle == $b
         and .rootfs == ($b + "/rootfs") and (.pid | tostring) == $p and .created'
    run rt start c1
    assert_status 0
    [ "$(status_of c1)" = running ]
    run rt start c1
    assert_status 1
    assert_output_contains "running"
    run rt delete c1
    assert_status 1
    assert_output_contains "not stopped"
    run rt kill c1 KILL
    assert_status 0
    wait_status c1 stopped
    [ "$(rt state c1 | jq .pid)" = 0 ]
    run rt kill c1
    assert_status 1
    assert_output_contains "not running"
    run rt delete c1
    assert_status 0
    run rt state c1
    assert_status 1
    assert_output_contains "does not exist"
    [ -z "$(ls -A "$STATE/nook")" ]
}

@test "kill takes signal names, SIG names and numbers; an unknown one is refused" {
    write_config "trap 'echo got USR1 >> /tmp/log' USR1; trap 'echo got TERM >> /tmp/log; exit 0' TERM; echo ready > /tmp/log; while :; do sleep 0.1; done"
    rtq run -d -b "$BUNDLE" k1
    # The shell, our PID 1, drops a signal it has no trap for yet.
    wait_for_text "$BUNDLE/rootfs/tmp/log" ready
    # Apart (each seen before the next): signals pending together are
    # delivered once.
    rt kill k1 USR1
    wait_for_count "$BUNDLE/rootfs/tmp/log" 'got USR1' 1
    rt kill k1 SIGUSR1
    wait_for_count "$BUNDLE/rootfs/tmp/log" 'got USR1' 2
    rt kill k1 10
    wait_for_count "$BUNDLE/rootfs/tmp/log" 'got USR1' 3
    run rt kill k1 NOSUCH
    assert_status 1
    assert_output_contains "NOSUCH"
    run rt kill k1 99
    assert_status 1
    rt kill k1 0
    rt kill k1
    wait_status k1 stopped
    [ "$(grep -c 'got USR1' "$BUNDLE/rootfs/tmp/log")" = 3 ]
    grep -q 'got TERM' "$BUNDLE/rootfs/tmp/log"
    rt delete k1
}

@test "kill --all signals every process of the container" {
    rtq run -d -b "$BUNDLE" ka
    rtq exec -d ka sleep 1000
    rtq exec -d ka sleep 1000
    [ "$(rt ps --format json ka | jq length)" = 3 ]
    run rt kill --all ka KILL
    assert_status 0
    wait_status ka stopped
    rt delete ka
}

@test "delete --force kills a running container; delete of an unknown one fails, but not with --force" {
    rtq run -d -b "$BUNDLE" d1
    pid=$(rt state d1 | jq .pid)
    run rt delete --force d1
    assert_status 0
    ! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' /proc/$pid/stat)" = Z ]
    run rt delete nosuch
    assert_status 1
    assert_output_contains "does not exist"
    run rt delete -f nosuch
    assert_status 0
}

@test "run waits, passes on the exit code and output, and deletes the container" {
    write_config 'echo out; echo err >&2; hostname; id -u; exit 7'
    run --separate-stderr rt run -b "$BUNDLE" r1
    assert_status 7
    [ "$output" = "$(printf 'out\nrtcli\n0')" ]
    [ "$stderr" = err ]
    run rt state r1
    assert_status 1
    # --keep: stopped, still there.
    write_config 'exit 0'
    rt run --keep -b "$BUNDLE" r2
    [ "$(status_of r2)" = stopped ]
    rt delete r2
    [ -z "$(ls -A "$STATE/nook")" ]
}

@test "run: a missing executable exits 1 with runc's words and leaves nothing" {
    sed -i 's|"/bin/sh", "-c", "sleep 1000"|"/bin/nosuch"|' "$BUNDLE/config.json"
    run rt run -b "$BUNDLE" bad1
    assert_status 1
    assert_output_contains "nosuch"
    [ -z "$(ls -A "$STATE/nook")" ]
}

@test "an invalid ID, an unknown command or flag: exit 1 and a message" {
    run rt create -b "$BUNDLE" ../escape
    assert_status 1
    assert_output_contains "invalid container ID"
    run rt nosuch c1
    assert_status 1
    assert_output_contains "nosuch"
    run rt create --nosuch -b "$BUNDLE" c1
    assert_status 1
    assert_output_contains "flag provided but not defined: --nosuch"
    run rt create
    assert_status 1
    assert_output_contains "container ID"
    run rt start nosuch
    assert_status 1
    assert_output_contains "does not exist"
    [ ! -e "$STATE/escape" ]
}

# ---- exec ----

@test "exec: exit code, --env, --cwd, --user, -e replacing a variable; a missing command exits 255" {
    rtq run -d -b "$BUNDLE" e1
    run rt exec e1 sh -c 'exit 3'
    assert_status 3
    run rt exec --env FOO=bar -e HOME=/tmp --cwd /proc --user 0:0 e1 sh -c 'echo $FOO $HOME; pwd; id -u; id -g'
    assert_status 0
    [ "$output" = "$(printf 'bar /tmp\n/proc\n0\n0')" ]
    # Only root is mapped in this user namespace: uid 1 cannot be had.
    run rt exec --user 1:1 e1 true
    assert_status 255
    assert_output_contains "mapped"
    run rt exec e1 /nosuch
    assert_status 255
    assert_output_contains "/nosuch"
    run rt exec --cwd relative e1 true
    assert_status 255
    run rt exec nosuch true
    assert_status 255
    assert_output_contains "does not exist"
    [ "$(rt ps --format json e1 | jq length)" = 1 ]
}

@test "exec --process takes a whole process object; --detach --pid-file" {
    rtq run -d -b "$BUNDLE" e2
    cat > "$BATS_TEST_TMPDIR/process.json" <<'EOF'
{"args": ["sh", "-c", "echo $A; pwd; exit 4"], "cwd": "/dev", "env": ["PATH=/bin", "A=from-process"],
 "user": {"uid": 0, "gid": 0}}
EOF
    run rt exec --process "$BATS_TEST_TMPDIR/process.json" e2
    assert_status 4
    [ "$output" = "$(printf 'from-process\n/dev')" ]
    run rtq exec -d --pid-file "$BATS_TEST_TMPDIR/epid" e2 sleep 1000
    assert_status 0
    pid=$(cat "$BATS_TEST_TMPDIR/epid")
    [ -n "$pid" ] && [ -d "/proc/$pid" ]
    rt ps --format json e2 | jq -e --argjson p "$pid" 'index($p) != null'
    run rtq exec -t -d e2 true
    assert_status 255
    grep -q "console" "$BATS_TEST_TMPDIR/ctr.out"
}

@test "exec in a created container, before start" {
    rtq create -b "$BUNDLE" e3
    run rt exec e3 sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; hostname'
    assert_status 0
    assert_output_contains "rtcli"
    [ "$(status_of e3)" = created ]
}

@test "exec --tty with no console socket: a terminal of its own, copied to our stdio" {
    rtq run -d -b "$BUNDLE" t1
    run rt exec -t t1 sh -c 'tty; test -t 0 && echo stdin-tty; exit 6'
    assert_status 6
    assert_output_contains "/dev/pts/"
    assert_output_contains "stdin-tty"
}

@test "run with process.terminal and no console socket: the terminal is ours, input reaches it" {
    write_config 'read x; echo got:$x; tty' true
    run rt run -b "$BUNDLE" t2 <<< "hello"
    assert_status 0
    assert_output_contains "got:hello"
    assert_output_contains "/dev/pts/"
}

@test "create --console-socket: the pty master goes to the socket, consoleSize is set" {
    write_config 'tty; stty size; read x; echo got:$x' true
    jq '.process.consoleSize = {"height": 33, "width": 101}' "$BUNDLE/config.json" > "$BATS_TEST_TMPDIR/c" &&
        mv "$BATS_TEST_TMPDIR/c" "$BUNDLE/config.json"
    sock="$BATS_TEST_TMPDIR/console.sock"
    python3 "$RECVTTY" "$sock" $'hello\n' > "$BATS_TEST_TMPDIR/tty.out" 2>&1 &
    wait_for_file "$sock.ready"
    run rtq create -b "$BUNDLE" --console-socket "$sock" cs1
    assert_status 0
    rt start cs1
    wait
    cat "$BATS_TEST_TMPDIR/tty.out"
    grep -q "fds=1 isatty=1" "$BATS_TEST_TMPDIR/tty.out"
    grep -q "^/dev/pts/" "$BATS_TEST_TMPDIR/tty.out"
    grep -q "^33 101" "$BATS_TEST_TMPDIR/tty.out"
    grep -q "got:hello" "$BATS_TEST_TMPDIR/tty.out"
    wait_status cs1 stopped
    rt delete cs1
}

@test "a terminal without a console socket, or a socket without a terminal, is refused" {
    write_config 'true' true
    run rtq create -b "$BUNDLE" nt1
    assert_status 1
    grep -q "console socket" "$BATS_TEST_TMPDIR/ctr.out"
    [ -z "$(ls -A "$STATE/nook")" ]
    run rtq run -d -b "$BUNDLE" nt2
    assert_status 1
    run rt run --console-socket "$BATS_TEST_TMPDIR/none.sock" -b "$BUNDLE" nt3
    assert_status 1
    assert_output_contains "console socket"
}

@test "exec --tty --detach --console-socket: the exec'd process's pty master goes to the socket" {
    rtq run -d -b "$BUNDLE" t3
    sock="$BATS_TEST_TMPDIR/exec.sock"
    python3 "$RECVTTY" "$sock" > "$BATS_TEST_TMPDIR/tty.out" 2>&1 &
    wait_for_file "$sock.ready"
    run rt exec -t -d --console-socket "$sock" t3 sh -c 'tty; echo exec-tty'
    assert_status 0
    wait
    grep -q "fds=1 isatty=1" "$BATS_TEST_TMPDIR/tty.out"
    grep -q "exec-tty" "$BATS_TEST_TMPDIR/tty.out"
}

# ---- list, ps ----

@test "list: table, -q and --format json; ps: table and --format json" {
    rtq create -b "$BUNDLE" l1
    rtq run -d -b "$BUNDLE" l2
    run rt list
    assert_status 0
    [[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]
    [[ "${lines[1]}" =~ ^l1\ +[0-9]+\ +created\ +$BUNDLE\ + ]]
    [[ "${lines[2]}" =~ ^l2\ +[0-9]+\ +running\ +$BUNDLE\ + ]]
    [ "$(rt list -q)" = "$(printf 'l1\nl2')" ]
    rt list --format json | jq -e 'length == 2 and .[0].id == "l1" and .[1].status == "running" and .[0].owner'
    run rt list --format yaml
    assert_status 1
    pid=$(rt state l2 | jq .pid)
    wait_cmdline "$pid" "sleep 1000 "
    run rt ps l2
    assert_status 0
    [[ "${lines[0]}" == *PID* ]]
    [ "${#lines[@]}" = 2 ]
    assert_output_contains " $pid "
    run rt ps l2 -o pid,comm
    assert_status 0
    [[ "${lines[1]}" =~ ^\ *$pid\ +sleep$ ]]
    [ "$(rt ps --format json l2)" = "[$pid]" ]
    # An empty root lists nothing, and a root that is not there too.
    "$RUNTIME" --root "$BATS_TEST_TMPDIR/none" list -q
}

# ---- global options ----

@test "--log: errors on stderr and in the log, as JSON or text lines; --debug adds debug lines" {
    log="$BATS_TEST_TMPDIR/log.json"
    run --separate-stderr "$RUNTIME" --root "$STATE/nook" --log "$log" --log-format json state nosuch
    assert_status 1
    [ -z "$output" ]
    [ "$stderr" = "nook-runtime: container \`nosuch\` does not exist" ]
    [ "$(jq -r 'select(.level == "error") | .msg' "$log")" = "container \`nosuch\` does not exist" ]
    jq -e '.time' "$log"
    log2="$BATS_TEST_TMPDIR/log.txt"
    run --separate-stderr "$RUNTIME" --root "$STATE/nook" --log "$log2" --log-format text delete nosuch
    assert_status 1
    [ -z "$output" ]
    [ "$stderr" = "nook-runtime: container \`nosuch\` does not exist" ]
    [ "$(grep -c . "$log2")" = 1 ]
    grep -E '^time="[^"]+" level=error msg="container `nosuch` does not exist"$' "$log2"
    run "$RUNTIME" --root "$STATE/nook" --log "$log2" --log-format xml list
    assert_status 1
    assert_output_contains "xml"
    write_config 'exit 0'
    log3="$BATS_TEST_TMPDIR/debug.json"
    run "$RUNTIME" --root "$STATE/nook" --log "$log3" --log-format json --debug run -b "$BUNDLE" dbg
    assert_status 0
    jq -e 'select(.level == "debug")' "$log3" >/dev/null
    # Without --log, errors go to stderr.
    run --separate-stderr rt state nosuch
    assert_status 1
    [ -z "$output" ]
    [[ "$stderr" == *nosuch* ]]
}

@test "--root: each root has its own containers; --help and --version" {
    rtq run -d -b "$BUNDLE" r1
    run "$RUNTIME" --root "$BATS_TEST_TMPDIR/other" list -q
    assert_status 0
    [ -z "$output" ]
    run "$RUNTIME" --root "$BATS_TEST_TMPDIR/other" state r1
    assert_status 1
    run "$RUNTIME" --help
    assert_status 0
    assert_output_contains "create"
    run "$RUNTIME" exec --help
    assert_status 0
    assert_output_contains "--console-socket"
    run "$RUNTIME" --version
    assert_status 0
    assert_output_contains "nook-runtime version"
}

@test "--preserve-fds passes fd 3 on, and nothing else; --no-pivot" {
    echo preserved > "$BATS_TEST_TMPDIR/fd3"
    write_config "cat <&3; ls /proc/self/fd | tr '\\n' ' '"
    run rt run --preserve-fds 1 -b "$BUNDLE" p1 3< "$BATS_TEST_TMPDIR/fd3" 4< "$BATS_TEST_TMPDIR/fd3"
    assert_status 0
    # 4 is ls's own directory: fd 4 of ours did not cross.
    [ "${lines[0]}" = preserved ]
    [ "$(echo ${lines[1]})" = "0 1 2 3 4" ]
    run rt run --preserve-fds 1 -b "$BUNDLE" p2 3<&-
    assert_status 1
    assert_output_contains "fd 3"
    write_config 'sleep 1000'
    rtq run -d -b "$BUNDLE" p4
    run rt exec --preserve-fds 1 p4 sh -c 'cat <&3; ls /proc/self/fd | wc -l' 3< "$BATS_TEST_TMPDIR/fd3" 4< "$BATS_TEST_TMPDIR/fd3"
    assert_status 0
    [ "${lines[0]}" = preserved ]
    [ "$(echo ${lines[1]})" = 5 ]
    write_config "grep -c ' / ' /proc/1/mountinfo"
    run rt run --no-pivot -b "$BUNDLE" p3
    assert_status 0
}

@test "run --go-fd: waits for a byte before the bundle is read; end of file: does nothing, exits 1" {
    # The bundle is written only after run has started: nook-monitor's way.
    local fifo=$BATS_TEST_TMPDIR/go
    mkfifo "$fifo"
    write_config "echo started; ls /proc/self/fd | tr '\\n' ' '"
    mv "$BUNDLE/config.json" "$BUNDLE/later.json"
    rt run --go-fd 5 -b "$BUNDLE" g1 5< "$fifo" > "$BATS_TEST_TMPDIR/g1.out" 2>&1 &
    local pid=$!
    exec 6> "$fifo"
    sleep 0.3
    kill -0 "$pid"                 # still waiting
    [ ! -e "$STATE/nook/g1" ]      # and nothing made yet
    mv "$BUNDLE/later.json" "$BUNDLE/config.json"
    printf g >&6
    exec 6>&-
    wait "$pid"
    # The container ran, and the go fd did not reach it.
    [ "$(head -1 "$BATS_TEST_TMPDIR/g1.out")" = started ]
    [ "$(tail -1 "$BATS_TEST_TMPDIR/g1.out" | xargs)" = "0 1 2 3" ]
    # Called off: end of file before any byte.
    run rt run --go-fd 5 -b "$BUNDLE" g2 5< /dev/null
    assert_status 1
    assert_output_contains "called off"
    run rt state g2
    assert_status 1
    [ -z "$(ls -A "$STATE/nook")" ]
    run rt run --go-fd 1 -b "$BUNDLE" g3
    assert_status 1
    assert_output_contains "not one of the standard streams"
}

@test "inside a user namespace (unshare -Urm) as its root, with no user namespace in the spec" {
    jq 'del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces |= map(select(.type != "user"))' \
        "$BUNDLE/config.json" > "$BATS_TEST_TMPDIR/c" && mv "$BATS_TEST_TMPDIR/c" "$BUNDLE/config.json"
    ur () { unshare -Urm "$RUNTIME" --root "$STATE/userns" "$@"; }
    urq () { ur "$@" < /dev/null >> "$BATS_TEST_TMPDIR/ctr.out" 2>&1; }
    run urq run -d -b "$BUNDLE" u1
    assert_status 0
    [ "$(ur state u1 | jq -r .status)" = running ]
    run ur list -q
    [ "$output" = u1 ]
    run ur delete --force u1
    assert_status 0
    write_config 'id -u; exit 9'
    jq 'del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces |= map(select(.type != "user"))' \
        "$BUNDLE/config.json" > "$BATS_TEST_TMPDIR/c" && mv "$BATS_TEST_TMPDIR/c" "$BUNDLE/config.json"
    run ur run -b "$BUNDLE" u2
    assert_status 9
    [ "$output" = 0 ]
}

# ---- the same command lines against runc ----

# The observable results of one command-line session with runtime R
# (a function taking runc's arguments), one line each.
session () {
    local r=$1 out
    write_config 'sleep 1000'
    echo "create=$($r create -b "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/$r.pid" s1 >/dev/null 2>&1; echo $?)"
    echo "state=$($r state s1 | jq -c '{id, status, bundle, pidfile: ((.pid | tostring) == "'"$(cat "$BATS_TEST_TMPDIR/$r.pid")"'")}')"
    echo "keys=$($r state s1 | jq -c 'keys - ["annotations"]')"
    echo "start=$($r start s1 >/dev/null 2>&1; echo $?) again=$($r start s1 >/dev/null 2>&1; echo $?)"
    echo "status=$($r state s1 | jq -r .status)"
    echo "exec=$($r exec s1 sh -c 'exit 3' >/dev/null 2>&1; echo $?) missing=$($r exec s1 /nosuch >/dev/null 2>&1; echo $?)"
    echo "exec-env=$($r exec --env X=1 --cwd /proc s1 sh -c 'echo $X; pwd' | tr '\n' ' ')"
    echo "list=$($r list -q) json=$($r list --format json | jq -c 'map({id, status})')"
    # (not ps: rootless runc finds a container's processes through its cgroup,
    # which it has none of here)
    echo "kill-bad=$($r kill s1 NOSUCH >/dev/null 2>&1; echo $?) kill0=$($r kill s1 0; echo $?)"
    echo "delete-running=$($r delete s1 >/dev/null 2>&1; echo $?)"
    echo "kill=$($r kill s1 SIGKILL; echo $?)"
    wait_status s1 stopped "$r" >/dev/null && echo "stopped pid=$($r state s1 | jq .pid)"
    echo "kill-stopped=$($r kill s1 >/dev/null 2>&1; echo $?)"
    echo "delete=$($r delete s1; echo $?) gone=$($r state s1 >/dev/null 2>&1; echo $?)"
    echo "delete-missing=$($r delete s1 >/dev/null 2>&1; echo $?) forced=$($r delete -f s1 >/dev/null 2>&1; echo $?)"
    write_config 'echo out; exit 7'
    echo "run=$($r run -b "$BUNDLE" s2; echo $?) left=$($r list -q)"
}

runc_rt () {
    runc --root "$STATE/runc" "$@"
}

@test "the same command lines give the same results with runc" {
    command -v runc >/dev/null || skip "runc is not installed (contrib/deps.sh test installs it)"
    ours=$(session rt)
    theirs=$(session runc_rt)
    echo "nook-runtime:"; echo "$ours"; echo "runc:"; echo "$theirs"
    [ "$ours" = "$theirs" ]
}

@test "runc and nook-runtime write the same kind of spec" {
    command -v runc >/dev/null || skip "runc is not installed (contrib/deps.sh test installs it)"
    mkdir -p "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
    rt spec -b "$BATS_TEST_TMPDIR/a"
    runc spec -b "$BATS_TEST_TMPDIR/b"
    shape='{process: (.process | {terminal, user, args, cwd}), root, hostname: (.hostname | type),
            ns: (.linux.namespaces | map(.type) | sort)}'
    [ "$(jq -c "$shape" "$BATS_TEST_TMPDIR/a/config.json")" = "$(jq -c "$shape" "$BATS_TEST_TMPDIR/b/config.json")" ]
}

wait_for_file () {
    local i
    for i in $(seq 100); do
        [ -e "$1" ] && return 0
        sleep 0.1
    done
    echo "no $1"; return 1
}
