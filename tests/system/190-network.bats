#!/usr/bin/env bats
# Networking: slirp4netns (the default) and pasta, published ports (TCP and
# UDP, ranges, random host ports, -P), --network none/host/container:/ns:,
# /etc/hosts, /etc/resolv.conf and /etc/hostname, DNS through slirp4netns's
# forwarder.  Traffic goes to the host's loopback or to namespaces the
# tests make, nowhere else.

load helpers

bats_require_minimum_version 1.5.0

NETDIR="$BATS_TEST_DIRNAME/../network"

setup_file () {
    nook_setup_file
    # busybox has no UDP tool: a static echo server for the image.
    if command -v cc >/dev/null; then
        cc -static -O2 -o "$BATS_FILE_TMPDIR/udp-echo" "$NETDIR/udp-echo.c" 2>/dev/null || true
    fi
}
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () {
    require_rootless
    command -v slirp4netns >/dev/null || skip "slirp4netns is not installed"
}
teardown () {
    remove_all_containers
    assert_no_leftovers
    assert_no_net_helpers
}

# ---- helpers ------------------------------------------------------------------

# A TCP (or with "udp" a UDP) port free on the host's loopback now.
free_port () {
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "${1:-tcp}"
}

# GET http://127.0.0.1:PORT/PATH, retried while the server starts (10 s).
fetch () {
    local i
    for i in $(seq 100); do
        curl -sf --noproxy '*' --max-time 2 "http://127.0.0.1:$1/${2:-}" && return 0
        sleep 0.1
    done
    return 1
}

# One UDP datagram to 127.0.0.1:PORT and the answer, retried (5 s).
udp_ask () {
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
for i in range(25):
    s.sendto(sys.argv[2].encode(), ("127.0.0.1", int(sys.argv[1])))
    try:
        print(s.recv(2048).decode()); sys.exit(0)
    except socket.timeout:
        pass
sys.exit(1)' "$1" "$2"
}

# Is PORT free for a listener again (TCP, or with "udp" UDP)?
port_is_free () {
    python3 -c '
import socket, sys
udp = sys.argv[2] == "udp"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" "${2:-tcp}"
}

# A container serving TEXT with busybox httpd on port 80.
web () {
    local name=$1 text=$2; shift 2
    nook run -d --name "$name" "$@" busybox \
        sh -c "mkdir -p /www && echo $text > /www/index.html && exec httpd -f -p 80 -h /www"
}

# slirp4netns or pasta processes of a container (by the ID in their
# command line).
net_helpers_of () {
    pgrep -u "$(id -u)" -af "(slirp4netns|pasta).*${1:0:12}" || true
}

# No slirp4netns or pasta of this file's containers is left.
assert_no_net_helpers () {
    local i left
    for i in $(seq 200); do
        left=$(pgrep -u "$(id -u)" -af "(slirp4netns|pasta).*$XDG_RUNTIME_DIR/nook/monitor" || true)
        [ -z "$left" ] && return 0
        sleep 0.05
    done
    echo "leftover network helpers:"; echo "$left"; return 1
}

# ---- published ports ------------------------------------------------------------

@test "-p 127.0.0.1:HOST:80: busybox httpd in the container is fetched from the host; port, ps and inspect show it" {
    local p; p=$(free_port)
    run -0 web w1 hello-from-w1 -p "127.0.0.1:$p:80"
    run -0 fetch "$p"
    assert_output_equals "hello-from-w1"
    run -0 nook port w1
    assert_output_equals "80/tcp -> 127.0.0.1:$p"
    run -0 nook port w1 80
    assert_output_equals "127.0.0.1:$p"
    run -0 nook port w1 80/tcp
    assert_output_equals "127.0.0.1:$p"
    run -125 nook port w1 81
    assert_output_contains 'failed to find published port "81/tcp"'
    run -0 nook ps --format '{{.Names}} {{.Ports}}'
    assert_output_equals "w1 127.0.0.1:$p->80/tcp"
    run -0 nook inspect --format '{{.HostConfig.NetworkMode}} {{json .HostConfig.PortBindings}}' w1
    assert_output_equals "slirp4netns {\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$p\"}]}"
    run -0 nook inspect --format '{{json .NetworkSettings.Ports}}' w1
    assert_output_equals "{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$p\"}]}"
    # slirp4netns as the issue asks: its API socket, MTU 65520, no host loopback.
    run -0 net_helpers_of "$(container_id_of w1)"
    assert_output_contains "--api-socket"
    assert_output_contains "--mtu 65520"
    assert_output_contains "--disable-host-loopback"
}

@test "a UDP echo through a published UDP port" {
    [ -x "$BATS_FILE_TMPDIR/udp-echo" ] || skip "no C compiler with a static libc to build udp-echo"
    local p; p=$(free_port udp)
    run -0 nook run -d --name u1 -p "127.0.0.1:$p:5000/udp" \
        -v "$BATS_FILE_TMPDIR/udp-echo:/udp-echo:ro" busybox /udp-echo 5000
    run -0 udp_ask "$p" "ping-over-udp"
    assert_output_equals "echo:ping-over-udp"
    run -0 nook port u1
    assert_output_equals "5000/udp -> 127.0.0.1:$p"
}

@test "two containers publish different ports at once, a range among them; each answers" {
    local p1 p2 p3
    p1=$(free_port); p2=$(free_port)
    # A range of two host ports: the second one is the first plus one.
    while ! port_is_free "$((p2 + 1))"; do p2=$(free_port); done
    run -0 web a1 from-a1 -p "127.0.0.1:$p1:80"
    run -0 nook run -d --name a2 -p "127.0.0.1:$p2-$((p2 + 1)):80-81" busybox sh -c \
        'mkdir /w && echo from-a2 > /w/index.html && httpd -p 80 -h /w && httpd -f -p 81 -h /w'
    run -0 fetch "$p1"
    assert_output_equals "from-a1"
    run -0 fetch "$p2"
    assert_output_equals "from-a2"
    run -0 fetch "$((p2 + 1))"
    assert_output_equals "from-a2"
    run -0 nook ps --format '{{.Names}} {{.Ports}}' --filter name=a2
    assert_output_equals "a2 127.0.0.1:$p2-$((p2 + 1))->80-81/tcp"
    run -0 nook port a2 81
    assert_output_equals "127.0.0.1:$((p2 + 1))"
}

@test "-p CONTAINER_PORT and -P: random free host ports, shown by port and reachable" {
    run -0 web r1 random-one -p 80 --expose 7000 -P
    run -0 nook port r1 80
    [[ $output =~ ^0\.0\.0\.0:([0-9]+)$ ]]
    local p=${BASH_REMATCH[1]}
    run -0 fetch "$p"
    assert_output_equals "random-one"
    # -P adds --expose's port (and the image's ExposedPorts: nook-test's 80).
    run -0 nook port r1 7000
    [[ $output =~ ^0\.0\.0\.0:[0-9]+$ ]]
    run -0 nook create --name r2 -P nook-test
    run -0 nook inspect --format '{{range $k, $v := .HostConfig.PortBindings}}{{$k}} {{end}}{{.HostConfig.PublishAllPorts}}' r2
    assert_output_equals "80/tcp true"
}

@test "a host port already in use: a clear error, the container stays created, nothing left running" {
    local p; p=$(free_port)
    run -0 web busy1 first -p "127.0.0.1:$p:80"
    run -0 fetch "$p"
    run -125 nook run -d --name busy2 -p "127.0.0.1:$p:80" busybox sleep 100
    assert_output_contains "127.0.0.1:$p"
    assert_output_contains "in use"
    [ "$(state_of busy2)" = created ]
    [ -z "$(net_helpers_of "$(container_id_of busy2)")" ]
    # The first one is untouched.
    run -0 fetch "$p"
    assert_output_equals "first"
}

@test "after stop and rm, no slirp4netns is left and the port is free again" {
    local p id; p=$(free_port)
    run -0 web s1 stopping -p "127.0.0.1:$p:80"
    id=$(container_id_of s1)
    run -0 fetch "$p"
    [ -n "$(net_helpers_of "$id")" ]
    run -0 nook stop -t 1 s1
    [ -z "$(net_helpers_of "$id")" ]
    run -0 port_is_free "$p"
    # Started again: the same port, slirp4netns again; then rm -f.
    run -0 nook start s1
    run -0 fetch "$p"
    assert_output_equals "stopping"
    run -0 nook rm -f -t 0 s1
    [ -z "$(net_helpers_of "$id")" ]
    run -0 port_is_free "$p"
}

@test "the monitor killed with SIGKILL: slirp4netns, pasta and the UDP forwarder end; rm -f frees the ports" {
    local p u modes=(slirp4netns) m id monpid
    command -v pasta >/dev/null && modes+=(pasta)
    for m in "${modes[@]}"; do
        p=$(free_port) u=$(free_port udp)
        run -0 web "k-$m" killed --network "$m" -p "127.0.0.1:$p:80" -p "127.0.0.1:$u:5000/udp"
        id=$(container_id_of "k-$m")
        run -0 fetch "$p"
        monpid=$(nook inspect --format '{{.State.ConmonPid}}' "k-$m")
        [ -n "$(net_helpers_of "$id")" ]
        kill -9 "$monpid"
        run -0 nook rm -f -t 0 "k-$m"
        local i
        for i in $(seq 100); do [ -z "$(net_helpers_of "$id")" ] && break; sleep 0.1; done
        [ -z "$(net_helpers_of "$id")" ] || { net_helpers_of "$id"; false; }
        [ -z "$(pgrep -u "$(id -u)" -f "nook-monitor.*--id $id" || true)" ]
        for i in $(seq 100); do port_is_free "$p" 2>/dev/null && port_is_free "$u" udp 2>/dev/null && break; sleep 0.1; done
        run -0 port_is_free "$p"
        run -0 port_is_free "$u" udp
    done
}

# ---- network modes ---------------------------------------------------------------

@test "--network none: only lo, up; no slirp4netns" {
    run -0 nook run --name n1 --network none busybox sh -c 'ls /sys/class/net; ip -o link show lo'
    assert_output_contains "lo"
    [[ $(echo "$output" | head -1) == lo ]]
    [ "$(echo "$output" | grep -c '^[a-z0-9]*$')" -eq 1 ]
    assert_output_contains "UP"
    run -0 nook inspect --format '{{.HostConfig.NetworkMode}}' n1
    assert_output_equals "none"
    run -125 nook run --rm --network none -p 8080:80 busybox true
    assert_output_contains "cannot set port bindings"
}

@test "--network container:NAME shares the other container's network; ns:PATH joins a namespace file" {
    run -0 nook run -d --name base busybox sh -c \
        'mkdir /w && echo on-base-loopback > /w/index.html && exec httpd -f -p 127.0.0.1:8080 -h /w'
    # Until httpd listens.
    run -0 nook run --rm --network container:base busybox sh -c \
        'for i in $(seq 100); do wget -qO- http://127.0.0.1:8080/ && exit 0; sleep 0.1; done; exit 1'
    assert_output_equals "on-base-loopback"
    run -0 nook run --name joined --network container:base busybox ip -o -4 addr show tap0
    assert_output_contains "10.0.2.100"
    run -0 nook inspect --format '{{.HostConfig.NetworkMode}}' joined
    assert_output_equals "container:$(container_id_of base)"
    local pid; pid=$(nook inspect --format '{{.State.Pid}}' base)
    run -0 nook run --rm --network "ns:/proc/$pid/ns/net" busybox wget -qO- http://127.0.0.1:8080/
    assert_output_equals "on-base-loopback"
    # A container that is not running has no network to join.
    run -0 nook create --name idle busybox true
    run -0 nook create --name late --network container:idle busybox true
    run -125 nook start late
    assert_output_contains "not running"
    run -125 nook run --rm --network container:nonexistent busybox true
    assert_output_contains "no container with name or ID"
}

@test "--network host: the host's interfaces and loopback" {
    local p; p=$(free_port)
    python3 -m http.server --bind 127.0.0.1 --directory "$NETDIR" "$p" >/dev/null 2>&1 &
    local server=$!
    run nook run --rm --network host busybox sh -c \
        "for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://127.0.0.1:$p/udp-echo.c && exit 0; sleep 0.3; done; exit 1"
    kill "$server"
    assert_status 0
    assert_output_contains "udp-echo PORT"
    run -0 nook run --rm --network host busybox sh -c 'ls /sys/class/net | wc -l'
    [ "$output" -eq "$(ls /sys/class/net | wc -l)" ]
}

@test "slirp4netns options: allow_host_loopback reaches the host's loopback at 10.0.2.2; mtu, cidr" {
    local p; p=$(free_port)
    python3 -m http.server --bind 127.0.0.1 --directory "$NETDIR" "$p" >/dev/null 2>&1 &
    local server=$!
    run nook run --rm --network slirp4netns:allow_host_loopback=true busybox sh -c \
        "for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://10.0.2.2:$p/udp-echo.c && exit 0; sleep 0.3; done; exit 1"
    local allowed=$status
    run nook run --rm busybox wget -T 2 -qO- "http://10.0.2.2:$p/udp-echo.c"
    local denied=$status
    kill "$server"
    [ "$allowed" -eq 0 ]
    [ "$denied" -ne 0 ]
    run -0 nook run --rm --network slirp4netns:mtu=1500,cidr=10.9.0.0/24 busybox sh -c \
        'ip -o link show tap0; ip -o -4 addr show tap0; cat /etc/hosts'
    assert_output_contains "mtu 1500"
    assert_output_contains "10.9.0.100/24"
    run -125 nook create --network slirp4netns:mtu=abc busybox true
    assert_output_contains "invalid value for slirp4netns option mtu"
    run -125 nook create --network slirp4netns:bogus=1 busybox true
    assert_output_contains "unknown option for slirp4netns: bogus=1"
    run -125 nook create --network slirp4netns:port_handler=rootlesskit busybox true
    assert_output_contains "port_handler=slirp4netns"
}

@test "pasta: the host's address inside, a published port reached from the host" {
    command -v pasta >/dev/null || skip "pasta (Debian package passt) is not installed"
    local p; p=$(free_port)
    run -0 web pw via-pasta --network pasta -p "127.0.0.1:$p:80"
    run -0 fetch "$p"
    assert_output_equals "via-pasta"
    [ -n "$(net_helpers_of "$(container_id_of pw)")" ]
    run -0 nook rm -f -t 0 pw
    run -0 port_is_free "$p"
}

@test "a missing slirp4netns or pasta is a clear error naming the Debian package" {
    local bin=$BATS_TEST_TMPDIR/bin t
    mkdir -p "$bin"
    for t in newuidmap newgidmap fuse-overlayfs fusermount3 fusermount; do
        [ -x "/usr/bin/$t" ] && ln -s "/usr/bin/$t" "$bin/$t"
    done
    run -125 env PATH="$bin" "$NOOK" run --rm --name m1 busybox true
    assert_output_contains "slirp4netns"
    assert_output_contains "install the Debian package slirp4netns"
    run -125 env PATH="$bin" "$NOOK" run --rm --network pasta busybox true
    assert_output_contains "install the Debian package passt"
}

# ---- files and DNS ------------------------------------------------------------

@test "/etc/hosts, /etc/hostname and /etc/resolv.conf: hostname, name, --add-host, --dns*, --no-hosts" {
    run -0 nook run --name h1 --hostname box1 --add-host db.local:192.0.2.10 \
        --add-host "one;two:192.0.2.11" --dns 192.0.2.53 --dns-search example.test \
        --dns-option ndots:2 busybox sh -c 'cat /etc/hosts; echo ---; cat /etc/hostname; hostname; echo ---; cat /etc/resolv.conf'
    assert_output_contains "127.0.0.1	localhost"
    assert_output_contains "10.0.2.100	box1 h1"
    assert_output_contains "192.0.2.10	db.local"
    assert_output_contains "192.0.2.11	one two"
    assert_output_contains "host.containers.internal"
    assert_output_contains "nameserver 192.0.2.53"
    assert_output_contains "search example.test"
    assert_output_contains "options ndots:2"
    [ "$(echo "$output" | grep -c '^box1$')" -eq 2 ]
    run -0 nook inspect --format '{{json .HostConfig.Dns}} {{json .HostConfig.ExtraHosts}} {{json .HostConfig.DnsSearch}}' h1
    assert_output_equals '["192.0.2.53"] ["db.local:192.0.2.10","one;two:192.0.2.11"] ["example.test"]'
    # --no-hosts: the image's own /etc/hosts, or none.
    run -0 nook run --rm --no-hosts busybox sh -c 'cat /etc/hosts 2>/dev/null; echo end'
    [[ $output != *"host.containers.internal"* ]]
    # allow_host_loopback: the host is 10.0.2.2.
    run -0 nook run --rm --network slirp4netns:allow_host_loopback=true busybox grep host.containers.internal /etc/hosts
    assert_output_contains "10.0.2.2"
    # The host's resolv.conf, with loopback nameservers replaced by the forwarder.
    run -0 nook run --rm busybox cat /etc/resolv.conf
    local want
    want=$(awk '$1 == "nameserver" { print ($2 ~ /^127\./ || $2 == "::1") ? "10.0.2.3" : $2 }' /etc/resolv.conf | awk '!seen[$0]++' | head -1)
    [ -z "$want" ] || assert_output_contains "nameserver $want"
}

@test "a file the user bind-mounts over /etc/hosts or /etc/resolv.conf is left alone" {
    echo "192.0.2.99 mine" > "$BATS_TEST_TMPDIR/hosts"
    echo "nameserver 192.0.2.98" > "$BATS_TEST_TMPDIR/resolv"
    run -0 nook run --rm -v "$BATS_TEST_TMPDIR/hosts:/etc/hosts:ro" \
        -v "$BATS_TEST_TMPDIR/resolv:/etc/resolv.conf:ro" busybox sh -c 'cat /etc/hosts /etc/resolv.conf'
    assert_output_equals "192.0.2.99 mine
nameserver 192.0.2.98"
}

@test "DNS: the container's resolver (slirp4netns's forwarder) is answered by a server on the loopback" {
    # slirp4netns runs in a namespace of the test's own (see
    # tests/network/slirp4netns-dns), where a DNS server listens on
    # 127.0.0.1:53 and resolv.conf names it.
    local dir=$BATS_TEST_TMPDIR/dns
    mkdir -p "$dir"
    cp "$NETDIR/slirp4netns-dns" "$dir/slirp4netns"
    cp "$NETDIR/dns-server.py" "$dir/"
    run -0 env PATH="$dir:$PATH" "$NOOK" run --rm --dns 10.0.2.3 busybox sh -c \
        'nslookup web.nook.test; nslookup other.nook.test'
    assert_output_contains "192.0.2.77"
    assert_output_contains "192.0.2.78"
    grep -qx web.nook.test "$dir/dns.log"
    run env PATH="$dir:$PATH" "$NOOK" run --rm --dns 10.0.2.3 busybox nslookup missing.example
    [ "$status" -ne 0 ]
    assert_output_contains "NXDOMAIN"
}

@test "bad --network, -p, --dns and --add-host values are refused with Podman's messages" {
    run -125 nook create --network bogus busybox true
    assert_output_contains "unable to find network with name or ID bogus: network not found"
    run -125 nook create --network ns:/nonexistent busybox true
    assert_output_contains "cannot find specified network namespace path"
    run -125 nook create --network bridge busybox true
    assert_output_contains "slirp4netns"
    run -125 nook create -p abc busybox true
    assert_output_contains "parsing container port: invalid port number"
    run -125 nook create -p 70000 busybox true
    assert_output_contains "port numbers must be between 1 and 65535 (inclusive), got 70000"
    run -125 nook create -p 8080-8081:80 busybox true
    assert_output_contains "host and container port ranges have different lengths: 2 vs 1"
    run -125 nook create -p 1.2.3:80:80 busybox true
    assert_output_contains 'cannot parse "1.2.3" as an IP address'
    run -125 nook create -p 80/sctp busybox true
    assert_output_contains 'unrecognized protocol "sctp" in port mapping'
    run -125 nook create -p 8080: busybox true
    assert_output_contains "must provide a non-empty container port to publish"
    run -125 nook create -p 80-79 busybox true
    assert_output_contains "the end port of a range must be higher than the start port"
    run -125 nook create --dns abc busybox true
    assert_output_contains "abc is not an ip address"
    run -125 nook create --add-host foo busybox true
    assert_output_contains 'bad format for add-host: "foo"'
    run -125 nook create --add-host foo:bar busybox true
    assert_output_contains 'invalid IP address in add-host: "bar"'
    run -125 nook create --expose abc busybox true
    assert_output_contains "invalid --expose"
    # What goes into /etc/hosts is one word a line.
    run -125 nook create --hostname "a b" busybox true
    assert_output_contains "invalid hostname"
    run -125 nook create --add-host "a b:192.0.2.1" busybox true
    assert_output_contains "bad format for add-host"
    # Nothing was created.
    run -0 nook ps -aq
    assert_output_equals ""
}
