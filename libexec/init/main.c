/* nook-init: a tiny init for `--init`, run as PID 1 of a container.

     nook-init [--] COMMAND [ARG...]

   As catatonit: block every signal, start COMMAND with them unblocked,
   then in one loop forward what arrives to it and reap every zombie that
   orphans leave us.  Exit with COMMAND's status (128 + signal when it was
   killed) as soon as it ends; the kernel then ends the rest of the
   container.  */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static void
die (const char *what)
{
  fprintf (stderr, "nook-init: %s: %s\n", what, strerror (errno));
  _exit (125);
}

static pid_t
start (char **argv, const sigset_t *old)
{
  pid_t pid = fork ();
  if (pid < 0)
    die ("fork");
  if (pid == 0)
    {
      sigprocmask (SIG_SETMASK, old, NULL);
      execvp (argv[0], argv);
      fprintf (stderr, "nook-init: exec `%s`: %s\n", argv[0], strerror (errno));
      _exit (errno == ENOENT ? 127 : 126);
    }
  return pid;
}

/* Reap everything that ended; return MAIN's exit code once it has.  */
static int
reap (pid_t main_pid)
{
  int status, code = -1;
  pid_t pid;

  while ((pid = waitpid (-1, &status, WNOHANG)) > 0)
    if (pid == main_pid)
      code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
  return code;
}

int
main (int argc, char **argv)
{
  sigset_t all, old;
  struct signalfd_siginfo si;
  pid_t main_pid;
  int fd, code;

  if (argc > 1 && strcmp (argv[1], "--") == 0)
    {
      argc--;
      argv++;
    }
  if (argc < 2)
    {
      fprintf (stderr, "usage: nook-init [--] COMMAND [ARG...]\n");
      return 125;
    }
  sigfillset (&all);
  if (sigprocmask (SIG_SETMASK, &all, &old) < 0)
    die ("sigprocmask");
  fd = signalfd (-1, &all, SFD_CLOEXEC);
  if (fd < 0)
    die ("signalfd");
  main_pid = start (argv + 1, &old);
  for (;;)
    {
      if (read (fd, &si, sizeof (si)) != sizeof (si))
        {
          if (errno == EINTR)
            continue;
          die ("read signalfd");
        }
      switch (si.ssi_signo)
        {
        case SIGCHLD:
          code = reap (main_pid);
          if (code >= 0)
            return code;
          break;
        case SIGTSTP:
        case SIGTTIN:
        case SIGTTOU:
          break; /* job control has no meaning for PID 1 */
        default:
          kill (main_pid, (int)si.ssi_signo);
        }
    }
}
