#!/usr/bin/env bats
# config.json coverage of nook-runtime, bundles run straight through it,
# rootless: as root of `unshare -Urm`, as the user himself with the spec
# asking for the user namespace, and in `nook unshare` (the user's
# subordinate ids) for users other than root.  Each field is checked from
# inside the container: process (args, env, cwd, user, umask, groups, the
# five capability sets, rlimits, oomScoreAdj, terminal and consoleSize),
# hostname and domainname, mounts and their options, root.readonly,
# namespaces new and joined, id mappings, devices, sysctl, personality,
# rootfsPropagation, the six kinds of hooks with the state on stdin, and
# what cgroups and labels do where the host has none.  Seccomp is
# 060-seccomp.bats; escapes 101, bad bundles 102.

load helpers
load runtime-bundle

bats_require_minimum_version 1.5.0

setup_file () {
    rt_setup_file
}

setup () {
    rt_setup
}

# In the user's whole subordinate range, as root of it.
rt_wide () {
    "$NOOK" unshare "$RUNTIME" --root "$STATE" "$@"
}

require_wide () {
    grep -qE "^($(id -un)|$(id -u)):" /etc/subuid || skip "no /etc/subuid range for $(id -un)"
    "$NOOK" unshare true 2>/dev/null || skip "nook unshare does not work here"
}

@test "args, env, cwd, user, groups and umask" {
    require_wide
    rt_config 'id -u; id -g; id -G; umask; pwd; echo FOO=$FOO' \
        '"user": {"uid": 1000, "gid": 1001, "additionalGids": [10, 20], "umask": 23}'
    sed -i 's|"cwd": "/"|"cwd": "/tmp"|; s|"PATH=/bin:/usr/bin"|"PATH=/bin:/usr/bin", "FOO=bar baz"|' \
        "$BUNDLE/config.json"
    run -0 rt_wide run -b "$BUNDLE" c1
    [ "${lines[0]}" = 1000 ]
    [ "${lines[1]}" = 1001 ]
    [ "${lines[2]}" = "1001 10 20" ]
    [ "${lines[3]}" = 0027 ]
    [ "${lines[4]}" = /tmp ]
    [ "${lines[5]}" = "FOO=bar baz" ]
    assert_no_state
}

@test "the five capability sets are the spec's" {
    require_wide
    rt_config 'grep ^Cap /proc/self/status' \
        '"user": {"uid": 1000, "gid": 1000}, "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"], "effective": ["CAP_CHOWN", "CAP_KILL"], "permitted": ["CAP_CHOWN", "CAP_KILL"], "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}'
    run -0 rt_wide run -b "$BUNDLE" c1
    # A user other than root keeps across execve the ambient set only.
    assert_output_contains "CapInh:	0000000000000020"
    assert_output_contains "CapPrm:	0000000000000020"
    assert_output_contains "CapEff:	0000000000000020"
    assert_output_contains "CapBnd:	0000000000000421"
    assert_output_contains "CapAmb:	0000000000000020"
}

@test "noNewPrivileges, rlimits and oomScoreAdj" {
    rt_config 'grep NoNewPrivs /proc/self/status; grep \"Max open files\" /proc/self/limits; cat /proc/self/oom_score_adj' \
        '"noNewPrivileges": true, "oomScoreAdj": 500, "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456}]'
    run -0 runtime run -b "$BUNDLE" c1
    assert_output_contains "NoNewPrivs:	1"
    [[ "${lines[1]}" =~ Max\ open\ files\ +123\ +456 ]]
    [ "${lines[2]}" = 500 ]
}

@test "an unknown rlimit is an error naming it" {
    rt_config 'true' '"rlimits": [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
    run -1 runtime run -b "$BUNDLE" c1
    assert_output_contains 'RLIMIT_BOGUS'
    assert_no_state
}

@test "hostname and domainname" {
    rt_config 'hostname; cat /proc/sys/kernel/domainname' '' '"hostname": "box", "domainname": "example.org"'
    run -0 runtime run -b "$BUNDLE" c1
    [ "${lines[0]}" = box ]
    [ "${lines[1]}" = example.org ]
}

@test "mounts: bind read-only, rbind, tmpfs options, propagation, mqueue, sysfs, cgroup" {
    local data="$BATS_TEST_TMPDIR/data"
    mkdir -p "$data/sub"
    echo hello > "$data/file"
    rt_config 'cat /data/file; touch /data/x 2>&1 | grep -c Read-only; cat /rdata/sub/f; ls -A /data/sub | wc -l; touch /sys/fs/cgroup/x 2>&1; mkdir $(ls -d /sys/fs/cgroup/*/ | head -n 1)nook-x 2>&1; grep -E \" /(data|data/sub|rdata|rdata/sub|scratch|dev/mqueue|sys|sys/fs/cgroup) \" /proc/self/mountinfo' '' \
        "\"mounts\": [
          {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},
          {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"nosuid\"]},
          {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$data\", \"options\": [\"bind\", \"ro\", \"nosuid\", \"nodev\", \"noexec\", \"rshared\"]},
          {\"destination\": \"/rdata\", \"type\": \"none\", \"source\": \"$data\", \"options\": [\"rbind\", \"rprivate\"]},
          {\"destination\": \"/scratch\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"size=1m\", \"noexec\", \"nosuid\", \"nodev\", \"mode=1777\"]},
          {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\", \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},
          {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\", \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},
          {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\", \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]}
        ]"
    # A submount of the source, made in the runtime's own mount namespace:
    # rbind carries it, a plain bind does not.
    run -0 unshare -Urm sh -c "mount -t tmpfs tmpfs '$data/sub' && echo sub > '$data/sub/f' &&
        exec '$RUNTIME' --root '$STATE' run -b '$BUNDLE' c1"
    [ "${lines[0]}" = hello ]
    [ "${lines[1]}" = 1 ]
    [ "${lines[2]}" = sub ]
    [ "${lines[3]}" = 0 ]
    # No cgroup namespace: the host's tree bound, read-only all the way
    # down (without ro, touch says "Permission denied").
    [[ "${lines[4]}" == *"/sys/fs/cgroup/x"*"Read-only file system" ]]
    [[ "${lines[5]}" == *"/sys/fs/cgroup/"*"/nook-x"*"Read-only file system" ]]
    [[ "$output" =~ \ /data\ [^\ ]*ro,nosuid,nodev,noexec[^\ ]*\ shared: ]]
    [[ "$output" == *" /rdata "* ]]
    [[ "$output" == *" /rdata/sub "*" - tmpfs "* ]]
    [[ "$output" != *" /data/sub "* ]]
    [[ "$output" =~ \ /scratch\ [^\ ]*nosuid,nodev,noexec.*size=1024k ]]
    [[ "$output" == *" /dev/mqueue "*mqueue* ]]
    [[ "$output" =~ \ /sys\ ro, ]]
    [[ "$output" =~ \ /sys/fs/cgroup\ ro, ]]
    # With a cgroup namespace: a cgroup2 of its own, read-only too.
    rt_config 'touch /sys/fs/cgroup/x 2>&1; grep \" /sys/fs/cgroup \" /proc/self/mountinfo' '' \
        '"mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
          {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "ro"]}]' '' \
        '{"type": "mount"}, {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "cgroup"}'
    run -0 runtime run -b "$BUNDLE" c2
    [[ "${lines[0]}" == *"/sys/fs/cgroup/x"*"Read-only file system" ]]
    [[ "${lines[1]}" =~ \ /sys/fs/cgroup\ ro,.*\ -\ cgroup2\  ]]
}

@test "root.readonly" {
    rt_config 'touch /x 2>&1; echo rc=$?'
    sed -i 's|"root": {"path": "rootfs"}|"root": {"path": "rootfs", "readonly": true}|' "$BUNDLE/config.json"
    run -0 runtime run -b "$BUNDLE" c1
    assert_output_contains "Read-only file system"
    assert_output_contains "rc=1"
}

@test "namespaces: a new one, and one joined by path" {
    local first="$BATS_TEST_TMPDIR/first" second="$BATS_TEST_TMPDIR/second" third="$BATS_TEST_TMPDIR/third"
    local out="$BATS_TEST_TMPDIR/out" kv
    local -A v=()
    mkdir -p "$first" "$second" "$third"
    cp -a "$BUNDLE/rootfs" "$first/"
    cp -a "$BUNDLE/rootfs" "$second/"
    mv "$BUNDLE/rootfs" "$third/"
    # The first makes its own (a network namespace too); the second joins
    # its uts and pid namespaces (pid: in the runtime, before the clone),
    # the third its network namespace while the spec makes a new user
    # namespace: joined by the runtime before the clone, the init having
    # no capability over it (create.c: join_before_userns).  PID is the
    # first's init, known once it runs.
    BUNDLE=$first rt_config 'sleep 30' '' '"hostname": "first"' '' \
        '{"type": "mount"}, {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "network"}'
    BUNDLE=$second rt_config 'echo name=$(hostname); for ns in uts pid; do echo $ns=$(readlink /proc/self/ns/$ns); done; echo init=$(cat /proc/1/comm); echo self=$$' '' '' '' \
        '{"type": "mount"}, {"type": "pid", "path": "/proc/PID/ns/pid"}, {"type": "ipc"}, {"type": "uts", "path": "/proc/PID/ns/uts"}'
    BUNDLE=$third rt_config 'for ns in net user; do echo $ns=$(readlink /proc/self/ns/$ns); done; echo uid=$(id -u)' '' '' \
        '"uidMappings": [{"containerID": 0, "hostID": 0, "size": 1}], "gidMappings": [{"containerID": 0, "hostID": 0, "size": 1}]' \
        '{"type": "user"}, {"type": "mount"}, {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "network", "path": "/proc/PID/ns/net"}'
    cat > "$BATS_TEST_TMPDIR/ns.sh" <<EOF
set -e
rt () { '$RUNTIME' --root '$STATE' "\$@"; }
rt run -d --pid-file '$BATS_TEST_TMPDIR/pid' -b '$first' first
trap 'rt delete -f first' EXIT
pid=\$(cat '$BATS_TEST_TMPDIR/pid')
# Its shell has yet to exec sleep, the init the second must see.
i=0; while [ "\$(cat /proc/\$pid/comm)" != sleep ] && [ \$i -lt 200 ]; do sleep 0.05; i=\$((i + 1)); done
sed -i "s|/proc/PID/|/proc/\$pid/|g" '$second/config.json' '$third/config.json'
for ns in uts pid net user; do echo first-\$ns=\$(readlink /proc/\$pid/ns/\$ns); done
for ns in net user; do echo own-\$ns=\$(readlink /proc/self/ns/\$ns); done
# No leak check for this one under ASan: a process that joined a pid
# namespace for its children hangs in LeakSanitizer's stop-the-world at
# exit (its tracer is born in that namespace and cannot see it).
ASAN_OPTIONS=\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}detect_leaks=0 '$RUNTIME' --root '$STATE' run -b '$second' second | sed 's/^/second-/'
rt run -b '$third' third | sed 's/^/third-/'
EOF
    unshare -Urm sh "$BATS_TEST_TMPDIR/ns.sh" > "$out"
    cat "$out"
    while IFS= read -r kv; do v[${kv%%=*}]=${kv#*=}; done < "$out"
    [[ "${v[first-uts]}" == uts:\[* ]]
    [[ "${v[first-pid]}" == pid:\[* ]]
    [[ "${v[first-net]}" == net:\[* ]]
    [[ "${v[own-user]}" == user:\[* ]]
    # uts and pid joined: the first's hostname, and its init as pid 1.
    [ "${v[second-name]}" = first ]
    [ "${v[second-uts]}" = "${v[first-uts]}" ]
    [ "${v[second-pid]}" = "${v[first-pid]}" ]
    [ "${v[second-init]}" = sleep ]
    [ "${v[second-self]}" -gt 1 ]
    # The network joined from a new user namespace.
    [ "${v[third-net]}" = "${v[first-net]}" ]
    [ "${v[third-net]}" != "${v[own-net]}" ]
    [ "${v[third-user]}" != "${v[own-user]}" ]
    [ "${v[first-user]}" = "${v[own-user]}" ]
    [ "${v[third-uid]}" = 0 ]
    assert_no_state
}

@test "a user namespace the spec asks for, with its id mappings" {
    rt_config 'id -u; cat /proc/self/uid_map /proc/self/gid_map' '' '' \
        "\"uidMappings\": [{\"containerID\": 0, \"hostID\": $(id -u), \"size\": 1}], \"gidMappings\": [{\"containerID\": 0, \"hostID\": $(id -g), \"size\": 1}]" \
        '{"type": "user"}, {"type": "mount"}, {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}'
    run -0 rt_plain run -b "$BUNDLE" c1
    [ "${lines[0]}" = 0 ]
    [[ "${lines[1]}" =~ ^\ +0\ +$(id -u)\ +1$ ]]
    [[ "${lines[2]}" =~ ^\ +0\ +$(id -g)\ +1$ ]]
    assert_no_state
}

@test "devices: a FIFO made, a host device bound in a user namespace" {
    [ -c /dev/fuse ] || skip "no /dev/fuse on the host"
    rt_config 'ls -l /dev/myfifo /dev/fuse' '' '' \
        '"devices": [{"path": "/dev/myfifo", "type": "p", "fileMode": 432}, {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]'
    run -0 runtime run -b "$BUNDLE" c1
    [[ "${lines[0]}" == crw* ]]
    [[ "${lines[0]}" == *" 10, "*229* ]]
    [[ "${lines[1]}" == prw-rw----* ]]
}

@test "devices: a node that is neither makeable nor on the host is an error naming it" {
    rt_config 'true' '' '' '"devices": [{"path": "/dev/nosuchdev", "type": "c", "major": 250, "minor": 99}]'
    run -1 runtime run -b "$BUNDLE" c1
    assert_output_contains 'linux.devices[0]'
    assert_no_state
}

@test "sysctl in the container's ipc and network namespaces" {
    rt_config 'cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward' '' '' \
        '"sysctl": {"kernel.shmmax": "123456", "net.ipv4.ip_forward": "1"}' \
        '{"type": "mount"}, {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "network"}'
    run -0 runtime run -b "$BUNDLE" c1
    [ "${lines[0]}" = 123456 ]
    [ "${lines[1]}" = 1 ]
}

@test "sysctl of a namespace the container does not have is refused" {
    rt_config 'true' '' '' '"sysctl": {"net.ipv4.ip_forward": "1"}'
    run -1 runtime run -b "$BUNDLE" c1
    assert_output_contains 'needs a network namespace other than the runtime'"'"'s own'
    # Joined by path: allowed (nook's monitor holds the container's), but
    # not when the path is the runtime's own namespace (as runc).
    rt_config 'true' '' '' '"sysctl": {"net.ipv4.ip_forward": "1"}' \
        '{"type": "mount"}, {"type": "pid"}, {"type": "network", "path": "/proc/self/ns/net"}'
    run -1 runtime run -b "$BUNDLE" c2
    assert_output_contains 'needs a network namespace other than the runtime'"'"'s own'
}

@test "personality" {
    [ "$(uname -m)" = x86_64 ] || skip "LINUX32 checked on x86_64"
    rt_config 'uname -m' '' '' '"personality": {"domain": "LINUX32"}'
    run -0 runtime run -b "$BUNDLE" c1
    [ "$output" = i686 ]
    rt_config 'true' '' '' '"personality": {"domain": "LINUX64"}'
    run -1 runtime run -b "$BUNDLE" c2
    assert_output_contains 'linux.personality.domain'
}

@test "rootfsPropagation" {
    rt_config 'awk '\''$5 == \"/\"'\'' /proc/self/mountinfo' '' '' '"rootfsPropagation": "rshared"'
    run -0 runtime run -b "$BUNDLE" c1
    assert_output_contains "shared:"
}

@test "hooks: all six, in order, with the state on stdin" {
    local out="$BATS_TEST_TMPDIR/hooks" kind hooks=
    mkdir -p "$out"
    printf '#!/bin/sh\ncat > "%s/$1.json"\necho $1 >> "%s/order"\n' "$out" "$out" > "$BATS_TEST_TMPDIR/hook.sh"
    chmod 755 "$BATS_TEST_TMPDIR/hook.sh"
    for kind in prestart createRuntime createContainer poststart poststop; do
        hooks="$hooks\"$kind\": [{\"path\": \"$BATS_TEST_TMPDIR/hook.sh\", \"args\": [\"hook.sh\", \"$kind\"], \"timeout\": 10}], "
    done
    # startContainer runs in the container: its path is the container's.
    hooks="$hooks\"startContainer\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > /start.json; echo \$X > /start.env\"], \"env\": [\"X=from-env\"]}]"
    rt_config 'echo main; sleep 0.2' '' "\"hooks\": {$hooks}, \"annotations\": {\"a.b\": \"c\"}"
    run -0 runtime run -b "$BUNDLE" c1
    run cat "$out/order"
    [ "$output" = "$(printf 'prestart\ncreateRuntime\ncreateContainer\npoststart\npoststop')" ]
    run cat "$out/prestart.json"
    assert_output_contains '"id":"c1","status":"creating","pid":'
    assert_output_contains "\"bundle\":\"$BUNDLE\""
    assert_output_contains '"annotations":{"a.b":"c"}'
    run cat "$out/poststart.json"
    assert_output_contains '"status":"running"'
    run cat "$out/poststop.json"
    assert_output_contains '"status":"stopped"'
    run cat "$BUNDLE/rootfs/start.json" "$BUNDLE/rootfs/start.env"
    assert_output_contains '"status":"created"'
    assert_output_contains 'from-env'
    assert_no_state
}

@test "a failing poststart hook is a warning, the container runs" {
    rt_config 'echo main' '' '"hooks": {"poststart": [{"path": "/bin/false"}]}'
    run -0 runtime run -b "$BUNDLE" c1
    assert_output_contains 'hooks.poststart[0]'
    assert_output_contains 'main'
}

@test "process.terminal: the pty from the console socket is stdio and controlling terminal" {
    command -v python3 >/dev/null || skip "python3 is needed for the console socket end"
    local sock="$BATS_TEST_TMPDIR/console.sock" out="$BATS_TEST_TMPDIR/tty.out"
    cat > "$BATS_TEST_TMPDIR/recvtty.py" <<'EOF'
import array, os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path); s.listen(1)
open(path + ".ready", "w").close()
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(256, socket.CMSG_LEN(4))
fds = array.array("i")
for level, typ, data in anc:
    if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
        fds.frombytes(data[:4])
with open(out, "wb") as f:
    while True:
        try:
            d = os.read(fds[0], 4096)
        except OSError:
            break
        if not d:
            break
        f.write(d); f.flush()
EOF
    rt_config 'tty; stty size; cut -d\" \" -f7 /proc/self/stat; readlink /proc/self/fd/0; readlink /proc/self/fd/1; readlink /proc/self/fd/2' \
        '"terminal": true, "consoleSize": {"height": 33, "width": 77}'
    python3 "$BATS_TEST_TMPDIR/recvtty.py" "$sock" "$out" &
    while [ ! -e "$sock.ready" ]; do sleep 0.05; done
    run -0 unshare -Urm sh -c "'$RUNTIME' --root '$STATE' create --console-socket '$sock' -b '$BUNDLE' t1 &&
        '$RUNTIME' --root '$STATE' start t1 &&
        for i in \$(seq 200); do '$RUNTIME' --root '$STATE' state t1 | grep -q '\"stopped\"' && break; sleep 0.05; done
        '$RUNTIME' --root '$STATE' delete -f t1"
    wait
    run cat "$out"
    [[ "${lines[0]}" == /dev/pts/0* ]]
    [[ "${lines[1]}" == "33 77"* ]]
    # A controlling terminal (tty_nr), and it is stdin, stdout, stderr.
    [[ "${lines[2]}" != 0* ]]
    [[ "${lines[3]}" == /dev/pts/0* ]]
    [[ "${lines[4]}" == /dev/pts/0* ]]
    [[ "${lines[5]}" == /dev/pts/0* ]]
}

@test "process.terminal without a console socket is an error naming it" {
    rt_config 'true' '"terminal": true'
    run -1 runtime create -b "$BUNDLE" t1
    assert_output_contains 'process.terminal'
    assert_no_state
}

@test "cgroupsPath without a delegated cgroup is a warning; a limit without its controller an error" {
    rt_config 'echo ran' '' '' '"cgroupsPath": "/nook-test/c1"'
    run -0 runtime run -b "$BUNDLE" c1
    assert_output_contains 'ran'
    assert_output_contains 'linux.cgroupsPath'
    rt_config 'cat /sys/fs/cgroup/memory.max 2>/dev/null || echo none' '' '' \
        '"cgroupsPath": "nook-test-mem", "resources": {"memory": {"limit": 67108864}}'
    run runtime run -b "$BUNDLE" c2
    if [ "$status" -eq 0 ]; then
        # A machine with a delegated v2 memory controller.
        assert_output_contains 67108864
    else
        assert_output_contains 'linux.resources.memory'
        assert_output_contains '`memory` controller'
    fi
    assert_no_state
}

@test "labels the host cannot apply are ignored with a warning" {
    [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] || skip "AppArmor is enabled here"
    [ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled here"
    rt_config 'echo ran' '"apparmorProfile": "nook-default", "selinuxLabel": "system_u:system_r:container_t:s0"'
    run -0 runtime run -b "$BUNDLE" c1
    assert_output_contains 'process.apparmorProfile'
    assert_output_contains 'process.selinuxLabel'
    assert_output_contains 'ran'
}
