/* nook rename and nook container exists.  */
#include "cli.h"

#include "container/exec.h"

int
cmd_rename (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  const struct opt opts[] = { { 0 } };
  const struct cmd_spec spec
      = { "rename", "CONTAINER NAME", "Rename an existing container", opts, false, 2, 2 };
  char **args, id[65];
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (storage_container_resolve (&ctx->store, args[0], id, err) < 0)
    return -1;
  return container_rename (&ctx->store, id, args[1], err);
}

int
cmd_container_exists (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  const struct opt opts[] = { { 0 } };
  const struct cmd_spec spec = { "container exists",
                                 "CONTAINER",
                                 "Check if a container exists in local storage",
                                 opts,
                                 false,
                                 1,
                                 1 };
  char **args, id[65];
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  return cli_exists_code (storage_container_resolve (&ctx->store, args[0], id, err), err);
}
