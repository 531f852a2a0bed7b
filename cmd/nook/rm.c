/* nook rm: remove containers.  */
#include "cli.h"

#include "container/container.h"

struct rm_args
{
  bool force;
  bool volumes; /* -v: its anonymous volumes too */
  int64_t timeout;
};

static int
rm_one (struct nook_ctx *ctx, const char *id, const char *ref, void *data, nook_error_t *err)
{
  struct rm_args *a = data;
  struct container c = { 0 };
  int r;

  (void)ref;
  if (a->volumes && container_load (&ctx->store, id, &c, err) < 0)
    return -1;
  r = container_remove (&ctx->store, &ctx->paths, id, a->force, a->timeout, err);
  if (r == 0 && a->volumes)
    container_mounts_remove_anonymous (&ctx->store, &c.cfg.mounts);
  container_free (&c);
  return r;
}

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
  struct rm_args a = { 0 };
  struct cli_each each = { rm_one, &a, true, 1 };
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (timeout >= 0 && !force)
    return nook_error (err, 0, "--force must be specified to use the --time option");
  if (nargs == 0 && !all)
    return nook_error (err, 0,
                       "must specify at least one container name or ID\nSee 'nook rm --help'");
  if (all && nargs > 0)
    return nook_error (err, 0, "--all and containers cannot be given together");
  /* Deleting an upper layer means files of subordinate ids.  */
  if (cli_need (ctx, NEED_USERNS, err) < 0)
    return -1;
  storage_tmp_sweep (&ctx->store);
  a.force = force;
  a.volumes = volumes;
  a.timeout = timeout;
  /* -f: a container that is not there is no error, as Podman's.  */
  each.missing_code = force ? 0 : 1;
  return cli_each_container (ctx, args, nargs, all, &each);
}
