#!/usr/bin/env bats
# nook run's security defaults and flags, end to end, rootless: the
# capabilities the container ends up with (CapEff in /proc/self/status),
# --privileged, the seccomp profile (a blocked syscall fails with the
# profile's errno), no-new-privileges against a setuid file, masked and
# read-only paths, --read-only, --tmpfs, --ulimit, --sysctl, --device,
# --group-add, --umask, --runtime, and Podman's messages for bad values.
# The engine tests run again with --runtime runc (checked to be runc
# indeed), and tmpcopyup's copies compared between the two runtimes.

load helpers

bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () { require_rootless; }
teardown () {
    remove_all_containers
    assert_no_leftovers
}

BB=localhost/busybox:latest
NT=localhost/nook-test:latest
DEFAULT_CAPS=00000000800405fb

# nook run --rm ARGS..., with RUNTIME_ARGS (--runtime runc) first.
srun () {
    nook run --rm ${RUNTIME_ARGS:-} "$@"
}

# The mask of every capability the kernel has.
all_caps () {
    printf '%016x\n' $(( (1 << ($(cat /proc/sys/kernel/cap_last_cap) + 1)) - 1 ))
}

assert_line_equals () {
    if ! printf '%s\n' "$output" | grep -qxF -- "$1"; then
        echo "no line: $1"; echo "output was:"; echo "$output"; return 1
    fi
}

# create fails with 125 and this one error line.
assert_refused () {
    local msg=$1; shift
    run -125 --separate-stderr nook create "$@" $BB true
    assert_one_error_line
    if [ "$stderr" != "Error: $msg" ]; then
        echo "expected: Error: $msg"; echo "got:      $stderr"; return 1
    fi
    [ -z "$(nook ps -a -q)" ] || { echo "a container was left"; nook ps -a; return 1; }
}

# ---- capabilities --------------------------------------------------------

engine_caps () {
    run srun $BB grep -E '^Cap(Eff|Prm|Bnd|Amb|Inh):' /proc/self/status
    assert_status 0
    assert_line_equals "CapEff:	$DEFAULT_CAPS"
    assert_line_equals "CapBnd:	$DEFAULT_CAPS"
    assert_line_equals "CapAmb:	0000000000000000"
    # NET_ADMIN is bit 12; CHOWN bit 0.
    run srun --cap-add net_admin --cap-drop CAP_CHOWN $BB grep -E '^Cap(Eff|Bnd):' /proc/self/status
    assert_status 0
    assert_line_equals "CapEff:	00000000800415fa"
    assert_line_equals "CapBnd:	00000000800415fa"
    # KILL is bit 5.
    run srun --cap-drop ALL --cap-add KILL $BB grep -E '^Cap(Eff|Bnd):' /proc/self/status
    assert_status 0
    assert_line_equals "CapEff:	0000000000000020"
    assert_line_equals "CapBnd:	0000000000000020"
    run srun --cap-drop all $BB grep -E '^Cap(Eff|Bnd):' /proc/self/status
    assert_line_equals "CapEff:	0000000000000000"
    assert_line_equals "CapBnd:	0000000000000000"
    run srun --cap-add all $BB grep -E '^CapEff:' /proc/self/status
    assert_line_equals "CapEff:	$(all_caps)"
    # Another user gets only what --cap-add names, kept across execve.
    run srun --user 1000 --cap-add NET_ADMIN $BB grep -E '^Cap(Eff|Amb|Bnd):' /proc/self/status
    assert_status 0
    assert_line_equals "CapEff:	0000000000001000"
    assert_line_equals "CapAmb:	0000000000001000"
    assert_line_equals "CapBnd:	00000000800415fb"
    run srun --user 1000 $BB grep -E '^CapEff:' /proc/self/status
    assert_line_equals "CapEff:	0000000000000000"
}

@test "CapEff is the default set, and what --cap-add and --cap-drop ask" {
    engine_caps
}

@test "bad capabilities are refused as Podman refuses them" {
    assert_refused '"CAP_FOO": unknown capability' --cap-add foo
    assert_refused '"CAP_BAR": unknown capability' --cap-drop CAP_BAR
    assert_refused 'capability "CAP_NET_ADMIN" cannot be dropped and added' \
        --cap-add net_admin --cap-drop NET_ADMIN
    assert_refused 'adding all caps and removing all caps not allowed' --cap-add all --cap-drop ALL
}

# ---- --privileged ---------------------------------------------------------

engine_privileged () {
    run srun --privileged $BB sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status;
        grep -c " /proc/keys " /proc/mounts; grep " /sys " /proc/mounts | grep -c " rw,"
        test -c /dev/fuse && echo fuse'
    assert_status 0
    assert_line_equals "CapEff:	$(all_caps)"
    assert_line_equals "Seccomp:	0"
    # Nothing masked, /sys writable, the host's devices there.
    [ "${lines[2]}" = 0 ] || { echo "$output"; return 1; }
    [ "${lines[3]}" = 1 ] || { echo "$output"; return 1; }
    assert_line_equals fuse
}

@test "--privileged: every capability, no seccomp, no masks, /sys writable, host devices" {
    engine_privileged
}

# ---- seccomp ---------------------------------------------------------------

engine_seccomp () {
    local profile="$BATS_TEST_TMPDIR/mkdir.json"
    echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"],
          "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]}' > "$profile"
    run srun $BB grep '^Seccomp:' /proc/self/status
    assert_output_equals "Seccomp:	2"
    run srun --security-opt seccomp=unconfined $BB grep '^Seccomp:' /proc/self/status
    assert_output_equals "Seccomp:	0"
    # EROFS from the profile, on a writable /tmp.
    run srun --security-opt seccomp="$profile" $BB sh -c 'grep ^Seccomp: /proc/self/status; mkdir /tmp/x; echo mkdir=$?'
    assert_status 0
    assert_line_equals "Seccomp:	2"
    assert_output_contains "Read-only file system"
    assert_line_equals "mkdir=1"
}

@test "the default profile is on; seccomp=unconfined and seccomp=FILE; a blocked syscall fails with the profile's errno" {
    engine_seccomp
}

@test "a bad seccomp profile is refused at create" {
    run -125 --separate-stderr nook create --security-opt seccomp=/nonexistent $BB true
    assert_one_error_line
    [[ "$stderr" == "Error: opening seccomp profile failed: open \`/nonexistent\`: No such file or directory" ]]
    echo '{"defaultAction": "SCMP_ACT_BOGUS"}' > "$BATS_TEST_TMPDIR/bad.json"
    run -125 --separate-stderr nook create --security-opt seccomp="$BATS_TEST_TMPDIR/bad.json" $BB true
    assert_one_error_line
    [[ "$stderr" == *SCMP_ACT_BOGUS* ]]
}

# ---- no-new-privileges ---------------------------------------------------------

# A setuid-root busybox on a suid tmpfs (the rootfs is nosuid), run as
# nobody: its AT_SECURE (auxv type 0x17) says whether it gained root;
# when it did, it is not dumpable and its auxv cannot be read.
SUID_CMD='cp /bin/busybox /s/busybox; chmod 4755 /s/busybox;
    su -s /bin/sh nobody -c "/s/busybox od -An -tx8 -w16 /proc/self/auxv" 2>&1 | grep -E " 0000000000000017 |denied"'

engine_nnp () {
    run srun --tmpfs /s:exec,suid $BB sh -c "$SUID_CMD"
    assert_output_contains "Permission denied"
    run srun --tmpfs /s:exec,suid --security-opt no-new-privileges $BB sh -c "grep NoNewPrivs /proc/self/status; $SUID_CMD"
    assert_line_equals "NoNewPrivs:	1"
    assert_output_contains " 0000000000000017 0000000000000000"
}

@test "no-new-privileges stops a setuid file from gaining privileges" {
    engine_nnp
}

# ---- masked and read-only paths ---------------------------------------------------

engine_paths () {
    run srun $BB sh -c 'wc -c < /proc/timer_list; wc -c < /proc/keys; ls /sys/firmware | wc -l;
        echo x > /proc/sys/kernel/domainname; echo w=$?'
    assert_status 0
    [ "${lines[0]}" = 0 ] && [ "${lines[1]}" = 0 ] && [ "${lines[2]}" = 0 ] || { echo "$output"; return 1; }
    assert_output_contains "Read-only file system"
    assert_line_equals "w=1"
    # mask= adds a path, unmask= takes one away (globs too).
    run srun --security-opt mask=/etc/hostname:/etc/group --security-opt unmask=/proc/timer_* $BB sh -c \
        'wc -c < /etc/group; grep -c " /proc/timer_list " /proc/mounts; grep -c " /proc/keys " /proc/mounts'
    assert_status 0
    [ "${lines[0]}" = 0 ] && [ "${lines[1]}" = 0 ] && [ "${lines[2]}" = 1 ] || { echo "$output"; return 1; }
    run srun --security-opt unmask=ALL $BB sh -c 'grep -c -E " /proc/(timer_list|keys|sys) " /proc/mounts'
    assert_output_equals 0
}

@test "masked paths read empty, /proc/sys is read-only; mask= and unmask=" {
    engine_paths
}

# Podman's defaults (containers/common DefaultMaskedPaths and
# DefaultReadOnlyPaths, with /sys/devices/virtual/powercap from 4.8).
MASKED_PATHS="/proc/acpi /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list
    /proc/timer_stats /proc/sched_debug /proc/scsi /sys/firmware /sys/fs/selinux /sys/dev/block
    /sys/devices/virtual/powercap"
READONLY_PATHS="/proc/asound /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger"

# One line per default path, as the container sees it: a masked one a
# mount point (tmpfs or /dev/null) that reads empty, a read-only one a
# mount point whose first option is ro; absent where the host lacks it.
PATHS_CMD='for p in $M; do
        if [ ! -e $p ]; then echo "$p absent"; continue; fi
        m=$(awk -v p=$p '"'"'$5 == p'"'"' /proc/self/mountinfo | wc -l)
        if [ -d $p ]; then n=$(ls -A $p | wc -l); else n=$(wc -c < $p); fi
        echo "$p mounts=$m size=$n"
    done
    for p in $R; do
        if [ ! -e $p ]; then echo "$p absent"; continue; fi
        echo "$p $(awk -v p=$p '"'"'$5 == p { split($6, o, ","); print o[1] }'"'"' /proc/self/mountinfo)"
    done'

engine_default_paths () {
    local p expected=
    for p in $MASKED_PATHS; do
        if [ -e "$p" ]; then expected+="$p mounts=1 size=0"$'\n'; else expected+="$p absent"$'\n'; fi
    done
    for p in $READONLY_PATHS; do
        if [ -e "$p" ]; then expected+="$p ro"$'\n'; else expected+="$p absent"$'\n'; fi
    done
    run srun -e M="$MASKED_PATHS" -e R="$READONLY_PATHS" $BB sh -c "$PATHS_CMD"
    assert_status 0
    assert_output_equals "${expected%$'\n'}"
}

@test "the config has Podman's whole default masked and read-only lists, and each applies" {
    local id cfg
    nook run --name paths $BB true
    id=$(container_id_of paths)
    cfg="$NOOK_STORE/containers/$id/userdata/config.json"
    run jq -r '.linux.maskedPaths | sort | join(" ")' "$cfg"
    assert_output_equals "$(printf '%s\n' $MASKED_PATHS | sort | tr '\n' ' ' | sed 's/ $//')"
    run jq -r '.linux.readonlyPaths | sort | join(" ")' "$cfg"
    assert_output_equals "$(printf '%s\n' $READONLY_PATHS | sort | tr '\n' ' ' | sed 's/ $//')"
    nook rm paths >/dev/null
    engine_default_paths
}

@test "bad --security-opt values are refused as Podman refuses them" {
    assert_refused 'invalid --security-opt 1: "foo"' --security-opt foo
    assert_refused 'invalid --security-opt 2: "foo=bar"' --security-opt foo=bar
    assert_refused 'invalid --security-opt 2: "no-new-privileges=maybe"' \
        --security-opt no-new-privileges=maybe
    assert_refused 'invalid systempaths option "x", only `unconfined` is supported' \
        --security-opt systempaths=x
}

# ---- --read-only, --tmpfs ---------------------------------------------------------

engine_read_only () {
    run srun --read-only $BB sh -c 'touch /x; touch /tmp/y /run/y /var/tmp/y && echo tmp=ok'
    assert_output_contains "Read-only file system"
    assert_line_equals "tmp=ok"
    run srun --read-only --read-only-tmpfs=false $BB sh -c 'touch /tmp/y; echo $?'
    assert_output_contains "Read-only file system"
    assert_line_equals 1
    run srun --tmpfs /foo --tmpfs /bar:size=64k,mode=700,noexec $BB sh -c \
        'grep -E " /(foo|bar) " /proc/mounts; stat -c %a /bar'
    assert_status 0
    assert_output_contains "tmpfs /foo tmpfs rw,nosuid,nodev"
    assert_output_contains "tmpfs /bar tmpfs rw,nosuid,nodev,noexec"
    assert_output_contains "size=64k"
    assert_line_equals 700
}

@test "--read-only, --read-only-tmpfs and --tmpfs" {
    engine_read_only
}

# --tmpfs over directories of nook-test's image (tmpcopyup, the default):
# names, modes (the setuid bit too), owners and content copied; modes of
# the tmpfs roots the directories' own (runc gives them that mode even
# over a mode= option: not compared here).  No times or link counts:
# runc's copy keeps neither.
COPYUP_CMD='cd /; find home srv usr/bin -exec stat -c "%n %a %u:%g %F" {} \;;
    cat home/user/owned-by-user srv/nobody-file; touch home/user/new && echo written;
    touch /x 2>&1; echo rc=$?'
COPYUP_OUT='home 755 0:0 directory
home/user 755 1000:1000 directory
home/user/owned-by-user 644 1000:1000 regular file
srv 755 0:0 directory
srv/nobody-file 644 65534:65534 regular file
usr/bin 755 0:0 directory
usr/bin/suid-file 4755 0:0 regular file
owned-by-user
nobody-file
written
touch: /x: Read-only file system
rc=1'

engine_copyup () {
    run srun --read-only --tmpfs /home --tmpfs /srv --tmpfs /usr/bin $NT sh -c "$COPYUP_CMD"
    assert_status 0
    assert_output_equals "$COPYUP_OUT"
}

@test "--tmpfs copies the image's directory in (tmpcopyup), as runc does" {
    engine_copyup
}

@test "bad --tmpfs values are refused as Podman refuses them" {
    assert_refused 'invalid container path "foo", must be an absolute path' --tmpfs foo
    assert_refused 'unknown mount option "bogus": invalid mount option' --tmpfs /x:bogus
    assert_refused "only one of 'noexec' and 'exec' can be used: duplicate mount option passed" \
        --tmpfs /x:exec,noexec
    assert_refused "only one of 'rw' and 'ro' can be used: duplicate mount option passed" \
        --tmpfs /x:ro,rw
}

# ---- --ulimit, --sysctl, --umask, --group-add, --device ------------------------------

engine_limits () {
    run srun --ulimit nofile=100:200 --ulimit core=0 --ulimit nofile=50:60 $BB sh -c \
        'ulimit -n; ulimit -Hn; ulimit -c'
    assert_status 0
    assert_output_equals "50
60
0"
    run srun --umask 077 $BB sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
    assert_output_equals "0077
600"
    run srun $BB sh -c umask
    assert_output_equals "0022"
    run srun --group-add 10 --group-add users $BB id -G
    assert_status 0
    assert_output_equals "0 10 100"
}

@test "--ulimit, --umask and --group-add" {
    engine_limits
}

engine_sysctl () {
    run srun --sysctl net.ipv4.ip_forward=1 --sysctl kernel.shmmni=100 $BB \
        cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni
    assert_status 0
    assert_output_equals "1
100"
}

@test "--sysctl sets a namespaced sysctl" {
    engine_sysctl
}

engine_device () {
    run srun --device /dev/fuse --device /dev/null:/dev/mynull:r $BB sh -c \
        'test -c /dev/fuse && echo fuse; test -c /dev/mynull && echo mynull; grep " /dev/mynull " /proc/mounts'
    assert_status 0
    assert_line_equals fuse
    assert_line_equals mynull
    # "r": bound read-only, as Podman does (the node still writes: it is
    # not part of the mount's filesystem).
    assert_output_contains " ro,"
}

@test "--device binds a host device in a rootless container" {
    engine_device
}

@test "bad --ulimit, --sysctl, --umask, --device and --group-add values are refused as Podman refuses them" {
    assert_refused 'ulimit option "foo=1" requires name=SOFT:HARD, failed to be parsed: invalid ulimit type: foo' \
        --ulimit foo=1
    assert_refused 'ulimit option "nofile" requires name=SOFT:HARD, failed to be parsed: invalid ulimit argument: nofile' \
        --ulimit nofile
    assert_refused 'ulimit option "nofile=2:1" requires name=SOFT:HARD, failed to be parsed: ulimit soft limit must be less than or equal to hard limit: 2 > 1' \
        --ulimit nofile=2:1
    assert_refused 'ulimit option "nofile=a" requires name=SOFT:HARD, failed to be parsed: strconv.ParseInt: parsing "a": invalid syntax' \
        --ulimit nofile=a
    assert_refused 'foo is invalid, sysctl values must be in the form of KEY=VALUE' --sysctl foo
    assert_refused "sysctl 'kernel.foo' is not allowed" --sysctl kernel.foo=1
    assert_refused "sysctl 'vm.swappiness' is not allowed" --sysctl vm.swappiness=1
    assert_refused 'invalid umask string 999: Invalid argument' --umask 999
    assert_refused 'invalid umask string 07777: Invalid argument' --umask 07777
    assert_refused 'stat /dev/nonexistent: No such file or directory' --device /dev/nonexistent
    assert_refused 'invalid device mode: foo' --device /dev/null:foo
    assert_refused 'invalid device specification: /dev/null:/dev/x:r:r' --device /dev/null:/dev/x:r:r
    assert_refused '/etc/passwd is not a valid device: not a device node' --device /etc/passwd
    assert_refused "the '--group-add keep-groups' option is not allowed with any other --group-add options" \
        --group-add keep-groups --group-add 10
}

@test "an unknown group in --group-add fails at start with 126" {
    run -126 --separate-stderr nook run --rm --group-add nosuchgroup $BB true
    assert_one_error_line
    assert_output_contains ""
    [[ "$stderr" == *"unable to find group nosuchgroup"* ]]
}

@test "the settings are kept in the record: a created container starts with them" {
    nook create --name sec-rec --cap-drop all --read-only --umask 0027 $BB \
        sh -c 'grep ^CapEff: /proc/self/status; umask; touch /x' >/dev/null
    run nook start -a sec-rec
    assert_line_equals "CapEff:	0000000000000000"
    assert_line_equals "0027"
    assert_output_contains "Read-only file system"
    nook rm sec-rec >/dev/null
}

# ---- --runtime -------------------------------------------------------------------------

@test "--runtime: an unknown name or path is refused as Podman refuses it" {
    assert_refused 'default OCI runtime "nosuchruntime" not found: Invalid argument' --runtime nosuchruntime
    assert_refused 'no valid executable found for OCI runtime /nonexistent: Invalid argument' \
        --runtime /nonexistent
}

@test "--runtime nook-runtime by name and by path" {
    run srun --runtime nook-runtime $BB echo ok
    assert_status 0
    assert_output_equals ok
    run srun --runtime "$NOOK_PREFIX/libexec/nook/nook-runtime" $BB echo ok
    assert_status 0
    assert_output_equals ok
}

# The same engine tests with runc as the runtime.
require_runc () {
    command -v runc >/dev/null || [ -x /usr/sbin/runc ] || skip "runc is not installed"
    RUNTIME_ARGS="--runtime runc"
}

@test "runc: capabilities" { require_runc; engine_caps; }
@test "runc: --privileged" { require_runc; engine_privileged; }
@test "runc: seccomp" { require_runc; engine_seccomp; }
@test "runc: no-new-privileges" { require_runc; engine_nnp; }
@test "runc: masked and read-only paths" { require_runc; engine_paths; }
@test "runc: --read-only and --tmpfs" { require_runc; engine_read_only; }
@test "runc: --ulimit, --umask, --group-add" { require_runc; engine_limits; }
@test "runc: --sysctl" { require_runc; engine_sysctl; }
@test "runc: --device" { require_runc; engine_device; }
@test "runc: the default masked and read-only paths" { require_runc; engine_default_paths; }
@test "runc: --tmpfs copies the image's directory in" { require_runc; engine_copyup; }

# nook's runtime state directory (config_runtime_dir).
runtime_root () {
    local x=${XDG_RUNTIME_DIR:-}
    if [[ "$x" == /* ]] && [ -d "$x" ] && [ "$(stat -c %u "$x")" = "$(id -u)" ]; then
        echo "$x/nook/runtime"
    else
        echo "/tmp/nook-run-$(id -u)/runtime"
    fi
}

# The state the runtime left for a running container: runc's (its
# state.json has init_process_pid, and runc reads it back) under
# --runtime runc, nook-runtime's otherwise.  A fallback from runc to
# nook-runtime would make every runc: test above pass: this one fails.
@test "runc: the runc tests really run runc, the others nook-runtime" {
    require_runc
    local root id runc
    root=$(runtime_root)
    runc=$(command -v runc || echo /usr/sbin/runc)
    nook run -d --name by-runc --runtime runc $BB sleep 300 >/dev/null
    nook run -d --name by-nook $BB sleep 300 >/dev/null
    id=$(container_id_of by-runc)
    [ -f "$root/$id/state.json" ] || { echo "no $root/$id/state.json"; ls -la "$root"; return 1; }
    run jq -r '.init_process_pid > 0' "$root/$id/state.json"
    assert_output_equals true
    run -0 "$runc" --root "$root" state "$id"
    [ "$(jq -r .status <<<"$output")" = running ]
    id=$(container_id_of by-nook)
    [ -f "$root/$id/state.json" ] || { echo "no $root/$id/state.json"; ls -la "$root"; return 1; }
    run jq -r 'has("init_process_pid")' "$root/$id/state.json"
    assert_output_equals false
    run -0 "$NOOK_PREFIX/libexec/nook/nook-runtime" --root "$root" state "$id"
    [ "$(jq -r .status <<<"$output")" = running ]
    # inspect names the runtime each one was given.
    run -0 nook inspect --format '{{.OCIRuntime}}' by-runc by-nook
    assert_output_equals "runc
nook-runtime"
    nook rm -f -t 0 by-runc by-nook >/dev/null
}
