/* The container's rootfs on fuse-overlayfs.  nook opens /dev/fuse and
   mounts it itself, then hands the fd to fuse-overlayfs as /dev/fd/N:
   the mount exists before the daemon starts (requests wait for it), no
   fusermount3 is involved, and the daemon is the caller's own child.  */
#include "storage/storage.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int
check_path (const char *p, nook_error_t *err)
{
  /* fuse-overlayfs splits its options on ',' and lowerdir on ':'.  */
  if (strpbrk (p, ",:") != NULL)
    return nook_error (err, 0,
                       "the storage path `%s` contains ',' or ':', which fuse-overlayfs "
                       "cannot take: choose another --root",
                       p);
  return 0;
}

static char *
lowerdir (struct storage *st, char *const *layers)
{
  struct nook_buf b = { 0 };
  size_t n = strv_len (layers);

  /* fuse-overlayfs wants the top layer first.  */
  for (size_t i = n; i > 0; i--)
    {
      _cleanup_free_ char *p = storage_layer_diff_path (st, layers[i - 1]);
      if (b.len)
        nook_buf_putc (&b, ':');
      nook_buf_puts (&b, p);
    }
  return nook_buf_steal (&b);
}

/* A uidmapping=/gidmapping= value: "C:H:N" triples joined by ':', no
   more (fuse-overlayfs splits its options on ',').  */
static int
check_mapping (const char *m, nook_error_t *err)
{
  if (m && (m[0] == '\0' || strspn (m, "0123456789:") != strlen (m)))
    return nook_error (err, 0, "invalid fuse-overlayfs id mapping `%s`", m);
  return 0;
}

int
storage_overlay_mount (struct storage *st, const char *id, char *const *layers,
                       const char *uidmapping, const char *gidmapping, pid_t *fuse_pid,
                       nook_error_t *err)
{
  _cleanup_free_ char *base = xasprintf ("%s/containers/%s", st->root, id);
  _cleanup_free_ char *merged = xasprintf ("%s/merged", base);
  _cleanup_free_ char *lower = NULL, *options = NULL, *data = NULL, *fdpath = NULL;
  _cleanup_free_ char *log = xasprintf ("%s/userdata/fuse-overlayfs.log", base);
  _cleanup_close_ int fuse = -1, logfd = -1;
  int keep[2];
  const char *argv[6];
  /* If the monitor dies, the daemon goes with it: nothing holds a mount
     that no one will unmount.  */
  struct nook_spawn s
      = { .argv = argv, .stdin_fd = -1, .stdout_fd = -1, .keep_fds = keep, .pdeathsig = SIGKILL };

  if (layers == NULL || layers[0] == NULL)
    return nook_error (err, 0, "container %.12s has no image layers", id);
  if (check_path (st->root, err) < 0 || check_mapping (uidmapping, err) < 0
      || check_mapping (gidmapping, err) < 0)
    return -1;
  fuse = open ("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fuse < 0)
    return nook_error (err, errno,
                       "open /dev/fuse (it must be readable and writable by you, "
                       "mode 0666 as on common distributions)");
  data = xasprintf ("fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions",
                    fuse);
  if (mount ("fuse-overlayfs", merged, "fuse.fuse-overlayfs", MS_NOSUID | MS_NODEV, data) < 0)
    return nook_error (err, errno, "mount the rootfs on `%s`", merged);

  lower = lowerdir (st, layers);
  /* A container with a user namespace of its own sees the layers through
     its mapping: fuse-overlayfs translates ids both ways, so nothing is
     copied or chowned, and what is on disk stays in the container's ids.  */
  options = xasprintf ("lowerdir=%s,upperdir=%s/upper,workdir=%s/work%s%s%s%s", lower, base, base,
                       uidmapping ? ",uidmapping=" : "", uidmapping ? uidmapping : "",
                       gidmapping ? ",gidmapping=" : "", gidmapping ? gidmapping : "");
  fdpath = xasprintf ("/dev/fd/%d", fuse);
  argv[0] = "fuse-overlayfs";
  argv[1] = "-f";
  argv[2] = "-o";
  argv[3] = options;
  argv[4] = fdpath;
  argv[5] = NULL;
  keep[0] = fuse;
  keep[1] = -1;
  logfd = open (log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  s.stderr_fd = logfd;
  if (nook_spawn (&s, fuse_pid, err) < 0)
    {
      umount2 (merged, MNT_DETACH);
      if ((*err)->errnum == ENOENT)
        {
          nook_error_free (err);
          return nook_error (err, 0,
                             "fuse-overlayfs not found: install the Debian package "
                             "fuse-overlayfs");
        }
      return -1;
    }
  return 0;
}

void
storage_overlay_unmount (struct storage *st, const char *id, pid_t fuse_pid)
{
  _cleanup_free_ char *merged = xasprintf ("%s/containers/%s/merged", st->root, id);
  _cleanup_close_ int pidfd = -1;
  struct pollfd p;

  umount2 (merged, MNT_DETACH);
  if (fuse_pid <= 0)
    return;
  /* With the last reference gone the daemon reads ENODEV and exits; give
     it two seconds, then kill it.  */
  pidfd = (int)syscall (SYS_pidfd_open, fuse_pid, 0);
  if (pidfd >= 0)
    {
      p = (struct pollfd){ .fd = pidfd, .events = POLLIN };
      if (poll (&p, 1, 2000) == 0)
        kill (fuse_pid, SIGKILL);
    }
  nook_waitpid (fuse_pid, NULL, 0);
}
