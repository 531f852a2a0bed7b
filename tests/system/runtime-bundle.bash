# Shared by the 10x-runtime-*.bats files: OCI bundles run straight
# through nook-runtime, with busybox from the fixture image as rootfs.
#
#   rt_setup_file / rt_setup     from setup_file / setup
#   rt_config CMD [PROCESS] [TOP] [LINUX] [NAMESPACES]
#       $BUNDLE/config.json running `sh -c CMD` (no double quotes in
#       CMD) as root with CAP_CHOWN and CAP_KILL, /proc, /dev (tmpfs) and
#       /dev/pts mounted; PROCESS, TOP and LINUX are extra members of
#       process, of the top level and of linux (capabilities in PROCESS
#       and mounts in TOP replace those); NAMESPACES the list of
#       linux.namespaces (default: mount pid ipc uts).
#   runtime ARGS...              nook-runtime --root $STATE inside
#                                `unshare -Urm` (root in a user namespace)
#   rt_plain ARGS...             the same without unshare (the spec makes
#                                the user namespace)
#   assert_no_state              nothing of a container left under $STATE

RUNTIME="${NOOK_PREFIX:?NOOK_PREFIX must point at the install prefix}/libexec/nook/nook-runtime"

rt_setup_file () {
    local img="$BATS_FILE_TMPDIR/image" blob
    export RT_ROOTFS="$BATS_FILE_TMPDIR/rootfs"
    mkdir -p "$img" "$RT_ROOTFS"
    tar -xf "$NOOK_FIXTURES/busybox.tar" -C "$img"
    for blob in "$img"/blobs/sha256/*; do
        if tar -tf "$blob" 2>/dev/null | grep -qx 'bin/busybox'; then
            tar -xf "$blob" -C "$RT_ROOTFS"
        fi
    done
}

rt_setup () {
    [ "$(id -u)" != 0 ] || skip "system tests must run as an unprivileged user"
    [ -x "$RT_ROOTFS/bin/busybox" ] || skip "no busybox layer found in $NOOK_FIXTURES/busybox.tar"
    unshare -Urm true 2>/dev/null || skip "unshare -Urm fails: no unprivileged user namespaces"
    BUNDLE="$BATS_TEST_TMPDIR/bundle"
    STATE="$BATS_TEST_TMPDIR/state"
    mkdir -p "$BUNDLE" "$STATE"
    cp -a "$RT_ROOTFS" "$BUNDLE/rootfs"
}

rt_config () {
    local cmd=$1 process=${2:+, $2} top=${3:+, $3} linux=${4:+, $4}
    local ns=${5:-'{"type": "mount"}, {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}'}
    local caps='"capabilities": {
      "bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_CHOWN", "CAP_KILL"],
      "permitted": ["CAP_CHOWN", "CAP_KILL"], "inheritable": [], "ambient": []
    },'
    local mounts='"mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]}
  ],'
    # Members given in PROCESS or TOP replace the defaults.
    [[ "$process" != *'"capabilities"'* ]] || caps=
    [[ "$top" != *'"mounts"'* ]] || mounts=
    cat > "$BUNDLE/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {
    "user": {"uid": 0, "gid": 0},
    "args": ["/bin/sh", "-c", "$cmd"],
    "env": ["PATH=/bin:/usr/bin"],
    $caps
    "cwd": "/"$process
  },
  $mounts
  "root": {"path": "rootfs"}$top,
  "linux": {
    "namespaces": [$ns]$linux
  }
}
EOF
}

runtime () {
    unshare -Urm "$RUNTIME" --root "$STATE" "$@"
}

rt_plain () {
    "$RUNTIME" --root "$STATE" "$@"
}

assert_no_state () {
    if [ -n "$(find "$STATE" -mindepth 1 -maxdepth 1 ! -name .seccomp)" ]; then
        echo "state left behind:"; ls -laR "$STATE"; return 1
    fi
}

# Processes whose command line or cwd mention this test's bundle: none
# may outlive a failed create (the init, a hook and its children).
assert_no_processes () {
    local p cmd left=
    for p in /proc/[0-9]*; do
        { cmd=$(tr '\0' ' ' < "$p/cmdline"); } 2>/dev/null || continue
        if [[ "$cmd" == *"$BATS_TEST_TMPDIR"* && "$cmd" != *"tr "* ]] \
            || [[ "$(readlink "$p/cwd" 2>/dev/null)" == "$BATS_TEST_TMPDIR"* ]]; then
            left="$left ${p#/proc/}"
        fi
    done
    if [ -n "$left" ]; then
        echo "processes left:$left"; ps -o pid,args -p "${left# }" || true; return 1
    fi
}
