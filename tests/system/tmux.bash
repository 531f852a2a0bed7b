# Terminal tests: a tmux server of the test's own, whose one pane runs a
# plain bash (prompt "$ "), 100x30.  Loaded by the files that need a real
# terminal (exec -it, run -it, attach).

tmux_start () {
    command -v tmux >/dev/null || skip "tmux is not installed"
    TMUX_SOCK="nook-tmux-$$-$BATS_TEST_NUMBER"
    tmux -L "$TMUX_SOCK" -f /dev/null new-session -d -s t -x 100 -y 30 \
        "env PS1='$ ' bash --norc --noprofile"
    sleep 0.2
}

tmux_type () { tmux -L "$TMUX_SOCK" send-keys -t t "$@"; }

tmux_screen () { tmux -L "$TMUX_SOCK" capture-pane -p -t t; }

# Wait until the pane shows TEXT (at most 10 s).  The command line typed
# shows too: wait for what only the container prints (`echo sta""rted`
# prints "started", its command line does not show it), or keys typed
# next may reach the terminal before nook has made it raw.
tmux_wait () {
    local i
    for i in $(seq 200); do
        tmux_screen | grep -qF -- "$1" && return 0
        sleep 0.05
    done
    echo "the terminal never showed '$1':"; tmux_screen; return 1
}

# Wait until bash is the pane's foreground process again: keys typed before
# that would go to nook (and on to the container), not to bash.
tmux_wait_shell () {
    local i cmd
    for i in $(seq 200); do
        cmd=$(tmux -L "$TMUX_SOCK" display-message -p -t t '#{pane_current_command}')
        [ "$cmd" = bash ] && return 0
        sleep 0.05
    done
    echo "the terminal's foreground process is still '$cmd'"; return 1
}

# Type COMMAND to bash once nook has returned to it.
tmux_type_to_shell () {
    tmux_wait_shell
    tmux_type "$@"
}
