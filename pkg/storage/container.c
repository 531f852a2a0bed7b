/* Container directories and names.  A name is a symlink NAME -> ID made
   under a short lock, so two `run --name x` cannot both win.  */
#include "storage/storage.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

static bool
container_exists (struct storage *st, const char *id)
{
  struct stat s;
  return fstatat (st->containersfd, id, &s, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (s.st_mode);
}

static int
names_lock (struct storage *st, nook_error_t *err)
{
  _cleanup_close_ int fd
      = openat (st->containersfd, "names.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return nook_error (err, errno, "open `%s/containers/names.lock`", st->root);
  if (nook_lock (fd, true, err) < 0)
    return -1;
  return steal_fd (&fd);
}

/* The ID NAME points at, when that container still exists.  */
static bool
name_target (struct storage *st, const char *name, char id[65])
{
  _cleanup_free_ char *path = xasprintf ("names/%s", name);
  ssize_t n = readlinkat (st->containersfd, path, id, 64);

  if (n != 64)
    return false;
  id[64] = '\0';
  return nook_is_hex (id, 64) && container_exists (st, id);
}

int
storage_container_name_reserve (struct storage *st, const char *name, const char *id,
                                nook_error_t *err)
{
  _cleanup_close_ int lock = names_lock (st, err);
  _cleanup_free_ char *path = xasprintf ("names/%s", name);
  char holder[65];

  if (lock < 0)
    return -1;
  if (name_target (st, name, holder))
    return nook_error (err, 0,
                       "the container name \"%s\" is already in use by %s. You have to remove "
                       "that container to be able to reuse that name: that name is already in use",
                       name, holder);
  /* A dangling name is left by a crash between steps of rm: reclaim it.  */
  unlinkat (st->containersfd, path, 0);
  if (symlinkat (id, st->containersfd, path) < 0)
    return nook_error (err, errno, "reserve name `%s`", name);
  return 0;
}

void
storage_container_name_release (struct storage *st, const char *name, const char *id)
{
  nook_error_t err = NULL;
  _cleanup_close_ int lock = names_lock (st, &err);
  _cleanup_free_ char *path = xasprintf ("names/%s", name);
  char target[65];
  ssize_t n;

  if (lock < 0)
    {
      nook_error_free (&err);
      return;
    }
  n = readlinkat (st->containersfd, path, target, 64);
  if (n == 64 && memcmp (target, id, 64) == 0)
    unlinkat (st->containersfd, path, 0);
}

int
storage_container_ids (struct storage *st, char ***out, nook_error_t *err)
{
  if (nook_list_dir (st->containersfd, storage_is_id, out, err) < 0)
    return nook_error_prefix (err, "`%s/containers`", st->root);
  return 0;
}

int
storage_container_resolve (struct storage *st, const char *ref, char id[65], nook_error_t *err)
{
  _cleanup_strv_ char **ids = NULL;
  size_t found = 0, len = strlen (ref);

  if (len > 0 && len < NAME_MAX && strchr (ref, '/') == NULL && ref[0] != '.'
      && name_target (st, ref, id))
    return 0;
  if (image_is_id_prefix (ref))
    {
      if (storage_container_ids (st, &ids, err) < 0)
        return -1;
      for (size_t i = 0; ids[i]; i++)
        if (strncmp (ids[i], ref, len) == 0 && found++ == 0)
          memcpy (id, ids[i], 65);
      if (found > 1)
        return nook_error (err, 0, "more than one result for container ID prefix \"%s\"", ref);
      if (found == 1)
        return 0;
    }
  nook_error (err, 0, "no container with name or ID \"%s\" found: no such container", ref);
  return nook_error_set_errno (err, ENOENT);
}

int
storage_container_open (struct storage *st, const char *id, nook_error_t *err)
{
  int fd = openat (st->containersfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      nook_error (err, 0, "no container with ID \"%s\" found: no such container", id);
      return nook_error_set_errno (err, errno);
    }
  return fd;
}

int
storage_container_hide (struct storage *st, const char *id, char **gone, nook_error_t *err)
{
  char rnd[17];
  _cleanup_free_ char *name = NULL;

  *gone = NULL;
  if (nook_random_hex (rnd, 8, err) < 0)
    return -1;
  /* Out of sight in one rename; an interrupted purge leaves garbage in
     tmp/ that the next sweep takes.  */
  name = xasprintf ("rm-%.12s-%s", id, rnd);
  if (renameat (st->containersfd, id, st->tmpfd, name) < 0)
    {
      if (errno == ENOENT)
        return 0;
      return nook_error (err, errno, "remove container %.12s", id);
    }
  *gone = steal_pointer (&name);
  return 0;
}

int
storage_container_purge (struct storage *st, const char *gone, nook_error_t *err)
{
  return gone ? nook_rm_tree_at (st->tmpfd, gone, err) : 0;
}

int
storage_container_delete (struct storage *st, const char *id, nook_error_t *err)
{
  _cleanup_free_ char *gone = NULL;

  if (storage_container_hide (st, id, &gone, err) < 0)
    return -1;
  return storage_container_purge (st, gone, err);
}
