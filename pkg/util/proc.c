/* Processes: spawning helpers, liveness by pid + start time, exit codes.  */
#include "util.h"

#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

int
nook_proc_stat (pid_t pid, char *state, pid_t *ppid, uint64_t *start)
{
  char path[64], buf[1024];
  _cleanup_close_ int fd = -1;
  ssize_t n;
  char *p;

  snprintf (path, sizeof (path), "/proc/%d/stat", (int)pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  n = read (fd, buf, sizeof (buf) - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  /* comm may hold spaces and parentheses: fields start after the last ')'.
     P then points at the space before field 3 (state); the parent is 4,
     the start time 22.  */
  p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    return -1;
  if (state)
    *state = p[2];
  p++;
  for (int field = 3; field < 22 && p; field++)
    {
      p = strchr (p + 1, ' ');
      if (field == 3 && p && ppid)
        *ppid = (pid_t)strtol (p + 1, NULL, 10);
    }
  if (p == NULL)
    return -1;
  if (start)
    *start = strtoull (p + 1, NULL, 10);
  return 0;
}

int
nook_proc_start_time (pid_t pid, uint64_t *out)
{
  return nook_proc_stat (pid, NULL, NULL, out);
}

bool
nook_proc_alive (pid_t pid, uint64_t start)
{
  uint64_t now;
  char state;

  /* A zombie has ended: it only waits for a reaper, which may be slow.  */
  if (pid <= 0 || nook_proc_stat (pid, &state, NULL, &now) < 0 || state == 'Z' || state == 'X')
    return false;
  return start == 0 || now == start;
}

bool
nook_userns_is_initial (void)
{
  char buf[128] = "";
  _cleanup_close_ int fd = open ("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
  unsigned long inside, outside, count;

  if (fd < 0 || read (fd, buf, sizeof (buf) - 1) <= 0)
    return false;
  return sscanf (buf, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 && outside == 0
         && count == 4294967295UL;
}

bool
nook_is_real_root (void)
{
  return geteuid () == 0 && nook_userns_is_initial ();
}

int
nook_exit_code (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 125;
}

pid_t
nook_waitpid (pid_t pid, int *status, int flags)
{
  pid_t r;
  do
    r = waitpid (pid, status, flags);
  while (r < 0 && errno == EINTR);
  return r;
}

/* In the child: put FD on TARGET (0, 1 or 2).  FDS were moved above 2
   beforehand, so no dup2 here clobbers a later source.  */
static int
child_place_fd (int fd, int target)
{
  if (fd < 0)
    {
      fd = open ("/dev/null", target == 0 ? O_RDONLY : O_WRONLY);
      if (fd < 0)
        return -1;
    }
  if (fd == target)
    return nook_set_cloexec (fd, false);
  return dup2 (fd, target) < 0 ? -1 : 0;
}

static int
child_move_high (int fd)
{
  return fd < 0 ? fd : fcntl (fd, F_DUPFD_CLOEXEC, 3);
}

/* What nook_spawn's child needs.  It runs on its own stack but in our
   memory (CLONE_VM | CLONE_VFORK: no page tables copied, which is most
   of a fork's cost on a virtual machine), and we stay suspended until it
   has exec'd or given up.  So it must not allocate, and it reports its
   errno in ERR.  */
struct spawn_child
{
  const struct nook_spawn *s;
  int err;
  int errfd; /* forked (not sharing ERR): where errno goes, else -1 */
};

/* No handler of ours may run in the child: it would run in our memory.
   So every caught signal goes back to its default (exec would do it
   anyway), and so do the ones nook ignores; then all are unblocked.  */
static void
child_reset_signals (void)
{
  static const int reset[]
      = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGTTIN, SIGTTOU, SIGTSTP };
  struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
  sigset_t none;

  for (int sig = 1; sig < NSIG; sig++)
    if (sigaction (sig, NULL, &old) == 0 && old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN)
      sigaction (sig, &dfl, NULL);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (reset); i++)
    sigaction (reset[i], &dfl, NULL);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
}

static int
child_exec (void *arg)
{
  struct spawn_child *c = arg;
  const struct nook_spawn *s = c->s;
  int in = child_move_high (s->stdin_fd), out = child_move_high (s->stdout_fd),
      errout = child_move_high (s->stderr_fd);

  if (s->pdeathsig && prctl (PR_SET_PDEATHSIG, s->pdeathsig, 0, 0, 0) < 0)
    goto fail;
  if (s->new_session && setsid () < 0)
    goto fail;
  if (child_place_fd (in, 0) < 0 || child_place_fd (out, 1) < 0 || child_place_fd (errout, 2) < 0)
    goto fail;
  for (const int *k = s->keep_fds; k && *k >= 0; k++)
    if (nook_set_cloexec (*k, false) < 0)
      goto fail;
  child_reset_signals ();
  if (s->envp)
    execvpe (s->argv[0], (char *const *)s->argv, (char *const *)s->envp);
  else
    execvp (s->argv[0], (char *const *)s->argv);
fail:
  c->err = errno ? errno : ENOEXEC;
  if (c->errfd >= 0)
    (void)nook_write_all (c->errfd, &c->err, sizeof (c->err));
  _exit (127);
}

/* AddressSanitizer keeps shadow memory for every stack frame: a child
   running on a stack of ours would leave it poisoned for the parent.  Its
   builds fork, with the same child, which sends its errno on a pipe that
   closes when the exec succeeds.  */
#if defined(__SANITIZE_ADDRESS__)
static pid_t
clone_child (struct spawn_child *c)
{
  _cleanup_close_ int rd = -1;
  int p[2];
  pid_t pid;

  if (pipe2 (p, O_CLOEXEC) < 0)
    return -1;
  rd = p[0];
  c->errfd = p[1];
  pid = fork ();
  if (pid == 0)
    child_exec (c);
  close (p[1]);
  c->errfd = -1;
  if (pid > 0 && read (rd, &c->err, sizeof (c->err)) != sizeof (c->err))
    c->err = 0;
  return pid;
}
#else
static pid_t
clone_child (struct spawn_child *c)
{
  /* execvp's search and a script's argv live on this stack.  */
  size_t size = 65536 + 8 * strv_len ((char **)c->s->argv);
  void *stack
      = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  pid_t pid;

  if (stack == MAP_FAILED)
    return -1;
  pid = clone (child_exec, (char *)stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD, c);
  munmap (stack, size);
  return pid;
}
#endif

int
nook_spawn (const struct nook_spawn *s, pid_t *pid_out, nook_error_t *err)
{
  struct spawn_child c = { .s = s, .errfd = -1 };
  sigset_t all, ours;
  pid_t pid;
  int e;

  /* Blocked until the child has put its handlers back to default.  */
  sigfillset (&all);
  sigprocmask (SIG_SETMASK, &all, &ours);
  pid = clone_child (&c);
  e = errno;
  sigprocmask (SIG_SETMASK, &ours, NULL);
  if (pid < 0)
    return nook_error (err, e, "fork");
  /* The child has exec'd, or has set ERR and exited.  */
  if (c.err)
    {
      nook_waitpid (pid, NULL, 0);
      return nook_error (err, c.err, "exec `%s`", s->argv[0]);
    }
  *pid_out = pid;
  return 0;
}

int
nook_run_command (const char *const *argv, char **out, nook_error_t *err)
{
  struct nook_spawn s = { .argv = argv, .stdin_fd = -1, .stdout_fd = -1 };
  _cleanup_close_ int rd = -1;
  _cleanup_free_ char *msg = xmalloc (65536);
  size_t len = 0;
  int p[2], status;
  pid_t pid;

  if (pipe2 (p, O_CLOEXEC) < 0)
    return nook_error (err, errno, "pipe");
  rd = p[0];
  s.stderr_fd = p[1];
  if (out)
    s.stdout_fd = p[1];
  if (nook_spawn (&s, &pid, err) < 0)
    {
      close (p[1]);
      return -1;
    }
  close (p[1]);
  for (;;)
    {
      ssize_t r = read (rd, msg + len, 65535 - len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      len += (size_t)r;
      if (len == 65535)
        break;
    }
  msg[len] = '\0';
  while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
    msg[--len] = '\0';
  if (nook_waitpid (pid, &status, 0) < 0)
    return nook_error (err, errno, "wait for `%s`", argv[0]);
  if (status != 0)
    {
      nook_error (err, 0, "%s: exit status %d%s%s", argv[0], nook_exit_code (status),
                  len ? ": " : "", msg);
      return -1;
    }
  if (out)
    *out = steal_pointer (&msg);
  return 0;
}
