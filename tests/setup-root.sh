#!/bin/sh
# Test setup, as root: what an ordinary distribution gives a desktop user.
#   - the Debian packages nook and its tests need
#   - an unprivileged user (default nooktest) with /etc/subuid and
#     /etc/subgid ranges, and a runtime directory /run/user/UID
#   - a second one, nooknosub, with no range (nook maps it alone)
#   - /dev/fuse and /dev/net/tun mode 0666
# Prints the first user's name.  Idempotent.
set -eu
user=${NOOK_TEST_USER:-nooktest}
here=$(cd "$(dirname "$0")/.." && pwd)

"$here/contrib/deps.sh" install build run test

if ! id "$user" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/sh "$user" >&2
fi
uid=$(id -u "$user")
gid=$(id -g "$user")
for f in /etc/subuid /etc/subgid; do
    touch "$f"
    if ! grep -q "^$user:" "$f" && ! grep -q "^$uid:" "$f"; then
        # A range no other user of the file uses.
        start=$(awk -F: 'BEGIN{m=100000} {e=$2+$3; if (e>m) m=e} END{print m}' "$f")
        echo "$user:$start:65536" >> "$f"
    fi
done
nosub=${NOOK_TEST_USER_NOSUBID:-nooknosub}
if ! id "$nosub" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/sh "$nosub" >&2
fi
for f in /etc/subuid /etc/subgid; do
    sed -i "/^$nosub:/d;/^$(id -u "$nosub"):/d" "$f"
done
nuid=$(id -u "$nosub")
mkdir -p "/run/user/$nuid"
chown "$nuid:$(id -g "$nosub")" "/run/user/$nuid"
chmod 0700 "/run/user/$nuid"
for dev in /dev/fuse /dev/net/tun; do
    [ -e "$dev" ] && chmod 0666 "$dev"
done
mkdir -p "/run/user/$uid"
chown "$uid:$gid" "/run/user/$uid"
chmod 0700 "/run/user/$uid"
echo "$user"
