#!/usr/bin/env bats
# pull, push, login, logout against Debian's docker-registry on 127.0.0.1:
# anonymous HTTP, TLS with a test CA and htpasswd Basic auth, token auth
# with the test token server; and a misbehaving registry for what nook
# must refuse.

load helpers
load completion

bats_require_minimum_version 1.5.0
load ../registry/registry

setup_file () {
    nook_setup_file
    export REG_ROOT="$BATS_FILE_TMPDIR/registries"
    export XDG_CONFIG_HOME="$BATS_FILE_TMPDIR/config"
    unset REGISTRY_AUTH_FILE
    mkdir -p "$XDG_CONFIG_HOME/containers"
    if command -v docker-registry >/dev/null && command -v htpasswd >/dev/null \
        && command -v python3 >/dev/null && command -v openssl >/dev/null; then
        reg_start plain plain
        reg_start tls tls-htpasswd
        reg_start token token
        "$NOOK" save --format oci-dir -o "$BATS_FILE_TMPDIR/layout" localhost/busybox:latest
        reg_fake fake "$BATS_FILE_TMPDIR/layout"
    fi
}

teardown_file () {
    reg_stop_all
    nook_teardown_file
}

setup () {
    reg_require
    PLAIN=127.0.0.1:$(cat "$REG_ROOT/plain/port")
    TLS=127.0.0.1:$(cat "$REG_ROOT/tls/port")
    TOKEN=127.0.0.1:$(cat "$REG_ROOT/token/port")
    FAKE=127.0.0.1:$(cat "$REG_ROOT/fake/port")
    CERTS=$REG_ROOT/tls/certs
    # Only the test's own registries.conf: the plain registry is insecure.
    cat > "$XDG_CONFIG_HOME/containers/registries.conf" <<CONF
unqualified-search-registries = ["$PLAIN"]
[[registry]]
location = "$PLAIN"
insecure = true
[[registry]]
location = "$FAKE"
insecure = true
[[registry]]
location = "$TOKEN"
insecure = true
CONF
}

teardown () {
    remove_test_store
}

image_count () {
    "$NOOK" images -q | wc -l
}

@test "push then pull back: same manifest digest and image ID, progress lines, ID on stdout" {
    run nook push --digestfile "$BATS_TEST_TMPDIR/pushed" localhost/nook-test:latest "$PLAIN/nook/test:v1"
    assert_status 0
    assert_output_contains "Copying blob"
    assert_output_contains "Writing manifest to image destination"
    id=$(nook images -q --no-trunc localhost/nook-test:latest | sed 's/^sha256://')
    use_empty_store
    run nook pull --digestfile "$BATS_TEST_TMPDIR/pulled" "$PLAIN/nook/test:v1"
    assert_status 0
    assert_output_contains "Trying to pull $PLAIN/nook/test:v1..."
    assert_output_contains "Copying blob"
    [ "${lines[-1]}" = "$id" ]
    [ "$(cat "$BATS_TEST_TMPDIR/pushed")" = "$(cat "$BATS_TEST_TMPDIR/pulled")" ]
    run nook images --format '{{.Repository}}:{{.Tag}}'
    assert_output_contains "$PLAIN/nook/test:v1"
    # The image runs from what was pulled.
    nook save -o "$BATS_TEST_TMPDIR/back.tar" "$PLAIN/nook/test:v1"
}

@test "pull -q prints the image ID only; a second pull downloads nothing" {
    nook push -q localhost/busybox:latest "$PLAIN/busybox:latest"
    use_empty_store
    run nook pull -q "$PLAIN/busybox:latest"
    assert_status 0
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    run nook pull "$PLAIN/busybox:latest"
    assert_status 0
    assert_output_contains "skipped: already exists"
}

@test "run and create pull a missing image (--pull missing, always, never; -q)" {
    nook push -q localhost/busybox:latest "$PLAIN/busybox:runme"
    use_empty_store
    run --separate-stderr nook run --rm --pull never "$PLAIN/busybox:runme" echo no
    assert_status 125
    [ "$stderr" = "Error: $PLAIN/busybox:runme: image not known" ]
    run --separate-stderr nook run --rm "$PLAIN/busybox:runme" echo pulled-and-ran
    assert_status 0
    [ "$output" = pulled-and-ran ]
    [[ "$stderr" == *"Copying blob"* ]]
    # Found locally now: no registry is asked, nothing is printed.
    run --separate-stderr nook run --rm "$PLAIN/busybox:runme" echo again
    assert_status 0
    [ "$output" = again ] && [ -z "$stderr" ]
    run --separate-stderr nook create -q --pull always --name pa "$PLAIN/busybox:runme" true
    assert_status 0
    [[ "$output" =~ ^[0-9a-f]{64}$ ]] && [ -z "$stderr" ]
    run --separate-stderr nook run --rm --pull bogus "$PLAIN/busybox:runme" true
    assert_status 125
    [[ "$stderr" == *'unsupported pull policy "bogus"'* ]]
}

@test "pull by digest; a digest the registry does not have is an error" {
    nook push -q --digestfile "$BATS_TEST_TMPDIR/d" localhost/busybox:latest "$PLAIN/busybox:latest"
    use_empty_store
    run nook pull -q "$PLAIN/busybox@$(cat "$BATS_TEST_TMPDIR/d")"
    assert_status 0
    run nook pull -q "$PLAIN/busybox@sha256:$(printf '%064d' 0)"
    assert_status 125
    assert_output_contains "manifest unknown"
}

@test "short names: unqualified-search-registries, aliases, and the error lists what was tried" {
    nook push -q localhost/busybox:latest "$PLAIN/library/shortbox:latest"
    use_empty_store
    run nook pull -q library/shortbox
    assert_status 0
    run nook images --format '{{.Repository}}'
    assert_output_contains "$PLAIN/library/shortbox"
    printf '[aliases]\n"aliasbox" = "%s/library/shortbox"\n' "$PLAIN" >> "$XDG_CONFIG_HOME/containers/registries.conf"
    run nook pull -q aliasbox
    assert_status 0
    run nook pull -q no-such-image
    assert_status 125
    assert_output_contains "$PLAIN/no-such-image:latest"
}

@test "a registry blocked in registries.conf is refused" {
    printf '[[registry]]\nlocation = "127.0.0.1:1"\nblocked = true\n' >> "$XDG_CONFIG_HOME/containers/registries.conf"
    run nook pull 127.0.0.1:1/x
    assert_status 125
    assert_output_contains "blocked"
}

@test "pull --all-tags pulls every tag" {
    nook push -q localhost/busybox:latest "$PLAIN/alltags:a"
    nook push -q localhost/nook-test:latest "$PLAIN/alltags:b"
    use_empty_store
    run nook pull -q --all-tags "$PLAIN/alltags"
    assert_status 0
    run nook images --format '{{.Tag}}'
    assert_output_contains "a"
    assert_output_contains "b"
}

@test "a multi-arch index: the platform is chosen; none matching names the offered ones" {
    nook push -q --digestfile "$BATS_TEST_TMPDIR/amd" localhost/busybox:latest "$PLAIN/multi:amd64"
    nook push -q --digestfile "$BATS_TEST_TMPDIR/arm" localhost/nook-test:latest "$PLAIN/multi:arm64"
    size () { curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$PLAIN/v2/multi/manifests/$1" | wc -c; }
    idx=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"platform":{"os":"linux","architecture":"amd64"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]}' \
        "$(cat "$BATS_TEST_TMPDIR/amd")" "$(size amd64)" "$(cat "$BATS_TEST_TMPDIR/arm")" "$(size arm64)")
    curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' --data-binary "$idx" "http://$PLAIN/v2/multi/manifests/latest"
    bb=$(nook images -q --no-trunc localhost/busybox | sed 's/^sha256://')
    nt=$(nook images -q --no-trunc localhost/nook-test | sed 's/^sha256://')
    use_empty_store
    run nook pull -q --platform linux/arm64 "$PLAIN/multi:latest"
    assert_status 0
    assert_output_equals "$nt"
    run nook pull -q --arch amd64 "$PLAIN/multi:latest"
    assert_output_equals "$bb"
    run nook pull -q --os linux --arch arm64 --variant v8 "$PLAIN/multi:latest"
    assert_output_equals "$nt"
    run nook pull -q --arch s390x "$PLAIN/multi:latest"
    assert_status 125
    assert_output_contains "linux/amd64"
    assert_output_contains "linux/arm64"
}

@test "push --format v2s2 and oci, --compression-format" {
    nook push -q --format v2s2 localhost/busybox:latest "$PLAIN/fmt:v2s2"
    run curl -sf -o /dev/null -w '%{content_type}' -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$PLAIN/v2/fmt/manifests/v2s2"
    assert_output_contains "application/vnd.docker.distribution.manifest.v2+json"
    nook push -q --format oci --compression-format gzip localhost/busybox:latest "$PLAIN/fmt:oci"
    run curl -sf -o /dev/null -w '%{content_type}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$PLAIN/v2/fmt/manifests/oci"
    assert_output_contains "application/vnd.oci.image.manifest.v1+json"
    run nook push --format bogus localhost/busybox:latest "$PLAIN/fmt:x"
    assert_status 125
    # gzip layers recompressed as zstd: a new manifest, the same image
    nook push -q --compression-format zstd localhost/nook-test:latest "$PLAIN/fmt:zstd"
    run curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$PLAIN/v2/fmt/manifests/zstd"
    assert_output_contains "application/vnd.oci.image.layer.v1.tar+zstd"
    [[ "$output" != *"tar+gzip"* ]]
    run nook push --format v2s2 --compression-format zstd localhost/busybox:latest "$PLAIN/fmt:zstd2"
    assert_status 125
    assert_output_contains "zstd"
    id=$(nook image inspect --format '{{.Id}}' localhost/nook-test:latest)
    use_empty_store
    run nook pull -q "$PLAIN/fmt:zstd"
    assert_status 0
    assert_output_equals "$id"
    # the v2s2 image pulls back
    use_empty_store
    run nook pull -q "$PLAIN/fmt:v2s2"
    assert_status 0
}

@test "push needs a registry in the name; a missing image is an error" {
    run nook push localhost/busybox:latest busybox
    assert_status 125
    run nook push localhost/no-such:latest "$PLAIN/x"
    assert_status 125
    assert_output_contains "image not known"
}

@test "TLS and Basic auth: --cert-dir, --tls-verify, --creds" {
    run nook push -q localhost/busybox:latest "$TLS/tlsbox:latest"
    assert_status 125
    run nook push -q --cert-dir "$CERTS" localhost/busybox:latest "$TLS/tlsbox:latest"
    assert_status 125
    assert_output_contains "authentication required"
    nook push -q --cert-dir "$CERTS" --creds nookuser:nookpass localhost/busybox:latest "$TLS/tlsbox:latest"
    use_empty_store
    run nook pull -q --tls-verify=false --creds nookuser:nookpass "$TLS/tlsbox:latest"
    assert_status 0
    run nook pull -q --cert-dir "$CERTS" --creds nookuser:wrong "$TLS/tlsbox:latest"
    assert_status 125
}

@test "login: a wrong password fails and writes nothing; --password-stdin, 0600, --get-login, logout" {
    auth=$BATS_TEST_TMPDIR/auth.json
    run nook login --authfile "$auth" --cert-dir "$CERTS" -u nookuser -p wrong "$TLS"
    assert_status 125
    assert_output_contains "invalid username/password"
    [ ! -e "$auth" ]
    run sh -c "echo nookpass | $NOOK login --authfile $auth --cert-dir $CERTS -u nookuser --password-stdin $TLS"
    assert_status 0
    assert_output_equals "Login Succeeded!"
    [ "$(stat -c %a "$auth")" = 600 ]
    grep -q "\"$TLS\"" "$auth"
    grep -q "$(printf nookuser:nookpass | base64)" "$auth"
    run nook login --authfile "$auth" --get-login "$TLS"
    assert_output_equals "nookuser"
    # pull with the stored credentials
    use_empty_store
    run nook pull -q --authfile "$auth" --cert-dir "$CERTS" "$TLS/tlsbox:latest"
    assert_status 0
    run nook logout --authfile "$auth" "$TLS"
    assert_status 0
    assert_output_equals "Removed login credentials for $TLS"
    run nook logout --authfile "$auth" "$TLS"
    assert_status 125
    assert_output_contains "not logged into $TLS"
    run nook login --authfile "$auth" --get-login "$TLS"
    assert_status 125
}

@test "login writes where it survives a reboot by default; logout --all" {
    unset REGISTRY_AUTH_FILE
    run sh -c "echo nookpass | $NOOK login --cert-dir $CERTS -u nookuser --password-stdin $TLS"
    assert_status 0
    [ -f "$XDG_CONFIG_HOME/containers/auth.json" ]
    [ "$(stat -c %a "$XDG_CONFIG_HOME/containers/auth.json")" = 600 ]
    run nook logout --all
    assert_status 0
    assert_output_equals "Removed login credentials for all registries"
    ! grep -q "$TLS" "$XDG_CONFIG_HOME/containers/auth.json"
}

@test "credentials from \$REGISTRY_AUTH_FILE and ~/.docker/config.json" {
    printf '{"auths":{"%s":{"auth":"%s"}}}' "$TLS" "$(printf nookuser:nookpass | base64)" > "$BATS_TEST_TMPDIR/a.json"
    nook push -q --cert-dir "$CERTS" --creds nookuser:nookpass localhost/busybox:latest "$TLS/tlsbox:latest"
    use_empty_store
    REGISTRY_AUTH_FILE=$BATS_TEST_TMPDIR/a.json run nook pull -q --cert-dir "$CERTS" "$TLS/tlsbox:latest"
    assert_status 0
    mkdir -p "$BATS_TEST_TMPDIR/home/.docker"
    cp "$BATS_TEST_TMPDIR/a.json" "$BATS_TEST_TMPDIR/home/.docker/config.json"
    use_empty_store
    HOME=$BATS_TEST_TMPDIR/home XDG_RUNTIME_DIR= run nook pull -q --cert-dir "$CERTS" "$TLS/tlsbox:latest"
    assert_status 0
}

@test "token auth: push and pull with tokens, reused across layer requests" {
    tport=$(cat "$REG_ROOT/token/token-port")
    run nook push -q localhost/nook-test:latest "$TOKEN/tok/test:latest"
    assert_status 125
    nook push -q --creds tokuser:tokpass localhost/nook-test:latest "$TOKEN/tok/test:latest"
    before=$(curl -s "http://127.0.0.1:$tport/count" | sed 's/[^0-9]//g')
    use_empty_store
    run nook pull -q --creds tokuser:tokpass "$TOKEN/tok/test:latest"
    assert_status 0
    after=$(curl -s "http://127.0.0.1:$tport/count" | sed 's/[^0-9]//g')
    # one token for the pull scope: not one per blob (3 layers + config)
    [ $((after - before)) -le 2 ]
    run sh -c "echo wrong | $NOOK login --authfile $BATS_TEST_TMPDIR/t.json -u tokuser --password-stdin $TOKEN"
    assert_status 125
    [ ! -e "$BATS_TEST_TMPDIR/t.json" ]
    run sh -c "echo tokpass | $NOOK login --authfile $BATS_TEST_TMPDIR/t.json -u tokuser --password-stdin $TOKEN"
    assert_status 0
}

@test "hostile registry answers: each a clear error, nothing stored" {
    use_empty_store
    check () {
        run nook pull -q "$FAKE/$1"
        assert_status 125
        assert_output_contains "$2"
        [ "$(image_count)" -eq 0 ]
        [ -z "$(ls -A "$NOOK_STORE/tmp" 2>/dev/null)" ]
        [ -z "$(ls -A "$NOOK_STORE/blobs/sha256" 2>/dev/null)" ]
    }
    check badblob "digest"
    check bigblob "more than"
    check midblob "reading blob"
    check status401 "unauthorized"
    check status403 "denied"
    check status404 "manifest unknown"
    check status429 "429"
    check status500 "500"
    check badmanifest "manifest"
    check bigmanifest "more than"
    check redirect "redirect"
    check schema1 "schema 1"
    check arm64only "linux/arm64"
    run nook pull -q "$FAKE/good"
    assert_status 0
}

@test "a pull killed mid-blob leaves nothing visible; the next pull finishes the job" {
    use_empty_store
    "$NOOK" pull -q "$FAKE/hang" >/dev/null 2>&1 &
    pid=$!
    sleep 1.5
    kill -9 "$pid"
    wait "$pid" || true
    [ "$(image_count)" -eq 0 ]
    run nook pull -q "$FAKE/good"
    assert_status 0
    [ "$(image_count)" -eq 1 ]
    [ -z "$(ls -A "$NOOK_STORE/tmp" 2>/dev/null)" ]
}

@test "Ctrl-C during a pull leaves nothing visible" {
    use_empty_store
    run timeout -s INT 2 "$NOOK" pull -q "$FAKE/hang"
    [ "$status" -ne 0 ]
    [ "$(image_count)" -eq 0 ]
    run nook pull -q "$FAKE/good"
    assert_status 0
    [ -z "$(ls -A "$NOOK_STORE/tmp" 2>/dev/null)" ]
}

@test "transient failures are retried" {
    use_empty_store
    run nook pull -q "$FAKE/flaky"
    assert_status 0
}

@test "two pulls of the same image at once: both succeed, one image" {
    nook push -q localhost/nook-test:latest "$PLAIN/concurrent:latest"
    use_empty_store
    "$NOOK" pull -q "$PLAIN/concurrent:latest" > "$BATS_TEST_TMPDIR/a" 2>&1 &
    a=$!
    "$NOOK" pull -q "$PLAIN/concurrent:latest" > "$BATS_TEST_TMPDIR/b" 2>&1 &
    b=$!
    wait "$a"
    wait "$b"
    [ "$(cat "$BATS_TEST_TMPDIR/a")" = "$(cat "$BATS_TEST_TMPDIR/b")" ]
    [ "$(image_count)" -eq 1 ]
    [ -z "$(ls -A "$NOOK_STORE/tmp" 2>/dev/null)" ]
}

@test "a mirror is tried before the registry" {
    nook push -q localhost/busybox:latest "$PLAIN/mirrored/box:latest"
    cat >> "$XDG_CONFIG_HOME/containers/registries.conf" <<CONF
[[registry]]
location = "127.0.0.1:1"
insecure = true
[[registry.mirror]]
location = "$PLAIN/mirrored"
insecure = true
CONF
    use_empty_store
    run nook pull "127.0.0.1:1/box:latest"
    assert_status 0
    assert_output_contains "Trying to pull $PLAIN/mirrored/box:latest"
    run nook images --format '{{.Repository}}'
    assert_output_contains "127.0.0.1:1/box"
}

@test "certificates from \$XDG_CONFIG_HOME/containers/certs.d/HOST" {
    nook push -q --cert-dir "$CERTS" --creds nookuser:nookpass localhost/busybox:latest "$TLS/tlsbox:latest"
    mkdir -p "$XDG_CONFIG_HOME/containers/certs.d/$TLS"
    cp "$CERTS/ca.crt" "$XDG_CONFIG_HOME/containers/certs.d/$TLS/"
    use_empty_store
    run nook pull -q --creds nookuser:nookpass "$TLS/tlsbox:latest"
    rm -rf "$XDG_CONFIG_HOME/containers/certs.d"
    assert_status 0
}

@test "progress on a terminal: bytes and rate per layer" {
    command -v script >/dev/null || skip "script (bsdutils) is not installed"
    nook push -q localhost/nook-test:latest "$PLAIN/tty:latest"
    use_empty_store
    run script -qec "$NOOK pull $PLAIN/tty:latest" /dev/null
    assert_status 0
    assert_output_contains "Copying blob"
    assert_output_contains "done"
    [[ "$output" == *$'\e['* ]]
}

@test "pull and push flags are checked" {
    run nook pull --platform linux "$PLAIN/x"
    assert_status 125
    run nook pull --platform linux/amd64 --arch arm64 "$PLAIN/x"
    assert_status 125
    run nook pull
    assert_status 125
    run nook login --password-stdin "$TLS"
    assert_status 125
    run nook logout
    assert_status 125
}

@test "completion: pull, push, login, logout and their options" {
    [ -r "$NOOK_PREFIX/share/bash-completion/completions/nook" ] || skip "completion not installed"
    run complete_line "pu"
    assert_output_equals "$(printf 'pull\npush')"
    run complete_line "logi"
    assert_output_equals "login"
    run complete_line "logo"
    assert_output_equals "logout"
    run complete_line "image pu"
    assert_output_equals "$(printf 'pull\npush')"
    run complete_line "pull --pl"
    assert_output_equals "--platform"
    run complete_line "push --format "
    assert_output_equals "$(printf 'oci\nv2s2')"
    run complete_line "push --compression-format z"
    assert_output_equals "zstd"
    run complete_line "login --password-s"
    assert_output_equals "--password-stdin"
    run complete_line "logout -"
    assert_output_contains "--all"
    run complete_line "push localhost/busy"
    assert_output_equals "localhost/busybox:latest"
}
