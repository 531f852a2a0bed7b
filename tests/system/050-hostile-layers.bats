#!/usr/bin/env bats
# Hostile layers (tests/fixtures/build-hostile.sh): entries that try to
# write outside the layer are confined to it, hard links out of it are
# refused, device nodes are skipped.  Nothing may appear outside the store.

load helpers

bats_require_minimum_version 1.5.0

setup_file () {
    nook_setup_file
    export PASSWD_BEFORE
    PASSWD_BEFORE=$(stat -c '%h %s %Y' /etc/passwd; sha256sum < /etc/passwd)
}
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () {
    require_rootless
    assert_no_escape
}
teardown () { remove_all_containers; }

# Files a hostile layer might have written outside the layer's tree.
escaped_files () {
    local d
    for d in /tmp "$HOME" "$BATS_FILE_TMPDIR" "$XDG_DATA_HOME" "$XDG_DATA_HOME/nook" \
             "$NOOK_STORE" "$NOOK_STORE/layers" "$NOOK_STORE/tmp" "$NOOK_STORE/images" \
             "$(dirname "$BATS_FILE_TMPDIR")" "${XDG_RUNTIME_DIR:-/nonexistent}"; do
        ls -d "$d"/nook-escape-* "$d"/pw "$d"/pw2 "$d"/h "$d"/dev-ok 2>/dev/null || true
    done
    # In the store, they may only be inside a layer's tree.
    find "$XDG_DATA_HOME" \( -name 'nook-escape-*' -o -name 'dev-ok' \) \
         -not -path "$NOOK_STORE/layers/*/diff/*" 2>/dev/null || true
}

assert_no_escape () {
    local files; files=$(escaped_files)
    if [ -n "$files" ]; then
        echo "files outside the layers:"; echo "$files"; return 1
    fi
    local now; now=$(stat -c '%h %s %Y' /etc/passwd; sha256sum < /etc/passwd)
    if [ -n "${PASSWD_BEFORE:-}" ] && [ "$now" != "$PASSWD_BEFORE" ]; then
        echo "/etc/passwd changed: $PASSWD_BEFORE -> $now"; return 1
    fi
}

hostile () { echo "$NOOK_FIXTURES/hostile/$1.tar"; }

# Load hostile/CASE.tar; it must succeed and be confined.
load_confined () {
    run --separate-stderr nook load -i "$(hostile "$1")"
    assert_status 0
    assert_output_equals "Loaded image: localhost/hostile-$1:latest"
    assert_no_escape
    assert_no_leftovers
}

# Load hostile/CASE.tar; it must be refused with an error about the hard
# link and leave no image, no new layer, nothing in tmp/.
load_refused_hardlink () {
    local layers; layers=$(ls "$NOOK_STORE/layers" | wc -l)
    run --separate-stderr nook load -i "$(hostile "$1")"
    assert_status 125
    assert_one_error_line
    [[ "$stderr" == *hardlink* || "$stderr" == *"hard link"* ]] || { echo "stderr: $stderr"; return 1; }
    [ -z "$output" ]
    run nook images
    assert_status 0
    [[ "$output" != *"hostile-$1"* ]] || { echo "$output"; return 1; }
    [ "$(ls "$NOOK_STORE/layers" | wc -l)" -eq "$layers" ]
    assert_no_escape
    assert_no_leftovers
}

@test "every hostile case has a test here" {
    local c
    for c in $(cat "$NOOK_FIXTURES/hostile/CASES"); do
        grep -q "^@test \"hostile $c:" "$BATS_TEST_FILENAME" || { echo "no test for $c"; false; }
    done
}

@test "hostile dotdot: .. stops at the layer root" {
    load_confined dotdot
    run nook run --rm localhost/hostile-dotdot cat /tmp/nook-escape-dotdot /tmp/nook-escape-dotdot2
    assert_status 0
    assert_output_equals "dotdot
dotdot"
}

@test "hostile absolute: a leading / is stripped" {
    load_confined absolute
    run nook run --rm localhost/hostile-absolute cat /tmp/nook-escape-absolute
    assert_status 0
    assert_output_equals "absolute"
}

@test "hostile symlink-abs: an absolute symlink resolves inside the rootfs" {
    load_confined symlink-abs
    run nook run --rm localhost/hostile-symlink-abs sh -c 'readlink /escape; cat /tmp/nook-escape-symabs'
    assert_status 0
    assert_output_equals "/tmp
symlink-abs"
}

@test "hostile symlink-rel: a relative symlink with .. resolves inside the rootfs" {
    load_confined symlink-rel
    run nook run --rm localhost/hostile-symlink-rel sh -c 'test -L /escape && cat /tmp/nook-escape-symrel'
    assert_status 0
    assert_output_equals "symlink-rel"
}

@test "hostile symlink-chain: a chain of symlinks resolves inside the rootfs" {
    load_confined symlink-chain
    run nook run --rm localhost/hostile-symlink-chain sh -c 'test -L /l1 && cat /tmp/nook-escape-chain'
    assert_status 0
    assert_output_equals "symlink-chain"
}

@test "hostile symlink-dir-swap: a directory replaced by a symlink resolves inside the rootfs" {
    load_confined symlink-dir-swap
    run nook run --rm localhost/hostile-symlink-dir-swap sh -c 'readlink /d; cat /tmp/nook-escape-swap'
    assert_status 0
    assert_output_equals "/tmp
symlink-dir-swap"
}

@test "hostile hardlink-out: a hard link out of the layer is refused" {
    load_refused_hardlink hardlink-out
}

@test "hostile hardlink-via-symlink: a hard link through a symlink out of the layer is refused" {
    load_refused_hardlink hardlink-via-symlink
}

@test "hostile device: the device node is skipped with a warning, the rest loads" {
    run --separate-stderr nook load -i "$(hostile device)"
    assert_status 0
    assert_output_equals "Loaded image: localhost/hostile-device:latest"
    [[ "$stderr" == *dev/evil* ]] || { echo "no warning about dev/evil: $stderr"; false; }
    [[ "$stderr" != *Error* ]]
    # No node in the stored layer (the container's /dev is a tmpfs, so
    # look at the store itself).
    [ -z "$(find "$NOOK_STORE/layers" -path '*/dev/evil' 2>/dev/null)" ]
    run nook run --rm localhost/hostile-device cat /dev-ok
    assert_status 0
    assert_output_equals "device"
    assert_no_escape
    assert_no_leftovers
}

@test "hostile images leave the other images intact" {
    run nook run --rm nook-test sh -c 'cat /etc/motd; ls /tmp | wc -l; grep -c "^user:x:1000" /etc/passwd'
    assert_status 0
    assert_output_equals "layer3
0
1"
    run nook run --rm busybox sh -c 'ls -A /tmp | wc -l; test -e /escape || echo no-escape-link'
    assert_status 0
    assert_output_equals "0
no-escape-link"
}
