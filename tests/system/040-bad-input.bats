#!/usr/bin/env bats
# Bad input: broken archives, unknown images, flags and commands, a load
# from a terminal and a load killed part way.  Each is one clear error
# line and exit 125, and nothing is left half-written in storage.

load helpers

bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () { require_rootless; }
teardown () { remove_test_store; }

# A fresh store holding busybox only.
busybox_store () {
    use_empty_store
    "$NOOK" load -i "$NOOK_FIXTURES/busybox.tar" >/dev/null
}

count_entries () {
    ls -A "$1" 2>/dev/null | grep -cvE '^(names\.json|names|.*\.lock)$' || true
}

# load -i ARCHIVE fails with exit 125 and one "Error: " line, and the
# store is as it was: same images, same layers, nothing in tmp/.
assert_load_rejected () {
    local archive=$1 images_before store_before
    images_before=$("$NOOK" images --no-trunc)
    store_before=$(store_snapshot)
    run --separate-stderr nook load -i "$archive"
    assert_status 125
    assert_one_error_line
    [ -z "$output" ] || { echo "stdout: $output"; return 1; }
    run nook images --no-trunc
    assert_status 0
    [ "$output" = "$images_before" ] || { echo "images changed:"; echo "$output"; return 1; }
    [[ "$output" != *localhost/bad-* ]]
    assert_store_unchanged "$store_before"
    assert_no_leftovers
}

# What a command could show or use: the entries of layers/, images/ and
# blobs/sha256/, and the names index, byte for byte.
store_snapshot () {
    local d
    for d in layers images blobs/sha256; do
        echo "== $d"
        ls -A "$NOOK_STORE/$d" 2>/dev/null | grep -v '\.lock$' || true
    done
    echo "== names.json"
    cat "$NOOK_STORE/images/names.json" 2>/dev/null || true
}

assert_store_unchanged () {
    local now
    now=$(store_snapshot)
    [ "$now" = "$1" ] || { echo "store before:"; echo "$1"; echo "store now:"; echo "$now"; return 1; }
}

# ---- broken archives ---------------------------------------------------------

@test "load of a file that is not an archive is refused cleanly" {
    busybox_store
    assert_load_rejected "$NOOK_FIXTURES/bad/not-an-archive.tar"
}

@test "load of an empty file is refused cleanly" {
    busybox_store
    : > "$BATS_TEST_TMPDIR/empty.tar"
    assert_load_rejected "$BATS_TEST_TMPDIR/empty.tar"
}

@test "load of a truncated archive is refused cleanly" {
    busybox_store
    assert_load_rejected "$NOOK_FIXTURES/bad/truncated.tar"
}

@test "load of a blob whose content does not match its digest is refused cleanly" {
    busybox_store
    assert_load_rejected "$NOOK_FIXTURES/bad/bad-digest.tar"
    [[ "$stderr" == *sha256:* ]]
}

@test "load of a layer that does not match its diff_id is refused cleanly" {
    busybox_store
    assert_load_rejected "$NOOK_FIXTURES/bad/bad-diffid.tar"
    [[ "$stderr" == *diff_id* || "$stderr" == *DiffID* || "$stderr" == *diffid* ]]
}

@test "load of an archive with a cut-off index.json is refused cleanly" {
    busybox_store
    assert_load_rejected "$NOOK_FIXTURES/bad/bad-json.tar"
    [[ "$stderr" == *index.json* ]]
}

@test "load of an archive missing a layer blob is refused cleanly" {
    busybox_store
    assert_load_rejected "$NOOK_FIXTURES/bad/missing-blob.tar"
    [[ "$stderr" == *missing* || "$stderr" == *"no such"* || "$stderr" == *"not found"* ]]
}

@test "load of an image whose config is not JSON is refused cleanly" {
    busybox_store
    assert_load_rejected "$NOOK_FIXTURES/bad/bad-config-json.tar"
    [[ "$stderr" == *"image config: invalid JSON"* ]]
}

@test "load of an image whose manifest is not JSON is refused cleanly" {
    busybox_store
    assert_load_rejected "$NOOK_FIXTURES/bad/bad-manifest-json.tar"
    [[ "$stderr" == *"manifest: invalid JSON"* ]]
}

@test "load of a manifest claiming a layer of 2^63-1 bytes is refused cleanly" {
    busybox_store
    assert_load_rejected "$NOOK_FIXTURES/bad/absurd-size.tar"
    [[ "$stderr" == *9223372036854775807* ]]
}

@test "load of an index.json of 5 MiB is refused cleanly, not read whole" {
    busybox_store
    assert_load_rejected "$NOOK_FIXTURES/bad/huge-index.tar"
    [[ "$stderr" == *"index.json"*"larger than"* ]]
}

@test "a rejected archive leaves a store that still loads the good one" {
    busybox_store
    assert_load_rejected "$NOOK_FIXTURES/bad/bad-digest.tar"
    run nook load -i "$NOOK_FIXTURES/nook-test.tar"
    assert_status 0
    run nook run --rm nook-test cat /etc/motd
    assert_status 0
    assert_output_equals "layer3"
}

@test "load of a missing file is refused cleanly" {
    busybox_store
    assert_load_rejected "$BATS_TEST_TMPDIR/no-such-file.tar"
    [[ "$stderr" == *no-such-file.tar* ]]
}

# ---- unknown images, flags and commands ---------------------------------------

@test "run of an unknown image is refused and creates no container" {
    run --separate-stderr nook run --rm --pull never localhost/no-such-image:latest true
    assert_status 125
    assert_one_error_line
    [[ "$stderr" == *no-such-image* ]]
    [ -z "$(nook ps -a -q)" ]
    # By default it is pulled, as Podman does: here from a registry that is
    # not there (loopback only), an error after the "Trying to pull" line.
    run --separate-stderr nook run --rm localhost/no-such-image:latest true
    assert_status 125
    [[ "$(echo "$stderr" | tail -1)" == "Error: "*no-such-image* ]] || { echo "$stderr"; false; }
    [ -z "$(nook ps -a -q)" ]
    [ -z "$(ls "$NOOK_STORE/containers" | grep -E '^[0-9a-f]{64}$')" ]
    assert_no_leftovers
}

# nook ARGS... fails with exit 125, nothing on stdout and a first line
# "Error: ..." mentioning WORD, the only line starting with "Error".
assert_usage_error () {
    local word=$1; shift
    run --separate-stderr nook "$@"
    assert_status 125
    [ -z "$output" ] || { echo "stdout: $output"; return 1; }
    local first; first=$(echo "$stderr" | head -1)
    [[ "$first" == "Error: "*"$word"* ]] || { echo "stderr: $stderr"; return 1; }
    [ "$(echo "$stderr" | grep -c '^Error')" -eq 1 ] || { echo "stderr: $stderr"; return 1; }
}

@test "unknown flags of run, images, ps, rm and load exit 125" {
    assert_usage_error --no-such-flag run --no-such-flag busybox true
    assert_usage_error --no-such-flag images --no-such-flag
    assert_usage_error --no-such-flag ps --no-such-flag
    assert_usage_error --no-such-flag rm --no-such-flag x
    assert_usage_error --no-such-flag load --no-such-flag
    [ -z "$(nook ps -a -q)" ]
}

@test "an unknown short flag exits 125" {
    assert_usage_error -Z run -Z busybox true
    assert_usage_error -Z images -Z
}

@test "an unknown global flag exits 125" {
    assert_usage_error --no-such-flag --no-such-flag images
}

@test "an unknown command exits 125" {
    assert_usage_error no-such-command no-such-command
}

@test "load from a terminal is refused" {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    busybox_store
    local layers; layers=$(count_entries "$NOOK_STORE/layers")
    run script -eqc "'$NOOK' load" /dev/null < /dev/null
    assert_status 125
    echo "$output" | tr -d '\r' | grep -q '^Error: .*terminal'
    [ "$(count_entries "$NOOK_STORE/layers")" -eq "$layers" ]
    assert_no_leftovers
}

# ---- a load killed part way ------------------------------------------------------

@test "a load killed with SIGKILL leaves no broken image, and the next load works" {
    use_empty_store
    local d n
    for d in 0 0.01 0.02 0.04 0.06 0.08 0.1 0.12 0.16 0.2; do
        "$NOOK" load -i "$NOOK_FIXTURES/nook-test.tar" >/dev/null 2>&1 3>&- &
        local pid=$!
        sleep "$d"
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        # The store still reads; an image it shows is whole and named (a
        # nameless one would be half a commit), and it runs.
        run nook images --format '{{.Repository}}:{{.Tag}}'
        assert_status 0
        n=$(printf '%s' "$output" | grep -c . || true)
        [ "$n" -le 1 ] || { echo "$output"; false; }
        if [ "$n" -eq 1 ]; then
            assert_output_equals "localhost/nook-test:latest"
            run nook run --rm nook-test
            assert_status 0
            assert_output_equals "hello from nook-test"
        fi
    done
    run nook load -i "$NOOK_FIXTURES/nook-test.tar"
    assert_status 0
    assert_output_equals "Loaded image: localhost/nook-test:latest"
    [ -z "$(ls -A "$NOOK_STORE/tmp")" ] || { echo "tmp:"; ls -la "$NOOK_STORE/tmp"; false; }
    run nook images -q
    assert_status 0
    [ "$(echo "$output" | wc -l)" -eq 1 ]
    [ "$(count_entries "$NOOK_STORE/layers")" -eq 3 ]
    run nook run --rm nook-test
    assert_status 0
    assert_output_equals "hello from nook-test"
    assert_no_leftovers
}

@test "a load killed half way through its archive leaves nothing any command shows" {
    busybox_store
    local before fifo="$BATS_TEST_TMPDIR/fifo" size pid
    before=$(store_snapshot)
    mkfifo "$fifo"
    size=$(stat -c %s "$NOOK_FIXTURES/nook-test.tar")
    "$NOOK" load < "$fifo" >/dev/null 2>&1 3>&- &
    pid=$!
    # Half the archive, and the writer held open: the load is surely
    # mid-way (its work dir made, blobs staged) when it is killed.
    exec 4> "$fifo"
    head -c $((size / 2)) "$NOOK_FIXTURES/nook-test.tar" >&4
    sleep 0.3
    kill -0 "$pid"
    [ -n "$(ls -A "$NOOK_STORE/tmp")" ] || { echo "no work dir while loading"; false; }
    kill -9 "$pid"
    wait "$pid" || true
    exec 4>&-
    assert_store_unchanged "$before"
    run nook images --format '{{.Repository}}'
    assert_status 0
    assert_output_equals "localhost/busybox"
    # The next load sweeps what the killed one left and does the job.
    run nook load -i "$NOOK_FIXTURES/nook-test.tar"
    assert_status 0
    [ -z "$(ls -A "$NOOK_STORE/tmp")" ] || { echo "tmp:"; ls -la "$NOOK_STORE/tmp"; false; }
    run nook run --rm nook-test
    assert_status 0
    assert_output_equals "hello from nook-test"
}

# A load killed inside its commit, after images/commit.json (the names it
# gives) and before names.json took them: the next command finishes it,
# naming the images that are in place and dropping names of those that
# are not.  The state is made by hand, as the kill would leave it.
@test "a load killed inside its commit is finished by the next command" {
    busybox_store
    local id ghost=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    id=$("$NOOK" images -q --no-trunc | sed 's/^sha256://')
    printf '{}' > "$NOOK_STORE/images/names.json"
    printf '{"localhost/again:1":"%s","localhost/ghost:1":"%s"}' "$id" "$ghost" \
        > "$NOOK_STORE/images/commit.json"
    run nook images --format '{{.Repository}}:{{.Tag}}'
    assert_status 0
    assert_output_equals "localhost/again:1"
    [ ! -e "$NOOK_STORE/images/commit.json" ]
    run jq -c . "$NOOK_STORE/images/names.json"
    assert_output_equals "{\"localhost/again:1\":\"$id\"}"
    # A name an image had is moved only to an image that is there.
    printf '{"localhost/again:1":"%s"}' "$ghost" > "$NOOK_STORE/images/commit.json"
    run nook run --rm again:1 true
    assert_status 0
    run nook images --format '{{.Repository}}:{{.Tag}}'
    assert_output_equals "localhost/again:1"
}
