/* exec: a process in a created or running container, from the options
   (runc's) or a whole `process` object (--process FILE).  Without
   --detach we stay, pass signals on, copy stdio to and from its terminal
   when it has one of ours, and exit with its code; runc's exec exits 255
   on its own errors (the verb table says so).  */
#include "cli.h"

#include <signal.h>
#include <string.h>

int
cli_exec (struct cli *c, nook_error_t *err)
{
  struct runtime_exec_opts o = {
    .process_file = c->process,
    .args = c->args + 1,
    .cwd = c->cwd,
    .env = c->env,
    .user = c->user,
    .additional_gids = c->additional_gids,
    .caps = c->caps,
    .tty = c->tty,
    .no_new_privs = c->no_new_privs,
    .apparmor = c->apparmor,
    .process_label = c->process_label,
    .preserve_fds = (int)c->preserve_fds,
    .detach = c->detach,
    .console_fd = -1,
  };
  _cleanup_close_ int console = -1, master = -1;
  int status = 0;
  pid_t pid;

  if (c->process == NULL && c->args[1] == NULL)
    return nook_error (err, 0, "exec: a command is required (or --process FILE)");
  if (c->process && c->args[1])
    return nook_error (err, 0, "exec: --process and a command do not go together");
  if (c->console_socket)
    {
      if (runtime_console_connect (c->console_socket, 3 + (int)c->preserve_fds, &console, err) < 0)
        return -1;
      o.console_fd = console;
    }
  if (runtime_exec (c->root, c->args[0], &o, &pid, &master, err) < 0)
    return -1;
  if (c->pid_file && runtime_write_pid_file (c->pid_file, pid, err) < 0)
    {
      kill (pid, SIGKILL);
      return -1;
    }
  if (c->detach)
    return 0;
  if (runtime_attach (pid, master, &status, err) < 0)
    return -1;
  return nook_exit_code (status);
}
