/* nook rm: remove containers.  */
#include "cli.h"

#include "container/container.h"

int
cmd_rm (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  bool all = false, force = false, volumes = false;
  int64_t timeout = -1;
  const struct opt opts[] = {
    { "all", 'a', OPT_BOOL, &all, NULL, "Remove all containers" },
    { "force", 'f', OPT_BOOL, &force, NULL, "Force removal of a running or unusable container" },
    { "time", 't', OPT_INT, &timeout, "SECONDS",
      "Seconds to wait for stop before killing the container" },
    { "volumes", 'v', OPT_BOOL, &volumes, NULL,
      "Remove anonymous volumes associated with the container" },
    { 0 },
  };
  const struct cmd_spec spec = {
    "rm", "[options] CONTAINER [CONTAINER...]", "Remove one or more containers", opts, false, 0, -1
  };
  _cleanup_strv_ char **ids = NULL;
  char **args;
  int nargs, r, code = 0;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  (void)volumes; /* no volumes yet: nothing more to remove */
  if (timeout >= 0 && !force)
    return nook_error (err, 0, "--force must be specified to use the --time option");
  if (nargs == 0 && !all)
    return nook_error (err, 0,
                       "must specify at least one container name or ID\nSee 'nook rm --help'");
  if (all && nargs > 0)
    return nook_error (err, 0, "--all and containers cannot be given together");
  if (all && storage_container_ids (&ctx->store, &ids, err) < 0)
    return -1;
  /* Deleting an upper layer means files of subordinate ids.  */
  if (cli_need (ctx, NEED_USERNS, err) < 0)
    return -1;
  storage_tmp_sweep (&ctx->store);
  for (int i = 0; all ? ids[i] != NULL : i < nargs; i++)
    {
      const char *ref = all ? ids[i] : args[i];
      char id[65];
      nook_error_t e = NULL;

      /* Each failure is reported and the rest still removed, as Podman.  */
      if (storage_container_resolve (&ctx->store, ref, id, &e) < 0
          || container_remove (&ctx->store, &ctx->paths, id, force, timeout, &e) < 0)
        {
          int c = e->errnum == ENOENT ? 1 : e->exit_code ? e->exit_code : 125;
          if (code == 0 || c > code)
            code = c;
          fprintf (stderr, "Error: %s\n", e->msg);
          nook_error_free (&e);
          continue;
        }
      printf ("%s\n", all ? id : ref);
    }
  return code;
}
