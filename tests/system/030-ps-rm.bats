#!/usr/bin/env bats
# nook ps and nook rm.

load helpers

bats_require_minimum_version 1.5.0

PS_HEADER_RE='^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$'
PS_COLUMNS=("CONTAINER ID" IMAGE COMMAND CREATED STATUS PORTS NAMES)

setup_file () { nook_setup_file; }
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () {
    require_rootless
    remove_all_containers
}
teardown () {
    [ -z "${TOKEN:-}" ] || kill_token_processes "$TOKEN"
    remove_all_containers
}

new_token () {
    TOKEN=$(( 700000 + (RANDOM << 4) + (BATS_TEST_NUMBER % 16) ))
}

# Start `nook run --name NAME busybox sh -c SCRIPT` in the background
# (sets $RUN_PID) and wait until ps shows it running.
start_running () {
    local name=$1 script=$2 tries=200
    "$NOOK" run --name "$name" busybox sh -c "$script" > "$BATS_TEST_TMPDIR/run.out" 2>&1 3>&- &
    RUN_PID=$!
    while [ "$tries" -gt 0 ]; do
        "$NOOK" ps | awk -v n="$name" '$NF == n' | grep -q . && return 0
        kill -0 "$RUN_PID" 2>/dev/null || break
        sleep 0.05; tries=$((tries - 1))
    done
    echo "container $name did not show as running:"; cat "$BATS_TEST_TMPDIR/run.out"; "$NOOK" ps -a
    return 1
}

# ---- ps --------------------------------------------------------------------------

@test "ps with nothing running prints only Podman's header" {
    run nook run --name exited1 busybox true
    assert_status 0
    run nook ps
    assert_status 0
    assert_output_equals "CONTAINER ID  IMAGE       COMMAND     CREATED     STATUS      PORTS       NAMES"
}

@test "ps -a with no containers prints only the header" {
    run nook ps -a
    assert_status 0
    assert_output_equals "CONTAINER ID  IMAGE       COMMAND     CREATED     STATUS      PORTS       NAMES"
}

@test "ps shows running containers only, ps -a all of them" {
    new_token
    run nook run --name exited1 busybox true
    assert_status 0
    start_running running1 "sleep $TOKEN"
    run nook ps
    assert_status 0
    [ "$(echo "$output" | wc -l)" -eq 2 ]
    local row; row=$(echo "$output" | sed -n 2p)
    # COMMAND is "sh -c sleep TOKEN", cut at 17 characters.
    [[ "$row" =~ ^[0-9a-f]{12}\ +localhost/busybox:latest\ +sh\ -c\ sleep\ [0-9]+(\.\.\.)?\ +.+\ ago\ +Up\ .+\ +running1$ ]] \
        || { echo "row: $row"; false; }
    assert_table_layout "$output" "${PS_COLUMNS[@]}"
    run nook ps -a
    assert_status 0
    echo "$output" | awk '$NF == "running1"' | grep -q '  Up '
    echo "$output" | awk '$NF == "exited1"' | grep -qE '  Exited \(0\) '
    kill -9 "$(pgrep -u "$(id -u)" -f "^sleep $TOKEN\$")"
    wait_for_exit "$RUN_PID" 20
    [ "$wait_status" -eq 137 ]
    run nook ps
    assert_status 0
    [ "$(echo "$output" | wc -l)" -eq 1 ]
    assert_no_leftovers
}

@test "ps -a shows the image, command, times, status and name in Podman's layout" {
    run nook run --name three busybox sh -c 'exit 3'
    assert_status 3
    run nook run --name ok busybox true
    assert_status 0
    run nook ps -a
    assert_status 0
    [[ "$(echo "$output" | head -1)" =~ $PS_HEADER_RE ]]
    [ "$(echo "$output" | wc -l)" -eq 3 ]
    local row; row=$(echo "$output" | awk '$NF == "three"')
    local ago='(Less than a second|[0-9]+ seconds?|About a minute) ago'
    [[ "$row" =~ ^[0-9a-f]{12}\ +localhost/busybox:latest\ +sh\ -c\ exit\ 3\ +$ago\ +Exited\ \(3\)\ $ago\ +three$ ]] \
        || { echo "row: $row"; false; }
    assert_table_layout "$output" "${PS_COLUMNS[@]}"
}

@test "ps truncates COMMAND to 17 characters and ...; --no-trunc shows it whole" {
    run nook run --name longcmd busybox sh -c 'echo a very long command line here'
    assert_status 0
    run nook ps -a
    assert_status 0
    echo "$output" | awk '$NF == "longcmd"' | grep -q '  sh -c echo a very\.\.\.  '
    run nook ps -a --no-trunc
    assert_status 0
    local row; row=$(echo "$output" | awk '$NF == "longcmd"')
    [[ "$row" == *"  sh -c echo a very long command line here  "* ]] || { echo "row: $row"; false; }
    [[ "$row" =~ ^[0-9a-f]{64}\  ]]
    assert_table_layout "$output" "${PS_COLUMNS[@]}"
}

@test "ps -q prints one ID per container" {
    nook run --name q1 busybox true
    nook run --name q2 busybox true
    local id1 id2
    id1=$(container_id_of q1)
    id2=$(container_id_of q2)
    run nook ps -a -q
    assert_status 0
    [ "$(echo "$output" | wc -l)" -eq 2 ]
    echo "$output" | grep -qx "${id1:0:12}"
    echo "$output" | grep -qx "${id2:0:12}"
    run nook ps -a -q --no-trunc
    assert_status 0
    echo "$output" | grep -qx "$id1"
    echo "$output" | grep -qx "$id2"
    # Nothing is running.
    run nook ps -q
    assert_status 0
    assert_output_equals ""
}

@test "ps -n 1 and ps -l show only the latest container, in any state" {
    nook run --name first busybox true
    nook run --name second busybox true
    # -n counts every container, as Podman's --last: no -a needed.
    run nook ps -n 1
    assert_status 0
    [ "$(echo "$output" | wc -l)" -eq 2 ]
    [ "$(echo "$output" | sed -n 2p | awk '{print $NF}')" = second ]
    run nook ps -a -n 1
    assert_status 0
    [ "$(echo "$output" | wc -l)" -eq 2 ]
    [ "$(echo "$output" | sed -n 2p | awk '{print $NF}')" = second ]
    run nook ps -l
    assert_status 0
    [ "$(echo "$output" | wc -l)" -eq 2 ]
    [ "$(echo "$output" | sed -n 2p | awk '{print $NF}')" = second ]
    run nook ps -a -n 2
    assert_status 0
    [ "$(echo "$output" | wc -l)" -eq 3 ]
}

@test "container ls is ps" {
    nook run --name listed busybox true
    run nook ps -a
    assert_status 0
    local ps_out=$output
    run nook container ls -a
    assert_status 0
    assert_output_equals "$ps_out"
}

# ---- rm ---------------------------------------------------------------------------

@test "rm NAME removes the container and prints its name" {
    nook run --name byname busybox true
    run nook rm byname
    assert_status 0
    assert_output_equals "byname"
    [ -z "$(container_id_of byname)" ]
    [ -z "$(nook ps -a -q)" ]
}

@test "rm ID removes the container and prints the ID" {
    nook run --name byid busybox true
    local id; id=$(container_id_of byid)
    run nook rm "$id"
    assert_status 0
    assert_output_equals "$id"
    [ -z "$(nook ps -a -q)" ]
}

@test "rm takes a unique ID prefix" {
    nook run --name byprefix busybox true
    local id; id=$(container_id_of byprefix)
    run nook rm "${id:0:7}"
    assert_status 0
    assert_output_equals "${id:0:7}"
    [ -z "$(nook ps -a -q)" ]
}

@test "rm of an unknown container exits 1 and says so" {
    run --separate-stderr nook rm nosuchcontainer
    assert_status 1
    [ "$stderr" = 'Error: no container with name or ID "nosuchcontainer" found: no such container' ] \
        || { echo "stderr: $stderr"; false; }
    [ -z "$output" ]
}

@test "rm of several, one unknown, removes the others and exits 1" {
    nook run --name keep1 busybox true
    nook run --name keep2 busybox true
    run --separate-stderr nook rm keep1 nosuchcontainer keep2
    assert_status 1
    echo "$output" | grep -qx keep1
    echo "$output" | grep -qx keep2
    [ "$stderr" = 'Error: no container with name or ID "nosuchcontainer" found: no such container' ] \
        || { echo "stderr: $stderr"; false; }
    [ -z "$(nook ps -a -q)" ]
}

@test "rm of several containers by ID removes them all" {
    nook run --name m1 busybox true
    nook run --name m2 busybox true
    nook run --name m3 busybox true
    local ids; ids=$(nook ps -a -q)
    run nook rm $ids
    assert_status 0
    [ "$(echo "$output" | wc -l)" -eq 3 ]
    [ -z "$(nook ps -a -q)" ]
}

@test "rm -a removes every container and prints their IDs" {
    nook run --name all1 busybox true
    run nook run --name all2 busybox sh -c 'exit 2'
    assert_status 2
    nook run --name all3 busybox true
    local ids; ids=$(nook ps -a -q --no-trunc | sort)
    [ "$(echo "$ids" | wc -l)" -eq 3 ]
    run --separate-stderr nook rm -a
    [ -z "$stderr" ] || { echo "stderr: $stderr"; false; }
    assert_status 0
    [ "$(echo "$output" | sort)" = "$ids" ] || { echo "printed: $output"; false; }
    [ -z "$(nook ps -a -q)" ]
}

@test "rm -a with no containers succeeds quietly" {
    run nook rm -a
    assert_status 0
    assert_output_equals ""
}

@test "rm without a container is an error" {
    run --separate-stderr nook rm
    assert_status 125
    [[ "$(echo "$stderr" | head -1)" == "Error: "* ]]
}

@test "rm deletes the container's directory, upper layer, name and runtime state" {
    nook run --name wiped busybox sh -c 'echo data > /written-file'
    local id; id=$(container_id_of wiped)
    [ -n "$id" ]
    [ -d "$NOOK_STORE/containers/$id" ]
    # The container's write went to its own upper layer.
    [ -n "$(find "$NOOK_STORE/containers/$id" -name written-file 2>/dev/null)" ]
    run nook rm wiped
    assert_status 0
    [ ! -e "$NOOK_STORE/containers/$id" ]
    [ -z "$(find "$NOOK_STORE" -name "*$id*" 2>/dev/null)" ]
    [ -z "$(find "$NOOK_STORE" -name written-file 2>/dev/null)" ]
    [ ! -e "$NOOK_STORE/containers/names/wiped" ]
    [ -z "$(find "${XDG_RUNTIME_DIR:-/nonexistent}/nook" -name "*$id*" 2>/dev/null)" ]
    assert_no_leftovers
}

@test "a name can be used again after rm" {
    nook run --name reused busybox true
    local old; old=$(container_id_of reused)
    nook rm reused
    run nook run --name reused busybox echo again
    assert_status 0
    assert_output_equals "again"
    local new; new=$(container_id_of reused)
    [ -n "$new" ] && [ "$new" != "$old" ]
}

@test "container rm is rm" {
    nook run --name aliased busybox true
    run nook container rm aliased
    assert_status 0
    assert_output_equals "aliased"
    [ -z "$(nook ps -a -q)" ]
}

@test "rm of a running container is refused without -f" {
    new_token
    start_running busy "sleep $TOKEN"
    run --separate-stderr nook rm busy
    assert_status 2
    [[ "$stderr" == "Error: "*"running"* ]] || { echo "stderr: $stderr"; false; }
    # Still running.
    nook ps | awk '$NF == "busy"' | grep -q .
    [ -n "$(pgrep -u "$(id -u)" -f "^sleep $TOKEN\$")" ]
    kill -9 "$(pgrep -u "$(id -u)" -f "^sleep $TOKEN\$")"
    wait_for_exit "$RUN_PID" 20
}

@test "rm -f stops a running container and leaves none of its processes" {
    new_token
    # pid 1 exits on SIGTERM, so a stop that starts with SIGTERM is quick.
    start_running forced "trap 'exit 0' TERM; echo ready; sleep $TOKEN & wait"
    local id; id=$(container_id_of forced)
    run timeout 30 "$NOOK" rm -f forced
    assert_status 0
    assert_output_equals "forced"
    # The foreground nook run returns.
    wait_for_exit "$RUN_PID" 20
    [ -z "$(nook ps -a -q)" ]
    [ ! -e "$NOOK_STORE/containers/$id" ]
    local procs; procs=$(pgrep -u "$(id -u)" -a -f "sleep $TOKEN" || true)
    [ -z "$procs" ] || { echo "the container's processes survived rm -f:"; echo "$procs"; false; }
    assert_no_leftovers
}
