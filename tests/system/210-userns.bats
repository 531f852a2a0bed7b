#!/usr/bin/env bats
# User namespace modes, rootless: --userns=host (the default), keep-id
# (with uid=/gid=), nomap, auto (size=, disjoint ranges) and
# --uidmap/--gidmap, seen from inside (/proc/self/uid_map, id) and from
# the host (owners of files made in a bind-mounted directory); exec, top
# and inspect in each mode; the layers are never copied for a mode; and
# Podman's messages for bad input.

load helpers
load completion

bats_require_minimum_version 1.5.0

BB=localhost/busybox:latest

# The container's root in nomap, auto or --uidmap has no rights over the
# user's own directories: as with Podman, the path to the store must be
# searchable by others.  Our test directories are made 0700 by bats.
searchable_path () {
    local d=$1
    while [ "$d" != / ] && [ -O "$d" ]; do
        chmod go+x "$d"
        d=$(dirname "$d")
    done
}

setup_file () {
    nook_setup_file
    searchable_path "$XDG_DATA_HOME"
}
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () {
    require_rootless
    D="$BATS_TEST_TMPDIR/host"
    mkdir -p "$D"
    chmod 0755 "$D"
    searchable_path "$D"
    SUB=$(subuid_start)
    NSUB=$(awk -F: -v u="$(id -un)" -v n="$(id -u)" '($1 == u || $1 == n) { s += $3 } END { print s }' /etc/subuid)
}
teardown () {
    remove_all_containers
    nook unshare rm -rf "$BATS_TEST_TMPDIR/host" 2>/dev/null || true
    assert_no_leftovers
}

# The uid_map of a container as one line: "inside outside count;..."
flat_map () {
    awk '{ printf "%s%s %s %s", (NR > 1 ? ";" : ""), $1, $2, $3 }'
}

@test "keep-id: id inside is the user's uid and gid; the user is in /etc/passwd and /etc/group and HOME is set" {
    local u g n gecos; u=$(id -u); g=$(id -g); n=$(id -un)
    gecos=$(getent passwd "$n" | cut -d: -f5)
    run -0 nook run --rm --userns=keep-id $BB sh -c 'id -u; id -g; echo "HOME=$HOME"; grep "^'"$n"':" /etc/passwd; grep ":'"$g"':" /etc/group; id -un'
    [ "${lines[0]}" = "$u" ]
    [ "${lines[1]}" = "$g" ]
    [ "${lines[2]}" = "HOME=/" ]
    [ "${lines[3]}" = "$n:*:$u:$g:$gecos:/:/bin/sh" ]
    [ "${lines[4]}" = "$(id -gn):x:$g:$n" ]
    [ "${lines[5]}" = "$n" ]
}

@test "keep-id: a file made in a bind-mounted directory is the user's on the host; the map is Podman's" {
    local u; u=$(id -u)
    run -0 nook run --rm --userns=keep-id -v "$D:/src" -w /src $BB sh -c 'touch made-here; mkdir dir; echo "HOME=$HOME"; cat /proc/self/uid_map' 
    [ "$(stat -c %u:%g "$D/made-here")" = "$(id -u):$(id -g)" ]
    [ "$(stat -c %u:%g "$D/dir")" = "$(id -u):$(id -g)" ]
    # HOME is the working directory, as Podman's entry for the user.
    [ "${lines[0]}" = "HOME=/src" ]
    [ "$(printf '%s\n' "${lines[@]:1}" | flat_map)" = "0 1 $u;$u 0 1;$((u + 1)) $((u + 1)) $((NSUB - u))" ]
    # With the user's home directory mounted, that is the home, as Podman's.
    local home; home=$(getent passwd "$(id -un)" | cut -d: -f6)
    run -0 nook run --rm --userns=keep-id -v "$D:$home" $BB sh -c 'echo "HOME=$HOME"; grep "^'"$(id -un)"':" /etc/passwd | cut -d: -f6'
    [ "$output" = "HOME=$home"$'\n'"$home" ]
    # The image's root-owned files are still root's inside.
    run -0 nook run --rm --userns=keep-id $BB stat -c '%u:%g' /bin/busybox /etc
    [ "$output" = "0:0"$'\n'"0:0" ]
}

@test "keep-id:uid=,gid=: the user has those ids inside, and the user's files are still the user's" {
    run -0 nook run --rm --userns=keep-id:uid=200,gid=300 -v "$D:/src" $BB sh -c 'id -u; id -g; touch /src/f; cat /proc/self/uid_map /proc/self/gid_map'
    [ "${lines[0]}" = 200 ] && [ "${lines[1]}" = 300 ]
    [ "$(printf '%s\n' "${lines[@]:2:3}" | flat_map)" = "0 1 200;200 0 1;201 201 $((NSUB - 200))" ]
    [ "$(printf '%s\n' "${lines[@]:5:3}" | flat_map)" = "0 1 300;300 0 1;301 301 $((NSUB - 300))" ]
    [ "$(stat -c %u:%g "$D/f")" = "$(id -u):$(id -g)" ]
    # --user still wins over keep-id's user.
    run -0 nook run --rm --userns=keep-id -u 0 $BB id -u
    [ "$output" = 0 ]
}

@test "default: root inside is the user on the host, uid 1000 inside a subordinate id" {
    run -0 nook run --rm -v "$D:/src" $BB sh -c 'touch /src/by-root; touch /src/by-1000; chown 1000:1000 /src/by-1000; cat /proc/self/uid_map'
    [ "$(stat -c %u:%g "$D/by-root")" = "$(id -u):$(id -g)" ]
    [ "$(stat -c %u "$D/by-1000")" = "$((SUB + 999))" ]
    [ "$(printf '%s\n' "${lines[@]}" | head -1 | flat_map)" = "0 $(id -u) 1" ]
    # --userns=host and an empty --userns are the same namespace.
    run -0 nook run --rm --userns=host $BB cat /proc/self/uid_map
    [ "$(echo "$output" | head -1 | flat_map)" = "0 $(id -u) 1" ]
    run -0 nook run --rm --userns= $BB cat /proc/self/uid_map
    [ "$(echo "$output" | head -1 | flat_map)" = "0 $(id -u) 1" ]
}

@test "nomap: the user's uid is not mapped; root inside is the first subordinate id" {
    run -0 nook run --rm --userns=nomap -v "$D:/src" $BB sh -c 'cat /proc/self/uid_map; id -u; stat -c %u /src; stat -c %u /bin/busybox'
    [ "$(echo "${lines[0]}" | flat_map)" = "0 1 $NSUB" ]
    [ "${lines[1]}" = 0 ]
    # The user's directory belongs to nobody in there; the image's files to root.
    [ "${lines[2]}" = 65534 ]
    [ "${lines[3]}" = 0 ]
    # A working directory nook makes is root's in there, as Podman's.
    run -0 nook run --rm --userns=nomap -w /newdir $BB sh -c 'stat -c %u:%g /newdir; touch x'
    [ "$output" = 0:0 ]
    run nook run --rm --userns=nomap -v "$D:/src" $BB touch /src/x
    assert_status 1
    assert_output_contains "Permission denied"
    # On disk the upper layer keeps the container's ids, as the image's
    # layers do (fuse-overlayfs maps both ways): root's file is stored as
    # root's, which is the user's id in the store.
    run -0 nook run --userns=nomap --name nm $BB sh -c 'touch /made-by-root; touch /made-by-7; chown 7 /made-by-7'
    local id; id=$(container_id_of nm)
    [ "$(stat -c %u "$NOOK_STORE/containers/$id/upper/made-by-root")" = "$(id -u)" ]
    [ "$(stat -c %u "$NOOK_STORE/containers/$id/upper/made-by-7")" = "$((SUB + 6))" ]
}

@test "auto: two containers get disjoint ranges, size= sets the size, and the range is free again after rm" {
    run -0 nook run -d --name a1 --userns=auto $BB sleep 100
    run -0 nook run -d --name a2 --userns=auto:size=2000 $BB sleep 100
    run -0 nook exec a1 cat /proc/self/uid_map
    read -r in1 out1 n1 <<< "$output"
    run -0 nook exec a2 cat /proc/self/uid_map
    read -r in2 out2 n2 <<< "$output"
    [ "$in1" = 0 ] && [ "$in2" = 0 ]
    [ "$n1" = 1024 ] && [ "$n2" = 2000 ]
    [ "$out1" -ge 1 ] && [ "$out2" -ge 1 ]
    # Disjoint: one ends before the other starts.
    [ $((out1 + n1)) -le "$out2" ] || [ $((out2 + n2)) -le "$out1" ]
    run -0 nook exec a1 cat /proc/self/gid_map
    [ "$(echo "$output" | flat_map)" = "0 $out1 1024" ]
    # Root inside is not the user: a file it makes in a bind mount is a
    # subordinate id's.
    run -0 nook run --rm --userns=auto:size=100 -v "$D:/src" $BB sh -c 'cat /proc/self/uid_map; mkdir /src/d 2>/dev/null; true'
    [ ! -e "$D/d" ]
    # rm frees the range: the next container may take it.
    run -0 nook rm -f a1
    run -0 nook create --name a3 --userns=auto $BB true
    run -0 nook inspect --format '{{json .HostConfig.IDMappings.UidMap}}' a3
    [ "$output" = "[\"0:$out1:1024\"]" ]
}

@test "auto: uidmapping= and gidmapping= add mappings, their container ids taken out of the range" {
    run -0 nook run --rm --userns=auto:size=2000,uidmapping=1000:0:1,gidmapping=1000:0:1 -v "$D:/src" $BB sh -c 'cat /proc/self/uid_map; touch /src/by-1000; chown 1000:1000 /src/by-1000'
    local start; start=$(echo "$output" | head -1 | awk '{ print $2 }')
    [ "$(echo "$output" | flat_map)" = "0 $start 1000;1001 $((start + 1001)) 999;1000 0 1" ]
    # uid 1000 inside is the user: its file is the user's on the host.
    [ "$(stat -c %u:%g "$D/by-1000")" = "$(id -u):$(id -g)" ]
    run -125 nook create --userns=auto:size=70000 $BB true
    assert_output_equals "Error: the container needs a user namespace with size 70000 that is bigger than the maximum value allowed with userns=auto 65536"
    run -125 nook create --userns=auto:uidmapping=0:1 $BB true
    assert_output_contains "UID setting is malformed"
}

@test "auto: containers created at the same time get disjoint ranges" {
    local i starts
    for i in 1 2 3 4 5 6; do
        nook create --name "p$i" --userns=auto:size=100 $BB true >/dev/null &
    done
    wait
    starts=$(for i in 1 2 3 4 5 6; do
                 nook inspect --format '{{json .HostConfig.IDMappings.UidMap}}' "p$i" | sed 's/^\["0:\([0-9]*\):100"\]$/\1/'
             done | sort -n)
    [ "$(echo "$starts" | grep -c '^[0-9][0-9]*$')" = 6 ]
    # Sorted, each starts at least 100 after the one before.
    echo "$starts" | awk 'NR > 1 && $1 < prev + 100 { bad = 1 } { prev = $1 } END { exit bad }'
}

@test "auto: without size= the size is what the image's users need (at least 1024)" {
    local root="$BATS_TEST_TMPDIR/rootfs"
    mkdir -p "$root/etc"
    printf 'root:x:0:0::/root:/bin/sh\nbig:x:5000:100::/:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nbiggroup:x:6000:\n' >"$root/etc/group"
    tar -C "$root" -cf "$BATS_TEST_TMPDIR/big.tar" etc
    run -0 nook import "$BATS_TEST_TMPDIR/big.tar" localhost/bigids
    run -0 nook create --name big --userns=auto localhost/bigids /bin/true
    run -0 nook inspect --format '{{json .HostConfig.IDMappings.UidMap}}' big
    [[ "$output" == '["0:'*':6001"]' ]]
    run -0 nook rm big
    run -0 nook rmi localhost/bigids
}

@test "--uidmap/--gidmap: Podman's syntax, gids as the uids when only --uidmap is given, @ for host ids" {
    run -0 nook run --rm --uidmap 0:1:100 $BB sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u'
    [ "$(printf '%s\n' "${lines[@]:0:2}" | flat_map)" = "0 1 100;0 1 100" ]
    [ "${lines[2]}" = 0 ]
    run -0 nook run --rm --uidmap 0:10:1000 --uidmap 1000:0:1 --gidmap 0:20:500 $BB sh -c 'cat /proc/self/uid_map /proc/self/gid_map'
    [ "$(echo "$output" | flat_map)" = "0 10 1000;1000 0 1;0 20 500" ]
    # The rootless form: @ID is a host id, found in the rootless namespace.
    run -0 nook run --rm --uidmap "0:@$((SUB + 9)):50" -v "$D:/src" $BB sh -c 'cat /proc/self/uid_map; touch /src/x 2>/dev/null; true'
    [ "$(echo "$output" | flat_map)" = "0 10 50" ]
    # The directory is the user's, not mapped here: refused.
    [ ! -e "$D/x" ]
    # Only --gidmap: the uids take the same map.
    run -0 nook run --rm --gidmap 0:1:300 $BB cat /proc/self/uid_map
    [ "$(echo "$output" | flat_map)" = "0 1 300" ]
}

@test "exec, exec -u and top work in every mode" {
    local mode
    for mode in host keep-id nomap auto uidmap; do
        local args=(--userns="$mode")
        [ "$mode" = uidmap ] && args=(--uidmap 0:1:5000)
        run -0 nook run -d --name "c-$mode" "${args[@]}" $BB sleep 100
        # exec joins the container's own user namespace: its map is the init's.
        run -0 nook exec "c-$mode" cat /proc/1/uid_map
        local want=$output
        run -0 nook exec "c-$mode" cat /proc/self/uid_map
        [ "$output" = "$want" ]
        run -0 nook exec -u 0 "c-$mode" id -u
        [ "$output" = 0 ]
        run -0 nook top "c-$mode" user pid args
        assert_output_contains "sleep 100"
    done
    run -0 nook exec c-keep-id id -u
    [ "$output" = "$(id -u)" ]
    run -0 nook top c-keep-id user
    [ "${lines[1]}" = "$(id -un)" ]
}

@test "inspect: HostConfig.UsernsMode and IDMappings as Podman shows them; Config.User with keep-id" {
    local u g; u=$(id -u); g=$(id -g)
    run -0 nook create --name h $BB true
    run -0 nook inspect --format '{{.HostConfig.UsernsMode}}|{{json .HostConfig.IDMappings}}' h
    [ "$output" = "|null" ]
    run -0 nook create --name k --userns=keep-id $BB true
    run -0 nook inspect --format '{{.HostConfig.UsernsMode}}|{{json .HostConfig.IDMappings}}|{{.Config.User}}' k
    [ "$output" = "private|{\"UidMap\":[\"0:1:$u\",\"$u:0:1\",\"$((u + 1)):$((u + 1)):$((NSUB - u))\"],\"GidMap\":[\"0:1:$g\",\"$g:0:1\",\"$((g + 1)):$((g + 1)):$((NSUB - g))\"]}|$u:$g" ]
    run -0 nook create --name n --userns=nomap $BB true
    run -0 nook inspect --format '{{.HostConfig.UsernsMode}}|{{json .HostConfig.IDMappings}}' n
    [ "$output" = "private|{\"UidMap\":[\"0:1:$NSUB\"],\"GidMap\":[\"0:1:$NSUB\"]}" ]
    run -0 nook create --name m --uidmap 0:1:100 --gidmap 0:2:50 $BB true
    run -0 nook inspect --format '{{.HostConfig.UsernsMode}}|{{json .HostConfig.IDMappings}}' m
    [ "$output" = 'private|{"UidMap":["0:1:100"],"GidMap":["0:2:50"]}' ]
    # Podman 4 shows nothing for auto, and the range it took.
    run -0 nook create --name a --userns=auto:size=10 $BB true
    run -0 nook inspect --format '{{.HostConfig.UsernsMode}}|{{len .HostConfig.IDMappings.UidMap}}' a
    [ "$output" = "|1" ]
}

@test "the image's layers are not copied for a mode: fuse-overlayfs maps the ids" {
    local before after
    before=$(ls "$NOOK_STORE/layers" | wc -l)
    run -0 nook run -d --name kk --userns=keep-id $BB sleep 100
    run -0 nook run -d --name nn --userns=nomap $BB sleep 100
    after=$(ls "$NOOK_STORE/layers" | wc -l)
    [ "$before" = "$after" ]
    # Each container's fuse-overlayfs was told its map.
    run -0 sh -c "pgrep -a -u $(id -u) fuse-overlayfs | grep '$NOOK_STORE/containers/$(container_id_of kk)/'"
    assert_output_contains "uidmapping=0:1:$(id -u):$(id -u):0:1:"
    run -0 sh -c "pgrep -a -u $(id -u) fuse-overlayfs | grep '$NOOK_STORE/containers/$(container_id_of nn)/'"
    assert_output_contains "uidmapping=0:1:$NSUB,gidmapping=0:1:$NSUB"
}

@test "keep-id: a container started again does not add the user twice" {
    run -0 nook run --name again --userns=keep-id $BB true
    run -0 nook start -a again
    run -0 nook start -a again
    # The upper layer holds one /etc/passwd with the user once.
    local id; id=$(container_id_of again)
    [ "$(grep -c "^$(id -un):" "$NOOK_STORE/containers/$id/upper/etc/passwd")" = 1 ]
}

@test "bad --userns, --uidmap and --gidmap: Podman's messages, exit 125, nothing created" {
    local bad
    run -125 nook create --userns=bogus $BB true
    assert_output_equals "Error: unrecognized namespace mode bogus passed"
    run -125 nook create --userns=nomap:x $BB true
    assert_output_equals "Error: unrecognized namespace mode nomap:x passed"
    run -125 nook create --userns=keep-id:foo=1 $BB true
    assert_output_equals 'Error: unknown option specified: "foo"'
    run -125 nook create --userns=keep-id:uid=x $BB true
    assert_output_equals 'Error: strconv.ParseUint: parsing "x": invalid syntax'
    run -125 nook create --userns=auto:foo $BB true
    assert_output_equals 'Error: invalid option specified: "foo"'
    run -125 nook create --userns=auto:size=-1 $BB true
    assert_output_equals 'Error: strconv.ParseUint: parsing "-1": invalid syntax'
    run -125 nook create --userns=private $BB true
    assert_output_equals "Error: must provide at least one UID or GID mapping to configure a user namespace"
    run -125 nook create --userns=keep-id --uidmap 0:1:10 $BB true
    assert_output_equals "Error: --userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive"
    for bad in 0:1 x:1:2 0:-1:5 0:1:2:3; do
        run -125 nook create --uidmap "$bad" $BB true
        assert_output_equals "Error: initializing ID mappings: UID setting is malformed expected [\"uint32:uint32:uint32\"]: [\"$bad\"]"
    done
    run -125 nook create --uidmap 0:1:1 --gidmap 0:1 $BB true
    assert_output_contains "GID setting is malformed"
    # Beyond the ids the user has.
    run -125 nook create --uidmap "0:1:$((NSUB + 1))" $BB true
    assert_output_contains "potentially insufficient UIDs or GIDs available in user namespace"
    run -125 nook create --uidmap "0:$((NSUB + 1)):1" $BB true
    assert_output_contains "Check /etc/subuid and /etc/subgid"
    run -125 nook create --uidmap 0:1:0 $BB true
    assert_output_contains "the amount must be at least 1"
    run -125 nook create --uidmap 0:1:10 --uidmap 5:100:10 $BB true
    assert_output_contains "overlap"
    run -125 nook create --uidmap 1000:0:1 --user 1000 $BB true
    assert_output_contains "uid and gid 0 must be mapped"
    run -125 nook create --uidmap "0:@1:1" $BB true
    assert_output_contains "not all in your user namespace"
    run -125 nook create --userns=auto:size=$((NSUB - 10)),uidmapping=0:$((NSUB - 5)):10 $BB true
    assert_output_contains "potentially insufficient UIDs or GIDs"
    run -0 nook create --name all-ids --userns=auto:size="$NSUB" $BB true
    run -125 nook create --userns=auto:size=1 $BB true
    assert_output_contains "not enough unused IDs in user namespace"
    run -0 nook rm all-ids
    run -0 nook ps -a -q
    [ -z "$output" ]
}

@test "a store others cannot search is refused clearly for a mode that does not map the user" {
    use_empty_store
    local closed="$BATS_TEST_TMPDIR/closed"
    mkdir -p "$closed" && chmod 0700 "$closed"
    run -0 nook --root "$closed/store" load -i "$NOOK_FIXTURES/busybox.tar"
    run -125 nook --root "$closed/store" run --rm --userns=nomap $BB true
    assert_output_contains "\`$closed\` (mode 0700) must be searchable by others"
    assert_output_contains "chmod go+x"
    # keep-id maps the user: its root may go through.
    run -0 nook --root "$closed/store" run --rm --userns=keep-id $BB true
    nook --root "$closed/store" rm -af >/dev/null 2>&1 || true
    nook unshare rm -rf "$closed" 2>/dev/null || true
}

@test "--userns, --uidmap, --gidmap: in run --help, the man pages and the bash completion" {
    [ -r "$(completion_script)" ] || skip "completion not installed at $(completion_script)"
    assert_create_flags_documented --userns --uidmap --gidmap
    run complete_line "run --userns "
    assert_output_equals "$(printf 'auto\nhost\nkeep-id\nnomap')"
    run complete_line "create --userns=k"
    assert_output_equals "keep-id"
    # readline breaks words at : and =: the replies are the last part.
    run complete_line "run --userns keep-id:uid=1000,g"
    assert_output_equals "1000,gid="
    run complete_line "run --userns auto:"
    assert_output_equals "$(printf 'gidmapping=\nsize=\nuidmapping=')"
}
