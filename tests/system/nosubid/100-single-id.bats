#!/usr/bin/env bats
# A user with no /etc/subuid and /etc/subgid range: nook maps the user
# alone (0 in the container is the user) and says so in one line.  Run by
# tests/run-tests.sh as a second test user that has no range.

load ../helpers
bats_require_minimum_version 1.5.0

setup_file () {
    export XDG_DATA_HOME="$BATS_FILE_TMPDIR/data"
    export NOOK_STORE="$XDG_DATA_HOME/nook/storage"
    mkdir -p "$XDG_DATA_HOME"
}
teardown_file () { nook_teardown_file; }

setup () {
    [ "$(id -u)" != 0 ] || skip "must run as an unprivileged user"
    ! grep -qE "^($(id -un)|$(id -u)):" /etc/subuid || skip "this user has a subordinate range"
    [ -w /dev/fuse ] || skip "/dev/fuse is not writable"
}

@test "load warns once that only the user's own id is mapped, and stores the image" {
    run --separate-stderr nook load -i "$NOOK_FIXTURES/nook-test.tar"
    assert_status 0
    assert_output_equals "Loaded image: localhost/nook-test:latest"
    [ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
    [[ "$stderr" == *"no subordinate ids for user \`$(id -un)\`"* ]]
    [[ "$stderr" == *"only your own id is mapped"* ]]
}

@test "a container runs with the user alone mapped, as root" {
    bats_require_minimum_version 1.5.0
    run --separate-stderr nook run --rm -u root localhost/nook-test:latest sh -c 'cat /proc/self/uid_map; id -u'
    assert_status 0
    read -r inside outside count <<< "$(echo "$output" | head -1)"
    [ "$inside" = 0 ] && [ "$outside" = "$(id -u)" ] && [ "$count" = 1 ]
    [ "$(echo "$output" | wc -l)" -eq 2 ]
    [ "$(echo "$output" | tail -1)" = 0 ]
    [[ "$stderr" == *"only your own id is mapped"* ]]
    [ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
}

@test "files the image gives to other ids belong to root in the container" {
    run nook run --rm -u root localhost/nook-test:latest stat -c '%u %g' /home/user/owned-by-user /srv/nobody-file
    assert_status 0
    [ "$(echo "$output" | grep -v WARN | tr '\n' ' ')" = "0 0 0 0 " ]
}

@test "an image user other than root is refused clearly: its id is not mapped" {
    run nook run --rm localhost/nook-test:latest id -u
    assert_status 126
    assert_output_contains "cannot run as uid 1000, gid 1000: not mapped in the user namespace"
    assert_output_contains "only root is"
    assert_no_leftovers
}
