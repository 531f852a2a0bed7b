#!/usr/bin/env bats
# Logs: the k8s-file lines nook-monitor writes, nook logs and its flags,
# the none and passthrough drivers, --log-opt path=/max-size=/max-file=
# with rotation by renaming, and logs -f (new output, the container's end,
# rotation).

load helpers

bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () { require_rootless; }
teardown () {
    remove_all_containers
    assert_no_leftovers
}

# One k8s-file record: RFC3339Nano time, stream, F or P, the message.
K8S_LINE_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}(Z|[+-][0-9]{2}:[0-9]{2}) (stdout|stderr) (F|P) (.*)$'

log_path () { "$NOOK" inspect --format '{{.HostConfig.LogConfig.Path}}' "$1"; }

# The time of a record (its first field) in nanoseconds since the epoch.
record_ns () { date -d "$1" +%s%N; }

# Nanoseconds since the epoch as RFC3339Nano in UTC.
ns_rfc3339 () {
    printf '%s.%09dZ' "$(date -u -d "@$(( $1 / 1000000000 ))" +%Y-%m-%dT%H:%M:%S)" $(( $1 % 1000000000 ))
}

# Wait until container NAME has exited (at most 10 s).
wait_exited () {
    local tries=200
    while [ "$tries" -gt 0 ]; do
        [ "$("$NOOK" inspect --format '{{.State.Status}}' "$1")" = exited ] && return 0
        sleep 0.05; tries=$((tries - 1))
    done
    echo "$1 did not exit"; "$NOOK" ps -a; return 1
}

# The messages of k8s-file FILEs, P records joined to what follows.
messages_of () {
    cat "$@" | awk '{ sub(/^[^ ]+ [^ ]+ /, ""); t = substr($0, 1, 1); m = substr($0, 3);
                      buf = buf m; if (t == "F") { print buf; buf = "" } }'
}

# ---- the file on disk -----------------------------------------------------

@test "k8s-file: each record is 'RFC3339Nano stdout|stderr F|P message', a partial line marked P" {
    run -0 nook run --name k busybox sh -c \
        'echo out; sleep 0.3; echo err >&2; sleep 0.3; printf partial; sleep 1; echo " end"; sleep 0.3; echo "  spaced  "'
    assert_output_contains "out"
    local f; f=$(log_path k)
    [ -f "$f" ]
    run -0 cat "$f"
    local -a lines; mapfile -t lines <<< "$output"
    [ "${#lines[@]}" -eq 5 ] || { echo "$output"; false; }
    local i prev=0 ns
    for i in "${!lines[@]}"; do
        [[ "${lines[i]}" =~ $K8S_LINE_RE ]] || { echo "not a k8s-file record: '${lines[i]}'"; false; }
        ns=$(record_ns "${lines[i]%% *}")
        [ "$ns" -ge "$prev" ] || { echo "time goes back at: ${lines[i]}"; false; }
        prev=$ns
    done
    # (the gaps between writes order the two pipes, even under ASan)
    [[ "${lines[0]}" == *" stdout F out" ]] || { echo "$output"; false; }
    [[ "${lines[1]}" == *" stderr F err" ]] || { echo "$output"; false; }
    [[ "${lines[2]}" == *" stdout P partial" ]]
    [[ "${lines[3]}" == *" stdout F  end" ]]
    [[ "${lines[4]}" == *" stdout F   spaced  " ]]
    # The time is close to now (not an epoch or local time mistaken for UTC).
    [ $(( $(date +%s) - prev / 1000000000 )) -lt 60 ]
}

@test "logs: stdout to stdout, stderr to stderr, partial lines joined" {
    run -0 nook run --name k busybox sh -c \
        'echo out1; sleep 0.1; echo err1 >&2; sleep 0.1; printf "par"; sleep 0.3; echo tial; echo out2'
    run --separate-stderr -0 nook logs k
    assert_output_equals "out1
partial
out2"
    [ "$stderr" = "err1" ]
    run -0 nook container logs k
    assert_output_equals "out1
err1
partial
out2"
}

@test "logs of a detached container while it runs, and an empty log" {
    run -0 nook run -d --name live busybox sh -c 'echo early; exec sleep 100'
    local i; for i in $(seq 200); do [ -n "$("$NOOK" logs live)" ] && break; sleep 0.05; done
    run -0 nook logs live
    assert_output_equals "early"
    run -0 nook run --name quiet busybox true
    run -0 nook logs quiet
    assert_output_equals ""
}

@test "logs --tail N: the last N lines" {
    run -0 nook run --name t busybox seq 1 10
    run -0 nook logs --tail 3 t
    assert_output_equals "8
9
10"
    run -0 nook logs --tail=1 t
    assert_output_equals "10"
    run -0 nook logs --tail 0 t
    assert_output_equals ""
    run -0 nook logs --tail 100 t
    [ "$(echo "$output" | wc -l)" -eq 10 ]
    run -0 nook logs --tail -1 t
    [ "$(echo "$output" | wc -l)" -eq 10 ]
}

@test "logs --since and --until: timestamps, durations" {
    run -0 nook run --name s busybox sh -c 'echo first; sleep 0.6; echo second; sleep 0.6; echo third'
    local f t1 t2 t3 mid12 mid23
    f=$(log_path s)
    t1=$(record_ns "$(sed -n 1p "$f" | cut -d' ' -f1)")
    t2=$(record_ns "$(sed -n 2p "$f" | cut -d' ' -f1)")
    t3=$(record_ns "$(sed -n 3p "$f" | cut -d' ' -f1)")
    mid12=$(ns_rfc3339 $(( (t1 + t2) / 2 )))
    mid23=$(ns_rfc3339 $(( (t2 + t3) / 2 )))
    run -0 nook logs --since "$mid12" s
    assert_output_equals "second
third"
    run -0 nook logs --until "$mid12" s
    assert_output_equals "first"
    run -0 nook logs --since "$mid12" --until "$mid23" s
    assert_output_equals "second"
    run -0 nook logs --since 10m s
    [ "$(echo "$output" | wc -l)" -eq 3 ]
    # A Unix time in the future: nothing since then.
    run -0 nook logs --since "$(( $(date +%s) + 3600 ))" s
    assert_output_equals ""
    run -125 nook logs --since not-a-time s
    assert_one_error_line "$output"
}

@test "logs -t: each line led by its record's RFC3339Nano time" {
    run -0 nook run --name ts busybox sh -c 'echo a; echo b'
    local f; f=$(log_path ts)
    run -0 nook logs -t ts
    [ "$(echo "$output" | wc -l)" -eq 2 ]
    local line n=0
    while IFS= read -r line; do
        n=$((n + 1))
        [[ "$line" =~ ^([^ ]+)\ (a|b)$ ]] || { echo "line: $line"; false; }
        [ "$(record_ns "${BASH_REMATCH[1]}")" = "$(record_ns "$(sed -n "${n}p" "$f" | cut -d' ' -f1)")" ]
    done <<< "$output"
    [[ "$output" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})\ a ]]
}

@test "logs of several containers: an ID prefix, or the name with -n" {
    run -0 nook run --name one busybox sh -c 'echo l1; echo l2'
    run -0 nook run --name two busybox echo m1
    local id1 id2
    id1=$(container_id_of one); id2=$(container_id_of two)
    run -0 nook logs -n one two
    [ "$(echo "$output" | sort)" = "$(printf '%s\n' "one l1" "one l2" "two m1")" ] || { echo "$output"; false; }
    # Each container's lines stay in order.
    [ "$(echo "$output" | grep '^one ')" = "one l1
one l2" ]
    run -0 nook logs --names one two
    [ "$(echo "$output" | sort)" = "$(printf '%s\n' "one l1" "one l2" "two m1")" ]
    run -0 nook logs one two
    [ "$(echo "$output" | sort)" = "$(printf '%s\n' "${id1:0:12} l1" "${id1:0:12} l2" "${id2:0:12} m1" | sort)" ] \
        || { echo "$output"; false; }
    run -0 nook logs -n -t one two
    [ "$(echo "$output" | grep -cE '^(one|two) [0-9]{4}-[^ ]+ (l1|l2|m1)$')" -eq 3 ] || { echo "$output"; false; }
    run -125 nook logs one nope
    assert_output_contains 'no container with name or ID "nope" found: no such container'
}

# ---- drivers ------------------------------------------------------------------

@test "--log-driver none: nothing written, logs is an error" {
    run -0 nook run --name n --log-driver none busybox echo shown
    # A foreground run still shows the output.
    assert_output_equals "shown"
    run -0 nook inspect --format '{{.HostConfig.LogConfig.Type}}' n
    assert_output_equals "none"
    run -125 nook logs n
    assert_output_equals "Error: failed to obtain logs for Container 'n': this container is using the 'none' log driver, cannot read logs: this container is not using the k8s-file log driver"
    local dir; dir=$("$NOOK" inspect --format '{{.Id}}' n)
    [ -z "$(find "$NOOK_STORE/containers/$dir" -name 'ctr.log*' 2>/dev/null)" ]
}

@test "--log-driver passthrough: the container writes to nook's own stdout and stderr" {
    local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
    run -0 bash -c "'$NOOK' run --name p --log-driver passthrough busybox \
        sh -c 'echo out; echo err >&2; stat -L -c %i /proc/self/fd/1' > '$out' 2> '$err' < /dev/null"
    [ "$(sed -n 1p "$out")" = out ]
    # The very file we gave it, not a pipe through the monitor.
    [ "$(sed -n 2p "$out")" = "$(stat -c %i "$out")" ]
    [ "$(cat "$err")" = err ]
    run -125 nook logs p
    assert_output_contains "this container is using the 'passthrough' log driver"
}

@test "--log-opt path= writes the log there; logs reads it" {
    local p=$BATS_TEST_TMPDIR/logs/my.log
    mkdir -p "${p%/*}"
    run -0 nook run --name lp --log-opt path="$p" busybox echo here
    [ -f "$p" ]
    [[ "$(cat "$p")" =~ $K8S_LINE_RE ]]
    [[ "$(cat "$p")" == *" stdout F here" ]]
    run -0 nook inspect --format '{{.HostConfig.LogConfig.Path}}' lp
    assert_output_equals "$p"
    run -0 nook logs lp
    assert_output_equals "here"
    run -125 nook run --log-opt path=relative/x.log busybox true
    assert_one_error_line "$output"
}

# ---- rotation ---------------------------------------------------------------

@test "max-size/max-file: rotated by renaming, never truncated; logs reads across the files in order" {
    run -0 nook run -d --name rot --log-opt max-size=1k --log-opt max-file=3 busybox sh -c '
        lines () { i=$1; while [ $i -le $2 ]; do printf "line-%04d\n" $i; i=$((i + 1)); done; }
        lines 1 5
        while [ ! -e /tmp/go1 ]; do sleep 0.05; done
        lines 6 20
        while [ ! -e /tmp/go2 ]; do sleep 0.05; done
        lines 21 300'
    local f; f=$(log_path rot)
    wait_for_text "$f" "line-0005"
    run -0 nook inspect --format '{{.HostConfig.LogConfig.Size}}' rot
    # As Podman: units.HumanSize, no blank.
    assert_output_equals "1kB"
    local ino; ino=$(stat -c %i "$f")
    run -0 nook exec rot touch /tmp/go1
    # 20 records of ~56 bytes: past 1k once.
    local i; for i in $(seq 200); do [ -f "$f.1" ] && grep -q line-0020 "$f"* && break; sleep 0.05; done
    [ -f "$f.1" ] || { ls -la "${f%/*}"; false; }
    # The file that was written is the one renamed: same inode, its lines whole.
    [ "$(stat -c %i "$f.1")" = "$ino" ]
    [ "$(messages_of "$f.1" | head -1)" = line-0001 ]
    run -0 nook exec rot touch /tmp/go2
    run -0 nook wait rot
    # Only max-file files: ctr.log, .1, .2.
    [ -f "$f" ] && [ -f "$f.1" ] && [ -f "$f.2" ]
    [ ! -e "$f.3" ] || { ls -la "${f%/*}"; false; }
    # No file much past its size (one batch of records at most).
    local size
    for i in "$f.1" "$f.2"; do
        size=$(stat -c %s "$i")
        [ "$size" -ge 500 ] && [ "$size" -lt 8192 ] || { echo "$i: $size bytes"; false; }
    done
    # logs: the files oldest first, exactly what they hold, ending at 300.
    run -0 nook logs rot
    [ "$output" = "$(messages_of "$f.2" "$f.1" "$f")" ]
    [ "$(echo "$output" | tail -1)" = line-0300 ]
    local first; first=$(echo "$output" | head -1)
    first=$((10#${first#line-}))
    [ "$output" = "$(seq -f "line-%04g" "$first" 300)" ] || { echo "not contiguous: $output"; false; }
    run -0 nook logs --tail 2 rot
    assert_output_equals "line-0299
line-0300"
}

@test "max-file=1: only the current file is kept" {
    run -0 nook run --name one --log-opt max-size=1k --log-opt max-file=1 busybox sh -c \
        'i=1; while [ $i -le 200 ]; do printf "line-%04d\n" $i; i=$((i + 1)); done'
    local f; f=$(log_path one)
    [ -f "$f" ]
    [ ! -e "$f.1" ]
    [ "$(stat -c %s "$f")" -lt 8192 ]
    run -0 nook logs one
    [ "$(echo "$output" | tail -1)" = line-0200 ]
}

# ---- logs -f ---------------------------------------------------------------

@test "logs -f follows new output and ends when the container ends" {
    run -0 nook run -d --name fo busybox sh -c \
        'echo f1; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo f2; sleep 0.3; echo f3 >&2; sleep 0.3; echo f4'
    local out=$BATS_TEST_TMPDIR/follow.out
    "$NOOK" logs -f fo > "$out" 2>&1 &
    local pid=$!
    wait_for_text "$out" f1
    sleep 0.2
    kill -0 "$pid"
    run -0 nook exec fo touch /tmp/go
    wait_for_text "$out" f2
    kill -0 "$pid" || true
    wait_for_exit "$pid" 10
    [ "$wait_status" -eq 0 ]
    run cat "$out"
    assert_output_equals "f1
f2
f3
f4"
}

@test "logs -f of an exited container prints it and returns" {
    run -0 nook run --name done busybox echo over
    run -0 timeout 10 "$NOOK" logs -f done
    assert_output_equals "over"
}

@test "logs -f --tail and -t on a running container" {
    run -0 nook run -d --name ft busybox sh -c 'seq 1 5; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo six'
    local f; f=$(log_path ft)
    wait_for_text "$f" " 5"
    local out=$BATS_TEST_TMPDIR/follow.out
    "$NOOK" logs -f --tail 2 ft > "$out" 2>&1 &
    local pid=$!
    wait_for_text "$out" 5
    run -0 nook exec ft touch /tmp/go
    wait_for_exit "$pid" 10
    run cat "$out"
    assert_output_equals "4
5
six"
}

@test "logs -f follows across rotation: every line once, in order" {
    # Rotation drops what a reader has not reached within max-file files:
    # bursts of a file's worth, paced, and files enough that a busy
    # machine's reader keeps up (4 were too few under ASan at load 10).
    run -0 nook run -d --name fr --log-opt max-size=1k --log-opt max-file=10 busybox sh -c '
        echo line-0000
        while [ ! -e /tmp/go ]; do sleep 0.05; done
        i=1
        while [ $i -le 300 ]; do
            echo "line-$i"
            [ $((i % 20)) -eq 0 ] && sleep 0.3
            i=$((i + 1))
        done'
    local f; f=$(log_path fr)
    wait_for_text "$f" line-0000
    local out=$BATS_TEST_TMPDIR/follow.out
    "$NOOK" logs -f fr > "$out" 2>&1 &
    local pid=$!
    wait_for_text "$out" line-0000
    run -0 nook exec fr touch /tmp/go
    wait_for_exit "$pid" 20
    [ "$wait_status" -eq 0 ]
    # It did rotate.
    [ -f "$f.2" ]
    run cat "$out"
    [ "$output" = "$(echo line-0000; seq -f "line-%g" 1 300)" ] || {
        echo "lines: $(echo "$output" | wc -l); missing or repeated:"
        diff <(echo line-0000; seq -f "line-%g" 1 300) <(echo "$output") | head -20; false; }
}

@test "logs -f ends when a followed container is removed with rm -f" {
    run -0 nook run -d --name fk busybox sh -c 'echo up; exec sleep 100'
    local out=$BATS_TEST_TMPDIR/follow.out
    "$NOOK" logs -f fk > "$out" 2>&1 &
    local pid=$!
    wait_for_text "$out" up
    run -0 nook rm -f -t 0 fk
    wait_for_exit "$pid" 10
}
