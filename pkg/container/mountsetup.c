/* The monitor's part of the mounts: new volumes seeded from the image,
   :U sources chowned, :O overlays made, all added to the OCI spec.  Every
   walk is by file descriptor with O_NOFOLLOW: a symlink in a volume, in a
   :U source or in the image never takes it elsewhere.  */
#include "container/internal.h"
#include "container/mounts.h"
#include "volume/volume.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/time.h>

#define WALK_MAX_DEPTH 256

static int copy_dir (int src, int dst, int depth, nook_error_t *err);

static int
copy_file (int src, int dst, const char *name, const struct stat *st, nook_error_t *err)
{
  _cleanup_close_ int in = openat (src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  _cleanup_close_ int out = -1;
  char buf[65536];
  ssize_t n;

  if (in < 0)
    return nook_error (err, errno, "open `%s`", name);
  out = openat (dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return nook_error (err, errno, "create `%s`", name);
  while ((n = read (in, buf, sizeof (buf))) > 0)
    if (nook_write_all (out, buf, (size_t)n) < 0)
      return nook_error (err, errno, "write `%s`", name);
  if (n < 0)
    return nook_error (err, errno, "read `%s`", name);
  if (fchown (out, st->st_uid, st->st_gid) < 0 || fchmod (out, st->st_mode & 07777) < 0)
    return nook_error (err, errno, "set the owner of `%s`", name);
  futimens (out, (const struct timespec[]){ st->st_atim, st->st_mtim });
  return 0;
}

static int
copy_entry (int src, int dst, const char *name, int depth, nook_error_t *err)
{
  struct stat st;

  if (fstatat (src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return nook_error (err, errno, "stat `%s`", name);
  if (S_ISREG (st.st_mode))
    return copy_file (src, dst, name, &st, err);
  if (S_ISLNK (st.st_mode))
    {
      char target[4096];
      ssize_t n = readlinkat (src, name, target, sizeof (target) - 1);
      if (n < 0)
        return nook_error (err, errno, "readlink `%s`", name);
      target[n] = '\0';
      if (symlinkat (target, dst, name) < 0
          || fchownat (dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        return nook_error (err, errno, "symlink `%s`", name);
      utimensat (dst, name, (const struct timespec[]){ st.st_atim, st.st_mtim },
                 AT_SYMLINK_NOFOLLOW);
      return 0;
    }
  if (S_ISDIR (st.st_mode))
    {
      _cleanup_close_ int s = -1, d = -1;
      if (mkdirat (dst, name, 0700) < 0)
        return nook_error (err, errno, "mkdir `%s`", name);
      s = openat (src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      d = openat (dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0 || d < 0)
        return nook_error (err, errno, "open `%s`", name);
      if (copy_dir (s, d, depth + 1, err) < 0)
        return nook_error_prefix (err, "%s", name);
      if (fchown (d, st.st_uid, st.st_gid) < 0 || fchmod (d, st.st_mode & 07777) < 0)
        return nook_error (err, errno, "set the owner of `%s`", name);
      futimens (d, (const struct timespec[]){ st.st_atim, st.st_mtim });
      return 0;
    }
  if (S_ISFIFO (st.st_mode))
    {
      if (mkfifoat (dst, name, st.st_mode & 07777) < 0
          || fchownat (dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        return nook_error (err, errno, "mkfifo `%s`", name);
      return 0;
    }
  /* Devices and sockets: not content to seed a volume with.  */
  return 0;
}

static int
copy_dir (int src, int dst, int depth, nook_error_t *err)
{
  _cleanup_closedir_ DIR *d = NULL;
  struct dirent *e;

  if (depth > WALK_MAX_DEPTH)
    return nook_error (err, ELOOP, "directories nested too deep");
  d = nook_opendir_at (src, ".", err);
  if (d == NULL)
    return -1;
  while ((e = readdir (d)) != NULL)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      if (copy_entry (src, dst, e->d_name, depth, err) < 0)
        return -1;
    }
  return 0;
}

static bool
dir_empty (int fd)
{
  _cleanup_closedir_ DIR *d = NULL;
  nook_error_t err = NULL;
  struct dirent *e;

  d = nook_opendir_at (fd, ".", &err);
  if (d == NULL)
    {
      nook_error_free (&err);
      return false;
    }
  while ((e = readdir (d)) != NULL)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      return false;
  return true;
}

/* First mount of volume NAME on DEST: the image's content there copied
   in (when the volume is still empty), and its owner and mode taken, as
   Podman's copy-up and chown.  */
static int
seed_volume (struct storage *st, const char *name, int rootfd, const char *dest, nook_error_t *err)
{
  _cleanup_close_ int lock = -1, data = -1, src = -1;
  struct volume v;
  struct stat s;
  int ret;

  if (volume_lock (st, name, &lock, err) < 0)
    return -1;
  if (volume_load (st, name, &v, err) < 0)
    return -1;
  if (!v.needs_copy && !v.needs_chown)
    {
      volume_free (&v);
      return 0;
    }
  data = openat (lock, "_data", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (data < 0)
    {
      volume_free (&v);
      return nook_error (err, errno, "volume %s: open its data", name);
    }
  src = nook_open_in_root (rootfd, dest, O_RDONLY | O_DIRECTORY, NOOK_INROOT_NONE, err);
  if (src < 0)
    {
      /* Nothing there in the image: nothing to copy.  */
      nook_error_free (err);
    }
  ret = 0;
  if (src >= 0 && fstat (src, &s) == 0 && v.needs_chown && dir_empty (data))
    {
      if (fchown (data, s.st_uid, s.st_gid) < 0 || fchmod (data, s.st_mode & 07777) < 0)
        ret = nook_error (err, errno, "volume %s: set its owner", name);
    }
  if (ret == 0 && src >= 0 && v.needs_copy && dir_empty (data))
    ret = container_mounts_copy_tree (src, data, err);
  if (ret == 0)
    {
      v.needs_copy = false;
      v.needs_chown = false;
      ret = volume_update_locked (lock, &v, err);
    }
  else
    nook_error_prefix (err, "volume %s: copy the image's `%s`", name, dest);
  volume_free (&v);
  return ret;
}

static int chown_dir (int fd, uint32_t uid, uint32_t gid, int depth, nook_error_t *err);

static int
chown_dir (int fd, uint32_t uid, uint32_t gid, int depth, nook_error_t *err)
{
  _cleanup_closedir_ DIR *d = NULL;
  struct dirent *e;

  if (depth > WALK_MAX_DEPTH)
    return nook_error (err, ELOOP, "directories nested too deep");
  d = nook_opendir_at (fd, ".", err);
  if (d == NULL)
    return -1;
  while ((e = readdir (d)) != NULL)
    {
      struct stat st;
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      if (fstatat (fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return nook_error (err, errno, "stat `%s`", e->d_name);
      if (fchownat (fd, e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return nook_error (err, errno, "chown `%s`", e->d_name);
      if (S_ISDIR (st.st_mode))
        {
          _cleanup_close_ int sub
              = openat (fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          /* Another file system mounted there is not ours to change.  */
          struct stat sst;
          if (sub < 0)
            return nook_error (err, errno, "open `%s`", e->d_name);
          if (fstat (sub, &sst) == 0 && sst.st_dev != st.st_dev)
            continue;
          if (chown_dir (sub, uid, gid, depth + 1, err) < 0)
            return nook_error_prefix (err, "%s", e->d_name);
        }
    }
  return 0;
}

int
container_mounts_copy_tree (int src, int dst, nook_error_t *err)
{
  return copy_dir (src, dst, 0, err);
}

/* :U: SOURCE and all below it owned by the container's user.  */
int
container_mounts_chown_tree (const char *source, uint32_t uid, uint32_t gid, nook_error_t *err)
{
  _cleanup_close_ int fd = open (source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  struct stat st;

  if (fd < 0 && errno == ELOOP)
    return nook_error (err, ELOOP, "chown `%s`: a symlink is not followed", source);
  if (fd < 0 || fstat (fd, &st) < 0)
    return nook_error (err, errno, "open `%s`", source);
  if (fchown (fd, uid, gid) < 0)
    return nook_error (err, errno, "chown `%s`", source);
  if (S_ISDIR (st.st_mode) && chown_dir (fd, uid, gid, 0, err) < 0)
    return nook_error_prefix (err, "chown `%s`", source);
  return 0;
}

/* :O: an overlay with SOURCE below and a fresh upper directory in
   CTRDIR/volume-overlay/N, so changes are gone at the next start.  */
static int
overlay_mount (const struct container_mount *m, const char *source, const char *ctrdir, size_t n,
               struct oci_spec *spec, nook_error_t *err)
{
  _cleanup_free_ char *dir = xasprintf ("%s/volume-overlay/%zu", ctrdir, n);
  _cleanup_free_ char *upper = xasprintf ("%s/upper", dir), *work = xasprintf ("%s/work", dir);
  _cleanup_free_ char *lower = xasprintf ("lowerdir=%s", source);
  _cleanup_free_ char *uo = xasprintf ("upperdir=%s", upper), *wo = xasprintf ("workdir=%s", work);
  const char *opts[] = { lower, uo, wo, "userxattr", NULL };
  nook_error_t ignored = NULL;

  if (nook_rm_tree_at (AT_FDCWD, dir, &ignored) < 0)
    nook_error_free (&ignored);
  if (nook_mkdir_p (AT_FDCWD, upper, 0700, err) < 0 || nook_mkdir_p (AT_FDCWD, work, 0700, err) < 0)
    return -1;
  oci_spec_add_mount (spec, m->destination, "overlay", "overlay", opts);
  return 0;
}

static void
remove_dest (struct oci_spec *spec, const char *dest)
{
  size_t k = 0;
  for (size_t i = 0; i < spec->n_mounts; i++)
    {
      struct oci_mount *om = &spec->mounts[i];
      if (strcmp (om->destination, dest) == 0)
        {
          free (om->destination);
          free (om->type);
          free (om->source);
          strv_free (om->options);
          continue;
        }
      spec->mounts[k++] = *om;
    }
  spec->n_mounts = k;
}

static size_t
depth_of (const char *path)
{
  size_t n = 0;
  for (const char *p = path; *p; p++)
    n += *p == '/' && p[1] != '\0';
  return n;
}

/* A parent before what is mounted below it: a stable sort by depth.  */
static void
sort_mounts (struct oci_spec *spec)
{
  for (size_t i = 1; i < spec->n_mounts; i++)
    {
      struct oci_mount m = spec->mounts[i];
      size_t d = depth_of (m.destination), k = i;
      while (k > 0 && depth_of (spec->mounts[k - 1].destination) > d)
        {
          spec->mounts[k] = spec->mounts[k - 1];
          k--;
        }
      spec->mounts[k] = m;
    }
}

/* --mount type=image: the image's layers on fuse-overlayfs at
   containers/ID/image-mount/N/merged (an upper directory made fresh at
   each start, so rw=true changes are discarded), bound into the
   container.  The daemon is the monitor's child and dies with it.  */
static int
image_mount (struct storage *st, const struct container_mount *m, const char *id, size_t n,
             const struct container_userns *userns, char **source, nook_error_t *err)
{
  _cleanup_free_ char *uidmapping = container_userns_fuse_map (&userns->uids);
  _cleanup_free_ char *gidmapping = container_userns_fuse_map (&userns->gids);
  static const char *const dirs[] = { "merged", "upper", "work", "userdata" };
  _cleanup_free_ char *sub = xasprintf ("%s/image-mount/%zu", id, n);
  _cleanup_free_ char *dir = xasprintf ("%s/containers/%s", st->root, sub);
  _cleanup_free_ char *merged = xasprintf ("%s/merged", dir), *upper = NULL;
  struct storage_image img;
  nook_error_t ignored = NULL;
  pid_t pid;
  int r;

  /* What a previous start (a restart) mounted goes first.  */
  umount2 (merged, MNT_DETACH);
  if (nook_rm_tree_at (AT_FDCWD, dir, &ignored) < 0)
    nook_error_free (&ignored);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (dirs); i++)
    {
      _cleanup_free_ char *d = xasprintf ("%s/%s", dir, dirs[i]);
      if (nook_mkdir_p (AT_FDCWD, d, 0700, err) < 0)
        return -1;
    }
  if (storage_image_lookup (st, m->image, &img, err) < 0)
    return nook_error_prefix (err, "image mount of `%s`", m->source);
  upper = xasprintf ("%s/upper", dir);
  r = container_upper_like_top (st, img.layers, upper, err);
  if (r == 0)
    r = storage_overlay_mount (st, sub, img.layers, uidmapping, gidmapping, &pid, err);
  storage_image_free (&img);
  if (r < 0)
    return nook_error_prefix (err, "image mount of `%s`", m->source);
  *source = steal_pointer (&merged);
  return 0;
}

void
container_mounts_unmount_images (struct storage *st, const struct container_mounts *ms,
                                 const char *id)
{
  for (size_t i = 0; i < ms->n; i++)
    if (strcmp (ms->v[i].type, "image") == 0)
      {
        _cleanup_free_ char *merged
            = xasprintf ("%s/containers/%s/image-mount/%zu/merged", st->root, id, i);
        umount2 (merged, MNT_DETACH); /* its fuse-overlayfs reads ENODEV and ends */
      }
}

int
container_mounts_setup (struct storage *st, const struct container_mounts *ms, int rootfd,
                        const char *id, const struct container_userns *userns, uint32_t uid,
                        uint32_t gid, struct oci_spec *spec, nook_error_t *err)
{
  _cleanup_free_ char *ctrdir = xasprintf ("%s/containers/%s", st->root, id);

  for (size_t i = 0; i < ms->n; i++)
    {
      const struct container_mount *m = &ms->v[i];
      bool vol = strcmp (m->type, "volume") == 0;
      _cleanup_free_ char *source = vol ? volume_data_path (st, m->source) : NULL;

      if (strcmp (m->type, "image") == 0)
        {
          if (image_mount (st, m, id, i, userns, &source, err) < 0)
            return -1;
        }
      else if (!vol)
        source = xstrdup (m->source);

      if (vol && seed_volume (st, m->source, rootfd, m->destination, err) < 0)
        return -1;
      if (m->chown && container_mounts_chown_tree (source, uid, gid, err) < 0)
        return -1;
      remove_dest (spec, m->destination);
      if (m->overlay)
        {
          if (overlay_mount (m, source, ctrdir, i, spec, err) < 0)
            return -1;
          continue;
        }
      oci_spec_add_mount (spec, m->destination, "bind", source, (const char *const *)m->options);
    }
  if (ms->n)
    sort_mounts (spec);
  return 0;
}
