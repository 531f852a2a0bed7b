#!/usr/bin/env bats
# inspect, container inspect and image inspect: Podman's documents, the
# choice between container and image, --format, --type, --latest, --size.

load helpers
bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { remove_all_containers; nook_teardown_file; }
setup () { require_rootless; }

image_id () {
    nook images -q --no-trunc "$1" | sed 's/^sha256://'
}

@test "inspect of a container prints Podman's keys and its values" {
    nook run --name insp-one -e FOO=bar -w /tmp busybox sh -c 'exit 3' || true
    run nook inspect insp-one
    assert_status 0
    [ "${lines[0]}" = "[" ]
    [ "${lines[1]}" = "     {" ]
    assert_output_contains '"Name": "insp-one"'
    assert_output_contains '"Status": "exited"'
    assert_output_contains '"ExitCode": 3'
    assert_output_contains '"Path": "sh"'
    assert_output_contains '"ImageName": "localhost/busybox:latest"'
    assert_output_contains "\"Image\": \"$(image_id busybox)\""
    assert_output_contains '"FOO=bar"'
    assert_output_contains '"WorkingDir": "/tmp"'
    assert_output_contains '"OCIRuntime": "nook-runtime"'
    assert_output_contains "\"UpperDir\": \"$NOOK_STORE/containers/"
    # Every key a Podman template commonly uses is there.
    local key
    for key in Id Created Args State Pid StartedAt FinishedAt ImageDigest RestartCount \
               GraphDriver Mounts NetworkSettings Config HostConfig RestartPolicy Labels; do
        assert_output_contains "\"$key\":"
    done
}

@test "inspect --format runs a Go template per object" {
    run nook inspect --format '{{.Name}} {{.State.Status}} {{.State.ExitCode}} {{.Config.Cmd}}' insp-one
    assert_status 0
    assert_output_equals "insp-one exited 3 [sh -c exit 3]"
    run nook inspect -f '{{index .Config.Env 0}}|{{range .Args}}<{{.}}>{{end}}' insp-one
    assert_status 0
    assert_output_equals "$(nook inspect -f '{{index .Config.Env 0}}' insp-one)|<-c><exit 3>"
    run nook inspect -f '{{json .State.Status}}' insp-one busybox
    assert_status 0
    assert_output_equals "$(printf '"exited"\nnull')"
}

@test "inspect --format json prints the array, as without it" {
    run nook inspect --format json insp-one
    assert_status 0
    [ "$output" = "$(nook inspect insp-one)" ]
}

@test "inspect chooses a container over an image of the same name; --type picks" {
    nook run --name busybox busybox true
    run nook inspect -f '{{.Id}}' busybox
    assert_status 0
    [ "$output" != "$(image_id busybox)" ]
    run nook inspect --type image -f '{{.Id}}' busybox
    assert_status 0
    assert_output_equals "$(image_id busybox)"
    run nook inspect --type container -f '{{.Name}}' busybox
    assert_status 0
    assert_output_equals "busybox"
    nook rm busybox
    run nook inspect -f '{{.Id}}' busybox
    assert_status 0
    assert_output_equals "$(image_id busybox)"
}

@test "inspect of an unknown object prints [] and exits 125" {
    run --separate-stderr nook inspect nosuchthing
    assert_status 125
    assert_output_equals "[]"
    [ "$stderr" = 'Error: inspecting object: no such object: "nosuchthing"' ]
}

@test "inspect of a known and an unknown object prints the known, then fails" {
    run --separate-stderr nook inspect -f '{{.Name}}' insp-one nosuchthing
    assert_status 125
    assert_output_equals "insp-one"
    [[ "$stderr" == *'no such object: "nosuchthing"'* ]]
}

@test "container inspect looks only for containers" {
    run --separate-stderr nook container inspect -f '{{.State.Status}}' insp-one
    assert_status 0
    assert_output_equals "exited"
    run --separate-stderr nook container inspect busybox
    assert_status 125
    [ "$stderr" = "Error: inspecting object: no such container busybox" ]
    run nook container inspect --type image busybox
    assert_status 125
}

@test "inspect --type with an unknown type is refused" {
    run --separate-stderr nook inspect --type pod busybox
    assert_status 125
    [[ "$stderr" == 'Error: invalid type "pod"'* ]]
}

@test "inspect --latest inspects the container created last" {
    nook run --name insp-last busybox true
    run nook inspect -l -f '{{.Name}}'
    assert_status 0
    assert_output_equals "insp-last"
    run nook container inspect --latest -f '{{.Name}}'
    assert_output_equals "insp-last"
    run nook inspect -l insp-one
    assert_status 125
    nook rm insp-last
}

@test "inspect of nothing is an error" {
    run --separate-stderr nook inspect
    assert_status 125
    [[ "$stderr" == Error:* ]]
}

@test "inspect --size counts what the container wrote" {
    nook run --name insp-size busybox sh -c 'head -c 12345 /dev/zero > /big'
    run nook inspect -s -f '{{.SizeRw}} {{.SizeRootFs}}' insp-size
    assert_status 0
    local rw=${output% *} rootfs=${output#* }
    [ "$rw" -ge 12345 ] && [ "$rw" -lt 20000 ] || { echo "SizeRw $rw"; false; }
    [ "$rootfs" -gt "$rw" ]
    # Without -s there is no size.
    run nook inspect insp-size
    [[ "$output" != *SizeRw* ]]
    nook rm insp-size
}

@test "inspect of a running container shows its pid and running state" {
    nook run --name insp-running busybox sleep 30 3>&- &
    local i
    for i in $(seq 200); do
        [ "$(nook inspect -f '{{.State.Status}}' insp-running 2>/dev/null)" = running ] && break
        sleep 0.05
    done
    run nook inspect -f '{{.State.Status}} {{.State.Running}} {{.State.Pid}}' insp-running
    assert_status 0
    local pid=${output##* }
    [[ "$output" == "running true "* ]] && [ "$pid" -gt 0 ] || { echo "$output"; false; }
    # The pid is the container's process, as seen from the host.
    grep -q sleep "/proc/$pid/cmdline"
    nook rm -f insp-running
    wait || true
}

@test "a template error is reported and exits 125" {
    run --separate-stderr nook inspect -f '{{.State.Status' insp-one
    assert_status 125
    [[ "$stderr" == "Error: "*template* ]]
}

@test "image inspect --format runs the template on the image" {
    run nook image inspect --format '{{.Id}} {{index .Config.Labels "org.nook.test"}}' nook-test
    assert_status 0
    assert_output_equals "$(image_id nook-test) yes"
    run nook image inspect -f '{{range .RepoTags}}{{.}} {{end}}' nook-test
    assert_output_equals "localhost/nook-test:latest "
}

@test "image inspect prints the known images, then fails for an unknown one" {
    run --separate-stderr nook image inspect -f '{{.Id}}' busybox nosuchimage
    assert_status 125
    assert_output_equals "$(image_id busybox)"
    [ "$stderr" = "Error: inspecting object: nosuchimage: image not known" ]
}
