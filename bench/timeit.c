/* timeit: run one command and print how long it took, in nanoseconds, on
   the monotonic clock.  Used by bench/startup.sh, which alternates two
   commands and so cannot hand the loop to hyperfine.

     timeit LOG COMMAND [ARG...]

   COMMAND runs with stdin from /dev/null and its stdout and stderr written
   to LOG, so the terminal costs nothing and a failure can be shown.  The
   clock starts just before fork and stops when wait returns: it covers the
   exec, everything COMMAND does, and the reaping.  The elapsed time goes to
   stdout; the exit status is COMMAND's own (128+N if killed by signal N,
   127 if it could not be executed).  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int
main (int argc, char **argv)
{
  int log_fd, null_fd, status;
  long long start, end;
  pid_t pid;

  if (argc < 3)
    {
      fprintf (stderr, "usage: timeit LOG COMMAND [ARG...]\n");
      return 2;
    }
  log_fd = open (argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
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
      if (dup2 (null_fd, 0) < 0 || dup2 (log_fd, 1) < 0 || dup2 (log_fd, 2) < 0)
        _exit (127);
      execvp (argv[2], argv + 2);
      dprintf (2, "timeit: cannot execute %s: %s\n", argv[2], strerror (errno));
      _exit (127);
    }
  while (waitpid (pid, &status, 0) < 0)
    {
      if (errno != EINTR)
        {
          perror ("timeit: waitpid");
          return 2;
        }
    }
  end = now_ns ();
  printf ("%lld\n", end - start);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 2;
}
