/* The container's root filesystem: mounts from the spec (every
   destination resolved inside the rootfs, never through a host symlink;
   a tmpfs with tmpcopyup seeded with what it covers), the default
   devices, pivot_root, masked and read-only paths.  */
#include "runtime/runtime-internal.h"

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

struct mount_opts
{
  unsigned long flags;
  unsigned long propagation;
  bool bind, rec;
  bool copyup; /* tmpcopyup */
  char *data;  /* what the filesystem itself parses */
};

static const struct
{
  const char *name;
  bool clear;
  unsigned long flag;
} flag_table[] = {
  { "ro", false, MS_RDONLY },
  { "rw", true, MS_RDONLY },
  { "nosuid", false, MS_NOSUID },
  { "suid", true, MS_NOSUID },
  { "nodev", false, MS_NODEV },
  { "dev", true, MS_NODEV },
  { "noexec", false, MS_NOEXEC },
  { "exec", true, MS_NOEXEC },
  { "sync", false, MS_SYNCHRONOUS },
  { "async", true, MS_SYNCHRONOUS },
  { "dirsync", false, MS_DIRSYNC },
  { "mand", false, MS_MANDLOCK },
  { "nomand", true, MS_MANDLOCK },
  { "atime", true, MS_NOATIME },
  { "noatime", false, MS_NOATIME },
  { "diratime", true, MS_NODIRATIME },
  { "nodiratime", false, MS_NODIRATIME },
  { "relatime", false, MS_RELATIME },
  { "norelatime", true, MS_RELATIME },
  { "strictatime", false, MS_STRICTATIME },
  { "nostrictatime", true, MS_STRICTATIME },
};

static const struct
{
  const char *name;
  unsigned long flag;
} propagation_table[] = {
  { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
  { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
  { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
  { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

static unsigned long
propagation_flag (const char *name)
{
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (propagation_table); i++)
    if (strcmp (name, propagation_table[i].name) == 0)
      return propagation_table[i].flag;
  return 0;
}

static void
parse_options (char *const *options, struct mount_opts *o)
{
  struct nook_buf data = { 0 };

  memset (o, 0, sizeof (*o));
  for (size_t i = 0; options && options[i]; i++)
    {
      const char *opt = options[i];
      bool known = false;
      unsigned long prop;

      if (strcmp (opt, "bind") == 0 || strcmp (opt, "rbind") == 0)
        {
          o->bind = true;
          o->rec = opt[0] == 'r';
          continue;
        }
      if ((prop = propagation_flag (opt)) != 0)
        {
          o->propagation = prop;
          continue;
        }
      if (strcmp (opt, "tmpcopyup") == 0)
        {
          o->copyup = true;
          continue;
        }
      for (size_t k = 0; k < NOOK_ARRAY_SIZE (flag_table) && !known; k++)
        if (strcmp (opt, flag_table[k].name) == 0)
          {
            known = true;
            if (flag_table[k].clear)
              o->flags &= ~flag_table[k].flag;
            else
              o->flags |= flag_table[k].flag;
          }
      if (known)
        continue;
      if (data.len)
        nook_buf_putc (&data, ',');
      nook_buf_puts (&data, opt);
    }
  o->data = data.data;
}

/* The flags a remount must keep: a user namespace may not clear nosuid,
   nodev, noexec, ro or atime flags it inherited locked.  */
static unsigned long
locked_flags (const char *path)
{
  struct statvfs s;
  unsigned long f = 0;
  if (statvfs (path, &s) < 0)
    return 0;
  if (s.f_flag & ST_NOSUID)
    f |= MS_NOSUID;
  if (s.f_flag & ST_NODEV)
    f |= MS_NODEV;
  if (s.f_flag & ST_NOEXEC)
    f |= MS_NOEXEC;
  if (s.f_flag & ST_RDONLY)
    f |= MS_RDONLY;
  if (s.f_flag & ST_NOATIME)
    f |= MS_NOATIME;
  if (s.f_flag & ST_NODIRATIME)
    f |= MS_NODIRATIME;
  if (s.f_flag & ST_RELATIME)
    f |= MS_RELATIME;
  return f;
}

static int
remount_bind (const char *target, unsigned long flags, nook_error_t *err)
{
  if (mount (NULL, target, NULL, MS_REMOUNT | MS_BIND | flags | locked_flags (target), NULL) < 0)
    return nook_error (err, errno, "remount `%s`", target);
  return 0;
}

/* The mount functions below mount on TARGET and leave in *REMOUNT the
   flags a bind remount must then set (0: none): that remount, as a
   change of propagation, must reach the new mount, which TARGET (a
   /proc/self/fd link to the place under it) does not.  */
static int
mount_bind (const struct oci_mount *m, const struct mount_opts *o, const char *target,
            unsigned long *remount, nook_error_t *err)
{
  if (mount (m->source, target, NULL, MS_BIND | (o->rec ? MS_REC : 0), NULL) < 0)
    return nook_error (err, errno, "bind mount `%s` on `%s`", m->source, m->destination);
  *remount = o->flags & ~MS_REC;
  return 0;
}

/* A "cgroup" mount: cgroup v2, which needs a cgroup namespace of the
   container's own user namespace; else (rootless without one, or a v1
   or hybrid host) the host's /sys/fs/cgroup bound, as Podman and crun
   do.  Never a v1 hierarchy: nook manages no v1 controllers.  */
static int
mount_cgroup (const struct oci_mount *m, const struct mount_opts *o, const char *target,
              unsigned long *remount, nook_error_t *err)
{
  if (mount ("cgroup2", target, "cgroup2", o->flags, NULL) == 0)
    return 0;
  if (mount ("/sys/fs/cgroup", target, NULL, MS_BIND | MS_REC, NULL) < 0)
    return nook_error (err, errno, "bind mount /sys/fs/cgroup on `%s`", m->destination);
  *remount = o->flags;
  return 0;
}

static int
mount_fs (const struct oci_mount *m, const struct mount_opts *o, const char *target,
          unsigned long *remount, nook_error_t *err)
{
  if (strcmp (m->type, "cgroup") == 0 || strcmp (m->type, "cgroup2") == 0)
    return mount_cgroup (m, o, target, remount, err);
  if (mount (m->source[0] ? m->source : m->type, target, m->type, o->flags, o->data) == 0)
    return 0;
  /* Rootless without a network namespace of its own, sysfs cannot be
     mounted: bind the host's, read-only, as Podman does.  */
  if (strcmp (m->type, "sysfs") == 0 && (errno == EPERM || errno == EACCES))
    {
      if (mount ("/sys", target, NULL, MS_BIND | MS_REC, NULL) < 0)
        return nook_error (err, errno, "bind mount /sys on `%s`", m->destination);
      *remount = o->flags | MS_RDONLY;
      return 0;
    }
  return nook_error (err, errno, "mount %s on `%s`", m->type, m->destination);
}

/* ---- tmpcopyup: a tmpfs seeded with what it hides, as runc and crun ---- */

#define COPYUP_MAX_DEPTH 256

/* KEY given in the file system's options ("mode" in "size=1m,mode=700").  */
static bool
data_has (const char *data, const char *key)
{
  size_t len = strlen (key);
  for (const char *p = data; p && *p; p = strchr (p, ','), p = p ? p + 1 : NULL)
    if (strncmp (p, key, len) == 0 && p[len] == '=')
      return true;
  return false;
}

/* Owner, mode and times of DST/NAME (just made by us, in a tmpfs nobody
   else sees yet) as ST says.  An owner the user namespace does not map
   (stat shows the overflow id) cannot be given: the copy stays ours.  */
static int
copy_meta (int dst, const char *name, const struct stat *st, nook_error_t *err)
{
  const struct timespec times[2] = { st->st_atim, st->st_mtim };

  if (fchownat (dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
    return nook_error (err, errno, "chown `%s`", name);
  /* After chown, which clears the set-id bits.  */
  if (!S_ISLNK (st->st_mode) && fchmodat (dst, name, st->st_mode & 07777, 0) < 0)
    return nook_error (err, errno, "chmod `%s`", name);
  if (utimensat (dst, name, times, AT_SYMLINK_NOFOLLOW) < 0)
    return nook_error (err, errno, "set the times of `%s`", name);
  return 0;
}

/* SRC/NAME, which lstat said is the regular file ST, opened for reading
   only if it still is: opened first as O_PATH, so that a FIFO or a
   device swapped in meanwhile is never opened (and never blocks).  */
static int
open_regular (int src, const char *name, const struct stat *st, nook_error_t *err)
{
  _cleanup_close_ int path = openat (src, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat now;
  char proc[64];
  int fd;

  if (path < 0 || fstat (path, &now) < 0)
    return nook_error (err, errno, "open `%s`", name);
  if (!S_ISREG (now.st_mode) || now.st_ino != st->st_ino || now.st_dev != st->st_dev)
    return nook_error (err, 0, "`%s` changed while it was copied", name);
  snprintf (proc, sizeof (proc), "/proc/self/fd/%d", path);
  fd = open (proc, O_RDONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return nook_error (err, errno, "open `%s`", name);
  return fd;
}

static int
copy_file (int src, int dst, const char *name, const struct stat *st, nook_error_t *err)
{
  _cleanup_close_ int in = open_regular (src, name, st, err);
  _cleanup_close_ int out = -1;
  ssize_t n;

  if (in < 0)
    return -1;
  out = openat (dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return nook_error (err, errno, "create `%s`", name);
  /* To the end of what is there now: a file that grows meanwhile stops
     at the tmpfs's size.  */
  while ((n = sendfile (out, in, NULL, 1 << 30)) > 0)
    ;
  if (n < 0)
    return nook_error (err, errno, "copy `%s`", name);
  return 0;
}

static int
copy_symlink (int src, int dst, const char *name, nook_error_t *err)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat (src, name, target, sizeof (target));

  if (n < 0)
    return nook_error (err, errno, "readlink `%s`", name);
  if ((size_t)n == sizeof (target))
    return nook_error (err, ENAMETOOLONG, "readlink `%s`", name);
  target[n] = '\0';
  /* Copied as it reads, never followed: it is resolved in the
     container, later, like the one it replaces.  */
  if (symlinkat (target, dst, name) < 0)
    return nook_error (err, errno, "symlink `%s`", name);
  return 0;
}

static int copy_tree (int src, int dst, int depth, nook_error_t *err);

/* Another file system mounted inside is not the directory's content:
   its mount point is copied, empty.  */
static int
copy_subdir (int src, int dst, const char *name, int depth, nook_error_t *err)
{
  _cleanup_close_ int s = -1, d = -1;
  struct statx parent, here;

  if (mkdirat (dst, name, 0700) < 0)
    return nook_error (err, errno, "mkdir `%s`", name);
  s = openat (src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  d = openat (dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (s < 0 || d < 0)
    return nook_error (err, errno, "open `%s`", name);
  if (statx (src, "", AT_EMPTY_PATH, STATX_MNT_ID, &parent) < 0
      || statx (s, "", AT_EMPTY_PATH, STATX_MNT_ID, &here) < 0)
    return nook_error (err, errno, "statx `%s`", name);
  if (here.stx_mnt_id != parent.stx_mnt_id)
    return 0;
  if (copy_tree (s, d, depth + 1, err) < 0)
    return nook_error_prefix (err, "%s", name);
  return 0;
}

static int
copy_entry (int src, int dst, const char *name, int depth, nook_error_t *err)
{
  struct stat st;
  int ret;

  if (fstatat (src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return nook_error (err, errno, "stat `%s`", name);
  switch (st.st_mode & S_IFMT)
    {
    case S_IFREG:
      ret = copy_file (src, dst, name, &st, err);
      break;
    case S_IFDIR:
      ret = copy_subdir (src, dst, name, depth, err);
      break;
    case S_IFLNK:
      ret = copy_symlink (src, dst, name, err);
      break;
    default:
      /* A device cannot be made in a user namespace; there it is left
         out, as it could not have been made in the image either.  */
      if (mknodat (dst, name, st.st_mode & S_IFMT, st.st_rdev) == 0)
        ret = 0;
      else if (errno == EPERM && !nook_is_real_root ())
        {
          nook_debug ("init: tmpcopyup: device `%s` left out", name);
          return 0;
        }
      else
        ret = nook_error (err, errno, "mknod `%s`", name);
    }
  if (ret < 0)
    return -1;
  return copy_meta (dst, name, &st, err);
}

/* Everything in SRC into the empty DST, nothing followed: every name is
   taken as it is in SRC (lstat, O_NOFOLLOW), symlinks copied as links.  */
static int
copy_tree (int src, int dst, int depth, nook_error_t *err)
{
  _cleanup_strv_ char **names = NULL;

  if (depth > COPYUP_MAX_DEPTH)
    return nook_error (err, ELOOP, "directories nested too deep");
  if (nook_list_dir (src, NULL, &names, err) < 0)
    return -1;
  for (size_t i = 0; names[i]; i++)
    if (copy_entry (src, dst, names[i], depth, err) < 0)
      return -1;
  return 0;
}

static unsigned int
mount_attrs (unsigned long flags)
{
  unsigned int a = 0;

  if (flags & MS_NOSUID)
    a |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV)
    a |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC)
    a |= MOUNT_ATTR_NOEXEC;
  if (flags & MS_NODIRATIME)
    a |= MOUNT_ATTR_NODIRATIME;
  /* As mount(2): strictatime wins, relatime is the default.  */
  if (flags & MS_STRICTATIME)
    a |= MOUNT_ATTR_STRICTATIME;
  else if (flags & MS_NOATIME)
    a |= MOUNT_ATTR_NOATIME;
  return a;
}

/* The kernel's own words on why FSFD refused (fsopen's message log).  */
static int
fs_error (int fsfd, int errnum, const struct oci_mount *m, const char *what, nook_error_t *err)
{
  char msg[256];
  ssize_t n = read (fsfd, msg, sizeof (msg) - 1);

  if (n > 2 && msg[0] == 'e' && msg[1] == ' ')
    {
      msg[n] = '\0';
      msg[strcspn (msg, "\n")] = '\0';
      return nook_error (err, errnum, "mount tmpfs on `%s`: %s: %s", m->destination, what, msg + 2);
    }
  return nook_error (err, errnum, "mount tmpfs on `%s`: %s", m->destination, what);
}

/* The tmpfs as mount(2) would make it from O, by fsconfig: the options
   split at commas as tmpfs splits mount(2)'s data (a comma before a
   digit continues an mpol= node list).  */
static int
configure_tmpfs (int fsfd, const struct oci_mount *m, const struct mount_opts *o, nook_error_t *err)
{
  static const struct
  {
    unsigned long flag;
    const char *name;
  } sb_flags[] = { { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" }, { MS_MANDLOCK, "mand" } };
  _cleanup_free_ char *data = xstrdup (o->data ? o->data : "");
  char *next;

  if (fsconfig (fsfd, FSCONFIG_SET_STRING, "source", m->source[0] ? m->source : "tmpfs", 0) < 0)
    return fs_error (fsfd, errno, m, "source", err);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (sb_flags); i++)
    if ((o->flags & sb_flags[i].flag)
        && fsconfig (fsfd, FSCONFIG_SET_FLAG, sb_flags[i].name, NULL, 0) < 0)
      return fs_error (fsfd, errno, m, sb_flags[i].name, err);
  for (char *p = data; p; p = next)
    {
      char *eq;

      for (next = p; (next = strchr (next, ',')) && isdigit ((unsigned char)next[1]); next++)
        ;
      if (next)
        *next++ = '\0';
      if (*p == '\0')
        continue;
      if ((eq = strchr (p, '=')) != NULL)
        *eq++ = '\0';
      if (fsconfig (fsfd, eq ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, p, eq, 0) < 0)
        return fs_error (fsfd, errno, m, p, err);
    }
  if (fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return fs_error (fsfd, errno, m, "create", err);
  return 0;
}

/* The tmpfs's root takes the place of the directory: its mode (as runc
   gives it) and owner, and its times.  A mode=, uid= or gid= option
   still wins (runc overrides even mode=: the spec's words are kept).  */
static int
copy_root_meta (int mnt, const struct mount_opts *o, const struct stat *st, nook_error_t *err)
{
  _cleanup_close_ int root = openat (mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  uid_t uid = data_has (o->data, "uid") ? (uid_t)-1 : st->st_uid;
  gid_t gid = data_has (o->data, "gid") ? (gid_t)-1 : st->st_gid;

  if (root < 0)
    return nook_error (err, errno, "open the tmpfs");
  if (fchown (root, uid, gid) < 0 && errno != EINVAL)
    return nook_error (err, errno, "chown the tmpfs");
  if (!data_has (o->data, "mode") && fchmod (root, st->st_mode & 07777) < 0)
    return nook_error (err, errno, "chmod the tmpfs");
  if (futimens (root, (const struct timespec[]){ st->st_atim, st->st_mtim }) < 0)
    return nook_error (err, errno, "set the times of the tmpfs");
  return 0;
}

/* A tmpfs made detached (fsopen, fsmount), filled with a copy of the
   directory DESTFD that it then covers (move_mount): no other place is
   ever mounted on, and nobody sees the tmpfs half-filled.  */
static int
mount_tmpfs_copyup (const struct oci_mount *m, const struct mount_opts *o, int destfd,
                    nook_error_t *err)
{
  _cleanup_close_ int src = -1, fsfd = -1, mnt = -1;
  struct stat st;

  /* DESTFD is where the walk in the root ended: the directory as it is
     before the tmpfs hides it, whatever is mounted on it already.  */
  src = openat (destfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (src < 0 || fstat (src, &st) < 0)
    return nook_error (err, errno, "tmpcopyup: open `%s`", m->destination);
  fsfd = fsopen ("tmpfs", FSOPEN_CLOEXEC);
  if (fsfd < 0)
    return nook_error (err, errno, "mount tmpfs on `%s`: fsopen", m->destination);
  if (configure_tmpfs (fsfd, m, o, err) < 0)
    return -1;
  /* Writable until the copy is in.  */
  mnt = fsmount (fsfd, FSMOUNT_CLOEXEC, mount_attrs (o->flags));
  if (mnt < 0)
    return fs_error (fsfd, errno, m, "fsmount", err);
  if (copy_tree (src, mnt, 0, err) < 0 || copy_root_meta (mnt, o, &st, err) < 0)
    return nook_error_prefix (err, "tmpcopyup of `%s`", m->destination);
  if (o->flags & MS_RDONLY)
    {
      struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
      if (mount_setattr (mnt, "", AT_EMPTY_PATH, &attr, sizeof (attr)) < 0)
        return nook_error (err, errno, "make `%s` read-only", m->destination);
    }
  if (move_mount (mnt, "", destfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return nook_error (err, errno, "mount tmpfs on `%s`", m->destination);
  return 0;
}

/* Flags and propagation of the mount just made on M's destination,
   found again by a walk in the root that crosses into it.  */
static int
mount_finish (int rootfd, const struct oci_mount *m, unsigned long remount,
              unsigned long propagation, nook_error_t *err)
{
  _cleanup_close_ int fd = -1;
  char target[64];

  if (remount == 0 && propagation == 0)
    return 0;
  fd = nook_open_in_root (rootfd, m->destination, O_PATH, NOOK_INROOT_NONE, err);
  if (fd < 0)
    return nook_error_prefix (err, "mount destination");
  snprintf (target, sizeof (target), "/proc/self/fd/%d", fd);
  if (remount && remount_bind (target, remount, err) < 0)
    return -1;
  /* The host's cgroup tree bound for a "cgroup" mount: read-only all
     the way down, its v1 hierarchies included.  */
  if ((remount & MS_RDONLY) && strcmp (m->type, "cgroup") == 0)
    {
      struct
      {
        uint64_t set, clr, propagation, userns_fd;
      } attr = { .set = 0x1 /* MOUNT_ATTR_RDONLY */ };
      if (syscall (SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof (attr))
          < 0)
        return nook_error (err, errno, "make `%s` read-only", m->destination);
    }
  if (propagation && mount (NULL, target, NULL, propagation, NULL) < 0)
    return nook_error (err, errno, "set propagation of `%s`", m->destination);
  return 0;
}

static int
mount_entry (int rootfd, const struct oci_mount *m, nook_error_t *err)
{
  struct mount_opts o;
  struct stat st;
  char target[64];
  _cleanup_close_ int fd = -1;
  unsigned long remount = 0;
  bool file;
  int ret;

  parse_options (m->options, &o);
  if (strcmp (m->type, "bind") == 0)
    o.bind = true;
  file = o.bind && stat (m->source, &st) == 0 && !S_ISDIR (st.st_mode);
  if (o.bind && m->source[0] != '/')
    ret = nook_error (err, 0, "bind mount source `%s` is not an absolute path", m->source);
  else if (o.bind && o.data)
    /* A bind mount has no file system to take them: never dropped.  */
    ret = nook_error (err, 0,
                      "config.json: field `mounts[].options` of `%s`: `%s` is not supported",
                      m->destination, o.data);
  else if (o.copyup && (o.bind || strcmp (m->type, "tmpfs") != 0))
    ret = nook_error (err, 0,
                      "config.json: field `mounts[].options` of `%s`: `tmpcopyup` is for a "
                      "tmpfs only",
                      m->destination);
  else if ((fd = nook_open_in_root (rootfd, m->destination, O_PATH,
                                    file ? NOOK_INROOT_FILE : NOOK_INROOT_DIR, err))
           < 0)
    ret = nook_error_prefix (err, "mount destination");
  else
    {
      /* The fd pins the resolved place: nothing can swap a symlink in.  */
      snprintf (target, sizeof (target), "/proc/self/fd/%d", fd);
      ret = o.bind     ? mount_bind (m, &o, target, &remount, err)
            : o.copyup ? mount_tmpfs_copyup (m, &o, fd, err)
                       : mount_fs (m, &o, target, &remount, err);
      if (ret == 0)
        ret = mount_finish (rootfd, m, remount, o.propagation, err);
    }
  free (o.data);
  return ret;
}

/* /dev/null and friends: made with mknod as real root, bind-mounted from
   the host's /dev in a user namespace, where mknod is not allowed.  */
static int
default_devices (int rootfd, nook_error_t *err)
{
  static const struct
  {
    const char *name;
    int major, minor;
  } devs[] = { { "null", 1, 3 },   { "zero", 1, 5 },    { "full", 1, 7 },
               { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 } };
  static const char *const links[][2] = { { "fd", "/proc/self/fd" },
                                          { "stdin", "/proc/self/fd/0" },
                                          { "stdout", "/proc/self/fd/1" },
                                          { "stderr", "/proc/self/fd/2" },
                                          { "ptmx", "pts/ptmx" } };
  char *dev[] = { (char *)"dev", NULL };
  _cleanup_close_ int devfd = -1;
  bool real_root = nook_is_real_root ();

  if (nook_resolve_dir (rootfd, dev, 1, true, &devfd, NULL, err) < 0)
    return nook_error_prefix (err, "/dev");
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (devs); i++)
    {
      char host[64], target[64];
      _cleanup_close_ int fd = -1;

      unlinkat (devfd, devs[i].name, 0);
      if (real_root)
        {
          /* mknod obeys the umask: 0666 whole, as the devices are.  */
          if (mknodat (devfd, devs[i].name, S_IFCHR | 0666, makedev (devs[i].major, devs[i].minor))
                  < 0
              || fchmodat (devfd, devs[i].name, 0666, 0) < 0)
            return nook_error (err, errno, "mknod /dev/%s", devs[i].name);
          continue;
        }
      fd = openat (devfd, devs[i].name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
      if (fd < 0)
        return nook_error (err, errno, "create /dev/%s", devs[i].name);
      snprintf (host, sizeof (host), "/dev/%s", devs[i].name);
      snprintf (target, sizeof (target), "/proc/self/fd/%d", fd);
      if (mount (host, target, NULL, MS_BIND, NULL) < 0)
        return nook_error (err, errno, "bind mount /dev/%s", devs[i].name);
    }
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (links); i++)
    if (symlinkat (links[i][1], devfd, links[i][0]) < 0 && errno != EEXIST)
      return nook_error (err, errno, "symlink /dev/%s", links[i][0]);
  return 0;
}

static int
enter_root (const char *rootfs, bool no_pivot, nook_error_t *err)
{
  _cleanup_close_ int oldroot = -1, newroot = -1;

  if (no_pivot)
    {
      if (chdir (rootfs) < 0 || mount (rootfs, "/", NULL, MS_MOVE, NULL) < 0 || chroot (".") < 0
          || chdir ("/") < 0)
        return nook_error (err, errno, "move into the rootfs `%s`", rootfs);
      return 0;
    }
  oldroot = open ("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  newroot = open (rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0 || newroot < 0)
    return nook_error (err, errno, "open the rootfs `%s`", rootfs);
  /* pivot_root(".", "."): the old root ends up stacked on the new one,
     then is made a slave (no events back to the host) and detached.  */
  if (fchdir (newroot) < 0 || syscall (SYS_pivot_root, ".", ".") < 0)
    return nook_error (err, errno, "pivot_root into `%s`", rootfs);
  if (fchdir (oldroot) < 0 || mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0
      || umount2 (".", MNT_DETACH) < 0 || chdir ("/") < 0)
    return nook_error (err, errno, "detach the old root");
  return 0;
}

static int
mask_paths (char *const *paths, nook_error_t *err)
{
  for (size_t i = 0; paths && paths[i]; i++)
    {
      struct stat st;
      if (lstat (paths[i], &st) < 0)
        {
          if (errno == ENOENT)
            continue;
          return nook_error (err, errno, "masked path `%s`", paths[i]);
        }
      if (S_ISDIR (st.st_mode)
              ? mount ("tmpfs", paths[i], "tmpfs", MS_RDONLY, "size=0k,mode=000") < 0
              : mount ("/dev/null", paths[i], NULL, MS_BIND, NULL) < 0)
        return nook_error (err, errno, "mask `%s`", paths[i]);
    }
  return 0;
}

static int
readonly_paths (char *const *paths, nook_error_t *err)
{
  for (size_t i = 0; paths && paths[i]; i++)
    {
      struct stat st;
      if (lstat (paths[i], &st) < 0)
        {
          if (errno == ENOENT)
            continue;
          return nook_error (err, errno, "read-only path `%s`", paths[i]);
        }
      if (mount (paths[i], paths[i], NULL, MS_BIND | MS_REC, NULL) < 0)
        return nook_error (err, errno, "bind `%s`", paths[i]);
      if (remount_bind (paths[i], MS_RDONLY, err) < 0)
        return -1;
    }
  return 0;
}

/* linux.devices[]: mknod as real root; in a user namespace, where mknod
   is refused, the host's node at the same path bind-mounted, when it is
   the same device (a FIFO is made either way).  */
static int
make_device (int rootfd, const struct oci_device *d, size_t i, bool real_root, nook_error_t *err)
{
  _cleanup_free_ char *dir = xstrdup (d->path);
  char *base = strrchr (dir, '/');
  mode_t type = strcmp (d->type, "b") == 0   ? S_IFBLK
                : strcmp (d->type, "p") == 0 ? S_IFIFO
                                             : S_IFCHR;
  mode_t mode = d->file_mode.set ? (mode_t)d->file_mode.v : 0666;
  dev_t rdev = makedev ((unsigned)d->major, (unsigned)d->minor);
  _cleanup_close_ int dirfd = -1, fd = -1;
  struct stat st;
  char target[64];

  *base++ = '\0';
  if (*base == '\0' || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
    return nook_error (err, 0, "config.json: field `linux.devices[%zu].path`: invalid path `%s`", i,
                       d->path);
  dirfd = nook_open_in_root (rootfd, *dir ? dir : "/", O_PATH | O_DIRECTORY, NOOK_INROOT_DIR, err);
  if (dirfd < 0)
    return nook_error_prefix (err, "linux.devices[%zu]", i);
  /* Already there (a default device): the same node is fine.  */
  if (fstatat (dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == type
      && (type == S_IFIFO || st.st_rdev == rdev))
    return 0;
  unlinkat (dirfd, base, 0);
  if (real_root || type == S_IFIFO)
    {
      if (mknodat (dirfd, base, type | (mode & 07777), type == S_IFIFO ? 0 : rdev) < 0)
        return nook_error (err, errno, "linux.devices[%zu]: mknod `%s`", i, d->path);
      if ((d->uid.set || d->gid.set)
          && fchownat (dirfd, base, d->uid.set ? (uid_t)d->uid.v : (uid_t)-1,
                       d->gid.set ? (gid_t)d->gid.v : (gid_t)-1, AT_SYMLINK_NOFOLLOW)
                 < 0)
        return nook_error (err, errno, "linux.devices[%zu]: chown `%s`", i, d->path);
      /* mknod obeys the umask: the mode asked for, whole.  */
      if (fchmodat (dirfd, base, mode & 07777, 0) < 0)
        return nook_error (err, errno, "linux.devices[%zu]: chmod `%s`", i, d->path);
      return 0;
    }
  if (stat (d->path, &st) < 0 || (st.st_mode & S_IFMT) != type || st.st_rdev != rdev)
    return nook_error (err, 0,
                       "linux.devices[%zu]: `%s` cannot be made in a user namespace, and the "
                       "host's `%s` is not that device to bind-mount",
                       i, d->path, d->path);
  fd = openat (dirfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return nook_error (err, errno, "linux.devices[%zu]: create `%s`", i, d->path);
  snprintf (target, sizeof (target), "/proc/self/fd/%d", fd);
  if (mount (d->path, target, NULL, MS_BIND, NULL) < 0)
    return nook_error (err, errno, "linux.devices[%zu]: bind mount `%s`", i, d->path);
  return 0;
}

/* The sysctl keys a namespace holds (create.c checks that the spec has
   that namespace).  */
static int
write_sysctl (char *const *sysctl, nook_error_t *err)
{
  for (size_t i = 0; sysctl && sysctl[i]; i++)
    {
      const char *eq = strchr (sysctl[i], '=');
      _cleanup_free_ char *key = xstrndup (sysctl[i], (size_t)(eq - sysctl[i]));
      _cleanup_free_ char *path = NULL;
      _cleanup_close_ int fd = -1;

      for (char *p = key; *p; p++)
        if (*p == '.')
          *p = '/';
      path = xasprintf ("/proc/sys/%s", key);
      fd = open (path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 || write (fd, eq + 1, strlen (eq + 1)) < 0)
        return nook_error (err, errno, "config.json: field `linux.sysctl`: write `%s`", path);
    }
  return 0;
}

int
runtime_rootfs_mount (const struct oci_spec *spec, const char *rootfs, nook_error_t *err)
{
  _cleanup_close_ int rootfd = -1;
  bool real_root = nook_is_real_root ();

  /* Nothing done here may travel back to the host.  */
  if (mount (NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    return nook_error (err, errno, "make / a slave mount");
  if (mount (rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return nook_error (err, errno, "bind mount the rootfs `%s`", rootfs);
  rootfd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return nook_error (err, errno, "open the rootfs `%s`", rootfs);
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (mount_entry (rootfd, &spec->mounts[i], err) < 0)
      return -1;
  nook_debug ("init: mounts done");
  if (default_devices (rootfd, err) < 0)
    return -1;
  for (size_t i = 0; i < spec->n_devices; i++)
    if (make_device (rootfd, &spec->devices[i], i, real_root, err) < 0)
      return -1;
  nook_debug ("init: devices done");
  return 0;
}

int
runtime_rootfs_enter (const struct oci_spec *spec, const char *rootfs, bool no_pivot,
                      nook_error_t *err)
{
  unsigned long prop = spec->rootfs_propagation ? propagation_flag (spec->rootfs_propagation) : 0;

  if (spec->rootfs_propagation && prop == 0)
    return nook_error (err, 0, "config.json: invalid rootfsPropagation `%s`",
                       spec->rootfs_propagation);
  if (enter_root (rootfs, no_pivot, err) < 0 || write_sysctl (spec->sysctl, err) < 0
      || mask_paths (spec->masked_paths, err) < 0 || readonly_paths (spec->readonly_paths, err) < 0)
    return -1;
  if (spec->root_readonly && remount_bind ("/", MS_RDONLY, err) < 0)
    return -1;
  if (prop && mount (NULL, "/", NULL, prop, NULL) < 0)
    return nook_error (err, errno, "set rootfsPropagation `%s`", spec->rootfs_propagation);
  return 0;
}

int
runtime_setup_rootfs (const struct oci_spec *spec, const char *rootfs, bool no_pivot,
                      nook_error_t *err)
{
  if (runtime_rootfs_mount (spec, rootfs, err) < 0)
    return -1;
  return runtime_rootfs_enter (spec, rootfs, no_pivot, err);
}
