/* nook volume create, ls, inspect, rm, prune, exists.  */
#include "cli.h"

#include "container/container.h"
#include "volume/volume.h"

#include <string.h>

int
cmd_volume_create (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  _cleanup_strv_ char **labels = NULL, **opts = NULL;
  const char *driver = NULL;
  bool ignore = false;
  const struct opt table[] = {
    { "driver", 'd', OPT_STRING, &driver, "DRIVER",
      "Specify volume driver name (default \"local\")" },
    { "ignore", 0, OPT_BOOL, &ignore, NULL,
      "Don't fail if volume already exists (no-op if it does)" },
    { "label", 'l', OPT_STRINGS, &labels, "KEY=VALUE", "Set metadata for a volume" },
    { "opt", 'o', OPT_STRINGS, &opts, "KEY=VALUE", "Set driver specific options" },
    { 0 },
  };
  const struct cmd_spec spec
      = { "volume create", "[options] [NAME]", "Create a new volume", table, false, 0, 1 };
  _cleanup_strv_ char **lv = xzalloc (sizeof (char *)), **ov = xzalloc (sizeof (char *));
  struct volume v;
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (driver && strcmp (driver, "local") != 0)
    return nook_error (err, 0, "volume plugin %s not found: no such volume plugin", driver);
  /* A label or option without a value has an empty one.  */
  for (size_t i = 0; labels && labels[i]; i++)
    strv_push (&lv, strchr (labels[i], '=') ? xstrdup (labels[i]) : xasprintf ("%s=", labels[i]));
  for (size_t i = 0; opts && opts[i]; i++)
    strv_push (&ov, strchr (opts[i], '=') ? xstrdup (opts[i]) : xasprintf ("%s=", opts[i]));
  /* An owner is an id of the containers' namespace.  */
  if (volume_options_chown (ov) && cli_need (ctx, NEED_USERNS, err) < 0)
    return -1;
  if (volume_create (&ctx->store, nargs ? args[0] : NULL, lv, ov, false, &v, err) < 0)
    {
      if (ignore && (*err)->errnum == EEXIST)
        {
          nook_error_free (err);
          printf ("%s\n", args[0]);
          return cli_flush (err);
        }
      return -1;
    }
  printf ("%s\n", v.name);
  volume_free (&v);
  return cli_flush (err);
}

/* The containers that use volume NAME, by ID.  */
static int
volume_users (struct nook_ctx *ctx, const char *name, char ***ids, nook_error_t *err)
{
  struct container *cs = NULL;
  size_t n = 0;

  *ids = xzalloc (sizeof (char *));
  if (container_list (&ctx->store, &cs, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (container_mounts_use_volume (&cs[i].cfg.mounts, name))
      strv_push (ids, xstrdup (cs[i].cfg.id));
  container_list_free (cs, n);
  return 0;
}

static const char *
header_of (const char *field, void *data)
{
  (void)data;
  if (strcmp (field, ".Name") == 0)
    return "VOLUME NAME";
  if (strcmp (field, ".MountPoint") == 0 || strcmp (field, ".Mountpoint") == 0)
    return "MOUNT POINT";
  return NULL;
}

int
cmd_volume_ls (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  _cleanup_strv_ char **filters = NULL;
  const char *format = NULL;
  bool quiet = false;
  const struct opt table[] = {
    { "filter", 'f', OPT_STRINGS, &filters, "FILTER", "Filter volume output" },
    { "format", 0, OPT_STRING, &format, "FORMAT", "Format volume output using Go template" },
    { "quiet", 'q', OPT_BOOL, &quiet, NULL, "Print volume output in quiet mode" },
    { 0 },
  };
  const struct cmd_spec spec = { "volume ls", "[options]", "List volumes", table, false, 0, 0 };
  struct cli_list l = { NULL, "{{.Driver}}\t{{.Name}}", header_of };
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);
  _cleanup_json_ nook_json *rows = NULL;
  struct volume *vs = NULL;
  size_t n = 0;
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (volume_list (&ctx->store, &vs, &n, err) < 0)
    return -1;
  if (!quiet)
    r = container_volumes_count_mounts (&ctx->store, vs, n, err);
  json_gen_array_open (g);
  for (size_t i = 0; i < n && r == 0; i++)
    {
      bool match = true;
      for (size_t k = 0; match && r == 0 && filters && filters[k]; k++)
        {
          _cleanup_strv_ char **users = NULL;
          bool used = false;
          if (str_has_prefix (filters[k], "dangling="))
            {
              r = volume_users (ctx, vs[i].name, &users, err);
              used = users && users[0];
            }
          if (r == 0)
            r = volume_filter_match (&vs[i], filters[k], used, &match, err);
        }
      if (r < 0 || !match)
        continue;
      if (quiet)
        printf ("%s\n", vs[i].name);
      else
        volume_inspect_json (&ctx->store, &vs[i], g);
    }
  json_gen_array_close (g);
  volume_list_free (vs, n);
  if (r < 0)
    return -1;
  if (quiet)
    return cli_flush (err);
  l.format = format;
  if (json_parse (json_gen_text (g, NULL), strlen (json_gen_text (g, NULL)), &rows, err) < 0)
    return -1;
  return cli_print_list (&l, rows, NULL, err);
}

int
cmd_volume_inspect (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  const char *format = NULL;
  bool all = false;
  const struct opt table[] = {
    { "all", 'a', OPT_BOOL, &all, NULL, "Inspect all volumes" },
    { "format", 'f', OPT_STRING, &format, "FORMAT", "Format volume output using Go template" },
    { 0 },
  };
  const struct cmd_spec spec = { "volume inspect",
                                 "[options] VOLUME [VOLUME...]",
                                 "Display detailed information on one or more volumes",
                                 table,
                                 false,
                                 0,
                                 -1 };
  _cleanup_json_gen_ struct json_gen *g = json_gen_new_indent ("     ");
  struct volume *vs = NULL;
  size_t n = 0;
  char **args;
  int nargs, r, code = 0;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (nargs == 0 && !all)
    return nook_error (err, 0, "provide one or more volume names or use --all");
  if (all
      && (volume_list (&ctx->store, &vs, &n, err) < 0
          || container_volumes_count_mounts (&ctx->store, vs, n, err) < 0))
    {
      volume_list_free (vs, n);
      return -1;
    }
  json_gen_array_open (g);
  for (size_t i = 0; i < (all ? n : (size_t)nargs); i++)
    {
      struct volume v;
      nook_error_t e = NULL;
      if (all)
        {
          volume_inspect_json (&ctx->store, &vs[i], g);
          continue;
        }
      if (volume_load (&ctx->store, args[i], &v, &e) < 0)
        {
          if (e->errnum == ENOENT)
            fprintf (stderr, "Error: inspecting object: no such volume %s\n", args[i]);
          else
            fprintf (stderr, "Error: %s\n", e->msg);
          code = 125;
          nook_error_free (&e);
          continue;
        }
      if (container_volumes_count_mounts (&ctx->store, &v, 1, &e) < 0)
        {
          *err = e;
          volume_free (&v);
          volume_list_free (vs, n);
          return -1;
        }
      volume_inspect_json (&ctx->store, &v, g);
      volume_free (&v);
    }
  json_gen_array_close (g);
  volume_list_free (vs, n);
  if (format && *format && strcmp (format, "json") != 0)
    {
      _cleanup_format_ struct format_template *t = NULL;
      _cleanup_json_ nook_json *j = NULL;
      _cleanup_buf_ struct nook_buf out = { 0 };
      const char *text = json_gen_text (g, NULL);
      if (format_parse (format, &t, err) < 0 || json_parse (text, strlen (text), &j, err) < 0)
        return -1;
      for (size_t i = 0; i < json_len (j); i++)
        {
          if (format_execute (t, json_at (j, i), &out, err) < 0)
            return -1;
          nook_buf_putc (&out, '\n');
        }
      if (out.len)
        fwrite (out.data, 1, out.len, stdout);
    }
  else
    printf ("%s\n", json_gen_text (g, NULL));
  if (cli_flush (err) < 0)
    return -1;
  return code;
}

/* Remove volume NAME; in use, refused (exit 2) unless FORCE, which
   removes its containers first.  */
static int
remove_volume (struct nook_ctx *ctx, const char *name, bool force, int64_t timeout,
               nook_error_t *err)
{
  _cleanup_strv_ char **users = NULL;
  struct volume v;

  if (volume_load (&ctx->store, name, &v, err) < 0)
    return -1;
  volume_free (&v);
  if (volume_users (ctx, name, &users, err) < 0)
    return -1;
  if (users[0] && !force)
    {
      _cleanup_free_ char *list = strv_join (users, ", ");
      nook_error (err, 0,
                  "volume %s is being used by the following container(s): %s: volume is being "
                  "used",
                  name, list);
      return nook_error_exit (err, 2);
    }
  if (cli_need (ctx, NEED_USERNS, err) < 0)
    return -1;
  for (size_t i = 0; users[i]; i++)
    if (container_remove (&ctx->store, &ctx->paths, users[i], true, timeout, err) < 0)
      return -1;
  return volume_remove (&ctx->store, name, err);
}

int
cmd_volume_rm (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  bool all = false, force = false;
  int64_t timeout = -1;
  const struct opt table[] = {
    { "all", 'a', OPT_BOOL, &all, NULL, "Remove all volumes" },
    { "force", 'f', OPT_BOOL, &force, NULL,
      "Remove a volume by force, even if it is being used by a container" },
    { "time", 't', OPT_INT, &timeout, "SECONDS",
      "Seconds to wait for running containers to stop before killing the container" },
    { 0 },
  };
  const struct cmd_spec spec = {
    "volume rm", "[options] VOLUME [VOLUME...]", "Remove one or more volumes", table, false, 0, -1
  };
  struct volume *vs = NULL;
  size_t n = 0;
  char **args;
  int nargs, r, code = 0;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (nargs == 0 && !all)
    return nook_error (err, 0, "choose either one or more volumes or all");
  if (nargs > 0 && all)
    return nook_error (err, 0, "choose either one or more volumes or all");
  storage_tmp_sweep (&ctx->store);
  if (all && volume_list (&ctx->store, &vs, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < (all ? n : (size_t)nargs); i++)
    {
      const char *name = all ? vs[i].name : args[i];
      nook_error_t e = NULL;
      if (remove_volume (ctx, name, force, timeout, &e) < 0)
        {
          int c = e->errnum == ENOENT ? 1 : e->exit_code ? e->exit_code : 125;
          if (!(force && e->errnum == ENOENT))
            {
              fprintf (stderr, "Error: %s\n", e->msg);
              code = code == 0 || c > code ? c : code;
            }
          nook_error_free (&e);
          continue;
        }
      printf ("%s\n", name);
    }
  volume_list_free (vs, n);
  if (cli_flush (err) < 0)
    return -1;
  return code;
}

static bool
confirm (char *const *names)
{
  char line[16] = "";
  fprintf (stderr, "WARNING! This will remove all volumes not used by at least one container. "
                   "The following volumes will be removed:\n");
  for (size_t i = 0; names[i]; i++)
    fprintf (stderr, "%s\n", names[i]);
  fprintf (stderr, "Are you sure you want to continue? [y/N] ");
  return fgets (line, sizeof (line), stdin) && (line[0] == 'y' || line[0] == 'Y');
}

int
cmd_volume_prune (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  _cleanup_strv_ char **filters = NULL, **unused = xzalloc (sizeof (char *));
  bool force = false;
  const struct opt table[] = {
    { "filter", 0, OPT_STRINGS, &filters, "FILTER",
      "Provide filter values (e.g. 'label=<key>=<value>')" },
    { "force", 'f', OPT_BOOL, &force, NULL, "Do not prompt for confirmation" },
    { 0 },
  };
  const struct cmd_spec spec
      = { "volume prune", "[options]", "Remove all unused volumes", table, false, 0, 0 };
  struct volume *vs = NULL;
  size_t n = 0;
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (volume_list (&ctx->store, &vs, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n && r == 0; i++)
    {
      _cleanup_strv_ char **users = NULL;
      bool match = true;
      r = volume_users (ctx, vs[i].name, &users, err);
      for (size_t k = 0; r == 0 && match && filters && filters[k]; k++)
        r = volume_filter_match (&vs[i], filters[k], users[0] != NULL, &match, err);
      if (r == 0 && match && users[0] == NULL)
        strv_push (&unused, xstrdup (vs[i].name));
    }
  volume_list_free (vs, n);
  if (r < 0)
    return -1;
  if (!force && !confirm (unused))
    return 0;
  if (unused[0] && cli_need (ctx, NEED_USERNS, err) < 0)
    return -1;
  for (size_t i = 0; unused[i]; i++)
    {
      nook_error_t e = NULL;
      if (volume_remove (&ctx->store, unused[i], &e) < 0)
        {
          fprintf (stderr, "Error: %s\n", e->msg);
          nook_error_free (&e);
          continue;
        }
      printf ("%s\n", unused[i]);
    }
  return cli_flush (err);
}

int
cmd_volume_exists (struct nook_ctx *ctx, int argc, char **argv, nook_error_t *err)
{
  const struct opt table[] = { { 0 } };
  const struct cmd_spec spec
      = { "volume exists", "VOLUME", "Check if the given volume exists", table, false, 1, 1 };
  struct volume v;
  char **args;
  int nargs, r;

  r = cli_parse (&spec, argc, argv, &args, &nargs, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  r = volume_load (&ctx->store, args[0], &v, err);
  if (r == 0)
    volume_free (&v);
  return cli_exists_code (r, err);
}
