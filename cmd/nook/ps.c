/* nook ps: list containers, through --format and --filter as Podman.  */
#include "cli.h"

#include "container/container.h"

#include <regex.h>
#include <string.h>

#define PS_ROW                                                                                     \
  "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\n"
#define PS_ROW_SIZE                                                                                \
  "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"      \
  "\t{{.Size}}\n"

struct ps_flags
{
  bool all, quiet, no_trunc, latest, size;
  int64_t last;
  const char *format;
  char **filters;
};

struct ps_filter
{
  char **ids, **names, **statuses, **labels, **ancestors;
  char **volumes; /* volume=: a volume's name or a mount's destination */
  int64_t *exited;
  size_t n_exited;
  bool has_before, has_since;
  int64_t before, since;
};

/* ---- filters ---- */

static const char *const statuses[]
    = { "created", "running", "paused", "exited", "stopped", "unknown", NULL };

/* The creation time of container REF, for before= and since=.  */
static int
container_time (struct nook_ctx *ctx, const char *ref, int64_t *out, nook_error_t *err)
{
  struct container c;
  char id[65];

  if (storage_container_resolve (&ctx->store, ref, id, err) < 0
      || container_load (&ctx->store, id, &c, err) < 0)
    return -1;
  *out = 0;
  nook_time_parse (c.cfg.created, out);
  container_free (&c);
  return 0;
}

static int
filter_add_value (struct nook_ctx *ctx, struct ps_filter *f, const char *key, const char *v,
                  nook_error_t *err)
{
  int64_t code;

  if (strcmp (key, "id") == 0)
    strv_push (&f->ids, xstrdup (v));
  else if (strcmp (key, "name") == 0)
    strv_push (&f->names, xstrdup (v));
  else if (strcmp (key, "label") == 0)
    strv_push (&f->labels, xstrdup (v));
  else if (strcmp (key, "ancestor") == 0)
    strv_push (&f->ancestors, xstrdup (v));
  else if (strcmp (key, "volume") == 0)
    strv_push (&f->volumes, xstrdup (v));
  else if (strcmp (key, "status") == 0)
    {
      if (!strv_contains ((char *const *)statuses, v))
        return nook_error (err, 0, "%s is not a valid status", v);
      strv_push (&f->statuses, xstrdup (v));
    }
  else if (strcmp (key, "exited") == 0)
    {
      if (!str_to_int64 (v, &code))
        return nook_error (err, 0, "exited code out of range \"%s\"", v);
      f->exited = xrealloc (f->exited, sizeof (*f->exited) * (f->n_exited + 1));
      f->exited[f->n_exited++] = code;
    }
  else if (strcmp (key, "before") == 0)
    {
      f->has_before = true;
      return container_time (ctx, v, &f->before, err);
    }
  else if (strcmp (key, "since") == 0)
    {
      f->has_since = true;
      return container_time (ctx, v, &f->since, err);
    }
  else
    return nook_error (err, 0, "%s is an invalid filter", key);
  return 0;
}

static int
filter_add (struct nook_ctx *ctx, struct ps_filter *f, const char *spec, nook_error_t *err)
{
  const char *eq = strchr (spec, '=');
  _cleanup_free_ char *key = eq ? xstrndup (spec, (size_t)(eq - spec)) : NULL;

  if (key == NULL)
    return nook_error (err, 0, "filter input must be in the form of filter=value: %s is invalid",
                       spec);
  return filter_add_value (ctx, f, key, eq + 1, err);
}

static void
filter_free (struct ps_filter *f)
{
  strv_free (f->ids);
  strv_free (f->names);
  strv_free (f->statuses);
  strv_free (f->labels);
  strv_free (f->ancestors);
  strv_free (f->volumes);
  free (f->exited);
}

/* Does S match any of the regular expressions PATTERNS, as Podman matches
   id= and name=?  A pattern that is not a regular expression matches as
   plain text.  */
static bool
any_regex (char *const *patterns, const char *s)
{
  for (size_t i = 0; patterns[i]; i++)
    {
      regex_t re;
      bool match;
      if (regcomp (&re, patterns[i], REG_EXTENDED | REG_NOSUB) != 0)
        {
          if (strstr (s, patterns[i]))
            return true;
          continue;
        }
      match = regexec (&re, s, 0, NULL, 0) == 0;
      regfree (&re);
      if (match)
        return true;
    }
  return false;
}

/* ancestor=IMAGE: the image's name or ID, or the name it was run by.  */
static bool
any_ancestor (struct nook_ctx *ctx, char *const *ancestors, const struct container_config *cfg)
{
  for (size_t i = 0; ancestors[i]; i++)
    {
      struct storage_image img;
      nook_error_t e = NULL;
      bool match;
      if (strcmp (ancestors[i], cfg->image_name) == 0
          || str_has_prefix (cfg->image_id, ancestors[i]))
        return true;
      if (storage_image_lookup (&ctx->store, ancestors[i], &img, &e) < 0)
        {
          nook_error_free (&e);
          continue;
        }
      match = strcmp (img.id, cfg->image_id) == 0;
      storage_image_free (&img);
      if (match)
        return true;
    }
  return false;
}

static bool
status_matches (char *const *wanted, const struct container_state *s)
{
  const char *name = container_status_name (s->status);
  return strv_contains (wanted, name)
         || (s->status == CONTAINER_EXITED && strv_contains (wanted, "stopped"));
}

static bool
exited_matches (const struct ps_filter *f, const struct container_state *s)
{
  if (s->status != CONTAINER_EXITED)
    return false;
  for (size_t i = 0; i < f->n_exited; i++)
    if (f->exited[i] == s->exit_code)
      return true;
  return false;
}

/* volume=: any of VOLUMES is a volume of CFG's or a destination.  */
static bool
any_volume (char *const *volumes, const struct container_config *cfg)
{
  for (size_t i = 0; volumes[i]; i++)
    if (container_mounts_match_filter (&cfg->mounts, volumes[i]))
      return true;
  return false;
}

static bool
filter_keeps (struct nook_ctx *ctx, const struct ps_filter *f, const struct container *c)
{
  int64_t created = 0;

  if (f->has_before || f->has_since)
    nook_time_parse (c->cfg.created, &created);
  return (f->ids == NULL || any_regex (f->ids, c->cfg.id))
         && (f->names == NULL || any_regex (f->names, c->cfg.name))
         && (f->statuses == NULL || status_matches (f->statuses, &c->state))
         && cli_labels_match (f->labels, c->cfg.labels)
         && (f->ancestors == NULL || any_ancestor (ctx, f->ancestors, &c->cfg))
         && (f->volumes == NULL || any_volume (f->volumes, &c->cfg))
         && (f->n_exited == 0 || exited_matches (f, &c->state))
         && (!f->has_before || created < f->before) && (!f->has_since || created > f->since);
}

/* ---- rows ---- */

static char *
status_text (const struct container_state *s, int64_t now)
{
  int64_t t = 0;
  _cleanup_free_ char *when = NULL;

  switch (s->status)
    {
    case CONTAINER_RUNNING:
      nook_time_parse (s->started_at, &t);
      when = nook_human_duration ((now - t) / 1000000000LL);
      return xasprintf ("Up %s", when);
    case CONTAINER_EXITED:
      nook_time_parse (s->finished_at, &t);
      when = cli_time_ago (t, now);
      return xasprintf ("Exited (%d) %s", s->exit_code, when);
    default:
      return xstrdup ("Created");
    }
}

static int64_t
unix_time (const char *t)
{
  int64_t ns;
  /* Go's zero time, as Podman prints a time that never was.  */
  if (t == NULL || nook_time_parse (t, &ns) < 0)
    return -62135596800LL;
  return ns / 1000000000LL;
}

static void
gen_labels (struct json_gen *g, char *const *labels)
{
  json_gen_object_open (g);
  for (size_t i = 0; labels && labels[i]; i++)
    {
      size_t klen = strcspn (labels[i], "=");
      _cleanup_free_ char *k = xstrndup (labels[i], klen);
      json_gen_kv_string (g, k, labels[i][klen] ? labels[i] + klen + 1 : "");
    }
  json_gen_object_close (g);
}

/* The container's size, "12B (virtual 2.15MB)" as Podman's SIZE.  */
static int
size_text (struct nook_ctx *ctx, const struct container *c, char **out, nook_error_t *err)
{
  _cleanup_free_ char *upper = xasprintf ("%s/upper", c->cfg.id);
  _cleanup_free_ char *rw = NULL, *virt = NULL;
  struct storage_image img;
  int64_t bytes = 0, image = 0;

  if (cli_need (ctx, NEED_USERNS, err) < 0
      || nook_disk_usage_at (ctx->store.containersfd, upper, &bytes, err) < 0)
    return -1;
  if (storage_image_lookup (&ctx->store, c->cfg.image_id, &img, err) == 0)
    {
      image = img.size;
      storage_image_free (&img);
    }
  else
    nook_error_free (err);
  rw = nook_human_size ((double)bytes);
  virt = nook_human_size ((double)(bytes + image));
  *out = xasprintf ("%s (virtual %s)", rw, virt);
  return 0;
}

/* The fields Podman's ps templates see.  */
static void
gen_row (struct json_gen *g, const struct ps_flags *f, const struct container *c, const char *size,
         int64_t now)
{
  const struct container_config *cfg = &c->cfg;
  const struct container_state *s = &c->state;
  _cleanup_free_ char *cmd = strv_join (cfg->cmd, " ");
  _cleanup_free_ char *status = status_text (s, now);
  _cleanup_free_ char *id = f->no_trunc ? xstrdup (cfg->id) : xstrndup (cfg->id, 12);
  _cleanup_free_ char *image_id = xstrndup (cfg->image_id, 12);
  _cleanup_free_ char *ago = NULL, *at = NULL;
  int64_t created = 0;

  nook_time_parse (cfg->created, &created);
  ago = cli_time_ago (created, now);
  at = cli_time_go (created);
  /* As Podman: 17 characters of the command, then "...".  */
  if (!f->no_trunc && strlen (cmd) > 17)
    strcpy (cmd + 17, "...");
  json_gen_object_open (g);
  json_gen_kv_string (g, "ID", id);
  json_gen_kv_string (g, "Image", cfg->image_name);
  json_gen_kv_string (g, "ImageID", image_id);
  json_gen_kv_string (g, "Command", cmd);
  json_gen_kv_string (g, "CreatedAt", at);
  json_gen_kv_string (g, "CreatedHuman", ago);
  json_gen_kv_string (g, "Created", at);
  json_gen_kv_string (g, "RunningFor", ago);
  /* Podman's template State is its Status; the JSON's is the word.  */
  json_gen_kv_string (g, "Status", status);
  json_gen_kv_string (g, "State", status);
  {
    _cleanup_free_ char *ports = network_ports_string (&cfg->net);
    json_gen_kv_string (g, "Ports", ports);
  }
  json_gen_kv_string (g, "Names", cfg->name);
  json_gen_key (g, "Labels");
  gen_labels (g, cfg->labels);
  json_gen_key (g, "Mounts");
  json_gen_array_open (g);
  json_gen_array_close (g);
  json_gen_kv_int (g, "Pid", s->status == CONTAINER_RUNNING ? s->pid : 0);
  json_gen_kv_string (g, "Pod", "");
  json_gen_kv_string (g, "PodName", "");
  json_gen_kv_string (g, "Size", size ? size : "");
  json_gen_kv_string (g, "Networks", "");
  json_gen_kv_bool (g, "AutoRemove", cfg->rm);
  json_gen_kv_bool (g, "Exited", s->status == CONTAINER_EXITED);
  json_gen_kv_int (g, "ExitCode", s->status == CONTAINER_EXITED ? s->exit_code : 0);
  json_gen_kv_int (g, "ExitedAt",
                   unix_time (s->status == CONTAINER_EXITED ? s->finished_at : NULL));
  json_gen_kv_int (g, "StartedAt", unix_time (s->started_at));
  json_gen_kv_bool (g, "IsInfra", false);
  json_gen_object_close (g);
}

/* `--format json`: Podman's ListContainer, with 2-space indents.  */
static void
gen_json (struct json_gen *g, const struct container *c, int64_t now)
{
  const struct container_config *cfg = &c->cfg;
  const struct container_state *s = &c->state;
  int64_t created = 0;
  _cleanup_free_ char *ago = NULL;
  char *names[] = { cfg->name, NULL };

  nook_time_parse (cfg->created, &created);
  ago = cli_time_ago (created, now);
  json_gen_object_open (g);
  json_gen_kv_bool (g, "AutoRemove", cfg->rm);
  json_gen_kv_strv (g, "Command", cfg->cmd ? cfg->cmd : (char *[]){ NULL });
  json_gen_kv_string (g, "CreatedAt", ago);
  json_gen_kv_bool (g, "Exited", s->status == CONTAINER_EXITED);
  json_gen_kv_int (g, "ExitedAt",
                   unix_time (s->status == CONTAINER_EXITED ? s->finished_at : NULL));
  json_gen_kv_int (g, "ExitCode", s->status == CONTAINER_EXITED ? s->exit_code : 0);
  json_gen_kv_string (g, "Id", cfg->id);
  json_gen_kv_string (g, "Image", cfg->image_name);
  json_gen_kv_string (g, "ImageID", cfg->image_id);
  json_gen_kv_bool (g, "IsInfra", false);
  json_gen_key (g, "Labels");
  gen_labels (g, cfg->labels);
  json_gen_key (g, "Mounts");
  json_gen_array_open (g);
  json_gen_array_close (g);
  json_gen_kv_strv (g, "Names", names);
  json_gen_key (g, "Namespaces");
  json_gen_object_open (g);
  json_gen_object_close (g);
  json_gen_key (g, "Networks");
  json_gen_array_open (g);
  json_gen_array_close (g);
  json_gen_kv_int (g, "Pid", s->status == CONTAINER_RUNNING ? s->pid : 0);
  json_gen_kv_string (g, "Pod", "");
  json_gen_kv_string (g, "PodName", "");
  json_gen_key (g, "Ports");
  network_ps_ports (g, &cfg->net);
  json_gen_key (g, "Size");
  json_gen_null (g);
  json_gen_kv_int (g, "StartedAt", unix_time (s->started_at));
  json_gen_kv_string (g, "State", container_status_name (s->status));
  {
    _cleanup_free_ char *status = status_text (s, now);
    json_gen_kv_string (g, "Status", status);
  }
  json_gen_kv_int (g, "Created", created / 1000000000LL);
  json_gen_object_close (g);
}

static const char *
header_of (const char *field, void *data)
{
  static const char *const map[][2] = {
    { ".ID", "CONTAINER ID" }, { ".CreatedHuman", "CREATED" }, { ".RunningFor", "CREATED" },
    { ".Names", "NAMES" },     { ".Image", "IMAGE" },          { ".ImageID", "IMAGE ID" },
  };
  (void)data;
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (map); i++)
    if (strcmp (field, map[i][0]) == 0)
      return map[i][1];
  return NULL;
}

static int
print_list (struct nook_ctx *ctx, const struct ps_flags *f, struct container *cs, size_t n,
            nook_error_t *err)
{
  const struct cli_list l = { f->format, f->size ? PS_ROW_SIZE : PS_ROW, header_of };
  bool json = cli_list_json (&l);
  _cleanup_strv_ char **only = json ? NULL : cli_list_fields (&l);
  _cleanup_json_gen_ struct json_gen *g = json ? json_gen_new_indent ("  ") : json_gen_new_tree ();
  _cleanup_json_ nook_json *rows = NULL;
  int64_t now = nook_now_ns ();

  /* The rows for a template (what it reads of them), or the document
     for --format json.  */
  if (!json)
    json_gen_tree_only (g, only);
  json_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *size = NULL;
      if (f->size && size_text (ctx, &cs[i], &size, err) < 0)
        return -1;
      if (json)
        gen_json (g, &cs[i], now);
      else
        gen_row (g, f, &cs[i], size, now);
    }
  json_gen_array_close (g);
  if (json)
    return cli_print_list (&l, NULL, json_gen_text (g, NULL), err);
  if ((rows = json_gen_tree (g, err)) == NULL)
    return -1;
  return cli_print_list (&l, rows, NULL, err);
}

/* Keep the containers the flags and filters ask for, in place.  */
static int
select_containers (struct nook_ctx *ctx, const struct ps_flags *f, struct container *cs, size_t *n,
                   nook_error_t *err)
{
  struct ps_filter flt = { 0 };
  size_t k = 0;

  for (size_t i = 0; f->filters && f->filters[i]; i++)
    if (filter_add (ctx, &flt, f->filters[i], err) < 0)
      {
        filter_free (&flt);
        return -1;
      }
  /* -n and -l count every container, whatever its state; a status or
     exited filter looks at every container too, as Podman.  */
  for (size_t i = 0; i < *n; i++)
    {
      bool any_state = f->all || f->last >= 0 || flt.statuses || flt.n_exited;
      bool keep = (any_state || cs[i].state.status == CONTAINER_RUNNING)
                  && filter_keeps (ctx, &flt, &cs[i]) && (f->last < 0 || (int64_t)k < f->last);
      if (keep)
        cs[k++] = cs[i];
      else
        container_free (&cs[i]);
    }
  *n = k;
  filter_free (&flt);
  return 0;
}

int
cmd_ps (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  struct ps_flags f = { .last = -1 };
  const struct opt opts[] = {
    { "all", 'a', OPT_BOOL, &f.all, NULL,
      "Show all the containers, default is only running containers" },
    { "filter", 'f', OPT_STRINGS, &f.filters, "FILTER", "Filter output based on conditions given" },
    { "format", 0, OPT_STRING, &f.format, "FORMAT",
      "Pretty-print containers to JSON or using a Go template" },
    { "last", 'n', OPT_INT, &f.last, "N", "Print the n last created containers (all states)" },
    { "latest", 'l', OPT_BOOL, &f.latest, NULL, "Act on the latest container nook is aware of" },
    { "no-trunc", 0, OPT_BOOL, &f.no_trunc, NULL, "Display the extended information" },
    { "quiet", 'q', OPT_BOOL, &f.quiet, NULL, "Print the numeric IDs of the containers only" },
    { "size", 's', OPT_BOOL, &f.size, NULL, "Display the total file sizes" },
    { 0 },
  };
  const struct cmd_spec spec = { "ps", "[options]", "List containers", opts, false, 0, 0 };
  _cleanup_strv_ char **filters = NULL;
  struct container *cs = NULL;
  size_t n = 0;
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  filters = f.filters;
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (f.latest)
    f.last = 1;
  if (container_list_brief (&ctx->store, &cs, &n, err) < 0)
    return -1;
  r = select_containers (ctx, &f, cs, &n, err);
  if (r == 0 && f.quiet)
    for (size_t i = 0; i < n; i++)
      printf ("%.*s\n", f.no_trunc ? 64 : 12, cs[i].cfg.id);
  else if (r == 0)
    r = print_list (ctx, &f, cs, n, err);
  container_list_free (cs, n);
  return r;
}
