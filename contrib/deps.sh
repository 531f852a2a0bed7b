#!/bin/sh
# nook's dependencies, each with the Debian package that provides it.
#   deps.sh build     print the packages missing to build nook
#   deps.sh run       ... to run rootless containers
#   deps.sh test      ... to run the test suite (make check)
#   deps.sh install SET...   as root: apt-get install what SET... misses
# Prints nothing when all is there.
set -eu

# pkg-config module -> Debian package
build_pc="yajl:libyajl-dev libarchive:libarchive-dev libcap:libcap-dev libseccomp:libseccomp-dev libcurl:libcurl4-openssl-dev libcrypto:libssl-dev"
# command -> Debian package
build_cmd="cc:gcc make:make pkg-config:pkg-config objdump:binutils"
run_cmd="newuidmap:uidmap newgidmap:uidmap fuse-overlayfs:fuse-overlayfs fusermount3:fuse3 slirp4netns:slirp4netns"
test_cmd="bats:bats setpriv:util-linux gzip:gzip zstd:zstd clang-format:clang-format script:bsdutils docker-registry:docker-registry openssl:openssl htpasswd:apache2-utils python3:python3 curl:curl runc:runc crun:crun jq:jq tmux:tmux pasta:passt skopeo:skopeo podman:podman"
# (--network pasta: passt; the registry tests: docker-registry, test certificates, htpasswd files, the token server)
# (nook-runtime's command line compared with runc's, and bench/runtime.sh against crun and runc; jq reads their JSON)
# (the interop tests: archives written by skopeo and Podman, and nook's read by them)

missing_cmds () {
    for pair in $1; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || echo "${pair#*:}"
    done
}

missing_build () {
    missing_cmds "$build_cmd"
    if command -v pkg-config >/dev/null 2>&1; then
        for pair in $build_pc; do
            pkg-config --exists "${pair%%:*}" || echo "${pair#*:}"
        done
    else
        for pair in $build_pc; do echo "${pair#*:}"; done
    fi
    # libsubid ships no .pc file: look for its header.
    [ -f /usr/include/shadow/subid.h ] || echo libsubid-dev
}

missing () {
    for set in "$@"; do
        case $set in
            build) missing_build ;;
            run) missing_cmds "$run_cmd" ;;
            test)
                missing_cmds "$test_cmd"
                # The test images need a static busybox: the dynamic one
                # (package busybox) cannot run in an image without libc.
                if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
                    echo busybox-static
                fi ;;
            *) echo "deps.sh: unknown set '$set'" >&2; exit 2 ;;
        esac
    done | sort -u
}

case ${1:-} in
    build|run|test) missing "$@" | tr '\n' ' ' | sed 's/ $//' ;;
    install)
        shift
        pkgs=$(missing "$@" | tr '\n' ' ')
        [ -n "$pkgs" ] || exit 0
        if [ "$(id -u)" != 0 ]; then
            echo "nook needs these Debian packages: $pkgs" >&2
            echo "install them with: sudo apt-get install $pkgs" >&2
            exit 1
        fi
        echo "installing: $pkgs" >&2
        export DEBIAN_FRONTEND=noninteractive
        # shellcheck disable=SC2086
        apt-get install -y --no-install-recommends $pkgs >&2 || {
            apt-get update >&2 && apt-get install -y --no-install-recommends $pkgs >&2
        }
        ;;
    *) echo "usage: deps.sh build|run|test|install SET..." >&2; exit 2 ;;
esac
