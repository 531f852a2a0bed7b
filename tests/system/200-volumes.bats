#!/usr/bin/env bats
# Volumes and bind mounts, rootless: -v with a host path or a volume
# name and its options (ro, U, O, ...), --mount, --volumes-from, --tmpfs,
# the image's VOLUMEs as anonymous volumes (rm -v), the volume commands,
# seeding a new volume from the image, symlinks that must not take nook
# outside a source or the rootfs, and Podman's messages for bad input.

load helpers
load completion

bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () {
    require_rootless
    D="$BATS_TEST_TMPDIR/host"
    mkdir -p "$D"
}
teardown () {
    remove_all_containers
    nook volume prune -f >/dev/null 2>&1 || true
    # :U and files made by other ids in a host directory: remove from inside.
    nook unshare rm -rf "$BATS_TEST_TMPDIR/host" 2>/dev/null || true
    assert_no_leftovers
}

BB=localhost/busybox:latest

# A volume's data directory on the host.
vol_data () {
    echo "$NOOK_STORE/volumes/$1/_data"
}

@test "-v DIR:/src: a file made by root in the container is the user's on the host, another uid a subordinate one" {
    run -0 nook run --rm -v "$D:/src" -w /src $BB sh -c 'echo hi > mine; touch other; chown 1000:1000 other'
    [ "$(stat -c %u:%g "$D/mine")" = "$(id -u):$(id -g)" ]
    local sub; sub=$(subuid_start)
    [ "$(stat -c %u "$D/other")" = "$((sub + 999))" ]
    [ "$(cat "$D/mine")" = hi ]
}

@test "-v DIR:/src:ro refuses writes; rw, nosuid, nodev, noexec reach the mount" {
    echo data > "$D/f"
    run -1 nook run --rm -v "$D:/src:ro" $BB sh -c 'cat /src/f; echo x > /src/g'
    assert_output_contains "data"
    assert_output_contains "Read-only file system"
    [ ! -e "$D/g" ]
    run -0 nook run --rm -v "$D:/src:rw,noexec,nosuid,nodev" $BB grep ' /src ' /proc/mounts
    assert_output_contains "rw,nosuid,nodev,noexec"
    run -0 nook run --rm -v "$D:/src:z" -v "$D:/src2:Z,rbind,rslave" $BB ls /src2
}

@test "-v DIR:/dst:U makes the source usable by a non-root user of the container" {
    mkdir "$D/src"; echo a > "$D/src/a"
    run -1 nook run --rm -u 1000:1000 -v "$D/src:/s" $BB sh -c 'echo x > /s/new'
    run -0 nook run --rm -u 1000:1000 -v "$D/src:/s:U" $BB sh -c 'echo x > /s/new && stat -c %u:%g /s /s/a /s/new'
    assert_output_equals "1000:1000
1000:1000
1000:1000"
    local sub; sub=$(subuid_start)
    [ "$(stat -c %u "$D/src/a")" = "$((sub + 999))" ]
}

@test ":U with --userns=keep-id chowns to the container's user through the container's mapping" {
    mkdir "$D/k1" "$D/k2"
    # keep-id: the container's user is the user: the files stay the user's.
    run -0 nook run --rm --userns=keep-id -v "$D/k1:/s:U" $BB sh -c 'stat -c %u:%g /s; touch /s/f'
    assert_output_equals "$(id -u):$(id -g)"
    [ "$(stat -c %u "$D/k1/f")" = "$(id -u)" ]
    run -0 nook run --rm --userns=keep-id -u 1000:1000 -v "$D/k2:/s:U" $BB sh -c 'stat -c %u:%g /s; touch /s/f'
    assert_output_equals "1000:1000"
}

@test ":U does not follow a symlink out of the source" {
    mkdir "$D/src" "$D/outside"; echo keep > "$D/outside/file"
    ln -s "$D/outside/file" "$D/src/link"
    ln -s "$D/outside" "$D/src/dirlink"
    run -0 nook run --rm -v "$D/src:/s:U" -u 1000:1000 $BB true
    [ "$(stat -c %u "$D/outside/file")" = "$(id -u)" ]
    [ "$(stat -c %u "$D/outside")" = "$(id -u)" ]
    # The links themselves are chowned, as Podman does.
    [ "$(stat -c %u "$D/src/link")" != "$(id -u)" ]
}

@test "-v DIR:/dst:O: changes are discarded, the source stays as it was" {
    echo base > "$D/f"
    run -0 nook run --rm -v "$D:/o:O" $BB sh -c 'echo new > /o/f; echo g > /o/g; cat /o/f'
    assert_output_equals "new"
    [ "$(cat "$D/f")" = base ]
    [ ! -e "$D/g" ]
    run -125 nook run --rm -v "$D:/o:O,ro" $BB true
    assert_output_contains "can't use 'O' with other options"
}

@test "named volume: data survives rm and appears in the next container" {
    run -0 nook run --name w -v keep:/data $BB sh -c 'echo persisted > /data/f'
    run -0 nook rm w
    run -0 nook volume exists keep
    run -0 nook run --rm -v keep:/data $BB cat /data/f
    assert_output_equals "persisted"
    [ "$(cat "$(vol_data keep)/f")" = persisted ]
    # Files of subordinate ids in it: volume rm still removes it whole.
    run -0 nook run --rm -v keep:/data $BB sh -c 'mkdir /data/d && touch /data/d/x && chown -R 1000:1000 /data/d && chmod 700 /data/d'
    run -0 nook volume rm keep
    [ ! -e "$NOOK_STORE/volumes/keep" ]
    [ -z "$(ls -A "$NOOK_STORE/tmp")" ]
}

@test "a new volume is seeded from the image's content at its mount point, once" {
    run -0 nook run --rm -v etcvol:/etc $BB stat -c '%a %u %Y' /etc/passwd
    local image_stat=$output
    [ -f "$(vol_data etcvol)/passwd" ]
    # Copied with its mode, owner and time.
    run -0 nook run --rm -v etcvol:/etc $BB stat -c '%a %u %Y' /etc/passwd
    assert_output_equals "$image_stat"
    run -0 nook run --rm $BB stat -c '%a %u %Y' /etc/passwd
    assert_output_equals "$image_stat"
    run -0 nook volume inspect --format '{{.NeedsCopyUp}} {{.MountCount}}' etcvol
    assert_output_equals "false 0"
    # MountCount: the running containers that mount it.
    run -0 nook run -d --name mc -v etcvol:/etc $BB sleep 100
    run -0 nook volume inspect --format '{{.MountCount}}' etcvol
    assert_output_equals "1"
    run -0 nook rm -f -t 0 mc
    # Not again: what the container removed stays removed.
    run -0 nook run --rm -v etcvol:/etc $BB rm /etc/group
    run -0 nook run --rm -v etcvol:/etc $BB ls /etc
    [[ "$output" != *group* ]]
    # A volume mounted where the image has nothing stays empty.
    run -0 nook run --rm -v emptyvol:/nothing-here $BB ls -A /nothing-here
    assert_output_equals ""
}

@test "image VOLUMEs become anonymous volumes: kept by rm, removed by rm -v" {
    nook run --name exp $BB sh -c 'mkdir -p /data && echo from-image > /data/seed' >/dev/null
    nook export exp > "$BATS_TEST_TMPDIR/rootfs.tar"
    nook rm exp >/dev/null
    run -0 nook import --change 'VOLUME /data' --change 'CMD ["sh"]' "$BATS_TEST_TMPDIR/rootfs.tar" withvol
    run -0 nook run --name a1 withvol cat /data/seed
    assert_output_equals "from-image"
    run -0 nook inspect --format '{{range .Mounts}}{{.Type}} {{.Destination}} {{.Name}}{{end}}' a1
    local name; name=${output##* }
    [[ "$output" == "volume /data "* ]]
    run -0 nook volume exists "$name"
    run -0 nook rm a1
    run -0 nook volume exists "$name"
    run -0 nook volume rm "$name"
    run -0 nook run --name a2 withvol true
    run -0 nook inspect --format '{{range .Mounts}}{{.Name}}{{end}}' a2
    name=$output
    run -0 nook rm -v a2
    run -1 nook volume exists "$name"
    # run --rm takes them too, as Podman's; named volumes stay.
    run -0 nook run --rm -v /rmanon -v rmnamed:/n withvol true
    run -0 nook volume ls -q
    assert_output_equals "rmnamed"
    # -v /dst and --mount type=volume without a source: anonymous too.
    run -0 nook create --name a3 -v /anon --mount type=volume,dst=/anon2 $BB true
    run -0 nook inspect --format '{{range .Mounts}}{{.Name}} {{end}}' a3
    local n1 n2; read -r n1 n2 <<<"$output"
    run -0 nook rm -v a3
    run -1 nook volume exists "$n1"
    run -1 nook volume exists "$n2"
}

@test "volume create, ls (--format, --filter, -q), inspect, exists" {
    run -0 nook volume create --label team=a --opt o=uid=0 v1
    assert_output_equals "v1"
    run -0 nook volume create v2
    run -0 nook volume create
    local gen=$output
    [[ "$gen" =~ ^[0-9a-f]{64}$ ]]
    run -125 nook volume create v1
    assert_output_equals "Error: volume with name v1 already exists: volume already exists"
    run -0 nook volume create --ignore v1
    # The local driver's options: o=uid=,gid= is applied, others refused as Podman.
    run -0 nook volume create --opt o=uid=1000,gid=1001 owned
    run -0 nook run --rm -v owned:/etc $BB stat -c %u:%g /etc
    assert_output_equals "1000:1001"
    run -125 nook volume create --opt foo=bar badopt
    assert_output_equals "Error: invalid mount option foo for driver 'local': invalid argument"
    run -125 nook volume create --opt size=1m badopt
    assert_output_contains "volume options size and inodes not supported"
    run -125 nook volume create --opt type=tmpfs badopt
    assert_output_contains "volume option type is not supported by nook"
    run -1 nook volume exists badopt
    run -125 nook volume create 'bad/name'
    assert_output_contains "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*"
    run -0 nook volume ls
    assert_output_contains "DRIVER      VOLUME NAME"
    assert_output_contains "local       v1"
    run -0 nook volume ls -q --filter label=team=a
    assert_output_equals "v1"
    run -0 nook volume ls -q --filter opt=o=uid=1000,gid=1001
    assert_output_equals "owned"
    run -0 nook volume ls --filter name=v2 --format '{{.Name}} {{.Driver}} {{.Mountpoint}}'
    assert_output_equals "v2 local $(vol_data v2)"
    run -0 nook volume inspect v1
    assert_output_contains '"Name": "v1"'
    assert_output_contains '"Driver": "local"'
    assert_output_contains '"team": "a"'
    assert_output_contains '"o": "uid=0"'
    assert_output_contains '"Scope": "local"'
    run -0 nook volume inspect --format '{{.Name}} {{.Labels.team}}' v1
    assert_output_equals "v1 a"
    run -125 nook volume inspect nosuch
    assert_output_contains 'Error: inspecting object: no such volume nosuch'
    run -0 nook volume exists v2
    run -1 nook volume exists nosuch
    # inspect finds volumes too, last after containers and images.
    run -0 nook inspect --format '{{.Name}} {{.Driver}}' v1
    assert_output_equals "v1 local"
    run -125 nook inspect --type volume nosuch
    assert_output_contains "Error: inspecting object: no such volume nosuch"
    run -125 nook volume ls --filter bogus=1
    assert_output_contains "bogus is an invalid volume filter"
}

@test "volume rm refuses a volume in use, naming the container; -f removes it and the container" {
    nook volume create used >/dev/null
    run -0 nook create --name user1 -v used:/u $BB true
    local id; id=$(container_id_of user1)
    run -2 nook volume rm used
    assert_output_equals "Error: volume used is being used by the following container(s): $id: volume is being used"
    run -0 nook volume rm -f used
    assert_output_equals "used"
    run -1 nook container exists user1
    run -1 nook volume rm nosuch
    assert_output_contains 'no volume with name "nosuch" found: no such volume'
    run -0 nook volume rm -f nosuch
}

@test "volume prune removes only unused volumes" {
    nook volume create p1 >/dev/null
    nook volume create p2 >/dev/null
    nook create --name keeper -v p2:/p $BB true >/dev/null
    run -0 nook volume prune -f
    assert_output_equals "p1"
    run -1 nook volume exists p1
    run -0 nook volume exists p2
    run -0 nook volume prune <<<"n"
    run -0 nook volume exists p2
}

@test "--mount type=bind, volume and tmpfs, parsed as Podman" {
    echo m > "$D/f"
    run -1 nook run --rm --mount "type=bind,src=$D,dst=/b,ro" --mount type=volume,source=mv,target=/v \
        --mount type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=700 $BB \
        sh -c 'cat /b/f; grep -E " /(b|v|t) " /proc/mounts; stat -c %a /t; echo x > /b/no'
    assert_output_contains "m"
    assert_output_contains " /b "
    assert_output_contains "size=1024k"
    assert_output_contains "700"
    assert_output_contains "Read-only file system"
    run -0 nook volume exists mv
    # ps --filter volume=: by a volume's name or a mount's destination.
    run -0 nook create --name withmv -v mv:/v $BB true
    run -0 nook create --name withbind -v "$D:/hostdir" $BB true
    run -0 nook ps -a --filter volume=mv --format '{{.Names}}'
    assert_output_equals "withmv"
    run -0 nook ps -a --filter volume=/hostdir --format '{{.Names}}'
    assert_output_equals "withbind"
    run -0 nook create --name mnt --mount "type=bind,src=$D,dst=/b,bind-propagation=rslave,readonly=true" $BB true
    run -0 nook inspect --format '{{range .Mounts}}{{.Type}} {{.Source}} {{.Destination}} {{.RW}} {{.Propagation}}{{end}}' mnt
    assert_output_equals "bind $D /b false rslave"
}

@test "--mount type=image: the image's files, read-only unless rw=true (changes discarded)" {
    run -1 nook run --rm --mount type=image,src=localhost/nook-test,dst=/img $BB sh -c 'ls /img/bin/sh; touch /img/x'
    assert_output_contains "/img/bin/sh"
    assert_output_contains "Read-only file system"
    run -0 nook run --name imrw --mount type=image,source=nook-test,destination=/img,rw=true $BB sh -c 'test ! -e /img/x && echo x > /img/x && cat /img/x'
    assert_output_equals "x"
    run -0 nook start -a imrw
    assert_output_equals "x"
    run -0 nook inspect --format '{{json .Mounts}}' imrw
    assert_output_equals '[{"Type":"image","Source":"nook-test","Destination":"/img","Driver":"","Mode":"","Options":null,"RW":true,"Propagation":""}]'
    # The image is in use: rmi refuses it.
    run -2 nook rmi localhost/nook-test
    run -0 nook rm imrw
    run -125 nook run --rm --mount type=image,src=nosuchimage,dst=/img $BB true
    assert_output_contains "image mount of \`nosuchimage\`"
    run -125 nook run --rm --mount type=image,dst=/img $BB true
    assert_output_equals "Error: must set source and destination for image volume"
    # Under a --userns mode the image's files are seen through the
    # container's mapping, as its rootfs is: root's files are root's.
    run -0 nook run --rm --userns=keep-id --mount type=image,src=nook-test,dst=/img $BB \
        stat -c '%u:%g' /img/bin/busybox /bin/busybox
    assert_output_equals "0:0
0:0"
}

@test "--tmpfs mounts a tmpfs with the options given" {
    run -0 nook create --name tm --tmpfs /scratch:size=2m --mount type=tmpfs,dst=/t2 $BB true
    run -0 nook inspect --format '{{index .HostConfig.Tmpfs "/scratch"}} {{index .HostConfig.Tmpfs "/t2"}}' tm
    [[ "$output" == "size=2m,"*" rw,"* ]]
    run -0 nook run --rm --tmpfs /scratch:size=2m,noexec,mode=1770 $BB sh -c 'grep " /scratch " /proc/mounts; stat -c %a /scratch'
    assert_output_contains "tmpfs /scratch tmpfs rw,nosuid,nodev,noexec"
    assert_output_contains "size=2048k"
    assert_output_contains "1770"
}

@test "--volumes-from takes another container's volumes and binds, ro when asked" {
    run -0 nook create --name donor -v shared:/data -v "$D:/host" $BB true
    run -0 nook run --rm --volumes-from donor $BB sh -c 'echo via > /data/f; ls /host >/dev/null'
    run -0 nook create --name taker --volumes-from donor:ro $BB true
    run -0 nook inspect --format '{{json .HostConfig.VolumesFrom}} {{len .Mounts}}' taker
    assert_output_equals '["donor:ro"] 2'
    run -0 nook inspect --format '{{json .HostConfig.VolumesFrom}}' donor
    assert_output_equals 'null'
    run -1 nook run --rm --volumes-from donor:ro $BB sh -c 'cat /data/f; echo x > /data/g'
    assert_output_contains "via"
    assert_output_contains "Read-only file system"
    # rm -v keeps an anonymous volume another container still uses.
    run -0 nook create --name anondonor -v /anon $BB true
    run -0 nook inspect --format '{{range .Mounts}}{{.Name}}{{end}}' anondonor
    local anon=$output
    run -0 nook create --name anontaker --volumes-from anondonor $BB true
    run -0 nook rm -v anondonor
    run -0 nook volume exists "$anon"
    run -125 nook run --rm --volumes-from donor:bad $BB true
    assert_output_equals 'Error: invalid option "bad" specified - volumes from another container can only use z,ro,rw options'
    run -125 nook run --rm --volumes-from nosuch $BB true
    assert_output_contains 'looking up container "nosuch" for volumes-from'
}

@test "a symlink in the image at a mount destination or volume path stays inside the rootfs" {
    mkdir "$D/secret"; echo secret > "$D/secret/s"
    nook run --name exp $BB sh -c "ln -s /../../../../../../..$D/secret /evil; ln -s /../../../../../../..$D /evil2" >/dev/null
    nook export exp > "$BATS_TEST_TMPDIR/rootfs.tar"
    nook rm exp >/dev/null
    nook import --change 'CMD ["sh"]' "$BATS_TEST_TMPDIR/rootfs.tar" evilimg >/dev/null
    mkdir "$D/src"; echo mine > "$D/src/m"
    # A bind mount on /evil/sub: made inside the rootfs, not in the host's dir.
    run -0 nook run --rm -v "$D/src:/evil/sub" evilimg cat /evil/sub/m
    assert_output_equals "mine"
    [ ! -e "$D/secret/sub" ]
    # A new volume on /evil is seeded from the rootfs, never from the host.
    run -0 nook run --rm -v seedevil:/evil evilimg ls -A /evil
    assert_output_equals ""
    [ ! -e "$(vol_data seedevil)/s" ]
    # :U on a volume at /evil2 chowns the volume, not the host directory.
    run -0 nook run --rm -v uevil:/evil2:U -u 1000:1000 evilimg true
    [ "$(stat -c %u "$D")" = "$(id -u)" ]
    [ "$(stat -c %u "$D/secret/s")" = "$(id -u)" ]
}

@test "symlinks a container leaves in a volume: :U, seeding and volume rm stay inside it" {
    mkdir "$D/outside"; echo keep > "$D/outside/file"
    run -0 nook run --rm -v symvol:/v $BB sh -c "ln -s $D/outside /v/dirlink; ln -s $D/outside/file /v/filelink; ln -s / /v/root"
    run -0 nook run --rm -u 1000:1000 -v symvol:/v:U $BB ls /v
    [ "$(stat -c %u "$D/outside")" = "$(id -u)" ]
    [ "$(stat -c %u "$D/outside/file")" = "$(id -u)" ]
    run -0 nook volume rm symvol
    [ "$(cat "$D/outside/file")" = keep ]
    [ ! -e "$NOOK_STORE/volumes/symvol" ]
}

@test "two volume create of one name at once: one wins, the volume is whole" {
    local i
    for i in 1 2 3 4; do
        ( nook volume create race >/dev/null 2>&1 && echo won ) > "$BATS_TEST_TMPDIR/r$i" &
    done
    wait
    [ "$(cat "$BATS_TEST_TMPDIR"/r* | grep -c won)" = 1 ]
    run -0 nook volume inspect --format '{{.Name}} {{.NeedsCopyUp}}' race
    assert_output_equals "race true"
    [ -d "$(vol_data race)" ]
}

@test "bad -v and --mount input: Podman's messages, nothing created" {
    run -125 nook run --rm -v /nonexistent-dir:/x $BB true
    assert_output_equals "Error: statfs /nonexistent-dir: no such file or directory"
    run -125 nook run --rm -v rel/path:/x $BB true
    assert_output_contains 'creating named volume "rel/path": running volume create option: names must match'
    run -125 nook run --rm -v "$D:rel" $BB true
    assert_output_equals 'Error: invalid container path "rel", must be an absolute path'
    run -125 nook run --rm -v "$D:/x:bogus" $BB true
    assert_output_equals 'Error: invalid option type "bogus"'
    run -125 nook run --rm -v "$D:/x:ro,rw" $BB true
    assert_output_equals "Error: invalid options \"ro, rw\", can only specify 1 'rw' or 'ro' option"
    run -125 nook run --rm -v ":/x" $BB true
    assert_output_equals "Error: host directory cannot be empty"
    run -125 nook run --rm -v "a:b:c:d" $BB true
    assert_output_equals "Error: a:b:c:d: incorrect volume format, should be [host-dir:]ctr-dir[:option]"
    run -125 nook run --rm -v "$D:/" $BB true
    assert_output_contains 'invalid container path "/"'
    touch "$D/file"
    run -125 nook run --rm -v "$D/file:/x:O" $BB true
    assert_output_equals "Error: $D/file: an overlay (:O) needs a directory as its source"
    run -125 nook run --rm -v "$D:/x" -v "$D:/x" $BB true
    assert_output_equals "Error: /x: duplicate mount destination"
    run -125 nook run --rm --mount "src=$D,dst=/x" $BB true
    assert_output_contains "incorrect mount format: should be --mount type=<bind|tmpfs|volume>"
    run -125 nook run --rm --mount type=foo,dst=/x $BB true
    assert_output_equals 'Error: invalid filesystem type "foo"'
    run -125 nook run --rm --mount "type=bind,src=$D,dst=/x,bogus=1" $BB true
    assert_output_equals "Error: bogus: invalid mount option"
    run -125 nook run --rm --mount "type=bind,src=$D" $BB true
    assert_output_equals "Error: must set volume destination"
    run -125 nook run --rm --mount type=tmpfs,src=/tmp,dst=/x $BB true
    assert_output_equals "Error: source is not supported with tmpfs mounts"
    run -125 nook run --rm --mount "type=bind,src=$D,dst=/x,ro=maybe" $BB true
    assert_output_contains "'readonly', 'ro', or 'rw' must be set to true or false"
    run -125 nook run --rm --mount type=volume,src=x,dst=/x,bind-propagation=shared $BB true
    assert_output_equals "Error: bind-propagation: invalid mount option"
    # A failed create leaves no anonymous volume behind.
    run -125 nook run --rm -v /anon-left -v /nonexistent-dir:/x $BB true
    run -0 nook volume ls -q
    assert_output_equals ""
    run -0 nook ps -a -q
    assert_output_equals ""
}

@test "every volume flag is in the man pages and the bash completion" {
    [ -r "$(completion_script)" ] || skip "completion not installed at $(completion_script)"
    local sub
    for sub in create exists inspect ls prune rm; do
        assert_command_flags_documented "nook-volume-$sub.1" "volume_$sub" volume "$sub"
    done
    assert_create_flags_documented --volume --mount --volumes-from
    # Completion offers the volume subcommands and volume names.
    nook volume create compvol >/dev/null
    run -0 complete_line "volume rm "
    assert_output_equals "compvol"
    run -0 complete_line "volume "
    assert_output_equals "$(printf 'create\nexists\ninspect\nlist\nls\nprune\nremove\nrm')"
}
