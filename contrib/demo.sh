#!/bin/sh
# make demo: load the locally built busybox image and run a command in a
# rootless container.  As root, the demo runs as the unprivileged test user
# that tests/setup-root.sh prepares (with /etc/subuid and /etc/subgid
# ranges); as a user, it runs as you.
#   demo.sh BUILD_DIR
#   demo.sh --as-user NOOK FIXTURES     (the part that runs as the user)
set -eu

if [ "${1:-}" = --as-user ]; then
    nook=$2 fixtures=$3
    data=$(mktemp -d "${TMPDIR:-/tmp}/nook-demo.XXXXXX")
    export XDG_DATA_HOME="$data"
    echo "+ nook load -i busybox.tar"
    "$nook" load -i "$fixtures/busybox.tar"
    echo "+ nook run --rm localhost/busybox:latest sh -c 'echo Hello ...'"
    "$nook" run --rm localhost/busybox:latest sh -c \
        'echo "Hello from a rootless nook container: $(id) on host $(hostname), pid $$"'
    "$nook" unshare rm -rf "$data"
    exit 0
fi

build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" = 0 ]; then
    user=$("$src/tests/setup-root.sh")
    stage=$("$src/tests/stage.sh" "$build")
    trap 'rm -rf "$stage"' EXIT
    cp "$0" "$stage/demo.sh"
    echo "running the demo as the unprivileged user '$user'"
    uid=$(id -u "$user")
    home=$(getent passwd "$user" | cut -d: -f6)
    setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
        env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" USER="$user" \
        XDG_RUNTIME_DIR="/run/user/$uid" TMPDIR=/tmp \
        sh "$stage/demo.sh" --as-user "$stage/prefix/bin/nook" "$stage/fixtures"
else
    user=$(id -un)
    if ! grep -qE "^($user|$(id -u)):" /etc/subuid 2>/dev/null; then
        echo "note: no /etc/subuid range for $user: only your own id will be mapped" >&2
    fi
    if [ ! -w /dev/fuse ]; then
        echo "/dev/fuse is not writable by you: ask root to run 'chmod 0666 /dev/fuse'" \
             "(its mode on common distributions)" >&2
        exit 1
    fi
    exec sh "$0" --as-user "$build/bin/nook" "$build/fixtures"
fi
