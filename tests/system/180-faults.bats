#!/usr/bin/env bats
# Liveness and faults: the CLI killed during run -d, the monitor killed
# with SIGKILL, and 16 parallel loops of run -d + exec + rm -f; each must
# leave nook's state readable and nothing behind (process, fuse mount,
# monitor socket, runtime state).

load helpers

bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () { require_rootless; }
teardown () {
    [ -z "${TOKEN:-}" ] || kill_token_processes "$TOKEN"
    remove_all_containers
    assert_no_leftovers
}

new_token () {
    TOKEN=$(( 800000 + (RANDOM << 4) + (BATS_TEST_NUMBER % 16) ))
}

runroot () { echo "${XDG_RUNTIME_DIR:?}/nook"; }

# Nothing of container ID is left: no entry under the runtime dir (monitor
# socket, runtime state), no mount naming it, no process of its store.
assert_container_gone () {
    local id=$1 i left
    for i in $(seq 200); do
        left=$(find "$(runroot)" -maxdepth 2 -name "*$id*" 2>/dev/null; grep -F "$id" /proc/self/mountinfo; true)
        [ -z "$left" ] && break
        sleep 0.05
    done
    [ -z "$left" ] || { echo "left behind by $id:"; echo "$left"; return 1; }
    [ ! -e "$NOOK_STORE/containers/$id" ] || { echo "$NOOK_STORE/containers/$id is still there"; return 1; }
}

# `nook ps -a` answers within SECONDS (default 10).
ps_answers () {
    run -0 timeout "${1:-10}" "$NOOK" ps -a
}

@test "the CLI killed (SIGKILL) during run -d: ps -a shows what was made, rm -f removes it" {
    new_token
    local d made=0 ids id
    for d in 0.01 0.03 0.05 0.1 0.2 0.4; do
        "$NOOK" run -d --name "cut-${d/./}" busybox sleep "$TOKEN" > /dev/null 2>&1 &
        local pid=$!
        sleep "$d"
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        ps_answers
        echo "$output" | grep -q "cut-${d/./}" && made=$((made + 1))
    done
    echo "$made of 6 containers recorded before the kill"
    ids=$("$NOOK" ps -a -q --no-trunc)
    run -0 timeout 30 "$NOOK" rm -f -t 0 $ids
    ps_answers
    [ "$(echo "$output" | wc -l)" -eq 1 ] || { echo "$output"; false; }
    for id in $ids; do assert_container_gone "$id"; done
    assert_no_leftovers
    # No container process either.
    [ -z "$(pgrep -u "$(id -u)" -f "sleep $TOKEN")" ]
    # The store still works.
    run -0 nook run --rm busybox echo fine
    assert_output_equals "fine"
}

# A PATH with nook's helpers but not newuidmap and newgidmap; with FAKE,
# mappers that fail, as with a range the system does not grant.
path_without_mappers () {
    local bin=$BATS_TEST_TMPDIR/bin${1:+-$1} t
    mkdir -p "$bin"
    for t in fuse-overlayfs fusermount3 fusermount slirp4netns; do
        [ -x "/usr/bin/$t" ] && ln -sf "/usr/bin/$t" "$bin/$t"
    done
    if [ -n "${1:-}" ]; then
        for t in newuidmap newgidmap; do
            printf '#!/bin/sh\necho "%s: write to uid_map failed: Operation not permitted" >&2\nexit 1\n' "$t" > "$bin/$t"
            chmod 755 "$bin/$t"
        done
    fi
    echo "$bin"
}

@test "a user namespace that cannot be mapped: run fails with why, and leaves nothing; start leaves the container created" {
    local bin fake; bin=$(path_without_mappers); fake=$(path_without_mappers fake)
    run -125 env PATH="$bin" "$NOOK" run -d --name nomap busybox sleep 1
    assert_output_contains "newuidmap"
    assert_output_contains "install the Debian package uidmap"
    # Mappers that fail: nook maps the monitor's namespace while it writes
    # the record, and the record goes again, its name and anonymous volume
    # too, no monitor left.
    run -125 env PATH="$fake" "$NOOK" run -d --name nomap -v /data busybox sleep 1
    assert_output_contains "map ids for user \`$(id -un)\`"
    assert_output_contains "write to uid_map failed: Operation not permitted"
    run -0 nook ps -a -q
    assert_output_equals ""
    assert_no_leftovers
    [ -z "$(ls -A "$NOOK_STORE/containers" | grep -vxE 'names|names\.lock')" ]
    [ -z "$(ls -A "$NOOK_STORE/containers/names" 2>/dev/null)" ]
    run -0 nook volume ls -q    # its anonymous volume went too
    assert_output_equals ""
    run -0 nook run -d --name nomap busybox true
    run -0 nook rm -f nomap
    # start of a created container: it stays created.
    run -0 nook create --name nomap2 busybox true
    run -125 env PATH="$fake" "$NOOK" start nomap2
    assert_output_contains "write to uid_map failed"
    run -0 nook ps -a --format '{{.Names}} {{.Status}}'
    assert_output_equals "nomap2 Created"
    assert_no_leftovers
    run -0 nook start -a nomap2
}

@test "the CLI killed once the container runs: the container keeps running under its monitor" {
    new_token
    "$NOOK" run -d --name kept busybox sleep "$TOKEN" > /dev/null 2>&1 &
    local pid=$! i
    for i in $(seq 200); do
        [ "$("$NOOK" inspect --format '{{.State.Status}}' kept 2>/dev/null)" = running ] && break
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    sleep 0.3
    run -0 nook inspect --format '{{.State.Status}}' kept
    assert_output_equals "running"
    run -0 nook exec kept echo alive
    assert_output_equals "alive"
    local id; id=$(container_id_of kept)
    run -0 nook rm -f -t 0 kept
    assert_container_gone "$id"
}

@test "the monitor killed with SIGKILL: ps shows the container exited, rm -f cleans everything" {
    new_token
    run -0 nook run -d --name orphan busybox sleep "$TOKEN"
    local id=$output monpid pid
    monpid=$("$NOOK" inspect --format '{{.State.ConmonPid}}' orphan)
    pid=$("$NOOK" inspect --format '{{.State.Pid}}' orphan)
    [ "$monpid" -gt 1 ] && kill -0 "$monpid"
    [ -S "$(runroot)/monitor/$id" ] || { ls -la "$(runroot)/monitor" | grep "$id"; false; }
    kill -9 "$monpid"
    local i; for i in $(seq 200); do kill -0 "$monpid" 2>/dev/null || break; sleep 0.05; done
    # ps answers at once and does not call it running.
    ps_answers 5
    local row; row=$(echo "$output" | awk '$NF == "orphan"')
    [[ "$row" == *"Exited ("* ]] || { echo "ps: $output"; false; }
    run -0 timeout 5 "$NOOK" ps
    [[ "$output" != *orphan* ]] || { echo "ps: $output"; false; }
    run -0 timeout 5 "$NOOK" inspect --format '{{.State.Status}} {{.State.Running}}' orphan
    assert_output_equals "exited false"
    # Commands that talk to the monitor fail, not hang.
    run timeout 10 "$NOOK" stop -t 0 orphan
    [ "$status" -ne 124 ] || { echo "stop hung"; false; }
    run timeout 10 "$NOOK" attach --no-stdin orphan
    [ "$status" -ne 124 ] || { echo "attach hung"; false; }
    run -0 timeout 30 "$NOOK" rm -f -t 0 orphan
    assert_output_equals "orphan"
    assert_container_gone "$id"
    # The container's processes are gone too.
    for i in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    ! kill -0 "$pid" 2>/dev/null || { echo "container pid $pid survives"; ps -o pid,args -p "$pid"; false; }
    [ -z "$(pgrep -u "$(id -u)" -f "sleep $TOKEN")" ]
    [ ! -e "$(runroot)/monitor/$id" ]
    assert_no_leftovers
}

@test "the monitor killed with SIGKILL: a new container of the same name can be run after rm -f" {
    run -0 nook run -d --name same busybox sleep 100
    kill -9 "$("$NOOK" inspect --format '{{.State.ConmonPid}}' same)"
    run -0 timeout 30 "$NOOK" rm -f -t 0 same
    run -0 nook run -d --name same busybox sleep 100
    run -0 nook exec same echo again
    assert_output_equals "again"
}

@test "16 parallel loops of run -d + exec + rm -f -t 0, 5 each: all succeed, nothing leaked" {
    local dir=$BATS_TEST_TMPDIR/par j
    mkdir -p "$dir"
    for j in $(seq 16); do
        (
            for i in 1 2 3 4 5; do
                name=p$j-$i
                id=$("$NOOK" run -d --name "$name" busybox sleep 300 2>>"$dir/$j.err") \
                    || { echo "run $name failed" >> "$dir/$j.err"; continue; }
                echo "$id" >> "$dir/ids"
                out=$("$NOOK" exec "$name" echo "in-$name" 2>>"$dir/$j.err")
                [ "$out" = "in-$name" ] || echo "exec $name said '$out'" >> "$dir/$j.err"
                out=$("$NOOK" rm -f -t 0 "$name" 2>>"$dir/$j.err")
                [ "$out" = "$name" ] || echo "rm $name said '$out'" >> "$dir/$j.err"
            done
        ) &
    done
    local t0=$SECONDS
    wait
    echo "16 x 5 in $(( SECONDS - t0 )) s"
    local errs; errs=$(cat "$dir"/*.err 2>/dev/null)
    [ -z "$errs" ] || { echo "errors:"; echo "$errs"; false; }
    [ "$(wc -l < "$dir/ids")" -eq 80 ]
    ps_answers
    [ "$(echo "$output" | wc -l)" -eq 1 ] || { echo "left: $output"; false; }
    local id
    for id in $(cat "$dir/ids"); do assert_container_gone "$id"; done
    assert_no_leftovers
    # The state is sound: names free, a container runs and is removed.
    run -0 nook run -d --name p1-1 busybox sleep 100
    run -0 nook rm -f -t 0 p1-1
}

@test "parallel rm -f of the same running container: one removes it, the others fail cleanly" {
    run -0 nook run -d --name race busybox sleep 100
    local id=$output dir=$BATS_TEST_TMPDIR/race j
    mkdir -p "$dir"
    for j in 1 2 3 4; do
        ( "$NOOK" rm -f -t 0 race > "$dir/$j.out" 2>&1; echo $? > "$dir/$j.rc" ) &
    done
    wait
    cat "$dir"/*.out
    # Podman: rm -f of a missing container is not an error.
    [ "$(cat "$dir"/*.rc | sort -u)" = 0 ]
    [ "$(grep -c . "$dir"/*.out | awk -F: '{ s += $2 } END { print s }')" -ge 1 ]
    ! grep -q "Error" "$dir"/*.out
    assert_container_gone "$id"
}
