/* nook push: an image of the store to a registry.  */
#include "cli.h"
#include "registry/registry.h"

#include <string.h>

int
cmd_push (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct registry_push_opts o = { 0 };
  bool quiet = false, tls = true, compress = false, remove_sigs = false, trust = false;
  const struct opt opts[] = {
    { "authfile", 0, OPT_STRING, &o.r.authfile, "PATH", "Path of the authentication file" },
    { "cert-dir", 0, OPT_STRING, &o.r.cert_dir, "PATH",
      "Path to a directory containing TLS certificates and keys" },
    { "compress", 0, OPT_BOOL, &compress, NULL,
      "Compress tarball image layers when pushing to a directory using the 'dir' transport" },
    { "compression-format", 0, OPT_STRING, &o.compression, "FORMAT",
      "compression format to use (gzip, zstd)" },
    { "creds", 0, OPT_STRING, &o.r.creds, "USERNAME[:PASSWORD]",
      "Use USERNAME[:PASSWORD] for accessing the registry" },
    { "digestfile", 0, OPT_STRING, &o.digestfile, "PATH",
      "Write the digest of the pushed image to the specified file" },
    { "disable-content-trust", 0, OPT_BOOL, &trust, NULL,
      "This is a Docker specific option and is a NOOP" },
    { "format", 'f', OPT_STRING, &o.format, "FORMAT",
      "Manifest type (oci, v2s2) to use in the destination" },
    { "quiet", 'q', OPT_BOOL, &quiet, NULL, "Suppress output information when pushing images" },
    { "remove-signatures", 0, OPT_BOOL, &remove_sigs, NULL,
      "Discard any pre-existing signatures in the image" },
    { "tls-verify", 0, OPT_BOOL, &tls, NULL,
      "Require HTTPS and verify certificates when contacting registries" },
    { 0 },
  };
  const struct cmd_spec spec = { "push",
                                 "[options] IMAGE [DESTINATION]",
                                 "Push an image to a specified destination",
                                 opts,
                                 false,
                                 1,
                                 2 };
  char **args;
  bool tls_given;
  int nargs, r;

  tls_given = cli_flag_given (argc, argv, "tls-verify");
  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  o.r.tls_verify = tls_given ? tls : -1;
  o.r.progress = quiet ? NULL : stderr;
  if (registry_push (&ctx->store, args[0], nargs > 1 ? args[1] : NULL, &o, err) < 0)
    return -1;
  return cli_flush (err);
}
