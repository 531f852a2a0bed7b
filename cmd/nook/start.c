/* nook start: start created or exited containers, detached or (-a) not.  */
#include "cli.h"

#include "container/container.h"

#include <stdio.h>

int
cmd_start (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct container_attach_opts a = { .sig_proxy = true };
  bool attach = false, interactive = false;
  const char *keys = NULL;
  const struct opt opts[] = {
    { "attach", 'a', OPT_BOOL, &attach, NULL, "Attach container's STDOUT and STDERR" },
    { "detach-keys", 0, OPT_STRING, &keys, "KEYS",
      "Select the key sequence for detaching a container. Format is a single character [a-Z] "
      "or a comma separated sequence of `ctrl-<value>`" },
    { "interactive", 'i', OPT_BOOL, &interactive, NULL,
      "Make STDIN available to the contained "
      "process" },
    { "sig-proxy", 0, OPT_BOOL, &a.sig_proxy, NULL,
      "Proxy received signals to the process (default true if attaching, false otherwise)" },
    { 0 },
  };
  const struct cmd_spec spec = {
    "start", "[options] CONTAINER [CONTAINER...]", "Start one or more containers", opts, false, 1,
    -1
  };
  char **args;
  int nargs, r, failed = 0;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  a.detach_keys = keys;
  a.no_stdin = !interactive;
  if ((attach || interactive) && nargs > 1)
    return nook_error (err, 0, "you cannot start and attach multiple containers at once");
  for (int i = 0; i < nargs; i++)
    {
      nook_error_t e = NULL;
      char id[65];

      if (storage_container_resolve (&ctx->store, args[i], id, &e) == 0)
        {
          r = container_start (&ctx->paths, &ctx->store, id, attach || interactive ? &a : NULL, &e);
          if (r >= 0 && (attach || interactive))
            return r;
        }
      if (e)
        {
          if (failed++)
            fprintf (stderr, "Error: %s\n", e->msg);
          else
            *err = steal_pointer (&e);
          nook_error_free (&e);
          continue;
        }
      printf ("%s\n", args[i]);
    }
  if (cli_flush (err) < 0)
    return -1;
  return failed ? -1 : 0;
}
