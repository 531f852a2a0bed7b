/* Files: whole-file atomic writes, bounded reads, trees, locks.  */
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

int
nook_write_all (int fd, const void *data, size_t len)
{
  const char *p = data;
  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return -1;
      p += w;
      len -= (size_t)w;
    }
  return 0;
}

static int
write_file_replace (int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                    bool durable, nook_error_t *err)
{
  _cleanup_free_ char *tmp = NULL;
  _cleanup_close_ int fd = -1;
  _cleanup_close_ int dfd = -1;
  char rnd[17];
  const char *slash = strrchr (name, '/');

  if (nook_random_hex (rnd, 8, err) < 0)
    return -1;
  /* The temp file lives next to the target so the rename stays in one
     directory and one filesystem.  */
  tmp = slash ? xasprintf ("%.*s/.tmp-%s-%s", (int)(slash - name), name, rnd, slash + 1)
              : xasprintf (".tmp-%s-%s", rnd, name);
  fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return nook_error (err, errno, "create `%s`", tmp);
  if (nook_write_all (fd, data, len) < 0 || (durable && fsync (fd) < 0))
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return nook_error (err, e, "write `%s`", tmp);
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return nook_error (err, e, "rename `%s` to `%s`", tmp, name);
    }
  if (!durable)
    return 0;
  /* Make the rename itself durable.  */
  if (slash)
    {
      _cleanup_free_ char *dir = xstrndup (name, (size_t)(slash - name));
      dfd = openat (dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
  else
    dfd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    fsync (dfd);
  return 0;
}

int
nook_write_file_atomic (int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                        nook_error_t *err)
{
  return write_file_replace (dirfd, name, data, len, mode, true, err);
}

int
nook_write_file_volatile (int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                          nook_error_t *err)
{
  return write_file_replace (dirfd, name, data, len, mode, false, err);
}

/* Read FD whole into *OUT (NUL-terminated), refusing more than MAX bytes.
   With SHORT_IS_END a read that returns less than asked is taken as the
   end, as it is for a regular file on a local filesystem: that saves the
   read that would return 0 (not for /proc, pipes or FUSE).  */
static int
read_fd_whole (int fd, const char *name, size_t max, bool short_is_end, char **out, size_t *len,
               nook_error_t *err)
{
  _cleanup_free_ char *buf = NULL;
  size_t size = 0, cap = 0;

  for (;;)
    {
      ssize_t r;
      if (cap - size < 4096)
        {
          cap = cap ? cap * 2 : 8192;
          buf = xrealloc (buf, cap + 1);
        }
      r = read (fd, buf + size, cap - size);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return nook_error (err, errno, "read `%s`", name);
      if (r == 0)
        break;
      size += (size_t)r;
      if (size > max)
        return nook_error (err, EFBIG, "read `%s`: larger than %zu bytes", name, max);
      if (short_is_end && size < cap)
        break;
    }
  buf = xrealloc (buf, size + 1);
  buf[size] = '\0';
  if (len)
    *len = size;
  *out = steal_pointer (&buf);
  return 0;
}

int
nook_read_file_at (int dirfd, const char *name, size_t max, char **out, size_t *len,
                   nook_error_t *err)
{
  _cleanup_close_ int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return nook_error (err, errno, "open `%s`", name);
  return read_fd_whole (fd, name, max, false, out, len, err);
}

int
nook_read_record_at (int dirfd, const char *path, size_t max, char **out, size_t *len,
                     nook_error_t *err)
{
  _cleanup_close_ int fd
      = nook_open_beneath (dirfd, path, O_RDONLY, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);

  if (fd < 0 && errno == ENOSYS)
    fd = openat (dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return nook_error (err, errno, "open `%s`", path);
  return read_fd_whole (fd, path, max, true, out, len, err);
}

int
nook_mkdir_p (int dirfd, const char *path, mode_t mode, nook_error_t *err)
{
  _cleanup_free_ char *p = xstrdup (path);

  if (p[0] == '\0')
    return nook_error (err, EINVAL, "mkdir of an empty path");
  for (char *s = p + 1;; s++)
    {
      char saved = *s;
      struct stat st;
      if (saved != '/' && saved != '\0')
        continue;
      *s = '\0';
      if (mkdirat (dirfd, p, mode) < 0)
        {
          /* The end must be a directory (or a link to one); a file on
             the way makes the next mkdir fail with ENOTDIR anyway.  */
          if (errno != EEXIST)
            return nook_error (err, errno, "mkdir `%s`", p);
          if (saved == '\0' && (fstatat (dirfd, p, &st, 0) < 0 || !S_ISDIR (st.st_mode)))
            return nook_error (err, EEXIST, "mkdir `%s`", p);
        }
      *s = saved;
      if (saved == '\0')
        return 0;
    }
}

static int rm_children (int dfd, const char *where, nook_error_t *err);

/* Remove NAME in DFD; a directory is emptied first.  A parent without
   write permission is made writable: the tree is ours to delete.  */
static int
rm_entry (int dfd, const char *name, const char *where, nook_error_t *err)
{
  _cleanup_close_ int child = -1;

  if (unlinkat (dfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno == EACCES || errno == EPERM)
    {
      if (fchmod (dfd, 0700) == 0 && (unlinkat (dfd, name, 0) == 0 || errno == ENOENT))
        return 0;
    }
  if (errno != EISDIR && errno != EPERM && errno != EACCES)
    return nook_error (err, errno, "remove `%s/%s`", where, name);

  child = openat (dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (child < 0 && errno == EACCES && fchmodat (dfd, name, 0700, 0) == 0)
    child = openat (dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (child < 0)
    return nook_error (err, errno, "open `%s/%s`", where, name);
  if (rm_children (child, name, err) < 0)
    return -1;
  if (unlinkat (dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    {
      if ((errno == EACCES || errno == EPERM) && fchmod (dfd, 0700) == 0
          && (unlinkat (dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT))
        return 0;
      return nook_error (err, errno, "remove `%s/%s`", where, name);
    }
  return 0;
}

static int
rm_children (int dfd, const char *where, nook_error_t *err)
{
  _cleanup_closedir_ DIR *d = nook_opendir_at (dfd, ".", err);
  struct dirent *e;

  if (d == NULL)
    return nook_error_prefix (err, "%s", where);
  if (fchmod (dfd, 0700) < 0 && errno != EPERM)
    nook_debug ("chmod `%s`: %s", where, strerror (errno));
  while ((errno = 0, e = readdir (d)) != NULL)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      if (rm_entry (dfd, e->d_name, where, err) < 0)
        return -1;
    }
  if (errno)
    return nook_error (err, errno, "readdir `%s`", where);
  return 0;
}

int
nook_rm_tree_at (int dirfd, const char *name, nook_error_t *err)
{
  return rm_entry (dirfd, name, name, err);
}

DIR *
nook_opendir_at (int dirfd, const char *path, nook_error_t *err)
{
  int fd = openat (dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d;

  if (fd < 0)
    {
      nook_error (err, errno, "open directory `%s`", path);
      return NULL;
    }
  d = fdopendir (fd);
  if (d == NULL)
    {
      nook_error (err, errno, "open directory `%s`", path);
      close (fd);
    }
  return d;
}

int
nook_list_dir (int dirfd, bool (*keep) (const char *name), char ***out, nook_error_t *err)
{
  _cleanup_closedir_ DIR *d = nook_opendir_at (dirfd, ".", err);
  _cleanup_strv_ char **names = xzalloc (sizeof (char *));
  struct dirent *e;

  if (d == NULL)
    return -1;
  while ((errno = 0, e = readdir (d)) != NULL)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0
        && (keep == NULL || keep (e->d_name)))
      strv_push (&names, xstrdup (e->d_name));
  if (errno)
    return nook_error (err, errno, "read directory");
  *out = steal_pointer (&names);
  return 0;
}

int
nook_open_dir (int dirfd, const char *path, nook_error_t *err)
{
  int fd = openat (dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return nook_error (err, errno, "open `%s`", path);
  return fd;
}

int
nook_set_cloexec (int fd, bool on)
{
  int flags = fcntl (fd, F_GETFD);
  if (flags < 0)
    return -1;
  flags = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
  return fcntl (fd, F_SETFD, flags);
}

int
nook_self_dir (char **out, nook_error_t *err)
{
  char buf[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", buf, sizeof (buf) - 1);
  char *slash;

  if (n < 0)
    return nook_error (err, errno, "readlink `/proc/self/exe`");
  buf[n] = '\0';
  slash = strrchr (buf, '/');
  if (slash == NULL)
    return nook_error (err, 0, "cannot locate the executable: `%s`", buf);
  *slash = '\0';
  *out = xstrdup (buf[0] ? buf : "/");
  return 0;
}

int
nook_lock (int fd, bool exclusive, nook_error_t *err)
{
  while (flock (fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
    if (errno != EINTR)
      return nook_error (err, errno, "lock");
  return 0;
}

int
nook_trylock (int fd, bool exclusive, nook_error_t *err)
{
  if (flock (fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
    return 1;
  if (errno == EWOULDBLOCK)
    return 0;
  return nook_error (err, errno, "lock");
}

int
nook_path_clean (const char *name, char ***out, nook_error_t *err)
{
  _cleanup_strv_ char **comps = xzalloc (sizeof (char *));
  size_t n = 0;
  const char *p = name;

  if (strlen (name) >= PATH_MAX)
    return nook_error (err, ENAMETOOLONG, "path `%.64s...`", name);
  while (*p)
    {
      const char *end = strchr (p, '/');
      size_t len = end ? (size_t)(end - p) : strlen (p);

      if (len > NAME_MAX)
        return nook_error (err, ENAMETOOLONG, "path `%s`", name);
      if (len == 2 && p[0] == '.' && p[1] == '.')
        {
          if (n > 0)
            {
              free (comps[--n]);
              comps[n] = NULL;
            }
        }
      else if (len > 0 && !(len == 1 && p[0] == '.'))
        {
          strv_push (&comps, xstrndup (p, len));
          n++;
        }
      if (end == NULL)
        break;
      p = end + 1;
    }
  *out = steal_pointer (&comps);
  return 0;
}

int
nook_disk_usage_at (int at, const char *name, int64_t *total, nook_error_t *err)
{
  _cleanup_close_ int fd = openat (at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  _cleanup_closedir_ DIR *d = NULL;
  struct dirent *de;

  if (fd < 0)
    return nook_error (err, errno, "open `%s`", name);
  d = fdopendir (fd);
  if (d == NULL)
    return nook_error (err, errno, "read `%s`", name);
  fd = -1;
  while ((de = readdir (d)) != NULL)
    {
      struct stat st;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (fstatat (dirfd (d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return nook_error (err, errno, "stat `%s`", de->d_name);
      if (S_ISDIR (st.st_mode))
        {
          if (nook_disk_usage_at (dirfd (d), de->d_name, total, err) < 0)
            return -1;
        }
      else if (S_ISREG (st.st_mode) || S_ISLNK (st.st_mode))
        *total += st.st_size;
    }
  return 0;
}

bool
nook_is_executable (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode) && access (path, X_OK) == 0;
}

char *
nook_search_path (const char *name)
{
  const char *path = getenv ("PATH");
  _cleanup_free_ char *copy = xstrdup (path ? path : "/usr/local/bin:/usr/bin:/bin");
  char *save = NULL;

  for (char *d = strtok_r (copy, ":", &save); d; d = strtok_r (NULL, ":", &save))
    {
      char *p = xasprintf ("%s/%s", d, name);
      if (d[0] == '/' && nook_is_executable (p))
        return p;
      free (p);
    }
  return NULL;
}
