/* Waiting in the foreground for a process we started (`run`, `exec`
   without --detach), as runc does: the signals we get are passed on to
   it, and when it has a terminal whose master we hold, our stdio is
   copied to and from that terminal (ours in raw mode when it is one, and
   its size kept on the container's).  */
#include "runtime/runtime.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>

#define CHUNK 65536

/* What we pass on: all a terminal or a supervisor sends, bar SIGCHLD
   (ours to reap) and SIGWINCH (a resize of our terminal).  */
static const int forwarded[] = { SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
                                 SIGALRM, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU };

struct attach
{
  pid_t pid;
  int master; /* -1: no terminal */
  int sigfd;
  bool stdin_open;
  bool master_open;
  char pending[CHUNK]; /* read from stdin, not yet written to the master */
  size_t n_pending;
  bool done;
  int status;
};

/* Our terminal's size onto the container's; a terminal of no size (a
   pty nobody sized) leaves the container's process.consoleSize.  */
static void
copy_size (int master)
{
  struct winsize ws;
  if (master >= 0 && ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
    ioctl (master, TIOCSWINSZ, &ws);
}

/* Reap every child we have (orphans of the container come to us as its
   parent or subreaper); note the one we wait for.  */
static void
reap (struct attach *a)
{
  int st;
  pid_t p;
  while ((p = waitpid (-1, &st, WNOHANG)) > 0)
    if (p == a->pid)
      {
        a->done = true;
        a->status = st;
      }
}

static void
on_signal (struct attach *a)
{
  struct signalfd_siginfo si;
  while (read (a->sigfd, &si, sizeof (si)) == sizeof (si))
    {
      if (si.ssi_signo == SIGCHLD)
        reap (a);
      else if (si.ssi_signo == SIGWINCH)
        copy_size (a->master);
      else
        kill (a->pid, (int)si.ssi_signo);
    }
}

static int
from_master (struct attach *a, nook_error_t *err)
{
  char buf[CHUNK];
  ssize_t n = read (a->master, buf, sizeof (buf));
  if (n > 0)
    {
      if (nook_write_all (STDOUT_FILENO, buf, (size_t)n) < 0 && errno != EPIPE)
        return nook_error (err, errno, "write the container's output");
      return 0;
    }
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return 0;
  /* EIO: no process has the slave open any more.  */
  a->master_open = false;
  return 0;
}

static void
from_stdin (struct attach *a)
{
  ssize_t n = read (STDIN_FILENO, a->pending, sizeof (a->pending));
  if (n > 0)
    a->n_pending = (size_t)n;
  else if (n == 0 || (errno != EAGAIN && errno != EINTR))
    {
      a->stdin_open = false;
      /* Input that is not a terminal ran out: an end-of-file for the
         reader on the pty, as ^D would be.  */
      if (!isatty (STDIN_FILENO))
        {
          a->pending[0] = 4;
          a->n_pending = 1;
        }
    }
}

static void
to_master (struct attach *a)
{
  ssize_t n = write (a->master, a->pending, a->n_pending);
  if (n > 0)
    {
      memmove (a->pending, a->pending + n, a->n_pending - (size_t)n);
      a->n_pending -= (size_t)n;
    }
  else if (n < 0 && errno != EAGAIN && errno != EINTR)
    a->n_pending = 0;
}

static int
loop (struct attach *a, nook_error_t *err)
{
  while (!a->done)
    {
      struct pollfd p[3] = { { .fd = a->sigfd, .events = POLLIN } };
      nfds_t n = 1;
      int in = -1, out = -1;

      if (a->master_open)
        {
          out = (int)n;
          p[n++]
              = (struct pollfd){ .fd = a->master, .events = POLLIN | (a->n_pending ? POLLOUT : 0) };
          if (a->stdin_open && a->n_pending == 0)
            {
              in = (int)n;
              p[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
            }
        }
      if (poll (p, n, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return nook_error (err, errno, "poll");
        }
      if (p[0].revents)
        on_signal (a);
      if (out >= 0 && (p[out].revents & POLLOUT))
        to_master (a);
      if (out >= 0 && (p[out].revents & (POLLIN | POLLHUP | POLLERR)))
        if (from_master (a, err) < 0)
          return -1;
      if (in >= 0 && p[in].revents)
        from_stdin (a);
    }
  /* What the process wrote just before it exited.  */
  while (a->master_open && from_master (a, err) == 0 && a->master_open)
    ;
  return 0;
}

static void
restore_termios (struct termios **t)
{
  if (*t)
    tcsetattr (STDIN_FILENO, TCSADRAIN, *t);
}

int
runtime_attach (pid_t pid, int master, int *status, nook_error_t *err)
{
  /* On the heap: its buffer is too big for a stack frame.  */
  _cleanup_free_ struct attach *a = xzalloc (sizeof (*a));
  struct termios saved, raw;
  struct termios *restore __attribute__ ((cleanup (restore_termios))) = NULL;
  _cleanup_close_ int sigfd = -1;
  sigset_t set, old;
  int ret;

  a->pid = pid;
  a->master = master;
  a->master_open = a->stdin_open = master >= 0;
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigaddset (&set, SIGWINCH);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (forwarded); i++)
    sigaddset (&set, forwarded[i]);
  if (sigprocmask (SIG_BLOCK, &set, &old) < 0)
    return nook_error (err, errno, "sigprocmask");
  sigfd = a->sigfd = signalfd (-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sigfd < 0)
    {
      sigprocmask (SIG_SETMASK, &old, NULL);
      return nook_error (err, errno, "signalfd");
    }
  if (master >= 0)
    {
      fcntl (master, F_SETFL, fcntl (master, F_GETFL) | O_NONBLOCK);
      copy_size (master);
      if (isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved) == 0)
        {
          raw = saved;
          cfmakeraw (&raw);
          if (tcsetattr (STDIN_FILENO, TCSADRAIN, &raw) == 0)
            restore = &saved;
        }
    }
  /* It may have exited before SIGCHLD was blocked.  */
  reap (a);
  ret = loop (a, err);
  sigprocmask (SIG_SETMASK, &old, NULL);
  if (ret == 0)
    *status = a->status;
  return ret;
}
