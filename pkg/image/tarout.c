/* Writing: tar streams (libarchive, pax restricted) and output files
   made whole or not at all.  */
#include "image/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* ---- tar streams ---- */

struct image_tar
{
  struct archive *a;
  struct archive_entry *e;
  int64_t left; /* data bytes the current entry still expects */
  bool failed;
};

static int
tar_fail (struct image_tar *t, const char *what, nook_error_t *err)
{
  const char *msg = archive_error_string (t->a);
  int e = archive_errno (t->a);

  /* A failed stream must not be closed into a valid-looking archive.  */
  t->failed = true;
  archive_write_fail (t->a);
  return nook_error (err, e > 0 && e < 4096 ? e : 0, "%s: %s", what, msg ? msg : "archive error");
}

void
image_tar_free (struct image_tar *t)
{
  if (t == NULL)
    return;
  if (t->a)
    {
      if (!t->failed)
        archive_write_fail (t->a); /* closed by image_tar_close, or abandoned */
      archive_write_free (t->a);
    }
  if (t->e)
    archive_entry_free (t->e);
  free (t);
}

int
image_tar_open (int fd, struct image_tar **out, nook_error_t *err)
{
  struct image_tar *t;

  if (nook_lazy_load (&nook_lib_archive, err) < 0)
    return -1;
  t = xzalloc (sizeof (*t));
  t->a = archive_write_new ();
  t->e = archive_entry_new ();
  if (t->a == NULL || t->e == NULL)
    {
      image_tar_free (t);
      return nook_error (err, ENOMEM, "write an archive");
    }
  /* No padding to a 10 KiB record: the stream ends with the two zero
     blocks, as Go's archive/tar ends it.  */
  if (archive_write_set_format_pax_restricted (t->a) != ARCHIVE_OK
      || archive_write_set_bytes_in_last_block (t->a, 1) != ARCHIVE_OK
      || archive_write_open_fd (t->a, fd) != ARCHIVE_OK)
    {
      tar_fail (t, "write an archive", err);
      image_tar_free (t);
      return -1;
    }
  *out = t;
  return 0;
}

int
image_tar_header (struct image_tar *t, const struct image_tar_entry *e, nook_error_t *err)
{
  mode_t type = e->hardlink ? S_IFREG : (e->mode & S_IFMT);
  int r;

  if (t->left != 0)
    return nook_error (err, 0, "internal error: tar entry short of %lld bytes", (long long)t->left);
  archive_entry_clear (t->e);
  archive_entry_set_pathname (t->e, e->path);
  archive_entry_set_filetype (t->e, type);
  archive_entry_set_perm (t->e, e->mode & 07777);
  archive_entry_set_uid (t->e, e->uid);
  archive_entry_set_gid (t->e, e->gid);
  archive_entry_set_mtime (t->e, (time_t)e->mtime, 0);
  archive_entry_set_size (t->e, 0);
  if (e->hardlink)
    archive_entry_set_hardlink (t->e, e->link);
  else if (S_ISLNK (type))
    archive_entry_set_symlink (t->e, e->link);
  else if (S_ISCHR (type) || S_ISBLK (type))
    {
      archive_entry_set_rdevmajor (t->e, major (e->rdev));
      archive_entry_set_rdevminor (t->e, minor (e->rdev));
    }
  else if (S_ISREG (type))
    archive_entry_set_size (t->e, e->size);
  if (e->xattr)
    archive_entry_xattr_add_entry (t->e, e->xattr, e->xattr_value, e->xattr_len);
  r = archive_write_header (t->a, t->e);
  /* A warning is a name that is not UTF-8: it is stored as it is.  */
  if (r < ARCHIVE_WARN)
    {
      _cleanup_free_ char *what = xasprintf ("write `%s` to the archive", e->path);
      return tar_fail (t, what, err);
    }
  t->left = S_ISREG (type) && !e->hardlink ? e->size : 0;
  return 0;
}

int
image_tar_data (struct image_tar *t, const void *buf, size_t len, nook_error_t *err)
{
  const char *p = buf;

  if ((int64_t)len > t->left)
    return nook_error (err, 0, "internal error: %zu bytes for a tar entry that takes %lld", len,
                       (long long)t->left);
  while (len > 0)
    {
      la_ssize_t w = archive_write_data (t->a, p, len);
      if (w <= 0)
        return tar_fail (t, "write the archive", err);
      p += w;
      len -= (size_t)w;
      t->left -= w;
    }
  return 0;
}

int
image_tar_close (struct image_tar *t, nook_error_t *err)
{
  if (t->left != 0)
    return nook_error (err, 0, "internal error: tar entry short of %lld bytes", (long long)t->left);
  if (archive_write_close (t->a) != ARCHIVE_OK)
    return tar_fail (t, "write the archive", err);
  t->failed = true; /* closed: nothing more to write */
  return 0;
}

int
image_tar_bytes (struct image_tar *t, const char *path, mode_t perm, const void *data, size_t len,
                 nook_error_t *err)
{
  struct image_tar_entry e = { .path = path, .mode = S_IFREG | perm, .size = (int64_t)len };

  if (image_tar_header (t, &e, err) < 0)
    return -1;
  return image_tar_data (t, data, len, err);
}

/* ---- output files ---- */

/* The directory of PATH, opened, and its last component.  */
static int
output_dir (const char *path, int *dirfd, const char **base, nook_error_t *err)
{
  const char *slash = strrchr (path, '/');
  _cleanup_free_ char *dir = NULL;

  if (slash == NULL)
    dir = xstrdup (".");
  else
    dir = slash == path ? xstrdup ("/") : xstrndup (path, (size_t)(slash - path));
  *base = slash ? slash + 1 : path;
  if (**base == '\0')
    return nook_error (err, EISDIR, "`%s`", path);
  *dirfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  return *dirfd < 0 ? nook_error (err, errno, "open `%s`", dir) : 0;
}

int
image_output_sibling (const char *path, int *dirfd, const char **base, char **tmp,
                      nook_error_t *err)
{
  char rnd[17];

  if (nook_random_hex (rnd, 8, err) < 0 || output_dir (path, dirfd, base, err) < 0)
    return -1;
  *tmp = xasprintf (".%s.tmp-%s", *base, rnd);
  return 0;
}

int
image_output_open (struct image_output *o, const char *path, bool new_only, nook_error_t *err)
{
  const char *base;
  struct stat st;
  int e;

  memset (o, 0, sizeof (*o));
  o->fd = o->dirfd = -1;
  if (path == NULL)
    {
      o->fd = fcntl (STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
      return o->fd < 0 ? nook_error (err, errno, "stdout") : 0;
    }
  if (stat (path, &st) == 0)
    {
      if (S_ISDIR (st.st_mode))
        return nook_error (err, EISDIR, "`%s`", path);
      if (!S_ISREG (st.st_mode))
        {
          /* A FIFO or a device (/dev/stdout): written in place.  */
          o->fd = open (path, O_WRONLY | O_CLOEXEC);
          return o->fd < 0 ? nook_error (err, errno, "open `%s`", path) : 0;
        }
      if (new_only && st.st_size > 0)
        return nook_error (err, 0, "docker-archive doesn't support modifying existing images");
    }
  else if (errno != ENOENT)
    return nook_error (err, errno, "`%s`", path);
  if (image_output_sibling (path, &o->dirfd, &base, &o->tmp, err) < 0)
    return -1;
  o->path = xstrdup (base);
  o->fd = openat (o->dirfd, o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (o->fd < 0)
    {
      e = errno;
      image_output_discard (o);
      return nook_error (err, e, "create `%s`", path);
    }
  return 0;
}

int
image_output_commit (struct image_output *o, nook_error_t *err)
{
  int fd = steal_fd (&o->fd);

  if (fd >= 0 && close (fd) < 0 && errno != EINTR)
    return nook_error (err, errno, "write `%s`", o->path ? o->path : "stdout");
  if (o->tmp && renameat (o->dirfd, o->tmp, o->dirfd, o->path) < 0)
    return nook_error (err, errno, "rename `%s` to `%s`", o->tmp, o->path);
  free (steal_pointer (&o->tmp));
  free (steal_pointer (&o->path));
  nook_closep (&o->dirfd);
  return 0;
}

void
image_output_discard (struct image_output *o)
{
  nook_closep (&o->fd);
  if (o->tmp && o->dirfd >= 0)
    unlinkat (o->dirfd, o->tmp, 0);
  free (steal_pointer (&o->tmp));
  free (steal_pointer (&o->path));
  nook_closep (&o->dirfd);
}
