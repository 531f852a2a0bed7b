/* pkg/container/tty: detach keys, the matcher, raw mode, window sizes and
   the copy loop over real ptys.  */
#include "unit.h"

#include "container/tty.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>

static struct tty_detach_keys
keys_of (const char *spec)
{
  struct tty_detach_keys k;
  nook_error_t err = NULL;
  CHECK_OK (tty_detach_keys_parse (spec, &k, &err), &err);
  return k;
}

TEST (detach_keys_default)
{
  struct tty_detach_keys k = keys_of (NULL);
  CHECK_MEM_EQ (k.seq, k.len, "\x10\x11", 2);
}

TEST (detach_keys_forms)
{
  struct tty_detach_keys k
      = keys_of ("a,ctrl-@,ctrl-a,ctrl-z,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_,DEL,Z");
  CHECK_MEM_EQ (k.seq, k.len, "a\x00\x01\x1a\x1b\x1c\x1d\x1e\x1f\x7fZ", 11);
}

TEST (detach_keys_empty_disables)
{
  struct tty_detach_keys k = keys_of ("");
  CHECK_INT_EQ (k.len, 0);
}

TEST (detach_keys_errors)
{
  struct tty_detach_keys k;
  nook_error_t err = NULL;
  CHECK_FAIL (tty_detach_keys_parse ("ctrl-p,ctrl-", &k, &err), &err,
              "invalid detach keys: Unknown character: 'ctrl-'");
  CHECK_FAIL (tty_detach_keys_parse ("foo", &k, &err), &err,
              "invalid detach keys: Unknown character: 'foo'");
  CHECK_FAIL (tty_detach_keys_parse ("ctrl-p,", &k, &err), &err,
              "invalid detach keys: Unknown character: ''");
  CHECK_FAIL (tty_detach_keys_parse ("CTRL-P", &k, &err), &err, "Unknown character: 'CTRL-P'");
  CHECK_FAIL (tty_detach_keys_parse ("ctrl-1", &k, &err), &err, "Unknown character: 'ctrl-1'");
  CHECK_INT_EQ (k.len, 0);
}

/* Feed the chunks of IN (separated by '|') one by one; the forwarded
   bytes go to *FWD.  Returns the index of the chunk that detached, -1.  */
static int
feed (const char *spec, const char *in, char *fwd, size_t *fwd_len)
{
  struct tty_detach_keys k = keys_of (spec);
  struct tty_detach_matcher m = { .keys = &k };
  unsigned char out[256];
  int chunk = 0;

  *fwd_len = 0;
  for (const char *p = in;; chunk++)
    {
      const char *bar = strchr (p, '|');
      size_t len = bar ? (size_t)(bar - p) : strlen (p), n;
      bool done = tty_detach_feed (&m, (const unsigned char *)p, len, out, &n);
      memcpy (fwd + *fwd_len, out, n);
      *fwd_len += n;
      if (done)
        return chunk;
      if (!bar)
        return -1;
      p = bar + 1;
    }
}

TEST (detach_match_one_read)
{
  char fwd[256];
  size_t n;
  CHECK_INT_EQ (feed ("ctrl-p,ctrl-q",
                      "ab\x10\x11"
                      "cd",
                      fwd, &n),
                0);
  CHECK_MEM_EQ (fwd, n, "ab", 2);
}

TEST (detach_match_across_reads)
{
  char fwd[256];
  size_t n;
  CHECK_INT_EQ (feed ("ctrl-p,ctrl-q", "x\x10|\x11", fwd, &n), 1);
  CHECK_MEM_EQ (fwd, n, "x", 1);
}

TEST (detach_prefix_released)
{
  char fwd[256];
  size_t n;
  /* ctrl-p then something else: both go through, in order.  */
  CHECK_INT_EQ (feed ("ctrl-p,ctrl-q", "\x10|a|b", fwd, &n), -1);
  CHECK_MEM_EQ (fwd, n,
                "\x10"
                "ab",
                3);
  /* A held ctrl-p, then ctrl-p again: the first goes through, the second
     may still start the sequence.  */
  CHECK_INT_EQ (feed ("ctrl-p,ctrl-q", "\x10|\x10|\x11", fwd, &n), 2);
  CHECK_MEM_EQ (fwd, n, "\x10", 1);
  /* A held prefix at the end stays held (nothing forwarded yet).  */
  CHECK_INT_EQ (feed ("ctrl-p,ctrl-q", "a\x10", fwd, &n), -1);
  CHECK_MEM_EQ (fwd, n, "a", 1);
}

TEST (detach_overlapping_sequence)
{
  char fwd[256];
  size_t n;
  /* "aab" typed as "aaab": one 'a' is forwarded, then the sequence.  */
  CHECK_INT_EQ (feed ("a,a,b", "a|a|a|b", fwd, &n), 3);
  CHECK_MEM_EQ (fwd, n, "a", 1);
  /* "abac" in "ababac": "ab" forwarded.  */
  CHECK_INT_EQ (feed ("a,b,a,c", "ababac", fwd, &n), 0);
  CHECK_MEM_EQ (fwd, n, "ab", 2);
  CHECK_INT_EQ (feed ("a,b,a,c", "abaxabac", fwd, &n), 0);
  CHECK_MEM_EQ (fwd, n, "abax", 4);
}

TEST (detach_disabled_forwards_everything)
{
  char fwd[256];
  size_t n;
  CHECK_INT_EQ (feed ("", "\x10\x11|\x10|\x11", fwd, &n), -1);
  CHECK_MEM_EQ (fwd, n, "\x10\x11\x10\x11", 4);
}

/* A pty pair: *M the master, *S the slave.  */
static bool
open_pty (int *m, int *s)
{
  *m = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*m < 0 || grantpt (*m) < 0 || unlockpt (*m) < 0)
    return false;
  *s = open (ptsname (*m), O_RDWR | O_NOCTTY | O_CLOEXEC);
  return *s >= 0;
}

TEST (raw_mode_enter_restore)
{
  int m, s;
  struct termios before, raw, after;
  nook_error_t err = NULL;

  if (!open_pty (&m, &s))
    SKIP ("no ptys here");
  tcgetattr (s, &before);
  CHECK (before.c_lflag & ECHO);
  {
    _cleanup_tty_raw_ struct tty_raw r = TTY_RAW_INIT;
    CHECK_OK (tty_raw_enter (s, &r, &err), &err);
    tcgetattr (s, &raw);
    CHECK (!(raw.c_lflag & (ECHO | ICANON | ISIG | IEXTEN)));
    CHECK (!(raw.c_iflag & (ICRNL | IXON)));
    CHECK (!(raw.c_oflag & OPOST));
    CHECK_INT_EQ (raw.c_cflag & CSIZE, CS8);
    CHECK_INT_EQ (raw.c_cc[VMIN], 1);
  }
  tcgetattr (s, &after);
  CHECK_INT_EQ (after.c_lflag, before.c_lflag);
  CHECK_INT_EQ (after.c_iflag, before.c_iflag);
  CHECK_INT_EQ (after.c_oflag, before.c_oflag);
  /* Not a terminal: an error, and nothing to restore.  */
  {
    _cleanup_tty_raw_ struct tty_raw r = TTY_RAW_INIT;
    int p[2];
    CHECK (pipe (p) == 0);
    CHECK_FAIL (tty_raw_enter (p[0], &r, &err), &err, "terminal");
    CHECK_INT_EQ (r.fd, -1);
  }
}

TEST (winsize_get_set)
{
  int m, s;
  struct winsize ws = { .ws_row = 33, .ws_col = 101 }, got;
  nook_error_t err = NULL;

  if (!open_pty (&m, &s))
    SKIP ("no ptys here");
  CHECK_OK (tty_winsize_set (m, &ws, &err), &err);
  CHECK_OK (tty_winsize_get (s, &got, &err), &err);
  CHECK_INT_EQ (got.ws_row, 33);
  CHECK_INT_EQ (got.ws_col, 101);
}

/* Read from FD until it has WANT (or 5 s pass); returns what came.  */
static char *
read_until (int fd, const char *want)
{
  static char buf[4096];
  size_t n = 0;
  for (int i = 0; i < 500 && !(n >= strlen (want) && strstr (buf, want)); i++)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      if (poll (&pfd, 1, 10) == 1)
        {
          ssize_t r = read (fd, buf + n, sizeof (buf) - 1 - n);
          if (r <= 0)
            break;
          n += (size_t)r;
          buf[n] = '\0';
        }
    }
  buf[n] = '\0';
  return buf;
}

static bool
wait_winsize (int fd, unsigned short rows, unsigned short cols)
{
  for (int i = 0; i < 500; i++)
    {
      struct winsize ws;
      if (ioctl (fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row == rows && ws.ws_col == cols)
        return true;
      usleep (10000);
    }
  return false;
}

/* The user's terminal (UM/US), the container's pty (CM/CS), and a
   proxy in a child between them: input from a pipe, output to a pipe,
   sizes from US.  */
struct rig
{
  int um, us, cm, cs;
  int in[2], out[2];
  pid_t child;
};

static bool
rig_start (struct rig *r, const char *keys_spec)
{
  struct winsize ws = { .ws_row = 24, .ws_col = 80 };
  nook_error_t err = NULL;
  struct tty_raw raw = TTY_RAW_INIT;

  if (!open_pty (&r->um, &r->us) || !open_pty (&r->cm, &r->cs))
    return false;
  if (pipe (r->in) < 0 || pipe (r->out) < 0)
    return false;
  ioctl (r->um, TIOCSWINSZ, &ws);
  /* The container's side raw: no echo to get in the way.  */
  CHECK_OK (tty_raw_enter (r->cs, &raw, &err), &err);
  r->child = fork ();
  if (r->child == 0)
    {
      struct tty_detach_keys k = keys_of (keys_spec);
      struct tty_proxy p = { .in = r->in[0],
                             .out = r->out[1],
                             .remote = r->cm,
                             .winsize_from = r->us,
                             .keys = &k,
                             .wake_fd = -1 };
      enum tty_proxy_result res;
      close (r->cs);
      if (tty_proxy_run (&p, &res, &err) < 0)
        {
          fprintf (stderr, "proxy: %s\n", err->msg);
          _exit (99);
        }
      _exit ((int)res);
    }
  close (r->in[0]);
  close (r->out[1]);
  return r->child > 0;
}

static int
rig_wait (struct rig *r)
{
  int st;
  for (int i = 0; i < 500; i++)
    {
      if (waitpid (r->child, &st, WNOHANG) == r->child)
        return WIFEXITED (st) ? WEXITSTATUS (st) : -1;
      usleep (10000);
    }
  kill (r->child, SIGKILL);
  return -2;
}

TEST (proxy_copies_resizes_detaches)
{
  struct rig r;
  if (!rig_start (&r, NULL))
    SKIP ("no ptys here");
  /* The initial size, then a change signalled with SIGWINCH.  */
  CHECK (wait_winsize (r.cs, 24, 80));
  {
    struct winsize ws = { .ws_row = 50, .ws_col = 132 };
    ioctl (r.um, TIOCSWINSZ, &ws);
    kill (r.child, SIGWINCH);
    CHECK (wait_winsize (r.cs, 50, 132));
  }
  /* Input, with a ctrl-p that is not a detach, reaches the container.  */
  CHECK (write (r.in[1], "hi\x10", 3) == 3);
  CHECK (write (r.in[1], "x\n", 2) == 2);
  CHECK_STR_EQ (read_until (r.cs, "x\n"), "hi\x10x\n");
  /* Output reaches the user.  */
  CHECK (write (r.cs, "out\n", 4) == 4);
  CHECK_STR_EQ (read_until (r.out[0], "out\n"), "out\n");
  /* ctrl-p, ctrl-q in two reads: detached.  */
  CHECK (write (r.in[1], "\x10", 1) == 1);
  usleep (20000);
  CHECK (write (r.in[1], "\x11", 1) == 1);
  CHECK_INT_EQ (rig_wait (&r), TTY_PROXY_DETACHED);
}

TEST (proxy_ends_when_the_pty_closes)
{
  struct rig r;
  if (!rig_start (&r, "ctrl-a,b"))
    SKIP ("no ptys here");
  CHECK (write (r.cs, "bye", 3) == 3);
  close (r.cs);
  CHECK_STR_EQ (read_until (r.out[0], "bye"), "bye");
  CHECK_INT_EQ (rig_wait (&r), TTY_PROXY_EOF);
}

TEST (proxy_end_of_input_reaches_the_pty)
{
  int um, us, cm, cs, in[2], out[2];
  char buf[64];
  ssize_t n;
  pid_t child;

  if (!open_pty (&um, &us) || !open_pty (&cm, &cs))
    SKIP ("no ptys here");
  CHECK (pipe (in) == 0 && pipe (out) == 0);
  child = fork ();
  if (child == 0)
    {
      struct tty_detach_keys k = keys_of (NULL);
      struct tty_proxy p = { .in = in[0],
                             .out = out[1],
                             .remote = cm,
                             .winsize_from = -1,
                             .keys = &k,
                             .wake_fd = -1,
                             .eof_to_pty = true };
      enum tty_proxy_result res;
      nook_error_t err = NULL;
      close (in[1]);
      close (cs);
      _exit (tty_proxy_run (&p, &res, &err) < 0 ? 99 : (int)res);
    }
  close (in[0]);
  close (out[1]);
  /* A line, then a ctrl-p held back as a possible detach, then the end:
     the ctrl-p goes through after all, and VEOF follows.  */
  CHECK (write (in[1], "hi\n\x10", 4) == 4);
  close (in[1]);
  n = read (cs, buf, sizeof (buf));
  CHECK_MEM_EQ (buf, n > 0 ? (size_t)n : 0, "hi\n", 3);
  n = read (cs, buf, sizeof (buf));
  CHECK_MEM_EQ (buf, n > 0 ? (size_t)n : 0, "\x10", 1);
  /* The second VEOF of an empty line would read as the end; one came.  */
  close (cs);
  {
    int st;
    CHECK (waitpid (child, &st, 0) == child);
    CHECK (WIFEXITED (st) && WEXITSTATUS (st) == TTY_PROXY_EOF);
  }
}

TEST (proxy_wake_fd)
{
  int m, s, wake[2], out[2];
  enum tty_proxy_result res;
  nook_error_t err = NULL;

  if (!open_pty (&m, &s))
    SKIP ("no ptys here");
  CHECK (pipe (wake) == 0 && pipe (out) == 0);
  {
    struct tty_proxy p
        = { .in = -1, .out = out[1], .remote = m, .winsize_from = -1, .wake_fd = wake[0] };
    /* Output pending on the pty is copied before the loop ends.  */
    CHECK (write (s, "last", 4) == 4);
    CHECK (write (wake[1], "", 1) == 1);
    CHECK_OK (tty_proxy_run (&p, &res, &err), &err);
  }
  CHECK_INT_EQ (res, TTY_PROXY_WAKE);
  close (out[1]);
  CHECK_STR_HAS (read_until (out[0], "last"), "last");
}

UNIT_MAIN ()
