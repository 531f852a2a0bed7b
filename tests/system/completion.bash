# The bash completion and the man pages, as installed: shared by the files
# that check a command's flags are documented and completed.

completion_script () {
    echo "$NOOK_PREFIX/share/bash-completion/completions/nook"
}

man_dir () {
    echo "$NOOK_PREFIX/share/man/man1"
}

# Complete LINE (the cursor at its end) as readline would, in a plain bash
# without bash-completion, and print the replies sorted, one per line.
complete_line () {
    bash --norc --noprofile -c '
        source "$1"
        COMP_LINE=$2
        COMP_POINT=${#2}
        read -ra COMP_WORDS <<<"$2"
        [[ $2 == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _nook
        printf "%s\n" "${COMPREPLY[@]}" | sort
    ' _ "$(completion_script)" "$NOOK $1"
}

# Each FLAG of run and create is in their --help, in nook-run.1 and
# nook-create.1, and completed.
assert_create_flags_documented () {
    local flag cmd page
    for flag in "$@"; do
        for cmd in run create; do
            nook "$cmd" --help | grep -qF -- "$flag" || { echo "nook $cmd --help has no $flag"; return 1; }
        done
        for page in nook-run.1 nook-create.1; do
            grep -qF -- "${flag//-/\\-}" "$(man_dir)/$page" || { echo "$flag not in $page"; return 1; }
        done
        grep -qE -- "^__nook_create_(arg|bool)opts\+?=.*( |')${flag}( |')" "$(completion_script)" \
            || { echo "$flag not completed"; return 1; }
    done
}

# Every flag `nook COMMAND... --help` lists (but --help) is in man page
# PAGE and in the completion's __nook_VAR_(arg|bool)opts.
assert_command_flags_documented () {
    local page=$(man_dir)/$1 var=$2 flag
    shift 2
    [ -r "$page" ] || { echo "no man page $page"; return 1; }
    for flag in $(nook "$@" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
        [ "$flag" = --help ] && continue
        grep -qF -- "${flag//-/\\-}" "$page" || { echo "$flag not in $page"; return 1; }
        grep -qE -- "^__nook_${var}_(arg|bool)opts=.*( |')${flag}( |')" "$(completion_script)" \
            || { echo "$flag of $* not completed"; return 1; }
    done
}
