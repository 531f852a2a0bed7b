/* nook load: store the images of an oci-archive.  */
#include "cli.h"

#include <string.h>
#include <sys/stat.h>

struct load_flags
{
  const char *input;
  bool quiet;
};

/* An archive (oci or docker), or an OCI layout directory: DIR or
   oci:DIR[:TAG].  */
static int
open_source (const char *input, int workdir, struct image_source *src, nook_error_t *err)
{
  _cleanup_free_ char *dir = NULL;
  const char *tag = NULL;
  struct stat st;

  if (str_has_prefix (input, "oci:"))
    {
      char *colon;
      dir = xstrdup (input + 4);
      colon = strchr (dir, ':');
      if (colon)
        {
          *colon = '\0';
          tag = colon + 1;
        }
      return image_source_oci_dir (dir, tag, workdir, src, err);
    }
  if (strcmp (input, "-") != 0 && stat (input, &st) == 0 && S_ISDIR (st.st_mode))
    return image_source_oci_dir (input, NULL, workdir, src, err);
  return image_source_archive (input, workdir, src, err);
}

int
cmd_load (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct load_flags f = { 0 };
  const struct opt opts[] = {
    { "input", 'i', OPT_STRING, &f.input, "PATH",
      "Read from specified archive file (default: stdin)" },
    { "quiet", 'q', OPT_BOOL, &f.quiet, NULL, "Suppress the output" },
    { 0 },
  };
  const struct cmd_spec spec
      = { "load", "[options]", "Load image(s) from a tar archive", opts, false, 0, 0 };
  struct apply_opts aopts = cli_apply_opts (ctx);
  struct storage_tmp work;
  struct image_source src;
  _cleanup_strv_ char **loaded = NULL;
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (f.input == NULL)
    {
      if (isatty (STDIN_FILENO))
        return nook_error (err, 0,
                           "cannot read from terminal, use command-line redirection or "
                           "the --input flag");
      f.input = "-";
    }
  storage_tmp_sweep (&ctx->store);
  if (storage_tmp_create (&ctx->store, "load", &work, err) < 0)
    return -1;
  r = open_source (f.input, work.fd, &src, err);
  if (r == 0)
    {
      r = storage_import (&ctx->store, &src, &aopts, &loaded, err);
      if (r < 0 && strcmp (f.input, "-") != 0)
        nook_error_prefix (err, "`%s`", f.input);
      image_source_free (&src);
    }
  storage_tmp_discard (&ctx->store, &work);
  if (r < 0)
    return -1;
  for (size_t i = 0; loaded[i]; i++)
    printf ("Loaded image: %s\n", loaded[i]);
  return 0;
}
