#!/usr/bin/env bats
# nook load (oci-archive) and nook images: what is printed, what is stored
# and who owns the stored files.

load helpers

bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () { require_rootless; }
teardown () { remove_test_store; }

# The digest (hex) of the manifest, and of the config, of a fixture archive.
archive_manifest_hex () {
    tar -xOf "$1" index.json | grep -o '"digest":"sha256:[0-9a-f]*"' | head -1 | grep -o '[0-9a-f]\{64\}'
}
archive_config_hex () {
    tar -xOf "$1" "blobs/sha256/$(archive_manifest_hex "$1")" \
        | grep -o '"config":{[^}]*}' | grep -o '[0-9a-f]\{64\}'
}

# "2.13 MB": the uncompressed size of an archive's layers, the way Podman
# prints sizes (3 significant digits, powers of 1000).
archive_human_size () {
    local bytes=0 m blob n
    m=$(archive_manifest_hex "$1")
    for blob in $(tar -xOf "$1" "blobs/sha256/$m" | grep -o '"layers":.*' \
                    | grep -o 'sha256:[0-9a-f]\{64\}' | cut -d: -f2); do
        n=$(tar -xOf "$1" "blobs/sha256/$blob" | { gzip -dc 2>/dev/null || true; } | wc -c)
        [ "$n" -gt 0 ] || n=$(tar -xOf "$1" "blobs/sha256/$blob" | wc -c)
        bytes=$((bytes + n))
    done
    awk -v b="$bytes" 'BEGIN {
        split("B kB MB GB", u, " "); i = 1
        while (b >= 1000 && i < 4) { b /= 1000; i++ }
        printf "%.3g %s\n", b, u[i] }'
}

@test "load -i prints the name of the loaded image" {
    use_empty_store
    run nook load -i "$NOOK_FIXTURES/busybox.tar"
    assert_status 0
    assert_output_equals "Loaded image: localhost/busybox:latest"
    assert_no_leftovers
}

@test "load -q prints the Loaded image line all the same, as Podman 4.3" {
    use_empty_store
    # Podman's -q only drops the copy progress (nook prints none).
    run --separate-stderr nook load -q -i "$NOOK_FIXTURES/busybox.tar"
    assert_status 0
    assert_output_equals "Loaded image: localhost/busybox:latest"
    [ -z "$stderr" ] || { echo "stderr: $stderr"; false; }
    run --separate-stderr nook load --quiet < "$NOOK_FIXTURES/nook-test.tar"
    assert_status 0
    assert_output_equals "Loaded image: localhost/nook-test:latest"
    [ -z "$stderr" ] || { echo "stderr: $stderr"; false; }
    run nook images -q
    [ "$(echo "$output" | grep -c .)" -eq 2 ]
}

@test "load reads the archive from stdin" {
    use_empty_store
    run nook load < "$NOOK_FIXTURES/nook-test.tar"
    assert_status 0
    assert_output_equals "Loaded image: localhost/nook-test:latest"
    run nook images -q
    assert_status 0
    [ "$(echo "$output" | grep -c .)" -eq 1 ]
}

@test "loading the same archive twice succeeds and leaves one image and one layer" {
    use_empty_store
    run nook load -i "$NOOK_FIXTURES/busybox.tar"
    assert_status 0
    run nook load -i "$NOOK_FIXTURES/busybox.tar"
    assert_status 0
    assert_output_equals "Loaded image: localhost/busybox:latest"
    run nook images
    assert_status 0
    [ "$(echo "$output" | grep -c '^localhost/busybox ')" -eq 1 ]
    [ "$(echo "$output" | wc -l)" -eq 2 ]
    [ "$(ls "$NOOK_STORE/layers" | wc -l)" -eq 1 ]
    assert_no_leftovers
}

@test "two loads of the same archive at once both succeed and leave one copy" {
    use_empty_store
    local i
    for i in 1 2 3; do
        "$NOOK" load -i "$NOOK_FIXTURES/nook-test.tar" > "$BATS_TEST_TMPDIR/a.$i" 2>&1 &
        local a=$!
        "$NOOK" load -i "$NOOK_FIXTURES/nook-test.tar" > "$BATS_TEST_TMPDIR/b.$i" 2>&1 &
        local b=$!
        wait "$a" || { cat "$BATS_TEST_TMPDIR/a.$i"; false; }
        wait "$b" || { cat "$BATS_TEST_TMPDIR/b.$i"; false; }
        grep -qx "Loaded image: localhost/nook-test:latest" "$BATS_TEST_TMPDIR/a.$i"
        grep -qx "Loaded image: localhost/nook-test:latest" "$BATS_TEST_TMPDIR/b.$i"
    done
    run nook images -q
    [ "$(echo "$output" | grep -c .)" -eq 1 ]
    [ "$(ls "$NOOK_STORE/layers" | grep -c '^[0-9a-f]\{64\}$')" -eq 3 ]
    run nook run --rm nook-test cat /etc/motd
    assert_status 0
    assert_output_equals "layer3"
    assert_no_leftovers
}

@test "two loads of images sharing a layer at once store the shared layer once" {
    use_empty_store
    "$NOOK" load -i "$NOOK_FIXTURES/busybox.tar" > "$BATS_TEST_TMPDIR/a" 2>&1 &
    local a=$!
    "$NOOK" load -i "$NOOK_FIXTURES/nook-test.tar" > "$BATS_TEST_TMPDIR/b" 2>&1 &
    local b=$!
    wait "$a" || { cat "$BATS_TEST_TMPDIR/a"; false; }
    wait "$b" || { cat "$BATS_TEST_TMPDIR/b"; false; }
    run nook images -q
    [ "$(echo "$output" | grep -c .)" -eq 2 ]
    # busybox's one layer is nook-test's base layer.
    [ "$(ls "$NOOK_STORE/layers" | grep -c '^[0-9a-f]\{64\}$')" -eq 3 ]
    run nook run --rm busybox echo ok
    assert_output_equals "ok"
    run nook run --rm nook-test cat /etc/motd
    assert_output_equals "layer3"
    assert_no_leftovers
}

@test "a layer compressed with zstd loads and runs" {
    use_empty_store
    run nook load -i "$NOOK_FIXTURES/nook-zstd.tar"
    assert_status 0
    assert_output_equals "Loaded image: localhost/nook-zstd:latest"
    run nook run --rm nook-zstd sh -c 'cat /etc/motd; ls /opaque; test -e /etc/to-delete || echo deleted'
    assert_status 0
    assert_output_equals "$(printf 'layer3\nc.txt\ndeleted')"
}

@test "images lists both images with Podman's columns and values" {
    run nook images
    assert_status 0
    [ "$(echo "$output" | wc -l)" -eq 3 ]
    local header; header=$(echo "$output" | head -1)
    [[ "$header" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]] || { echo "header: $header"; false; }
    local ago='[0-9]+ (years|months|weeks|days) ago'
    local bb nt
    bb=$(echo "$output" | grep '^localhost/busybox ')
    nt=$(echo "$output" | grep '^localhost/nook-test ')
    [[ "$bb" =~ ^localhost/busybox\ +latest\ +[0-9a-f]{12}\ +$ago\ +[0-9.]+\ (kB|MB)$ ]] || { echo "row: $bb"; false; }
    [[ "$nt" =~ ^localhost/nook-test\ +latest\ +[0-9a-f]{12}\ +$ago\ +[0-9.]+\ (kB|MB)$ ]] || { echo "row: $nt"; false; }
    # The ID is the config digest, the size the layers' uncompressed size.
    local id; id=$(archive_config_hex "$NOOK_FIXTURES/busybox.tar")
    [[ "$bb" == *"  ${id:0:12}  "* ]] || { echo "expected ID ${id:0:12} in: $bb"; false; }
    local size; size=$(archive_human_size "$NOOK_FIXTURES/busybox.tar")
    [[ "$bb" == *"  $size" ]] || { echo "expected size $size in: $bb"; false; }
    size=$(archive_human_size "$NOOK_FIXTURES/nook-test.tar")
    [[ "$nt" == *"  $size" ]] || { echo "expected size $size in: $nt"; false; }
}

@test "images pads its columns the way Podman does" {
    run nook images
    assert_status 0
    assert_table_layout "$output" REPOSITORY TAG "IMAGE ID" CREATED SIZE
}

@test "images -q prints one 12-hex ID per image" {
    run nook images -q
    assert_status 0
    [ "$(echo "$output" | wc -l)" -eq 2 ]
    while read -r line; do
        [[ "$line" =~ ^[0-9a-f]{12}$ ]] || { echo "not an ID: $line"; false; }
    done <<< "$output"
    local bb nt
    bb=$(archive_config_hex "$NOOK_FIXTURES/busybox.tar")
    nt=$(archive_config_hex "$NOOK_FIXTURES/nook-test.tar")
    echo "$output" | grep -qx "${bb:0:12}"
    echo "$output" | grep -qx "${nt:0:12}"
}

@test "images --no-trunc prints the full sha256 ID" {
    run nook images --no-trunc
    assert_status 0
    local bb; bb=$(archive_config_hex "$NOOK_FIXTURES/busybox.tar")
    echo "$output" | grep -E '^localhost/busybox +latest +sha256:[0-9a-f]{64} ' | grep -q "sha256:$bb"
    assert_table_layout "$output" REPOSITORY TAG "IMAGE ID" CREATED SIZE
    run nook images -q --no-trunc
    assert_status 0
    echo "$output" | grep -qx "sha256:$bb"
    [ -z "$(echo "$output" | grep -vE '^sha256:[0-9a-f]{64}$')" ]
}

@test "images --digests adds a DIGEST column with the manifest digest" {
    run nook images --digests
    assert_status 0
    local header; header=$(echo "$output" | head -1)
    [[ "$header" =~ ^REPOSITORY\ +TAG\ +DIGEST\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]] || { echo "header: $header"; false; }
    local m; m=$(archive_manifest_hex "$NOOK_FIXTURES/busybox.tar")
    echo "$output" | grep -E '^localhost/busybox +latest +sha256:[0-9a-f]{64} +[0-9a-f]{12} ' | grep -q "sha256:$m"
    assert_table_layout "$output" REPOSITORY TAG DIGEST "IMAGE ID" CREATED SIZE
}

@test "images IMAGE shows only that image" {
    run nook images busybox
    assert_status 0
    [ "$(echo "$output" | wc -l)" -eq 2 ]
    echo "$output" | sed -n 2p | grep -q '^localhost/busybox '
    run nook images localhost/nook-test:latest
    assert_status 0
    [ "$(echo "$output" | wc -l)" -eq 2 ]
    echo "$output" | sed -n 2p | grep -q '^localhost/nook-test '
    run nook images -q nook-test
    assert_status 0
    [ "$(echo "$output" | wc -l)" -eq 1 ]
    local nt; nt=$(archive_config_hex "$NOOK_FIXTURES/nook-test.tar")
    assert_output_equals "${nt:0:12}"
}

@test "image ls is images" {
    run nook images
    assert_status 0
    local images_out=$output
    run nook image ls
    assert_status 0
    assert_output_equals "$images_out"
}

@test "layers are stored under XDG_DATA_HOME/nook/storage, the shared base layer once" {
    [ -d "$XDG_DATA_HOME/nook/storage/layers" ]
    # busybox: the base layer; nook-test: the same base layer + 2 more.
    run ls "$NOOK_STORE/layers"
    assert_status 0
    [ "$(echo "$output" | grep -c .)" -eq 3 ] || { echo "layers: $output"; false; }
    # Both images' files are there, each once.
    [ "$(find "$NOOK_STORE/layers" -path '*/bin/busybox' -type f 2>/dev/null | wc -l)" -eq 1 ]
    [ "$(find "$NOOK_STORE/layers" -path '*/home/user/owned-by-user' 2>/dev/null | wc -l)" -eq 1 ]
    [ -z "$(ls -A "$NOOK_STORE/tmp" 2>/dev/null)" ]
}

@test "layer files keep their owners inside the user namespace" {
    local f n
    f=$(find "$NOOK_STORE/layers" -path '*/home/user/owned-by-user' 2>/dev/null)
    n=$(find "$NOOK_STORE/layers" -path '*/srv/nobody-file' 2>/dev/null)
    [ -n "$f" ] && [ -n "$n" ]
    run nook unshare stat -c %u:%g "$f"
    assert_status 0
    assert_output_equals "1000:1000"
    run nook unshare stat -c %u:%g "$n"
    assert_status 0
    assert_output_equals "65534:65534"
    # Root-owned files are the user's own.
    run nook unshare stat -c %u "$(find "$NOOK_STORE/layers" -path '*/bin/busybox' 2>/dev/null)"
    assert_status 0
    assert_output_equals "0"
}

@test "layer files are owned by the matching subordinate uid on the host" {
    local start f n
    start=$(subuid_start)
    [ -n "$start" ]
    f=$(find "$NOOK_STORE/layers" -path '*/home/user/owned-by-user' 2>/dev/null)
    n=$(find "$NOOK_STORE/layers" -path '*/srv/nobody-file' 2>/dev/null)
    run stat -c %u "$f"
    assert_status 0
    assert_output_equals "$((start + 999))"
    run stat -c %u "$n"
    assert_status 0
    assert_output_equals "$((start + 65533))"
    run stat -c %u "$(find "$NOOK_STORE/layers" -path '*/bin/busybox' 2>/dev/null)"
    assert_status 0
    assert_output_equals "$(id -u)"
}
