#!/usr/bin/env bats
# nook run: the image's config, the run flags, exit codes, the layers as
# the container sees them, the namespaces and security settings, stdio and
# signals.

load helpers

bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () { require_rootless; }
teardown () {
    [ -z "${TOKEN:-}" ] || kill_token_processes "$TOKEN"
    remove_all_containers
    # Nothing a run started may outlive it.
    assert_no_leftovers
}

# A number no other process on the machine has in its command line.
new_token () {
    TOKEN=$(( 700000 + (RANDOM << 4) + (BATS_TEST_NUMBER % 16) ))
}

# The pid of our process whose command line is exactly "sleep TOKEN",
# waited for (at most 10 s).
sleep_pid () {
    local pid tries=200
    while [ "$tries" -gt 0 ]; do
        pid=$(pgrep -u "$(id -u)" -f "^sleep $1\$" | head -1)
        [ -n "$pid" ] && { echo "$pid"; return 0; }
        sleep 0.05; tries=$((tries - 1))
    done
    return 1
}

# ---- the image's config ---------------------------------------------------

@test "run with no arguments runs the image's Entrypoint and Cmd" {
    run nook run --rm nook-test
    assert_status 0
    assert_output_equals "hello from nook-test"
    assert_no_leftovers
}

@test "the image's Env is set" {
    run nook run --rm nook-test env
    assert_status 0
    echo "$output" | grep -qx 'NOOK_TEST=image-env'
    echo "$output" | grep -qx 'FOO=bar'
    echo "$output" | grep -qx 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
}

@test "the image's WorkingDir is the working directory" {
    run nook run --rm nook-test pwd
    assert_status 0
    assert_output_equals "/home/user"
}

@test "the image's User runs the command" {
    run nook run --rm nook-test sh -c 'echo $(id -u) $(id -g) $(id -un)'
    assert_status 0
    assert_output_equals "1000 1000 user"
}

@test "the image's Entrypoint runs before the command" {
    run nook run --rm nook-test sh -c 'echo entrypoint=$NOOK_ENTRYPOINT'
    assert_status 0
    assert_output_equals "entrypoint=yes"
}

@test "arguments replace the image's Cmd" {
    run nook run --rm nook-test echo replaced
    assert_status 0
    assert_output_equals "replaced"
}

@test "--entrypoint as a string replaces the Entrypoint and takes the arguments" {
    run nook run --rm --entrypoint echo nook-test x y
    assert_status 0
    assert_output_equals "x y"
}

@test "--entrypoint as a JSON array" {
    run nook run --rm --entrypoint '["/bin/echo","from","array"]' nook-test more
    assert_status 0
    assert_output_equals "from array more"
}

@test "--entrypoint drops the image's Cmd" {
    # With the Cmd kept, env would run `echo hello from nook-test`.
    run nook run --rm --entrypoint env nook-test
    assert_status 0
    [[ "$output" != *"hello from nook-test"* ]]
    echo "$output" | grep -qx 'NOOK_TEST=image-env'
    # And the image's entrypoint did not run.
    [[ "$output" != *"NOOK_ENTRYPOINT"* ]]
}

# ---- environment ------------------------------------------------------------

@test "-e K=V sets a variable and overrides the image's" {
    run nook run --rm -e A=1 -e 'B=x=y z' -e FOO=override nook-test env
    assert_status 0
    echo "$output" | grep -qx 'A=1'
    echo "$output" | grep -qx 'B=x=y z'
    [ "$(echo "$output" | grep -c '^FOO=')" -eq 1 ]
    echo "$output" | grep -qx 'FOO=override'
}

@test "-e K takes K from nook's environment, and is skipped when unset" {
    export NOOK_T_FROMHOST="host value"
    unset NOOK_T_UNSET
    run nook run --rm -e NOOK_T_FROMHOST -e NOOK_T_UNSET busybox env
    assert_status 0
    echo "$output" | grep -qx 'NOOK_T_FROMHOST=host value'
    [[ "$output" != *NOOK_T_UNSET* ]]
}

@test "--env-file reads K=V lines, skips comments and blank lines; -e wins" {
    local f=$BATS_TEST_TMPDIR/env
    printf '# a comment\n\nF1=file1\nA=fromfile\n   \nF2=with space\n' > "$f"
    run nook run --rm --env-file "$f" -e A=cli busybox env
    assert_status 0
    echo "$output" | grep -qx 'F1=file1'
    echo "$output" | grep -qx 'F2=with space'
    echo "$output" | grep -qx 'A=cli'
    [ "$(echo "$output" | grep -c '^A=')" -eq 1 ]
    [[ "$output" != *"comment"* ]]
}

@test "HOME, HOSTNAME, TERM and container are set" {
    run nook run --rm busybox sh -c 'echo "$HOME|$HOSTNAME|$(hostname)|$TERM|$container"'
    assert_status 0
    IFS='|' read -r home hostname realhost term container <<< "$output"
    [ "$home" = /root ]
    [ -n "$hostname" ] && [ "$hostname" = "$realhost" ]
    [ "$term" = xterm ]
    [ -n "$container" ]
    run nook run --rm nook-test sh -c 'echo $HOME'
    assert_status 0
    assert_output_equals "/home/user"
}

# ---- working directory and user --------------------------------------------

@test "-w sets the working directory" {
    run nook run --rm -w /tmp nook-test pwd
    assert_status 0
    assert_output_equals "/tmp"
}

@test "-w creates a missing directory" {
    run nook run --rm -w /no/such/dir busybox pwd
    assert_status 0
    assert_output_equals "/no/such/dir"
}

@test "-u root and -u 0 run as root" {
    run nook run --rm -u root nook-test sh -c 'echo $(id -u) $(id -g)'
    assert_status 0
    assert_output_equals "0 0"
    run nook run --rm -u 0 nook-test sh -c 'echo $(id -u) $(id -g)'
    assert_status 0
    assert_output_equals "0 0"
}

@test "-u nobody runs as 65534 with its group" {
    run nook run --rm -u nobody busybox sh -c 'echo $(id -u) $(id -g)'
    assert_status 0
    assert_output_equals "65534 65534"
}

@test "-u UID:GID sets both" {
    run nook run --rm -u 1000:65534 busybox sh -c 'echo $(id -u) $(id -g)'
    assert_status 0
    assert_output_equals "1000 65534"
}

@test "-u with a uid not in /etc/passwd runs with gid 0" {
    run nook run --rm -u 4242 busybox sh -c 'echo $(id -u) $(id -g)'
    assert_status 0
    assert_output_equals "4242 0"
}

@test "-u with an unknown user name fails with 126" {
    run --separate-stderr nook run --rm -u nosuchuser busybox true
    assert_status 126
    assert_one_error_line
    [[ "$stderr" == *"unable to find user nosuchuser"* ]]
    assert_no_leftovers
}

# ---- names and hostnames ------------------------------------------------------

@test "--name names the container; a name in use is refused, naming its holder" {
    run nook run --name dupname busybox true
    assert_status 0
    local id; id=$(container_id_of dupname)
    [[ "$id" =~ ^[0-9a-f]{64}$ ]] || { echo "no container dupname: $id"; false; }
    run --separate-stderr nook run --name dupname busybox true
    assert_status 125
    assert_one_error_line
    [[ "$stderr" == *"dupname"* && "$stderr" == *"$id"* ]] || { echo "$stderr"; false; }
    # Still exactly one container of that name.
    [ "$(nook ps -a | awk '$NF == "dupname"' | wc -l)" -eq 1 ]
    run nook rm dupname
    assert_status 0
}

@test "--hostname sets the hostname" {
    run nook run --rm --hostname myhost.example busybox hostname
    assert_status 0
    assert_output_equals "myhost.example"
}

@test "the default hostname is the first 12 characters of the ID" {
    run nook run --name hostnamed busybox hostname
    assert_status 0
    local host=$output id
    id=$(container_id_of hostnamed)
    [ -n "$id" ]
    [ "$host" = "${id:0:12}" ] || { echo "hostname $host, ID $id"; false; }
    nook rm hostnamed
}

# ---- stdio --------------------------------------------------------------------

@test "-i passes stdin to the container" {
    run nook run --rm -i busybox cat <<< "hi"
    assert_status 0
    assert_output_equals "hi"
}

@test "without -i the container's stdin is empty" {
    run timeout 30 "$NOOK" run --rm busybox cat <<< "hi"
    assert_status 0
    assert_output_equals ""
}

@test "stdout and stderr stay separate" {
    run --separate-stderr nook run --rm busybox sh -c 'echo out; echo err >&2'
    assert_status 0
    [ "$output" = out ] || { echo "stdout: $output"; false; }
    [ "$stderr" = err ] || { echo "stderr: $stderr"; false; }
}

@test "100k lines go through the container's stdin and stdout unchanged" {
    seq 100000 > "$BATS_TEST_TMPDIR/in"
    timeout 60 "$NOOK" run --rm -i busybox cat < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out"
    cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
    head -c 1000000 /dev/urandom > "$BATS_TEST_TMPDIR/bin"
    timeout 60 "$NOOK" run --rm -i busybox cat < "$BATS_TEST_TMPDIR/bin" > "$BATS_TEST_TMPDIR/out"
    cmp "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/out"
    assert_no_leftovers
}

# ---- exit codes ------------------------------------------------------------------

@test "the container's exit code is nook's" {
    run nook run --rm busybox sh -c 'exit 42'
    assert_status 42
    run nook run --rm busybox false
    assert_status 1
}

@test "a missing command exits 127" {
    run -127 --separate-stderr nook run --rm busybox nonexist
    assert_status 127
    assert_one_error_line
    [[ "$stderr" == *nonexist* ]]
    assert_no_leftovers
}

@test "a command that cannot be executed exits 126" {
    run --separate-stderr nook run --rm busybox /etc/passwd
    assert_status 126
    assert_one_error_line
    [[ "$stderr" == */etc/passwd* ]]
    assert_no_leftovers
}

# The program is there, but its interpreter is not: execve fails once the
# container is started.  127 as Podman maps "no such file or directory".
@test "a script whose interpreter is missing exits 127, -d too" {
    printf '#!/nonexistent/sh\necho hi\n' > "$BATS_TEST_TMPDIR/bad.sh"
    chmod 755 "$BATS_TEST_TMPDIR/bad.sh"
    run -127 --separate-stderr nook run --rm -v "$BATS_TEST_TMPDIR/bad.sh:/bad.sh" busybox /bad.sh
    assert_one_error_line
    [[ "$stderr" == *'exec `/bad.sh`: No such file or directory'* ]]
    [ -z "$output" ]
    run -127 --separate-stderr nook run -d --name bad-interp \
        -v "$BATS_TEST_TMPDIR/bad.sh:/bad.sh" busybox /bad.sh
    assert_one_error_line
    nook rm -f bad-interp >/dev/null
    assert_no_leftovers
}

@test "an unknown image exits 125 with one error line" {
    run --separate-stderr nook run --rm no-such-image-here
    assert_status 125
    assert_one_error_line
    [[ "$stderr" == *no-such-image-here* ]]
    [ -z "$output" ]
    [ -z "$(nook ps -a -q)" ]
}

@test "an unknown flag exits 125 with an error line first" {
    run --separate-stderr nook run --no-such-flag busybox true
    assert_status 125
    [[ "$(echo "$stderr" | head -1)" == "Error: "*"--no-such-flag"* ]] || { echo "$stderr"; false; }
    [ "$(echo "$stderr" | grep -c '^Error')" -eq 1 ]
    [ -z "$output" ]
    [ -z "$(nook ps -a -q)" ]
}

@test "a container killed by a signal exits 128+N" {
    new_token
    "$NOOK" run --rm busybox sleep "$TOKEN" > "$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
    local nookpid=$! pid
    pid=$(sleep_pid "$TOKEN")
    kill -KILL "$pid"
    wait_for_exit "$nookpid" 20
    [ "$wait_status" -eq 137 ] || { echo "exit $wait_status"; cat "$BATS_TEST_TMPDIR/out"; false; }
    assert_no_leftovers
}

# ---- the layers as the container sees them -------------------------------------

@test "a whiteout deletes a file of a lower layer" {
    run nook run --rm nook-test sh -c 'test -e /etc/to-delete && echo present || echo absent; test -e /etc/hardlink-a && echo kept'
    assert_status 0
    assert_output_equals "absent
kept"
}

@test "an opaque directory hides the lower layer's contents" {
    run nook run --rm nook-test ls -A /opaque
    assert_status 0
    assert_output_equals "c.txt"
}

@test "an upper layer's file replaces the lower one" {
    run nook run --rm nook-test cat /etc/motd
    assert_status 0
    assert_output_equals "layer3"
}

@test "symlinks, hard links and the setuid bit are preserved" {
    run nook run --rm nook-test sh -c 'readlink /etc/symlink; stat -c "%i %h" /etc/hardlink-a /etc/hardlink-b; stat -c %a /usr/bin/suid-file'
    assert_status 0
    local lines=()
    mapfile -t lines <<< "$output"
    [ "${lines[0]}" = hardlink-a ]
    read -r ino_a links_a <<< "${lines[1]}"
    read -r ino_b links_b <<< "${lines[2]}"
    [ "$ino_a" = "$ino_b" ] && [ "$links_a" = 2 ] && [ "$links_b" = 2 ]
    [ "${lines[3]}" = 4755 ]
}

@test "files keep their owners inside the container" {
    run nook run --rm nook-test stat -c %u:%g /home/user/owned-by-user /home/user /srv/nobody-file /bin/busybox
    assert_status 0
    assert_output_equals "1000:1000
1000:1000
65534:65534
0:0"
}

@test "the container writes to its own layer, not the image's" {
    run nook run --rm -u 0 nook-test sh -c 'echo changed > /etc/motd; rm /etc/hardlink-a; cat /etc/motd'
    assert_status 0
    assert_output_equals "changed"
    run nook run --rm nook-test sh -c 'cat /etc/motd; test -e /etc/hardlink-a && echo kept'
    assert_status 0
    assert_output_equals "layer3
kept"
}

# ---- namespaces and security ----------------------------------------------------

@test "root in the container is the user; 1.. are the subordinate ids" {
    run nook run --rm busybox cat /proc/self/uid_map /proc/self/gid_map
    assert_status 0
    local lines=()
    mapfile -t lines <<< "$output"
    read -r a b c <<< "${lines[0]}"
    [ "$a $b $c" = "0 $(id -u) 1" ] || { echo "uid_map: ${lines[0]}"; false; }
    read -r a b c <<< "${lines[1]}"
    [ "$a" = 1 ] && [ "$b" = "$(subuid_start)" ] && [ "$c" -ge 65535 ] || { echo "uid_map: ${lines[1]}"; false; }
    read -r a b c <<< "${lines[2]}"
    [ "$a $b $c" = "0 $(id -g) 1" ] || { echo "gid_map: ${lines[2]}"; false; }
}

@test "the command is pid 1 and sees only the container's processes" {
    run nook run --rm busybox sh -c 'echo $$; ls /proc | grep -c "^[0-9]"'
    assert_status 0
    local lines=()
    mapfile -t lines <<< "$output"
    [ "${lines[0]}" = 1 ]
    [ "${lines[1]}" -le 3 ] || { echo "${lines[1]} processes visible"; false; }
}

@test "the network namespace has lo and slirp4netns's tap0; with --network none only lo" {
    run -0 nook run --rm busybox ls /sys/class/net
    assert_output_equals "lo
tap0"
    run -0 nook run --rm --network none busybox ls /sys/class/net
    assert_output_equals "lo"
}

@test "/sys is read-only" {
    run nook run --rm busybox touch /sys/x
    [ "$status" -ne 0 ]
    assert_output_contains "Read-only file system"
}

@test "/dev has the default devices and they work" {
    run nook run --rm busybox sh -c '
        for d in null zero full random urandom tty pts shm mqueue; do
            test -e /dev/$d || echo "missing /dev/$d"
        done
        echo x > /dev/null && echo null-ok
        head -c 4 /dev/zero | od -An -tx1
        head -c 16 /dev/urandom | wc -c
        echo x > /dev/full 2>/dev/null || echo full-refused'
    assert_status 0
    assert_output_equals "null-ok
 00 00 00 00
16
full-refused"
}

@test "/dev holds no host devices" {
    run nook run --rm busybox sh -c 'ls /dev | grep -vxE "null|zero|full|random|urandom|tty|pts|shm|mqueue|ptmx|fd|stdin|stdout|stderr|console|core" || true'
    assert_status 0
    assert_output_equals ""
}

@test "masked paths are empty" {
    run nook run --rm busybox sh -c '
        for f in /proc/kcore /proc/keys /proc/timer_list; do
            echo "$f $(cat $f 2>/dev/null | wc -c)"
        done
        echo "/sys/firmware $(ls -A /sys/firmware 2>/dev/null | wc -l)"
        echo "/proc/acpi $(ls -A /proc/acpi 2>/dev/null | wc -l)"'
    assert_status 0
    assert_output_equals "/proc/kcore 0
/proc/keys 0
/proc/timer_list 0
/sys/firmware 0
/proc/acpi 0"
}

@test "/proc/sys is read-only" {
    run nook run --rm busybox sh -c 'grep " /proc/sys " /proc/mounts; echo 1 > /proc/sys/kernel/domainname'
    [ "$status" -ne 0 ]
    echo "$output" | head -1 | grep -qE ' (ro,|ro )'
    assert_output_contains "Read-only file system"
}

@test "root has the default capabilities, others none" {
    # CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
    # NET_BIND_SERVICE SYS_CHROOT SETFCAP: Podman's default 11.
    local caps=0 bit
    for bit in 0 1 3 4 5 6 7 8 10 18 31; do caps=$((caps | (1 << bit))); done
    caps=$(printf '%016x' "$caps")
    run nook run --rm busybox grep -E '^Cap(Eff|Prm|Bnd):' /proc/self/status
    assert_status 0
    echo "$output" | grep -qx "CapEff:	$caps" || { echo "expected CapEff $caps"; echo "$output"; false; }
    echo "$output" | grep -qx "CapBnd:	$caps"
    run nook run --rm -u 1000 busybox grep -E '^Cap(Eff|Prm|Bnd):' /proc/self/status
    assert_status 0
    echo "$output" | grep -qx "CapEff:	0000000000000000"
    echo "$output" | grep -qx "CapPrm:	0000000000000000"
    echo "$output" | grep -qx "CapBnd:	$caps"
}

# ---- what is left after a run ---------------------------------------------------

@test "run --rm leaves no container and nothing behind" {
    run nook run --rm --name gone busybox true
    assert_status 0
    [ -z "$(container_id_of gone)" ]
    [ -z "$(nook ps -a -q)" ]
    [ -z "$(ls "$NOOK_STORE/containers" | grep -E '^[0-9a-f]{64}$')" ]
    assert_no_leftovers
}

@test "run without --rm keeps the container as Exited (CODE)" {
    run nook run --name kept busybox sh -c 'exit 7'
    assert_status 7
    run nook ps -a
    assert_status 0
    echo "$output" | awk '$NF == "kept"' | grep -qE '  Exited \(7\) .*ago  '
    assert_no_leftovers
    run nook rm kept
    assert_status 0
}

# ---- signals to nook run --------------------------------------------------------

@test "SIGTERM to nook run is passed to the container" {
    new_token
    "$NOOK" run --rm busybox sh -c "trap 'echo got TERM; exit 3' TERM; echo ready; sleep $TOKEN & wait" \
        > "$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
    local pid=$!
    wait_for_text "$BATS_TEST_TMPDIR/out" ready
    kill -TERM "$pid"
    wait_for_exit "$pid" 20
    [ "$wait_status" -eq 3 ] || { echo "exit $wait_status"; cat "$BATS_TEST_TMPDIR/out"; false; }
    grep -qx "got TERM" "$BATS_TEST_TMPDIR/out"
    # The container's other processes went with it.
    [ -z "$(pgrep -u "$(id -u)" -f "^sleep $TOKEN\$")" ]
    assert_no_leftovers
}

@test "SIGINT to nook run is passed to the container" {
    new_token
    "$NOOK" run --rm busybox sh -c "trap 'echo got INT; exit 4' INT; echo ready; sleep $TOKEN & wait" \
        > "$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
    local pid=$!
    wait_for_text "$BATS_TEST_TMPDIR/out" ready
    kill -INT "$pid"
    wait_for_exit "$pid" 20
    [ "$wait_status" -eq 4 ] || { echo "exit $wait_status"; cat "$BATS_TEST_TMPDIR/out"; false; }
    grep -qx "got INT" "$BATS_TEST_TMPDIR/out"
    [ -z "$(pgrep -u "$(id -u)" -f "^sleep $TOKEN\$")" ]
    assert_no_leftovers
}
