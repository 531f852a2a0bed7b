# Registries for the tests, on 127.0.0.1 only, each on a free port, each
# started by the test file that uses it and stopped by its teardown:
#   reg_start NAME plain|tls-htpasswd|token   sets REG_PORT (and the files
#                                             below under $REG_ROOT/NAME)
#   reg_fake NAME LAYOUT                      the misbehaving registry
#   reg_stop_all
# Debian's docker-registry serves the real ones; the token server and the
# fake registry are the python scripts next to this file.
REG_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

reg_require () {
    command -v docker-registry >/dev/null || skip "docker-registry is not installed"
    command -v openssl >/dev/null || skip "openssl is not installed"
    command -v htpasswd >/dev/null || skip "htpasswd (apache2-utils) is not installed"
    command -v python3 >/dev/null || skip "python3 is not installed"
    command -v curl >/dev/null || skip "curl is not installed"
}

reg_free_port () {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait until URL answers (any HTTP status), at most 10 s.
reg_wait () {
    local i
    for i in $(seq 100); do
        curl -s -k -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "nothing answers at $1" >&2
    return 1
}

# A CA and a certificate for 127.0.0.1 signed by it, in DIR.
reg_certs () {
    local d=$1
    mkdir -p "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=nook test CA" \
        -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' > "$d/ext"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
        -days 2 -extfile "$d/ext" -out "$d/server.crt" 2>/dev/null
}

reg_start () {
    local name=$1 mode=$2 dir
    : "${REG_ROOT:=$BATS_FILE_TMPDIR/registries}"
    dir=$REG_ROOT/$name
    mkdir -p "$dir/data"
    REG_PORT=$(reg_free_port)
    echo "$REG_PORT" > "$dir/port"
    {
        printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n'
        printf 'storage:\n  filesystem:\n    rootdirectory: %s/data\n  delete:\n    enabled: true\n' "$dir"
        printf 'http:\n  addr: 127.0.0.1:%s\n' "$REG_PORT"
    } > "$dir/config.yml"
    case $mode in
        plain) ;;
        tls-htpasswd)
            reg_certs "$dir/certs"
            htpasswd -Bbc "$dir/htpasswd" nookuser nookpass 2>/dev/null
            printf '  tls:\n    certificate: %s/certs/server.crt\n    key: %s/certs/server.key\n' "$dir" "$dir" >> "$dir/config.yml"
            printf 'auth:\n  htpasswd:\n    realm: nook-test\n    path: %s/htpasswd\n' "$dir" >> "$dir/config.yml"
            ;;
        token)
            reg_certs "$dir/certs"
            REG_TOKEN_PORT=$(reg_free_port)
            echo "$REG_TOKEN_PORT" > "$dir/token-port"
            printf 'auth:\n  token:\n    realm: http://127.0.0.1:%s/token\n    service: nook-registry\n    issuer: nook-token-issuer\n    rootcertbundle: %s/certs/ca.crt\n' \
                "$REG_TOKEN_PORT" "$dir" >> "$dir/config.yml"
            python3 "$REG_LIB_DIR/token-server.py" "$REG_TOKEN_PORT" "$dir/certs/ca.key" "$dir/certs/ca.crt" \
                nook-token-issuer nook-registry tokuser:tokpass >"$dir/token.log" 2>&1 &
            echo $! > "$dir/token.pid"
            reg_wait "http://127.0.0.1:$REG_TOKEN_PORT/count"
            ;;
    esac
    env -u REGISTRY_AUTH_FILE docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
    echo $! > "$dir/pid"
    local scheme=http
    [ "$mode" = tls-htpasswd ] && scheme=https
    reg_wait "$scheme://127.0.0.1:$REG_PORT/v2/" || { cat "$dir/log" >&2; return 1; }
}

reg_fake () {
    local name=$1 layout=$2 dir
    : "${REG_ROOT:=$BATS_FILE_TMPDIR/registries}"
    dir=$REG_ROOT/$name
    mkdir -p "$dir"
    REG_PORT=$(reg_free_port)
    echo "$REG_PORT" > "$dir/port"
    python3 "$REG_LIB_DIR/fake-registry.py" "$REG_PORT" "$layout" >"$dir/log" 2>&1 &
    echo $! > "$dir/pid"
    reg_wait "http://127.0.0.1:$REG_PORT/v2/"
}

reg_stop_all () {
    local f
    for f in "${REG_ROOT:-$BATS_FILE_TMPDIR/registries}"/*/*pid; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    return 0
}
