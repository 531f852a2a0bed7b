#!/usr/bin/env bats
# Image commands: tag, untag, rmi, image exists, image prune,
# image inspect, and load of docker-archive and OCI layout directories.

load helpers
bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { nook_teardown_file; }
setup () { require_rootless; }

image_id () {
    nook images -q --no-trunc "$1" | sed 's/^sha256://'
}

layer_dirs () {
    find "$NOOK_STORE/layers" -mindepth 1 -maxdepth 1 -type d | wc -l
}

blob_files () {
    find "$NOOK_STORE/blobs/sha256" -mindepth 1 -maxdepth 1 -type f | wc -l
}

@test "tag adds names, short ones under localhost/, in the order given" {
    run nook tag nook-test tagged1 tagged1:two quay.io/someone/other:v1
    assert_status 0
    run nook images localhost/nook-test
    assert_status 0
    # The image's names stay together, in tagging order, as Podman lists them.
    [ "$(echo "$output" | awk 'NR>1 {print $1":"$2}' | tr '\n' ' ')" = \
      "localhost/nook-test:latest localhost/tagged1:latest localhost/tagged1:two quay.io/someone/other:v1 " ]
    nook untag nook-test tagged1 tagged1:two quay.io/someone/other:v1
}

@test "tag of an unknown image fails and names it" {
    run nook tag nosuchimage newname
    assert_status 125
    assert_output_equals "Error: nosuchimage: image not known"
}

@test "tag refuses an invalid name" {
    run nook tag nook-test 'Bad Name'
    assert_status 125
    assert_output_contains "invalid reference format"
}

@test "untag with names removes just those; without, every name" {
    nook tag busybox ut1 ut2
    run nook untag busybox ut1
    assert_status 0
    run nook image exists ut1
    assert_status 1
    run nook image exists ut2
    assert_status 0
    id=$(image_id busybox)
    run nook untag busybox
    assert_status 0
    # Unnamed now, but still there under its ID.
    run nook image exists "$id"
    assert_status 0
    run nook images
    assert_output_contains "<none>"
    nook tag "$id" localhost/busybox:latest
}

@test "image exists: 0 for an image, 1 for none" {
    run nook image exists busybox
    assert_status 0
    run nook image exists localhost/busybox:latest
    assert_status 0
    run nook image exists "$(image_id busybox | cut -c1-12)"
    assert_status 0
    run nook image exists nope
    assert_status 1
    assert_output_equals ""
}

@test "rmi of one name of an image with several only untags it" {
    nook tag busybox extra-name
    run nook rmi extra-name
    assert_status 0
    assert_output_equals "Untagged: localhost/extra-name:latest"
    run nook image exists busybox
    assert_status 0
}

@test "rmi by ID of an image with several names needs -f" {
    nook tag busybox second-name
    run nook rmi "$(image_id busybox)"
    assert_status 125
    assert_output_contains "more than one tag"
    nook untag busybox second-name
}

@test "rmi refuses an image a container uses, naming the container; -f removes both" {
    use_empty_store
    nook load -i "$NOOK_FIXTURES/busybox.tar" >/dev/null
    nook run --name user-of-image busybox true
    cid=$(nook ps -aq --no-trunc)
    run nook rmi busybox
    assert_status 2
    # Podman's message, with the container's name after its ID.
    assert_output_equals "Error: image used by $cid (user-of-image): image is in use by a container: consider listing external containers and force-removing image"
    run nook image exists busybox
    assert_status 0
    run nook rmi -f busybox
    assert_status 0
    assert_output_contains "Deleted: "
    run nook ps -aq
    assert_output_equals ""
    assert_no_leftovers
    nook_teardown_file
}

@test "rmi of the last name deletes the image, its layers and blobs" {
    use_empty_store
    nook load -i "$NOOK_FIXTURES/busybox.tar" >/dev/null
    nook load -i "$NOOK_FIXTURES/nook-test.tar" >/dev/null
    [ "$(layer_dirs)" -eq 3 ] && [ "$(blob_files)" -eq 3 ]
    id=$(image_id nook-test)
    run nook rmi nook-test
    assert_status 0
    assert_output_contains "Untagged: localhost/nook-test:latest"
    assert_output_contains "Deleted: $id"
    # The busybox base layer stays: busybox uses it.
    [ "$(layer_dirs)" -eq 1 ] && [ "$(blob_files)" -eq 1 ]
    nook run --rm busybox true
    run nook rmi busybox
    assert_status 0
    [ "$(layer_dirs)" -eq 0 ] && [ "$(blob_files)" -eq 0 ]
    assert_no_leftovers
    nook_teardown_file
}

@test "rmi of an unknown image exits 1; the others are still removed" {
    nook tag busybox doomed
    run nook rmi nosuchimage doomed
    assert_status 1
    assert_output_contains "Error: nosuchimage: image not known"
    assert_output_contains "Untagged: localhost/doomed:latest"
}

@test "rmi -a removes every image, image rm is an alias" {
    use_empty_store
    nook load -i "$NOOK_FIXTURES/busybox.tar" >/dev/null
    nook load -i "$NOOK_FIXTURES/nook-test.tar" >/dev/null
    run nook rmi -a
    assert_status 0
    [ "$(echo "$output" | grep -c '^Deleted: ')" -eq 2 ]
    run nook images -q
    assert_output_equals ""
    nook load -i "$NOOK_FIXTURES/busybox.tar" >/dev/null
    run nook image rm busybox
    assert_status 0
    assert_output_contains "Deleted: "
    nook_teardown_file
}

@test "image prune removes dangling images only; -a also unused named ones" {
    use_empty_store
    nook load -i "$NOOK_FIXTURES/busybox.tar" >/dev/null
    nook load -i "$NOOK_FIXTURES/nook-test.tar" >/dev/null
    nook untag nook-test
    dangling=$(nook images -q --no-trunc | sed 's/^sha256://' | grep -v "$(image_id busybox)")
    run nook image prune -f
    assert_status 0
    assert_output_equals "$dangling"
    run nook image exists busybox
    assert_status 0
    nook run --name keeps-busybox busybox true
    run nook image prune -a -f
    assert_status 0
    assert_output_equals ""
    run nook image exists busybox
    assert_status 0
    nook rm keeps-busybox
    busybox_id=$(image_id busybox)
    run nook image prune -a -f
    assert_status 0
    assert_output_equals "$busybox_id"
    nook_teardown_file
}

@test "image prune without -f asks, and a no keeps everything" {
    use_empty_store
    nook load -i "$NOOK_FIXTURES/busybox.tar" >/dev/null
    nook untag busybox
    run bash -c 'echo n | "$NOOK" image prune'
    assert_status 0
    assert_output_contains "Are you sure you want to continue? [y/N]"
    [ "$(nook images -q | wc -l)" -eq 1 ]
    run bash -c 'echo y | "$NOOK" image prune'
    assert_status 0
    [ "$(nook images -q | wc -l)" -eq 0 ]
    nook_teardown_file
}

@test "image inspect prints Podman's keys, indented as Podman" {
    run nook image inspect nook-test
    assert_status 0
    [ "$(echo "$output" | head -2 | tail -1)" = "     {" ]
    for key in Id Digest RepoTags RepoDigests Parent Comment Created Config Version Author \
               Architecture Os Size VirtualSize GraphDriver RootFS Labels Annotations \
               ManifestType User History NamesHistory; do
        echo "$output" | grep -q "^          \"$key\": " || { echo "missing $key"; return 1; }
    done
    assert_output_contains "\"Id\": \"$(image_id nook-test)\""
    assert_output_contains '"localhost/nook-test:latest"'
    assert_output_contains '"org.nook.test": "yes"'
    assert_output_contains '"User": "user"'
    assert_output_contains '"Type": "layers"'
    [ "$(echo "$output" | grep -c '"sha256:[0-9a-f]\{64\}"')" -ge 3 ]
}

@test "image inspect -f: {{if}} on the labels takes the branch each image calls for" {
    run nook image inspect -f '{{if .Config.Labels}}{{index .Config.Labels "org.nook.test"}}{{else}}none{{end}}' nook-test busybox
    assert_status 0
    assert_output_equals $'yes\nnone'
    run nook image inspect --format '{{if not .Config.Labels}}unlabelled{{end}}|{{json .Config.Labels}}' busybox
    assert_output_equals "unlabelled|null"
}

@test "image inspect of several images gives one array; an unknown one fails" {
    run nook image inspect busybox nook-test
    assert_status 0
    [ "$(echo "$output" | grep -c '^          "Id": ')" -eq 2 ]
    run nook image inspect nosuchimage
    assert_status 125
    assert_output_contains "nosuchimage: image not known"
}

@test "load reads a docker-archive and names its images as Docker does" {
    command -v skopeo >/dev/null || skip "skopeo (Debian package skopeo) is needed to write the archive"
    skopeo copy -q "oci-archive:$NOOK_FIXTURES/busybox.tar" \
        "docker-archive:$BATS_TEST_TMPDIR/docker.tar:mybox:1.0"
    run nook load -i "$BATS_TEST_TMPDIR/docker.tar"
    assert_status 0
    assert_output_equals "Loaded image: docker.io/library/mybox:1.0"
    run nook run --rm mybox:1.0 echo from a docker-archive
    assert_status 0
    assert_output_equals "from a docker-archive"
    # Same config, same image: one image, two names.
    [ "$(image_id mybox:1.0)" = "$(image_id busybox)" ]
    nook untag busybox docker.io/library/mybox:1.0
}

@test "load reads an OCI layout directory, whole or by tag" {
    command -v skopeo >/dev/null || skip "skopeo (Debian package skopeo) is needed to write the layout"
    skopeo copy -q "oci-archive:$NOOK_FIXTURES/nook-test.tar" "oci:$BATS_TEST_TMPDIR/layout:v1"
    skopeo copy -q "oci-archive:$NOOK_FIXTURES/busybox.tar" "oci:$BATS_TEST_TMPDIR/layout:v2"
    use_empty_store
    run nook load -i "oci:$BATS_TEST_TMPDIR/layout:v2"
    assert_status 0
    run nook images -q --no-trunc
    [ "$(echo "$output" | wc -l)" -eq 1 ]
    run nook load -i "$BATS_TEST_TMPDIR/layout"
    assert_status 0
    run nook images -q
    [ "$(echo "$output" | wc -l)" -eq 2 ]
    run nook load -i "oci:$BATS_TEST_TMPDIR/layout:nosuchtag"
    assert_status 125
    assert_output_contains "no image tagged \`nosuchtag\`"
    nook_teardown_file
}

@test "a layout directory whose blob does not match its digest is refused, nothing stored" {
    command -v skopeo >/dev/null || skip "skopeo (Debian package skopeo) is needed to write the layout"
    skopeo copy -q "oci-archive:$NOOK_FIXTURES/busybox.tar" "oci:$BATS_TEST_TMPDIR/bad:v1"
    blob=$(ls -S "$BATS_TEST_TMPDIR/bad/blobs/sha256" | head -1)
    chmod u+w "$BATS_TEST_TMPDIR/bad/blobs/sha256/$blob"
    printf 'x' >> "$BATS_TEST_TMPDIR/bad/blobs/sha256/$blob"
    use_empty_store
    run nook load -i "$BATS_TEST_TMPDIR/bad"
    assert_status 125
    assert_output_contains "does not match"
    run nook images -q
    assert_output_equals ""
    assert_no_leftovers
    nook_teardown_file
}

@test "an image is found by its full ID, sha256:ID, a unique prefix and its full name" {
    local id; id=$(image_id busybox)
    local ref
    for ref in "$id" "sha256:$id" "${id:0:12}" "${id:0:5}" localhost/busybox:latest localhost/busybox busybox:latest; do
        run nook image inspect --format '{{.Id}}' "$ref"
        assert_status 0
        assert_output_equals "$id"
    done
    run nook run --rm "${id:0:12}" echo by-id
    assert_status 0
    assert_output_equals "by-id"
}

@test "an ID prefix two images share is refused as ambiguous" {
    use_empty_store
    local i
    # 17 images: two of them share their first hex digit.
    for i in $(seq 17); do
        echo "$i" > "$BATS_TEST_TMPDIR/f"
        tar -C "$BATS_TEST_TMPDIR" -cf "$BATS_TEST_TMPDIR/t.tar" f
        nook import "$BATS_TEST_TMPDIR/t.tar" "img$i" >/dev/null
    done
    local c; c=$(nook images -q | cut -c1 | sort | uniq -d | head -1)
    [ -n "$c" ]
    run --separate-stderr nook image inspect "$c"
    assert_status 125
    [[ "$stderr" == *"more than one image has this ID prefix"* ]] || { echo "$stderr"; false; }
    run --separate-stderr nook run --rm "$c" true
    assert_status 125
    [[ "$stderr" == *"more than one image"* ]]
    remove_test_store
}
