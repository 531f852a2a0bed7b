/* nook top: the processes of a running container.  */
#include "cli.h"

#include "container/container.h"
#include "container/exec.h"

#include <string.h>

int
cmd_top (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  bool latest = false, list = false;
  const struct opt opts[] = {
    { "latest", 'l', OPT_BOOL, &latest, NULL, "Act on the latest container nook is aware of" },
    { "list-descriptors", 0, OPT_BOOL, &list, NULL, "List the supported format descriptors" },
    { 0 },
  };
  const struct cmd_spec spec = { "top",
                                 "[options] CONTAINER [FORMAT-DESCRIPTORS|ARGS...]",
                                 "Display the running processes of a container",
                                 opts,
                                 true,
                                 0,
                                 -1 };
  char **args, id[65];
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (list)
    {
      container_top_descriptors (stdout);
      return 0;
    }
  if (nargs == 0 && !latest)
    return nook_error (err, 0, "you must provide the name or id of a running container");
  if (cli_container_arg (ctx, latest, args[0], id, err) < 0)
    return -1;
  return container_top (&ctx->store, id, latest ? args : args + 1, stdout, err);
}
