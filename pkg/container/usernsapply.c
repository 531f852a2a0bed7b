/* Applying a container's user namespace mode in the monitor: the
   fuse-overlayfs mapping, the directories its root must search, the
   working directory and keep-id's user in the rootfs, the OCI spec.
   The mode itself is parsed and checked in usernsmode.c.  */
#include "container/internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ETC_MAX (4 << 20)

char *
container_userns_fuse_map (const struct userns_map *m)
{
  struct nook_buf b = { 0 };

  if (m->n == 0)
    return NULL;
  for (size_t i = 0; i < m->n; i++)
    nook_buf_printf (&b, "%s%u:%u:%u", i ? ":" : "", m->r[i].inside, m->r[i].outside,
                     m->r[i].count);
  return nook_buf_steal (&b);
}

const struct userns_ids *
container_userns_ids (const struct container_userns *u, const struct userns_ids *ids,
                      struct userns_ids *buf)
{
  if (!container_userns_private (u))
    return ids;
  memset (buf, 0, sizeof (*buf));
  if (ids)
    *buf = *ids;
  buf->uids = u->uids;
  buf->gids = u->gids;
  buf->single = false;
  return buf;
}

static struct oci_idmap *
oci_map (const struct userns_map *m, size_t *n)
{
  struct oci_idmap *out = xzalloc (sizeof (*out) * (m->n + 1));
  for (size_t i = 0; i < m->n; i++)
    out[i] = (struct oci_idmap){ m->r[i].inside, m->r[i].outside, m->r[i].count };
  *n = m->n;
  return out;
}

void
container_userns_apply (const struct container_userns *u, struct oci_spec *spec)
{
  if (!container_userns_private (u))
    return;
  oci_spec_add_namespace (spec, "user", NULL);
  free (spec->uid_mappings);
  free (spec->gid_mappings);
  spec->uid_mappings = oci_map (&u->uids, &spec->n_uid_mappings);
  spec->gid_mappings = oci_map (&u->gids, &spec->n_gid_mappings);
}

static bool
in_our_groups (gid_t gid)
{
  gid_t groups[256];
  int n = getgroups (256, groups);

  if (gid == getegid ())
    return true;
  for (int i = 0; i < n; i++)
    if (groups[i] == gid)
      return true;
  return false;
}

/* Can the container's namespace search PATH, whose status is S?  Its
   root can if the owner and group are mapped in it (capabilities apply
   to such inodes only), else only by the mode's "other" bit.  */
static bool
searchable (const struct container_userns *u, const struct stat *s)
{
  bool uid_mapped = false, gid_mapped = false;

  for (size_t i = 0; i < u->uids.n; i++)
    if (s->st_uid >= u->uids.r[i].outside
        && (uint64_t)s->st_uid < (uint64_t)u->uids.r[i].outside + u->uids.r[i].count)
      uid_mapped = true;
  for (size_t i = 0; i < u->gids.n; i++)
    if (s->st_gid >= u->gids.r[i].outside
        && (uint64_t)s->st_gid < (uint64_t)u->gids.r[i].outside + u->gids.r[i].count)
      gid_mapped = true;
  if (uid_mapped && gid_mapped)
    return true;
  /* Otherwise it is "other", or of the group when it still holds the
     group among its supplementary ones (the init has ours until the
     runtime sets the container's).  */
  return (s->st_mode & S_IXOTH) && ((s->st_mode & S_IXGRP) || !in_our_groups (s->st_gid));
}

/* The default store, $XDG_DATA_HOME/nook/storage: its "nook" is nook's
   own too.  NULL for a store elsewhere.  */
static char *
default_store_parent (const char *root)
{
  _cleanup_free_ char *parent = xstrdup (root);
  char *base = strrchr (parent, '/');

  if (base == NULL || base == parent || !str_eq (base + 1, "storage"))
    return NULL;
  *base = '\0';
  base = strrchr (parent, '/');
  return base && str_eq (base + 1, "nook") ? steal_pointer (&parent) : NULL;
}

static int
make_searchable (const struct container_userns *u, const char *dir, nook_error_t *err)
{
  struct stat s;

  if (stat (dir, &s) < 0 || (!searchable (u, &s) && chmod (dir, (s.st_mode & 07777) | 0011) < 0))
    return nook_error (err, errno, "make `%s` searchable for the container's user namespace", dir);
  return 0;
}

int
container_userns_prepare_dirs (const struct container_userns *u, const char *root, const char *id,
                               nook_error_t *err)
{
  _cleanup_free_ char *ctrs = xasprintf ("%s/containers", root);
  _cleanup_free_ char *ctr = xasprintf ("%s/containers/%s", root, id);
  /* /etc/hostname, /etc/hosts and the like are bound from userdata.  */
  _cleanup_free_ char *data = xasprintf ("%s/containers/%s/userdata", root, id);
  _cleanup_free_ char *nook = default_store_parent (root);
  _cleanup_free_ char *up = xstrdup (root);
  const char *own[] = { root, ctrs, ctr, data };
  struct stat s;

  if (!container_userns_private (u))
    return 0;
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (own); i++)
    if (make_searchable (u, own[i], err) < 0)
      return -1;
  if (nook && stat (nook, &s) == 0 && s.st_uid == 0 && make_searchable (u, nook, err) < 0)
    return -1;
  for (char *slash = strrchr (up, '/'); slash; slash = strrchr (up, '/'))
    {
      *slash = '\0';
      if (stat (up[0] ? up : "/", &s) == 0 && !searchable (u, &s))
        return nook_error (err, 0,
                           "`%s` (mode %04o) must be searchable by others for a container whose "
                           "user namespace does not map its owner (--userns=%s): run `chmod "
                           "go+x %s` (Podman needs the same), or keep the storage elsewhere",
                           up, (unsigned)(s.st_mode & 07777),
                           u->mode ? u->mode : "with --uidmap/--gidmap", up);
    }
  return 0;
}

int
container_userns_workdir (const struct container_userns *u, int rootfd, const char *workdir,
                          nook_error_t *err)
{
  _cleanup_close_ int fd = -1;
  uint32_t uid, gid;

  if (u->kind == CONTAINER_USERNS_HOST || u->kind == CONTAINER_USERNS_KEEP_ID
      || !userns_to_host (&u->uids, 0, &uid) || !userns_to_host (&u->gids, 0, &gid))
    return 0;
  fd = nook_open_in_root (rootfd, workdir, O_PATH | O_DIRECTORY, NOOK_INROOT_NONE, err);
  if (fd >= 0)
    return 0;
  if ((*err)->errnum != ENOENT)
    return nook_error_prefix (err, "workdir");
  nook_error_free (err);
  fd = nook_open_in_root (rootfd, workdir, O_PATH | O_DIRECTORY, NOOK_INROOT_DIR, err);
  if (fd < 0)
    return nook_error_prefix (err, "workdir");
  if (fchownat (fd, "", uid, gid, AT_EMPTY_PATH) < 0)
    return nook_error (err, errno, "workdir `%s`: chown", workdir);
  return 0;
}

/* Does TEXT have a line whose field 0 is NAME or field 2 is ID?  */
static bool
etc_has (const char *text, const char *name, const char *id)
{
  for (const char *p = text; p && *p;)
    {
      const char *nl = strchr (p, '\n');
      size_t len = nl ? (size_t)(nl - p) : strlen (p);
      const char *c1 = memchr (p, ':', len);
      const char *c2 = c1 ? memchr (c1 + 1, ':', len - (size_t)(c1 + 1 - p)) : NULL;
      const char *c3 = c2 ? memchr (c2 + 1, ':', len - (size_t)(c2 + 1 - p)) : NULL;
      size_t idlen = c2 ? (c3 ? (size_t)(c3 - c2 - 1) : len - (size_t)(c2 + 1 - p)) : 0;

      if (c1 && (size_t)(c1 - p) == strlen (name) && strncmp (p, name, (size_t)(c1 - p)) == 0)
        return true;
      if (c2 && idlen == strlen (id) && strncmp (c2 + 1, id, idlen) == 0)
        return true;
      p = nl ? nl + 1 : NULL;
    }
  return false;
}

/* Append LINE to FILE of the rootfs unless its name or id is there.  */
static int
etc_add (int rootfd, const char *file, const char *line, nook_error_t *err)
{
  _cleanup_free_ char *name = xstrndup (line, strcspn (line, ":"));
  _cleanup_free_ char *text = NULL, *id = NULL;
  _cleanup_close_ int fd = -1;
  const char *p = line;
  struct stat s;
  char fdpath[64];

  for (int i = 0; i < 2 && p; i++)
    p = strchr (p, ':') ? strchr (p, ':') + 1 : NULL;
  id = p ? xstrndup (p, strcspn (p, ":")) : xstrdup ("");
  fd = nook_open_in_root (rootfd, file, O_RDWR | O_NONBLOCK, NOOK_INROOT_FILE, err);
  if (fd < 0)
    return nook_error_prefix (err, "keep-id: %s", file);
  if (fstat (fd, &s) < 0 || !S_ISREG (s.st_mode))
    return nook_error (err, 0, "keep-id: %s is not a regular file", file);
  snprintf (fdpath, sizeof (fdpath), "/proc/self/fd/%d", fd);
  if (nook_read_file_at (AT_FDCWD, fdpath, ETC_MAX, &text, NULL, err) < 0)
    return -1;
  if (etc_has (text, name, id))
    return 0;
  if (lseek (fd, 0, SEEK_END) < 0
      || (text[0] && text[strlen (text) - 1] != '\n' && nook_write_all (fd, "\n", 1) < 0)
      || nook_write_all (fd, line, strlen (line)) < 0 || nook_write_all (fd, "\n", 1) < 0)
    return nook_error (err, errno, "keep-id: add the user to %s", file);
  return 0;
}

int
container_userns_add_user (const struct container_userns *u, int rootfd, nook_error_t *err)
{
  if (u->kind != CONTAINER_USERNS_KEEP_ID)
    return 0;
  if (u->passwd && etc_add (rootfd, "/etc/passwd", u->passwd, err) < 0)
    return -1;
  if (u->group && etc_add (rootfd, "/etc/group", u->group, err) < 0)
    return -1;
  return 0;
}
