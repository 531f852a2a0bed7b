/* inspect, container inspect, image inspect: Podman's JSON documents, or
   a Go template run on each.  */
#include "cli.h"

#include "container/container.h"
#include "format/format.h"
#include "volume/volume.h"

#include <string.h>

enum inspect_type
{
  INSPECT_ALL,
  INSPECT_CONTAINER,
  INSPECT_IMAGE,
  INSPECT_VOLUME,
};

struct inspect_flags
{
  const char *format;
  const char *type;
  bool size;
  bool latest;
};

/* Container C's inspect document, with SizeRw and SizeRootFs when SIZE.  */
static int
inspect_container (struct nook_ctx *ctx, const struct container *c, bool size, struct json_gen *g,
                   nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *doc = json_gen_new (false);
  _cleanup_json_ nook_json *j = NULL;
  _cleanup_free_ char *upper = NULL;
  struct storage_image img;
  int64_t rw = 0;
  const char *text;
  size_t len;

  if (!size)
    return container_inspect (&ctx->store, c, g, err);
  /* The upper layer holds files of subordinate ids.  */
  upper = xasprintf ("%s/upper", c->cfg.id);
  if (cli_need (ctx, NEED_USERNS, err) < 0
      || nook_disk_usage_at (ctx->store.containersfd, upper, &rw, err) < 0
      || container_inspect (&ctx->store, c, doc, err) < 0)
    return -1;
  text = json_gen_text (doc, &len);
  if (json_parse (text, len, &j, err) < 0)
    return -1;
  memset (&img, 0, sizeof (img));
  if (storage_image_lookup (&ctx->store, c->cfg.image_id, &img, err) < 0)
    nook_error_free (err);
  /* The document with the two sizes after ExecIDs, where Podman has them.  */
  json_gen_object_open (g);
  for (size_t i = 0; i < json_len (j); i++)
    {
      json_gen_key (g, json_key_at (j, i));
      json_gen_value (g, json_at (j, i));
      if (strcmp (json_key_at (j, i), "ExecIDs") == 0)
        {
          json_gen_kv_int (g, "SizeRw", rw);
          json_gen_kv_int (g, "SizeRootFs", rw + img.size);
        }
    }
  json_gen_object_close (g);
  storage_image_free (&img);
  return 0;
}

/* Volume NAME's document into G; 1 when there is none.  */
static int
inspect_volume (struct nook_ctx *ctx, const char *name, struct json_gen *g, nook_error_t *err)
{
  struct volume v;

  if (volume_load (&ctx->store, name, &v, err) < 0)
    {
      if ((*err)->errnum != ENOENT)
        return -1;
      nook_error_free (err);
      nook_error (err, 0, "no such volume %s", name);
      return 1;
    }
  if (container_volumes_count_mounts (&ctx->store, &v, 1, err) < 0)
    {
      volume_free (&v);
      return -1;
    }
  volume_inspect_json (&ctx->store, &v, g);
  volume_free (&v);
  return 0;
}

/* Add the document of NAME to G.  1 when there is no such object (*ERR
   says so, in Podman's words for TYPE), 0 when added, -1 on error.  */
static int
inspect_one (struct nook_ctx *ctx, enum inspect_type type, const char *name, bool size,
             struct json_gen *g, nook_error_t *err)
{
  char id[65];
  struct storage_image img;
  int r;

  if (type == INSPECT_VOLUME)
    return inspect_volume (ctx, name, g, err);
  if (type != INSPECT_IMAGE)
    {
      struct container c;
      if (storage_container_resolve (&ctx->store, name, id, err) == 0)
        {
          if (container_load (&ctx->store, id, &c, err) < 0)
            return (*err)->errnum == ENOENT ? 1 : -1;
          r = inspect_container (ctx, &c, size, g, err);
          container_free (&c);
          return r;
        }
      if ((*err)->errnum != ENOENT)
        return -1;
      nook_error_free (err);
      if (type == INSPECT_CONTAINER)
        {
          nook_error (err, 0, "no such container %s", name);
          return 1;
        }
    }
  if (storage_image_lookup (&ctx->store, name, &img, err) < 0)
    {
      if ((*err)->errnum != ENOENT)
        return -1;
      if (type == INSPECT_ALL)
        {
          /* Last, a volume of that name.  */
          nook_error_free (err);
          r = inspect_volume (ctx, name, g, err);
          if (r != 1)
            return r;
          nook_error_free (err);
          nook_error (err, 0, "no such object: \"%s\"", name);
        }
      return 1;
    }
  r = storage_image_inspect (&ctx->store, &img, g, err);
  storage_image_free (&img);
  return r;
}

/* Print DOC (a JSON array) through the template FORMAT, one line per
   element.  */
static int
print_formatted (const char *format, const char *doc, size_t len, nook_error_t *err)
{
  _cleanup_format_ struct format_template *t = NULL;
  _cleanup_json_ nook_json *j = NULL;
  _cleanup_buf_ struct nook_buf out = { 0 };
  int r = 0;

  if (format_parse (format, &t, err) < 0 || json_parse (doc, len, &j, err) < 0)
    return -1;
  for (size_t i = 0; r == 0 && i < json_len (j); i++)
    {
      r = format_execute (t, json_at (j, i), &out, err);
      nook_buf_putc (&out, '\n');
    }
  if (out.len)
    fwrite (out.data, 1, out.len, stdout);
  return r;
}

/* Is FORMAT one of Podman's spellings of plain JSON?  */
static bool
format_is_json (const char *format)
{
  enum format_kind kind;
  _cleanup_free_ char *row = NULL;
  nook_error_t e = NULL;

  if (format == NULL || *format == '\0')
    return true;
  if (format_spec_parse (format, NULL, &kind, &row, &e) < 0)
    {
      nook_error_free (&e);
      return false;
    }
  return kind == FORMAT_JSON;
}

static int
inspect (struct nook_ctx *ctx, enum inspect_type type, const struct inspect_flags *f, char **names,
         int nnames, nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new_indent ("     ");
  nook_error_t missing = NULL;
  const char *doc;
  size_t len;

  json_gen_array_open (g);
  for (int i = 0; i < nnames; i++)
    {
      nook_error_t e = NULL;
      int r = inspect_one (ctx, type, names[i], f->size, g, &e);
      if (r < 0)
        {
          *err = e;
          return -1;
        }
      /* Podman prints what it found, then the first object it did not.  */
      if (r > 0 && missing == NULL)
        missing = e;
      else if (r > 0)
        nook_error_free (&e);
    }
  json_gen_array_close (g);
  doc = json_gen_text (g, &len);
  if (format_is_json (f->format))
    printf ("%s\n", doc);
  else if (print_formatted (f->format, doc, len, err) < 0)
    {
      nook_error_free (&missing);
      return nook_error_prefix (err, "printing inspect output");
    }
  if (cli_flush (err) < 0)
    {
      nook_error_free (&missing);
      return -1;
    }
  if (missing)
    {
      *err = missing;
      return nook_error_prefix (err, "inspecting object");
    }
  return 0;
}

static int
parse_type (const char *type, enum inspect_type *out, nook_error_t *err)
{
  if (type == NULL || strcmp (type, "all") == 0)
    *out = INSPECT_ALL;
  else if (strcmp (type, "container") == 0)
    *out = INSPECT_CONTAINER;
  else if (strcmp (type, "image") == 0)
    *out = INSPECT_IMAGE;
  else if (strcmp (type, "volume") == 0)
    *out = INSPECT_VOLUME;
  else
    return nook_error (err, 0,
                       "invalid type \"%s\": must be \"image\", \"container\", \"volume\" or "
                       "\"all\"",
                       type);
  return 0;
}

/* The names to inspect: the arguments, or the latest container.  */
static int
inspect_names (struct nook_ctx *ctx, const struct inspect_flags *f, char **args, int nargs,
               char ***names, nook_error_t *err)
{
  struct container *cs = NULL;
  size_t n = 0;

  if (!f->latest)
    {
      if (nargs == 0)
        return nook_error (err, 0, "inspect requires at least one argument");
      *names = strv_dup (args);
      return 0;
    }
  if (nargs > 0)
    return nook_error (err, 0, "--latest and arguments cannot be used together");
  if (container_list (&ctx->store, &cs, &n, err) < 0)
    return -1;
  *names = strv_dup (NULL);
  if (n > 0)
    strv_push (names, xstrdup (cs[0].cfg.id));
  container_list_free (cs, n);
  if (n == 0)
    return nook_error (err, 0, "no containers to inspect: no such container");
  return 0;
}

static int
run_inspect (struct nook_ctx *ctx, const struct cmd_spec *spec, enum inspect_type type,
             struct inspect_flags *f, int argc, char **argv, nook_error_t *err)
{
  _cleanup_strv_ char **names = NULL;
  char **args;
  int nargs, r;

  r = cli_parse (spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (f->type && parse_type (f->type, &type, err) < 0)
    return -1;
  if (inspect_names (ctx, f, args, nargs, &names, err) < 0)
    return -1;
  return inspect (ctx, type, f, names, (int)strv_len (names), err);
}

#define FORMAT_OPT(f)                                                                              \
  {                                                                                                \
    "format", 'f', OPT_STRING, &(f).format, "FORMAT",                                              \
        "Format the output to a Go template or json (default \"json\")"                            \
  }

int
cmd_inspect (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct inspect_flags f = { 0 };
  const struct opt opts[] = {
    FORMAT_OPT (f),
    { "latest", 'l', OPT_BOOL, &f.latest, NULL, "Act on the latest container nook is aware of" },
    { "size", 's', OPT_BOOL, &f.size, NULL, "Display total file size" },
    { "type", 't', OPT_STRING, &f.type, "TYPE",
      "Specify inspect-object type (\"image\", \"container\" or \"all\")" },
    { 0 },
  };
  const struct cmd_spec spec = { "inspect",
                                 "[options] {CONTAINER|IMAGE} [...]",
                                 "Display the configuration of object denoted by ID",
                                 opts,
                                 false,
                                 0,
                                 -1 };

  return run_inspect (ctx, &spec, INSPECT_ALL, &f, argc, argv, err);
}

int
cmd_container_inspect (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct inspect_flags f = { 0 };
  const struct opt opts[] = {
    FORMAT_OPT (f),
    { "latest", 'l', OPT_BOOL, &f.latest, NULL, "Act on the latest container nook is aware of" },
    { "size", 's', OPT_BOOL, &f.size, NULL, "Display total file size" },
    { 0 },
  };
  const struct cmd_spec spec = { "container inspect",
                                 "[options] CONTAINER [CONTAINER...]",
                                 "Display the configuration of a container",
                                 opts,
                                 false,
                                 0,
                                 -1 };

  return run_inspect (ctx, &spec, INSPECT_CONTAINER, &f, argc, argv, err);
}

int
cmd_image_inspect (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct inspect_flags f = { 0 };
  const struct opt opts[] = { FORMAT_OPT (f), { 0 } };
  const struct cmd_spec spec = { "image inspect",
                                 "[options] IMAGE [IMAGE...]",
                                 "Display the configuration of an image",
                                 opts,
                                 false,
                                 1,
                                 -1 };

  return run_inspect (ctx, &spec, INSPECT_IMAGE, &f, argc, argv, err);
}
