#!/usr/bin/env bats
# The path a new user takes first: load an image, run a command.

load helpers

setup_file () { nook_setup_file; }
teardown_file () { nook_teardown_file; }
setup () { require_rootless; }

@test "run prints from inside a rootless container" {
    run nook run --rm localhost/busybox:latest echo hello from nook
    assert_status 0
    assert_output_equals "hello from nook"
    assert_no_leftovers
}

@test "the container is root in its own user namespace, mapped to the user" {
    run nook run --rm busybox cat /proc/self/uid_map
    assert_status 0
    read -r inside outside count <<< "$(echo "$output" | head -1)"
    [ "$inside" = 0 ] && [ "$outside" = "$(id -u)" ] && [ "$count" = 1 ]
    # 1.. are the subordinate range.
    [ "$(echo "$output" | wc -l)" -ge 2 ]
}
