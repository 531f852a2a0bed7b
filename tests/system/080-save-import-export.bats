#!/usr/bin/env bats
# nook save, import, export and history: archives laid out as Podman lays
# them out, round trips through a fresh store, interoperation with skopeo
# and Podman, and the errors.

load helpers

bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () {
    require_rootless
    OUT=$BATS_TEST_TMPDIR/out
    mkdir -p "$OUT"
}
teardown () {
    [ -z "${TOKEN:-}" ] || kill_token_processes "$TOKEN"
    remove_podman_store
    remove_all_containers
    remove_test_store
}

# The digest (hex) of the manifest, and of the config, of a fixture archive.
archive_manifest_hex () {
    tar -xOf "$1" index.json | grep -o '"digest":"sha256:[0-9a-f]*"' | head -1 | grep -o '[0-9a-f]\{64\}'
}
archive_config_hex () {
    tar -xOf "$1" "blobs/sha256/$(archive_manifest_hex "$1")" \
        | grep -o '"config":{[^}]*}' | grep -o '[0-9a-f]\{64\}'
}
# The diff_ids (hex) of a fixture archive's image, bottom first.
archive_diff_ids () {
    tar -xOf "$1" "blobs/sha256/$(archive_config_hex "$1")" \
        | grep -o '"diff_ids":\[[^]]*\]' | grep -o '[0-9a-f]\{64\}'
}

# The busybox fixture's only layer, a gzip'ed root filesystem: a tarball
# to import.
rootfs_tarball () {
    local m layer
    m=$(archive_manifest_hex "$NOOK_FIXTURES/busybox.tar")
    layer=$(tar -xOf "$NOOK_FIXTURES/busybox.tar" "blobs/sha256/$m" | grep -o '"layers":.*' \
                | grep -o '[0-9a-f]\{64\}' | head -1)
    tar -xOf "$NOOK_FIXTURES/busybox.tar" "blobs/sha256/$layer" > "$1"
}

# Podman with a private store and runtime dir (its pause process is
# killed in teardown): only local archives, no registry.
podman_t () {
    mkdir -p -m 0700 "$BATS_TEST_TMPDIR/prun"
    XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/prun podman --root "$BATS_TEST_TMPDIR/pr" \
        --runroot "$BATS_TEST_TMPDIR/prr" --storage-driver vfs --events-backend none \
        --cgroup-manager cgroupfs "$@"
}
remove_podman_store () {
    [ -d "$BATS_TEST_TMPDIR/pr" ] || return 0
    podman_t unshare rm -rf "$BATS_TEST_TMPDIR/pr" "$BATS_TEST_TMPDIR/prr" >/dev/null 2>&1 || true
    local pause=$BATS_TEST_TMPDIR/prun/libpod/tmp/pause.pid
    [ -f "$pause" ] && kill -9 "$(cat "$pause")" 2>/dev/null || true
}

# Start `nook run --name NAME IMAGE sh -c SCRIPT` in the background and
# wait for the line "ready" on its output.
start_running () {
    "$NOOK" run --name "$1" "$2" sh -c "$3" > "$BATS_TEST_TMPDIR/run.out" 2>&1 3>&- &
    RUN_PID=$!
    wait_for_text "$BATS_TEST_TMPDIR/run.out" ready 20
}

new_token () {
    TOKEN=$(( 800000 + (RANDOM << 4) + (BATS_TEST_NUMBER % 16) ))
}

# ---- save: docker-archive ----

@test "save writes a docker-archive as Podman does: layers by diff_id, config, legacy dirs" {
    run nook save -o "$OUT/d.tar" localhost/nook-test:latest
    assert_status 0
    assert_output_equals ""
    local cfg diff
    cfg=$(archive_config_hex "$NOOK_FIXTURES/nook-test.tar")
    run tar -tvf "$OUT/d.tar"
    assert_status 0
    # Files 0444, owner 0, mtime 0, as containers/image writes them.
    echo "$output" | grep -q "^-r--r--r-- 0/0 .* 1970-01-01 00:00 $cfg.json$"
    echo "$output" | grep -q ' manifest.json$'
    echo "$output" | grep -q ' repositories$'
    [ "$(echo "$output" | grep -c '/VERSION$')" -eq 3 ]
    [ "$(echo "$output" | grep -c '/layer.tar -> \.\./[0-9a-f]\{64\}\.tar$')" -eq 3 ]
    # Each layer is uncompressed and hashes to its diff_id.
    for diff in $(archive_diff_ids "$NOOK_FIXTURES/nook-test.tar"); do
        [ "$(tar -xOf "$OUT/d.tar" "$diff.tar" | sha256sum | cut -c1-64)" = "$diff" ]
    done
    run tar -xOf "$OUT/d.tar" manifest.json
    assert_output_contains "\"Config\":\"$cfg.json\",\"RepoTags\":[\"localhost/nook-test:latest\"]"
    run tar -xOf "$OUT/d.tar" repositories
    [[ "$output" =~ ^\{\"localhost/nook-test\":\{\"latest\":\"[0-9a-f]{64}\"\}\}$ ]] || { echo "$output"; false; }
    assert_no_leftovers
}

@test "docker-archive round trip: load into an empty store and run" {
    nook save -o "$OUT/d.tar" nook-test
    local id; id=$(archive_config_hex "$NOOK_FIXTURES/nook-test.tar")
    use_empty_store
    run nook load -i "$OUT/d.tar"
    assert_status 0
    assert_output_equals "Loaded image: localhost/nook-test:latest"
    run nook images -q --no-trunc
    assert_output_equals "sha256:$id"
    run nook run --rm nook-test
    assert_status 0
    assert_output_equals "hello from nook-test"
    run nook run --rm nook-test cat /etc/motd /home/user/owned-by-user
    assert_output_equals $'layer3\nowned-by-user'
}

@test "save writes to stdout when it is not a terminal; the same images make the same bytes" {
    nook save busybox > "$OUT/a.tar"
    nook save -o "$OUT/b.tar" busybox
    cmp "$OUT/a.tar" "$OUT/b.tar"
    nook save --format oci-archive busybox > "$OUT/c.tar"
    nook save --format oci-archive -o "$OUT/d.tar" busybox
    cmp "$OUT/c.tar" "$OUT/d.tar"
}

@test "docker-archive with several images (-m): one entry each with its names, shared layers once" {
    nook tag busybox localhost/bb2:v1
    run nook save -m -o "$OUT/m.tar" nook-test busybox bb2:v1
    nook untag busybox localhost/bb2:v1
    assert_status 0
    run tar -xOf "$OUT/m.tar" manifest.json
    local bb nt
    bb=$(archive_config_hex "$NOOK_FIXTURES/busybox.tar")
    nt=$(archive_config_hex "$NOOK_FIXTURES/nook-test.tar")
    assert_output_contains "{\"Config\":\"$nt.json\",\"RepoTags\":[\"localhost/nook-test:latest\"],"
    assert_output_contains "{\"Config\":\"$bb.json\",\"RepoTags\":[\"localhost/busybox:latest\",\"localhost/bb2:v1\"],"
    # The base layer both images share is in the archive once.
    local base; base=$(archive_diff_ids "$NOOK_FIXTURES/busybox.tar")
    [ "$(tar -tf "$OUT/m.tar" | grep -c "^$base.tar$")" -eq 1 ]
    run tar -xOf "$OUT/m.tar" repositories
    assert_output_contains '"localhost/bb2":{"v1":'
    use_empty_store
    run nook load -i "$OUT/m.tar"
    assert_status 0
    assert_output_equals $'Loaded image: localhost/nook-test:latest\nLoaded image: localhost/busybox:latest\nLoaded image: localhost/bb2:v1'
    run nook images -q --no-trunc
    [ "$(echo "$output" | sort -u | wc -l)" -eq 2 ]
    run nook run --rm bb2:v1 echo from-bb2
    assert_output_equals "from-bb2"
}

@test "save without -m takes further arguments as tags of the first image, as Podman" {
    run nook save -o "$OUT/t.tar" busybox extra:1
    assert_status 0
    run tar -xOf "$OUT/t.tar" manifest.json
    [ "$(echo "$output" | grep -o '"Config"' | wc -l)" -eq 1 ]
    assert_output_contains '"RepoTags":["localhost/extra:1","localhost/busybox:latest"]'
}

@test "save by image ID writes no name" {
    local id; id=$(archive_config_hex "$NOOK_FIXTURES/busybox.tar")
    nook save -o "$OUT/d.tar" "${id:0:12}"
    run tar -xOf "$OUT/d.tar" manifest.json
    assert_output_contains '"RepoTags":[]'
    nook save --format oci-archive -o "$OUT/o.tar" "$id"
    run tar -xOf "$OUT/o.tar" index.json
    [[ "$output" != *ref.name* ]] || { echo "$output"; false; }
    use_empty_store
    run nook load -i "$OUT/o.tar"
    assert_output_equals "Loaded image: sha256:$id"
}

# ---- save: oci-archive and oci-dir ----

@test "oci-archive round trip keeps the image ID and the manifest digest" {
    run nook save --format oci-archive -o "$OUT/o.tar" nook-test
    assert_status 0
    local m id
    m=$(archive_manifest_hex "$NOOK_FIXTURES/nook-test.tar")
    id=$(archive_config_hex "$NOOK_FIXTURES/nook-test.tar")
    run tar -tvf "$OUT/o.tar"
    echo "$output" | head -2 | grep -q '^drwxr-xr-x 0/0 .* 1970-01-01 00:00 blobs/$'
    [ "$(echo "$output" | tail -2 | awk '{print $NF}' | tr '\n' ' ')" = "index.json oci-layout " ]
    run tar -xOf "$OUT/o.tar" index.json
    assert_output_contains "\"digest\":\"sha256:$m\""
    assert_output_contains '"annotations":{"org.opencontainers.image.ref.name":"localhost/nook-test:latest"}'
    # Every blob of the fixture, byte for byte.
    for b in $(tar -tf "$NOOK_FIXTURES/nook-test.tar" | grep '^blobs/sha256/.'); do
        cmp <(tar -xOf "$NOOK_FIXTURES/nook-test.tar" "$b") <(tar -xOf "$OUT/o.tar" "$b")
    done
    use_empty_store
    run nook load -i "$OUT/o.tar"
    assert_output_equals "Loaded image: localhost/nook-test:latest"
    run nook images --digests --no-trunc
    echo "$output" | grep -E "^localhost/nook-test +latest +sha256:$m +sha256:$id "
    run nook run --rm nook-test
    assert_output_equals "hello from nook-test"
}

@test "oci-archive with several images: one index entry per name" {
    run nook save -m --format oci-archive -o "$OUT/o.tar" nook-test busybox
    assert_status 0
    run tar -xOf "$OUT/o.tar" index.json
    [ "$(echo "$output" | grep -o 'ref.name' | wc -l)" -eq 2 ]
    assert_output_contains '"org.opencontainers.image.ref.name":"localhost/busybox:latest"'
    use_empty_store
    run nook load -i "$OUT/o.tar"
    assert_output_equals $'Loaded image: localhost/nook-test:latest\nLoaded image: localhost/busybox:latest'
}

@test "oci-dir: a new layout, then a second image added to it, each loaded by name" {
    run nook save --format oci-dir -o "$OUT/layout" busybox
    assert_status 0
    [ -f "$OUT/layout/oci-layout" ] && [ -f "$OUT/layout/index.json" ]
    run nook save --format oci-dir -o "$OUT/layout" nook-test
    assert_status 0
    run cat "$OUT/layout/index.json"
    [ "$(echo "$output" | grep -o 'ref.name' | wc -l)" -eq 2 ]
    # No temp files next to it or in it.
    [ "$(ls -A "$OUT")" = layout ]
    [ -z "$(find "$OUT/layout" -name '.tmp*')" ]
    use_empty_store
    run nook load -i "oci:$OUT/layout:localhost/busybox:latest"
    assert_output_equals "Loaded image: localhost/busybox:latest"
    run nook images -q
    [ "$(echo "$output" | wc -l)" -eq 1 ]
}

@test "save --format oci-dir needs -o; unknown formats are refused" {
    run nook save --format oci-dir busybox
    assert_status 125
    assert_one_error_line "$output"
    # A directory named with a trailing slash, not there yet.
    run nook save --format oci-dir -o "$OUT/new-layout/" busybox
    assert_status 0
    [ -f "$OUT/new-layout/index.json" ]
    rm -rf "$OUT/new-layout"
    run nook save --format tarball -o "$OUT/x" busybox
    assert_status 125
    assert_output_equals "Error: format value must be one of oci-dir oci-archive docker-archive"
    [ -z "$(ls -A "$OUT")" ]
}

# ---- interoperation ----

@test "skopeo reads nook's docker-archive and oci-archive" {
    command -v skopeo >/dev/null || skip "skopeo is not installed"
    nook save -o "$OUT/d.tar" nook-test
    nook save --format oci-archive -o "$OUT/o.tar" nook-test
    local m; m=$(archive_manifest_hex "$NOOK_FIXTURES/nook-test.tar")
    run skopeo inspect "oci-archive:$OUT/o.tar"
    assert_status 0
    assert_output_contains "\"Digest\": \"sha256:$m\""
    run skopeo inspect "docker-archive:$OUT/d.tar"
    assert_status 0
    assert_output_contains '"org.nook.test": "yes"'
    run skopeo copy "docker-archive:$OUT/d.tar" "oci:$OUT/copy:x"
    assert_status 0
    run skopeo copy "oci-archive:$OUT/o.tar" "dir:$OUT/dir"
    assert_status 0
    use_empty_store
    run nook load -i "oci:$OUT/copy:x"
    assert_status 0
    run nook images -q --no-trunc
    assert_output_equals "sha256:$(archive_config_hex "$NOOK_FIXTURES/nook-test.tar")"
}

@test "podman loads nook's docker-archive and oci-archive (rootless, vfs)" {
    command -v podman >/dev/null || skip "podman is not installed"
    nook save -o "$OUT/d.tar" nook-test
    nook save --format oci-archive -o "$OUT/o.tar" busybox
    run podman_t load -q -i "$OUT/d.tar"
    assert_status 0
    assert_output_contains "Loaded image: localhost/nook-test:latest"
    run podman_t load -q -i "$OUT/o.tar"
    assert_status 0
    assert_output_contains "Loaded image: localhost/busybox:latest"
    run podman_t images --no-trunc --format '{{.ID}} {{.Repository}}'
    assert_output_contains "$(archive_config_hex "$NOOK_FIXTURES/nook-test.tar") localhost/nook-test"
    assert_output_contains "$(archive_config_hex "$NOOK_FIXTURES/busybox.tar") localhost/busybox"
}

# Load ARCHIVE into an empty store: it prints LOADED (the "Loaded image:"
# lines), and nook-test is the fixture's image, whose layers (whiteout,
# opaque dir, owners) come out as the fixture's.
assert_loads_nook_test () {
    remove_test_store
    use_empty_store
    run nook load -i "$1"
    assert_status 0
    assert_output_equals "$2"
    run nook images -q --no-trunc nook-test
    assert_output_equals "sha256:$(archive_config_hex "$NOOK_FIXTURES/nook-test.tar")"
    run nook run --rm nook-test
    assert_status 0
    assert_output_equals "hello from nook-test"
    run nook run --rm nook-test sh -c \
        'cat /etc/motd; ls -A /opaque; test -e /etc/to-delete || echo deleted; stat -c %u:%g /home/user/owned-by-user'
    assert_output_equals $'layer3\nc.txt\ndeleted\n1000:1000'
}

@test "nook loads Podman's docker-archive, oci-archive and -m archive, and runs them (rootless, vfs)" {
    command -v podman >/dev/null || skip "podman is not installed"
    podman_t load -q -i "$NOOK_FIXTURES/nook-test.tar" >/dev/null
    podman_t load -q -i "$NOOK_FIXTURES/busybox.tar" >/dev/null
    podman_t save -q -o "$OUT/p-d.tar" localhost/nook-test:latest
    podman_t save -q --format oci-archive -o "$OUT/p-o.tar" localhost/nook-test:latest
    podman_t save -q -m -o "$OUT/p-m.tar" localhost/nook-test:latest localhost/busybox:latest
    # Podman's own layouts, not nook's: layer.tar links in the
    # docker-archive, layers gzip'ed again (other digests) in the oci-archive.
    tar -tvf "$OUT/p-d.tar" | grep -qE '^l.* [0-9a-f]{64}/layer\.tar -> \.\./[0-9a-f]{64}\.tar$'
    [ "$(tar -tf "$OUT/p-o.tar" | grep -c "$(archive_manifest_hex "$NOOK_FIXTURES/nook-test.tar")")" -eq 0 ]

    assert_loads_nook_test "$OUT/p-d.tar" "Loaded image: localhost/nook-test:latest"
    assert_loads_nook_test "$OUT/p-o.tar" "Loaded image: localhost/nook-test:latest"
    assert_loads_nook_test "$OUT/p-m.tar" \
        $'Loaded image: localhost/nook-test:latest\nLoaded image: localhost/busybox:latest'
    run nook images -q --no-trunc busybox
    assert_output_equals "sha256:$(archive_config_hex "$NOOK_FIXTURES/busybox.tar")"
    run nook run --rm busybox echo from-podman
    assert_output_equals "from-podman"
    # The base layer both images share is stored once.
    [ "$(ls "$NOOK_STORE/layers" | wc -l)" -eq 3 ]
    assert_no_leftovers
}

# ---- import ----

@test "import makes a one-layer image; --change and --message set its config and history" {
    rootfs_tarball "$OUT/rootfs.tar.gz"
    run nook import -c 'CMD ["/bin/sh","-c","echo $GREETING from $(pwd) as $(id -u)"]' \
        -c 'ENV GREETING=hello' -c 'WORKDIR /srv' -c 'WORKDIR app' -c 'USER 1000:1000' \
        -c 'LABEL org.nook.imported=yes' -c 'EXPOSE 8080/udp' -c 'STOPSIGNAL SIGUSR1' \
        -m "imported by the tests" "$OUT/rootfs.tar.gz" imported
    assert_status 0
    [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "$output"; false; }
    local id=${output#sha256:}
    run nook images -q --no-trunc imported
    assert_output_equals "sha256:$id"
    run nook image inspect localhost/imported:latest
    assert_output_contains '"WorkingDir": "/srv/app"'
    assert_output_contains '"User": "1000:1000"'
    assert_output_contains '"org.nook.imported": "yes"'
    assert_output_contains '"8080/udp": {'
    assert_output_contains '"StopSignal": "10"'
    assert_output_contains '"GREETING=hello"'
    run nook run --rm imported
    assert_status 0
    assert_output_equals "hello from /srv/app as 1000"
    # One layer: the tarball's, as Podman describes it.
    local diff; diff=$(gzip -dc "$OUT/rootfs.tar.gz" | sha256sum | cut -c1-64)
    run nook history --no-trunc imported
    assert_status 0
    [ "$(echo "$output" | wc -l)" -eq 2 ]
    echo "$output" | sed -n 2p | grep -E "^$id +(Less than a second|1 second|[0-9]+ seconds) ago +/bin/sh -c #\(nop\) ADD file:$diff in / +2.13 MB +imported by the tests$"
    assert_no_leftovers
}

@test "import --change ENTRYPOINT: the exec form as given, the shell form under /bin/sh -c" {
    rootfs_tarball "$OUT/rootfs.tar.gz"
    run nook import -c 'ENTRYPOINT ["/bin/echo","ep"]' -c 'CMD ["x"]' "$OUT/rootfs.tar.gz" ep-exec
    assert_status 0
    run nook image inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' ep-exec
    assert_output_equals '["/bin/echo","ep"] ["x"]'
    run nook run --rm ep-exec
    assert_status 0
    assert_output_equals "ep x"
    # Arguments replace CMD, not the entrypoint.
    run nook run --rm ep-exec y z
    assert_output_equals "ep y z"
    # The shell form: sh -c with the whole text; CMD becomes $0.
    run nook import -c 'ENTRYPOINT echo hi from $0' -c 'CMD ["x"]' "$OUT/rootfs.tar.gz" ep-shell
    assert_status 0
    run nook image inspect -f '{{json .Config.Entrypoint}}' ep-shell
    assert_output_equals '["/bin/sh","-c","echo hi from $0"]'
    run nook run --rm ep-shell
    assert_status 0
    assert_output_equals "hi from x"
    run nook inspect --type image -f '{{json .Config.Entrypoint}}' ep-shell
    assert_output_equals '["/bin/sh","-c","echo hi from $0"]'
    # The exec form of sh -c, spelled out.
    run nook import -c 'ENTRYPOINT ["/bin/sh","-c","echo args: $0 $@"]' "$OUT/rootfs.tar.gz" ep-sh
    assert_status 0
    run nook image inspect -f '{{json .Config.Entrypoint}}' ep-sh
    assert_output_equals '["/bin/sh","-c","echo args: $0 $@"]'
    run nook run --rm ep-sh a b c
    assert_output_equals "args: a b c"
    nook rmi ep-exec ep-shell ep-sh >/dev/null
    assert_no_leftovers
}

@test "import reads plain, zstd and stdin tarballs and file:// URLs" {
    rootfs_tarball "$OUT/rootfs.tar.gz"
    gzip -dc "$OUT/rootfs.tar.gz" > "$OUT/rootfs.tar"
    run nook import "$OUT/rootfs.tar" plain
    assert_status 0
    run nook import - fromstdin < "$OUT/rootfs.tar.gz"
    assert_status 0
    run nook import "file://$OUT/rootfs.tar.gz" fromurl
    assert_status 0
    # %XX escapes anywhere in a file:// URL, in either case.
    cp "$OUT/rootfs.tar.gz" "$OUT/a b%c.tar.gz"
    run nook import "file://$OUT/a%20b%25c.tar.gz" escaped1
    assert_status 0
    run nook import "file://$OUT/a%20b%25C.tar.gz" escaped2
    assert_status 125
    run nook import "file://$OUT/a%20b%25c%2Etar.gz" escaped3
    assert_status 0
    if command -v zstd >/dev/null; then
        zstd -q "$OUT/rootfs.tar" -o "$OUT/rootfs.tar.zst"
        touch -d @1000000000 "$OUT/rootfs.tar.zst"
        run nook import "$OUT/rootfs.tar.zst" zst
        assert_status 0
        run nook run --rm zst echo from-zstd
        assert_output_equals "from-zstd"
    fi
    for img in plain fromstdin fromurl; do
        run nook run --rm "$img" cat /etc/passwd
        assert_status 0
        assert_output_contains "root:x:0:0"
    done
    # Without --message, Podman's comment.
    run nook history --format '{{.Comment}}' plain
    assert_output_equals "imported from tarball"
    assert_no_leftovers
}

@test "export of a container, imported again, is the container's filesystem" {
    run nook run -u 0 --name exp-rt nook-test sh -c 'echo round-trip > /root/made-here; rm /etc/motd'
    assert_status 0
    nook export -o "$OUT/exp.tar" exp-rt
    run nook import -c 'CMD ["cat","/root/made-here"]' "$OUT/exp.tar" flat
    assert_status 0
    run nook run --rm flat
    assert_output_equals "round-trip"
    run nook run --rm flat sh -c 'ls /etc/motd 2>&1; ls -l /usr/bin/suid-file | cut -c1-10; stat -c %u:%g /home/user/owned-by-user'
    assert_output_equals $'ls: /etc/motd: No such file or directory\n-rwsr-xr-x\n1000:1000'
}

# ---- export ----

@test "export of a stopped container: merged view with owners, links and the container's files" {
    run nook run -u 0 --name exp1 nook-test sh -c \
        'echo written > /home/user/new-file; chown 1000:1000 /home/user/new-file; rm /etc/motd; mkdir /data; ln /home/user/new-file /data/hl'
    assert_status 0
    run nook export -o "$OUT/c.tar" exp1
    assert_status 0
    assert_output_equals ""
    run tar --numeric-owner -tvf "$OUT/c.tar"
    assert_status 0
    local list=$output
    # Relative names, sorted, no root entry, no whiteout files.
    [ "$(echo "$list" | head -1 | awk '{print $NF}')" = "bin/" ]
    [ -z "$(echo "$list" | grep '\.wh\.')" ]
    # Layer 3 deleted /etc/to-delete and made /opaque opaque; the
    # container deleted /etc/motd.
    [ -z "$(echo "$list" | grep -E ' etc/(to-delete|motd)$')" ]
    [ -z "$(echo "$list" | grep ' opaque/a.txt$')" ]
    echo "$list" | grep -qE '^-rw-r--r-- 0/0 +2 .* opaque/c.txt$'
    # One inode twice: the first name in the archive's order holds the
    # data, the second is a link to it.
    echo "$list" | grep -qE '^-rw-r--r-- 1000/1000 +8 .* data/hl$'
    echo "$list" | grep -qE '^hrw-r--r-- 1000/1000 +0 .* home/user/new-file link to data/hl$'
    echo "$list" | grep -qE '^hrw-r--r-- 0/0 +0 .* etc/hardlink-b link to etc/hardlink-a$'
    echo "$list" | grep -qE '^lrwxrwxrwx 0/0 +0 .* etc/symlink -> hardlink-a$'
    echo "$list" | grep -qE '^-rwsr-xr-x 0/0 +25 .* usr/bin/suid-file$'
    echo "$list" | grep -qE '^-rw-r--r-- 65534/65534 +12 .* srv/nobody-file$'
    echo "$list" | grep -qE '^drwx------ 0/0 +0 .* root/$'
    echo "$list" | grep -qE '^-rw-r--r-- 1000/1000 +14 2024-01-01 00:00 home/user/owned-by-user$'
    run tar -xOf "$OUT/c.tar" data/hl
    assert_output_equals "written"
    # Mounted for the export only: nothing stays behind.
    assert_no_leftovers
    # To stdout as well, with the container alias.
    nook container export exp1 > "$OUT/c2.tar"
    cmp "$OUT/c.tar" "$OUT/c2.tar"
}

@test "export of a running container reads its filesystem while it runs" {
    new_token
    start_running exp-run busybox "echo alive > /tmp/marker; echo ready; sleep $TOKEN"
    # A relative path: nook joins the monitor's mount namespace meanwhile.
    cd "$OUT"
    run nook export -o r.tar exp-run
    assert_status 0
    [ "$(ls -A "$OUT")" = r.tar ]
    run tar --numeric-owner -tvf "$OUT/r.tar"
    echo "$output" | grep -qE '^-rw-r--r-- 0/0 +6 .* tmp/marker$'
    [ -z "$(echo "$output" | grep '\.wh\.')" ]
    # /proc is the container's own mount, not part of its filesystem.
    [ "$(echo "$output" | grep -c ' proc/')" -eq 1 ]
    run tar -xOf "$OUT/r.tar" tmp/marker
    assert_output_equals "alive"
    run nook ps
    echo "$output" | grep -q ' exp-run$'
    nook rm -f exp-run >/dev/null
    wait_for_exit "$RUN_PID" 20
    assert_no_leftovers
}

# ---- history ----

# A store with the two fixtures only: the IDs history shows depend on
# which images end with which layer.
fixtures_store () {
    use_empty_store
    "$NOOK" load -i "$NOOK_FIXTURES/busybox.tar" >/dev/null
    "$NOOK" load -i "$NOOK_FIXTURES/nook-test.tar" >/dev/null
}

@test "history lists the steps with Podman's columns, IDs and sizes" {
    fixtures_store
    run nook history nook-test
    assert_status 0
    # As Podman: an empty COMMENT leaves SIZE padded, blanks at the end.
    echo "$output" | sed -n 2p | grep -q '  5\.12 kB     $'
    assert_table_layout "$(sed 's/ *$//' <<< "$output")" ID CREATED "CREATED BY" SIZE COMMENT
    local nt bb
    nt=$(archive_config_hex "$NOOK_FIXTURES/nook-test.tar")
    bb=$(archive_config_hex "$NOOK_FIXTURES/busybox.tar")
    [ "$(echo "$output" | wc -l)" -eq 4 ]
    echo "$output" | sed -n 2p | grep -E "^${nt:0:12} +[0-9]+ years ago +nook fixtures: whiteout /etc/to-delete, op\.\.\. +5\.12 kB +$"
    echo "$output" | sed -n 3p | grep -E "^<missing> +[0-9]+ years ago +nook fixtures: owners 1000/65534, setuid f\.\.\. +16\.4 kB +$"
    # The base layer is busybox's top layer: Podman shows busybox's ID.
    echo "$output" | sed -n 4p | grep -E "^${bb:0:12} +[0-9]+ years ago +nook fixtures: busybox base \(bin/busybox \+\.\.\. +2\.13 MB +$"
    run nook history -q nook-test
    assert_output_equals $"${nt:0:12}"$'\n<missing>\n'"${bb:0:12}"
    run nook image history --no-trunc -H=false busybox
    echo "$output" | sed -n 2p | grep -E "^$bb +2024-01-01T00:00:00Z +nook fixtures: busybox base \(bin/busybox \+ applet symlinks, etc/passwd, etc/group, base dirs\) +2\.13 MB +$"
}

@test "history --format: json and Go templates" {
    fixtures_store
    local bb; bb=$(archive_config_hex "$NOOK_FIXTURES/busybox.tar")
    run nook history --format json busybox
    assert_status 0
    assert_output_equals "[{\"id\":\"$bb\",\"created\":\"2024-01-01T00:00:00Z\",\"CreatedBy\":\"nook fixtures: busybox base (bin/busybox + applet symlinks, etc/passwd, etc/group, base dirs)\",\"size\":2128896,\"Created\":\"2024-01-01T00:00:00Z\"}]"
    run nook history --format '{{.ID}}|{{.Size}}|{{.CreatedAt}}' busybox
    assert_output_equals "${bb:0:12}|2.13 MB|2024-01-01 00:00:00 +0000 UTC"
    run nook history --format 'table {{.ID}} {{.Size}}' busybox
    assert_output_equals $'ID            SIZE\n'"${bb:0:12}  2.13 MB"
}

# ---- errors ----

@test "save of an unknown image: one error, exit 125, no file" {
    run --separate-stderr nook save -o "$OUT/x.tar" no-such-image
    assert_status 125
    assert_one_error_line
    [[ "$stderr" == *"no-such-image: image not known"* ]]
    [ -z "$(ls -A "$OUT")" ]
    assert_no_leftovers
}

@test "save and export refuse to write to a terminal" {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    run script -eqc "'$NOOK' save busybox" /dev/null < /dev/null
    assert_status 125
    assert_output_contains "Error: refusing to save to terminal. Use -o flag or redirect"
    nook run --name tty1 busybox true
    run script -eqc "'$NOOK' export tty1" /dev/null < /dev/null
    assert_status 125
    assert_output_contains "Error: refusing to export to terminal. Use -o flag or redirect"
}

@test "save -o over a non-empty file: refused for docker-archive (as Podman), file untouched" {
    echo precious > "$OUT/keep.tar"
    run --separate-stderr nook save -o "$OUT/keep.tar" busybox
    assert_status 125
    assert_one_error_line
    [[ "$stderr" == *"doesn't support modifying existing images"* ]]
    [ "$(cat "$OUT/keep.tar")" = precious ]
    [ "$(ls -A "$OUT")" = keep.tar ]
}

@test "export of an unknown container: one error, exit 125, no file" {
    run --separate-stderr nook export -o "$OUT/x.tar" no-such-container
    assert_status 125
    assert_one_error_line
    [[ "$stderr" == *'no container with name or ID "no-such-container" found'* ]]
    [ -z "$(ls -A "$OUT")" ]
}

@test "import of a file that is not a tar: one error, exit 125, nothing stored" {
    echo "this is not a tar archive" > "$OUT/notes.txt"
    gzip -c "$OUT/notes.txt" > "$OUT/notes.gz"
    local before; before=$(nook images -q | sort)
    for f in notes.txt notes.gz; do
        run --separate-stderr nook import "$OUT/$f" broken
        assert_status 125
        assert_one_error_line
        [[ "$stderr" == *"is not a tar archive"* ]]
    done
    [ "$(nook images -q | sort)" = "$before" ]
    assert_no_leftovers
}

@test "import: bad changes, references and URLs are refused before anything is read" {
    rootfs_tarball "$OUT/rootfs.tar.gz"
    run --separate-stderr nook import -c 'FROM scratch' "$OUT/rootfs.tar.gz"
    assert_status 125
    assert_one_error_line
    [[ "$stderr" == *'invalid change "FROM scratch" - invalid instruction FROM'* ]]
    run --separate-stderr nook import -c 'EXPOSE 80/sctp' "$OUT/rootfs.tar.gz"
    assert_status 125
    [[ "$stderr" == *"EXPOSE protocol must be TCP or UDP"* ]]
    run --separate-stderr nook import "$OUT/rootfs.tar.gz" 'Bad:Name'
    assert_status 125
    assert_one_error_line
    run --separate-stderr nook import https://example.invalid/rootfs.tar
    assert_status 125
    assert_one_error_line
    [[ "$stderr" == *"does not download"* ]]
    run --separate-stderr nook import "$OUT/missing.tar"
    assert_status 125
    assert_one_error_line
    assert_no_leftovers
}
