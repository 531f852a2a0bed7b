/* --userns, --uidmap and --gidmap: parsed and checked at create, the
   mappings computed once and kept in the record (a change to /etc/subuid
   shows at the next create, as with Podman).  */
#include "container/internal.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>

/* Podman's bounds for --userns=auto when no size is given.  */
#define AUTO_MIN_SIZE 1024
#define AUTO_MAX_SIZE 65536
#define ETC_MAX       (4 << 20)

/* Go's strconv.ParseUint for a uint32, with its message.  */
static int
parse_u32 (const char *s, uint32_t *out, nook_error_t *err)
{
  char *end;
  unsigned long long v;

  errno = 0;
  v = strtoull (s, &end, 10);
  if (s[0] < '0' || s[0] > '9' || *end != '\0')
    return nook_error (err, 0, "strconv.ParseUint: parsing \"%s\": invalid syntax", s);
  if (errno == ERANGE || v > UINT32_MAX)
    return nook_error (err, 0, "strconv.ParseUint: parsing \"%s\": value out of range", s);
  *out = (uint32_t)v;
  return 0;
}

/* ---- the mode ---- */

struct mode_opts
{
  enum container_userns_kind kind;
  bool has_uid, has_gid, has_size;
  uint32_t uid, gid, size;
  struct userns_map extra_uids, extra_gids; /* auto's uidmapping=, gidmapping= */
};

static int parse_idmaps (char *const *specs, bool gid, const struct userns_map *map,
                         struct userns_map *out, nook_error_t *err);

/* auto's uidmapping=C:H:N (or gidmapping=), added to EXTRA.  */
static int
auto_extra_map (const char *val, bool gid, struct userns_map *extra, nook_error_t *err)
{
  char *one[] = { (char *)val, NULL };
  struct userns_map m;

  if (parse_idmaps (one, gid, NULL, &m, err) < 0)
    return -1;
  if (extra->n == USERNS_MAX_RANGES)
    return nook_error (err, 0, "more than %d %s mappings", USERNS_MAX_RANGES, gid ? "GID" : "UID");
  userns_map_add (extra, m.r[0].inside, m.r[0].outside, m.r[0].count);
  return 0;
}

/* "key=value,key=value" after "keep-id:" or "auto:".  */
static int
parse_mode_options (const char *opts, struct mode_opts *m, nook_error_t *err)
{
  _cleanup_free_ char *copy = xstrdup (opts);
  char *save = NULL;

  for (char *o = strtok_r (copy, ",", &save); o; o = strtok_r (NULL, ",", &save))
    {
      char *eq = strchr (o, '=');
      const char *val = eq ? eq + 1 : "";
      if (eq)
        *eq = '\0';
      if (m->kind == CONTAINER_USERNS_KEEP_ID && (str_eq (o, "uid") || str_eq (o, "gid")))
        {
          bool uid = str_eq (o, "uid");
          if (parse_u32 (val, uid ? &m->uid : &m->gid, err) < 0)
            return -1;
          *(uid ? &m->has_uid : &m->has_gid) = true;
        }
      else if (m->kind == CONTAINER_USERNS_AUTO && str_eq (o, "size"))
        {
          if (parse_u32 (val, &m->size, err) < 0)
            return -1;
          if (m->size == 0)
            return nook_error (err, 0, "invalid size 0 for --userns=auto: at least 1 id is needed");
          m->has_size = true;
        }
      else if (m->kind == CONTAINER_USERNS_AUTO
               && (str_eq (o, "uidmapping") || str_eq (o, "gidmapping")))
        {
          bool gid = str_eq (o, "gidmapping");
          if (auto_extra_map (val, gid, gid ? &m->extra_gids : &m->extra_uids, err) < 0)
            return -1;
        }
      else if (m->kind == CONTAINER_USERNS_KEEP_ID)
        return nook_error (err, 0, "unknown option specified: \"%s\"", o);
      else
        return nook_error (err, 0, "invalid option specified: \"%s\"", o);
    }
  return 0;
}

static int
parse_mode (const char *mode, struct mode_opts *m, nook_error_t *err)
{
  memset (m, 0, sizeof (*m));
  if (mode == NULL || mode[0] == '\0' || str_eq (mode, "host"))
    m->kind = CONTAINER_USERNS_HOST;
  else if (str_eq (mode, "nomap"))
    m->kind = CONTAINER_USERNS_NOMAP;
  else if (str_eq (mode, "keep-id") || str_has_prefix (mode, "keep-id:"))
    m->kind = CONTAINER_USERNS_KEEP_ID;
  else if (str_eq (mode, "auto") || str_has_prefix (mode, "auto:"))
    m->kind = CONTAINER_USERNS_AUTO;
  else if (str_eq (mode, "private"))
    return nook_error (err, 0,
                       "must provide at least one UID or GID mapping to configure a user "
                       "namespace");
  else if (str_has_prefix (mode, "ns:") || str_has_prefix (mode, "container:"))
    return nook_error (
        err, 0, "--userns=%s: joining another user namespace is not supported by nook", mode);
  else
    return nook_error (err, 0, "unrecognized namespace mode %s passed", mode);
  if (mode && strchr (mode, ':'))
    return parse_mode_options (strchr (mode, ':') + 1, m, err);
  return 0;
}

/* ---- --uidmap/--gidmap ---- */

static int
malformed (char *const *specs, bool gid, nook_error_t *err)
{
  struct nook_buf b = { 0 };
  int ret;

  for (size_t i = 0; specs[i]; i++)
    nook_buf_printf (&b, "%s\"%s\"", i ? " " : "", specs[i]);
  ret = nook_error (err, 0,
                    "initializing ID mappings: %s setting is malformed expected "
                    "[\"uint32:uint32:uint32\"]: [%s]",
                    gid ? "GID" : "UID", b.data ? b.data : "");
  nook_buf_free (&b);
  return ret;
}

/* "@ID": an id of the host, found in the rootless namespace's map.  */
static bool
host_to_intermediate (const struct userns_map *map, uint32_t host, uint32_t count, uint32_t *out)
{
  for (size_t i = 0; i < map->n; i++)
    {
      const struct userns_range *r = &map->r[i];
      if (host >= r->outside && (uint64_t)host + count <= (uint64_t)r->outside + r->count)
        {
          *out = r->inside + (host - r->outside);
          return true;
        }
    }
  return false;
}

/* Each "container:from:amount", from an intermediate id, or "@host" for
   an id of the host (the rootless form); MAP is the rootless namespace's
   (NULL as real root, where from is a host id).  */
static int
parse_idmaps (char *const *specs, bool gid, const struct userns_map *map, struct userns_map *out,
              nook_error_t *err)
{
  memset (out, 0, sizeof (*out));
  for (size_t i = 0; specs && specs[i]; i++)
    {
      _cleanup_free_ char *s = xstrdup (specs[i]);
      char *f[3], *save = NULL;
      uint32_t v[3];
      bool at;
      size_t n = 0;

      for (char *p = strtok_r (s, ":", &save); p; p = strtok_r (NULL, ":", &save))
        {
          if (n == 3)
            return malformed (specs, gid, err);
          f[n++] = p;
        }
      if (n != 3)
        return malformed (specs, gid, err);
      at = f[1][0] == '@';
      for (int k = 0; k < 3; k++)
        if (parse_u32 (f[k] + (k == 1 && at), &v[k], err) < 0)
          {
            nook_error_free (err);
            return malformed (specs, gid, err);
          }
      if (v[2] == 0)
        return nook_error (err, 0, "invalid %s mapping `%s`: the amount must be at least 1",
                           gid ? "GID" : "UID", specs[i]);
      if (at && map && !host_to_intermediate (map, v[1], v[2], &v[1]))
        return nook_error (err, 0,
                           "invalid %s mapping `%s`: host %ss %u to %llu are not all in your "
                           "user namespace (see /etc/sub%sid)",
                           gid ? "GID" : "UID", specs[i], gid ? "GID" : "UID", v[1],
                           (unsigned long long)v[1] + v[2] - 1, gid ? "g" : "u");
      if (out->n == USERNS_MAX_RANGES)
        return nook_error (err, 0, "more than %d %s mappings", USERNS_MAX_RANGES,
                           gid ? "GID" : "UID");
      userns_map_add (out, v[0], v[1], v[2]);
    }
  return 0;
}

static bool
overlap (uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
  return a < b + blen && b < a + alen;
}

/* The kernel's rules, said before the runtime meets them: no range
   overlaps another on either side, and (rootless) each maps to ids the
   rootless namespace has, 0 to LIMIT - 1.  */
static int
check_map (const struct userns_map *m, bool gid, uint64_t limit, nook_error_t *err)
{
  const char *what = gid ? "GID" : "UID";

  for (size_t i = 0; i < m->n; i++)
    {
      const struct userns_range *a = &m->r[i];
      if ((uint64_t)a->inside + a->count > (uint64_t)UINT32_MAX + 1
          || (uint64_t)a->outside + a->count > (uint64_t)UINT32_MAX + 1)
        return nook_error (err, 0, "invalid %s mapping %u:%u:%u: ids beyond 4294967295", what,
                           a->inside, a->outside, a->count);
      if (limit && (uint64_t)a->outside + a->count > limit)
        return nook_error (err, 0,
                           "potentially insufficient UIDs or GIDs available in user namespace "
                           "(requested %u:%u:%u, the rootless user namespace has %ss 0 to %llu): "
                           "Check /etc/subuid and /etc/subgid",
                           a->inside, a->outside, a->count, what, (unsigned long long)limit - 1);
      for (size_t j = 0; j < i; j++)
        {
          const struct userns_range *b = &m->r[j];
          if (overlap (a->inside, a->count, b->inside, b->count))
            return nook_error (err, 0,
                               "invalid %s mappings: container ids of %u:%u:%u and "
                               "%u:%u:%u overlap",
                               what, b->inside, b->outside, b->count, a->inside, a->outside,
                               a->count);
          if (overlap (a->outside, a->count, b->outside, b->count))
            return nook_error (err, 0,
                               "invalid %s mappings: the ids %u:%u:%u and %u:%u:%u map "
                               "to overlap",
                               what, b->inside, b->outside, b->count, a->inside, a->outside,
                               a->count);
        }
    }
  return 0;
}

/* ---- keep-id, nomap ---- */

/* Podman's keep-id: 0.. to the subordinate ids 1.., ID to the user (0),
   the rest of the subordinate ids above ID as they are.  SUB ids.  */
static void
keep_id_map (uint32_t id, uint64_t sub, struct userns_map *m)
{
  memset (m, 0, sizeof (*m));
  if (id != 0)
    userns_map_add (m, 0, 1, (uint32_t)(sub < id ? sub : id));
  userns_map_add (m, id, 0, 1);
  if (sub > id)
    userns_map_add (m, id + 1, id + 1, (uint32_t)(sub - id));
}

/* As Podman: the user's home directory when it, or a directory above
   it, is mounted in the container; else the working directory.  */
static const char *
keep_id_home (const struct container_config *cfg, const char *home)
{
  for (size_t i = 0; home && home[0] == '/' && i < cfg->mounts.n; i++)
    {
      const char *d = cfg->mounts.v[i].destination;
      size_t len = d ? strlen (d) : 0;
      if (len
          && (str_eq (d, "/")
              || (strncmp (home, d, len) == 0 && (home[len] == '\0' || home[len] == '/'))))
        return home;
    }
  return cfg->workdir;
}

/* The user's /etc/passwd and /etc/group lines, as Podman writes them.  */
static void
keep_id_lines (uint32_t uid, uint32_t gid, const struct container_config *cfg,
               struct container_userns *out)
{
  struct passwd pw, *pres = NULL;
  struct group gr, *gres = NULL;
  char buf[8192], gbuf[8192];

  if (getpwuid_r (getuid (), &pw, buf, sizeof (buf), &pres) != 0 || pres == NULL)
    return;
  out->passwd = xasprintf ("%s:*:%u:%u:%s:%s:/bin/sh", pw.pw_name, uid, gid,
                           pw.pw_gecos ? pw.pw_gecos : "", keep_id_home (cfg, pw.pw_dir));
  if (getgrgid_r (getgid (), &gr, gbuf, sizeof (gbuf), &gres) == 0 && gres)
    out->group = xasprintf ("%s:x:%u:%s", gr.gr_name, gid, pw.pw_name);
}

static int
keep_id (const struct mode_opts *m, const struct userns_ids *ids, bool user_given,
         struct container_config *cfg, nook_error_t *err)
{
  struct container_userns *out = &cfg->userns;
  uint32_t uid = m->has_uid ? m->uid : ids->uid;
  uint32_t gid = m->has_gid ? m->gid : ids->gid;

  if (ids->single)
    return nook_error (err, 0,
                       "keep-id requires additional UIDs or GIDs defined in /etc/subuid and "
                       "/etc/subgid to function correctly");
  keep_id_map (uid, userns_map_size (&ids->uids) - 1, &out->uids);
  keep_id_map (gid, userns_map_size (&ids->gids) - 1, &out->gids);
  keep_id_lines (uid, gid, cfg, out);
  if (!user_given)
    {
      free (cfg->user);
      cfg->user = xasprintf ("%u:%u", uid, gid);
    }
  return 0;
}

static int
nomap (const struct userns_ids *ids, struct container_userns *out, nook_error_t *err)
{
  if (ids->single)
    return nook_error (err, 0,
                       "nomap requires additional UIDs or GIDs defined in /etc/subuid and "
                       "/etc/subgid to function correctly");
  userns_map_add (&out->uids, 0, 1, (uint32_t)(userns_map_size (&ids->uids) - 1));
  userns_map_add (&out->gids, 0, 1, (uint32_t)(userns_map_size (&ids->gids) - 1));
  return 0;
}

/* ---- auto ---- */

/* FILE ("passwd" or "group") of the image: the topmost layer that has
   it, unless a layer above deletes it.  *OUT NULL when none.  */
static void
image_etc_file (struct storage *st, char *const *layers, const char *file, char **out)
{
  size_t n = strv_len (layers);
  _cleanup_free_ char *path = xasprintf ("/etc/%s", file);
  _cleanup_free_ char *wh = xasprintf ("etc/.wh.%s", file);

  *out = NULL;
  for (size_t i = n; i > 0; i--)
    {
      _cleanup_free_ char *diff = storage_layer_diff_path (st, layers[i - 1]);
      _cleanup_close_ int dfd = open (diff, O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -1;
      nook_error_t e = NULL;
      struct stat s;
      char fdpath[64];

      if (dfd < 0 || fstatat (dfd, wh, &s, AT_SYMLINK_NOFOLLOW) == 0)
        return;
      fd = nook_open_in_root (dfd, path, O_RDONLY | O_NONBLOCK, NOOK_INROOT_NONE, &e);
      if (fd < 0)
        {
          nook_error_free (&e);
          if (fstatat (dfd, "etc/.wh..wh..opq", &s, AT_SYMLINK_NOFOLLOW) == 0)
            return;
          continue;
        }
      if (fstat (fd, &s) < 0 || !S_ISREG (s.st_mode))
        return;
      snprintf (fdpath, sizeof (fdpath), "/proc/self/fd/%d", fd);
      if (nook_read_file_at (AT_FDCWD, fdpath, ETC_MAX, out, NULL, &e) < 0)
        nook_error_free (&e);
      return;
    }
}

/* The highest id of TEXT's lines (fields 2 and, for passwd, 3) + 1;
   nobody and nogroup left out, as containers/storage does.  */
static uint64_t
etc_ids_needed (const char *text, bool passwd)
{
  uint64_t need = 0;

  for (const char *p = text; p && *p;)
    {
      const char *nl = strchr (p, '\n');
      _cleanup_free_ char *line = nl ? xstrndup (p, (size_t)(nl - p)) : xstrdup (p);
      char *f[5] = { 0 }, *save = NULL;
      size_t k = 0;

      p = nl ? nl + 1 : NULL;
      for (char *t = strtok_r (line, ":", &save); t && k < 5; t = strtok_r (NULL, ":", &save))
        f[k++] = t;
      if (k < 3 || f[0][0] == '#' || str_eq (f[0], "nobody") || str_eq (f[0], "nogroup"))
        continue;
      for (size_t j = 2; j < (passwd ? 4u : 3u) && j < k; j++)
        {
          int64_t v;
          if (str_to_int64 (f[j], &v) && v >= 0 && v < 65534 && (uint64_t)v + 1 > need)
            need = (uint64_t)v + 1;
        }
    }
  return need;
}

/* Podman's estimate: what the image's users and groups need, at least
   1024 and at most 65536.  */
static uint32_t
auto_size (struct storage *st, char *const *layers)
{
  _cleanup_free_ char *passwd = NULL, *group = NULL;
  uint64_t need;

  image_etc_file (st, layers, "passwd", &passwd);
  image_etc_file (st, layers, "group", &group);
  need = etc_ids_needed (passwd, true);
  if (etc_ids_needed (group, false) > need)
    need = etc_ids_needed (group, false);
  return need < AUTO_MIN_SIZE   ? AUTO_MIN_SIZE
         : need > AUTO_MAX_SIZE ? AUTO_MAX_SIZE
                                : (uint32_t)need;
}

struct interval
{
  uint64_t start, end; /* [start, end) of intermediate ids */
};

/* The intermediate ids other containers hold for themselves: those of
   auto and of --uidmap/--gidmap.  keep-id, nomap and host share the
   whole namespace by their nature.  */
static int
taken_ranges (struct storage *st, struct interval **out, size_t *n, nook_error_t *err)
{
  struct container *cs = NULL;
  size_t ncs = 0;

  *out = NULL;
  *n = 0;
  if (container_list (st, &cs, &ncs, err) < 0)
    return -1;
  for (size_t i = 0; i < ncs; i++)
    {
      const struct container_userns *u = &cs[i].cfg.userns;
      if (u->kind != CONTAINER_USERNS_AUTO && u->kind != CONTAINER_USERNS_MAPPED)
        continue;
      for (int g = 0; g < 2; g++)
        {
          const struct userns_map *m = g ? &u->gids : &u->uids;
          for (size_t j = 0; j < m->n; j++)
            {
              *out = xrealloc (*out, sizeof (**out) * (*n + 1));
              (*out)[(*n)++]
                  = (struct interval){ m->r[j].outside, (uint64_t)m->r[j].outside + m->r[j].count };
            }
        }
    }
  container_list_free (cs, ncs);
  return 0;
}

static int
auto_allocate (struct storage *st, uint32_t size, uint64_t limit, struct container_userns *out,
               int *lockfd, nook_error_t *err)
{
  _cleanup_close_ int fd = openat (st->rootfd, "userns.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  _cleanup_free_ struct interval *taken = NULL;
  size_t n = 0;
  uint64_t start = 1;
  bool moved = true;

  if (fd < 0)
    return nook_error (err, errno, "open `%s/userns.lock`", st->root);
  if (nook_lock (fd, true, err) < 0 || taken_ranges (st, &taken, &n, err) < 0)
    return -1;
  while (moved && start + size <= limit)
    {
      moved = false;
      for (size_t i = 0; i < n; i++)
        if (overlap (start, size, taken[i].start, taken[i].end - taken[i].start))
          {
            start = taken[i].end;
            moved = true;
          }
    }
  if (start + size > limit)
    return nook_error (err, 0,
                       "not enough unused IDs in user namespace: --userns=auto needs %u, and "
                       "the ids of /etc/subuid and /etc/subgid left are fewer",
                       size);
  userns_map_add (&out->uids, 0, (uint32_t)start, size);
  userns_map_add (&out->gids, 0, (uint32_t)start, size);
  *lockfd = steal_fd (&fd);
  return 0;
}

/* Take the container ids of CUT's ranges out of M's ranges (splitting
   them), then add CUT's ranges.  */
static void
map_cut_and_add (struct userns_map *m, const struct userns_map *cut)
{
  for (size_t c = 0; c < cut->n; c++)
    {
      uint64_t a = cut->r[c].inside, b = a + cut->r[c].count;
      struct userns_map out = { .n = 0 };
      for (size_t i = 0; i < m->n; i++)
        {
          const struct userns_range *r = &m->r[i];
          uint64_t start = r->inside, end = start + r->count;
          if (!overlap (start, r->count, a, b - a))
            {
              userns_map_add (&out, r->inside, r->outside, r->count);
              continue;
            }
          if (start < a)
            userns_map_add (&out, r->inside, r->outside, (uint32_t)(a - start));
          if (end > b)
            userns_map_add (&out, (uint32_t)b, (uint32_t)(r->outside + (b - start)),
                            (uint32_t)(end - b));
        }
      *m = out;
    }
  for (size_t c = 0; c < cut->n; c++)
    userns_map_add (m, cut->r[c].inside, cut->r[c].outside, cut->r[c].count);
}

/* ---- the check ---- */

static int
compute (struct storage *st, const struct container_userns *in, const struct mode_opts *m,
         const struct userns_ids *ids, bool user_given, struct container_config *cfg, int *lockfd,
         nook_error_t *err)
{
  struct container_userns *out = &cfg->userns;
  bool root = nook_is_real_root ();
  uint64_t ulimit = root ? 0 : userns_map_size (&ids->uids);
  uint64_t glimit = root ? 0 : userns_map_size (&ids->gids);

  if (root && m->kind != CONTAINER_USERNS_HOST && m->kind != CONTAINER_USERNS_MAPPED)
    return nook_error (err, 0, "%s is only supported in rootless mode",
                       m->kind == CONTAINER_USERNS_AUTO ? "--userns=auto"
                                                        : container_userns_kind_name (m->kind));
  if (m->kind == CONTAINER_USERNS_KEEP_ID && keep_id (m, ids, user_given, cfg, err) < 0)
    return -1;
  if (m->kind == CONTAINER_USERNS_NOMAP && nomap (ids, out, err) < 0)
    return -1;
  if (m->kind == CONTAINER_USERNS_AUTO)
    {
      uint64_t limit = ulimit < glimit ? ulimit : glimit;
      if (ids->single)
        return nook_error (err, 0,
                           "--userns=auto requires additional UIDs or GIDs defined in "
                           "/etc/subuid and /etc/subgid");
      uint32_t size = m->has_size ? m->size : auto_size (st, cfg->layers);
      if (size > AUTO_MAX_SIZE)
        return nook_error (err, 0,
                           "the container needs a user namespace with size %u that is bigger "
                           "than the maximum value allowed with userns=auto %u",
                           size, AUTO_MAX_SIZE);
      if (auto_allocate (st, size, limit, out, lockfd, err) < 0)
        return -1;
      /* As containers/storage: the forced mappings take their container
         ids out of the range's.  */
      map_cut_and_add (&out->uids, &m->extra_uids);
      map_cut_and_add (&out->gids, &m->extra_gids);
    }
  if (m->kind == CONTAINER_USERNS_MAPPED)
    {
      char **um = in->uidmap ? in->uidmap : in->gidmap;
      char **gm = in->gidmap ? in->gidmap : in->uidmap;
      if (parse_idmaps (um, false, root ? NULL : &ids->uids, &out->uids, err) < 0
          || parse_idmaps (gm, true, root ? NULL : &ids->gids, &out->gids, err) < 0)
        return -1;
    }
  if (check_map (&out->uids, false, ulimit, err) < 0
      || check_map (&out->gids, true, glimit, err) < 0)
    return -1;
  /* nook-runtime sets the container up as its root: a map must have it.  */
  if (!userns_to_host (&out->uids, 0, &(uint32_t){ 0 })
      || !userns_to_host (&out->gids, 0, &(uint32_t){ 0 }))
    return nook_error (err, 0,
                       "the container's uid and gid 0 must be mapped: nook does not support "
                       "--uidmap/--gidmap without them");
  return 0;
}

int
container_userns_check (struct storage *st, const struct container_userns *in, bool user_given,
                        struct container_config *cfg, int *lockfd, nook_error_t *err)
{
  struct container_userns *out = &cfg->userns;
  struct userns_ids ids = { 0 };
  struct mode_opts m;
  bool maps = strv_len (in->uidmap) || strv_len (in->gidmap);
  int ret;

  memset (out, 0, sizeof (*out));
  if (maps && in->mode)
    return nook_error (err, 0,
                       "--userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually "
                       "exclusive");
  if (parse_mode (in->mode, &m, err) < 0)
    return -1;
  if (maps)
    m.kind = CONTAINER_USERNS_MAPPED;
  out->kind = m.kind;
  out->mode = in->mode ? xstrdup (in->mode) : NULL;
  out->uidmap = strv_dup (in->uidmap);
  out->gidmap = strv_dup (in->gidmap);
  if (m.kind == CONTAINER_USERNS_HOST)
    return 0;
  if (!nook_is_real_root () && userns_ids_for_user (&ids, err) < 0)
    return -1;
  ret = compute (st, in, &m, &ids, user_given, cfg, lockfd, err);
  userns_ids_free (&ids);
  return ret;
}
