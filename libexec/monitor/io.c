/* nook-monitor's stdio: one epoll loop over the container's output (pipes,
   or the pty with -t), the log, nook's terminal when it runs attached,
   the attach socket and its clients, signals and the timer.

   Output goes, in this order, to nook's stdout/stderr when attached, to
   the log, and to every attach client.  A consumer that fails is dropped;
   the container is never stopped for it.  */
#include "monitor.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <termios.h>

#define READ_CHUNK (256 * 1024)
#define PIPE_SIZE  (1024 * 1024)

/* epoll data: small integers for our own fds, client slots above.  */
enum
{
  EV_SIGNAL = 1,
  EV_TIMER,
  EV_LISTEN,
  EV_CTL,
  EV_FG_IN,
  EV_OUT,
  EV_ERR,
  EV_IN,
  EV_CLIENT = 100,
};

static int
watch (struct monitor *m, int fd, uint64_t tag, nook_error_t *err)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
  if (epoll_ctl (m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
    return nook_error (err, errno, "epoll_ctl");
  return 0;
}

static void
unwatch_close (struct monitor *m, int *fd)
{
  if (*fd < 0)
    return;
  epoll_ctl (m->epfd, EPOLL_CTL_DEL, *fd, NULL);
  nook_closep (fd);
}

/* ---- making the container's stdio ---- */

static int
make_pipe (int p[2], bool big, nook_error_t *err)
{
  if (pipe2 (p, O_CLOEXEC) < 0)
    return nook_error (err, errno, "pipe");
  /* Fewer, bigger reads: 200 MB go through in a fraction of a second.  */
  if (big)
    fcntl (p[0], F_SETPIPE_SZ, PIPE_SIZE);
  return 0;
}

/* -t: a socket the runtime connects to, to send the pty master.  */
static int
console_socket (struct monitor *m, char **path, int *fd, nook_error_t *err)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  _cleanup_close_ int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  *path = xasprintf ("%s/monitor/%s.tty", m->runroot, m->id);
  if (strlen (*path) >= sizeof (sa.sun_path))
    return nook_error (err, ENAMETOOLONG, "console socket `%s`", *path);
  strcpy (sa.sun_path, *path);
  unlink (*path);
  if (s < 0 || bind (s, (struct sockaddr *)&sa, sizeof (sa)) < 0 || listen (s, 1) < 0)
    return nook_error (err, errno, "console socket `%s`", *path);
  *fd = steal_fd (&s);
  return 0;
}

int
monitor_io_prepare (struct monitor *m, int stdio[3], char **console, int *console_fd,
                    nook_error_t *err)
{
  const struct container_config *cfg = &m->c.cfg;
  int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, in[2] = { -1, -1 };

  stdio[0] = stdio[1] = stdio[2] = -1;
  if (str_eq (cfg->log_driver, "passthrough"))
    {
      stdio[0] = cfg->interactive ? dup (STDIN_FILENO) : -1;
      stdio[1] = dup (STDOUT_FILENO);
      stdio[2] = dup (STDERR_FILENO);
      return 0;
    }
  if (cfg->tty)
    return console_socket (m, console, console_fd, err);
  if (make_pipe (out, true, err) < 0 || make_pipe (errp, true, err) < 0)
    goto fail;
  /* Attached without -t, nook's stdin is the container's own: nothing to
     copy, and end of file arrives as it should.  */
  if (cfg->interactive && m->attached)
    stdio[0] = dup (STDIN_FILENO);
  else if (cfg->interactive)
    {
      if (make_pipe (in, false, err) < 0)
        goto fail;
      stdio[0] = in[0];
      m->in_wr = in[1];
      fcntl (m->in_wr, F_SETFL, O_NONBLOCK);
    }
  stdio[1] = out[1];
  stdio[2] = errp[1];
  m->out_rd = out[0];
  m->err_rd = errp[0];
  return 0;
fail:
  for (int i = 0; i < 2; i++)
    {
      nook_closep (&out[i]);
      nook_closep (&errp[i]);
      nook_closep (&in[i]);
    }
  return -1;
}

int
monitor_io_take_pty (struct monitor *m, int console_fd, nook_error_t *err)
{
  _cleanup_close_ int conn = accept4 (console_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  char byte, cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { &byte, 1 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  struct cmsghdr *cm;
  struct winsize ws;

  if (conn < 0)
    return nook_error (err, errno, "the runtime sent no terminal");
  if (recvmsg (conn, &msg, MSG_CMSG_CLOEXEC) < 0)
    return nook_error (err, errno, "receive the terminal");
  cm = CMSG_FIRSTHDR (&msg);
  if (cm == NULL || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN (sizeof (int)))
    return nook_error (err, 0, "the runtime sent no terminal");
  memcpy (&m->out_rd, CMSG_DATA (cm), sizeof (int));
  m->in_wr = dup (m->out_rd);
  if (m->in_wr < 0)
    return nook_error (err, errno, "dup");
  nook_set_cloexec (m->in_wr, true);
  /* Neither a full pty nor an empty one may hold up the loop (both fds
     share the flag: drain takes EAGAIN).  */
  fcntl (m->in_wr, F_SETFL, fcntl (m->in_wr, F_GETFL) | O_NONBLOCK);
  if (m->attached && ioctl (m->fg_in, TIOCGWINSZ, &ws) == 0)
    ioctl (m->out_rd, TIOCSWINSZ, &ws);
  return 0;
}

/* ---- the socket, the log, the loop's set ---- */

static int
open_socket (struct monitor *m, nook_error_t *err)
{
  _cleanup_free_ char *dir = container_monitor_dir (m->runroot);
  _cleanup_close_ int dfd = -1;
  struct sockaddr_un sa = { .sun_family = AF_UNIX };

  dfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return nook_error (err, errno, "open `%s`", dir);
  snprintf (sa.sun_path, sizeof (sa.sun_path), "/proc/self/fd/%d/%s", dfd, m->id);
  unlinkat (dfd, m->id, 0);
  m->listen_fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (m->listen_fd < 0 || bind (m->listen_fd, (struct sockaddr *)&sa, sizeof (sa)) < 0
      || listen (m->listen_fd, 16) < 0)
    return nook_error (err, errno, "attach socket `%s/%s`", dir, m->id);
  return 0;
}

int
monitor_io_open (struct monitor *m, nook_error_t *err)
{
  const struct container_config *cfg = &m->c.cfg;

  m->buf_size = READ_CHUNK;
  m->buf = xmalloc (m->buf_size);
  m->epfd = epoll_create1 (EPOLL_CLOEXEC);
  m->timerfd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (m->epfd < 0 || m->timerfd < 0)
    return nook_error (err, errno, "epoll");
  if (open_socket (m, err) < 0 || watch (m, m->sigfd, EV_SIGNAL, err) < 0
      || watch (m, m->timerfd, EV_TIMER, err) < 0 || watch (m, m->listen_fd, EV_LISTEN, err) < 0)
    return -1;
  if (m->id_fd >= 0 && watch (m, m->id_fd, EV_CTL, err) < 0)
    return -1;
  if (str_eq (cfg->log_driver, "k8s-file"))
    {
      if (log_writer_open (&m->log, cfg->log_path, (uint64_t)cfg->log_max_size,
                           (unsigned)cfg->log_max_files, err)
          < 0)
        return -1;
      m->logging = true;
    }
  return 0;
}

int
monitor_io_watch (struct monitor *m, nook_error_t *err)
{
  if (m->out_rd >= 0 && watch (m, m->out_rd, EV_OUT, err) < 0)
    return -1;
  if (m->err_rd >= 0 && watch (m, m->err_rd, EV_ERR, err) < 0)
    return -1;
  /* With -t, nook's terminal is copied to the pty by us.  */
  if (m->attached && m->c.cfg.tty && m->c.cfg.interactive && m->fg_in >= 0)
    return watch (m, m->fg_in, EV_FG_IN, err);
  return 0;
}

/* ---- the container's stdin ----

   Written without waiting: what the container does not take yet waits
   in in_buf, and while it does, nothing more is read from its sources.
   Their input waits in the kernel (the terminal's buffer, the attach
   client's socket, then the client itself): nothing is dropped, and the
   container's output goes on meanwhile.  */

/* Read stdin's sources again (ON), or not.  */
static void
stdin_sources (struct monitor *m, bool on)
{
  struct epoll_event ev = { .events = on ? EPOLLIN : 0, .data.u64 = EV_FG_IN };

  if (m->fg_in >= 0)
    epoll_ctl (m->epfd, EPOLL_CTL_MOD, m->fg_in, &ev); /* ENOENT: not watched */
  for (size_t i = 0; i < MONITOR_MAX_CLIENTS; i++)
    if (m->clients[i].fd >= 0 && m->clients[i].stdin_ok)
      {
        ev.data.u64 = EV_CLIENT + i;
        epoll_ctl (m->epfd, EPOLL_CTL_MOD, m->clients[i].fd, &ev);
      }
}

/* Nothing waits any more: in_wr is no longer watched, the sources are
   read again.  */
static void
stdin_unblock (struct monitor *m)
{
  epoll_ctl (m->epfd, EPOLL_CTL_DEL, m->in_wr, NULL);
  stdin_sources (m, true);
  free (m->in_buf);
  m->in_buf = NULL;
  m->in_len = 0;
}

static void
stdin_close (struct monitor *m)
{
  if (m->in_len > 0)
    stdin_unblock (m);
  m->in_close = false;
  nook_closep (&m->in_wr);
}

/* What in_wr takes of DATA now; -1 when it is gone (and closed).  */
static ssize_t
stdin_write (struct monitor *m, const char *data, size_t len)
{
  size_t done = 0;

  while (done < len)
    {
      ssize_t w = write (m->in_wr, data + done, len - done);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 && errno == EAGAIN)
        break;
      if (w < 0)
        {
          stdin_close (m);
          return -1;
        }
      done += (size_t)w;
    }
  return (ssize_t)done;
}

static void
to_stdin (struct monitor *m, const char *data, size_t len)
{
  if (m->in_wr < 0 || len == 0)
    return;
  if (m->in_len == 0)
    {
      struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = EV_IN };
      ssize_t w = stdin_write (m, data, len);
      if (w < 0 || (size_t)w == len)
        return;
      data += w;
      len -= (size_t)w;
      epoll_ctl (m->epfd, EPOLL_CTL_ADD, m->in_wr, &ev);
      stdin_sources (m, false);
    }
  m->in_buf = xrealloc (m->in_buf, m->in_len + len);
  memcpy (m->in_buf + m->in_len, data, len);
  m->in_len += len;
}

/* EV_IN: the container has made room.  */
static void
stdin_writable (struct monitor *m)
{
  ssize_t w = stdin_write (m, m->in_buf, m->in_len);

  if (w <= 0)
    return;
  m->in_len -= (size_t)w;
  memmove (m->in_buf, m->in_buf + w, m->in_len);
  if (m->in_len > 0)
    return;
  stdin_unblock (m);
  if (m->in_close)
    stdin_close (m);
}

/* The end of the input: now, or once what waits is written.  */
static void
stdin_end (struct monitor *m)
{
  if (m->in_len > 0)
    m->in_close = true;
  else
    stdin_close (m);
}

void
monitor_io_close_run (struct monitor *m)
{
  unwatch_close (m, &m->out_rd);
  unwatch_close (m, &m->err_rd);
  unwatch_close (m, &m->fg_in);
  stdin_close (m);
}

/* ---- clients ---- */

static void
client_drop (struct monitor *m, struct monitor_client *c)
{
  char junk[MON_PACKET_MAX + 1];

  /* What the client sent and we did not read would make our close a
     reset, which it could see before our last message.  */
  while (c->fd >= 0 && recv (c->fd, junk, sizeof (junk), MSG_DONTWAIT) > 0)
    ;
  unwatch_close (m, &c->fd);
  memset (c, 0, sizeof (*c));
  c->fd = -1;
}

static void
client_send (struct monitor *m, struct monitor_client *c, char type, const void *data, size_t len)
{
  nook_error_t err = NULL;
  if (container_monitor_send (c->fd, type, data, len, &err) < 0)
    {
      nook_debug ("monitor: client dropped: %s", err->msg);
      nook_error_free (&err);
      client_drop (m, c);
    }
}

static void
accept_client (struct monitor *m)
{
  struct timeval tv = { .tv_sec = 5 };
  int fd = accept4 (m->listen_fd, NULL, NULL, SOCK_CLOEXEC);

  if (fd < 0)
    return;
  for (size_t i = 0; i < MONITOR_MAX_CLIENTS; i++)
    if (m->clients[i].fd < 0)
      {
        nook_error_t err = NULL;
        /* A client that stops reading is dropped, not waited for.  */
        setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof (tv));
        m->clients[i].fd = fd;
        if (watch (m, fd, EV_CLIENT + i, &err) < 0)
          {
            nook_error_free (&err);
            client_drop (m, &m->clients[i]);
          }
        return;
      }
  close (fd);
}

static int32_t
get_i32 (const char *p, size_t len, size_t off)
{
  int32_t v = 0;
  if (len >= off + 4)
    memcpy (&v, p + off, 4);
  return v;
}

static void
client_message (struct monitor *m, struct monitor_client *c, const char *p, size_t len)
{
  switch (p[0])
    {
    case MON_ATTACH:
      c->attached = true;
      c->stdin_ok = len > 1 && p[1] == 1;
      c->wants_exit = true;
      if (c->stdin_ok && m->in_len > 0)
        stdin_sources (m, false); /* the container's stdin is full */
      break;
    case MON_KILL:
      {
        m->c.state.stopped = true; /* no restart undoes a kill */
        int32_t e = monitor_kill (m, get_i32 (p, len, 1)) < 0 ? errno : 0;
        client_send (m, c, MON_ACK, &e, sizeof (e));
        break;
      }
    case MON_STOP:
      c->wants_exit = true;
      monitor_stop (m, get_i32 (p, len, 1), get_i32 (p, len, 5));
      if (m->exited)
        client_send (m, c, MON_EXIT, &(int32_t){ m->exit_code }, sizeof (int32_t));
      break;
    case MON_WAIT:
      c->wants_exit = true;
      if (m->exited)
        client_send (m, c, MON_EXIT, &(int32_t){ m->exit_code }, sizeof (int32_t));
      break;
    case MON_STDIN:
      if (c->stdin_ok)
        to_stdin (m, p + 1, len - 1);
      break;
    case MON_STDIN_CLOSE:
      if (c->stdin_ok && !m->c.cfg.tty)
        stdin_end (m);
      break;
    case MON_RESIZE:
      if (len >= 5 && m->c.cfg.tty && m->in_wr >= 0)
        {
          struct winsize ws = { 0 };
          memcpy (&ws.ws_row, p + 1, 2);
          memcpy (&ws.ws_col, p + 3, 2);
          ioctl (m->in_wr, TIOCSWINSZ, &ws);
        }
      break;
    default:
      client_drop (m, c);
    }
}

static void
client_readable (struct monitor *m, struct monitor_client *c)
{
  char p[MON_PACKET_MAX + 1];
  ssize_t r = recv (c->fd, p, sizeof (p), MSG_DONTWAIT);

  if (r < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (r <= 0)
    {
      client_drop (m, c);
      return;
    }
  client_message (m, c, p, (size_t)r);
}

static void
close_socket (struct monitor *m)
{
  if (m->listen_fd >= 0)
    {
      _cleanup_free_ char *path = xasprintf ("%s/monitor/%s", m->runroot, m->id);
      unlink (path);
      unwatch_close (m, &m->listen_fd);
    }
}

void
monitor_io_exit (struct monitor *m, int code, bool last)
{
  int32_t v = code;

  /* Gone before anyone hears of the end: nothing is left to find.  */
  if (last)
    close_socket (m);
  for (size_t i = 0; i < MONITOR_MAX_CLIENTS; i++)
    {
      struct monitor_client *c = &m->clients[i];
      if (c->fd >= 0 && c->wants_exit)
        client_send (m, c, MON_EXIT, &v, sizeof (v));
      if (last && c->fd >= 0)
        client_drop (m, c);
    }
}

/* ---- output ---- */

static void
to_fd (int *fd, const char *data, size_t len)
{
  if (*fd >= 0 && nook_write_all (*fd, data, len) < 0)
    *fd = -1; /* nook went away, or its reader did */
}

static void
output (struct monitor *m, enum log_stream stream, const char *data, size_t len)
{
  char type = stream == LOG_STDERR ? MON_STDERR : MON_STDOUT;

  if (m->attached)
    to_fd (stream == LOG_STDERR ? &m->fg_err : &m->fg_out, data, len);
  if (m->logging)
    {
      nook_error_t err = NULL;
      if (log_writer_write (&m->log, stream, data, len, nook_now_ns (), &err) < 0)
        {
          nook_warn ("container %.12s: log: %s; logging stops", m->id, err->msg);
          nook_error_free (&err);
          log_writer_close (&m->log);
          m->logging = false;
        }
    }
  for (size_t i = 0; i < MONITOR_MAX_CLIENTS; i++)
    {
      struct monitor_client *c = &m->clients[i];
      for (size_t off = 0; c->fd >= 0 && c->attached && off < len; off += MON_PACKET_MAX)
        client_send (m, c, type, data + off,
                     len - off < MON_PACKET_MAX ? len - off : MON_PACKET_MAX);
    }
}

static void
drain (struct monitor *m, int *fd, enum log_stream stream)
{
  ssize_t r = read (*fd, m->buf, m->buf_size);

  if (r < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  /* A pty whose every slave is closed reads EIO: its end of file.  */
  if (r <= 0)
    {
      unwatch_close (m, fd);
      if (m->c.cfg.tty)
        stdin_close (m);
      return;
    }
  output (m, stream, m->buf, (size_t)r);
}

/* ---- nook's side when attached ---- */

static void
ctl_readable (struct monitor *m)
{
  struct monitor_ctl msg;
  ssize_t r = read (m->id_fd, &msg, sizeof (msg));

  if (r != (ssize_t)sizeof (msg))
    {
      unwatch_close (m, &m->id_fd); /* nook is gone: we go on */
      return;
    }
  if (msg.type == MONITOR_CTL_SIGNAL)
    monitor_kill (m, msg.value);
  else if (msg.type == MONITOR_CTL_WINCH && m->c.cfg.tty && m->in_wr >= 0)
    {
      struct winsize ws;
      if (ioctl (m->fg_in >= 0 ? m->fg_in : STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
        ioctl (m->in_wr, TIOCSWINSZ, &ws);
    }
}

static void
fg_in_readable (struct monitor *m)
{
  unsigned char in[4096], out[sizeof (in) + TTY_DETACH_KEYS_MAX];
  ssize_t r = read (m->fg_in, in, sizeof (in));
  size_t n;
  bool detached;

  if (r < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (r <= 0)
    {
      unwatch_close (m, &m->fg_in);
      return;
    }
  m->detach.keys = &m->detach_keys;
  detached = tty_detach_feed (&m->detach, in, (size_t)r, out, &n);
  to_stdin (m, (const char *)out, n);
  if (detached)
    {
      epoll_ctl (m->epfd, EPOLL_CTL_DEL, m->fg_in, NULL);
      monitor_detach_nook (m);
    }
}

/* ---- the loop ---- */

static void
dispatch (struct monitor *m, uint64_t tag, void (*on_signal) (struct monitor *),
          void (*on_timer) (struct monitor *))
{
  if (tag == EV_SIGNAL)
    on_signal (m);
  else if (tag == EV_TIMER)
    on_timer (m);
  else if (tag == EV_LISTEN)
    accept_client (m);
  else if (tag == EV_CTL)
    ctl_readable (m);
  else if (tag == EV_FG_IN)
    fg_in_readable (m);
  else if (tag == EV_OUT)
    drain (m, &m->out_rd, LOG_STDOUT);
  else if (tag == EV_ERR)
    drain (m, &m->err_rd, LOG_STDERR);
  else if (tag == EV_IN)
    stdin_writable (m);
  else if (tag >= EV_CLIENT && tag < EV_CLIENT + MONITOR_MAX_CLIENTS)
    client_readable (m, &m->clients[tag - EV_CLIENT]);
}

/* The container's output is read to its end after it exits; a
   descendant that escaped with a copy of it does not hold us long.  */
static bool
run_done (const struct monitor *m, int idle_after_exit)
{
  if (m->backoff)
    return m->backoff_done || m->c.state.stopped;
  return m->exited && ((m->out_rd < 0 && m->err_rd < 0) || idle_after_exit >= 4);
}

int
monitor_io_loop (struct monitor *m, void (*on_signal) (struct monitor *),
                 void (*on_timer) (struct monitor *), nook_error_t *err)
{
  int idle_after_exit = 0;

  while (!run_done (m, idle_after_exit))
    {
      struct epoll_event ev[16];
      bool draining = m->exited && !m->backoff;
      int n = epoll_wait (m->epfd, ev, 16, draining ? 250 : MONITOR_IDLE_MS);

      if (n == 0 && !draining)
        n = monitor_idle_wait (m, ev, 16);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return nook_error (err, errno, "epoll_wait");
      idle_after_exit = n == 0 ? idle_after_exit + 1 : 0;
      for (int i = 0; i < n; i++)
        dispatch (m, ev[i].data.u64, on_signal, on_timer);
    }
  return 0;
}

void
monitor_io_release (struct monitor *m)
{
  monitor_io_close_run (m);
  for (size_t i = 0; i < MONITOR_MAX_CLIENTS; i++)
    nook_closep (&m->clients[i].fd);
  close_socket (m);
  if (m->logging)
    log_writer_close (&m->log);
  nook_closep (&m->timerfd);
  nook_closep (&m->epfd);
  free (m->buf);
}
