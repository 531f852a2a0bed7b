/* nook pull: images from a registry into the store.  */
#include "cli.h"
#include "registry/registry.h"

#include <string.h>

bool
cli_flag_given (int argc, char **argv, const char *name)
{
  size_t len = strlen (name);

  for (int i = 1; i < argc && argv[i] && strcmp (argv[i], "--") != 0; i++)
    if (strncmp (argv[i], "--", 2) == 0 && strncmp (argv[i] + 2, name, len) == 0
        && (argv[i][2 + len] == '\0' || argv[i][2 + len] == '='))
      return true;
  return false;
}

/* --platform OS/ARCH[/VARIANT] into P (the strings stay in S).  */
int
cli_platform (char *s, struct image_platform *p, nook_error_t *err)
{
  char *arch = strchr (s, '/'), *variant;

  if (arch == NULL || arch == s || arch[1] == '\0')
    return nook_error (
        err, 0, "invalid platform syntax for --platform=\"%s\": expected OS/ARCH[/VARIANT]", s);
  *arch++ = '\0';
  variant = strchr (arch, '/');
  if (variant)
    *variant++ = '\0';
  p->os = s;
  p->arch = arch;
  p->variant = variant && *variant ? variant : NULL;
  return 0;
}

int
cmd_pull (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct registry_pull_opts o = { 0 };
  bool quiet = false, all_tags = false, tls = true, trust = false;
  const char *platform = NULL, *os = NULL, *arch = NULL, *variant = NULL;
  _cleanup_free_ char *plat = NULL;
  const struct opt opts[] = {
    { "all-tags", 'a', OPT_BOOL, &all_tags, NULL,
      "All tagged images in the repository will be pulled" },
    { "arch", 0, OPT_STRING, &arch, "ARCH",
      "Use ARCH instead of the architecture of the machine for choosing images" },
    { "authfile", 0, OPT_STRING, &o.r.authfile, "PATH", "Path of the authentication file" },
    { "cert-dir", 0, OPT_STRING, &o.r.cert_dir, "PATH",
      "Use certificates at the specified path to access the registry" },
    { "creds", 0, OPT_STRING, &o.r.creds, "USERNAME[:PASSWORD]",
      "Use USERNAME[:PASSWORD] for accessing the registry" },
    { "digestfile", 0, OPT_STRING, &o.digestfile, "PATH",
      "Write the digest of the pulled image to the specified file" },
    { "disable-content-trust", 0, OPT_BOOL, &trust, NULL,
      "This is a Docker specific option and is a NOOP" },
    { "os", 0, OPT_STRING, &os, "OS", "Use OS instead of the running OS for choosing images" },
    { "platform", 0, OPT_STRING, &platform, "OS/ARCH[/VARIANT]",
      "Specify the platform for selecting the image" },
    { "quiet", 'q', OPT_BOOL, &quiet, NULL, "Suppress output information when pulling images" },
    { "tls-verify", 0, OPT_BOOL, &tls, NULL,
      "Require HTTPS and verify certificates when contacting registries" },
    { "variant", 0, OPT_STRING, &variant, "VARIANT",
      "Use VARIANT instead of the running architecture variant for choosing images" },
    { 0 },
  };
  const struct cmd_spec spec = {
    "pull", "[options] IMAGE [IMAGE...]", "Pull an image from a registry", opts, false, 1, -1
  };
  struct apply_opts aopts = cli_apply_opts (ctx);
  char **args;
  bool tls_given;
  int nargs, r;

  tls_given = cli_flag_given (argc, argv, "tls-verify");
  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  o.r.tls_verify = tls_given ? tls : -1;
  o.r.progress = quiet ? NULL : stderr;
  if (platform)
    {
      if (os || arch || variant)
        return nook_error (err, 0,
                           "--platform option can not be specified with --arch, --os or --variant");
      plat = xstrdup (platform);
      if (cli_platform (plat, &o.platform, err) < 0)
        return -1;
    }
  else
    {
      image_host_platform (&o.platform);
      if (os || arch || variant)
        {
          o.platform.os = os ? os : o.platform.os;
          o.platform.arch = arch ? arch : o.platform.arch;
          o.platform.variant = variant;
        }
      else
        memset (&o.platform, 0, sizeof (o.platform));
    }
  for (int i = 0; i < nargs; i++)
    {
      char id[65];
      if (all_tags)
        {
          if (registry_pull_all_tags (&ctx->store, args[i], &o, &aopts, err) < 0)
            return -1;
          continue;
        }
      if (registry_pull (&ctx->store, args[i], &o, &aopts, id, err) < 0)
        return -1;
      printf ("%s\n", id);
    }
  return cli_flush (err);
}
