#!/bin/bash
# Run every test of nook: the C unit tests, then the bats system tests as
# an unprivileged user.  The last line is "N passed, N failed".
#   run-tests.sh BUILD_DIR
# As root, tests/setup-root.sh prepares an unprivileged test user and the
# system tests run as that user; any skipped test then counts as failed,
# since the setup is ours and a skip would hide a broken one.  As an
# ordinary user, they run as that user and a skip says why.
set -u
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
passed=0 failed=0 skipped=0
declare -a failures=()

count_tap () {
    local label=$1 file=$2 line
    while IFS= read -r line; do
        case $line in
            "not ok "*) failed=$((failed + 1)); failures+=("$label: ${line#not ok }") ;;
            "ok "*"# skip"*|"ok "*"# SKIP"*) skipped=$((skipped + 1)); failures+=("$label (skipped): ${line#ok }") ;;
            "ok "*) passed=$((passed + 1)) ;;
        esac
    done < "$file"
}

echo "== unit tests"
for t in "$build"/tests/unit/test-*; do
    [ -x "$t" ] || continue
    out=$(mktemp)
    if ! "$t" > "$out" 2>&1; then
        grep -q "^not ok" "$out" || { failed=$((failed + 1)); failures+=("$(basename "$t"): exited non-zero"); }
    fi
    grep -E "^(not ok|# )" "$out" || true
    count_tap "$(basename "$t")" "$out"
    rm -f "$out"
done
echo "unit: $passed passed, $failed failed"

echo "== format (.clang-format)"
if make -s -C "$src" format-check; then
    passed=$((passed + 1))
else
    failed=$((failed + 1)); failures+=("format: sources differ from .clang-format (make format)")
fi

# Stage what the system tests use where the test user can read it.
stage=$("$src/tests/stage.sh" "$build") || { echo "staging the install failed"; exit 1; }
trap 'rm -rf "$stage"' EXIT
cp -r "$src/tests/system" "$stage/system"
cp -r "$src/tests/registry" "$stage/registry" # loaded as ../registry/registry
cp -r "$src/tests/network" "$stage/network"   # ../network: DNS server, UDP echo
chmod -R a+rX "$stage/system" "$stage/registry" "$stage/network"

env_vars=(NOOK="$stage/prefix/bin/nook" NOOK_FIXTURES="$stage/fixtures"
          NOOK_PREFIX="$stage/prefix" PATH="/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
echo "== system tests"
tap=$(mktemp)
if [ "$(id -u)" = 0 ]; then
    user=$("$src/tests/setup-root.sh") || { echo "test setup failed"; exit 1; }
    uid=$(id -u "$user")
    home=$(getent passwd "$user" | cut -d: -f6)
    strict=1
    setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
        env -i "${env_vars[@]}" HOME="$home" USER="$user" LOGNAME="$user" \
        XDG_RUNTIME_DIR="/run/user/$uid" NOOK_STRICT=1 LANG=C.UTF-8 \
        bats --tap "$stage/system" > "$tap" 2>&1
    # The same nook for a user with no subordinate ids.
    nosub=${NOOK_TEST_USER_NOSUBID:-nooknosub}
    tap2=$(mktemp)
    setpriv --reuid="$nosub" --regid="$(id -g "$nosub")" --init-groups \
        env -i "${env_vars[@]}" HOME="$(getent passwd "$nosub" | cut -d: -f6)" USER="$nosub" \
        LOGNAME="$nosub" XDG_RUNTIME_DIR="/run/user/$(id -u "$nosub")" NOOK_STRICT=1 \
        LANG=C.UTF-8 bats --tap "$stage/system/nosubid" > "$tap2" 2>&1
    grep -vE "^ok " "$tap2" | grep -vE "^1\.\." || true
    count_tap "system (no subordinate ids)" "$tap2"
    rm -f "$tap2"
else
    strict=${NOOK_STRICT:-0}
    env "${env_vars[@]}" NOOK_STRICT="$strict" bats --tap "$stage/system" > "$tap" 2>&1
fi
grep -vE "^ok " "$tap" | grep -vE "^1\.\." || true
count_tap system "$tap"
rm -f "$tap"

if [ "$strict" = 1 ] && [ "$skipped" -gt 0 ]; then
    echo "$skipped test(s) skipped under a setup that should run them all: counted as failed"
    failed=$((failed + skipped))
elif [ "$skipped" -gt 0 ]; then
    echo "$skipped test(s) skipped"
fi
if [ ${#failures[@]} -gt 0 ]; then
    echo "== not passed:"
    printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
