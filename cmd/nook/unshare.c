/* nook unshare: run a command inside the rootless user namespace, as
   `podman unshare` does (for looking at or removing files of subordinate
   ids).  */
#include "cli.h"

#include <string.h>
#include <sys/wait.h>

int
cmd_unshare (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  const struct opt opts[] = { { 0 } };
  const struct cmd_spec spec = { "unshare",
                                 "[options] [COMMAND [ARG...]]",
                                 "Run a command in a modified user namespace",
                                 opts,
                                 true,
                                 0,
                                 -1 };
  const char *shell = getenv ("SHELL");
  const char *argv_shell[] = { shell && *shell ? shell : "/bin/sh", NULL };
  struct nook_spawn s
      = { .stdin_fd = STDIN_FILENO, .stdout_fd = STDOUT_FILENO, .stderr_fd = STDERR_FILENO };
  char **args;
  int nargs, r, status;
  pid_t pid;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (cli_need (ctx, NEED_USERNS, err) < 0)
    return -1;
  setenv ("CONTAINERS_UNSHARE", "1", 1);
  s.argv = nargs ? (const char *const *)args : argv_shell;
  if (nook_spawn (&s, &pid, err) < 0)
    return -1;
  if (nook_waitpid (pid, &status, 0) < 0)
    return nook_error (err, errno, "wait");
  return nook_exit_code (status);
}
