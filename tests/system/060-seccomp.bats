#!/usr/bin/env bats
# Seccomp in nook-runtime, driven directly on a bundle (config.json with a
# linux.seccomp section) inside `unshare -Urm`: a blocked syscall fails
# with the profile's errno whether the filter is loaded with
# noNewPrivileges (last) or without (before the capabilities go), a
# syscall name the kernel does not know is skipped, conditions on
# arguments, and a bad profile makes create fail with an error naming
# what is wrong and leaves no state behind.  The BPF program is cached
# under --root (.seccomp/KEY.bpf): a second container with the same
# profile reads it, builds and writes nothing, and is confined the same;
# a damaged cache file is replaced.  And through `nook run`, with the
# default profile.

load helpers

bats_require_minimum_version 1.5.0

RUNTIME="${NOOK_PREFIX:?NOOK_PREFIX must point at the install prefix}/libexec/nook/nook-runtime"

setup_file () {
    nook_setup_file
    local img="$BATS_FILE_TMPDIR/image" blob
    export SC_ROOTFS="$BATS_FILE_TMPDIR/rootfs"
    mkdir -p "$img" "$SC_ROOTFS"
    tar -xf "$NOOK_FIXTURES/busybox.tar" -C "$img"
    # The one layer is the blob that is a tar with bin/busybox in it.
    for blob in "$img"/blobs/sha256/*; do
        if tar -tf "$blob" 2>/dev/null | grep -qx 'bin/busybox'; then
            tar -xf "$blob" -C "$SC_ROOTFS"
        fi
    done
}

teardown_file () {
    nook_teardown_file
}

setup () {
    [ "$(id -u)" != 0 ] || skip "system tests must run as an unprivileged user"
    [ -x "$SC_ROOTFS/bin/busybox" ] || skip "no busybox layer found in $NOOK_FIXTURES/busybox.tar"
    unshare -Urm true 2>/dev/null || skip "unshare -Urm fails: no unprivileged user namespaces"
    BUNDLE="$BATS_TEST_TMPDIR/bundle"
    STATE="$BATS_TEST_TMPDIR/state"
    mkdir -p "$BUNDLE" "$STATE"
    cp -a "$SC_ROOTFS" "$BUNDLE/rootfs"
}

# write_config SECCOMP NNP COMMAND: a config.json running `sh -c COMMAND`
# (no double quotes in it) as root with a few capabilities, /proc mounted
# and SECCOMP as linux.seccomp.
write_config () {
    local seccomp=$1 nnp=$2 cmd=$3
    cat > "$BUNDLE/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {
    "user": {"uid": 0, "gid": 0},
    "args": ["/bin/sh", "-c", "$cmd"],
    "env": ["PATH=/bin:/usr/bin"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SETUID", "CAP_SETGID"],
      "effective": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER"],
      "permitted": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER"],
      "inheritable": [], "ambient": []
    },
    "noNewPrivileges": $nnp
  },
  "root": {"path": "rootfs"},
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
  "linux": {
    "namespaces": [{"type": "mount"}, {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}],
    "seccomp": $seccomp
  }
}
EOF
}

runtime () {
    unshare -Urm "$RUNTIME" --root "$STATE" "$@"
}

# mkdir and mkdirat fail with ERRNO_RET (no errnoRet when empty).
mkdir_profile () {
    local ret=${1:+, \"errnoRet\": $1}
    echo "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [
        {\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\"$ret}]}"
}

# No container state left (the seccomp cache is not a container's).
assert_no_state () {
    if [ -n "$(find "$STATE" -mindepth 1 -maxdepth 1 ! -name .seccomp)" ]; then
        echo "state left behind:"; ls -laR "$STATE"; return 1
    fi
}

@test "with noNewPrivileges, a blocked mkdir fails with the profile's errno" {
    write_config "$(mkdir_profile 1)" true \
        'grep Seccomp: /proc/self/status; mkdir /tmp/x; echo mkdir=$?; test -d /tmp/x || echo absent'
    run runtime run -b "$BUNDLE" sc1
    assert_status 0
    assert_output_contains "Seccomp:	2"
    assert_output_contains "Operation not permitted"
    assert_output_contains "mkdir=1"
    assert_output_contains "absent"
    assert_no_state
}

@test "without noNewPrivileges the filter is loaded too, and the init still gets through" {
    # Loaded before the capabilities are dropped: setresuid, capset, prctl,
    # the read of exec.fifo and execve come after it.  EROFS tells the
    # profile's errno from a real EPERM.
    write_config "$(mkdir_profile 30)" false \
        'grep Seccomp: /proc/self/status; grep CapBnd /proc/self/status; mkdir /tmp/x; echo mkdir=$?'
    run runtime run -b "$BUNDLE" sc2
    assert_status 0
    assert_output_contains "Seccomp:	2"
    # The bounding set was cut down after the filter was on.
    assert_output_contains "CapBnd:	00000000000000cb"
    assert_output_contains "Read-only file system"
    assert_output_contains "mkdir=1"
}

@test "a rule without errnoRet returns EPERM" {
    write_config "$(mkdir_profile)" true 'mkdir /tmp/x'
    run runtime run -b "$BUNDLE" sc3
    assert_status 1
    assert_output_contains "Operation not permitted"
}

@test "a syscall name the kernel and libseccomp do not know is skipped" {
    write_config '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["no_such_syscall_nook", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
         "errnoRet": 1}]}' true 'mkdir /tmp/x; echo mkdir=$?; echo ran'
    run runtime run -b "$BUNDLE" sc4
    assert_status 0
    assert_output_contains "Operation not permitted"
    assert_output_contains "ran"
}

@test "conditions on arguments: chmod to 0700 is refused, to 0755 allowed" {
    # chmod(path, mode) and fchmodat(dirfd, path, mode): the mode is
    # argument 1 of one and 2 of the other.
    write_config '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
         "args": [{"index": 1, "value": 511, "valueTwo": 448, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["fchmodat", "fchmodat2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
         "args": [{"index": 2, "value": 511, "valueTwo": 448, "op": "SCMP_CMP_MASKED_EQ"}]}]}' \
        true 'touch /tmp/f; chmod 755 /tmp/f; echo a=$?; chmod 700 /tmp/f; echo b=$?; stat -c %a /tmp/f'
    run runtime run -b "$BUNDLE" sc5
    assert_status 0
    assert_output_contains "a=0"
    assert_output_contains "Permission denied"
    assert_output_contains "b=1"
    [ "${lines[-1]}" = 755 ] || { echo "mode: ${lines[-1]}"; return 1; }
}

@test "SCMP_ACT_KILL_PROCESS kills with SIGSYS" {
    write_config '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL_PROCESS"}]}' true 'mkdir /tmp/x'
    run runtime run -b "$BUNDLE" sc6
    assert_status 159
}

@test "the flags are accepted and the architectures of the profile added" {
    write_config '{"defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                          "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
        "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}' \
        true 'mkdir /tmp/x'
    run runtime run -b "$BUNDLE" sc7
    assert_status 1
    assert_output_contains "Operation not permitted"
}

# The one cache file under DIR (fails unless there is exactly one).
cache_file () {
    local files
    files=$(ls -A "$1")
    if [ "$(printf '%s\n' "$files" | grep -c '^[0-9a-f]\{64\}\.bpf$')" != 1 ] \
        || [ "$(printf '%s\n' "$files" | wc -l)" != 1 ]; then
        echo "expected one cache file in $1, found:"; ls -la "$1"; return 1
    fi
    echo "$1/$files"
}

@test "the program is cached: a second container reads it, writes nothing, is confined" {
    write_config "$(mkdir_profile 30)" false \
        'grep Seccomp: /proc/self/status; mkdir /tmp/x; echo mkdir=$?'
    run runtime run -b "$BUNDLE" cache1
    assert_status 0
    assert_output_contains "Seccomp:	2"
    assert_output_contains "Read-only file system"
    local file stamp
    file=$(cache_file "$STATE/.seccomp")
    [ "$(stat -c %a "$file")" = 600 ] || { ls -l "$file"; return 1; }
    stamp=$(stat -c '%i %s %Y' "$file")
    run runtime --debug run -b "$BUNDLE" cache2
    assert_status 0
    assert_output_contains "instructions from $file"
    assert_output_contains "Seccomp:	2"
    assert_output_contains "Read-only file system"
    assert_output_contains "mkdir=1"
    [[ "$output" != *"building the filter"* ]] || { echo "$output"; return 1; }
    [ "$(cache_file "$STATE/.seccomp")" = "$file" ]
    [ "$(stat -c '%i %s %Y' "$file")" = "$stamp" ] || { echo "rewritten: $stamp"; ls -li "$file"; return 1; }
    # Another errno is another profile: another file.
    write_config "$(mkdir_profile 1)" true 'mkdir /tmp/x'
    run runtime run -b "$BUNDLE" cache3
    assert_status 1
    assert_output_contains "Operation not permitted"
    [ "$(find "$STATE/.seccomp" -mindepth 1 | wc -l)" = 2 ] || { ls -la "$STATE/.seccomp"; return 1; }
    assert_no_state
}

@test "a damaged cache file is rebuilt and replaced, and the container is still confined" {
    write_config "$(mkdir_profile 30)" true 'grep Seccomp: /proc/self/status; mkdir /tmp/x; echo mkdir=$?'
    run runtime run -b "$BUNDLE" damage0
    assert_status 0
    local file size damage i=0
    file=$(cache_file "$STATE/.seccomp")
    cp "$file" "$BATS_TEST_TMPDIR/good.bpf"
    size=$(stat -c %s "$file")
    for damage in "truncate -s -8" "truncate -s 80" "truncate -s 0" "truncate -s +8" \
                  "poke 20" "poke $((size - 4))"; do
        i=$((i + 1))
        case $damage in
            poke*) printf '\377' | dd of="$file" bs=1 seek="${damage#poke }" conv=notrunc status=none ;;
            *) $damage "$file" ;;
        esac
        cmp -s "$file" "$BATS_TEST_TMPDIR/good.bpf" && { echo "$damage did nothing"; return 1; }
        run runtime --debug run -b "$BUNDLE" "damage$i"
        assert_status 0
        assert_output_contains "building the filter"
        assert_output_contains "Seccomp:	2"
        assert_output_contains "Read-only file system"
        assert_output_contains "mkdir=1"
        cmp "$file" "$BATS_TEST_TMPDIR/good.bpf" || { echo "not rewritten after: $damage"; return 1; }
    done
    [ "$(cache_file "$STATE/.seccomp")" = "$file" ]
    assert_no_state
}

@test "nook run: the second run of an image reuses the cached program and is confined" {
    require_rootless
    # A runtime dir of this test's own: nothing else writes to its cache.
    export XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/xdg"
    mkdir -m 0700 "$XDG_RUNTIME_DIR"
    local cache="$XDG_RUNTIME_DIR/nook/runtime/.seccomp" file stamp
    # sethostname: the default profile refuses it without CAP_SYS_ADMIN,
    # even in a nested user namespace, where the kernel would allow it.
    local cmd='grep Seccomp: /proc/self/status; unshare -Ur true && echo nested=yes;
               unshare -Uru hostname nook-x; echo hostname=$?'
    run nook run --rm localhost/busybox:latest sh -c "$cmd"
    assert_status 0
    assert_output_contains "Seccomp:	2"
    file=$(cache_file "$cache")
    stamp=$(stat -c '%i %s %Y' "$file")
    cp "$file" "$BATS_TEST_TMPDIR/good.bpf"
    run nook run --rm localhost/busybox:latest sh -c "$cmd"
    assert_status 0
    assert_output_contains "Seccomp:	2"
    if [[ "$output" == *nested=yes* ]]; then
        assert_output_contains "sethostname: Operation not permitted"
        assert_output_contains "hostname=1"
    fi
    [ "$(cache_file "$cache")" = "$file" ]
    [ "$(stat -c '%i %s %Y' "$file")" = "$stamp" ] || { echo "rewritten: $stamp"; ls -li "$file"; return 1; }
    # A file cut short by an instruction: rebuilt, replaced, still confined.
    truncate -s -8 "$file"
    run nook run --rm localhost/busybox:latest sh -c "$cmd"
    assert_status 0
    assert_output_contains "Seccomp:	2"
    if [[ "$output" == *nested=yes* ]]; then
        assert_output_contains "hostname=1"
    fi
    cmp "$file" "$BATS_TEST_TMPDIR/good.bpf"
    [ "$(cache_file "$cache")" = "$file" ]
}

# create fails with exit 1, an error naming NEEDLE, and no state.
assert_create_refused () {
    local needle=$1
    run runtime create -b "$BUNDLE" bad
    if [ "$status" -eq 0 ]; then
        runtime delete --force bad || true
        echo "create succeeded"; return 1
    fi
    assert_output_contains "$needle"
    assert_output_contains "config.json"
    assert_no_state
    run runtime list
    [[ "$output" != *bad* ]] || { echo "listed: $output"; return 1; }
}

@test "an unknown action makes create fail naming it, and leaves no state" {
    write_config '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["mkdir"], "action": "SCMP_ACT_BOGUS"}]}' true 'true'
    assert_create_refused "unknown seccomp action \`SCMP_ACT_BOGUS\` in \`linux.seccomp.syscalls[0].action\`"
}

@test "an unknown operator, architecture or field is refused by name" {
    write_config '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"],
        "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_ALMOST"}]}]}' \
        true 'true'
    assert_create_refused "SCMP_CMP_ALMOST"
    write_config '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_PDP11"]}' true 'true'
    assert_create_refused "SCMP_ARCH_PDP11"
    write_config '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"],
        "action": "SCMP_ACT_ERRNO", "comment": "x"}]}' true 'true'
    assert_create_refused "linux.seccomp.syscalls[0].comment"
}

@test "SCMP_ACT_NOTIFY and a listener are refused: no seccomp agent" {
    write_config '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}' true 'true'
    assert_create_refused "SCMP_ACT_NOTIFY"
    write_config '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock"}' true 'true'
    assert_create_refused "linux.seccomp.listenerPath"
}
