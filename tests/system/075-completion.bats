#!/usr/bin/env bats
# Bash completion, as installed: commands, subcommands, options, option
# values, and image and container names from the store.

load helpers
load completion
bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { nook_teardown_file; }

setup () {
    [ -r "$(completion_script)" ] || skip "completion not installed at $(completion_script)"
}

@test "completion: commands, and the image and container subcommands" {
    run complete_line "ta"
    assert_status 0
    assert_output_equals "tag"
    run complete_line "image "
    assert_output_contains "exists"
    assert_output_contains "prune"
    assert_output_contains "inspect"
    assert_output_contains "untag"
    run complete_line "container r"
    assert_output_contains "rm"
    assert_output_contains "run"
    assert_output_contains "rename"
}

@test "completion: options of a command and of a subcommand" {
    run complete_line "rmi --"
    assert_output_equals "$(printf -- '--all\n--force\n--help')"
    run complete_line "image prune -"
    assert_output_contains "--all"
    assert_output_contains "-f"
    run complete_line "--log-level d"
    assert_output_equals "debug"
}

@test "completion: image names for rmi, tag, image inspect; none after tag's image" {
    run complete_line "rmi localhost/nook-"
    assert_output_equals "localhost/nook-test:latest"
    run complete_line "image inspect nook-t"
    assert_output_equals "nook-test:latest"
    run complete_line "tag busybox "
    assert_output_equals ""
    run complete_line "image rm "
    assert_output_contains "localhost/busybox:latest"
}

@test "completion: save, import, export, history and inspect" {
    run complete_line "save --format "
    assert_output_equals "$(printf 'docker-archive\noci-archive\noci-dir')"
    run complete_line "inspect --type c"
    assert_output_equals "container"
    run complete_line "history nook-t"
    assert_output_equals "nook-test:latest"
    run complete_line "image s"
    assert_output_equals "save"
    run complete_line "container exp"
    assert_output_equals "export"
    run complete_line "inspect --"
    assert_output_contains "--latest"
    assert_output_contains "--size"
    run complete_line "import -"
    assert_output_contains "--change"
    run complete_line "images --filter da"
    assert_output_equals "dangling="
    run complete_line "ps --filter st"
    assert_output_equals "status="
    run complete_line "images --f"
    assert_output_equals "$(printf -- '--filter\n--format')"
}

@test "completion: container names for rm" {
    require_rootless
    nook run --name compl-one busybox true
    run complete_line "rm compl"
    assert_output_equals "compl-one"
    run complete_line "container rm compl-one "
    assert_output_equals ""
    run complete_line "export compl"
    assert_output_equals "compl-one"
    run complete_line "inspect compl"
    assert_output_equals "compl-one"
    nook rm compl-one
}

# ---- the container lifecycle: create, start, stop, restart, kill, wait,
# attach, logs, and run's and rm's new options ----------------------------

@test "completion: the lifecycle commands and their container subcommands" {
    run complete_line "sta"
    assert_output_equals "start"
    run complete_line "st"
    assert_output_equals "$(printf 'start\nstop')"
    run complete_line "a"
    assert_output_equals "attach"
    run complete_line "cr"
    assert_output_equals "create"
    run complete_line "k"
    assert_output_equals "kill"
    run complete_line "res"
    assert_output_equals "restart"
    run complete_line "w"
    assert_output_equals "wait"
    run complete_line "logs"
    assert_output_equals "logs"
    run complete_line "container st"
    assert_output_equals "$(printf 'start\nstop')"
    run complete_line "container l"
    assert_output_equals "$(printf 'list\nlogs\nls')"
    for sub in attach create kill restart wait; do
        run complete_line "container ${sub:0:3}"
        assert_output_equals "$sub"
    done
}

@test "completion: options of start, stop, restart, kill, wait, attach, logs and rm" {
    run complete_line "start --"
    assert_output_equals "$(printf -- '--attach\n--detach-keys\n--help\n--interactive\n--sig-proxy')"
    run complete_line "stop -"
    assert_output_equals "$(printf -- '--all\n--help\n--ignore\n--time\n-a\n-i\n-t')"
    run complete_line "restart --"
    assert_output_equals "$(printf -- '--all\n--help\n--ignore\n--running\n--time')"
    run complete_line "kill -"
    assert_output_equals "$(printf -- '--all\n--help\n--signal\n-a\n-s')"
    run complete_line "wait --"
    assert_output_equals "$(printf -- '--condition\n--help')"
    run complete_line "attach --"
    assert_output_equals "$(printf -- '--detach-keys\n--help\n--latest\n--no-stdin\n--sig-proxy')"
    run complete_line "logs --"
    assert_output_equals "$(printf -- '--follow\n--help\n--latest\n--names\n--since\n--tail\n--timestamps\n--until')"
    run complete_line "logs -"
    assert_output_contains "-f"
    assert_output_contains "-n"
    assert_output_contains "-t"
    run complete_line "rm --"
    assert_output_equals "$(printf -- '--all\n--force\n--help\n--time\n--volumes')"
    run complete_line "container stop --t"
    assert_output_equals "--time"
    run complete_line "container logs --ti"
    assert_output_equals "--timestamps"
}

@test "completion: run's and create's options; create has none of run's own" {
    run complete_line "run --"
    for opt in --detach --detach-keys --init --interactive --log-driver --log-opt --restart \
        --rm --sig-proxy --stop-signal --stop-timeout --tty --name --env-file; do
        assert_output_contains "$opt"$'\n'
    done
    run complete_line "run -"
    assert_output_contains $'\n-d\n'
    assert_output_contains $'\n-t\n'
    run complete_line "create --"
    for opt in --init --interactive --log-driver --log-opt --restart --rm --stop-signal \
        --stop-timeout --tty --name; do
        assert_output_contains "$opt"$'\n'
    done
    [[ $output != *--detach* ]] || { echo "create offers run's --detach: $output"; false; }
    [[ $output != *--sig-proxy* ]] || { echo "create offers run's --sig-proxy: $output"; false; }
    run complete_line "container create --st"
    assert_output_equals "$(printf -- '--stop-signal\n--stop-timeout')"
    # Options end at the image: what follows is the container's command.
    run complete_line "create --rm busybox -"
    assert_output_equals ""
    run complete_line "create nook-t"
    assert_output_equals "nook-test:latest"
}

@test "completion: values of --log-driver, --log-opt, --restart, --condition, --sig-proxy" {
    run complete_line "run --log-driver "
    assert_output_equals "$(printf 'k8s-file\nnone\npassthrough')"
    run complete_line "create --log-driver=p"
    assert_output_equals "passthrough"
    run complete_line "run --log-opt max-"
    assert_output_equals "$(printf 'max-file=\nmax-size=')"
    run complete_line "run --restart "
    assert_output_equals "$(printf 'always\nno\non-failure\nunless-stopped')"
    run complete_line "create --restart=un"
    assert_output_equals "unless-stopped"
    run complete_line "wait --condition "
    assert_output_equals "$(printf 'created\nexited\nrunning\nstopped')"
    run complete_line "container wait --condition=r"
    assert_output_equals "running"
    run complete_line "run --sig-proxy="
    assert_output_equals "$(printf 'false\ntrue')"
    # The option's value is not taken for the image.
    run complete_line "run --restart always nook-t"
    assert_output_equals "nook-test:latest"
}

@test "completion: signal names for kill -s and --stop-signal" {
    run complete_line "kill -s "
    assert_output_contains $'SIGHUP\n'
    assert_output_contains $'SIGKILL\n'
    assert_output_contains $'SIGTERM\n'
    assert_output_contains $'SIGUSR1\n'
    [ "${#lines[@]}" -eq 31 ] || { echo "expected 31 signals, got ${#lines[@]}: $output"; false; }
    run complete_line "kill --signal SIGK"
    assert_output_equals "SIGKILL"
    run complete_line "kill -s K"
    assert_output_equals "KILL"
    run complete_line "kill --signal=SIGUS"
    assert_output_equals "$(printf 'SIGUSR1\nSIGUSR2')"
    run complete_line "run --stop-signal SIGQ"
    assert_output_equals "SIGQUIT"
    run complete_line "create --stop-signal=TE"
    assert_output_equals "TERM"
    run complete_line "container kill -s W"
    assert_output_equals "WINCH"
}

@test "completion: container names by state for start, stop, restart, kill, attach, logs, wait, rm" {
    require_rootless
    nook create --name cst-new busybox true >/dev/null
    nook run --name cst-done busybox true
    nook run -d --name cst-up busybox sleep 1000 >/dev/null
    upid=$(nook ps -q --filter name=cst-up)
    [ -n "$upid" ]

    # start: what can be started, created or exited.
    run complete_line "start cst"
    assert_output_equals "$(printf 'cst-done\ncst-new')"
    run complete_line "container start -a cst"
    assert_output_equals "$(printf 'cst-done\ncst-new')"
    run complete_line "start cst-new cst"
    assert_output_equals "cst-done"
    run complete_line "start ${upid:0:5}"
    assert_output_equals ""
    # stop, restart, kill, attach: what runs.
    for cmd in stop restart kill attach "container stop" "container kill" "stop -t 3" "kill -s TERM"; do
        run complete_line "$cmd cst"
        assert_output_equals "cst-up"
    done
    run complete_line "stop ${upid:0:5}"
    assert_output_equals "$upid"
    # attach takes one container.
    run complete_line "attach cst-up "
    assert_output_equals ""
    # logs, wait and rm: all of them, less those already given.
    for cmd in logs wait rm "logs -f -n" "wait --condition exited" "container logs"; do
        run complete_line "$cmd cst"
        assert_output_equals "$(printf 'cst-done\ncst-new\ncst-up')"
    done
    run complete_line "logs cst-up cst"
    assert_output_equals "$(printf 'cst-done\ncst-new')"

    # Once stopped, it is start's and no longer stop's.
    nook stop -t 0 cst-up >/dev/null
    run complete_line "stop cst"
    assert_output_equals ""
    run complete_line "start cst"
    assert_output_equals "$(printf 'cst-done\ncst-new\ncst-up')"
    nook rm cst-new cst-done cst-up >/dev/null
}

# ---- the network: nook port, and run's and create's network flags ---------

@test "completion: every network flag and port's flags are in the completion and the man pages" {
    assert_create_flags_documented --add-host --dns --dns-option --dns-search --expose --net \
        --network --no-hosts --publish --publish-all
    assert_command_flags_documented nook-port.1 port port
    grep -qF 'nook\-port' "$(man_dir)/nook.1" || { echo "nook.1 does not list port"; false; }
}

@test "completion: port and container port, their options" {
    run complete_line "po"
    assert_output_equals "port"
    run complete_line "container po"
    assert_output_equals "port"
    run complete_line "port -"
    assert_output_equals "$(printf -- '--all\n--help\n--latest\n-a\n-l')"
    run complete_line "container port --l"
    assert_output_equals "--latest"
}

@test "completion: run --network and create --net: the modes and their values" {
    run complete_line "run --network "
    assert_output_equals "$(printf 'container:\nhost\nnone\nns:\npasta\nslirp4netns')"
    run complete_line "create --net "
    assert_output_equals "$(printf 'container:\nhost\nnone\nns:\npasta\nslirp4netns')"
    run complete_line "run --network=p"
    assert_output_equals "pasta"
    run complete_line "container create --network n"
    assert_output_equals "$(printf 'none\nns:')"
    # slirp4netns's options, the last of a comma-separated list.
    run complete_line "run --network slirp4netns:allow"
    assert_output_equals "allow_host_loopback="
    run complete_line "run --network slirp4netns:o"
    assert_output_equals "$(printf 'outbound_addr6=\noutbound_addr=')"
    # ns: a path.
    run complete_line "run --network ns:/proc/self/ns/ne"
    assert_output_equals "/proc/self/ns/net"
    # The option's value is not taken for the image, nor are -p's.
    run complete_line "run --network none -p 8080:80 --dns 9.9.9.9 nook-t"
    assert_output_equals "nook-test:latest"
    run complete_line "run --"
    for opt in --add-host --dns --dns-option --dns-search --expose --net --network --no-hosts \
        --publish --publish-all; do
        assert_output_contains "$opt"$'\n'
    done
    run complete_line "create -"
    assert_output_contains $'\n-P\n'
    assert_output_contains $'\n-p\n'
}

@test "completion: container names for port and --network container:, ports for port" {
    require_rootless
    nook run -d --name cport-web -p 127.0.0.1::80 -p 127.0.0.1::53/udp busybox sleep 1000 >/dev/null
    nook create --name cport-new busybox true >/dev/null
    # port: the running containers, then the container's ports.
    run complete_line "port cport"
    assert_output_equals "cport-web"
    run complete_line "container port cport-web "
    assert_output_equals "$(printf '53/udp\n80/tcp')"
    run complete_line "port cport-web 8"
    assert_output_equals "80/tcp"
    # The latest, cport-new, does not run: no ports.
    run complete_line "port -l "
    assert_output_equals ""
    run complete_line "port -a "
    assert_output_equals ""
    run complete_line "port cport-web 80 "
    assert_output_equals ""
    # --network container: any container, as create resolves the name.
    run complete_line "run --network container:cport"
    assert_output_equals "$(printf 'cport-new\ncport-web')"
    run complete_line "create --net=container:cport-w"
    assert_output_equals "cport-web"
    nook rm -f -t 0 cport-web cport-new >/dev/null
}

# ---- the image commands ----------------------------------------------------

@test "completion: every flag of every image command is in its man page and completed" {
    local spec
    while read -r spec; do
        # shellcheck disable=SC2086 # PAGE VAR COMMAND...
        assert_command_flags_documented $spec || { echo "for: $spec"; false; }
    done <<'LIST'
nook-load.1 load load
nook-save.1 save save
nook-import.1 import import
nook-export.1 export export
nook-images.1 images images
nook-images.1 images image ls
nook-image-inspect.1 image_inspect image inspect
nook-inspect.1 inspect inspect
nook-rmi.1 rmi rmi
nook-rmi.1 rmi image rm
nook-image-prune.1 image_prune image prune
nook-history.1 history history
nook-tag.1 tag tag
nook-untag.1 untag untag
nook-image-exists.1 image_exists image exists
LIST
    local page
    for page in load save import export images image-inspect inspect rmi image-prune history tag \
        untag image-exists; do
        grep -qF "nook\\-${page//-/\\-} (1)" "$(man_dir)/nook.1" || { echo "nook.1 does not list $page"; false; }
    done
}

@test "completion: options of load, export, tag, untag, image exists and history" {
    run complete_line "load -"
    assert_output_equals "$(printf -- '--help\n--input\n--quiet\n-i\n-q')"
    run complete_line "image load --q"
    assert_output_equals "--quiet"
    run complete_line "export --"
    assert_output_equals "$(printf -- '--help\n--output')"
    run complete_line "tag --"
    assert_output_equals "--help"
    run complete_line "untag --"
    assert_output_equals "--help"
    run complete_line "image exists --"
    assert_output_equals "--help"
    run complete_line "history --"
    assert_output_equals "$(printf -- '--format\n--help\n--human\n--no-trunc\n--quiet')"
    run complete_line "image history --no-trunc nook-t"
    assert_output_equals "nook-test:latest"
}

# ---- run's and create's security flags -------------------------------------

@test "completion: every security flag of run and create is in both man pages and completed" {
    assert_create_flags_documented --cap-add --cap-drop --privileged --security-opt --read-only \
        --read-only-tmpfs --ulimit --sysctl --tmpfs --device --group-add --umask --runtime
}

@test "completion: capability names for --cap-add and --cap-drop" {
    run complete_line "run --cap-add "
    # ALL and the 41 capabilities nook knows, as CAP_ names.
    [ "${#lines[@]}" -eq 42 ] || { echo "expected 42, got ${#lines[@]}: $output"; false; }
    assert_output_contains $'ALL\nCAP_AUDIT_CONTROL\n'
    assert_output_contains $'\nCAP_NET_ADMIN\n'
    [ "${lines[41]}" = CAP_WAKE_ALARM ]
    run complete_line "create --cap-drop CAP_NET_"
    assert_output_equals "$(printf 'CAP_NET_ADMIN\nCAP_NET_BIND_SERVICE\nCAP_NET_BROADCAST\nCAP_NET_RAW')"
    run complete_line "run --cap-drop=A"
    assert_output_equals "$(printf 'ALL\nAUDIT_CONTROL\nAUDIT_READ\nAUDIT_WRITE')"
    run complete_line "container create --cap-add SYS_PT"
    assert_output_equals "SYS_PTRACE"
    run complete_line "run --cap-add net_r"
    assert_output_equals "net_raw"
    run complete_line "run --cap-add cap_sys_ch"
    assert_output_equals "cap_sys_chroot"
    # The value is not taken for the image.
    run complete_line "run --cap-drop ALL nook-t"
    assert_output_equals "nook-test:latest"
    # Each name offered is one nook takes.
    require_rootless
    local cap
    for cap in $(complete_line "run --cap-add CAP_"); do
        nook create --rm --cap-add "$cap" busybox true >/dev/null \
            || { echo "nook refuses --cap-add $cap"; false; }
    done
    remove_all_containers
}

@test "completion: --security-opt's options, seccomp profiles; --runtime's names" {
    run complete_line "run --security-opt "
    assert_output_equals "$(printf 'apparmor=unconfined\nlabel=disable\nmask=\nno-new-privileges\nseccomp=\nsystempaths=unconfined\nunmask=')"
    run complete_line "create --security-opt=no"
    assert_output_equals "no-new-privileges"
    run complete_line "run --security-opt un"
    assert_output_equals "unmask="
    run complete_line "run --security-opt unmask="
    assert_output_equals "ALL"
    # seccomp=: unconfined, or a profile's file (relative ones from here).
    mkdir -p "$BATS_TEST_TMPDIR/prof"
    echo '{}' > "$BATS_TEST_TMPDIR/prof/mine.json"
    echo '{}' > "$BATS_TEST_TMPDIR/prof/unconfined-not.json"
    cd "$BATS_TEST_TMPDIR/prof"
    run complete_line "run --security-opt seccomp="
    assert_output_equals "$(printf 'mine.json\nunconfined\nunconfined-not.json')"
    rm unconfined-not.json
    run complete_line "run --security-opt seccomp=un"
    assert_output_equals "unconfined"
    run complete_line "create --security-opt seccomp=$BATS_TEST_TMPDIR/prof/m"
    assert_output_equals "$BATS_TEST_TMPDIR/prof/mine.json"
    run complete_line "run --security-opt label=disable nook-t"
    assert_output_equals "nook-test:latest"

    run complete_line "run --runtime "
    assert_output_equals "$(printf 'crun\nnook-runtime\nrunc')"
    run complete_line "create --runtime=r"
    assert_output_equals "runc"
    run complete_line "run --runtime $BATS_TEST_TMPDIR/pr"
    assert_output_equals "$BATS_TEST_TMPDIR/prof"
    run complete_line "run --runtime nook-runtime nook-t"
    assert_output_equals "nook-test:latest"
}
