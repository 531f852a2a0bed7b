#!/usr/bin/env bats
# User namespace modes for a user with no /etc/subuid and /etc/subgid
# range: keep-id, nomap and auto need subordinate ids and say so with
# Podman's message; --uidmap can still map the user's own id, as Podman's
# man page shows.  Run by tests/run-tests.sh as the user without a range.

load ../helpers
bats_require_minimum_version 1.5.0

BB=localhost/busybox:latest

setup_file () {
    export XDG_DATA_HOME="$BATS_FILE_TMPDIR/data"
    export NOOK_STORE="$XDG_DATA_HOME/nook/storage"
    mkdir -p "$XDG_DATA_HOME"
    "$NOOK" load -i "$NOOK_FIXTURES/busybox.tar" >/dev/null 2>&1
}
teardown_file () { nook_teardown_file; }

setup () {
    [ "$(id -u)" != 0 ] || skip "must run as an unprivileged user"
    ! grep -qE "^($(id -un)|$(id -u)):" /etc/subuid || skip "this user has a subordinate range"
    [ -w /dev/fuse ] || skip "/dev/fuse is not writable"
}

@test "keep-id, nomap and auto need subordinate ids: Podman's message, exit 125, nothing created" {
    run -125 nook create --userns=keep-id $BB true
    assert_output_contains "keep-id requires additional UIDs or GIDs defined in /etc/subuid and /etc/subgid to function correctly"
    run -125 nook create --userns=nomap $BB true
    assert_output_contains "nomap requires additional UIDs or GIDs defined in /etc/subuid and /etc/subgid"
    run -125 nook create --userns=auto $BB true
    assert_output_contains "requires additional UIDs or GIDs defined in /etc/subuid and /etc/subgid"
    run -0 nook ps -a -q
    [ "$(echo "$output" | grep -v WARN)" = "" ]
}

@test "--uidmap 0:0:1 maps the user alone into a namespace of the container's own" {
    run -0 nook run --rm --uidmap 0:0:1 $BB sh -c 'cat /proc/self/uid_map; id -u'
    [ "$(echo "$output" | grep -v WARN | head -1 | awk '{ print $1, $2, $3 }')" = "0 0 1" ]
    [ "$(echo "$output" | grep -v WARN | tail -1)" = 0 ]
    # Beyond the one id there is: Podman's message.
    run -125 nook create --uidmap 0:0:2 $BB true
    assert_output_contains "potentially insufficient UIDs or GIDs available in user namespace"
}
