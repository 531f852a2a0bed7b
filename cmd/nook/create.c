/* nook create: a container, written and not started.  */
#include "ctropts.h"

#include <stdio.h>

int
cmd_create (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  _cleanup_cli_create_ struct cli_create c = { 0 };
  _cleanup_free_ struct opt *opts = cli_create_opts (&c);
  const struct cmd_spec spec = { "create",
                                 "[options] IMAGE [COMMAND [ARG...]]",
                                 "Create but do not start a container",
                                 opts,
                                 true,
                                 1,
                                 -1 };
  struct container ctr;
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  cli_create_finish (&c, args);
  if (cli_create_pull (ctx, &c, err) < 0)
    return -1;
  if (container_create (&ctx->store, &c.o, &ctr, err) < 0)
    return -1;
  printf ("%s\n", ctr.cfg.id);
  container_free (&ctr);
  return cli_flush (err);
}
