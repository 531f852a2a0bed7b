#!/usr/bin/env bats
# nook load of docker-archives as `docker save` writes them: the layout of
# Docker before 25 (<id>/layer.tar, shared layers as symlinks), that of
# Docker 25 and later (an OCI layout plus manifest.json), and broken ones.
# The fixtures are described in tests/fixtures/docker-archives.sh and at
# the end of build-images.sh.

load helpers

bats_require_minimum_version 1.5.0

setup () { require_rootless; }
teardown () { remove_test_store; }

LEGACY=$NOOK_FIXTURES/docker-legacy.tar
D25=$NOOK_FIXTURES/docker-25.tar

# The Config paths of a docker-archive's manifest.json, one per image.
manifest_configs () {
    tar -xOf "$1" manifest.json | grep -o '"Config":"[^"]*"' | cut -d'"' -f4
}

# The image ID Docker gives image N (from 1) of ARCHIVE: the sha256 of its
# config file.
docker_image_id () {
    local cfg
    cfg=$(manifest_configs "$1" | sed -n "${2}p")
    [ -n "$cfg" ] || { echo "no image $2 in $1" >&2; return 1; }
    tar -xOf "$1" "$cfg" | sha256sum | cut -d' ' -f1
}

# What the store holds: every entry of layers/, images/, blobs/sha256/ and
# tmp/ (lock files and the empty names index aside).
store_entries () {
    local d
    for d in layers images blobs/sha256 tmp; do
        ls -A "$NOOK_STORE/$d" 2>/dev/null | grep -vE '(^names(\.json)?$|\.lock$)' | sed "s|^|$d/|"
    done
    return 0
}

# nook images as "NAME ID" lines, sorted.
images_with_ids () {
    "$NOOK" images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}' | sort
}

# load -i ARCHIVE (into the current store) fails with exit 125 and one
# "Error: " line naming the archive and containing every WORD, and the
# store is as it was.
assert_docker_rejected () {
    local archive=$1 before word
    shift
    before=$(store_entries)
    run --separate-stderr nook load -i "$archive"
    assert_status 125
    assert_one_error_line
    [ -z "$output" ] || { echo "stdout: $output"; return 1; }
    [[ "$stderr" == *"\`$archive\`"* ]] || { echo "the error does not name the archive: $stderr"; return 1; }
    for word in "$@"; do
        [[ "$stderr" == *"$word"* ]] || { echo "expected '$word' in: $stderr"; return 1; }
    done
    run nook images -q
    assert_status 0
    [ -z "$output" ] || { echo "images after a refused load:"; echo "$output"; return 1; }
    [ "$(store_entries)" = "$before" ] \
        || { echo "the store changed:"; diff <(echo "$before") <(store_entries); return 1; }
    assert_no_leftovers
}

# ---- Docker before 25 -----------------------------------------------------

@test "docker-legacy fixture: the layout docker save wrote before Docker 25" {
    # Checks the fixture itself, so that the tests below test that layout.
    run tar -tvf "$LEGACY"
    assert_status 0
    [ "$(grep -cE '^-.* [0-9a-f]{64}/layer\.tar$' <<< "$output")" -eq 3 ] || { echo "$output"; false; }
    [ "$(grep -cE '^l.* [0-9a-f]{64}/layer\.tar -> \.\./[0-9a-f]{64}/layer\.tar$' <<< "$output")" -eq 1 ]
    [ "$(grep -cE ' [0-9a-f]{64}/(json|VERSION)$' <<< "$output")" -eq 8 ]
    [ "$(grep -cE ' [0-9a-f]{64}\.json$' <<< "$output")" -eq 2 ]
    grep -qE ' repositories$' <<< "$output"
    [ "$(grep -c ' manifest.json$' <<< "$output")" -eq 1 ]
    ! grep -qE ' (index\.json|oci-layout|blobs/)' <<< "$output"
    run tar -xOf "$LEGACY" manifest.json
    [[ "$output" == *'"RepoTags":["legacy-a:latest"]'* ]]
    [[ "$output" == *'"RepoTags":["nooktest/legacy-b:1.0","localhost/legacy-b:latest"]'* ]]
}

@test "load reads Docker's pre-25 docker-archive: two images, three tags, one line each" {
    use_empty_store
    run --separate-stderr nook load -i "$LEGACY"
    assert_status 0
    assert_output_equals "Loaded image: docker.io/library/legacy-a:latest
Loaded image: docker.io/nooktest/legacy-b:1.0
Loaded image: localhost/legacy-b:latest"
    [ -z "$stderr" ] || { echo "stderr: $stderr"; false; }
    # The image IDs are the sha256 of the config files, as Docker shows them.
    local a b
    a=$(docker_image_id "$LEGACY" 1)
    b=$(docker_image_id "$LEGACY" 2)
    [ "$a" != "$b" ]
    run images_with_ids
    assert_status 0
    assert_output_equals "docker.io/library/legacy-a:latest sha256:$a
docker.io/nooktest/legacy-b:1.0 sha256:$b
localhost/legacy-b:latest sha256:$b"
    run nook images -q --no-trunc
    [ "$(sort -u <<< "$output" | wc -l)" -eq 2 ]
    assert_no_leftovers
}

@test "the pre-25 layout: a shared layer directory and a symlinked layer.tar are each stored once" {
    use_empty_store
    run nook load -i "$LEGACY"
    assert_status 0
    # legacy-a is base + layer 2, legacy-b base + layer 2 + layer 3: the
    # base is one directory in the archive; layer 2 is two (legacy-a's top
    # layer and legacy-b's middle one), legacy-b's a symlink.  Three chains,
    # three stored layers, busybox stored once.
    [ "$(ls "$NOOK_STORE/layers" | grep -c '^[0-9a-f]\{64\}$')" -eq 3 ] \
        || { ls -la "$NOOK_STORE/layers"; false; }
    [ "$(find "$NOOK_STORE/layers" -path '*/bin/busybox' -type f | wc -l)" -eq 1 ]
    [ "$(find "$NOOK_STORE/layers" -path '*/etc/hardlink-a' -type f | wc -l)" -eq 1 ]
    # Layer blobs are kept as they came: the three regular layer.tar files,
    # the symlink's target once.
    local member want=''
    for member in $(tar -tvf "$LEGACY" | awk '/^-.*\/layer\.tar$/ { print $NF }'); do
        want+="$(tar -xOf "$LEGACY" "$member" | sha256sum | cut -d' ' -f1)"$'\n'
    done
    run ls "$NOOK_STORE/blobs/sha256"
    assert_status 0
    assert_output_equals "$(printf '%s' "$want" | sort)"
    assert_no_leftovers
}

@test "images of a pre-25 docker-archive run, with their layers in order and their configs" {
    use_empty_store
    run nook load -i "$LEGACY"
    assert_status 0
    # legacy-a: busybox's config (Cmd sh), its top layer is layer 2
    run nook run --rm docker.io/library/legacy-a:latest sh -c 'cat /etc/motd; ls /opaque; test -e /etc/to-delete && echo kept'
    assert_status 0
    assert_output_equals "$(printf 'layer2\na.txt\nb.txt\nsub\nkept')"
    # legacy-b: nook-test's config (entrypoint, user, workdir) and layer 3
    run nook run --rm localhost/legacy-b:latest
    assert_status 0
    assert_output_equals "hello from nook-test"
    run nook run --rm docker.io/nooktest/legacy-b:1.0 sh -c 'id -un; pwd; echo $NOOK_ENTRYPOINT; cat /etc/motd; ls /opaque; test -e /etc/to-delete || echo deleted'
    assert_status 0
    assert_output_equals "$(printf 'user\n/home/user\nyes\nlayer3\nc.txt\ndeleted')"
    assert_no_leftovers
}

# ---- Docker 25 and later --------------------------------------------------

@test "docker-25 fixture: an OCI layout plus a manifest.json naming blobs/sha256" {
    run tar -tf "$D25"
    assert_status 0
    grep -qx oci-layout <<< "$output"
    grep -qx index.json <<< "$output"
    grep -qx manifest.json <<< "$output"
    grep -qx repositories <<< "$output"
    ! grep -q 'layer\.tar' <<< "$output"
    run manifest_configs "$D25"
    [ "$(grep -cE '^blobs/sha256/[0-9a-f]{64}$' <<< "$output")" -eq 2 ]
    run tar -xOf "$D25" manifest.json
    [ "$(grep -oE '"blobs/sha256/[0-9a-f]{64}"' <<< "$output" | wc -l)" -eq 6 ]
    # index.json's ref.name is a bare tag: only manifest.json names images
    run tar -xOf "$D25" index.json
    [[ "$output" == *'"org.opencontainers.image.ref.name":"v1"'* ]]
}

@test "load reads Docker 25's docker-archive by its manifest.json: names, IDs, one base layer" {
    use_empty_store
    run --separate-stderr nook load -i "$D25"
    assert_status 0
    assert_output_equals "Loaded image: docker.io/library/docker25-busybox:latest
Loaded image: docker.io/docker25/nook-test:v1
Loaded image: quay.io/nook/docker25:v1"
    local a b
    a=$(docker_image_id "$D25" 1)
    b=$(docker_image_id "$D25" 2)
    # Docker 25 names the config blob by its digest: the ID is that digest.
    [ "blobs/sha256/$a" = "$(manifest_configs "$D25" | sed -n 1p)" ]
    run images_with_ids
    assert_status 0
    assert_output_equals "docker.io/docker25/nook-test:v1 sha256:$b
docker.io/library/docker25-busybox:latest sha256:$a
quay.io/nook/docker25:v1 sha256:$b"
    # busybox's one layer is nook-test's base: three layers in all.
    [ "$(ls "$NOOK_STORE/layers" | grep -c '^[0-9a-f]\{64\}$')" -eq 3 ]
    [ "$(find "$NOOK_STORE/layers" -path '*/bin/busybox' -type f | wc -l)" -eq 1 ]
    assert_no_leftovers
}

@test "images of a Docker 25 docker-archive run (a gzip layer among plain ones)" {
    use_empty_store
    run nook load -i "$D25"
    assert_status 0
    run nook run --rm quay.io/nook/docker25:v1
    assert_status 0
    assert_output_equals "hello from nook-test"
    run nook run --rm docker.io/docker25/nook-test:v1 sh -c 'cat /etc/motd; ls /opaque; test -e /etc/to-delete || echo deleted'
    assert_status 0
    assert_output_equals "$(printf 'layer3\nc.txt\ndeleted')"
    run nook run --rm docker.io/library/docker25-busybox:latest sh -c 'test -e /etc/motd || echo base only'
    assert_status 0
    assert_output_equals "base only"
    assert_no_leftovers
}

@test "loading the pre-25 and the 25 archives into one store shares what they share" {
    use_empty_store
    run nook load -i "$LEGACY"
    assert_status 0
    run nook load -i "$D25"
    assert_status 0
    # Same layers (the same diff_ids) whatever the layout: still three.
    [ "$(ls "$NOOK_STORE/layers" | grep -c '^[0-9a-f]\{64\}$')" -eq 3 ] \
        || { ls -la "$NOOK_STORE/layers"; false; }
    run nook images -q
    [ "$(wc -l <<< "$output")" -eq 4 ]
}

# ---- broken docker-archives -----------------------------------------------

@test "a docker-archive whose layer does not match the config's diff_id is refused cleanly" {
    use_empty_store
    assert_docker_rejected "$NOOK_FIXTURES/bad/docker-bad-diffid.tar" \
        "layer content does not match its diff_id"
}

@test "a docker-archive whose manifest.json is not JSON is refused cleanly" {
    use_empty_store
    assert_docker_rejected "$NOOK_FIXTURES/bad/docker-bad-manifest-json.tar" \
        "manifest.json" "invalid JSON"
}

@test "a docker-archive whose manifest.json names a layer file it lacks is refused cleanly" {
    use_empty_store
    local l2
    l2=$(tar -xOf "$NOOK_FIXTURES/bad/docker-missing-layer.tar" manifest.json \
        | grep -o '[0-9a-f]\{64\}/layer.tar' | sed -n 2p)
    [ -n "$l2" ]
    assert_docker_rejected "$NOOK_FIXTURES/bad/docker-missing-layer.tar" \
        "manifest.json names \`$l2\`, which the archive does not hold"
}

@test "a docker-archive whose manifest.json climbs out with .. is refused, not clamped" {
    use_empty_store
    local l2
    l2=$(tar -xOf "$NOOK_FIXTURES/bad/docker-dotdot.tar" manifest.json | grep -o '\.\./[0-9a-f]\{64\}/layer.tar')
    [ -n "$l2" ]
    # the member it would name once clamped is there
    tar -tf "$NOOK_FIXTURES/bad/docker-dotdot.tar" | grep -qx "${l2#../}"
    assert_docker_rejected "$NOOK_FIXTURES/bad/docker-dotdot.tar" \
        "manifest.json names \`$l2\`, which is not a path inside the archive"
}

@test "a docker-archive whose manifest.json gives an absolute Config path is refused" {
    use_empty_store
    local cfg
    cfg=$(manifest_configs "$NOOK_FIXTURES/bad/docker-absolute.tar")
    [[ "$cfg" == /*.json ]]
    tar -tf "$NOOK_FIXTURES/bad/docker-absolute.tar" | grep -qx "${cfg#/}"
    assert_docker_rejected "$NOOK_FIXTURES/bad/docker-absolute.tar" \
        "manifest.json names \`$cfg\`, which is not a path inside the archive"
}

@test "a docker-archive whose layer.tar is a symlink out of the archive is refused" {
    use_empty_store
    local l2
    l2=$(tar -xOf "$NOOK_FIXTURES/bad/docker-symlink-out.tar" manifest.json \
        | grep -o '[0-9a-f]\{64\}/layer.tar' | sed -n 2p)
    tar -tvf "$NOOK_FIXTURES/bad/docker-symlink-out.tar" | grep -q " $l2 -> \.\./\.\./"
    assert_docker_rejected "$NOOK_FIXTURES/bad/docker-symlink-out.tar" \
        "manifest.json names \`$l2\`, a symbolic link out of the archive"
}

@test "a refused docker-archive leaves the store able to load the good ones" {
    use_empty_store
    run nook load -i "$NOOK_FIXTURES/bad/docker-bad-diffid.tar"
    assert_status 125
    run nook load -i "$LEGACY"
    assert_status 0
    run nook run --rm localhost/legacy-b:latest cat /etc/motd
    assert_status 0
    assert_output_equals "layer3"
    assert_no_leftovers
}
