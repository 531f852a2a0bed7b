#!/usr/bin/env bats
# images --format (Go templates, table, json) and --filter.

load helpers
bats_require_minimum_version 1.5.0

setup_file () {
    nook_setup_file
    "$NOOK" tag nook-test second:v2
    # An image made now, newer than the fixtures (made in 2024).
    tar -C "$NOOK_FIXTURES" -cf "$BATS_FILE_TMPDIR/rootfs.tar" mktar
    "$NOOK" import - localhost/imported:now < "$BATS_FILE_TMPDIR/rootfs.tar" >/dev/null
}
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () { require_rootless; }

image_id () {
    nook images -q --no-trunc "$1" | sed 's/^sha256://'
}

@test "images --format runs the template once per name" {
    run nook images --format '{{.ID}} {{.Repository}}:{{.Tag}}'
    assert_status 0
    local nt; nt=$(image_id nook-test | cut -c1-12)
    assert_output_contains "$nt localhost/nook-test:latest"
    assert_output_contains "$nt localhost/second:v2"
    [ "$(echo "$output" | wc -l)" -eq 4 ]
    [[ "${lines[0]}" != *REPOSITORY* ]]
}

@test "images --format table prints Podman's header and aligns the columns" {
    run nook images --format 'table {{.ID}} {{.Repository}} {{.Size}}'
    assert_status 0
    [[ "${lines[0]}" =~ ^IMAGE\ ID\ +REPOSITORY\ +SIZE$ ]] || { echo "${lines[0]}"; false; }
    [[ "${lines[1]}" =~ ^[0-9a-f]{12}\ \ localhost/ ]]
    run nook images --format table
    [ "$output" = "$(nook images)" ]
}

@test "images --format with --no-trunc and the time fields" {
    run nook images --no-trunc --format '{{.ID}}|{{.CreatedAt}}|{{.Created}}' busybox
    assert_status 0
    [[ "$output" =~ ^sha256:[0-9a-f]{64}\|2024-01-01\ 00:00:00\ [-+][0-9]{4}\ [A-Z]+\|[0-9]+\ years?\ ago$ ]] \
        || { echo "$output"; false; }
}

@test "images --format sees labels, names, digests and the container count" {
    nook run --name fmt-user nook-test true
    run nook images --format '{{.Repository}}|{{index .Labels "org.nook.test"}}|{{.Containers}}|{{len .Names}}|{{.Dangling}}' nook-test
    assert_status 0
    assert_output_contains "localhost/nook-test|yes|1|2|false"
    # A template that reads the row whole sees the count too.
    run nook images --format '{{.}}|{{index . "Containers"}}' nook-test
    assert_status 0
    assert_output_contains "map[Containers:1 "
    assert_output_contains "]|1"
    run nook images --format '{{json .Labels}}' busybox
    assert_output_equals "{}"
    run nook images --format '{{.Digest}}' busybox
    [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
    nook rm fmt-user
}

@test "images --format json prints one object per image with Podman's keys" {
    run nook images --format json
    assert_status 0
    [ "${lines[0]}" = "[" ]
    [ "${lines[1]}" = "    {" ]
    [ "$(echo "$output" | grep -c '"Id":')" -eq 3 ]
    local key
    for key in Id ParentId RepoTags RepoDigests Size SharedSize VirtualSize Labels Containers \
               Names Digest History Created CreatedAt; do
        assert_output_contains "\"$key\":"
    done
    assert_output_contains '"org.nook.test": "yes"'
    assert_output_contains '"Created": 1704067200'
}

@test "images and history: --format '{{json .}}' prints what --format json does, as Podman 4.3" {
    run nook images --format json
    assert_status 0
    local json=$output
    run nook images --format '{{json .}}'
    assert_status 0
    assert_output_equals "$json"
    # Podman 4.3's history of busybox, byte for byte.
    local bb; bb=$(image_id busybox)
    local want="[{\"id\":\"$bb\",\"created\":\"2024-01-01T00:00:00Z\",\"CreatedBy\":\"nook fixtures: busybox base (bin/busybox + applet symlinks, etc/passwd, etc/group, base dirs)\",\"size\":2128896,\"Created\":\"2024-01-01T00:00:00Z\"}]"
    run nook history --format json busybox
    assert_status 0
    assert_output_equals "$want"
    run nook history --format '{{json .}}' busybox
    assert_status 0
    assert_output_equals "$want"
}

# `nook ARGS...`'s table with the age of an image made seconds ago (it
# grows between two runs) and the padding that follows from it evened out.
images_table () {
    nook "$@" | sed -E 's/(Less than a second|[0-9]+ seconds?) ago/recently/' | tr -s ' '
}

@test "images -a lists what images lists, a dangling image too; image ls -a likewise" {
    local plain
    plain=$(images_table images)
    [ "$(echo "$plain" | wc -l)" -eq 5 ]
    run images_table images -a
    assert_status 0
    assert_output_equals "$plain"
    run images_table image ls --all
    assert_output_equals "$plain"
    nook untag imported:now
    plain=$(images_table images)
    [[ "$plain" == *"<none> <none> "* ]] || { echo "$plain"; false; }
    run images_table images -a
    assert_output_equals "$plain"
    run images_table image ls -a
    assert_output_equals "$plain"
    run nook images -a -q
    [ "$(echo "$output" | wc -l)" -eq 3 ]
    nook tag "$(nook images -q --filter dangling=true)" localhost/imported:now
}

@test "images -q wins over --format" {
    run nook images -q --format '{{.Repository}}'
    assert_status 0
    [ "$(echo "$output" | grep -cE '^[0-9a-f]{12}$')" -eq 3 ]
}

@test "images --filter reference takes globs; several are alternatives" {
    run nook images --filter 'reference=*/second' --format '{{.Repository}}:{{.Tag}}'
    assert_status 0
    # The image matches, and is shown with all its names.
    assert_output_equals "$(printf 'localhost/nook-test:latest\nlocalhost/second:v2')"
    run nook images -f reference=busybox -f reference=imported --format '{{.Repository}}'
    assert_output_equals "$(printf 'localhost/imported\nlocalhost/busybox')"
    run nook images --filter reference=nothing-like-this
    assert_output_equals "REPOSITORY  TAG         IMAGE ID    CREATED     SIZE"
}

@test "images --filter label: a key or key=value, all must hold" {
    run nook images --filter label=org.nook.test --format '{{.Repository}}'
    assert_output_equals "$(printf 'localhost/nook-test\nlocalhost/second')"
    run nook images --filter label=org.nook.test=yes --filter label=maintainer --format '{{.Repository}}:{{.Tag}}'
    assert_output_contains "localhost/nook-test:latest"
    run nook images --filter label=org.nook.test=no --format '{{.Repository}}'
    assert_output_equals ""
    run nook images --filter label=org.nook.test --filter label=nosuchlabel --format '{{.Repository}}'
    assert_output_equals ""
}

@test "images --filter before and since compare creation times" {
    run nook images --filter since=busybox --format '{{.Repository}}'
    assert_output_equals "localhost/imported"
    run nook images --filter before=imported:now --format '{{.Repository}}:{{.Tag}}'
    assert_output_contains "localhost/busybox:latest"
    assert_output_contains "localhost/nook-test:latest"
    [[ "$output" != *imported* ]]
    run --separate-stderr nook images --filter before=nosuchimage
    assert_status 125
    [[ "$stderr" == *"nosuchimage: image not known"* ]]
}

@test "images --filter id, digest and containers" {
    local id; id=$(image_id busybox)
    run nook images --filter "id=${id:0:8}" --format '{{.Repository}}'
    assert_output_equals "localhost/busybox"
    local digest; digest=$(nook images --format '{{.Digest}}' busybox)
    run nook images --filter "digest=$digest" --format '{{.Repository}}'
    assert_output_equals "localhost/busybox"
    nook run --name flt-user busybox true
    run nook images --filter containers=true --format '{{.Repository}}'
    assert_output_equals "localhost/busybox"
    run nook images --filter containers=false --format '{{.Repository}}'
    [[ "$output" != *busybox* ]]
    nook rm flt-user
}

@test "images --filter dangling shows images without names" {
    run nook images --filter dangling=true --format '{{.ID}}'
    assert_output_equals ""
    nook untag imported:now
    run nook images --filter dangling=true --format '{{.Repository}}:{{.Tag}} {{.Dangling}}'
    assert_output_equals "<none>:<none> true"
    run nook images --filter dangling=false -q
    [ "$(echo "$output" | wc -l)" -eq 2 ]
    nook tag "$(nook images -q --filter dangling=true)" localhost/imported:now
}

@test "images refuses unknown filters and bad values" {
    run --separate-stderr nook images --filter bogus=1
    assert_status 125
    [ "$stderr" = 'Error: unsupported image filter "bogus"' ]
    run --separate-stderr nook images --filter dangling=maybe
    assert_status 125
    [[ "$stderr" == Error:*maybe* ]]
    run --separate-stderr nook images --filter dangling
    assert_status 125
    [[ "$stderr" == *'must be in the format "filter=value"'* ]]
}

@test "images refuses a bad template" {
    run --separate-stderr nook images --format '{{.Repository'
    assert_status 125
    [[ "$stderr" == Error:*template* ]]
}
