#!/bin/sh
# Install the build into a fresh world-readable directory under /tmp, with
# the fixture images next to it, for an unprivileged user to run: the
# source tree may sit in root's 0700 home.  Prints the directory:
#   DIR/prefix/{bin,libexec/nook,share}   DIR/fixtures/
#   stage.sh BUILD_DIR
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d /tmp/nook-stage.XXXXXX)
chmod 0755 "$stage"
make -s -C "$src" install BUILD="$build" PREFIX="$stage/prefix" DESTDIR= >/dev/null
cp -r "$build/fixtures" "$stage/fixtures"
chmod -R a+rX "$stage"
echo "$stage"
