/* nook run: create a container and run it in the foreground.  */
#include "cli.h"

#include "container/container.h"

int
cmd_run (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct container_create_opts o = { 0 };
  _cleanup_strv_ char **env = NULL, **env_files = NULL;
  const struct opt opts[] = {
    { "entrypoint", 0, OPT_STRING, &o.entrypoint, "CMD",
      "Overwrite the default ENTRYPOINT of the image" },
    { "env", 'e', OPT_STRINGS, &env, "KEY=VALUE", "Set environment variables in container" },
    { "env-file", 0, OPT_STRINGS, &env_files, "FILE", "Read in a file of environment variables" },
    { "hostname", 'h', OPT_STRING, &o.hostname, "NAME", "Set container hostname" },
    { "interactive", 'i', OPT_BOOL, &o.interactive, NULL, "Keep STDIN open even if not attached" },
    { "name", 0, OPT_STRING, &o.name, "NAME", "Assign a name to the container" },
    { "rm", 0, OPT_BOOL, &o.rm, NULL, "Remove container after exit" },
    { "user", 'u', OPT_STRING, &o.user, "USER[:GROUP]",
      "Username or UID (format: <name|uid>[:<group|gid>])" },
    { "workdir", 'w', OPT_STRING, &o.workdir, "DIR", "Working directory inside the container" },
    { 0 },
  };
  const struct cmd_spec spec = {
    "run", "[options] IMAGE [COMMAND [ARG...]]", "Run a command in a new container", opts, true, 1,
    -1
  };
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  o.image = args[0];
  o.args = args + 1;
  o.env = env;
  o.env_files = env_files;
  return container_run_attached (&ctx->paths, &ctx->store, &o, err);
}
