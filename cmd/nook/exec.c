/* nook exec: run a process in a running container.  */
#include "cli.h"

#include "container/container.h"
#include "container/exec.h"

int
cmd_exec (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct container_exec_opts o = { 0 };
  _cleanup_strv_ char **env = NULL, **env_files = NULL;
  bool latest = false;
  const struct opt opts[] = {
    { "detach", 'd', OPT_BOOL, &o.detach, NULL,
      "Run the exec session in detached mode (backgrounded)" },
    { "detach-keys", 0, OPT_STRING, &o.detach_keys, "KEYS",
      "Select the key sequence for detaching a container. Format is a single character [a-Z] or "
      "ctrl-<value> where <value> is one of: a-z, @, ^, [, , or _ (default \"ctrl-p,ctrl-q\")" },
    { "env", 'e', OPT_STRINGS, &env, "KEY=VALUE", "Set environment variables" },
    { "env-file", 0, OPT_STRINGS, &env_files, "FILE", "Read in a file of environment variables" },
    { "interactive", 'i', OPT_BOOL, &o.interactive, NULL, "Keep STDIN open even if not attached" },
    { "latest", 'l', OPT_BOOL, &latest, NULL, "Act on the latest container nook is aware of" },
    { "privileged", 0, OPT_BOOL, &o.privileged, NULL,
      "Give the process extended privileges: every capability" },
    { "tty", 't', OPT_BOOL, &o.tty, NULL, "Allocate a pseudo-TTY" },
    { "user", 'u', OPT_STRING, &o.user, "USER[:GROUP]",
      "Sets the username or UID used and optionally the groupname or GID for the specified "
      "command" },
    { "workdir", 'w', OPT_STRING, &o.workdir, "DIR", "Working directory inside the container" },
    { 0 },
  };
  const struct cmd_spec spec = { "exec",
                                 "[options] CONTAINER COMMAND [ARG...]",
                                 "Run a process in a running container",
                                 opts,
                                 true,
                                 0,
                                 -1 };
  char **args, id[65];
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (nargs == 0 && !latest)
    return nook_error (err, 0, "exec requires the name or ID of a container or the --latest flag");
  if (cli_container_arg (ctx, latest, args[0], id, err) < 0)
    return -1;
  o.args = latest ? args : args + 1;
  o.env = env;
  o.env_files = env_files;
  return container_exec (&ctx->paths, &ctx->store, id, &o, err);
}
