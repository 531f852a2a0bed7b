#!/usr/bin/env bats
# Bash completion, as installed: commands, subcommands, options, option
# values, and image and container names from the store.

load helpers
bats_require_minimum_version 1.5.0

setup_file () { nook_setup_file; }
teardown_file () { nook_teardown_file; }

completion_script () {
    echo "$NOOK_PREFIX/share/bash-completion/completions/nook"
}

# Complete LINE (the cursor at its end) as readline would, in a plain bash
# without bash-completion, and print the replies sorted, one per line.
complete_line () {
    local line="$NOOK ${1}"
    bash --norc --noprofile -c '
        source "$1"
        COMP_LINE=$2
        COMP_POINT=${#2}
        read -ra COMP_WORDS <<<"$2"
        [[ $2 == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _nook
        printf "%s\n" "${COMPREPLY[@]}" | sort
    ' _ "$(completion_script)" "$line"
}

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
