/* nook history: the layers of an image and the steps that made them.  */
#include "cli.h"

#include <string.h>

#define HISTORY_ROW "{{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}\n"

struct history_flags
{
  const char *format;
  bool human, no_trunc, quiet;
};

/* TIME (RFC 3339 from the config) as Go prints a parsed time.Time: with
   its own offset ("+00:00" is "Z"), nanoseconds trimmed of their zeros
   (NANO) or left out.  Anything else is printed as it is.  */
static char *
go_time (const char *s, bool nano)
{
  int64_t ns;
  const char *p, *zone;
  struct nook_buf b = { 0 };

  if (s == NULL || nook_time_parse (s, &ns) < 0 || strlen (s) < 20)
    return xstrdup (s ? s : "");
  nook_buf_append (&b, s, 19);
  p = s + 19;
  if (*p == '.')
    {
      const char *digits = ++p, *last = NULL;
      for (; *p >= '0' && *p <= '9'; p++)
        if (*p != '0' && p - digits < 9)
          last = p;
      if (nano && last)
        nook_buf_append (&b, digits - 1, (size_t)(last - digits + 2));
    }
  zone = p;
  if (*zone == 'z' || *zone == 'Z' || strcmp (zone, "+00:00") == 0 || strcmp (zone, "-00:00") == 0)
    nook_buf_putc (&b, 'Z');
  else
    nook_buf_puts (&b, zone);
  return nook_buf_steal (&b);
}

/* "2 years ago", or "" when the entry has no time.  */
static char *
since (const char *created, int64_t now)
{
  int64_t t;
  if (created == NULL || nook_time_parse (created, &t) < 0)
    return xstrdup ("");
  return cli_time_ago (t, now);
}

/* "2024-01-01 00:00:00 +0000 UTC", or "".  */
static char *
created_at (const char *created)
{
  int64_t t;
  if (created == NULL || nook_time_parse (created, &t) < 0)
    return xstrdup ("");
  return cli_time_go (t);
}

/* The cells Podman shows.  */
struct history_row
{
  char *id, *created, *created_by, *size, *comment;
};

static void
row_fill (struct history_row *r, const struct storage_history *h, const struct history_flags *f,
          int64_t now)
{
  const char *by = h->created_by ? h->created_by : "";

  r->id = h->id ? xstrndup (h->id, f->no_trunc ? 64 : 12) : xstrdup ("<missing>");
  r->created = f->human ? since (h->created, now) : go_time (h->created, false);
  /* As Podman: 42 characters and "..." past 45.  */
  r->created_by = !f->no_trunc && strlen (by) > 45 ? xasprintf ("%.42s...", by) : xstrdup (by);
  r->size = nook_human_size ((double)h->size);
  r->comment = xstrdup (h->comment ? h->comment : "");
}

static void
row_free (struct history_row *r)
{
  free (r->id);
  free (r->created);
  free (r->created_by);
  free (r->size);
  free (r->comment);
}

/* --format json: Podman's ImageHistoryLayer, full values, into G.  */
static void
gen_json (struct json_gen *g, const struct storage_history *h, size_t n)
{
  json_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *nano = go_time (h[i].created, true);
      _cleanup_free_ char *plain = go_time (h[i].created, false);
      json_gen_object_open (g);
      json_gen_kv_string (g, "id", h[i].id ? h[i].id : "<missing>");
      json_gen_kv_string (g, "created", h[i].created ? nano : "0001-01-01T00:00:00Z");
      if (h[i].created_by && *h[i].created_by)
        json_gen_kv_string (g, "CreatedBy", h[i].created_by);
      json_gen_kv_int (g, "size", h[i].size);
      if (h[i].comment && *h[i].comment)
        json_gen_kv_string (g, "comment", h[i].comment);
      json_gen_kv_string (g, "Created", h[i].created ? plain : "0001-01-01T00:00:00Z");
      json_gen_object_close (g);
    }
  json_gen_array_close (g);
}

/* The template data of one row: the fields Podman's history offers.  */
static void
gen_row (struct json_gen *g, const struct storage_history *h, const struct history_flags *f,
         int64_t now)
{
  _cleanup_free_ char *at = created_at (h->created), *ago = since (h->created, now);
  struct history_row r;

  row_fill (&r, h, f, now);
  json_gen_object_open (g);
  json_gen_kv_string (g, "ID", r.id);
  json_gen_kv_string (g, "Created", r.created);
  json_gen_kv_string (g, "CreatedBy", r.created_by);
  json_gen_kv_string (g, "Size", r.size);
  json_gen_kv_string (g, "Comment", r.comment);
  json_gen_kv_string (g, "CreatedAt", at);
  json_gen_kv_string (g, "CreatedSince", ago);
  json_gen_key (g, "Tags");
  json_gen_array_open (g);
  json_gen_array_close (g);
  json_gen_object_close (g);
  row_free (&r);
}

static int
print_list (const struct storage_history *h, size_t n, const struct history_flags *f,
            nook_error_t *err)
{
  const struct cli_list l = { f->format, HISTORY_ROW, NULL };
  bool json = cli_list_json (&l);
  _cleanup_json_gen_ struct json_gen *g = json ? json_gen_new (false) : json_gen_new_tree ();
  _cleanup_json_ nook_json *j = NULL;
  int64_t now = nook_now_ns ();

  /* The document for --format json, or the rows for a template.  */
  if (json)
    {
      gen_json (g, h, n);
      return cli_print_list (&l, NULL, json_gen_text (g, NULL), err);
    }
  json_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    gen_row (g, &h[i], f, now);
  json_gen_array_close (g);
  if ((j = json_gen_tree (g, err)) == NULL)
    return -1;
  return cli_print_list (&l, j, NULL, err);
}

int
cmd_history (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct history_flags f = { .human = true };
  const struct opt opts[] = {
    { "format", 0, OPT_STRING, &f.format, "FORMAT", "Change the output to JSON or a Go template" },
    { "human", 'H', OPT_BOOL, &f.human, NULL,
      "Display sizes and dates in human readable format (default true)" },
    { "no-trunc", 0, OPT_BOOL, &f.no_trunc, NULL, "Do not truncate the output" },
    { "quiet", 'q', OPT_BOOL, &f.quiet, NULL, "Display the numeric IDs only" },
    { 0 },
  };
  const struct cmd_spec spec
      = { "history", "[options] IMAGE", "Show history of a specified image", opts, false, 1, 1 };
  struct storage_history *h = NULL;
  struct storage_image img;
  size_t n = 0;
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (storage_image_lookup (&ctx->store, args[0], &img, err) < 0)
    return -1;
  r = storage_image_history (&ctx->store, &img, &h, &n, err);
  storage_image_free (&img);
  if (r < 0)
    return -1;
  if (f.quiet)
    for (size_t i = 0; i < n; i++)
      printf ("%.*s\n", h[i].id ? (f.no_trunc ? 64 : 12) : 9, h[i].id ? h[i].id : "<missing>");
  else
    r = print_list (h, n, &f, err);
  storage_history_free (h, n);
  return r;
}
