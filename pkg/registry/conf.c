/* containers-registries.conf(5): unqualified-search-registries,
   [[registry]] (prefix, location, insecure, blocked,
   mirror-by-digest-only, [[registry.mirror]]), [aliases], and the V1
   tables ([registries.search], [registries.insecure],
   [registries.block]).  Files are read as containers/image reads them:
   the user's file instead of the system's, then the drop-ins of both,
   each later one replacing what it sets.  */
#include "registry/internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

enum section
{
  S_ROOT,
  S_REGISTRY,
  S_MIRROR,
  S_ALIASES,
  S_V1_SEARCH,
  S_V1_INSECURE,
  S_V1_BLOCK,
  S_OTHER,
};

struct loader
{
  struct reg_conf *c;
  const char *origin;
  enum section sec;
  size_t depth; /* of the current table's name */
  /* this file's [[registry]] entries, merged into C at the end */
  struct reg_entry *regs;
  size_t n_regs;
  char **search;
  bool saw_search;
  char **v1_insecure, **v1_block;
};

static void
entry_free (struct reg_entry *e)
{
  free (e->prefix);
  free (e->location);
  for (size_t i = 0; i < e->n_mirrors; i++)
    free (e->mirrors[i].location);
  free (e->mirrors);
  memset (e, 0, sizeof (*e));
}

void
reg_conf_free (struct reg_conf *c)
{
  strv_free (c->search);
  for (size_t i = 0; i < c->n_regs; i++)
    entry_free (&c->regs[i]);
  free (c->regs);
  strv_free (c->alias_keys);
  strv_free (c->alias_values);
  strv_free (c->files);
  memset (c, 0, sizeof (*c));
}

static bool
path_is (char *const *path, const char *a, const char *b)
{
  size_t n = strv_len (path);
  return (b == NULL && n == 1 && strcmp (path[0], a) == 0)
         || (b && n == 2 && strcmp (path[0], a) == 0 && strcmp (path[1], b) == 0);
}

static int
on_table (void *data, char *const *path, bool array, int line, nook_error_t *err)
{
  struct loader *l = data;

  l->depth = strv_len (path);
  if (array && path_is (path, "registry", NULL))
    {
      l->regs = xrealloc (l->regs, (l->n_regs + 1) * sizeof (*l->regs));
      memset (&l->regs[l->n_regs++], 0, sizeof (*l->regs));
      l->sec = S_REGISTRY;
    }
  else if (array && path_is (path, "registry", "mirror"))
    {
      struct reg_entry *e;
      if (l->n_regs == 0)
        return nook_error (err, 0, "%s:%d: [[registry.mirror]] outside a [[registry]]", l->origin,
                           line);
      e = &l->regs[l->n_regs - 1];
      e->mirrors = xrealloc (e->mirrors, (e->n_mirrors + 1) * sizeof (*e->mirrors));
      memset (&e->mirrors[e->n_mirrors++], 0, sizeof (*e->mirrors));
      l->sec = S_MIRROR;
    }
  else if (!array && path_is (path, "aliases", NULL))
    l->sec = S_ALIASES;
  else if (!array && path_is (path, "registries", "search"))
    l->sec = S_V1_SEARCH;
  else if (!array && path_is (path, "registries", "insecure"))
    l->sec = S_V1_INSECURE;
  else if (!array && path_is (path, "registries", "block"))
    l->sec = S_V1_BLOCK;
  else if (path_is (path, "registry", NULL) || path_is (path, "registry", "mirror"))
    return nook_error (err, 0, "%s:%d: `%s` must be an array of tables: [[...]]", l->origin, line,
                       path[strv_len (path) - 1]);
  else
    l->sec = S_OTHER;
  return 0;
}

static int
want_type (const struct loader *l, const char *key, const struct toml_value *v, enum toml_type t,
           int line, nook_error_t *err)
{
  static const char *const names[]
      = { "a string", "a boolean", "an integer", "an array of strings" };
  if (v->type != t)
    return nook_error (err, 0, "%s:%d: `%s` must be %s", l->origin, line, key, names[t]);
  return 0;
}

/* A location is host[:port][/path]: no scheme, no spaces.  */
static int
check_location (const struct loader *l, const char *key, const char *s, int line, nook_error_t *err)
{
  if (strstr (s, "://"))
    return nook_error (err, 0, "%s:%d: `%s` = \"%s\": a location has no scheme", l->origin, line,
                       key, s);
  for (const char *p = s; *p; p++)
    if ((unsigned char)*p <= ' ' || *p == '@' || *p == '\\')
      return nook_error (err, 0, "%s:%d: `%s` = \"%s\" is not a registry location", l->origin, line,
                         key, s);
  return 0;
}

static int
set_string (const struct loader *l, const char *key, const struct toml_value *v, char **dest,
            int line, nook_error_t *err)
{
  if (want_type (l, key, v, TOML_STRING, line, err) < 0
      || check_location (l, key, v->str, line, err) < 0)
    return -1;
  free (*dest);
  *dest = xstrdup (v->str);
  return 0;
}

static int
set_bool (const struct loader *l, const char *key, const struct toml_value *v, bool *dest, int line,
          nook_error_t *err)
{
  if (want_type (l, key, v, TOML_BOOL, line, err) < 0)
    return -1;
  *dest = v->b;
  return 0;
}

static int
registry_key (struct loader *l, const char *key, const struct toml_value *v, int line,
              nook_error_t *err)
{
  struct reg_entry *e = &l->regs[l->n_regs - 1];

  if (strcmp (key, "prefix") == 0)
    return set_string (l, key, v, &e->prefix, line, err);
  if (strcmp (key, "location") == 0)
    return set_string (l, key, v, &e->location, line, err);
  if (strcmp (key, "insecure") == 0)
    return set_bool (l, key, v, &e->insecure, line, err);
  if (strcmp (key, "blocked") == 0)
    return set_bool (l, key, v, &e->blocked, line, err);
  if (strcmp (key, "mirror-by-digest-only") == 0)
    return set_bool (l, key, v, &e->mirror_by_digest_only, line, err);
  return 0; /* other keys are for other tools */
}

static int
mirror_key (struct loader *l, const char *key, const struct toml_value *v, int line,
            nook_error_t *err)
{
  struct reg_entry *e = &l->regs[l->n_regs - 1];
  struct reg_mirror *m = &e->mirrors[e->n_mirrors - 1];

  if (strcmp (key, "location") == 0)
    return set_string (l, key, v, &m->location, line, err);
  if (strcmp (key, "insecure") == 0)
    return set_bool (l, key, v, &m->insecure, line, err);
  return 0;
}

static void
alias_set (struct reg_conf *c, const char *key, const char *value)
{
  for (size_t i = 0; c->alias_keys && c->alias_keys[i]; i++)
    if (strcmp (c->alias_keys[i], key) == 0)
      {
        free (c->alias_values[i]);
        c->alias_values[i] = xstrdup (value);
        return;
      }
  strv_push (&c->alias_keys, xstrdup (key));
  strv_push (&c->alias_values, xstrdup (value));
}

static int
alias_key (struct loader *l, const char *key, const struct toml_value *v, int line,
           nook_error_t *err)
{
  struct image_ref ref;

  if (want_type (l, key, v, TOML_STRING, line, err) < 0)
    return -1;
  if (image_ref_parse (v->str, &ref, err) < 0)
    return nook_error_prefix (err, "%s:%d: alias `%s`", l->origin, line, key);
  if (ref.domain == NULL)
    {
      image_ref_free (&ref);
      return nook_error (err, 0, "%s:%d: alias `%s` = \"%s\" must name its registry", l->origin,
                         line, key, v->str);
    }
  image_ref_free (&ref);
  alias_set (l->c, key, v->str);
  return 0;
}

static int
on_kv (void *data, char *const *path, const char *key, const struct toml_value *v, int line,
       nook_error_t *err)
{
  struct loader *l = data;
  bool v1 = l->sec == S_V1_SEARCH || l->sec == S_V1_INSECURE || l->sec == S_V1_BLOCK;

  if (strv_len (path) != l->depth)
    return 0; /* a dotted key: into a table nook does not use */
  switch (l->sec)
    {
    case S_ROOT:
      if (strcmp (key, "unqualified-search-registries") != 0)
        return 0;
      if (want_type (l, key, v, TOML_STRINGS, line, err) < 0)
        return -1;
      for (size_t i = 0; v->strs[i]; i++)
        if (check_location (l, key, v->strs[i], line, err) < 0)
          return -1;
      strv_free (l->search);
      l->search = strv_dup (v->strs);
      l->saw_search = true;
      return 0;
    case S_REGISTRY:
      return registry_key (l, key, v, line, err);
    case S_MIRROR:
      return mirror_key (l, key, v, line, err);
    case S_ALIASES:
      return alias_key (l, key, v, line, err);
    default:
      break;
    }
  if (v1 && strcmp (key, "registries") == 0)
    {
      if (want_type (l, key, v, TOML_STRINGS, line, err) < 0)
        return -1;
      if (l->sec == S_V1_SEARCH)
        {
          strv_free (l->search);
          l->search = strv_dup (v->strs);
          l->saw_search = true;
        }
      else
        {
          char ***dest = l->sec == S_V1_INSECURE ? &l->v1_insecure : &l->v1_block;
          strv_free (*dest);
          *dest = strv_dup (v->strs);
        }
    }
  return 0;
}

static struct reg_entry *
find_prefix (struct reg_entry *regs, size_t n, const char *prefix)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (regs[i].prefix, prefix) == 0)
      return &regs[i];
  return NULL;
}

/* A V1 insecure/block list entry is a registry of its own.  */
static void
v1_entries (struct loader *l, char **hosts, bool block)
{
  for (size_t i = 0; hosts && hosts[i]; i++)
    {
      struct reg_entry *e = find_prefix (l->regs, l->n_regs, hosts[i]);
      if (e == NULL)
        {
          l->regs = xrealloc (l->regs, (l->n_regs + 1) * sizeof (*l->regs));
          e = &l->regs[l->n_regs++];
          memset (e, 0, sizeof (*e));
          e->prefix = xstrdup (hosts[i]);
          e->location = xstrdup (hosts[i]);
        }
      if (block)
        e->blocked = true;
      else
        e->insecure = true;
    }
}

static int
finish_entries (struct loader *l, nook_error_t *err)
{
  for (size_t i = 0; i < l->n_regs; i++)
    {
      struct reg_entry *e = &l->regs[i];
      if (e->prefix == NULL && e->location == NULL)
        return nook_error (err, 0, "%s: a [[registry]] has neither prefix nor location", l->origin);
      if (e->prefix == NULL)
        e->prefix = xstrdup (e->location);
      if (str_has_prefix (e->prefix, "*.") && e->location)
        return nook_error (err, 0,
                           "%s: [[registry]] with the wildcard prefix `%s` cannot have a location",
                           l->origin, e->prefix);
      for (size_t k = 0; k < e->n_mirrors; k++)
        if (e->mirrors[k].location == NULL)
          return nook_error (err, 0, "%s: a [[registry.mirror]] of `%s` has no location", l->origin,
                             e->prefix);
    }
  return 0;
}

/* Later files replace the entries with the same prefix.  */
static void
merge (struct loader *l)
{
  struct reg_conf *c = l->c;

  if (l->saw_search)
    {
      strv_free (c->search);
      c->search = steal_pointer (&l->search);
    }
  for (size_t i = 0; i < l->n_regs; i++)
    {
      struct reg_entry *old = find_prefix (c->regs, c->n_regs, l->regs[i].prefix);
      if (old == NULL)
        {
          c->regs = xrealloc (c->regs, (c->n_regs + 1) * sizeof (*c->regs));
          old = &c->regs[c->n_regs++];
        }
      else
        entry_free (old);
      *old = l->regs[i];
    }
  l->n_regs = 0;
}

int
reg_conf_parse (struct reg_conf *c, const char *text, size_t len, const char *origin,
                nook_error_t *err)
{
  struct loader l = { .c = c, .origin = origin, .sec = S_ROOT };
  const struct toml_handler h = { on_table, on_kv, &l };
  int r;

  r = toml_parse (text, len, origin, &h, err);
  if (r == 0)
    {
      v1_entries (&l, l.v1_insecure, false);
      v1_entries (&l, l.v1_block, true);
      r = finish_entries (&l, err);
    }
  if (r == 0)
    merge (&l);
  for (size_t i = 0; i < l.n_regs; i++)
    entry_free (&l.regs[i]);
  free (l.regs);
  strv_free (l.search);
  strv_free (l.v1_insecure);
  strv_free (l.v1_block);
  if (r == 0)
    strv_push (&c->files, xstrdup (origin));
  return r;
}

static int
load_file (struct reg_conf *c, const char *path, nook_error_t *err)
{
  _cleanup_free_ char *text = NULL;
  size_t len;

  if (nook_read_file_at (AT_FDCWD, path, REG_CONF_MAX, &text, &len, err) < 0)
    {
      if ((*err)->errnum == ENOENT)
        {
          nook_error_free (err);
          return 0;
        }
      return -1;
    }
  if (memchr (text, '\0', len))
    return nook_error (err, 0, "%s: not a text file", path);
  return reg_conf_parse (c, text, len, path, err);
}

static bool
is_conf (const char *name)
{
  return name[0] != '.' && str_has_suffix (name, ".conf");
}

static int
load_dropins (struct reg_conf *c, const char *dir, nook_error_t *err)
{
  _cleanup_close_ int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_strv_ char **names = NULL;

  if (fd < 0)
    return 0;
  if (nook_list_dir (fd, is_conf, &names, err) < 0)
    return -1;
  qsort (names, strv_len (names), sizeof (char *), (int (*) (const void *, const void *))strcmp);
  for (size_t i = 0; names[i]; i++)
    {
      _cleanup_free_ char *path = xasprintf ("%s/%s", dir, names[i]);
      if (load_file (c, path, err) < 0)
        return -1;
    }
  return 0;
}

static char *
user_config_dir (void)
{
  const char *xdg = getenv ("XDG_CONFIG_HOME");
  const char *home = getenv ("HOME");

  if (xdg && xdg[0] == '/')
    return xasprintf ("%s/containers", xdg);
  if (home && home[0] == '/')
    return xasprintf ("%s/.config/containers", home);
  return NULL;
}

int
reg_conf_load (struct reg_conf *c, nook_error_t *err)
{
  const char *env = getenv ("CONTAINERS_REGISTRIES_CONF");
  _cleanup_free_ char *user = user_config_dir ();
  _cleanup_free_ char *user_file = user ? xasprintf ("%s/registries.conf", user) : NULL;
  _cleanup_free_ char *user_dir = user ? xasprintf ("%s/registries.conf.d", user) : NULL;
  struct stat st;
  int r;

  memset (c, 0, sizeof (*c));
  if (env && *env)
    r = load_file (c, env, err);
  else
    {
      if (user_file && stat (user_file, &st) == 0)
        r = load_file (c, user_file, err);
      else
        r = load_file (c, "/etc/containers/registries.conf", err);
      if (r == 0)
        r = load_dropins (c, "/etc/containers/registries.conf.d", err);
      if (r == 0 && user_dir)
        r = load_dropins (c, user_dir, err);
    }
  if (r < 0)
    reg_conf_free (c);
  return r;
}

/* How well PREFIX matches NAME ("host/path"): its length, 0 for no match.  */
static size_t
prefix_match (const char *prefix, const char *name)
{
  size_t n = strlen (prefix);

  if (n == 0)
    return 0;
  if (str_has_prefix (prefix, "*."))
    {
      const char *slash = strchr (name, '/');
      size_t host = slash ? (size_t)(slash - name) : strlen (name);
      size_t suffix = n - 1; /* ".example.com" */
      return host > suffix && strncmp (name + host - suffix, prefix + 1, suffix) == 0 ? n : 0;
    }
  if (strncmp (name, prefix, n) != 0)
    return 0;
  return name[n] == '\0' || name[n] == '/' || prefix[n - 1] == '/' ? n : 0;
}

const struct reg_entry *
reg_conf_find (const struct reg_conf *c, const char *name)
{
  const struct reg_entry *best = NULL;
  size_t best_len = 0;

  for (size_t i = 0; i < c->n_regs; i++)
    {
      size_t m = prefix_match (c->regs[i].prefix, name);
      if (m > best_len)
        {
          best = &c->regs[i];
          best_len = m;
        }
    }
  return best;
}

const char *
reg_conf_alias (const struct reg_conf *c, const char *name)
{
  for (size_t i = 0; c->alias_keys && c->alias_keys[i]; i++)
    if (strcmp (c->alias_keys[i], name) == 0)
      return c->alias_values[i];
  return NULL;
}
