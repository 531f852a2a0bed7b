/* The store: its directories, its one short lock, and work dirs.  */
#include "storage/storage.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

int
storage_open (struct storage *st, const char *root, nook_error_t *err)
{
  static const char *const dirs[]
      = { "tmp", "layers", "images", "containers", "containers/names", "blobs", "blobs/sha256" };

  memset (st, 0, sizeof (*st));
  st->rootfd = st->layersfd = st->imagesfd = st->containersfd = st->tmpfd = st->blobsfd = -1;
  st->root = xstrdup (root);
  if (nook_mkdir_p (AT_FDCWD, root, 0700, err) < 0)
    return nook_error_prefix (err, "create the store");
  st->rootfd = nook_open_dir (AT_FDCWD, root, err);
  if (st->rootfd < 0)
    return -1;
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (dirs); i++)
    if (mkdirat (st->rootfd, dirs[i], 0700) < 0 && errno != EEXIST)
      return nook_error (err, errno, "create `%s/%s`", root, dirs[i]);
  if ((st->tmpfd = nook_open_dir (st->rootfd, "tmp", err)) < 0
      || (st->layersfd = nook_open_dir (st->rootfd, "layers", err)) < 0
      || (st->imagesfd = nook_open_dir (st->rootfd, "images", err)) < 0
      || (st->containersfd = nook_open_dir (st->rootfd, "containers", err)) < 0
      || (st->blobsfd = nook_open_dir (st->rootfd, "blobs/sha256", err)) < 0)
    return -1;
  return 0;
}

void
storage_close (struct storage *st)
{
  int *fds[]
      = { &st->rootfd, &st->layersfd, &st->imagesfd, &st->containersfd, &st->tmpfd, &st->blobsfd };
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (fds); i++)
    nook_closep (fds[i]);
  free (st->root);
  st->root = NULL;
}

int
storage_lock (struct storage *st, int *fd, nook_error_t *err)
{
  _cleanup_close_ int lfd = openat (st->rootfd, "storage.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lfd < 0)
    return nook_error (err, errno, "open `%s/storage.lock`", st->root);
  if (nook_lock (lfd, true, err) < 0)
    return nook_error_prefix (err, "lock the store");
  *fd = steal_fd (&lfd);
  return 0;
}

/* One try at tmp/.KIND-RANDOM, locked, then renamed to KIND-RANDOM: made
   under the dot name so that the sweep never takes it for a dead one's
   work.  0, or 1 if the sweep took the dot dir before it was locked (try
   again), or -1.  */
static int
tmp_try_create (struct storage *st, const char *kind, struct storage_tmp *tmp, nook_error_t *err)
{
  _cleanup_free_ char *hidden = NULL;
  _cleanup_close_ int fd = -1;
  char rnd[17];

  if (nook_random_hex (rnd, 8, err) < 0)
    return -1;
  hidden = xasprintf (".%s-%s", kind, rnd);
  if (mkdirat (st->tmpfd, hidden, 0700) < 0)
    return nook_error (err, errno, "create `%s/tmp/%s`", st->root, hidden);
  fd = openat (st->tmpfd, hidden, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 1 : nook_error (err, errno, "open `%s/tmp/%s`", st->root, hidden);
  if (nook_lock (fd, true, err) < 0)
    {
      unlinkat (st->tmpfd, hidden, AT_REMOVEDIR);
      return -1;
    }
  if (renameat (st->tmpfd, hidden, st->tmpfd, hidden + 1) < 0)
    {
      int e = errno;
      unlinkat (st->tmpfd, hidden, AT_REMOVEDIR);
      return e == ENOENT ? 1 : nook_error (err, e, "rename `%s/tmp/%s`", st->root, hidden);
    }
  tmp->fd = steal_fd (&fd);
  tmp->name = xstrdup (hidden + 1);
  return 0;
}

int
storage_tmp_create (struct storage *st, const char *kind, struct storage_tmp *tmp,
                    nook_error_t *err)
{
  int r = 1;

  tmp->name = NULL;
  tmp->fd = -1;
  for (int i = 0; i < 100 && r == 1; i++)
    r = tmp_try_create (st, kind, tmp, err);
  if (r == 1)
    return nook_error (err, 0, "create a work dir in `%s/tmp`: taken by sweeps 100 times",
                       st->root);
  return r;
}

void
storage_tmp_discard (struct storage *st, struct storage_tmp *tmp)
{
  nook_error_t err = NULL;

  if (tmp->name && nook_rm_tree_at (st->tmpfd, tmp->name, &err) < 0)
    {
      nook_warn ("%s", err->msg);
      nook_error_free (&err);
    }
  nook_closep (&tmp->fd);
  free (tmp->name);
  tmp->name = NULL;
}

bool
storage_blob_exists (struct storage *st, const char *hex)
{
  struct stat s;
  return fstatat (st->blobsfd, hex, &s, AT_SYMLINK_NOFOLLOW) == 0;
}

int
storage_blob_open (struct storage *st, const char *digest, int *fd, nook_error_t *err)
{
  const char *hex;

  if (nook_digest_hex (digest, &hex, err) < 0)
    return -1;
  *fd = openat (st->blobsfd, hex, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (*fd < 0)
    return nook_error (err, errno, "blob %s", digest);
  return 0;
}

bool
storage_is_id (const char *name)
{
  return strlen (name) == 64 && nook_is_hex (name, 64);
}

void
storage_tmp_sweep (struct storage *st)
{
  _cleanup_strv_ char **names = NULL;
  nook_error_t err = NULL;

  if (nook_list_dir (st->tmpfd, NULL, &names, &err) < 0)
    {
      nook_error_free (&err);
      return;
    }
  for (size_t i = 0; names[i]; i++)
    {
      _cleanup_close_ int fd
          = openat (st->tmpfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      /* Taken only when nobody holds its lock.  */
      if (fd < 0 || nook_trylock (fd, true, &err) != 1)
        {
          nook_error_free (&err);
          continue;
        }
      /* A ".KIND-..." dir is always empty, and unlocked for the instant
         between its mkdir and its lock: its maker, if alive, finds it gone
         and makes another; if dead (killed in that instant), it is ours.  */
      if (names[i][0] == '.')
        unlinkat (st->tmpfd, names[i], AT_REMOVEDIR);
      else if (nook_rm_tree_at (st->tmpfd, names[i], &err) < 0)
        {
          nook_debug ("sweep: %s", err->msg);
          nook_error_free (&err);
        }
    }
}
