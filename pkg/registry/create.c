/* What `run` and `create` call before they look an image up: find it, and
   pull it as --pull says.  Layers hold files of subordinate ids, so the
   pull itself runs in a child that enters the user namespace; the caller
   stays where it is and gets the image ID (or the error) over a pipe.  A
   caller already inside the namespace (or real root) pulls in-process.  */
#include "registry/internal.h"
#include "userns/userns.h"

#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>

/* IMAGE in ST: as given (names, IDs), else as each candidate registries.conf
   gives for a short name.  1 found, 0 not.  */
static int
find_local (struct storage *st, const char *image, char id[65], nook_error_t *err)
{
  struct storage_image img;
  struct reg_conf conf = { 0 };
  struct reg_target *t = NULL;
  size_t n = 0;
  int found = 0;

  if (storage_image_lookup (st, image, &img, err) == 0)
    {
      memcpy (id, img.id, 65);
      storage_image_free (&img);
      return 1;
    }
  if ((*err)->errnum != ENOENT)
    return -1;
  nook_error_free (err);
  if (reg_conf_load (&conf, err) < 0)
    return -1;
  if (reg_resolve (&conf, image, -1, &t, &n, err) < 0)
    nook_error_free (err); /* not a name a registry could have */
  for (size_t i = 0; !found && i < n; i++)
    if (storage_image_lookup (st, t[i].name, &img, err) == 0)
      {
        memcpy (id, img.id, 65);
        storage_image_free (&img);
        found = 1;
      }
    else
      nook_error_free (err);
  reg_targets_free (t, n);
  reg_conf_free (&conf);
  return found;
}

/* The child: enter the user namespace, pull, report on FD: "0" and the
   ID, or "1" and the error message.  */
static _Noreturn void
pull_child (struct storage *st, const char *image, const struct registry_pull_opts *o, int fd)
{
  struct userns_ids ids = { 0 };
  struct apply_opts aopts = { .rootless = true };
  nook_error_t err = NULL;
  char id[65];
  _cleanup_free_ char *msg = NULL;

  if ((nook_is_real_root () || userns_ids_for_user (&ids, &err) == 0)
      && userns_enter (&ids, &err) == 0)
    {
      aopts.rootless = !nook_is_real_root () || userns_is_inside ();
      aopts.ignore_ids = ids.single;
      if (registry_pull (st, image, o, &aopts, id, &err) == 0)
        {
          msg = xasprintf ("0%s", id);
          _exit (nook_write_all (fd, msg, strlen (msg)) < 0 ? 1 : 0);
        }
    }
  msg = xasprintf ("1%s", err ? err->msg : "pull failed");
  (void)nook_write_all (fd, msg, strlen (msg));
  _exit (1);
}

static int
pull_in_child (struct storage *st, const char *image, const struct registry_pull_opts *o,
               char id[65], nook_error_t *err)
{
  int fds[2];
  pid_t pid;
  struct nook_buf b = { 0 };
  char buf[4096];
  ssize_t got;
  int status, ret;

  if (pipe2 (fds, O_CLOEXEC) < 0)
    return nook_error (err, errno, "pipe");
  fflush (NULL);
  pid = fork ();
  if (pid < 0)
    {
      close (fds[0]);
      close (fds[1]);
      return nook_error (err, errno, "fork");
    }
  if (pid == 0)
    {
      close (fds[0]);
      pull_child (st, image, o, fds[1]);
    }
  close (fds[1]);
  while ((got = read (fds[0], buf, sizeof (buf))) != 0)
    {
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0 || b.len > 256 << 10)
        break;
      nook_buf_append (&b, buf, (size_t)got);
    }
  close (fds[0]);
  nook_waitpid (pid, &status, 0);
  if (b.len == 65 && b.data[0] == '0')
    {
      memcpy (id, b.data + 1, 64);
      id[64] = '\0';
      ret = 0;
    }
  else if (b.len > 1 && b.data[0] == '1')
    ret = nook_error (err, 0, "%.*s", (int)b.len - 1, b.data + 1);
  else
    ret = nook_error (err, 0, "pulling %s: the pull process died (status %d)", image, status);
  nook_buf_free (&b);
  return ret;
}

/* Already inside the user namespace (a caller that entered it), or real
   root: pull in this process.  */
static int
pull_here_or_in_child (struct storage *st, const char *image, const struct registry_pull_opts *o,
                       char id[65], nook_error_t *err)
{
  struct apply_opts aopts = { .rootless = userns_is_inside () };
  _cleanup_free_ char *map = NULL;
  struct userns_map m;
  size_t len;

  if (!userns_is_inside () && !nook_is_real_root ())
    return pull_in_child (st, image, o, id, err);
  if (aopts.rootless
      && nook_read_file_at (AT_FDCWD, "/proc/self/uid_map", 1 << 16, &map, &len, err) == 0
      && userns_parse_map (map, &m, err) == 0)
    aopts.ignore_ids = userns_map_size (&m) <= 1;
  nook_error_free (err);
  return registry_pull (st, image, o, &aopts, id, err);
}

int
registry_pull_for_create (struct storage *st, const char *image, enum registry_pull_policy policy,
                          const struct registry_pull_opts *o, char id[65], nook_error_t *err)
{
  int found = 0;

  if (policy != REGISTRY_PULL_ALWAYS)
    {
      found = find_local (st, image, id, err);
      if (found < 0)
        return -1;
      if (found && policy != REGISTRY_PULL_NEWER)
        return 0;
    }
  if (policy == REGISTRY_PULL_NEVER)
    {
      nook_error (err, 0, "%s: image not known", image);
      return nook_error_set_errno (err, ENOENT);
    }
  if (pull_here_or_in_child (st, image, o, id, err) == 0)
    return 0;
  if (found)
    {
      /* newer: a registry that cannot be asked leaves the local image.  */
      nook_debug ("pull %s: %s; using the local image", image, (*err)->msg);
      nook_error_free (err);
      return find_local (st, image, id, err) > 0 ? 0 : -1;
    }
  return -1;
}
