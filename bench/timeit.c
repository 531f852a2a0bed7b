/* timeit: run one command and print how long it took, in nanoseconds, on
   the monotonic clock.  Used by bench/startup.sh and bench/images.sh, which
   alternate two commands and so cannot hand the loop to hyperfine.

     timeit [-r] [-n] [-t SECONDS] LOG COMMAND [ARG...]

   COMMAND runs with stdin from /dev/null and its stdout and stderr written
   to LOG, so the terminal costs nothing and a failure can be shown.  The
   clock starts just before fork and stops when wait returns: it covers the
   exec, everything COMMAND does, and the reaping.  The elapsed time goes to
   stdout; the exit status is COMMAND's own (128+N if killed by signal N,
   127 if it could not be executed).

   With -r it prints a second number on the same line: the peak resident
   set size in KiB of COMMAND or of the largest process among the
   descendants it waited for (ru_maxrss from wait4, which the kernel takes
   as the maximum over the child and its reaped children).  A process that
   detaches and is reaped by someone else is not counted.

   With -n COMMAND's stdout goes to /dev/null and only its stderr to LOG:
   for commands that write hundreds of megabytes (bench/lifecycle.sh).

   With -t COMMAND is killed (SIGKILL) if it has not ended after SECONDS;
   timeit then says so on stderr and exits with 124, as timeout(1) does.
   The wait is a poll on a pidfd, so nothing else runs in between.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
usage (void)
{
  fprintf (stderr, "usage: timeit [-r] [-n] [-t SECONDS] LOG COMMAND [ARG...]\n");
  return 2;
}

/* Wait up to LIMIT seconds for PID to end; kill it if it has not.  Returns
   false if it was killed.  */
static bool
wait_limit (pid_t pid, long limit)
{
  struct pollfd p = { .events = POLLIN };
  int r;

  p.fd = (int)syscall (SYS_pidfd_open, pid, 0);
  if (p.fd < 0)
    {
      perror ("timeit: pidfd_open");
      return true; /* wait without a limit */
    }
  do
    r = poll (&p, 1, (int)(limit * 1000));
  while (r < 0 && errno == EINTR);
  close (p.fd);
  if (r != 0)
    return true;
  kill (pid, SIGKILL);
  return false;
}

int
main (int argc, char **argv)
{
  int log_fd, null_fd, out_fd, status, opt;
  bool rss = false, discard = false, ended = true;
  long limit = 0;
  char *end_arg;
  long long start, end;
  struct rusage ru;
  pid_t pid;

  while ((opt = getopt (argc, argv, "+rnt:")) != -1)
    {
      if (opt == 'r')
        rss = true;
      else if (opt == 'n')
        discard = true;
      else if (opt == 't')
        {
          limit = strtol (optarg, &end_arg, 10);
          if (*end_arg || limit <= 0 || limit > 86400)
            return usage ();
        }
      else
        return usage ();
    }
  argv += optind - 1;
  argc -= optind - 1;
  if (argc < 3)
    return usage ();
  log_fd = open (argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
  out_fd = discard ? null_fd : log_fd;
  if (log_fd < 0 || null_fd < 0)
    {
      perror ("timeit: open");
      return 2;
    }
  start = now_ns ();
  pid = fork ();
  if (pid < 0)
    {
      perror ("timeit: fork");
      return 2;
    }
  if (pid == 0)
    {
      if (dup2 (null_fd, 0) < 0 || dup2 (out_fd, 1) < 0 || dup2 (log_fd, 2) < 0)
        _exit (127);
      execvp (argv[2], argv + 2);
      dprintf (2, "timeit: cannot execute %s: %s\n", argv[2], strerror (errno));
      _exit (127);
    }
  if (limit > 0)
    ended = wait_limit (pid, limit);
  while (wait4 (pid, &status, 0, &ru) < 0)
    {
      if (errno != EINTR)
        {
          perror ("timeit: wait4");
          return 2;
        }
    }
  end = now_ns ();
  if (!ended)
    {
      dprintf (log_fd, "timeit: %s did not end within %ld s: killed\n", argv[2], limit);
      fprintf (stderr, "timeit: %s did not end within %ld s: killed\n", argv[2], limit);
      return 124;
    }
  if (rss)
    printf ("%lld %ld\n", end - start, ru.ru_maxrss);
  else
    printf ("%lld\n", end - start);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 2;
}
