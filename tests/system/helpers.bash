# Shared by the system tests.  Run by tests/run-tests.sh, which sets:
#   NOOK           the installed nook binary
#   NOOK_PREFIX    its install prefix
#   NOOK_FIXTURES  the images built by tests/fixtures/
#   NOOK_STRICT=1  when the run was set up as root: skips count as failures
# Each test file calls nook_setup_file from its setup_file and
# nook_teardown_file from its teardown_file: every file gets a private
# store (XDG_DATA_HOME) holding the fixture images.

: "${NOOK:?NOOK must point at the nook binary}"
: "${NOOK_FIXTURES:?NOOK_FIXTURES must point at the fixture images}"

nook () {
    "$NOOK" "$@"
}

# Skip (with the reason) when the machine cannot run rootless containers.
require_rootless () {
    local user; user=$(id -un)
    [ "$(id -u)" != 0 ] || skip "system tests must run as an unprivileged user"
    grep -qE "^($user|$(id -u)):" /etc/subuid || skip "no /etc/subuid range for $user"
    [ -r /dev/fuse ] && [ -w /dev/fuse ] || skip "/dev/fuse is not readable and writable"
    command -v fuse-overlayfs >/dev/null || skip "fuse-overlayfs is not installed"
}

nook_setup_file () {
    export XDG_DATA_HOME="$BATS_FILE_TMPDIR/data"
    export NOOK_STORE="$XDG_DATA_HOME/nook/storage"
    mkdir -p "$XDG_DATA_HOME"
    "$NOOK" load -i "$NOOK_FIXTURES/busybox.tar" >/dev/null
    "$NOOK" load -i "$NOOK_FIXTURES/nook-test.tar" >/dev/null
}

nook_teardown_file () {
    "$NOOK" rm -a -f >/dev/null 2>&1 || true
    # The store holds files of subordinate ids: remove it from inside.
    "$NOOK" unshare rm -rf "$XDG_DATA_HOME" 2>/dev/null || true
}

# Processes of ours that must not outlive a container (zombies are only
# waiting for an init that reaps lazily, and hold nothing).
leftover_processes () {
    ps -u "$(id -u)" -o pid=,stat=,comm= \
        | awk '$2 !~ /^Z/ && $3 ~ /^(fuse-overlayfs|nook-monitor|nook-runtime|slirp4netns)$/'
}

assert_no_leftovers () {
    local procs; procs=$(leftover_processes)
    if [ -n "$procs" ]; then
        echo "leftover processes:"; echo "$procs"; return 1
    fi
    if [ -n "$(ls -A "$NOOK_STORE/tmp" 2>/dev/null)" ]; then
        echo "leftover work dirs:"; ls -la "$NOOK_STORE/tmp"; return 1
    fi
}

# A fresh store for tests that must start empty.
use_empty_store () {
    export XDG_DATA_HOME="$BATS_TEST_TMPDIR/data"
    export NOOK_STORE="$XDG_DATA_HOME/nook/storage"
    mkdir -p "$XDG_DATA_HOME"
}

assert_status () {
    if [ "$status" -ne "$1" ]; then
        echo "expected exit status $1, got $status; output:"; echo "$output"; return 1
    fi
}

assert_output_contains () {
    if [[ "$output" != *"$1"* ]]; then
        echo "expected output to contain: $1"; echo "output was:"; echo "$output"; return 1
    fi
}

assert_output_equals () {
    if [ "$output" != "$1" ]; then
        echo "expected output: $1"; echo "output was:"; echo "$output"; return 1
    fi
}
