/* nook — pkg/container: the terminal side of `exec -it`, `attach` and
   `run -it`: raw mode, window sizes, detach keys, and the copy loop
   between the user's terminal and a pty master (or a socket to one).  */
#ifndef NOOK_CONTAINER_TTY_H
#define NOOK_CONTAINER_TTY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "util/util.h"

/* ---- raw mode ---- */

/* A terminal put into raw mode, and how it was before.  Zero it with
   TTY_RAW_INIT; tty_raw_restore is idempotent and does nothing when
   nothing was changed, so it can be a cleanup attribute:

     _cleanup_tty_raw_ struct tty_raw raw = TTY_RAW_INIT;
     if (tty_raw_enter (0, &raw, err) < 0)
       return -1;  */
struct tty_raw
{
  int fd; /* -1: nothing to restore */
  struct termios saved;
};
#define TTY_RAW_INIT                                                                               \
  {                                                                                                \
    .fd = -1                                                                                       \
  }
#define _cleanup_tty_raw_ _cleanup_ (tty_raw_restore)

/* Save FD's settings in *R and make it raw as cfmakeraw does (moby's
   term.MakeRaw, which Podman and runc use): no echo, no line editing, no
   signals from keys, no CR/NL mapping, 8 bits, reads of at least one
   byte.  */
int tty_raw_enter (int fd, struct tty_raw *r, nook_error_t *err);
/* Put the saved settings back (TCSANOW) and forget them.  */
void tty_raw_restore (struct tty_raw *r);

/* ---- window sizes ---- */

/* The size of the terminal FD (TIOCGWINSZ).  */
int tty_winsize_get (int fd, struct winsize *ws, nook_error_t *err);
/* Set WS on the pty master MASTER (TIOCSWINSZ); the kernel sends SIGWINCH
   to the foreground process group of its slave when it changes.  */
int tty_winsize_set (int master, const struct winsize *ws, nook_error_t *err);

/* ---- detach keys, as Podman's --detach-keys ---- */

#define TTY_DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"
#define TTY_DETACH_KEYS_MAX     32

struct tty_detach_keys
{
  unsigned char seq[TTY_DETACH_KEYS_MAX];
  size_t len; /* 0: detaching is disabled */
};

/* Parse SPEC as Podman does (moby's term.ToBytes): comma separated keys,
   each a single character ("a"), "ctrl-@", "ctrl-a".."ctrl-z", "ctrl-[",
   "ctrl-\\", "ctrl-]", "ctrl-^", "ctrl-_" or "DEL".  "" disables
   detaching; NULL means the default.  Errors read as Podman's: "invalid
   detach keys: Unknown character: 'x'".  */
int tty_detach_keys_parse (const char *spec, struct tty_detach_keys *k, nook_error_t *err);

/* Watches a byte stream for the detach sequence, across reads.  Bytes
   that may start the sequence are held back; when the next bytes show
   they were not the sequence, they are handed back to be forwarded.  */
struct tty_detach_matcher
{
  const struct tty_detach_keys *keys;
  size_t held; /* keys->seq[0..held) were typed and held back */
};

/* Feed IN[0..LEN).  The bytes to forward now go to OUT (which must hold
   LEN + TTY_DETACH_KEYS_MAX bytes), their count to *OUT_LEN.  Returns
   true when the whole sequence was typed: OUT then holds what came before
   it, and whatever came after it in IN is dropped (the session ends).  */
bool tty_detach_feed (struct tty_detach_matcher *m, const unsigned char *in, size_t len,
                      unsigned char *out, size_t *out_len);

/* ---- the copy loop ---- */

enum tty_proxy_result
{
  TTY_PROXY_EOF,      /* the remote side ended (EOF, or EIO of a pty master) */
  TTY_PROXY_DETACHED, /* the detach keys were typed */
  TTY_PROXY_WAKE,     /* WAKE_FD became readable (the process ended) */
};

struct tty_proxy
{
  int in;     /* the user's input (stdin); -1: none */
  int out;    /* where the remote's output goes (stdout) */
  int remote; /* a pty master, or a socket (both ways) */
  /* The terminal whose size is applied to the remote at the start and
     on every SIGWINCH (read through a signalfd; SIGWINCH is blocked while
     the loop runs); -1: no resizing.  */
  int winsize_from;
  /* How a new size reaches the remote; NULL: TIOCSWINSZ on REMOTE.  */
  int (*resize) (void *data, const struct winsize *ws, nook_error_t *err);
  void *resize_data;
  const struct tty_detach_keys *keys; /* NULL: no detaching */
  /* Readable when the loop should end, e.g. a pidfd of the process: the
     remote's pending output is copied first.  -1: none.  */
  int wake_fd;
  /* At end of IN: shutdown (SHUT_WR) on a socket REMOTE, so the far side
     sees it; a pty master is left alone (a pty has no end of input).  */
  bool remote_is_socket;
  /* At end of IN on a pty REMOTE: type its end-of-file character (VEOF,
     ctrl-d), so a process reading it in canonical mode sees the end too,
     as `echo ls | exec -it sh` expects.  */
  bool eof_to_pty;
};

/* Copy IN -> REMOTE and REMOTE -> OUT until one of the results above.
   REMOTE is made non-blocking while the loop runs (writes to it are
   buffered, so a process that does not read its input cannot stall its
   output).  */
int tty_proxy_run (const struct tty_proxy *p, enum tty_proxy_result *result, nook_error_t *err);

#endif
