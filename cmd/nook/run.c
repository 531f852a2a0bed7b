/* nook run: create a container and start it, attached or (-d) not.  */
#include "ctropts.h"

#include <stdio.h>

int
cmd_run (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  _cleanup_cli_create_ struct cli_create c = { 0 };
  _cleanup_free_ struct opt *common = cli_create_opts (&c);
  struct container_attach_opts a = { .sig_proxy = true };
  bool detach = false;
  const char *keys = NULL;
  const struct opt own[] = {
    { "detach", 'd', OPT_BOOL, &detach, NULL,
      "Run container in background and print container ID" },
    { "detach-keys", 0, OPT_STRING, &keys, "KEYS",
      "Override the key sequence for detaching a container. Format is a single character [a-Z] "
      "or a comma separated sequence of `ctrl-<value>`, where `<value>` is one of: `a-z`, `@`, "
      "`^`, `[`, `\\`, `]` or `_`" },
    { "sig-proxy", 0, OPT_BOOL, &a.sig_proxy, NULL, "Proxy received signals to the process" },
    { 0 },
  };
  const struct opt *tables[] = { common, own, NULL };
  _cleanup_free_ struct opt *opts = cli_opts_join (tables);
  const struct cmd_spec spec = {
    "run", "[options] IMAGE [COMMAND [ARG...]]", "Run a command in a new container", opts, true, 1,
    -1
  };
  char **args, id[65];
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  cli_create_finish (&c, args);
  if (cli_create_pull (ctx, &c, err) < 0)
    return -1;
  a.detach_keys = keys;
  r = container_run (&ctx->paths, &ctx->store, &c.o, detach ? NULL : &a, id, err);
  if (r == 0 && detach)
    {
      printf ("%s\n", id);
      return cli_flush (err);
    }
  return r;
}
