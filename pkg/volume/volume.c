/* Volumes on disk: metadata written whole, data beside it.  */
#include "volume/volume.h"

#include <ctype.h>
#include <fcntl.h>
#include <regex.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define VOLUME_JSON_MAX (1 << 20)

void
volume_free (struct volume *v)
{
  free (v->name);
  free (v->created);
  strv_free (v->labels);
  strv_free (v->options);
  memset (v, 0, sizeof (*v));
}

void
volume_list_free (struct volume *vs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    volume_free (&vs[i]);
  free (vs);
}

bool
volume_name_valid (const char *name)
{
  size_t len = strlen (name);
  bool ok = len > 0 && len < 256 && isalnum ((unsigned char)name[0]);

  for (size_t i = 1; ok && i < len; i++)
    ok = isalnum ((unsigned char)name[i]) || name[i] == '_' || name[i] == '.' || name[i] == '-';
  return ok;
}

/* volumes/, made on first use.  */
static int
volumes_dir (struct storage *st, nook_error_t *err)
{
  if (mkdirat (st->rootfd, "volumes", 0700) < 0 && errno != EEXIST)
    return nook_error (err, errno, "create `%s/volumes`", st->root);
  return nook_open_dir (st->rootfd, "volumes", err);
}

/* Now as Go's RFC3339Nano prints a UTC time, as Podman's CreatedAt.  */
static char *
utc_now (void)
{
  int64_t ns = nook_now_ns ();
  time_t secs = (time_t)(ns / 1000000000);
  struct tm tm;
  char date[32], frac[16] = "";
  long nsec = (long)(ns % 1000000000);

  gmtime_r (&secs, &tm);
  strftime (date, sizeof (date), "%Y-%m-%dT%H:%M:%S", &tm);
  if (nsec)
    {
      size_t len = (size_t)snprintf (frac, sizeof (frac), ".%09ld", nsec);
      while (frac[len - 1] == '0')
        frac[--len] = '\0';
    }
  return xasprintf ("%s%sZ", date, frac);
}

static int
write_meta (int dirfd, const struct volume *v, nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (true);

  json_gen_object_open (g);
  json_gen_kv_string (g, "name", v->name);
  json_gen_kv_string (g, "created", v->created);
  json_gen_kv_strv (g, "labels", v->labels);
  json_gen_kv_strv (g, "options", v->options);
  json_gen_kv_bool (g, "anonymous", v->anonymous);
  json_gen_kv_bool (g, "needs_copy", v->needs_copy);
  json_gen_kv_bool (g, "needs_chown", v->needs_chown);
  json_gen_object_close (g);
  return json_gen_write_file (g, dirfd, "volume.json", true, err);
}

static int
read_meta (int dirfd, const char *name, struct volume *v, nook_error_t *err)
{
  _cleanup_json_ nook_json *j = NULL;
  _cleanup_free_ char *text = NULL;
  const char *created = NULL;
  size_t len;

  memset (v, 0, sizeof (*v));
  if (nook_read_file_at (dirfd, "volume.json", VOLUME_JSON_MAX, &text, &len, err) < 0
      || json_parse (text, len, &j, err) < 0
      || json_get_str (j, "created", "created", false, &created, err) < 0
      || json_get_strv (j, "labels", "labels", false, &v->labels, err) < 0
      || json_get_strv (j, "options", "options", false, &v->options, err) < 0
      || json_get_bool (j, "anonymous", "anonymous", false, &v->anonymous, err) < 0
      || json_get_bool (j, "needs_copy", "needs_copy", false, &v->needs_copy, err) < 0
      || json_get_bool (j, "needs_chown", "needs_chown", false, &v->needs_chown, err) < 0)
    {
      volume_free (v);
      return nook_error_prefix (err, "volume %s", name);
    }
  v->name = xstrdup (name);
  v->created = xstrdup (created ? created : "");
  if (v->labels == NULL)
    v->labels = xzalloc (sizeof (char *));
  if (v->options == NULL)
    v->options = xzalloc (sizeof (char *));
  return 0;
}

static int
open_volume (struct storage *st, const char *name, nook_error_t *err)
{
  _cleanup_close_ int vfd = -1;
  int fd;

  if (!volume_name_valid (name))
    {
      nook_error (err, 0, "no volume with name \"%s\" found: no such volume", name);
      return nook_error_set_errno (err, ENOENT);
    }
  vfd = volumes_dir (st, err);
  if (vfd < 0)
    return -1;
  fd = openat (vfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      int e = errno;
      nook_error (err, 0, "no volume with name \"%s\" found: no such volume", name);
      return nook_error_set_errno (err, e == ENOTDIR ? ENOENT : e);
    }
  return fd;
}

/* The local driver's --opt keys, as Podman's: o=uid=N,gid=N is applied
   to the data directory; mounting a file system (type, device, o's
   mount options) is not, since every container's mounts live in a mount
   namespace of its own; quotas (size, inodes) need XFS project quotas.  */
static int
check_options (char *const *options, int64_t *uid, int64_t *gid, nook_error_t *err)
{
  *uid = *gid = -1;
  for (size_t i = 0; options && options[i]; i++)
    {
      const char *eq = strchr (options[i], '=');
      _cleanup_free_ char *key
          = eq ? xstrndup (options[i], (size_t)(eq - options[i])) : xstrdup (options[i]);
      _cleanup_free_ char *copy = xstrdup (eq ? eq + 1 : "");
      char *save = NULL;

      if (strcmp (key, "size") == 0 || strcmp (key, "inodes") == 0)
        return nook_error (err, 0,
                           "volume options size and inodes not supported. Filesystem does not "
                           "support Project Quota");
      if (strcmp (key, "type") == 0 || strcmp (key, "device") == 0)
        return nook_error (
            err, 0, "volume option %s is not supported by nook: a volume is a directory", key);
      if (strcmp (key, "o") != 0 && strcmp (key, "nocopy") != 0 && strcmp (key, "copy") != 0
          && strcmp (key, "noquota") != 0)
        return nook_error (err, 0, "invalid mount option %s for driver 'local': invalid argument",
                           key);
      for (char *o = strtok_r (copy, ",", &save); strcmp (key, "o") == 0 && o;
           o = strtok_r (NULL, ",", &save))
        {
          int64_t *slot = str_has_prefix (o, "uid=")   ? uid
                          : str_has_prefix (o, "gid=") ? gid
                                                       : NULL;
          if (slot == NULL)
            return nook_error (err, 0,
                               "volume option o=%s is not supported by nook: only uid= and gid= "
                               "are",
                               o);
          if (!str_to_int64 (o + 4, slot) || *slot < 0 || *slot > UINT32_MAX - 1)
            return nook_error (err, 0, "invalid volume option o=%s", o);
        }
    }
  return 0;
}

bool
volume_options_chown (char *const *options)
{
  int64_t uid, gid;
  nook_error_t err = NULL;
  bool r = check_options (options, &uid, &gid, &err) == 0 && (uid >= 0 || gid >= 0);
  nook_error_free (&err);
  return r;
}

int
volume_create (struct storage *st, const char *name, char *const *labels, char *const *options,
               bool anonymous, struct volume *out, nook_error_t *err)
{
  _cleanup_close_ int vfd = -1;
  struct storage_tmp tmp;
  struct volume v = { 0 };
  char rnd[65];
  int64_t uid, gid;
  int ret = -1;

  if (name == NULL)
    {
      if (nook_random_hex (rnd, 32, err) < 0)
        return -1;
      name = rnd;
    }
  if (!volume_name_valid (name))
    return nook_error (err, EINVAL,
                       "running volume create option: names must match "
                       "[a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
  if (check_options (options, &uid, &gid, err) < 0)
    return -1;
  vfd = volumes_dir (st, err);
  if (vfd < 0 || storage_tmp_create (st, "vol", &tmp, err) < 0)
    return -1;
  v.name = xstrdup (name);
  v.created = utc_now ();
  v.labels = strv_dup (labels ? labels : (char *[]){ NULL });
  v.options = strv_dup (options ? options : (char *[]){ NULL });
  v.anonymous = anonymous;
  v.needs_copy = true;
  /* An owner given stays; else the image's at the mount point is taken.  */
  v.needs_chown = uid < 0 && gid < 0;
  if (mkdirat (tmp.fd, "_data", 0755) < 0)
    nook_error (err, errno, "create the data of volume %s", name);
  else if ((uid >= 0 || gid >= 0)
           && fchownat (tmp.fd, "_data", (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0)
    nook_error (err, errno, "volume %s: o=uid=%lld,gid=%lld", name, (long long)uid, (long long)gid);
  else if (write_meta (tmp.fd, &v, err) == 0)
    {
      /* The rename takes the name, or finds it taken.  */
      if (renameat (st->tmpfd, tmp.name, vfd, name) < 0)
        {
          if (errno == EEXIST || errno == ENOTEMPTY)
            nook_error (err, 0, "volume with name %s already exists: volume already exists", name);
          else
            nook_error (err, errno, "create volume %s", name);
          nook_error_set_errno (err, errno == ENOTEMPTY ? EEXIST : errno);
        }
      else
        {
          fsync (vfd);
          free (tmp.name);
          tmp.name = NULL;
          ret = 0;
        }
    }
  storage_tmp_discard (st, &tmp);
  if (ret == 0 && out)
    *out = v;
  else
    volume_free (&v);
  return ret;
}

int
volume_load (struct storage *st, const char *name, struct volume *v, nook_error_t *err)
{
  _cleanup_close_ int fd = open_volume (st, name, err);
  if (fd < 0)
    return -1;
  return read_meta (fd, name, v, err);
}

static int
name_cmp (const void *pa, const void *pb)
{
  const struct volume *a = pa, *b = pb;
  return strcmp (a->name, b->name);
}

static bool
keep_name (const char *name)
{
  return volume_name_valid (name);
}

int
volume_list (struct storage *st, struct volume **out, size_t *n, nook_error_t *err)
{
  _cleanup_close_ int vfd = volumes_dir (st, err);
  _cleanup_strv_ char **names = NULL;
  struct volume *vs;
  size_t k = 0;

  if (vfd < 0 || nook_list_dir (vfd, keep_name, &names, err) < 0)
    return -1;
  vs = xzalloc (sizeof (*vs) * (strv_len (names) + 1));
  for (size_t i = 0; names[i]; i++)
    {
      nook_error_t e = NULL;
      /* One removed meanwhile drops out of the list.  */
      if (volume_load (st, names[i], &vs[k], &e) < 0)
        {
          nook_debug ("%s", e->msg);
          nook_error_free (&e);
          continue;
        }
      k++;
    }
  qsort (vs, k, sizeof (*vs), name_cmp);
  *out = vs;
  *n = k;
  return 0;
}

int
volume_lock (struct storage *st, const char *name, int *fd, nook_error_t *err)
{
  *fd = open_volume (st, name, err);
  if (*fd < 0)
    return -1;
  if (nook_lock (*fd, true, err) < 0)
    {
      nook_closep (fd);
      return -1;
    }
  return 0;
}

int
volume_update (struct storage *st, const struct volume *v, nook_error_t *err)
{
  _cleanup_close_ int fd = -1;
  if (volume_lock (st, v->name, &fd, err) < 0)
    return -1;
  return write_meta (fd, v, err);
}

int
volume_update_locked (int dirfd, const struct volume *v, nook_error_t *err)
{
  return write_meta (dirfd, v, err);
}

int
volume_remove (struct storage *st, const char *name, nook_error_t *err)
{
  _cleanup_close_ int fd = -1, vfd = -1;
  _cleanup_free_ char *gone = NULL;
  char rnd[17];

  if (volume_lock (st, name, &fd, err) < 0)
    return -1;
  vfd = volumes_dir (st, err);
  if (vfd < 0 || nook_random_hex (rnd, 8, err) < 0)
    return -1;
  /* Out of sight in one rename; an interrupted delete leaves garbage in
     tmp/ that the next sweep takes.  */
  gone = xasprintf ("rmvol-%.12s-%s", name, rnd);
  if (renameat (vfd, name, st->tmpfd, gone) < 0)
    return nook_error (err, errno, "remove volume %s", name);
  return nook_rm_tree_at (st->tmpfd, gone, err);
}

char *
volume_data_path (struct storage *st, const char *name)
{
  return xasprintf ("%s/volumes/%s/_data", st->root, name);
}

static void
gen_map (struct json_gen *g, const char *key, char *const *kvs)
{
  json_gen_key (g, key);
  json_gen_object_open (g);
  for (size_t i = 0; kvs && kvs[i]; i++)
    {
      const char *eq = strchr (kvs[i], '=');
      _cleanup_free_ char *k = eq ? xstrndup (kvs[i], (size_t)(eq - kvs[i])) : xstrdup (kvs[i]);
      json_gen_kv_string (g, k, eq ? eq + 1 : "");
    }
  json_gen_object_close (g);
}

void
volume_inspect_json (struct storage *st, const struct volume *v, struct json_gen *g)
{
  _cleanup_free_ char *data = volume_data_path (st, v->name);
  json_gen_object_open (g);
  json_gen_kv_string (g, "Name", v->name);
  json_gen_kv_string (g, "Driver", "local");
  json_gen_kv_string (g, "Mountpoint", data);
  json_gen_kv_string (g, "CreatedAt", v->created);
  gen_map (g, "Labels", v->labels);
  json_gen_kv_string (g, "Scope", "local");
  gen_map (g, "Options", v->options);
  if (v->anonymous)
    json_gen_kv_bool (g, "Anonymous", true);
  json_gen_kv_int (g, "MountCount", v->mount_count);
  json_gen_kv_bool (g, "NeedsCopyUp", v->needs_copy);
  json_gen_kv_bool (g, "NeedsChown", v->needs_chown);
  json_gen_object_close (g);
}

static bool
regex_match (const char *pattern, const char *s)
{
  regex_t re;
  bool m;
  if (regcomp (&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
    return strstr (s, pattern) != NULL;
  m = regexec (&re, s, 0, NULL, 0) == 0;
  regfree (&re);
  return m;
}

/* KEY or KEY=VALUE in KVS ("key=value" each).  */
static bool
kv_match (char *const *kvs, const char *want)
{
  const char *eq = strchr (want, '=');
  size_t klen = eq ? (size_t)(eq - want) : strlen (want);

  for (size_t i = 0; kvs && kvs[i]; i++)
    if (strncmp (kvs[i], want, klen) == 0 && (kvs[i][klen] == '=' || kvs[i][klen] == '\0'))
      {
        if (eq == NULL)
          return true;
        if (strcmp (kvs[i] + klen + (kvs[i][klen] == '='), eq + 1) == 0)
          return true;
      }
  return false;
}

int
volume_filter_match (const struct volume *v, const char *filter, bool in_use, bool *match,
                     nook_error_t *err)
{
  const char *eq = strchr (filter, '=');
  _cleanup_free_ char *key = eq ? xstrndup (filter, (size_t)(eq - filter)) : NULL;
  const char *val = eq ? eq + 1 : NULL;

  if (key == NULL)
    return nook_error (err, 0, "invalid filter \"%s\"", filter);
  if (strcmp (key, "name") == 0)
    *match = regex_match (val, v->name);
  else if (strcmp (key, "label") == 0)
    *match = kv_match (v->labels, val);
  else if (strcmp (key, "opt") == 0)
    *match = kv_match (v->options, val);
  else if (strcmp (key, "driver") == 0)
    *match = strcmp (val, "local") == 0;
  else if (strcmp (key, "scope") == 0)
    *match = strcmp (val, "local") == 0;
  else if (strcmp (key, "dangling") == 0)
    {
      if (strcmp (val, "true") != 0 && strcmp (val, "false") != 0 && strcmp (val, "1") != 0
          && strcmp (val, "0") != 0)
        return nook_error (
            err, 0, "%s is not a valid value for the \"dangling\" filter - must be true or false",
            val);
      *match = (val[0] == 't' || val[0] == '1') == !in_use;
    }
  else
    return nook_error (err, 0, "%s is an invalid volume filter", key);
  return 0;
}
