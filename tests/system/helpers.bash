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

# Processes of this test's store that must not outlive a container
# (matched on their command line, which names the store: other nook
# sessions of the same user may run meanwhile; zombies only wait for an
# init that reaps lazily and hold nothing).
leftover_processes () {
    ps -u "$(id -u)" -o pid=,stat=,comm=,args= \
        | awk -v s="$XDG_DATA_HOME/" '$2 !~ /^Z/ && $3 ~ /^(fuse-overlayfs|nook-monitor|nook-runtime|slirp4netns)$/ && index($0, s)'
}

assert_no_leftovers () {
    # A monitor answers nook first and then finishes its bookkeeping
    # (the runtime's delete, the removed record's purge): give processes
    # and work dirs on their way out time on a loaded machine.
    local i procs
    for i in $(seq 200); do
        procs=$(leftover_processes)
        [ -z "$procs" ] && [ -z "$(ls -A "$NOOK_STORE/tmp" 2>/dev/null)" ] && return 0
        sleep 0.05
    done
    if [ -n "$procs" ]; then
        echo "leftover processes:"; echo "$procs"; return 1
    fi
    echo "leftover work dirs:"; ls -la "$NOOK_STORE/tmp"; return 1
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

# ---- Helpers for the 0NN-*.bats system tests ----------------------------

# The first subordinate uid of the test user (from /etc/subuid).
subuid_start () {
    local user; user=$(id -un)
    awk -F: -v u="$user" -v n="$(id -u)" '($1 == u || $1 == n) { print $2; exit }' /etc/subuid
}

# The full ID of the container called NAME (empty when there is none).
container_id_of () {
    "$NOOK" ps -a --no-trunc | awk -v n="$1" 'NR > 1 && $NF == n { print $1 }'
}

# Remove every container of the current store, one nook rm per container
# (independent of rm -a, which has tests of its own).
remove_all_containers () {
    local id
    for id in $("$NOOK" ps -a -q --no-trunc 2>/dev/null); do
        "$NOOK" rm -f "$id" >/dev/null 2>&1 || true
    done
}

# Kill (SIGKILL) our processes whose command line contains TOKEN: test
# containers are started with a unique token so that nothing else is hit.
kill_token_processes () {
    local pid
    for pid in $(pgrep -u "$(id -u)" -f -- "$1"); do
        kill -9 "$pid" 2>/dev/null || true
    done
}

# Wait (polling, at most SECONDS, default 10) until FILE contains TEXT.
wait_for_text () {
    local file=$1 text=$2 tries=$(( ${3:-10} * 20 ))
    while [ "$tries" -gt 0 ]; do
        grep -qF -- "$text" "$file" 2>/dev/null && return 0
        sleep 0.05; tries=$((tries - 1))
    done
    echo "timed out waiting for '$text' in $file; it holds:"; cat "$file" 2>/dev/null
    return 1
}

# Wait (polling, at most SECONDS, default 10) until FILE has COUNT lines
# that contain TEXT (and not more).
wait_for_count () {
    local file=$1 text=$2 want=$3 tries=$(( ${4:-10} * 20 )) got=0
    while [ "$tries" -gt 0 ]; do
        got=$(grep -cF -- "$text" "$file" 2>/dev/null) || true
        [ "$got" -ge "$want" ] && break
        sleep 0.05; tries=$((tries - 1))
    done
    [ "$got" = "$want" ] && return 0
    echo "$file has $got lines with '$text', not $want; it holds:"; cat "$file" 2>/dev/null
    return 1
}

# Wait (polling, at most 10 s) until `nook logs NAME` has COUNT (default
# 1) lines that are TEXT.
wait_log () {
    local name=$1 text=$2 want=${3:-1} i got=0
    for i in $(seq 200); do
        got=$("$NOOK" logs "$name" 2>/dev/null | grep -cxF -- "$text") || true
        [ "$got" -ge "$want" ] && return 0
        sleep 0.05
    done
    echo "$name logged '$text' $got times, not $want"; return 1
}

# Wait (at most 10 s) until process PID's command line, its arguments
# joined by spaces (with one after the last), is CMDLINE: a process that
# is running may not have made its last exec yet (sh -c 'exec sleep 1',
# or a child forked for `sleep 1 &`).
wait_cmdline () {
    local i got=
    for i in $(seq 200); do
        got=$(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null) || true
        [ "$got" = "$2" ] && return 0
        sleep 0.05
    done
    echo "process $1 runs '$got', not '$2'"; return 1
}

# Wait (at most SECONDS, default 10) for the background process PID to end
# and set $wait_status to its exit status.  Fails (and kills it) on timeout.
wait_for_exit () {
    local pid=$1 tries=$(( ${2:-10} * 20 ))
    while kill -0 "$pid" 2>/dev/null && [ "$tries" -gt 0 ]; do
        sleep 0.05; tries=$((tries - 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "process $pid still running after ${2:-10}s"; kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null; return 1
    fi
    wait_status=0
    wait "$pid" || wait_status=$?
}

# The stderr (after run --separate-stderr) or output is a single line that
# starts with "Error: ".
assert_one_error_line () {
    local text=${1-$stderr}
    if [ "$(printf '%s\n' "$text" | grep -c .)" -ne 1 ] || [[ "$text" != "Error: "* ]]; then
        echo "expected one line starting with 'Error: ', got:"; echo "$text"; return 1
    fi
}

# Check that a table is laid out the way Podman lays it out (Go's
# tabwriter, minwidth 12, padding 2): each column but the last is as wide as
# its widest cell (header included) plus 2, and at least 12; the last
# column is not padded.  COLUMNS are the header names, in order.
#   assert_table_layout "$output" "REPOSITORY" "TAG" "IMAGE ID" ...
assert_table_layout () {
    local table=$1; shift
    local header=${table%%$'\n'*} names=("$@") starts=()
    local name prefix i line cell width max expected n=$#
    for name in "${names[@]}"; do
        prefix=${header%%"$name"*}
        if [ "$prefix" = "$header" ]; then
            echo "the header has no column $name: '$header'"; return 1
        fi
        starts+=("${#prefix}")
    done
    if [ "${starts[0]}" -ne 0 ]; then
        echo "the first column does not start the line: '$header'"; return 1
    fi
    for ((i = 0; i < n - 1; i++)); do
        width=$(( starts[i + 1] - starts[i] ))
        if [ "$width" -le 0 ]; then echo "columns out of order in '$header'"; return 1; fi
        max=0
        while IFS= read -r line; do
            cell=${line:${starts[i]}:$width}
            if [ "$i" -gt 0 ] && [ "${line:$(( starts[i] - 2 )):2}" != "  " ]; then
                echo "column ${names[i]} is not preceded by two blanks in:"; echo "$line"; return 1
            fi
            if [ "${cell:0:1}" = " " ] && [ -n "${cell// /}" ]; then
                echo "a cell of column ${names[i]} does not start at the column: '$line'"; return 1
            fi
            cell=${cell%"${cell##*[! ]}"}
            [ "${#cell}" -gt "$max" ] && max=${#cell}
        done <<< "$table"
        expected=$(( max + 2 > 12 ? max + 2 : 12 ))
        if [ "$width" -ne "$expected" ]; then
            echo "column ${names[i]} is $width wide; expected $expected (widest cell $max + 2, at least 12):"
            echo "$table"; return 1
        fi
    done
    if grep -q ' $' <<< "$table"; then
        echo "a line ends with blanks (the last column must not be padded):"; echo "$table" | cat -A
        return 1
    fi
}

# From teardown: remove a store made by use_empty_store (it holds files of
# subordinate ids, which bats itself cannot delete) and its containers.
remove_test_store () {
    if [[ "${XDG_DATA_HOME:-}" == "$BATS_TEST_TMPDIR"/* ]]; then
        remove_all_containers
        "$NOOK" unshare rm -rf "$XDG_DATA_HOME" 2>/dev/null || true
    fi
}



# The container's state (.State.Status).
state_of () { "$NOOK" inspect --format '{{.State.Status}}' "$1" 2>/dev/null; }

# Wait (polling, at most SECONDS, default 10) until NAME is in STATE.
wait_state () {
    local name=$1 want=$2 tries=$(( ${3:-10} * 20 )) got
    while [ "$tries" -gt 0 ]; do
        got=$(state_of "$name")
        [ "$got" = "$want" ] && return 0
        sleep 0.05; tries=$((tries - 1))
    done
    echo "container $name is '$got', not '$want'"; "$NOOK" ps -a; return 1
}
