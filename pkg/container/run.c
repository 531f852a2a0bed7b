/* Running a container in the foreground: the CLI side.

   1. Two pipes: sync (monitor to us) and id (us to monitor).  Spawn
      nook-monitor in a session of its own (no controlling terminal); it
      inherits our stdio and enters the user namespace at once.
   2. Meanwhile we write the record (container_create) and send its ID.
   3. We wait on the pipe: PID when the container runs, then EXIT with its
      code once everything is cleaned up (or ERROR at any point).
      SIGINT, SIGTERM and friends meanwhile go to the container.  */
#include "container/internal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

int
monitor_msg_send (int fd, int type, int value, const char *msg)
{
  struct monitor_msg m = { .type = type, .value = value };
  if (msg)
    snprintf (m.msg, sizeof (m.msg), "%s", msg);
  /* Smaller than PIPE_BUF: one write, never torn.  */
  return write (fd, &m, sizeof (m)) == (ssize_t)sizeof (m) ? 0 : -1;
}

int
monitor_msg_recv (int fd, struct monitor_msg *m)
{
  size_t got = 0;
  while (got < sizeof (*m))
    {
      ssize_t r = read (fd, (char *)m + got, sizeof (*m) - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      if (r == 0)
        return got == 0 ? 1 : -1;
      got += (size_t)r;
    }
  m->msg[sizeof (m->msg) - 1] = '\0';
  return 0;
}

/* The monitor gets a session of its own (no terminal's signals reach it)
   and outlives us if we go: it is then simply reparented.  It reads the
   container's ID from *ID_WR once we have written the record.  */
static int
spawn_monitor (const struct nook_paths *paths, struct storage *st, int *sync_rd, int *id_wr,
               nook_error_t *err)
{
  _cleanup_free_ char *monitor = config_helper (paths, "nook-monitor");
  int sync[2] = { -1, -1 }, id[2] = { -1, -1 }, keep[3];
  char syncstr[16], idstr[16];
  const char *argv[] = { monitor,
                         "--storage",
                         st->root,
                         "--runroot",
                         paths->runroot,
                         "--id-fd",
                         idstr,
                         "--sync-fd",
                         syncstr,
                         nook_log_get_level () >= NOOK_LOG_DEBUG ? "--debug" : NULL,
                         NULL };
  struct nook_spawn s = { .argv = argv,
                          .stdin_fd = STDIN_FILENO,
                          .stdout_fd = STDOUT_FILENO,
                          .stderr_fd = STDERR_FILENO,
                          .keep_fds = keep,
                          .new_session = true };
  pid_t pid;
  int ret;

  if (pipe2 (sync, O_CLOEXEC) < 0 || pipe2 (id, O_CLOEXEC) < 0)
    {
      ret = nook_error (err, errno, "pipe");
      goto out;
    }
  snprintf (syncstr, sizeof (syncstr), "%d", sync[1]);
  snprintf (idstr, sizeof (idstr), "%d", id[0]);
  keep[0] = sync[1];
  keep[1] = id[0];
  keep[2] = -1;
  ret = nook_spawn (&s, &pid, err);
  if (ret == 0)
    {
      *sync_rd = steal_fd (&sync[0]);
      *id_wr = steal_fd (&id[1]);
    }
out:
  for (int i = 0; i < 2; i++)
    {
      nook_closep (&sync[i]);
      nook_closep (&id[i]);
    }
  return ret;
}

static int
block_signals (sigset_t *set, int *sigfd, nook_error_t *err)
{
  sigemptyset (set);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (forwarded); i++)
    sigaddset (set, forwarded[i]);
  if (sigprocmask (SIG_BLOCK, set, NULL) < 0)
    return nook_error (err, errno, "sigprocmask");
  *sigfd = signalfd (-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (*sigfd < 0)
    return nook_error (err, errno, "signalfd");
  return 0;
}

struct waiter
{
  pid_t pid;
  int pidfd;
  int pending[8]; /* signals that came before the container did */
  size_t npending;
};

static void
forward (struct waiter *w, int sig)
{
  if (w->pidfd >= 0)
    syscall (SYS_pidfd_send_signal, w->pidfd, sig, NULL, 0);
  else if (w->npending < NOOK_ARRAY_SIZE (w->pending))
    w->pending[w->npending++] = sig;
}

/* One message from the monitor: 1 to go on, 0 when finished (*CODE set),
   -1 on error.  */
static int
on_message (struct waiter *w, int fd, int *code, nook_error_t *err)
{
  struct monitor_msg m;
  int r = monitor_msg_recv (fd, &m);

  if (r != 0)
    return nook_error (err, 0, "nook-monitor exited without reporting the container's exit");
  switch (m.type)
    {
    case MONITOR_MSG_PID:
      nook_debug ("container running as pid %d", m.value);
      w->pid = m.value;
      w->pidfd = (int)syscall (SYS_pidfd_open, w->pid, 0);
      for (size_t i = 0; i < w->npending; i++)
        forward (w, w->pending[i]);
      w->npending = 0;
      return 1;
    case MONITOR_MSG_EXIT:
      *code = m.value;
      return 0;
    default:
      nook_error (err, 0, "%s", m.msg);
      return nook_error_exit (err, m.value ? m.value : 125);
    }
}

/* Steps 1 and 2 the other way round: the monitor starts first and
   enters the user namespace (newuidmap is the slowest part of a start)
   while we write the record; then it gets the ID.  */
static int
create_for_monitor (struct storage *st, const struct container_create_opts *o, int id_wr,
                    nook_error_t *err)
{
  struct container c;
  char line[66];

  if (container_create (st, o, &c, err) < 0)
    return -1; /* the monitor reads end of file and leaves */
  nook_debug ("run: created %.12s", c.cfg.id);
  snprintf (line, sizeof (line), "%s\n", c.cfg.id);
  container_free (&c);
  if (nook_write_all (id_wr, line, 65) < 0)
    return nook_error (err, errno, "hand the container to nook-monitor");
  return 0;
}

int
container_run_attached (const struct nook_paths *paths, struct storage *st,
                        const struct container_create_opts *o, nook_error_t *err)
{
  struct waiter w = { .pidfd = -1 };
  _cleanup_close_ int rd = -1, sigfd = -1, id_wr = -1;
  sigset_t set;
  int code = 0, r = 1;

  if (block_signals (&set, &sigfd, err) < 0)
    return -1;
  nook_debug ("starting nook-monitor");
  if (spawn_monitor (paths, st, &rd, &id_wr, err) < 0 || create_for_monitor (st, o, id_wr, err) < 0)
    r = -1;
  nook_closep (&id_wr);
  while (r > 0)
    {
      struct pollfd fds[2] = { { rd, POLLIN, 0 }, { sigfd, POLLIN, 0 } };
      struct signalfd_siginfo si;

      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          r = nook_error (err, errno, "poll");
          break;
        }
      while (read (sigfd, &si, sizeof (si)) == sizeof (si))
        forward (&w, (int)si.ssi_signo);
      if (fds[0].revents)
        r = on_message (&w, rd, &code, err);
    }
  nook_closep (&w.pidfd);
  sigprocmask (SIG_UNBLOCK, &set, NULL);
  return r < 0 ? -1 : code;
}
