/* Paths resolved inside a root directory.  Nothing here lets the kernel
   follow a symlink on its own: components are walked one at a time with
   O_NOFOLLOW, a symlink met on the way is read and resolved by hand as if
   the root directory were "/", and ".." never climbs above it (the
   containerd rule).  Used for hostile layers and container mounts.  */
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define MAX_SYMLINKS 40

int
nook_open_beneath (int rootfd, const char *path, int flags, uint64_t resolve)
{
  struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC), .resolve = resolve };
  return (int)syscall (SYS_openat2, rootfd, path, &how, sizeof (how));
}

/* Reopen the real directory RESOLVED (no symlinks in it) below ROOTFD.  */
static int
reopen_resolved (int rootfd, char *const *resolved, size_t n)
{
  struct nook_buf path = { 0 };
  int fd;

  nook_buf_puts (&path, ".");
  for (size_t i = 0; i < n; i++)
    {
      nook_buf_putc (&path, '/');
      nook_buf_puts (&path, resolved[i]);
    }
  fd = nook_open_beneath (rootfd, path.data, O_PATH | O_DIRECTORY,
                          RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
  nook_buf_free (&path);
  return fd;
}

/* Put the components of symlink TARGET in front of the work queue.  */
static void
push_link_target (char ***todo, size_t *next, const char *target)
{
  _cleanup_strv_ char **parts = NULL;
  char **merged = NULL;

  /* Splitting without ".." folding: ".." must apply to the real position
     reached so far, not to the text of the link.  */
  for (const char *p = target; *p;)
    {
      const char *end = strchr (p, '/');
      size_t len = end ? (size_t)(end - p) : strlen (p);
      if (len > 0)
        strv_push (&parts, xstrndup (p, len));
      if (end == NULL)
        break;
      p = end + 1;
    }
  for (size_t i = 0; parts && parts[i]; i++)
    strv_push (&merged, xstrdup (parts[i]));
  for (size_t i = *next; (*todo)[i]; i++)
    strv_push (&merged, xstrdup ((*todo)[i]));
  if (merged == NULL)
    merged = xzalloc (sizeof (char *));
  strv_free (*todo);
  *todo = merged;
  *next = 0;
}

struct walk
{
  int rootfd;
  int cur;         /* O_PATH fd of the directory reached */
  char **resolved; /* real components from the root to CUR */
  size_t nresolved;
  int links;
};

static int
walk_dotdot (struct walk *w, nook_error_t *err)
{
  int fd;
  if (w->nresolved == 0)
    return 0; /* ".." at the root stays at the root */
  free (w->resolved[--w->nresolved]);
  w->resolved[w->nresolved] = NULL;
  fd = reopen_resolved (w->rootfd, w->resolved, w->nresolved);
  if (fd < 0)
    return nook_error (err, errno, "reopen parent directory");
  close (w->cur);
  w->cur = fd;
  return 0;
}

static int
walk_enter (struct walk *w, const char *c, nook_error_t *err)
{
  int fd = openat (w->cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return nook_error (err, errno, "open directory `%s`", c);
  close (w->cur);
  w->cur = fd;
  strv_push (&w->resolved, xstrdup (c));
  w->nresolved++;
  return 0;
}

/* One step of the walk: C is a plain component (not "", ".", "..").  */
static int
walk_step (struct walk *w, const char *c, bool create, char ***todo, size_t *next,
           nook_error_t *err)
{
  struct stat st;
  char target[PATH_MAX];
  ssize_t len;

  if (fstatat (w->cur, c, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno != ENOENT || !create)
        return nook_error (err, errno, "`%s`", c);
      if (mkdirat (w->cur, c, 0755) < 0)
        return nook_error (err, errno, "mkdir `%s`", c);
      return walk_enter (w, c, err);
    }
  if (S_ISDIR (st.st_mode))
    return walk_enter (w, c, err);
  if (!S_ISLNK (st.st_mode))
    return nook_error (err, ENOTDIR, "`%s`", c);

  if (++w->links > MAX_SYMLINKS)
    return nook_error (err, ELOOP, "`%s`", c);
  len = readlinkat (w->cur, c, target, sizeof (target) - 1);
  if (len < 0)
    return nook_error (err, errno, "readlink `%s`", c);
  target[len] = '\0';
  if (target[0] == '/')
    {
      /* An absolute link restarts at the layer root, not the host's.  */
      int fd = fcntl (w->rootfd, F_DUPFD_CLOEXEC, 3);
      if (fd < 0)
        return nook_error (err, errno, "dup");
      close (w->cur);
      w->cur = fd;
      strv_free (w->resolved);
      w->resolved = NULL;
      w->nresolved = 0;
    }
  push_link_target (todo, next, target);
  return 0;
}

int
nook_resolve_dir (int rootfd, char *const *comps, size_t n, bool create, int *out, char **resolved,
                  nook_error_t *err)
{
  struct walk w = { .rootfd = rootfd };
  _cleanup_strv_ char **todo = xzalloc (sizeof (char *));
  size_t next = 0;
  int ret = 0;

  for (size_t i = 0; i < n; i++)
    strv_push (&todo, xstrdup (comps[i]));
  w.cur = fcntl (rootfd, F_DUPFD_CLOEXEC, 3);
  if (w.cur < 0)
    return nook_error (err, errno, "dup");
  while (ret == 0 && todo[next])
    {
      const char *c = todo[next++];
      if (strcmp (c, ".") == 0)
        continue;
      if (strcmp (c, "..") == 0)
        ret = walk_dotdot (&w, err);
      else
        ret = walk_step (&w, c, create, &todo, &next, err);
    }
  if (ret < 0)
    {
      close (w.cur);
      strv_free (w.resolved);
      return -1;
    }
  if (resolved)
    {
      struct nook_buf b = { 0 };
      for (size_t i = 0; i < w.nresolved; i++)
        {
          if (i)
            nook_buf_putc (&b, '/');
          nook_buf_puts (&b, w.resolved[i]);
        }
      *resolved = nook_buf_steal (&b);
    }
  strv_free (w.resolved);
  *out = w.cur;
  return 0;
}

int
nook_open_in_root (int rootfd, const char *path, int flags, enum nook_inroot_create create,
                   nook_error_t *err)
{
  _cleanup_free_ char *cur = xstrdup (path);

  for (int hops = 0; hops < MAX_SYMLINKS; hops++)
    {
      _cleanup_strv_ char **comps = NULL;
      _cleanup_free_ char *parent_path = NULL;
      _cleanup_close_ int parent = -1;
      char target[PATH_MAX];
      struct stat st;
      const char *base;
      size_t n;
      ssize_t len;
      int fd;

      if (nook_path_clean (cur, &comps, err) < 0)
        return -1;
      n = strv_len (comps);
      if (n == 0)
        {
          fd = openat (rootfd, ".", flags | O_CLOEXEC);
          return fd < 0 ? nook_error (err, errno, "open `%s`", path) : fd;
        }
      base = comps[n - 1];
      if (nook_resolve_dir (rootfd, comps, n - 1, create != NOOK_INROOT_NONE, &parent, &parent_path,
                            err)
          < 0)
        return nook_error_prefix (err, "`%s`", path);
      if (fstatat (parent, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
        {
          len = readlinkat (parent, base, target, sizeof (target) - 1);
          if (len < 0)
            return nook_error (err, errno, "readlink `%s`", path);
          target[len] = '\0';
          free (cur);
          cur = target[0] == '/' ? xstrdup (target) : xasprintf ("%s/%s", parent_path, target);
          continue;
        }
      if (create == NOOK_INROOT_DIR && mkdirat (parent, base, 0755) < 0 && errno != EEXIST)
        return nook_error (err, errno, "mkdir `%s`", path);
      if (create == NOOK_INROOT_FILE)
        {
          int made = openat (parent, base, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
          if (made < 0 && errno != EISDIR)
            return nook_error (err, errno, "create `%s`", path);
          if (made >= 0)
            close (made);
        }
      fd = openat (parent, base, flags | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return nook_error (err, errno, "open `%s`", path);
      return fd;
    }
  return nook_error (err, ELOOP, "open `%s`", path);
}
