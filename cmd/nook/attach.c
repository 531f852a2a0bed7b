/* nook attach: the user's terminal (or pipes) joined to a running
   container through its monitor's socket, until it ends or the detach
   keys are typed.  */
#include "cli.h"

#include "container/container.h"
#include "container/tty.h"

#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

struct attach
{
  struct nook_ctx *ctx;
  const char *id;
  int sock;
  int in; /* our stdin while it is read; -1 */
  bool tty;
  bool sig_proxy;
  struct tty_detach_keys keys;
  struct tty_detach_matcher matcher;
  /* Messages the monitor has not taken yet (it stops reading us while
     the container's stdin is full): type, length (2 bytes), data each.
     Our stdin is not read while one waits, so the input waits for the
     container while its output still reaches us.  */
  char *queue;
  size_t queue_len;
};

/* Send what waits, as far as the monitor takes it.  */
static int
queue_flush (struct attach *a, nook_error_t *err)
{
  size_t off = 0;
  uint16_t n;
  int r = 1;

  while (off < a->queue_len && r > 0)
    {
      memcpy (&n, a->queue + off + 1, sizeof (n));
      r = container_monitor_try_send (a->sock, a->queue[off], a->queue + off + 3, n, err);
      if (r > 0)
        off += 3 + n;
    }
  a->queue_len -= off;
  memmove (a->queue, a->queue + off, a->queue_len);
  return r < 0 ? -1 : 0;
}

/* Send a message to the monitor, after those that wait.  */
static int
attach_send (struct attach *a, char type, const void *data, size_t len, nook_error_t *err)
{
  uint16_t n = (uint16_t)len;

  if (len > MON_PACKET_MAX)
    return nook_error (err, EMSGSIZE, "message to the monitor");
  a->queue = xrealloc (a->queue, a->queue_len + 3 + len);
  a->queue[a->queue_len] = type;
  memcpy (a->queue + a->queue_len + 1, &n, sizeof (n));
  if (len)
    memcpy (a->queue + a->queue_len + 3, data, len);
  a->queue_len += 3 + len;
  return queue_flush (a, err);
}

static int
send_size (struct attach *a, nook_error_t *err)
{
  struct winsize ws;
  uint16_t v[2];

  if (!a->tty || tty_winsize_get (STDIN_FILENO, &ws, err) < 0)
    {
      nook_error_free (err);
      return 0;
    }
  v[0] = ws.ws_row;
  v[1] = ws.ws_col;
  return attach_send (a, MON_RESIZE, v, sizeof (v), err);
}

/* Our input: 1 to go on, 0 when the detach keys were typed.  */
static int
from_stdin (struct attach *a, nook_error_t *err)
{
  unsigned char in[4096], out[sizeof (in) + TTY_DETACH_KEYS_MAX];
  ssize_t r = read (a->in, in, sizeof (in));
  size_t n = (size_t)r;
  bool detached = false;

  if (r < 0 && (errno == EINTR || errno == EAGAIN))
    return 1;
  if (r <= 0)
    {
      a->in = -1;
      return attach_send (a, MON_STDIN_CLOSE, NULL, 0, err) < 0 ? -1 : 1;
    }
  if (a->tty)
    detached = tty_detach_feed (&a->matcher, in, (size_t)r, out, &n);
  if (n > 0 && attach_send (a, MON_STDIN, a->tty ? out : in, n, err) < 0)
    return -1;
  return detached ? 0 : 1;
}

/* A message from the monitor: 1 to go on, 0 at the end (*CODE set).  */
static int
from_monitor (struct attach *a, int *code, nook_error_t *err)
{
  char p[MON_PACKET_MAX + 1];
  ssize_t r = recv (a->sock, p, sizeof (p), 0);
  int32_t v;

  if (r < 0 && errno == EINTR)
    return 1;
  /* The monitor gone at the end: the code is in the record.  */
  if (r == 0 || (r < 0 && errno == ECONNRESET))
    return 0;
  if (r < 0)
    return nook_error (err, errno, "read from the monitor");
  if (p[0] == MON_STDOUT || p[0] == MON_STDERR)
    {
      int fd = p[0] == MON_STDOUT ? STDOUT_FILENO : STDERR_FILENO;
      if (nook_write_all (fd, p + 1, (size_t)r - 1) < 0)
        return nook_error (err, errno, "write the container's output");
    }
  else if (p[0] == MON_EXIT && r >= 5)
    {
      memcpy (&v, p + 1, 4);
      *code = v;
      return 0;
    }
  return 1;
}

/* SIG for the container, by a connection of its own as `nook kill` sends
   it: never behind input the container has not read (the monitor stops
   reading us meanwhile).  One the container has ended before is no
   error of ours.  */
static int
proxy_signal (struct attach *a, int32_t sig)
{
  nook_error_t err = NULL;

  if (container_kill (&a->ctx->store, &a->ctx->paths, a->id, sig, &err) < 0)
    {
      nook_debug ("attach: %s", err->msg);
      nook_error_free (&err);
    }
  return 0;
}

static int
on_signals (struct attach *a, int sigfd, nook_error_t *err)
{
  struct signalfd_siginfo si;

  while (read (sigfd, &si, sizeof (si)) == sizeof (si))
    {
      int32_t sig = (int32_t)si.ssi_signo;
      int r = sig == SIGWINCH ? send_size (a, err) : a->sig_proxy ? proxy_signal (a, sig) : 0;
      if (r < 0)
        return -1;
    }
  return 0;
}

static int
attach_loop (struct attach *a, int sigfd, int *code, nook_error_t *err)
{
  int r = 1;

  while (r > 0)
    {
      bool waiting = a->queue_len > 0, reading = a->in >= 0 && !waiting;
      struct pollfd p[3] = { { a->sock, POLLIN | (waiting ? POLLOUT : 0), 0 },
                             { sigfd, POLLIN, 0 },
                             { a->in, POLLIN, 0 } };
      if (poll (p, reading ? 3 : 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return nook_error (err, errno, "poll");
        }
      if (p[1].revents && on_signals (a, sigfd, err) < 0)
        return -1;
      if ((p[0].revents & POLLOUT) && queue_flush (a, err) < 0)
        return -1;
      if (reading && p[2].revents)
        r = from_stdin (a, err);
      if (r > 0 && (p[0].revents & ~POLLOUT))
        r = from_monitor (a, code, err);
    }
  return r;
}

static int
attach_to (struct nook_ctx *ctx, const struct container *c, struct attach *a, nook_error_t *err)
{
  static const int sigs[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
  _cleanup_tty_raw_ struct tty_raw raw = TTY_RAW_INIT;
  _cleanup_close_ int sigfd = -1;
  char with_stdin = a->in >= 0;
  sigset_t set;
  int code = INT_MIN, r;

  a->ctx = ctx;
  a->id = c->cfg.id;
  if (container_monitor_connect (ctx->paths.runroot, c->cfg.id, &a->sock, err) < 0)
    return -1;
  sigemptyset (&set);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (sigs); i++)
    sigaddset (&set, sigs[i]);
  sigprocmask (SIG_BLOCK, &set, NULL);
  sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0)
    return nook_error (err, errno, "signalfd");
  if (container_monitor_send (a->sock, MON_ATTACH, &with_stdin, 1, err) < 0
      || send_size (a, err) < 0)
    return -1;
  if (a->tty && a->in >= 0 && isatty (STDIN_FILENO) && tty_raw_enter (STDIN_FILENO, &raw, err) < 0)
    return -1;
  a->matcher.keys = &a->keys;
  r = attach_loop (a, sigfd, &code, err);
  sigprocmask (SIG_UNBLOCK, &set, NULL);
  if (r < 0)
    return -1;
  if (code == INT_MIN) /* no exit message: read it from the record */
    {
      struct container now;
      if (container_load (&ctx->store, c->cfg.id, &now, err) < 0)
        return -1;
      code = now.state.status == CONTAINER_EXITED ? now.state.exit_code : 0;
      container_free (&now);
    }
  return code;
}

int
cmd_attach (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct attach a = { .sock = -1, .in = STDIN_FILENO, .sig_proxy = true };
  bool no_stdin = false, latest = false;
  const char *keys = NULL;
  const struct opt opts[] = {
    { "detach-keys", 0, OPT_STRING, &keys, "KEYS",
      "Select the key sequence for detaching a container. Format is a single character [a-Z] "
      "or a comma separated sequence of `ctrl-<value>`" },
    { "latest", 'l', OPT_BOOL, &latest, NULL, "Act on the latest container nook is aware of" },
    { "no-stdin", 0, OPT_BOOL, &no_stdin, NULL, "Do not attach STDIN. The default is false" },
    { "sig-proxy", 0, OPT_BOOL, &a.sig_proxy, NULL, "Proxy received signals to the process" },
    { 0 },
  };
  const struct cmd_spec spec
      = { "attach", "[options] CONTAINER", "Attach to a running container", opts, false, 0, 1 };
  struct container c;
  char **args, id[65];
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (nargs == 0 && !latest)
    return nook_error (err, 0, "attach requires the name or ID of a container");
  if (cli_container_arg (ctx, latest, args[0], id, err) < 0
      || tty_detach_keys_parse (keys, &a.keys, err) < 0
      || container_load (&ctx->store, id, &c, err) < 0)
    return -1;
  a.tty = c.cfg.tty;
  if (no_stdin || !c.cfg.interactive)
    a.in = -1;
  if (c.state.status != CONTAINER_RUNNING)
    r = nook_error (err, 0, "you can only attach to running containers");
  else
    r = attach_to (ctx, &c, &a, err);
  nook_closep (&a.sock);
  free (a.queue);
  container_free (&c);
  return r;
}
