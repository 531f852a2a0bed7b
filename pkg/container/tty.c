/* Terminals for `exec -it`, `attach` and `run -it`: raw mode, window
   sizes, detach keys and the copy loop.  See tty.h.  */
#include "container/tty.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

/* ---- raw mode ---- */

int
tty_raw_enter (int fd, struct tty_raw *r, nook_error_t *err)
{
  struct termios t;

  if (tcgetattr (fd, &r->saved) < 0)
    return nook_error (err, errno, "get the terminal's settings");
  t = r->saved;
  t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
  t.c_oflag &= ~(tcflag_t)OPOST;
  t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
  t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
  t.c_cflag |= CS8;
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  if (tcsetattr (fd, TCSANOW, &t) < 0)
    return nook_error (err, errno, "put the terminal in raw mode");
  r->fd = fd;
  return 0;
}

void
tty_raw_restore (struct tty_raw *r)
{
  int saved_errno = errno;
  if (r->fd >= 0)
    tcsetattr (r->fd, TCSANOW, &r->saved);
  r->fd = -1;
  errno = saved_errno;
}

/* ---- window sizes ---- */

int
tty_winsize_get (int fd, struct winsize *ws, nook_error_t *err)
{
  if (ioctl (fd, TIOCGWINSZ, ws) < 0)
    return nook_error (err, errno, "get the terminal's window size");
  return 0;
}

int
tty_winsize_set (int master, const struct winsize *ws, nook_error_t *err)
{
  if (ioctl (master, TIOCSWINSZ, ws) < 0)
    return nook_error (err, errno, "set the window size of the pty");
  return 0;
}

/* ---- detach keys ---- */

/* moby's term.ASCII: the index is the key's code.  */
static const char *const ctrl_names[] = {
  "ctrl-@", "ctrl-a", "ctrl-b", "ctrl-c", "ctrl-d",  "ctrl-e", "ctrl-f", "ctrl-g",
  "ctrl-h", "ctrl-i", "ctrl-j", "ctrl-k", "ctrl-l",  "ctrl-m", "ctrl-n", "ctrl-o",
  "ctrl-p", "ctrl-q", "ctrl-r", "ctrl-s", "ctrl-t",  "ctrl-u", "ctrl-v", "ctrl-w",
  "ctrl-x", "ctrl-y", "ctrl-z", "ctrl-[", "ctrl-\\", "ctrl-]", "ctrl-^", "ctrl-_",
};

static int
detach_key_code (const char *key, size_t len)
{
  if (len == 1)
    return (unsigned char)key[0];
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (ctrl_names); i++)
    if (strlen (ctrl_names[i]) == len && memcmp (ctrl_names[i], key, len) == 0)
      return (int)i;
  if (len == 3 && memcmp (key, "DEL", 3) == 0)
    return 127;
  return -1;
}

int
tty_detach_keys_parse (const char *spec, struct tty_detach_keys *k, nook_error_t *err)
{
  const char *p;

  if (spec == NULL)
    spec = TTY_DETACH_KEYS_DEFAULT;
  k->len = 0;
  if (*spec == '\0')
    return 0;
  for (p = spec;;)
    {
      const char *comma = strchr (p, ',');
      size_t len = comma ? (size_t)(comma - p) : strlen (p);
      int code = detach_key_code (p, len);

      if (code < 0)
        {
          k->len = 0;
          return nook_error (err, 0, "invalid detach keys: Unknown character: '%.*s'", (int)len, p);
        }
      if (k->len == TTY_DETACH_KEYS_MAX)
        {
          k->len = 0;
          return nook_error (err, 0, "invalid detach keys: more than %d keys", TTY_DETACH_KEYS_MAX);
        }
      k->seq[k->len++] = (unsigned char)code;
      if (comma == NULL)
        return 0;
      p = comma + 1;
    }
}

bool
tty_detach_feed (struct tty_detach_matcher *m, const unsigned char *in, size_t len,
                 unsigned char *out, size_t *out_len)
{
  const struct tty_detach_keys *k = m->keys;
  size_t n = 0;

  if (k == NULL || k->len == 0)
    {
      memcpy (out, in, len);
      *out_len = len;
      return false;
    }
  for (size_t i = 0; i < len; i++)
    {
      /* The held bytes are seq[0..held); with IN[i] they must still be a
         prefix of the sequence.  When not, release held bytes from the
         front until the rest (a suffix of them, which is also a prefix
         of seq) plus IN[i] is one again, or nothing is held.  */
      while (m->held > 0 && k->seq[m->held] != in[i])
        {
          size_t drop = 1;
          out[n++] = k->seq[0];
          while (drop < m->held && memcmp (k->seq + drop, k->seq, m->held - drop) != 0)
            out[n++] = k->seq[drop++];
          m->held -= drop;
        }
      if (k->seq[m->held] == in[i])
        {
          if (++m->held == k->len)
            {
              m->held = 0;
              *out_len = n;
              return true;
            }
        }
      else
        out[n++] = in[i];
    }
  *out_len = n;
  return false;
}

/* ---- the copy loop ---- */

#define PROXY_BUF (64 * 1024)

struct proxy_state
{
  const struct tty_proxy *p;
  struct tty_detach_matcher matcher;
  unsigned char *pending; /* bytes for the remote, not written yet */
  size_t npending;
  bool in_open;
  int sigfd;
  sigset_t old_mask;
  bool mask_changed;
  int remote_flags; /* REMOTE's file status flags before the loop, -1: unchanged */
};

static void
proxy_state_release (struct proxy_state *s)
{
  if (s->sigfd >= 0)
    close (s->sigfd);
  if (s->mask_changed)
    sigprocmask (SIG_SETMASK, &s->old_mask, NULL);
  if (s->remote_flags >= 0)
    fcntl (s->p->remote, F_SETFL, s->remote_flags);
  free (s->pending);
}

static int
proxy_resize (struct proxy_state *s, nook_error_t *err)
{
  const struct tty_proxy *p = s->p;
  struct winsize ws;

  /* The user's terminal may be gone (a closed tmux pane): not an error
     worth ending the session for.  */
  if (ioctl (p->winsize_from, TIOCGWINSZ, &ws) < 0)
    return 0;
  if (p->resize)
    return p->resize (p->resize_data, &ws, err);
  if (ioctl (p->remote, TIOCSWINSZ, &ws) < 0 && errno != EIO)
    return nook_error (err, errno, "set the window size of the pty");
  return 0;
}

static int
proxy_setup (struct proxy_state *s, nook_error_t *err)
{
  const struct tty_proxy *p = s->p;
  sigset_t winch;

  s->remote_flags = fcntl (p->remote, F_GETFL);
  if (s->remote_flags < 0)
    return nook_error (err, errno, "fcntl");
  if (fcntl (p->remote, F_SETFL, s->remote_flags | O_NONBLOCK) < 0)
    {
      s->remote_flags = -1;
      return nook_error (err, errno, "fcntl");
    }
  s->pending = xmalloc (PROXY_BUF + TTY_DETACH_KEYS_MAX);
  if (p->winsize_from < 0)
    return 0;
  sigemptyset (&winch);
  sigaddset (&winch, SIGWINCH);
  if (sigprocmask (SIG_BLOCK, &winch, &s->old_mask) < 0)
    return nook_error (err, errno, "sigprocmask");
  s->mask_changed = true;
  s->sigfd = signalfd (-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
  if (s->sigfd < 0)
    return nook_error (err, errno, "signalfd");
  return proxy_resize (s, err);
}

/* Copy what the remote has to OUT.  1 at its end, 0 when it has no more
   for now.  */
static int
proxy_drain_remote (struct proxy_state *s, nook_error_t *err)
{
  unsigned char buf[PROXY_BUF];

  for (;;)
    {
      ssize_t n = read (s->p->remote, buf, sizeof (buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return 0;
      /* EIO: a pty master whose slave has no opener left.  */
      if (n == 0 || (n < 0 && (errno == EIO || errno == ECONNRESET)))
        return 1;
      if (n < 0)
        return nook_error (err, errno, "read from the container");
      if (nook_write_all (s->p->out, buf, (size_t)n) < 0)
        return nook_error (err, errno, "write to stdout");
    }
}

static int
proxy_flush_pending (struct proxy_state *s, nook_error_t *err)
{
  while (s->npending > 0)
    {
      ssize_t n = write (s->p->remote, s->pending, s->npending);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return 0;
      if (n < 0 && (errno == EIO || errno == EPIPE || errno == ECONNRESET))
        {
          /* The remote is going away; its read side says so.  */
          s->npending = 0;
          return 0;
        }
      if (n < 0)
        return nook_error (err, errno, "write to the container");
      memmove (s->pending, s->pending + n, s->npending - (size_t)n);
      s->npending -= (size_t)n;
    }
  return 0;
}

/* Read the user's input into the pending buffer.  1 when the detach keys
   were typed.  */
static int
proxy_read_input (struct proxy_state *s, nook_error_t *err)
{
  unsigned char buf[PROXY_BUF];
  size_t nout;
  bool detached;
  ssize_t n;

  do
    n = read (s->p->in, buf, sizeof (buf));
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN)
    return 0;
  if (n < 0 && errno != EIO)
    return nook_error (err, errno, "read from stdin");
  if (n <= 0)
    {
      struct termios t;
      /* Keys held back as a possible detach: they were not one.  */
      if (s->matcher.held > 0)
        {
          memcpy (s->pending + s->npending, s->p->keys->seq, s->matcher.held);
          s->npending += s->matcher.held;
          s->matcher.held = 0;
        }
      s->in_open = false;
      if (s->p->remote_is_socket)
        shutdown (s->p->remote, SHUT_WR);
      else if (s->p->eof_to_pty && tcgetattr (s->p->remote, &t) == 0)
        s->pending[s->npending++] = t.c_cc[VEOF];
      return 0;
    }
  detached = tty_detach_feed (&s->matcher, buf, (size_t)n, s->pending + s->npending, &nout);
  s->npending += nout;
  return detached ? 1 : 0;
}

static int
proxy_loop (struct proxy_state *s, enum tty_proxy_result *result, nook_error_t *err)
{
  const struct tty_proxy *p = s->p;

  for (;;)
    {
      struct pollfd fds[4];
      nfds_t nfds = 0;
      int ret;

      fds[nfds++]
          = (struct pollfd){ .fd = p->remote, .events = POLLIN | (s->npending ? POLLOUT : 0) };
      /* No more input while the remote has not taken the last.  */
      fds[nfds++]
          = (struct pollfd){ .fd = s->in_open && !s->npending ? p->in : -1, .events = POLLIN };
      fds[nfds++] = (struct pollfd){ .fd = s->sigfd, .events = POLLIN };
      fds[nfds++] = (struct pollfd){ .fd = p->wake_fd, .events = POLLIN };
      if (poll (fds, nfds, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return nook_error (err, errno, "poll");
        }
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR))
        {
          ret = proxy_drain_remote (s, err);
          if (ret != 0)
            {
              *result = TTY_PROXY_EOF;
              return ret < 0 ? -1 : 0;
            }
        }
      if ((fds[0].revents & POLLOUT) && proxy_flush_pending (s, err) < 0)
        return -1;
      if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
        {
          ret = proxy_read_input (s, err);
          if (ret < 0 || proxy_flush_pending (s, err) < 0)
            return -1;
          if (ret > 0)
            {
              *result = TTY_PROXY_DETACHED;
              return 0;
            }
        }
      if (fds[2].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          while (read (s->sigfd, &si, sizeof (si)) > 0)
            ;
          if (proxy_resize (s, err) < 0)
            return -1;
        }
      if (fds[3].revents & (POLLIN | POLLHUP | POLLERR))
        {
          *result = TTY_PROXY_WAKE;
          return proxy_drain_remote (s, err) < 0 ? -1 : 0;
        }
    }
}

int
tty_proxy_run (const struct tty_proxy *p, enum tty_proxy_result *result, nook_error_t *err)
{
  _cleanup_ (proxy_state_release) struct proxy_state s = {
    .p = p,
    .matcher = { .keys = p->keys },
    .in_open = p->in >= 0,
    .sigfd = -1,
    .remote_flags = -1,
  };

  if (proxy_setup (&s, err) < 0)
    return -1;
  return proxy_loop (&s, result, err);
}
