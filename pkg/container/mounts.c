/* -v, --mount and --volumes-from: parsed and checked at create as Podman
   does, recorded, and applied by the monitor.  */
#include "container/internal.h"
#include "container/mounts.h"
#include "volume/volume.h"

#include <ctype.h>
#include <string.h>
#include <sys/stat.h>

static const char *const propagations[]
    = { "private", "rprivate",   "shared",      "rshared", "slave",
        "rslave",  "unbindable", "runbindable", NULL };

void
container_mount_free (struct container_mount *m)
{
  free (m->type);
  free (m->source);
  free (m->destination);
  strv_free (m->options);
  free (m->mode);
  free (m->image);
  memset (m, 0, sizeof (*m));
}

void
container_mounts_free (struct container_mounts *m)
{
  for (size_t i = 0; i < m->n; i++)
    container_mount_free (&m->v[i]);
  free (m->v);
  strv_free (m->from);
  memset (m, 0, sizeof (*m));
}

static void
mounts_push (struct container_mounts *ms, struct container_mount *m)
{
  ms->v = xrealloc (ms->v, sizeof (*ms->v) * (ms->n + 1));
  ms->v[ms->n++] = *m;
  memset (m, 0, sizeof (*m));
}

/* An absolute container path, cleaned ("/a/./b/" -> "/a/b").  */
static int
check_dest (const char *dest, char **out, nook_error_t *err)
{
  _cleanup_strv_ char **comps = NULL;
  _cleanup_free_ char *joined = NULL;

  if (dest[0] != '/')
    return nook_error (err, 0, "invalid container path \"%s\", must be an absolute path", dest);
  if (nook_path_clean (dest, &comps, err) < 0)
    return -1;
  joined = strv_join (comps, "/");
  *out = xasprintf ("/%s", joined);
  return 0;
}

/* The option groups of which -v takes one each, as Podman's
   ValidateVolumeOpts.  */
struct vol_groups
{
  const char *rw, *suid, *dev, *exec, *prop, *bind, *label, *chown, *overlay;
};

static int
dup_option (const char *opts, const char *what, nook_error_t *err)
{
  _cleanup_free_ char *shown = xstrdup (opts);
  struct nook_buf b = { 0 };
  char *save = NULL;

  for (char *o = strtok_r (shown, ",", &save); o; o = strtok_r (NULL, ",", &save))
    {
      if (b.len)
        nook_buf_puts (&b, ", ");
      nook_buf_puts (&b, o);
    }
  nook_error (err, 0, "invalid options \"%s\", can only specify 1 %s option", b.data ? b.data : "",
              what);
  nook_buf_free (&b);
  return -1;
}

static int
take (const char **slot, const char *o, const char *opts, const char *what, nook_error_t *err)
{
  if (*slot)
    return dup_option (opts, what, err);
  *slot = o;
  return 0;
}

/* Options for the runtime, in Podman's order: ro|rw, propagation, the
   flags, rbind|bind.  */
static void
build_options (struct container_mount *m, const struct vol_groups *g, bool volume)
{
  m->options = xzalloc (sizeof (char *));
  strv_push (&m->options, xstrdup (g->rw ? g->rw : "rw"));
  strv_push (&m->options, xstrdup (g->prop ? g->prop : "rprivate"));
  if (g->suid)
    strv_push (&m->options, xstrdup (g->suid));
  else if (volume)
    strv_push (&m->options, xstrdup ("nosuid"));
  if (g->dev)
    strv_push (&m->options, xstrdup (g->dev));
  else if (volume)
    strv_push (&m->options, xstrdup ("nodev"));
  if (g->exec)
    strv_push (&m->options, xstrdup (g->exec));
  strv_push (&m->options, xstrdup (g->bind ? g->bind : "rbind"));
  m->mode = xstrdup (g->label ? g->label : "");
  m->chown = g->chown != NULL;
  m->overlay = g->overlay != NULL;
}

/* OPTS is cut in place: G's values point into it.  SHOWN: the options
   as given, for messages.  */
static int
parse_volume_opts (char *opts, const char *shown, struct vol_groups *g, nook_error_t *err)
{
  char *save = NULL;
  size_t n = 0;

  for (char *o = strtok_r (opts, ",", &save); o; o = strtok_r (NULL, ",", &save), n++)
    {
      const char *k = o;
      int r;
      if (strcmp (o, "ro") == 0 || strcmp (o, "rw") == 0)
        r = take (&g->rw, k, shown, "'rw' or 'ro'", err);
      else if (strcmp (o, "nosuid") == 0 || strcmp (o, "suid") == 0)
        r = take (&g->suid, k, shown, "'nosuid' or 'suid'", err);
      else if (strcmp (o, "nodev") == 0 || strcmp (o, "dev") == 0)
        r = take (&g->dev, k, shown, "'nodev' or 'dev'", err);
      else if (strcmp (o, "noexec") == 0 || strcmp (o, "exec") == 0)
        r = take (&g->exec, k, shown, "'noexec' or 'exec'", err);
      else if (strv_contains ((char *const *)propagations, o))
        r = take (&g->prop, k, shown, "'[r]shared', '[r]private', '[r]slave' or '[r]unbindable'",
                  err);
      else if (strcmp (o, "bind") == 0 || strcmp (o, "rbind") == 0)
        r = take (&g->bind, k, shown, "'[r]bind'", err);
      else if (strcmp (o, "z") == 0 || strcmp (o, "Z") == 0)
        r = take (&g->label, k, shown, "'z' or 'Z'", err);
      else if (strcmp (o, "U") == 0)
        r = take (&g->chown, k, shown, "'U'", err);
      else if (strcmp (o, "O") == 0)
        r = take (&g->overlay, k, shown, "'O'", err);
      else if (strcmp (o, "copy") == 0 || strcmp (o, "nocopy") == 0)
        r = 0;
      else
        return nook_error (err, 0, "invalid option type \"%s\"", o);
      if (r < 0)
        return -1;
    }
  /* What an overlay's upper layer takes is all it can be told.  */
  if (g->overlay && n > 1 && !(n == 2 && g->chown))
    return nook_error (err, 0, "can't use 'O' with other options");
  return 0;
}

static bool
is_host_path (const char *src)
{
  return src[0] == '/' || src[0] == '.';
}

int
container_mount_parse_volume (const char *arg, struct container_mount *m, nook_error_t *err)
{
  _cleanup_strv_ char **parts = xzalloc (sizeof (char *));
  _cleanup_free_ char *copy = xstrdup (arg);
  struct vol_groups g = { 0 };
  const char *src = NULL, *dst;
  _cleanup_free_ char *shown = NULL;
  char *opts = NULL;
  char *p = copy, *colon;
  size_t n;

  memset (m, 0, sizeof (*m));
  while ((colon = strchr (p, ':')) != NULL)
    {
      *colon = '\0';
      strv_push (&parts, xstrdup (p));
      p = colon + 1;
    }
  strv_push (&parts, xstrdup (p));
  n = strv_len (parts);
  if (n > 3)
    return nook_error (err, 0,
                       "%s: incorrect volume format, should be "
                       "[host-dir:]ctr-dir[:option]",
                       arg);
  if (n == 1)
    dst = parts[0];
  else
    {
      src = parts[0];
      dst = parts[1];
      if (n == 3)
        opts = parts[2];
    }
  shown = xstrdup (opts ? opts : "");
  if (src && src[0] == '\0')
    return nook_error (err, 0, "host directory cannot be empty");
  if (dst[0] == '\0')
    return nook_error (err, 0, "container directory cannot be empty");
  if ((opts && parse_volume_opts (opts, shown, &g, err) < 0)
      || check_dest (dst, &m->destination, err) < 0)
    {
      container_mount_free (m);
      return -1;
    }
  if (src == NULL)
    {
      m->type = xstrdup ("volume");
      m->source = xstrdup ("");
      m->anonymous = true;
    }
  else if (is_host_path (src))
    {
      m->type = xstrdup ("bind");
      m->source = xstrdup (src);
    }
  else
    {
      if (!volume_name_valid (src))
        {
          container_mount_free (m);
          return nook_error (err, 0,
                             "creating named volume \"%s\": running volume create option: names "
                             "must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument",
                             src);
        }
      m->type = xstrdup ("volume");
      m->source = xstrdup (src);
    }
  build_options (m, &g, strcmp (m->type, "volume") == 0);
  return 0;
}

/* "true"/"false" of a --mount key given as KEY or KEY=VALUE.  */
static int
mount_bool (const char *key, const char *val, bool *out, nook_error_t *err)
{
  if (val == NULL || strcasecmp (val, "true") == 0 || strcmp (val, "1") == 0)
    *out = true;
  else if (strcasecmp (val, "false") == 0 || strcmp (val, "0") == 0)
    *out = false;
  else
    {
      if (strcmp (key, "ro") == 0 || strcmp (key, "readonly") == 0 || strcmp (key, "rw") == 0)
        return nook_error (err, 0,
                           "'readonly', 'ro', or 'rw' must be set to true or false, instead "
                           "received \"%s\": must provide an argument for option",
                           val);
      return nook_error (err, 0, "'%s' must be set to true or false, instead received \"%s\"", key,
                         val);
    }
  return 0;
}

struct mount_spec
{
  char *type, *src, *dst;
  bool ro, rw_given, chown, bind_nonrec;
  char *prop, *label, *suid, *dev, *exec;
  struct nook_buf tmpfs; /* tmpfs options, as --tmpfs takes them */
};

static void
mount_spec_free (struct mount_spec *s)
{
  free (s->type);
  free (s->src);
  free (s->dst);
  free (s->prop);
  free (s->label);
  free (s->suid);
  free (s->dev);
  free (s->exec);
  nook_buf_free (&s->tmpfs);
}

static void
tmpfs_opt (struct mount_spec *s, const char *fmt, const char *v)
{
  if (s->tmpfs.len)
    nook_buf_putc (&s->tmpfs, ',');
  nook_buf_printf (&s->tmpfs, fmt, v);
}

static void
set_str (char **slot, const char *v)
{
  free (*slot);
  *slot = xstrdup (v);
}

/* One KEY[=VALUE] of --mount into S.  */
static int
mount_key (struct mount_spec *s, const char *key, const char *val, nook_error_t *err)
{
  bool b;
  const char *t = s->type;
  bool bind = strcmp (t, "bind") == 0, vol = strcmp (t, "volume") == 0;
  bool tmpfs = strcmp (t, "tmpfs") == 0, image = strcmp (t, "image") == 0;

  if ((strcmp (key, "src") == 0 || strcmp (key, "source") == 0) && val)
    {
      if (tmpfs)
        return nook_error (err, 0, "source is not supported with tmpfs mounts");
      set_str (&s->src, val);
    }
  else if ((strcmp (key, "dst") == 0 || strcmp (key, "destination") == 0
            || strcmp (key, "target") == 0)
           && val)
    set_str (&s->dst, val);
  else if (strcmp (key, "ro") == 0 || strcmp (key, "readonly") == 0)
    {
      if (mount_bool (key, val, &b, err) < 0)
        return -1;
      s->ro = b;
      s->rw_given = true;
    }
  else if (strcmp (key, "rw") == 0 || strcmp (key, "readwrite") == 0)
    {
      if (mount_bool (key, val, &b, err) < 0)
        return -1;
      s->ro = !b;
      s->rw_given = true;
    }
  else if (strcmp (key, "bind-propagation") == 0 && bind && val)
    {
      if (!strv_contains ((char *const *)propagations, val))
        return nook_error (err, 0, "invalid option type \"%s\"", val);
      set_str (&s->prop, val);
    }
  else if (strcmp (key, "bind-nonrecursive") == 0 && bind)
    s->bind_nonrec = true;
  else if (strcmp (key, "relabel") == 0 && (bind || vol) && val)
    {
      if (strcmp (val, "shared") != 0 && strcmp (val, "private") != 0)
        return nook_error (err, 0, "%s mount option must be 'private' or 'shared'", key);
      set_str (&s->label, val[0] == 's' ? "z" : "Z");
    }
  else if ((strcmp (key, "z") == 0 || strcmp (key, "Z") == 0) && (bind || vol) && !val)
    set_str (&s->label, key);
  else if ((strcmp (key, "U") == 0 || strcmp (key, "chown") == 0) && (bind || vol))
    {
      if (mount_bool (key, val, &b, err) < 0)
        return -1;
      s->chown = b;
    }
  else if (strcmp (key, "consistency") == 0 && (bind || vol))
    ;
  else if ((strcmp (key, "nosuid") == 0 || strcmp (key, "suid") == 0) && !val && !image)
    tmpfs ? tmpfs_opt (s, "%s", key) : set_str (&s->suid, key);
  else if ((strcmp (key, "nodev") == 0 || strcmp (key, "dev") == 0) && !val && !image)
    tmpfs ? tmpfs_opt (s, "%s", key) : set_str (&s->dev, key);
  else if ((strcmp (key, "noexec") == 0 || strcmp (key, "exec") == 0) && !val && !image)
    tmpfs ? tmpfs_opt (s, "%s", key) : set_str (&s->exec, key);
  else if (strcmp (key, "tmpfs-size") == 0 && tmpfs && val)
    tmpfs_opt (s, "size=%s", val);
  else if (strcmp (key, "tmpfs-mode") == 0 && tmpfs && val)
    tmpfs_opt (s, "mode=%s", val);
  else if ((strcmp (key, "tmpcopyup") == 0 || strcmp (key, "notmpcopyup") == 0) && tmpfs && !val)
    tmpfs_opt (s, "%s", key);
  else
    return nook_error (err, 0, "%s: invalid mount option", key);
  return 0;
}

static int
mount_fields (const char *arg, struct mount_spec *s, nook_error_t *err)
{
  _cleanup_free_ char *copy = xstrdup (arg);
  char *save = NULL;

  /* The type first: which keys are valid depends on it.  */
  for (char *f = strtok_r (copy, ",", &save); f; f = strtok_r (NULL, ",", &save))
    if (str_has_prefix (f, "type="))
      set_str (&s->type, f + 5);
  if (s->type == NULL)
    return nook_error (err, 0,
                       "incorrect mount format: should be --mount "
                       "type=<bind|tmpfs|volume>,[src=<host-dir|volume-name>,]target=<ctr-dir>[,"
                       "options]");
  if (strcmp (s->type, "bind") != 0 && strcmp (s->type, "volume") != 0
      && strcmp (s->type, "tmpfs") != 0 && strcmp (s->type, "image") != 0)
    return nook_error (err, 0, "invalid filesystem type \"%s\"", s->type);
  free (copy);
  copy = xstrdup (arg);
  save = NULL;
  for (char *f = strtok_r (copy, ",", &save); f; f = strtok_r (NULL, ",", &save))
    {
      char *eq = strchr (f, '=');
      if (eq)
        *eq++ = '\0';
      if (strcmp (f, "type") == 0)
        continue;
      if (mount_key (s, f, eq, err) < 0)
        return -1;
    }
  if (strcmp (s->type, "image") == 0 && (s->dst == NULL || s->src == NULL))
    return nook_error (err, 0, "must set source and destination for image volume");
  if (s->dst == NULL)
    return nook_error (err, 0, "must set volume destination");
  return 0;
}

static int
mount_to_entry (struct mount_spec *s, struct container_mount *m, nook_error_t *err)
{
  struct vol_groups g = { 0 };
  bool vol = strcmp (s->type, "volume") == 0;

  if (s->src && s->src[0] == '\0')
    return nook_error (err, 0, "host directory cannot be empty");
  g.rw = s->ro ? "ro" : "rw";
  g.prop = s->prop;
  g.suid = s->suid;
  g.dev = s->dev;
  g.exec = s->exec;
  g.bind = s->bind_nonrec ? "bind" : NULL;
  g.label = s->label;
  g.chown = s->chown ? "U" : NULL;
  /* An image is mounted read-only unless rw=true.  */
  if (strcmp (s->type, "image") == 0 && !s->rw_given)
    g.rw = "ro";
  if (check_dest (s->dst, &m->destination, err) < 0)
    return -1;
  m->type = xstrdup (s->type);
  if (vol && s->src == NULL)
    {
      m->source = xstrdup ("");
      m->anonymous = true;
    }
  else if (strcmp (s->type, "image") == 0)
    m->source = xstrdup (s->src);
  else if (vol)
    {
      if (!volume_name_valid (s->src))
        return nook_error (err, 0,
                           "creating named volume \"%s\": running volume create option: names "
                           "must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument",
                           s->src);
      m->source = xstrdup (s->src);
    }
  else
    /* Podman binds the destination's own path when no source is given.  */
    m->source = xstrdup (s->src ? s->src : s->dst);
  build_options (m, &g, vol || strcmp (s->type, "image") == 0);
  return 0;
}

int
container_mount_parse_mount (const char *arg, struct container_mount *m, char **tmpfs,
                             nook_error_t *err)
{
  struct mount_spec s = { 0 };
  int ret;

  memset (m, 0, sizeof (*m));
  *tmpfs = NULL;
  ret = mount_fields (arg, &s, err);
  if (ret == 0 && strcmp (s.type, "tmpfs") == 0)
    {
      if (s.rw_given)
        tmpfs_opt (&s, "%s", s.ro ? "ro" : "rw");
      *tmpfs = xasprintf ("%s%s%s", s.dst, s.tmpfs.len ? ":" : "", s.tmpfs.len ? s.tmpfs.data : "");
    }
  else if (ret == 0)
    ret = mount_to_entry (&s, m, err);
  if (ret < 0)
    container_mount_free (m);
  mount_spec_free (&s);
  return ret;
}

/* ---- the check at create ---- */

static bool
has_dest (const struct container_mounts *ms, const char *dest)
{
  for (size_t i = 0; i < ms->n; i++)
    if (strcmp (ms->v[i].destination, dest) == 0)
      return true;
  return false;
}

/* The host side of M: a bind's source made absolute and checked, a
   named volume made when missing, an anonymous one made.  */
static int
check_host (const struct container_mounts_ctx *ctx, struct container_mount *m, nook_error_t *err)
{
  struct volume v;

  if (strcmp (m->type, "bind") == 0)
    {
      struct stat st;
      char *abs = NULL;
      if (m->source[0] != '/')
        {
          _cleanup_free_ char *cwd = getcwd (NULL, 0);
          if (cwd == NULL)
            return nook_error (err, errno, "getcwd");
          abs = xasprintf ("%s/%s", cwd, m->source);
        }
      else
        abs = xstrdup (m->source);
      free (m->source);
      m->source = abs;
      if (stat (m->source, &st) < 0)
        {
          /* As Go prints an errno: lowercase.  */
          char msg[128];
          snprintf (msg, sizeof (msg), "%s", strerror (errno));
          msg[0] = (char)tolower ((unsigned char)msg[0]);
          return nook_error (err, 0, "statfs %s: %s", m->source, msg);
        }
      if (m->overlay && !S_ISDIR (st.st_mode))
        return nook_error (err, 0, "%s: an overlay (:O) needs a directory as its source",
                           m->source);
      if (m->overlay && (strchr (m->source, ',') || strchr (m->source, ':')))
        return nook_error (err, 0, "an overlay source cannot hold ',' or ':': `%s`", m->source);
      return 0;
    }
  if (strcmp (m->type, "image") == 0)
    {
      struct storage_image img;
      if (storage_image_lookup (ctx->st, m->source, &img, err) < 0)
        return nook_error_prefix (err, "image mount of `%s`", m->source);
      m->image = xstrdup (img.id);
      storage_image_free (&img);
      return 0;
    }
  if (m->anonymous)
    {
      if (volume_create (ctx->st, NULL, NULL, NULL, true, &v, err) < 0)
        return -1;
      free (m->source);
      m->source = xstrdup (v.name);
      volume_free (&v);
      return 0;
    }
  if (volume_load (ctx->st, m->source, &v, err) == 0)
    {
      volume_free (&v);
      return 0;
    }
  if ((*err)->errnum != ENOENT)
    return -1;
  nook_error_free (err);
  /* Made by someone else meanwhile: theirs is ours.  */
  if (volume_create (ctx->st, m->source, NULL, NULL, false, NULL, err) < 0)
    {
      if ((*err)->errnum != EEXIST)
        return -1;
      nook_error_free (err);
    }
  return 0;
}

static int
add_checked (const struct container_mounts_ctx *ctx, struct container_mount *m,
             struct container_mounts *out, nook_error_t *err)
{
  if (strcmp (m->destination, "/") == 0)
    return nook_error (err, 0,
                       "invalid container path \"/\": cannot mount over the container's "
                       "root directory");
  if (has_dest (out, m->destination))
    return nook_error (err, 0, "%s: duplicate mount destination", m->destination);
  if (check_host (ctx, m, err) < 0)
    return -1;
  mounts_push (out, m);
  return 0;
}

/* --volumes-from CTR[:z|ro|rw]: CTR's volumes and binds, ro or rw as
   asked, on destinations not taken yet.  */
static int
volumes_from (const struct container_mounts_ctx *ctx, const char *arg, struct container_mounts *out,
              nook_error_t *err)
{
  _cleanup_free_ char *ref = xstrdup (arg);
  char *opt = strchr (ref, ':');
  const char *rw = NULL;
  struct container c;
  char id[65];

  if (opt)
    *opt++ = '\0';
  for (char *save = NULL, *o = opt ? strtok_r (opt, ",", &save) : NULL; o;
       o = strtok_r (NULL, ",", &save))
    if (strcmp (o, "ro") == 0 || strcmp (o, "rw") == 0)
      rw = o;
    else if (strcmp (o, "z") != 0)
      return nook_error (err, 0,
                         "invalid option \"%s\" specified - volumes from another container can "
                         "only use z,ro,rw options",
                         o);
  if (storage_container_resolve (ctx->st, ref, id, err) < 0
      || container_load (ctx->st, id, &c, err) < 0)
    return nook_error_prefix (err, "looking up container \"%s\" for volumes-from", ref);
  for (size_t i = 0; i < c.cfg.mounts.n; i++)
    {
      const struct container_mount *src = &c.cfg.mounts.v[i];
      struct container_mount m = { 0 };
      if (has_dest (out, src->destination))
        continue;
      m.type = xstrdup (src->type);
      m.source = xstrdup (src->source);
      m.destination = xstrdup (src->destination);
      m.options = strv_dup (src->options);
      m.mode = xstrdup (src->mode ? src->mode : "");
      m.image = src->image ? xstrdup (src->image) : NULL;
      m.overlay = src->overlay;
      for (size_t k = 0; rw && m.options[k]; k++)
        if (strcmp (m.options[k], "ro") == 0 || strcmp (m.options[k], "rw") == 0)
          {
            free (m.options[k]);
            m.options[k] = xstrdup (rw);
          }
      mounts_push (out, &m);
    }
  container_free (&c);
  return 0;
}

/* The image's VOLUMEs that no mount covers: anonymous volumes.  */
static int
image_volumes (const struct container_mounts_ctx *ctx, struct container_mounts *out,
               nook_error_t *err)
{
  for (size_t i = 0; ctx->image_volumes && ctx->image_volumes[i]; i++)
    {
      struct container_mount m = { 0 };
      struct vol_groups g = { 0 };
      nook_error_t ignored = NULL;

      if (check_dest (ctx->image_volumes[i], &m.destination, &ignored) < 0)
        {
          nook_error_free (&ignored);
          continue;
        }
      if (has_dest (out, m.destination))
        {
          container_mount_free (&m);
          continue;
        }
      m.type = xstrdup ("volume");
      m.source = xstrdup ("");
      m.anonymous = true;
      build_options (&m, &g, true);
      if (check_host (ctx, &m, err) < 0)
        {
          container_mount_free (&m);
          return -1;
        }
      mounts_push (out, &m);
    }
  return 0;
}

static int
check_all (const struct container_mounts_ctx *ctx, const struct container_mount_opts *in,
           struct container_mounts *out, char ***tmpfs, nook_error_t *err)
{
  for (size_t i = 0; in->mounts && in->mounts[i]; i++)
    {
      struct container_mount m;
      char *t = NULL;
      if (container_mount_parse_mount (in->mounts[i], &m, &t, err) < 0)
        return -1;
      if (t)
        {
          strv_push (tmpfs, t);
          continue;
        }
      if (add_checked (ctx, &m, out, err) < 0)
        {
          container_mount_free (&m);
          return -1;
        }
    }
  for (size_t i = 0; in->volumes && in->volumes[i]; i++)
    {
      struct container_mount m;
      if (container_mount_parse_volume (in->volumes[i], &m, err) < 0)
        return -1;
      if (add_checked (ctx, &m, out, err) < 0)
        {
          container_mount_free (&m);
          return -1;
        }
    }
  for (size_t i = 0; in->volumes_from && in->volumes_from[i]; i++)
    if (volumes_from (ctx, in->volumes_from[i], out, err) < 0)
      return -1;
  return image_volumes (ctx, out, err);
}

int
container_mounts_check (const struct container_mounts_ctx *ctx,
                        const struct container_mount_opts *in, struct container_mounts *out,
                        char ***tmpfs, nook_error_t *err)
{
  memset (out, 0, sizeof (*out));
  *tmpfs = xzalloc (sizeof (char *));
  if (in->volumes_from && in->volumes_from[0])
    out->from = strv_dup (in->volumes_from);
  if (check_all (ctx, in, out, tmpfs, err) < 0)
    {
      container_mounts_remove_anonymous (ctx->st, out);
      container_mounts_free (out);
      strv_free (*tmpfs);
      *tmpfs = NULL;
      return -1;
    }
  return 0;
}

void
container_mounts_remove_anonymous (struct storage *st, const struct container_mounts *m)
{
  struct container *cs = NULL;
  size_t n = 0;
  nook_error_t listerr = NULL;

  /* One another container still uses (--volumes-from) stays, as Podman
     leaves it.  */
  for (size_t i = 0; i < m->n && cs == NULL; i++)
    if (m->v[i].anonymous && m->v[i].source[0] && container_list (st, &cs, &n, &listerr) < 0)
      {
        nook_warn ("%s", listerr->msg);
        nook_error_free (&listerr);
        return;
      }
  for (size_t i = 0; i < m->n; i++)
    if (m->v[i].anonymous && m->v[i].source[0])
      {
        nook_error_t e = NULL;
        bool used = false;
        for (size_t k = 0; k < n && !used; k++)
          used = container_mounts_use_volume (&cs[k].cfg.mounts, m->v[i].source);
        if (used)
          {
            nook_debug ("volume %s is used by another container: kept", m->v[i].source);
            continue;
          }
        if (volume_remove (st, m->v[i].source, &e) < 0)
          {
            if (e->errnum != ENOENT)
              nook_warn ("%s", e->msg);
            nook_error_free (&e);
          }
      }
  container_list_free (cs, n);
}

bool
container_mounts_use_volume (const struct container_mounts *m, const char *name)
{
  for (size_t i = 0; i < m->n; i++)
    if (strcmp (m->v[i].type, "volume") == 0 && strcmp (m->v[i].source, name) == 0)
      return true;
  return false;
}

int
container_volumes_count_mounts (struct storage *st, struct volume *vs, size_t n, nook_error_t *err)
{
  struct container *cs = NULL;
  size_t nc = 0;

  if (n == 0)
    return 0;
  if (container_list (st, &cs, &nc, err) < 0)
    return -1;
  for (size_t i = 0; i < nc; i++)
    for (size_t k = 0; cs[i].state.status == CONTAINER_RUNNING && k < n; k++)
      if (container_mounts_use_volume (&cs[i].cfg.mounts, vs[k].name))
        vs[k].mount_count++;
  container_list_free (cs, nc);
  return 0;
}

bool
container_mounts_match_filter (const struct container_mounts *m, const char *v)
{
  for (size_t i = 0; i < m->n; i++)
    if (strcmp (m->v[i].destination, v) == 0
        || (strcmp (m->v[i].type, "volume") == 0 && strcmp (m->v[i].source, v) == 0))
      return true;
  return false;
}

bool
container_mounts_use_image (const struct container_mounts *m, const char *id)
{
  for (size_t i = 0; i < m->n; i++)
    if (m->v[i].image && strcmp (m->v[i].image, id) == 0)
      return true;
  return false;
}

/* ---- the record ---- */

void
container_mounts_write (struct json_gen *g, const struct container_mounts *m)
{
  json_gen_key (g, "mounts");
  json_gen_array_open (g);
  for (size_t i = 0; i < m->n; i++)
    {
      const struct container_mount *e = &m->v[i];
      json_gen_object_open (g);
      json_gen_kv_string (g, "type", e->type);
      json_gen_kv_string (g, "source", e->source);
      json_gen_kv_string (g, "destination", e->destination);
      json_gen_kv_strv (g, "options", e->options);
      json_gen_kv_string (g, "mode", e->mode ? e->mode : "");
      if (e->image)
        json_gen_kv_string (g, "image", e->image);
      json_gen_kv_bool (g, "chown", e->chown);
      json_gen_kv_bool (g, "overlay", e->overlay);
      json_gen_kv_bool (g, "anonymous", e->anonymous);
      json_gen_object_close (g);
    }
  json_gen_array_close (g);
  if (m->from)
    json_gen_kv_strv (g, "volumes_from", m->from);
}

static int
read_one (const nook_json *o, struct container_mount *m, nook_error_t *err)
{
  const char *type = NULL, *src = NULL, *dst = NULL, *mode = NULL, *image = NULL;

  if (json_get_str (o, "type", "mounts[].type", true, &type, err) < 0
      || json_get_str (o, "source", "mounts[].source", true, &src, err) < 0
      || json_get_str (o, "destination", "mounts[].destination", true, &dst, err) < 0
      || json_get_strv (o, "options", "mounts[].options", false, &m->options, err) < 0
      || json_get_str (o, "mode", "mounts[].mode", false, &mode, err) < 0
      || json_get_str (o, "image", "mounts[].image", false, &image, err) < 0
      || json_get_bool (o, "chown", "mounts[].chown", false, &m->chown, err) < 0
      || json_get_bool (o, "overlay", "mounts[].overlay", false, &m->overlay, err) < 0
      || json_get_bool (o, "anonymous", "mounts[].anonymous", false, &m->anonymous, err) < 0)
    return -1;
  if ((strcmp (type, "bind") != 0 && strcmp (type, "volume") != 0 && strcmp (type, "image") != 0)
      || dst[0] != '/' || (strcmp (type, "volume") == 0 && !volume_name_valid (src))
      || (strcmp (type, "bind") == 0 && src[0] != '/')
      || (strcmp (type, "image") == 0 && (image == NULL || !storage_is_id (image))))
    return nook_error (err, 0, "invalid mount of `%s` in the record", dst);
  m->type = xstrdup (type);
  m->source = xstrdup (src);
  m->destination = xstrdup (dst);
  m->mode = xstrdup (mode ? mode : "");
  m->image = image ? xstrdup (image) : NULL;
  if (m->options == NULL)
    m->options = xzalloc (sizeof (char *));
  return 0;
}

int
container_mounts_read (const nook_json *j, struct container_mounts *m, nook_error_t *err)
{
  nook_json *arr = NULL;

  memset (m, 0, sizeof (*m));
  if (json_get_array (j, "mounts", "mounts", false, &arr, err) < 0
      || json_get_strv (j, "volumes_from", "volumes_from", false, &m->from, err) < 0)
    return -1;
  for (size_t i = 0; arr && i < json_len (arr); i++)
    {
      struct container_mount e = { 0 };
      if (read_one (json_at (arr, i), &e, err) < 0)
        {
          container_mount_free (&e);
          container_mounts_free (m);
          return -1;
        }
      mounts_push (m, &e);
    }
  return 0;
}

/* ---- inspect ---- */

static const char *
propagation_of (const struct container_mount *m)
{
  for (size_t i = 0; m->options && m->options[i]; i++)
    if (strv_contains ((char *const *)propagations, m->options[i]))
      return m->options[i];
  return "rprivate";
}

static bool
is_rw (const struct container_mount *m)
{
  return !strv_contains (m->options, "ro");
}

/* As Podman shows an image mount.  */
static void
inspect_image (const struct container_mount *m, struct json_gen *g)
{
  json_gen_object_open (g);
  json_gen_kv_string (g, "Type", "image");
  json_gen_kv_string (g, "Source", m->source);
  json_gen_kv_string (g, "Destination", m->destination);
  json_gen_kv_string (g, "Driver", "");
  json_gen_kv_string (g, "Mode", "");
  json_gen_key (g, "Options");
  json_gen_null (g);
  json_gen_kv_bool (g, "RW", is_rw (m));
  json_gen_kv_string (g, "Propagation", "");
  json_gen_object_close (g);
}

static void
inspect_one (struct storage *st, const struct container_mount *m, struct json_gen *g)
{
  bool vol = strcmp (m->type, "volume") == 0;
  _cleanup_free_ char *src = vol ? volume_data_path (st, m->source) : xstrdup (m->source);

  json_gen_object_open (g);
  json_gen_kv_string (g, "Type", m->type);
  if (vol)
    json_gen_kv_string (g, "Name", m->source);
  json_gen_kv_string (g, "Source", src);
  json_gen_kv_string (g, "Destination", m->destination);
  json_gen_kv_string (g, "Driver", vol ? "local" : "");
  json_gen_kv_string (g, "Mode", m->mode ? m->mode : "");
  json_gen_key (g, "Options");
  json_gen_array_open (g);
  if (m->chown)
    json_gen_string (g, "U");
  if (m->overlay)
    json_gen_string (g, "O");
  for (size_t i = 0; m->options && m->options[i]; i++)
    if (strcmp (m->options[i], "ro") != 0 && strcmp (m->options[i], "rw") != 0
        && !strv_contains ((char *const *)propagations, m->options[i]))
      json_gen_string (g, m->options[i]);
  json_gen_array_close (g);
  json_gen_kv_bool (g, "RW", is_rw (m));
  json_gen_kv_string (g, "Propagation", propagation_of (m));
  json_gen_object_close (g);
}

void
container_mounts_inspect (struct storage *st, const struct container_mounts *m, struct json_gen *g)
{
  /* Podman lists the volumes, then the bind mounts, then the images.  */
  json_gen_array_open (g);
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < m->n; i++)
      if (strcmp (m->v[i].type, "image") != 0
          && (strcmp (m->v[i].type, "volume") == 0) == (pass == 0))
        inspect_one (st, &m->v[i], g);
  for (size_t i = 0; i < m->n; i++)
    if (strcmp (m->v[i].type, "image") == 0)
      inspect_image (&m->v[i], g);
  json_gen_array_close (g);
}

void
container_mounts_volumes_from (const struct container_mounts *m, struct json_gen *g)
{
  json_gen_strv (g, m->from);
}

void
container_mounts_binds (const struct container_mounts *m, struct json_gen *g)
{
  json_gen_array_open (g);
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < m->n; i++)
      {
        const struct container_mount *e = &m->v[i];
        struct nook_buf b = { 0 };
        if ((strcmp (e->type, "volume") == 0) != (pass == 0) || strcmp (e->type, "image") == 0)
          continue;
        nook_buf_printf (&b, "%s:%s:", e->source, e->destination);
        if (e->chown)
          nook_buf_puts (&b, "U,");
        if (e->overlay)
          nook_buf_puts (&b, "O,");
        if (e->mode && e->mode[0])
          nook_buf_printf (&b, "%s,", e->mode);
        for (size_t k = 0; e->options && e->options[k]; k++)
          nook_buf_printf (&b, "%s%s", k ? "," : "", e->options[k]);
        json_gen_string (g, b.data);
        nook_buf_free (&b);
      }
  json_gen_array_close (g);
}
