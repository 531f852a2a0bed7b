#!/usr/bin/env bats
# Known ways out of a container, each closed, checked from inside:
# the runtime's binary cannot be reached through /proc/PID/exe (it runs
# from a sealed copy: CVE-2019-5736), no fd of the caller or the runtime
# crosses into the container and its cwd cannot be outside the root
# (CVE-2024-21626), masked paths read empty, /proc/sys is read-only,
# CapEff is exactly the set asked for, a syscall the profile blocks fails
# with the profile's errno, and no_new_privs keeps a setuid file from
# gaining anything.

load helpers
load runtime-bundle

bats_require_minimum_version 1.5.0

setup_file () {
    rt_setup_file
}

setup () {
    rt_setup
}

@test "the runtime runs from a sealed copy when its binary could be written: /proc/PID/exe cannot write it" {
    # A copy the user could write, so only the sealing protects it.
    local rt="$BATS_TEST_TMPDIR/nook-runtime" sum
    cp "$RUNTIME" "$rt"
    sum=$(sha256sum < "$rt")
    rt_config 'sleep 30'
    run -0 unshare -Urm sh -c "
        '$rt' --root '$STATE' create --pid-file '$BATS_TEST_TMPDIR/pid' -b '$BUNDLE' c1 || exit 1
        pid=\$(cat '$BATS_TEST_TMPDIR/pid')
        # The created container's init is the runtime, waiting for start.
        echo exe=\$(readlink /proc/\$pid/exe)
        printf '#!/bin/sh\necho pwned\n' > /proc/\$pid/exe 2>/dev/null && echo WROTE
        printf x >> /proc/\$pid/exe 2>/dev/null && echo APPENDED
        '$rt' --root '$STATE' delete -f c1"
    assert_output_contains "exe=/memfd:nook-runtime"
    [[ "$output" != *WROTE* && "$output" != *APPENDED* ]]
    [ "$(sha256sum < "$rt")" = "$sum" ]
    assert_no_state
    # One that nobody here can write (root's, installed) needs no copy.
    rt_config 'true'
    run -0 runtime --debug run -b "$BUNDLE" c3
    if [ "$(stat -c %u "$RUNTIME")" != "$(id -u)" ] && [ -z "$(find "$RUNTIME" -perm /022)" ]; then
        assert_output_contains "not from a sealed copy: nobody here can write the binary"
    else
        assert_output_contains "(from a sealed copy)"
    fi
}

@test "the seal holds however the global options are written, and under the name runc" {
    # Go's flag rules: -root DIR, --root=DIR and -root=DIR are --root DIR
    # to the parser, so to the seal too; a symlink named runc is still
    # nook-runtime.
    local rt="$BATS_TEST_TMPDIR/nook-runtime" runc="$BATS_TEST_TMPDIR/runc" i=0 globals
    cp "$RUNTIME" "$rt"
    ln -s nook-runtime "$runc"
    rt_config 'sleep 30'
    for globals in "'$rt' -root '$STATE'" "'$rt' --root='$STATE'" "'$rt' -root='$STATE' -debug=false" \
        "'$runc' -root '$STATE'" "'$runc' --log '$BATS_TEST_TMPDIR/log' --root '$STATE'"; do
        i=$((i + 1))
        run -0 unshare -Urm sh -c "
            $globals create --pid-file '$BATS_TEST_TMPDIR/pid$i' -b '$BUNDLE' c$i || exit 1
            echo exe=\$(readlink /proc/\$(cat '$BATS_TEST_TMPDIR/pid$i')/exe)
            $globals delete -f c$i"
        [ "$output" = "exe=/memfd:nook-runtime (deleted)" ] || { echo "$globals: $output"; return 1; }
    done
    assert_no_state
}

@test "no fd of the caller or the runtime is open in the container" {
    # The shell's own fds, listed by a child while the shell only waits
    # (a pipe or a redirection would add the shell's own).
    rt_config 'ls /proc/$$/fd; readlink /proc/self/cwd'
    # Fds the caller left open without close-on-exec do not cross.
    run -0 runtime run -b "$BUNDLE" c1 5</etc/hostname 7>"$BATS_TEST_TMPDIR/x" 9<&0
    [ "$output" = "$(printf '0\n1\n2\n/')" ]
    # --preserve-fds 1: fd 3, and only it.
    run -0 runtime run --preserve-fds 1 -b "$BUNDLE" c2 3</etc/hostname 5</etc/hostname
    [ "$output" = "$(printf '0\n1\n2\n3\n/')" ]
}

@test "a cwd through an fd of the runtime cannot leave the root" {
    local fd
    for fd in 3 4 5 6 7 8 9 10; do
        rt_config 'pwd'
        sed -i "s|\"cwd\": \"/\"|\"cwd\": \"/proc/self/fd/$fd\"|" "$BUNDLE/config.json"
        run runtime run -b "$BUNDLE" "c$fd"
        if [ "$status" -eq 0 ]; then
            [[ "$output" == /* && "$output" != *unreachable* ]]
        fi
        assert_no_state
    done
}

@test "a cwd through a directory fd the caller left open is refused: outside the root" {
    # CVE-2024-21626: fd 7, a host directory, is still open in the init
    # when it enters process.cwd (the fds close later, just before the
    # execve), so /proc/self/fd/7 leads out of the root.
    mkdir "$BATS_TEST_TMPDIR/host"
    echo secret > "$BATS_TEST_TMPDIR/host/file"
    # A user namespace of the spec's (run without unshare): exec can
    # join it from another call.
    rt_config 'pwd; ls; sleep 30' '' '' \
        "\"uidMappings\": [{\"containerID\": 0, \"hostID\": $(id -u), \"size\": 1}], \"gidMappings\": [{\"containerID\": 0, \"hostID\": $(id -g), \"size\": 1}]" \
        '{"type": "mount"}, {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "user"}'
    sed -i 's|"cwd": "/"|"cwd": "/proc/self/fd/7"|' "$BUNDLE/config.json"
    run rt_plain run -b "$BUNDLE" c1 7<"$BATS_TEST_TMPDIR/host"
    assert_status 1
    [ "$output" = "nook-runtime: process.cwd \`/proc/self/fd/7\` is outside the container's root" ]
    assert_no_state
    assert_no_processes
    run rt_plain create -b "$BUNDLE" c2 7<"$BATS_TEST_TMPDIR/host"
    assert_status 1
    [ "$output" = "nook-runtime: process.cwd \`/proc/self/fd/7\` is outside the container's root" ]
    run -0 rt_plain list -q
    [ -z "$output" ]
    assert_no_state
    assert_no_processes
    # The same for exec --cwd into a running container: refused, and
    # nothing started in it.
    sed -i 's|"cwd": "/proc/self/fd/7"|"cwd": "/"|' "$BUNDLE/config.json"
    rt_plain run -d --pid-file "$BATS_TEST_TMPDIR/pid" -b "$BUNDLE" c3 </dev/null >/dev/null 2>&1
    run rt_plain exec --cwd /proc/self/fd/7 c3 sh -c 'pwd; ls' 7<"$BATS_TEST_TMPDIR/host"
    assert_status 255
    [ "$output" = "nook-runtime: the cwd (\"/proc/self/fd/7\") is outside of the container's root: possible container breakout, refused" ]
    # The init alone, once its own `ls` is done.
    local i
    for i in $(seq 200); do
        run -0 rt_plain ps --format json c3
        [ "$output" = "[$(cat "$BATS_TEST_TMPDIR/pid")]" ] && break
        sleep 0.05
    done
    [ "$output" = "[$(cat "$BATS_TEST_TMPDIR/pid")]" ]
    rt_plain delete -f c3
    assert_no_state
}

@test "masked paths read empty or fail" {
    rt_config 'cat /proc/kcore /proc/keys /proc/timer_list 2>/dev/null | wc -c; { ls -A /proc/acpi; ls -A /sys/firmware; } 2>/dev/null | wc -l' '' \
        '"mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}, {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro", "nosuid", "nodev", "noexec"]}]' \
        '"maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux", "/sys/dev/block"]'
    run -0 runtime run -b "$BUNDLE" c1
    [ "${lines[0]}" = 0 ]
    [ "${lines[1]}" = 0 ]
}

@test "/proc/sys and the other read-only paths cannot be written" {
    rt_config 'echo 4096 > /proc/sys/kernel/shmmni; echo rc=$?; echo h > /proc/sysrq-trigger; echo rc=$?' '' '' \
        '"readonlyPaths": ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]'
    run -0 runtime run -b "$BUNDLE" c1
    assert_output_contains "Read-only file system"
    [[ "$output" != *rc=0* ]]
}

@test "CapEff is exactly the set asked for (Podman's default)" {
    local caps='"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"'
    rt_config 'grep -E \"^Cap(Eff|Prm|Bnd)\" /proc/self/status' \
        "\"capabilities\": {\"bounding\": [$caps], \"effective\": [$caps], \"permitted\": [$caps], \"inheritable\": [], \"ambient\": []}"
    run -0 runtime run -b "$BUNDLE" c1
    assert_output_contains "CapEff:	00000000800405fb"
    assert_output_contains "CapPrm:	00000000800405fb"
    assert_output_contains "CapBnd:	00000000800405fb"
}

@test "a syscall the profile blocks fails with the profile's errno" {
    rt_config 'mkdir /tmp/x; echo rc=$?; test -d /tmp/x || echo absent' '"noNewPrivileges": true' '' \
        '"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122}]}'
    run -0 runtime run -b "$BUNDLE" c1
    # 122 is EDQUOT.
    assert_output_contains "Disk quota exceeded"
    assert_output_contains "absent"
}

@test "no_new_privs keeps a setuid file from gaining privileges" {
    command -v cc >/dev/null || skip "a C compiler is needed for the setuid test program"
    grep -qE "^($(id -un)|$(id -u)):" /etc/subuid || skip "no /etc/subuid range for $(id -un)"
    printf '#include <stdio.h>\n#include <unistd.h>\nint main (void) { printf ("euid=%%d\\n", (int) geteuid ()); return 0; }\n' \
        > "$BATS_TEST_TMPDIR/euid.c"
    cc -static -o "$BUNDLE/rootfs/bin/euid" "$BATS_TEST_TMPDIR/euid.c" 2>/dev/null \
        || skip "cannot link a static program here"
    # Owned by the container's root, setuid: euid 0 for anyone, unless
    # no_new_privs.
    "$NOOK" unshare sh -c "chown 0:0 '$BUNDLE/rootfs/bin/euid' && chmod 4755 '$BUNDLE/rootfs/bin/euid'"
    rt_config '/bin/euid' '"user": {"uid": 1000, "gid": 1000}, "noNewPrivileges": false'
    run -0 "$NOOK" unshare "$RUNTIME" --root "$STATE" run -b "$BUNDLE" c1
    [ "$output" = euid=0 ]
    rt_config '/bin/euid' '"user": {"uid": 1000, "gid": 1000}, "noNewPrivileges": true'
    run -0 "$NOOK" unshare "$RUNTIME" --root "$STATE" run -b "$BUNDLE" c2
    [ "$output" = euid=1000 ]
    "$NOOK" unshare rm -rf "$BUNDLE/rootfs"
}
