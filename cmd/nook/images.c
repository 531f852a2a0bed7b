/* nook images: list stored images, one row per name, through --format
   and --filter as Podman.  */
#include "cli.h"

#include "container/container.h"

#include <fnmatch.h>
#include <string.h>

#define DEFAULT_ROW "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}\n"
#define DIGESTS_ROW "{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.Created}}\t{{.Size}}\n"

struct images_flags
{
  bool all, quiet, no_trunc, digests;
  const char *format;
  char **filters;
};

/* What is known of an image beyond its record.  */
struct image_info
{
  const struct storage_image *img;
  int64_t created;
  char **labels;  /* "key=value", read when needed */
  int containers; /* counted when needed */
};

struct image_filter
{
  int dangling, containers; /* -1: either */
  char **references;        /* any of them */
  char **labels;            /* all of them */
  char **ids, **digests;
  const char *arg; /* images IMAGE: a reference, */
  char arg_id[65]; /* or the image it resolves to */
  bool has_before, has_since;
  int64_t before, since;
};

struct row
{
  const struct image_info *info;
  char *repo, *tag;
  size_t name; /* index among the image's names */
};

/* ---- filters ---- */

/* Go's strconv.ParseBool.  */
static int
parse_bool (const char *key, const char *v, int *out, nook_error_t *err)
{
  static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True", NULL };
  static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False", NULL };

  if (strv_contains ((char *const *)yes, v))
    *out = 1;
  else if (strv_contains ((char *const *)no, v))
    *out = 0;
  else
    return nook_error (err, 0, "invalid value \"%s\" for the %s filter: not a boolean", v, key);
  return 0;
}

/* The creation time of the image REF names, for before= and since=.  */
static int
image_time (struct nook_ctx *ctx, const char *ref, int64_t *out, nook_error_t *err)
{
  struct storage_image img;

  if (storage_image_lookup (&ctx->store, ref, &img, err) < 0)
    return -1;
  *out = 0;
  if (img.created)
    nook_time_parse (img.created, out);
  storage_image_free (&img);
  return 0;
}

static int
filter_add (struct nook_ctx *ctx, struct image_filter *f, const char *spec, nook_error_t *err)
{
  const char *eq = strchr (spec, '=');
  _cleanup_free_ char *key = eq ? xstrndup (spec, (size_t)(eq - spec)) : NULL;
  const char *v = eq ? eq + 1 : NULL;

  if (key == NULL)
    return nook_error (err, 0,
                       "invalid image filter \"%s\": must be in the format \"filter=value\"", spec);
  if (strcmp (key, "dangling") == 0)
    return parse_bool (key, v, &f->dangling, err);
  if (strcmp (key, "containers") == 0)
    return parse_bool (key, v, &f->containers, err);
  if (strcmp (key, "reference") == 0)
    strv_push (&f->references, xstrdup (v));
  else if (strcmp (key, "label") == 0)
    strv_push (&f->labels, xstrdup (v));
  else if (strcmp (key, "id") == 0)
    strv_push (&f->ids, xstrdup (str_has_prefix (v, "sha256:") ? v + 7 : v));
  else if (strcmp (key, "digest") == 0)
    strv_push (&f->digests, xstrdup (v));
  else if (strcmp (key, "before") == 0)
    {
      f->has_before = true;
      return image_time (ctx, v, &f->before, err);
    }
  else if (strcmp (key, "since") == 0 || strcmp (key, "after") == 0)
    {
      f->has_since = true;
      return image_time (ctx, v, &f->since, err);
    }
  else
    return nook_error (err, 0, "unsupported image filter \"%s\"", key);
  return 0;
}

static void
filter_free (struct image_filter *f)
{
  strv_free (f->references);
  strv_free (f->labels);
  strv_free (f->ids);
  strv_free (f->digests);
}

/* NAME without its tag, and without the localhost/ or docker.io/library/
   Podman leaves out of short names.  */
static bool
reference_matches (const char *pattern, const char *name)
{
  static const char *const short_prefixes[] = { "localhost/", "docker.io/library/", "docker.io/" };
  _cleanup_free_ char *repo = NULL;
  const char *slash = strrchr (name, '/');
  const char *colon = strrchr (slash ? slash : name, ':');
  const char *forms[2];

  repo = colon ? xstrndup (name, (size_t)(colon - name)) : xstrdup (name);
  forms[0] = name;
  forms[1] = repo;
  for (size_t i = 0; i < 2; i++)
    {
      if (fnmatch (pattern, forms[i], FNM_PATHNAME) == 0)
        return true;
      for (size_t p = 0; p < NOOK_ARRAY_SIZE (short_prefixes); p++)
        if (str_has_prefix (forms[i], short_prefixes[p])
            && fnmatch (pattern, forms[i] + strlen (short_prefixes[p]), FNM_PATHNAME) == 0)
          return true;
    }
  return false;
}

static bool
any_reference_of (const char *pattern, const struct storage_image *img)
{
  for (size_t j = 0; img->names && img->names[j]; j++)
    if (reference_matches (pattern, img->names[j]))
      return true;
  return false;
}

static bool
any_reference (const struct image_filter *f, const struct storage_image *img)
{
  for (size_t i = 0; f->references[i]; i++)
    if (any_reference_of (f->references[i], img))
      return true;
  return false;
}

static bool
any_prefix (char *const *prefixes, const char *s)
{
  for (size_t i = 0; prefixes[i]; i++)
    if (str_has_prefix (s, prefixes[i]))
      return true;
  return false;
}

static bool
filter_keeps (const struct image_filter *f, const struct image_info *info)
{
  const struct storage_image *img = info->img;
  bool dangling = img->names == NULL || img->names[0] == NULL;

  return (f->arg == NULL || strcmp (img->id, f->arg_id) == 0 || any_reference_of (f->arg, img))
         && (f->dangling < 0 || f->dangling == dangling)
         && (f->containers < 0 || f->containers == (info->containers > 0))
         && (f->references == NULL || any_reference (f, img))
         && cli_labels_match (f->labels, info->labels)
         && (f->ids == NULL || any_prefix (f->ids, img->id))
         && (f->digests == NULL || strv_contains (f->digests, img->digest))
         && (!f->has_before || info->created < f->before)
         && (!f->has_since || info->created > f->since);
}

/* ---- what is known of each image ---- */

static int
count_containers (struct nook_ctx *ctx, struct image_info *infos, size_t n, nook_error_t *err)
{
  struct container *cs = NULL;
  size_t nc = 0;

  if (container_list (&ctx->store, &cs, &nc, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    for (size_t c = 0; c < nc; c++)
      infos[i].containers += strcmp (cs[c].cfg.image_id, infos[i].img->id) == 0;
  container_list_free (cs, nc);
  return 0;
}

static int
read_labels (struct nook_ctx *ctx, struct image_info *info, nook_error_t *err)
{
  struct image_config cfg;

  if (storage_image_read_config (&ctx->store, info->img->id, &cfg, err) < 0)
    return -1;
  info->labels = steal_pointer (&cfg.labels);
  image_config_free (&cfg);
  return 0;
}

static struct image_info *
image_infos (const struct storage_image *imgs, size_t n)
{
  struct image_info *infos = xzalloc (sizeof (*infos) * (n ? n : 1));

  for (size_t i = 0; i < n; i++)
    {
      infos[i].img = &imgs[i];
      if (imgs[i].created)
        nook_time_parse (imgs[i].created, &infos[i].created);
    }
  return infos;
}

static void
image_infos_free (struct image_info *infos, size_t n)
{
  for (size_t i = 0; i < n; i++)
    strv_free (infos[i].labels);
  free (infos);
}

/* ---- rows ---- */

/* Newest first; an image's names together, in the order they were given.  */
static int
row_cmp (const void *pa, const void *pb)
{
  const struct row *a = pa, *b = pb;
  const struct storage_image *ia = a->info->img, *ib = b->info->img;
  const char *fa = ia->names && ia->names[0] ? ia->names[0] : ia->id;
  const char *fb = ib->names && ib->names[0] ? ib->names[0] : ib->id;
  int c;

  if (a->info->created != b->info->created)
    return a->info->created < b->info->created ? 1 : -1;
  if (ia != ib && (c = strcmp (fa, fb)) != 0)
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
make_rows (struct image_info *infos, size_t n, size_t *nrows)
{
  struct row *rows = NULL;
  size_t k = 0;

  for (size_t i = 0; i < n; i++)
    {
      char **names = infos[i].img->names;
      size_t count = strv_len (names);
      for (size_t j = 0; j < (count ? count : 1); j++)
        {
          rows = xrealloc (rows, sizeof (*rows) * (k + 1));
          rows[k].info = &infos[i];
          rows[k].name = j;
          if (count)
            split_name (names[j], &rows[k].repo, &rows[k].tag);
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
rows_free (struct row *rows, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (rows[i].repo);
      free (rows[i].tag);
    }
  free (rows);
}

/* ---- output ---- */

static void
gen_labels (struct json_gen *g, char *const *labels, bool null_when_empty)
{
  if (labels == NULL || labels[0] == NULL)
    {
      if (null_when_empty)
        json_gen_null (g);
      else
        {
          json_gen_object_open (g);
          json_gen_object_close (g);
        }
      return;
    }
  json_gen_object_open (g);
  for (size_t i = 0; labels[i]; i++)
    {
      size_t klen = strcspn (labels[i], "=");
      _cleanup_free_ char *k = xstrndup (labels[i], klen);
      json_gen_kv_string (g, k, labels[i][klen] ? labels[i] + klen + 1 : "");
    }
  json_gen_object_close (g);
}

static void
gen_repo_digests (struct json_gen *g, const struct storage_image *img)
{
  json_gen_array_open (g);
  for (size_t i = 0; img->names && img->names[i]; i++)
    {
      _cleanup_free_ char *repo = NULL, *tag = NULL, *s = NULL;
      split_name (img->names[i], &repo, &tag);
      s = xasprintf ("%s@%s", repo, img->digest);
      json_gen_string (g, s);
    }
  json_gen_array_close (g);
}

/* The fields Podman's templates see, for one row.  */
static void
gen_row (struct json_gen *g, const struct images_flags *f, const struct row *r, int64_t now)
{
  const struct storage_image *img = r->info->img;
  _cleanup_free_ char *id = f->no_trunc ? xasprintf ("sha256:%s", img->id) : xstrndup (img->id, 12);
  _cleanup_free_ char *ago = cli_time_ago (r->info->created, now);
  _cleanup_free_ char *at = cli_time_go (r->info->created);
  _cleanup_free_ char *size = nook_human_size ((double)img->size);
  _cleanup_free_ char *history = strv_join (img->names, ", ");

  json_gen_object_open (g);
  json_gen_kv_string (g, "ID", id);
  json_gen_kv_string (g, "Id", img->id);
  json_gen_kv_string (g, "ParentId", "");
  json_gen_kv_strv (g, "RepoTags", img->names ? img->names : (char *[]){ NULL });
  json_gen_key (g, "RepoDigests");
  gen_repo_digests (g, img);
  json_gen_kv_string (g, "Size", size);
  json_gen_kv_string (g, "Created", ago);
  json_gen_kv_string (g, "CreatedAt", at);
  json_gen_kv_string (g, "CreatedSince", ago);
  json_gen_kv_string (g, "CreatedTime", at);
  json_gen_kv_string (g, "Repository", r->repo);
  json_gen_kv_string (g, "Tag", r->tag);
  json_gen_kv_string (g, "Digest", img->digest);
  json_gen_key (g, "Labels");
  gen_labels (g, r->info->labels, false);
  json_gen_kv_int (g, "Containers", r->info->containers);
  json_gen_kv_strv (g, "Names", img->names ? img->names : (char *[]){ NULL });
  json_gen_kv_bool (g, "ReadOnly", false);
  json_gen_kv_int (g, "SharedSize", 0);
  json_gen_kv_int (g, "VirtualSize", img->size);
  json_gen_kv_bool (g, "Dangling", img->names == NULL || img->names[0] == NULL);
  json_gen_kv_string (g, "History", history);
  json_gen_kv_bool (g, "IsReadOnly", false);
  json_gen_object_close (g);
}

/* `--format json`: one object per image, as Podman's.  */
static void
gen_image_json (struct json_gen *g, const struct image_info *info)
{
  const struct storage_image *img = info->img;
  _cleanup_free_ char *at = nook_time_format (info->created);

  json_gen_object_open (g);
  json_gen_kv_string (g, "Id", img->id);
  json_gen_kv_string (g, "ParentId", "");
  json_gen_key (g, "RepoTags");
  json_gen_null (g);
  json_gen_key (g, "RepoDigests");
  gen_repo_digests (g, img);
  json_gen_kv_int (g, "Size", img->size);
  json_gen_kv_int (g, "SharedSize", 0);
  json_gen_kv_int (g, "VirtualSize", img->size);
  json_gen_key (g, "Labels");
  gen_labels (g, info->labels, true);
  json_gen_kv_int (g, "Containers", info->containers);
  json_gen_kv_strv (g, "Names", img->names ? img->names : (char *[]){ NULL });
  json_gen_kv_string (g, "Digest", img->digest);
  json_gen_kv_strv (g, "History", img->names ? img->names : (char *[]){ NULL });
  json_gen_kv_int (g, "Created", info->created / 1000000000LL);
  json_gen_kv_string (g, "CreatedAt", at);
  json_gen_object_close (g);
}

static const char *
header_of (const char *field, void *data)
{
  (void)data;
  return strcmp (field, ".ID") == 0 ? "IMAGE ID" : NULL;
}

static int
print_list (const struct images_flags *f, struct row *rows, size_t nrows, nook_error_t *err)
{
  const struct cli_list l = { f->format, f->digests ? DIGESTS_ROW : DEFAULT_ROW, header_of };
  bool json = cli_list_json (&l);
  _cleanup_strv_ char **only = json ? NULL : cli_list_fields (&l);
  _cleanup_json_gen_ struct json_gen *g
      = json ? json_gen_new_indent ("    ") : json_gen_new_tree ();
  _cleanup_json_ nook_json *j = NULL;
  int64_t now = nook_now_ns ();

  /* The rows for a template (what it reads of them), or the document
     for --format json (an image once, whatever its names).  */
  if (!json)
    json_gen_tree_only (g, only);
  json_gen_array_open (g);
  for (size_t i = 0; i < nrows; i++)
    if (!json)
      gen_row (g, f, &rows[i], now);
    else if (rows[i].name == 0)
      gen_image_json (g, rows[i].info);
  json_gen_array_close (g);
  if (json)
    return cli_print_list (&l, NULL, json_gen_text (g, NULL), err);
  if ((j = json_gen_tree (g, err)) == NULL)
    return -1;
  return cli_print_list (&l, j, NULL, err);
}

static void
print_ids (const struct images_flags *f, const struct row *rows, size_t nrows)
{
  /* One line per image, not per name.  */
  for (size_t i = 0; i < nrows; i++)
    if (rows[i].name == 0)
      printf (f->no_trunc ? "sha256:%s\n" : "%.12s\n", rows[i].info->img->id);
}

/* ---- the command ---- */

/* Fill what the filters and the output need, and drop the images the
   filters (and an IMAGE argument, a reference) leave out.  */
static int
select_images (struct nook_ctx *ctx, const struct images_flags *f, const char *arg,
               struct image_info *infos, size_t *n, nook_error_t *err)
{
  struct image_filter flt = { .dangling = -1, .containers = -1 };
  const struct cli_list l = { f->format, f->digests ? DIGESTS_ROW : DEFAULT_ROW, header_of };
  bool quiet = f->quiet;
  size_t k = 0;
  int r = 0;

  if (arg)
    {
      struct storage_image img;
      flt.arg = arg;
      if (storage_image_lookup (&ctx->store, arg, &img, err) == 0)
        {
          memcpy (flt.arg_id, img.id, sizeof (flt.arg_id));
          storage_image_free (&img);
        }
      else if ((*err)->errnum == ENOENT)
        nook_error_free (err);
      else
        return -1;
    }
  for (size_t i = 0; r == 0 && f->filters && f->filters[i]; i++)
    r = filter_add (ctx, &flt, f->filters[i], err);
  if (r == 0 && (flt.containers >= 0 || (!quiet && cli_list_uses (&l, "Containers"))))
    r = count_containers (ctx, infos, *n, err);
  for (size_t i = 0; r == 0 && i < *n; i++)
    {
      if ((flt.labels || (!quiet && cli_list_uses (&l, "Labels")))
          && (r = read_labels (ctx, &infos[i], err)) < 0)
        break;
      if (filter_keeps (&flt, &infos[i]))
        infos[k++] = infos[i];
      else
        strv_free (infos[i].labels);
    }
  if (r == 0)
    *n = k;
  filter_free (&flt);
  return r;
}

int
cmd_images (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct images_flags f = { 0 };
  const struct opt opts[] = {
    { "all", 'a', OPT_BOOL, &f.all, NULL, "Show all images (default hides intermediate images)" },
    { "digests", 0, OPT_BOOL, &f.digests, NULL, "Show digests" },
    { "filter", 'f', OPT_STRINGS, &f.filters, "FILTER",
      "Filter output based on conditions provided (default [])" },
    { "format", 0, OPT_STRING, &f.format, "FORMAT",
      "Change the output format to JSON or a Go template" },
    { "no-trunc", 0, OPT_BOOL, &f.no_trunc, NULL, "Do not truncate output" },
    { "quiet", 'q', OPT_BOOL, &f.quiet, NULL, "Display only image IDs" },
    { 0 },
  };
  const struct cmd_spec spec
      = { "images", "[options] [IMAGE]", "List images in local storage", opts, false, 0, 1 };
  _cleanup_strv_ char **filters = NULL;
  struct storage_image *imgs = NULL;
  struct image_info *infos;
  struct row *rows;
  size_t n = 0, ninfos, nrows = 0;
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  filters = f.filters;
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (storage_image_list (&ctx->store, &imgs, &n, err) < 0)
    return -1;
  infos = image_infos (imgs, n);
  ninfos = n;
  r = select_images (ctx, &f, nargs ? args[0] : NULL, infos, &ninfos, err);
  if (r == 0)
    {
      rows = make_rows (infos, ninfos, &nrows);
      if (f.quiet)
        print_ids (&f, rows, nrows);
      else
        r = print_list (&f, rows, nrows, err);
      rows_free (rows, nrows);
    }
  image_infos_free (infos, ninfos);
  storage_image_list_free (imgs, n);
  return r;
}
