#!/usr/bin/env bats
# nook-runtime's tmpcopyup mount option, bundles run straight through it,
# rootless: a tmpfs with tmpcopyup starts with a copy of the directory it
# covers (content, modes, owners, times, symlinks as links, FIFOs), the
# copy never follows a symlink (in the directory or on the way to it) out
# of the rootfs, writes stay in the tmpfs; without the option the tmpfs
# is empty; the option is refused where it has no meaning and is listed
# by `features`.  The engine's side (`nook run --tmpfs`, --read-only) is
# in 120-run-security.bats, compared with runc.

load helpers
load runtime-bundle

bats_require_minimum_version 1.5.0

setup_file () {
    rt_setup_file
}

setup () {
    rt_setup
}

HOSTDIR=
CLEANUP=

# Files of subordinate ids: removed from inside.
teardown () {
    [ -z "$CLEANUP" ] || "$NOOK" unshare rm -rf "$CLEANUP"
}

# $BUNDLE/rootfs/seed: a file, a directory with a file, a relative
# symlink in it, symlinks out of the rootfs (absolute, to a host
# directory that is not in the rootfs; relative, climbing above it), a
# FIFO; fixed modes and times.
seed () {
    local s="$BUNDLE/rootfs/seed"
    HOSTDIR="$BATS_TEST_TMPDIR/host"
    mkdir -p "$s/sub" "$HOSTDIR"
    echo host-secret > "$HOSTDIR/secret"
    echo hello > "$s/a"
    echo deep > "$s/sub/deep"
    ln -s a "$s/link"
    ln -s "$HOSTDIR" "$s/hostlink"
    ln -s ../../../../../../../../../../.. "$s/up"
    mkfifo "$s/fifo"
    chmod 640 "$s/a"
    chmod 710 "$s/sub"
    chmod 750 "$s"
    touch -h -d '2001-02-03 04:05:06' "$s/a" "$s/link" "$s/sub"
}

# config.json running CMD with /proc, /dev, the mounts BEFORE (JSON
# objects) and a tmpfs on DEST with the options OPTS (a JSON list's
# members).
copyup_config () {
    local cmd=$1 dest=$2 opts=$3 before=${4:+$4, }
    rt_config "$cmd" '' "\"mounts\": [
      {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},
      {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"nosuid\", \"mode=755\"]},
      $before{\"destination\": \"$dest\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [$opts]}
    ]"
}

# What the container sees in /seed, one line each (config.json takes it
# on one line).
LIST='cd /seed; ls -A | tr \"\n\" \" \"; echo; stat -c \"%n|%a|%F|%Y\" . a sub sub/deep link fifo;'
LIST+=' cat a sub/deep; readlink link; readlink hostlink; readlink up;'
LIST+=' test -e hostlink/secret && echo FOLLOWED; test -e up/secret && echo FOLLOWED;'
LIST+=' grep \" /seed \" /proc/self/mountinfo | sed \"s/.* - //\" | cut -d\" \" -f1'

@test "tmpcopyup: the tmpfs holds a copy of the directory, symlinks copied as links" {
    seed
    copyup_config "$LIST; echo new > a; touch b sub/c; cat a" /seed '"nosuid", "nodev", "tmpcopyup"'
    run -0 runtime run -b "$BUNDLE" c1
    local t; t=$(date -d '2001-02-03 04:05:06' +%s)
    [ "${lines[0]}" = "a fifo hostlink link sub up " ] || { echo "$output"; false; }
    # The tmpfs's root takes the directory's mode.
    [ "${lines[1]}" = ".|750|directory|$(stat -c %Y "$BUNDLE/rootfs/seed")" ]
    [ "${lines[2]}" = "a|640|regular file|$t" ]
    [ "${lines[3]}" = "sub|710|directory|$t" ]
    [ "${lines[4]}" = "sub/deep|644|regular file|$(stat -c %Y "$BUNDLE/rootfs/seed/sub/deep")" ]
    [ "${lines[5]}" = "link|777|symbolic link|$t" ]
    [ "${lines[6]}" = "fifo|644|fifo|$(stat -c %Y "$BUNDLE/rootfs/seed/fifo")" ]
    [ "${lines[7]}" = hello ]
    [ "${lines[8]}" = deep ]
    [ "${lines[9]}" = a ]
    [ "${lines[10]}" = "$HOSTDIR" ]
    [ "${lines[11]}" = ../../../../../../../../../../.. ]
    [ "${lines[12]}" = tmpfs ]
    [ "${lines[13]}" = new ]
    [ "${#lines[@]}" = 14 ] || { echo "$output"; false; }
    # The writes stayed in the tmpfs; the host's directory was not copied.
    [ "$(cat "$BUNDLE/rootfs/seed/a")" = hello ]
    [ ! -e "$BUNDLE/rootfs/seed/b" ] && [ ! -e "$BUNDLE/rootfs/seed/sub/c" ]
    [ "$(ls -A "$HOSTDIR")" = secret ]
    assert_no_state
}

@test "without tmpcopyup the tmpfs is empty, with its own mode" {
    seed
    copyup_config 'ls -A /seed | wc -l; stat -c %a /seed' /seed '"nosuid", "mode=1777"'
    run -0 runtime run -b "$BUNDLE" c1
    [ "$output" = "0
1777" ]
}

@test "tmpcopyup with mode=, ro and size=: the options still apply" {
    seed
    copyup_config 'stat -c %a /seed; cat /seed/a; touch /seed/x 2>&1; grep \" /seed \" /proc/self/mountinfo' \
        /seed '"tmpcopyup", "mode=1770", "ro", "noexec", "size=1m"'
    run -0 runtime run -b "$BUNDLE" c1
    [ "${lines[0]}" = 1770 ]
    [ "${lines[1]}" = hello ]
    [[ "${lines[2]}" == *"Read-only file system"* ]]
    [[ "${lines[3]}" =~ \ /seed\ ro,[^\ ]*noexec.*\ tmpfs\ tmpfs\ .*size=1024k ]] || { echo "$output"; false; }
    # Too small for the copy: an error naming the mount.
    head -c 300000 /dev/zero > "$BUNDLE/rootfs/seed/big"
    copyup_config 'true' /seed '"tmpcopyup", "size=64k"'
    run -1 runtime run -b "$BUNDLE" c2
    assert_output_contains 'tmpcopyup of `/seed`'
    assert_output_contains 'big'
    assert_output_contains 'No space left on device'
    assert_no_state
}

@test "tmpcopyup: a destination that is a symlink out of the rootfs is resolved inside it" {
    mkdir -p "$BATS_TEST_TMPDIR/host"
    echo host-secret > "$BATS_TEST_TMPDIR/host/secret"
    ln -s "$BATS_TEST_TMPDIR/host" "$BUNDLE/rootfs/seed"
    copyup_config 'ls -A /seed | wc -l; touch /seed/x' /seed '"tmpcopyup"'
    run -0 runtime run -b "$BUNDLE" c1
    [ "$output" = 0 ]
    # Made inside the rootfs, where the link points there; the host's
    # directory untouched.
    [ -d "$BUNDLE/rootfs/$BATS_TEST_TMPDIR/host" ]
    [ "$(ls -A "$BATS_TEST_TMPDIR/host")" = secret ]
}

@test "tmpcopyup: a file system mounted inside the directory is not copied" {
    seed
    # /seed/sub/m, a bind of the host's directory, mounted before the tmpfs.
    mkdir "$BUNDLE/rootfs/seed/sub/m"
    local bind="{\"destination\": \"/seed/sub/m\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"bind\"]}"
    copyup_config 'ls -A /seed/sub | tr \"\n\" \" \"; ls -A /seed/sub/m' /seed '"tmpcopyup"' "$bind"
    run -0 runtime run -b "$BUNDLE" c1
    [ "$output" = "deep m " ]
}

@test "tmpcopyup keeps owners in the user's subordinate ids" {
    grep -qE "^($(id -un)|$(id -u)):" /etc/subuid || skip "no /etc/subuid range for $(id -un)"
    "$NOOK" unshare true 2>/dev/null || skip "nook unshare does not work here"
    seed
    CLEANUP="$BUNDLE/rootfs/seed"
    "$NOOK" unshare chown -h 1000:1001 "$BUNDLE/rootfs/seed/a" "$BUNDLE/rootfs/seed/link"
    "$NOOK" unshare chown 1000:1001 "$BUNDLE/rootfs/seed/sub/deep"
    # Searchable: the container's root has no CAP_DAC_OVERRIDE.
    chmod 755 "$BUNDLE/rootfs/seed"
    "$NOOK" unshare chown 2000:2001 "$BUNDLE/rootfs/seed"
    copyup_config 'cd /seed; stat -c \"%n %u:%g %a\" . a link sub/deep' /seed '"tmpcopyup"'
    run -0 "$NOOK" unshare "$RUNTIME" --root "$STATE" run -b "$BUNDLE" c1
    [ "$output" = ". 2000:2001 755
a 1000:1001 640
link 1000:1001 777
sub/deep 1000:1001 644" ]
}

@test "tmpcopyup on anything but a tmpfs is refused, naming the mount" {
    mkdir -p "$BATS_TEST_TMPDIR/data"
    rt_config 'true' '' "\"mounts\": [
      {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/data\", \"options\": [\"bind\", \"tmpcopyup\"]}]"
    run -1 runtime run -b "$BUNDLE" c1
    assert_output_contains 'field `mounts[].options` of `/data`: `tmpcopyup` is for a tmpfs only'
    assert_no_state
}

@test "features lists tmpcopyup among the mount options" {
    run -0 rt_plain features
    [ "$(jq -r '.mountOptions | index("tmpcopyup") != null' <<<"$output")" = true ]
}
