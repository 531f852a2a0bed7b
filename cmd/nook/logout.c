/* nook logout: credentials removed from the auth file.  */
#include "cli.h"
#include "registry/registry.h"

int
cmd_logout (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  const char *authfile = NULL;
  bool all = false;
  const struct opt opts[] = {
    { "all", 'a', OPT_BOOL, &all, NULL,
      "Remove the cached credentials for all registries in the auth file" },
    { "authfile", 0, OPT_STRING, &authfile, "PATH", "path of the authentication file" },
    { 0 },
  };
  const struct cmd_spec spec
      = { "logout", "[options] REGISTRY", "Log out of a container registry", opts, false, 0, 1 };
  char **args;
  int nargs, r;

  (void)ctx;
  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (!all && nargs == 0)
    return nook_error (err, 0, "a registry name is required (or --all)");
  if (registry_logout (nargs ? args[0] : NULL, all, authfile, err) < 0)
    return -1;
  if (all)
    printf ("Removed login credentials for all registries\n");
  else
    printf ("Removed login credentials for %s\n", args[0]);
  return cli_flush (err);
}
