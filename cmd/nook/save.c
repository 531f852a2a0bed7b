/* nook save: images to a docker-archive, an oci-archive or an OCI layout
   directory.  */
#include "cli.h"

#include <string.h>

struct save_flags
{
  const char *output;
  const char *format;
  bool quiet, multi, compress, uncompressed;
};

/* One image of the archive and the names it goes with.  */
struct save_image
{
  struct storage_image img;
  char **names;
};

static void
save_images_free (struct save_image *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      storage_image_free (&s[i].img);
      strv_free (s[i].names);
    }
  free (s);
}

/* As Podman: each argument is looked up, and the name it resolved to
   (none when given by ID) goes with its image; an image named twice is
   saved once with both names.  */
static int
resolve (struct storage *st, char **args, int nargs, struct save_image **out, size_t *count,
         nook_error_t *err)
{
  struct save_image *s = xzalloc (sizeof (*s) * (size_t)(nargs + 1));
  size_t n = 0;

  for (int i = 0; i < nargs; i++)
    {
      struct storage_image img;
      bool taken = false;
      size_t k;

      if (storage_image_lookup (st, args[i], &img, err) < 0)
        {
          save_images_free (s, n);
          return -1;
        }
      for (k = 0; k < n && strcmp (s[k].img.id, img.id) != 0; k++)
        ;
      if (k == n)
        {
          s[n].img = img;
          s[n++].names = xzalloc (sizeof (char *));
          taken = true;
        }
      if (img.matched && !strv_contains (s[k].names, img.matched))
        strv_push (&s[k].names, xstrdup (img.matched));
      if (!taken)
        storage_image_free (&img);
    }
  *out = s;
  *count = n;
  return 0;
}

/* Without -m, Podman takes the arguments after the first as more tags
   for the first image (docker-archive only): short names get
   localhost/, and they come before the image's own name.  */
static int
extra_tags (struct save_image *s, char **tags, int ntags, nook_error_t *err)
{
  char **names = xzalloc (sizeof (char *));

  for (int i = 0; i < ntags; i++)
    {
      char *name;
      if (image_ref_local_name (tags[i], &name, err) < 0)
        {
          strv_free (names);
          return -1;
        }
      if (strv_contains (names, name))
        free (name);
      else
        strv_push (&names, name);
    }
  for (size_t i = 0; s->names[i]; i++)
    if (!strv_contains (names, s->names[i]))
      strv_push (&names, xstrdup (s->names[i]));
  strv_free (s->names);
  s->names = names;
  return 0;
}

static int
write_items (struct nook_ctx *ctx, const struct save_flags *f, enum image_format format,
             struct image_save_item *items, size_t n, nook_error_t *err)
{
  struct image_output out;

  if (format == IMAGE_FORMAT_OCI_DIR)
    return image_save_oci_dir (items, n, ctx->store.blobsfd, f->output, err);
  if (image_output_open (&out, f->output, format == IMAGE_FORMAT_DOCKER_ARCHIVE, err) < 0)
    return -1;
  if (image_save_archive (format, items, n, ctx->store.blobsfd, out.fd, err) < 0
      || image_output_commit (&out, err) < 0)
    {
      image_output_discard (&out);
      return -1;
    }
  return 0;
}

static int
check_flags (const struct save_flags *f, enum image_format *format, nook_error_t *err)
{
  if (strcmp (f->format, "docker-dir") == 0)
    return nook_error (err, 0,
                       "format \"docker-dir\" is not supported by nook: use oci-dir, oci-archive "
                       "or docker-archive");
  if (!image_format_parse (f->format, format))
    return nook_error (err, 0, "format value must be one of oci-dir oci-archive docker-archive");
  if (f->compress)
    return nook_error (err, 0, "--compress can only be set when --format is 'docker-dir'");
  if (f->output == NULL && *format == IMAGE_FORMAT_OCI_DIR)
    return nook_error (err, 0, "--format oci-dir writes a directory: name it with -o DIR");
  if (f->output == NULL && isatty (STDOUT_FILENO))
    return nook_error (err, 0, "refusing to save to terminal. Use -o flag or redirect");
  if (f->output && f->output[0] == '\0')
    return nook_error (err, 0, "--output must name a file");
  return 0;
}

int
cmd_save (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct save_flags f = { .format = "docker-archive" };
  const struct opt opts[] = {
    { "compress", 0, OPT_BOOL, &f.compress, NULL,
      "Compress tarball image layers when saving to a directory (docker-dir only)" },
    { "format", 0, OPT_STRING, &f.format, "FORMAT",
      "Save image to oci-archive, oci-dir or docker-archive (default \"docker-archive\")" },
    { "multi-image-archive", 'm', OPT_BOOL, &f.multi, NULL,
      "Interpret additional arguments as images not tags" },
    { "output", 'o', OPT_STRING, &f.output, "PATH",
      "Write to a specified file (default: stdout, which must be redirected)" },
    { "quiet", 'q', OPT_BOOL, &f.quiet, NULL, "Suppress the output" },
    { "uncompressed", 0, OPT_BOOL, &f.uncompressed, NULL,
      "Accept uncompressed layers when copying OCI images (layers are always saved as stored)" },
    { 0 },
  };
  const struct cmd_spec spec
      = { "save", "[options] IMAGE [IMAGE...]", "Save image(s) to an archive", opts, false, 1, -1 };
  struct save_image *imgs = NULL;
  struct image_save_item *items = NULL;
  enum image_format format;
  size_t n = 0;
  char **args;
  int nargs, r;
  bool tags;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (check_flags (&f, &format, err) < 0)
    return -1;
  /* OCI layouts have no such extra tags: there every argument is an
     image, with or without -m.  */
  tags = !f.multi && format == IMAGE_FORMAT_DOCKER_ARCHIVE && nargs > 1;
  if (resolve (&ctx->store, args, tags ? 1 : nargs, &imgs, &n, err) < 0)
    return -1;
  r = tags ? extra_tags (&imgs[0], args + 1, nargs - 1, err) : 0;
  items = xzalloc (sizeof (*items) * (n + 1));
  for (size_t i = 0; r == 0 && i < n; i++)
    {
      r = storage_image_save_item (&ctx->store, &imgs[i].img, &items[i], err);
      if (r == 0)
        {
          strv_free (items[i].names);
          items[i].names = steal_pointer (&imgs[i].names);
        }
    }
  if (r == 0)
    r = write_items (ctx, &f, format, items, n, err);
  for (size_t i = 0; i < n; i++)
    image_save_item_free (&items[i]);
  free (items);
  save_images_free (imgs, n);
  return r;
}
