/* nook images: list stored images, one row per name.  */
#include "cli.h"

#include <string.h>

struct images_flags
{
  bool all, quiet, no_trunc, digests;
};

struct row
{
  const struct storage_image *img;
  char *repo, *tag;
  int64_t created;
  size_t name; /* index among the image's names */
};

/* Newest first; an image's names together, in the order they were given.  */
static int
row_cmp (const void *pa, const void *pb)
{
  const struct row *a = pa, *b = pb;
  const char *fa = a->img->names && a->img->names[0] ? a->img->names[0] : a->img->id;
  const char *fb = b->img->names && b->img->names[0] ? b->img->names[0] : b->img->id;
  int c;

  if (a->created != b->created)
    return a->created < b->created ? 1 : -1;
  if (a->img != b->img && (c = strcmp (fa, fb)) != 0)
    return c;
  return a->name < b->name ? -1 : a->name > b->name;
}

/* Split "repo:tag" at the tag's colon (a registry port has one too).  */
static void
split_name (const char *name, char **repo, char **tag)
{
  const char *slash = strrchr (name, '/');
  const char *colon = strrchr (slash ? slash : name, ':');
  const char *at = strchr (name, '@');

  if (at)
    {
      *repo = xstrndup (name, (size_t)(at - name));
      *tag = xstrdup ("<none>");
      return;
    }
  *repo = colon ? xstrndup (name, (size_t)(colon - name)) : xstrdup (name);
  *tag = xstrdup (colon ? colon + 1 : "<none>");
}

static struct row *
make_rows (const struct storage_image *imgs, size_t n, size_t *nrows)
{
  struct row *rows = NULL;
  size_t k = 0;

  for (size_t i = 0; i < n; i++)
    {
      size_t names = strv_len (imgs[i].names);
      int64_t created = 0;
      if (imgs[i].created)
        nook_time_parse (imgs[i].created, &created);
      for (size_t j = 0; j < (names ? names : 1); j++)
        {
          rows = xrealloc (rows, sizeof (*rows) * (k + 1));
          rows[k].img = &imgs[i];
          rows[k].created = created;
          rows[k].name = j;
          if (names)
            split_name (imgs[i].names[j], &rows[k].repo, &rows[k].tag);
          else
            {
              rows[k].repo = xstrdup ("<none>");
              rows[k].tag = xstrdup ("<none>");
            }
          k++;
        }
    }
  if (k)
    qsort (rows, k, sizeof (*rows), row_cmp);
  *nrows = k;
  return rows;
}

static void
print_rows (const struct images_flags *f, struct row *rows, size_t n)
{
  struct table t;
  int64_t now = nook_now_ns ();

  table_init (&t, f->digests ? 6 : 5);
  if (f->digests)
    table_row (&t, "REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE");
  else
    table_row (&t, "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *id
          = f->no_trunc ? xasprintf ("sha256:%s", rows[i].img->id) : xstrndup (rows[i].img->id, 12);
      _cleanup_free_ char *ago = nook_human_duration ((now - rows[i].created) / 1000000000LL);
      _cleanup_free_ char *created = xasprintf ("%s ago", ago);
      _cleanup_free_ char *size = nook_human_size ((double)rows[i].img->size);
      if (f->digests)
        table_row (&t, rows[i].repo, rows[i].tag, rows[i].img->digest, id, created, size);
      else
        table_row (&t, rows[i].repo, rows[i].tag, id, created, size);
    }
  table_print (&t, stdout);
  table_free (&t);
}

/* Keep the rows of the image NAME refers to.  */
static int
filter_rows (struct nook_ctx *ctx, const char *name, struct row *rows, size_t *nrows,
             nook_error_t *err)
{
  struct storage_image img;
  size_t k = 0;

  if (storage_image_lookup (&ctx->store, name, &img, err) < 0)
    {
      if ((*err)->errnum != ENOENT)
        return -1;
      nook_error_free (err);
      img.id[0] = '\0';
      img.names = NULL;
    }
  for (size_t i = 0; i < *nrows; i++)
    {
      if (strcmp (rows[i].img->id, img.id) == 0)
        rows[k++] = rows[i];
      else
        {
          free (rows[i].repo);
          free (rows[i].tag);
        }
    }
  *nrows = k;
  if (img.id[0])
    storage_image_free (&img);
  return 0;
}

int
cmd_images (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct images_flags f = { 0 };
  const struct opt opts[] = {
    { "all", 'a', OPT_BOOL, &f.all, NULL, "Show all images (default hides intermediate images)" },
    { "digests", 0, OPT_BOOL, &f.digests, NULL, "Show digests" },
    { "no-trunc", 0, OPT_BOOL, &f.no_trunc, NULL, "Do not truncate output" },
    { "quiet", 'q', OPT_BOOL, &f.quiet, NULL, "Display only image IDs" },
    { 0 },
  };
  const struct cmd_spec spec
      = { "images", "[options] [IMAGE]", "List images in local storage", opts, false, 0, 1 };
  struct storage_image *imgs = NULL;
  struct row *rows;
  size_t n = 0, nrows = 0;
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (storage_image_list (&ctx->store, &imgs, &n, err) < 0)
    return -1;
  rows = make_rows (imgs, n, &nrows);
  if (nargs == 1 && filter_rows (ctx, args[0], rows, &nrows, err) < 0)
    {
      storage_image_list_free (imgs, n);
      return -1;
    }
  if (f.quiet)
    {
      /* One line per image, not per name.  */
      for (size_t i = 0; i < nrows; i++)
        {
          bool seen = false;
          for (size_t j = 0; j < i && !seen; j++)
            seen = rows[j].img == rows[i].img;
          if (!seen)
            printf (f.no_trunc ? "sha256:%s\n" : "%.12s\n", rows[i].img->id);
        }
    }
  else
    print_rows (&f, rows, nrows);
  for (size_t i = 0; i < nrows; i++)
    {
      free (rows[i].repo);
      free (rows[i].tag);
    }
  free (rows);
  storage_image_list_free (imgs, n);
  return 0;
}
