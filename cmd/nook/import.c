/* nook import: a rootfs tarball becomes a one-layer image.  */
#include "cli.h"

#include <string.h>

int
cmd_import (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  _cleanup_strv_ char **changes = NULL;
  _cleanup_free_ char *name = NULL;
  struct image_import_opts o = { 0 };
  bool quiet = false;
  const struct opt opts[] = {
    { "arch", 0, OPT_STRING, &o.arch, "ARCH", "Set the architecture of the imported image" },
    { "change", 'c', OPT_STRINGS, &changes, "INSTRUCTION",
      "Apply the following possible instructions to the created image: CMD | ENTRYPOINT | ENV | "
      "EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR" },
    { "message", 'm', OPT_STRING, &o.message, "MESSAGE", "Set commit message for imported image" },
    { "os", 0, OPT_STRING, &o.os, "OS", "Set the OS of the imported image" },
    { "quiet", 'q', OPT_BOOL, &quiet, NULL, "Suppress output" },
    { "variant", 0, OPT_STRING, &o.variant, "VARIANT", "Set the variant of the imported image" },
    { 0 },
  };
  const struct cmd_spec spec = { "import",
                                 "[options] PATH [REFERENCE]",
                                 "Import a tarball to create a filesystem image",
                                 opts,
                                 false,
                                 1,
                                 2 };
  struct apply_opts aopts = cli_apply_opts (ctx);
  struct storage_tmp work;
  struct image_source src;
  _cleanup_strv_ char **loaded = NULL;
  char id[65];
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  /* Everything that can be checked is, before the tarball is read.  */
  if (nargs == 2 && image_ref_local_name (args[1], &name, err) < 0)
    return -1;
  if (image_import_check_changes (changes, err) < 0)
    return -1;
  if (strcmp (args[0], "-") == 0 && isatty (STDIN_FILENO))
    return nook_error (err, 0, "cannot read from terminal, use command-line redirection");
  o.changes = changes;
  o.name = name;
  storage_tmp_sweep (&ctx->store);
  if (storage_tmp_create (&ctx->store, "import", &work, err) < 0)
    return -1;
  r = image_source_tarball (args[0], &o, work.fd, &src, id, err);
  if (r == 0)
    r = storage_import (&ctx->store, &src, &aopts, &loaded, err);
  image_source_free (&src);
  storage_tmp_discard (&ctx->store, &work);
  if (r < 0)
    return -1;
  printf ("sha256:%s\n", id);
  return 0;
}
