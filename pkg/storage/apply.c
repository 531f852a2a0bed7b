/* Layer extraction.  Every byte of a layer is hostile, so nothing here
   lets the kernel follow a symlink: paths are walked one component at a
   time with O_NOFOLLOW, symlinks found on the way are resolved by hand as
   if the layer directory were "/", and ".." never climbs above it (the
   containerd rule).  The entry itself is then made with *at() calls on the
   resolved parent directory.  */
#include "storage/storage.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

/* ---- applying entries ---- */

struct dir_time
{
  char *path; /* real path below the root */
  struct timespec mtime;
};

struct apply_ctx
{
  int rootfd;
  const struct apply_opts *opts;
  struct archive *a;
  struct apply_result *res;
  struct dir_time *dirs;
  size_t ndirs;
  bool warned_xattr;
  uid_t uid; /* ours: what a file we create is owned by */
  gid_t gid;
  /* The parent directory of the last regular file, kept for the next one
     in the same directory (a layer lists a directory's files together).
     Only regular files use it, and any other entry drops it: a file made
     in a directory changes nothing above it, while a directory, link or
     whiteout could replace one of its ancestors.  */
  struct
  {
    char *path; /* the entry's parent components joined by '/' */
    int fd;
    bool group_ours; /* its group is ours: so is a new file's, setgid or not */
  } parent;
};

static void
parent_drop (struct apply_ctx *ctx)
{
  nook_closep (&ctx->parent.fd);
  free (ctx->parent.path);
  ctx->parent.path = NULL;
}

static int
set_owner (struct apply_ctx *ctx, int fd, const char *base, int flags, int64_t uid, int64_t gid,
           const char *name, nook_error_t *err)
{
  if (ctx->opts->ignore_ids)
    return 0;
  if (uid < 0 || gid < 0 || uid > UINT32_MAX - 1 || gid > UINT32_MAX - 1)
    return nook_error (err, 0, "`%s`: invalid owner %lld:%lld", name, (long long)uid,
                       (long long)gid);
  if (fchownat (fd, base, (uid_t)uid, (gid_t)gid, flags) == 0)
    return 0;
  if (errno == EINVAL)
    return nook_error (err, 0,
                       "`%s` is owned by %lld:%lld, outside the ids mapped for you: add "
                       "subordinate ids in /etc/subuid and /etc/subgid",
                       name, (long long)uid, (long long)gid);
  return nook_error (err, errno, "chown `%s`", name);
}

static void
set_xattrs (struct apply_ctx *ctx, struct archive_entry *e, int fd, const char *name)
{
  const char *key;
  const void *value;
  size_t size;

  archive_entry_xattr_reset (e);
  while (archive_entry_xattr_next (e, &key, &value, &size) == ARCHIVE_OK)
    {
      if (fsetxattr (fd, key, value, size, 0) == 0 || ctx->warned_xattr)
        continue;
      /* trusted.* and some security.* cannot be set rootless.  */
      nook_warn ("`%s`: cannot set extended attribute `%s`: %s (further failures not shown)", name,
                 key, strerror (errno));
      ctx->warned_xattr = true;
    }
}

/* Owner, then mode (chown clears the setuid bit), then xattrs, on FD.  */
static int
set_attrs (struct apply_ctx *ctx, struct archive_entry *e, int fd, const char *name,
           nook_error_t *err)
{
  if (set_owner (ctx, fd, "", AT_EMPTY_PATH, archive_entry_uid (e), archive_entry_gid (e), name,
                 err)
      < 0)
    return -1;
  if (fchmod (fd, archive_entry_perm (e) & 07777) < 0)
    return nook_error (err, errno, "chmod `%s`", name);
  set_xattrs (ctx, e, fd, name);
  return 0;
}

/* The entry's data into FD; *END: where the last block ended (a sparse
   file's last hole is made by the caller).  */
static int
write_data (struct apply_ctx *ctx, int fd, const char *name, int64_t *end, nook_error_t *err)
{
  *end = 0;
  for (;;)
    {
      const void *buf;
      size_t size;
      la_int64_t offset;
      int r = archive_read_data_block (ctx->a, &buf, &size, &offset);

      if (r == ARCHIVE_EOF)
        return 0;
      if (r < ARCHIVE_WARN)
        return nook_error (err, 0, "read `%s` from the layer: %s", name,
                           archive_error_string (ctx->a));
      while (size > 0)
        {
          ssize_t w = pwrite (fd, buf, size, offset);
          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            return nook_error (err, errno, "write `%s`", name);
          buf = (const char *)buf + w;
          size -= (size_t)w;
          offset += w;
        }
      if (offset > *end)
        *end = offset;
    }
}

static void
entry_times (struct archive_entry *e, struct timespec ts[2])
{
  ts[0].tv_sec = ts[1].tv_sec = archive_entry_mtime (e);
  ts[0].tv_nsec = ts[1].tv_nsec = archive_entry_mtime_nsec (e);
}

/* Remove what is at BASE, unless it is a directory and KEEP_DIR: then
   return 1 and leave it.  */
static int
clear_path (int parentfd, const char *base, bool keep_dir, const char *name, nook_error_t *err)
{
  struct stat st;

  if (fstatat (parentfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : nook_error (err, errno, "stat `%s`", name);
  if (S_ISDIR (st.st_mode))
    return keep_dir ? 1 : nook_rm_tree_at (parentfd, base, err);
  if (unlinkat (parentfd, base, 0) < 0)
    return nook_error (err, errno, "remove `%s`", name);
  return 0;
}

/* Owner, mode and xattrs of a regular file we just made.  It is ours
   when its directory's group is ours (GROUP_OURS; a setgid directory, or
   a filesystem mounted grpid, gives a new file the directory's group), so
   an owner that is ours needs no chown.  */
static int
set_file_attrs (struct apply_ctx *ctx, struct archive_entry *e, int fd, bool group_ours,
                const char *name, nook_error_t *err)
{
  if (!group_ours || ctx->opts->ignore_ids || archive_entry_uid (e) != (int64_t)ctx->uid
      || archive_entry_gid (e) != (int64_t)ctx->gid)
    return set_attrs (ctx, e, fd, name, err);
  if (fchmod (fd, archive_entry_perm (e) & 07777) < 0)
    return nook_error (err, errno, "chmod `%s`", name);
  set_xattrs (ctx, e, fd, name);
  return 0;
}

static int
apply_regular (struct apply_ctx *ctx, struct archive_entry *e, int parent, bool group_ours,
               const char *base, const char *name, nook_error_t *err)
{
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  _cleanup_close_ int fd = openat (parent, base, flags, 0600);
  struct timespec ts[2];
  int64_t size = archive_entry_size (e), end;

  /* Something there already (a lower entry of this layer): replaced.  */
  if (fd < 0 && errno == EEXIST)
    {
      if (clear_path (parent, base, false, name, err) < 0)
        return -1;
      fd = openat (parent, base, flags, 0600);
    }
  if (fd < 0)
    return nook_error (err, errno, "create `%s`", name);
  if (write_data (ctx, fd, name, &end, err) < 0)
    return -1;
  if (end < size && ftruncate (fd, size) < 0)
    return nook_error (err, errno, "size `%s`", name);
  if (set_file_attrs (ctx, e, fd, group_ours, name, err) < 0)
    return -1;
  entry_times (e, ts);
  if (futimens (fd, ts) < 0)
    return nook_error (err, errno, "set times of `%s`", name);
  ctx->res->content_size += size > 0 ? size : 0;
  return 0;
}

static int
apply_dir (struct apply_ctx *ctx, struct archive_entry *e, int parent, const char *base,
           const char *resolved_parent, const char *name, nook_error_t *err)
{
  _cleanup_close_ int fd = -1;
  struct dir_time *d;
  struct timespec ts[2];
  int r = clear_path (parent, base, true, name, err);

  if (r < 0)
    return -1;
  if (r == 0 && mkdirat (parent, base, 0700) < 0)
    return nook_error (err, errno, "mkdir `%s`", name);
  fd = openat (parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return nook_error (err, errno, "open `%s`", name);
  if (set_attrs (ctx, e, fd, name, err) < 0)
    return -1;
  /* Files created later change the mtime: set it at the end.  */
  entry_times (e, ts);
  ctx->dirs = xrealloc (ctx->dirs, (ctx->ndirs + 1) * sizeof (*ctx->dirs));
  d = &ctx->dirs[ctx->ndirs++];
  d->path = resolved_parent[0] ? xasprintf ("%s/%s", resolved_parent, base) : xstrdup (base);
  d->mtime = ts[1];
  return 0;
}

static int
apply_symlink (struct apply_ctx *ctx, struct archive_entry *e, int parent, const char *base,
               const char *name, nook_error_t *err)
{
  const char *target = archive_entry_symlink (e);
  struct timespec ts[2];

  if (target == NULL || target[0] == '\0')
    return nook_error (err, 0, "symlink `%s` has no target", name);
  if (clear_path (parent, base, false, name, err) < 0)
    return -1;
  /* The target is stored as written: it is only ever followed inside the
     container's root, or by this file's own confined resolver.  */
  if (symlinkat (target, parent, base) < 0)
    return nook_error (err, errno, "symlink `%s`", name);
  if (set_owner (ctx, parent, base, AT_SYMLINK_NOFOLLOW, archive_entry_uid (e),
                 archive_entry_gid (e), name, err)
      < 0)
    return -1;
  entry_times (e, ts);
  if (utimensat (parent, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
    return nook_error (err, errno, "set times of `%s`", name);
  return 0;
}

static int
apply_hardlink (struct apply_ctx *ctx, struct archive_entry *e, int parent, const char *base,
                const char *name, nook_error_t *err)
{
  const char *target = archive_entry_hardlink (e);
  _cleanup_strv_ char **tcomps = NULL;
  _cleanup_close_ int tparent = -1;
  struct stat st;
  size_t tn;

  if (nook_path_clean (target, &tcomps, err) < 0)
    return nook_error_prefix (err, "hardlink `%s`", name);
  tn = strv_len (tcomps);
  if (tn == 0)
    return nook_error (err, 0, "hardlink `%s` points at the layer root", name);
  if (nook_resolve_dir (ctx->rootfd, tcomps, tn - 1, false, &tparent, NULL, err) < 0
      || fstatat (tparent, tcomps[tn - 1], &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      nook_error_free (err);
      return nook_error (err, 0, "hardlink `%s` to `%s`: the target is not in the layer", name,
                         target);
    }
  if (S_ISDIR (st.st_mode))
    return nook_error (err, EPERM, "hardlink `%s` to directory `%s`", name, target);
  if (clear_path (parent, base, false, name, err) < 0)
    return -1;
  if (linkat (tparent, tcomps[tn - 1], parent, base, 0) < 0)
    return nook_error (err, errno, "hardlink `%s` to `%s`", name, target);
  return 0;
}

static int
apply_special (struct apply_ctx *ctx, struct archive_entry *e, int parent, const char *base,
               const char *name, nook_error_t *err)
{
  mode_t type = archive_entry_filetype (e);
  struct timespec ts[2];
  dev_t dev = 0;

  if (type == AE_IFSOCK)
    return 0;
  if ((type == AE_IFCHR || type == AE_IFBLK) && ctx->opts->rootless)
    {
      nook_warn ("skipping device node `%s`: devices cannot be created without root", name);
      return 0;
    }
  if (type == AE_IFCHR || type == AE_IFBLK)
    dev = makedev (archive_entry_rdevmajor (e), archive_entry_rdevminor (e));
  if (clear_path (parent, base, false, name, err) < 0)
    return -1;
  if (mknodat (parent, base, type | (archive_entry_perm (e) & 07777), dev) < 0)
    return nook_error (err, errno, "mknod `%s`", name);
  if (set_owner (ctx, parent, base, AT_SYMLINK_NOFOLLOW, archive_entry_uid (e),
                 archive_entry_gid (e), name, err)
      < 0)
    return -1;
  if (fchmodat (parent, base, archive_entry_perm (e) & 07777, 0) < 0)
    return nook_error (err, errno, "chmod `%s`", name);
  entry_times (e, ts);
  utimensat (parent, base, ts, AT_SYMLINK_NOFOLLOW);
  return 0;
}

/* ".wh.NAME" and ".wh..wh..opq" are kept as the empty files the tar has:
   fuse-overlayfs reads them in lower layers.  */
static int
apply_whiteout (int parent, const char *base, const char *name, nook_error_t *err)
{
  _cleanup_close_ int fd = -1;

  if (clear_path (parent, base, false, name, err) < 0)
    return -1;
  fd = openat (parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return nook_error (err, errno, "create whiteout `%s`", name);
  return 0;
}

static int
apply_root (struct apply_ctx *ctx, struct archive_entry *e, const char *name, nook_error_t *err)
{
  if (archive_entry_filetype (e) != AE_IFDIR)
    return nook_error (err, 0, "layer entry `%s` would replace the layer root", name);
  if (set_owner (ctx, ctx->rootfd, "", AT_EMPTY_PATH, archive_entry_uid (e), archive_entry_gid (e),
                 name, err)
      < 0)
    return -1;
  if (fchmod (ctx->rootfd, archive_entry_perm (e) & 07777) < 0)
    return nook_error (err, errno, "chmod the layer root");
  return 0;
}

/* A regular file: in the kept parent directory when it is the same.  */
static int
apply_file_entry (struct apply_ctx *ctx, struct archive_entry *e, char *const *comps, size_t n,
                  const char *name, nook_error_t *err)
{
  _cleanup_free_ char *path = strv_join_n (comps, n - 1, "/");
  _cleanup_free_ char *resolved = NULL;
  int fd = -1;
  struct stat st;

  if (ctx->parent.path == NULL || strcmp (ctx->parent.path, path) != 0)
    {
      parent_drop (ctx);
      if (nook_resolve_dir (ctx->rootfd, comps, n - 1, true, &fd, &resolved, err) < 0)
        return nook_error_prefix (err, "layer entry `%s`", name);
      ctx->parent.fd = fd;
      ctx->parent.path = steal_pointer (&path);
      /* Unknown: not ours (the owner is then always set).  */
      ctx->parent.group_ours = fstat (fd, &st) == 0 && st.st_gid == ctx->gid;
    }
  return apply_regular (ctx, e, ctx->parent.fd, ctx->parent.group_ours, comps[n - 1], name, err);
}

static int
apply_entry (struct apply_ctx *ctx, struct archive_entry *e, nook_error_t *err)
{
  const char *name = archive_entry_pathname (e);
  _cleanup_strv_ char **comps = NULL;
  _cleanup_free_ char *resolved = NULL;
  _cleanup_close_ int parent = -1;
  const char *base;
  size_t n;

  if (name == NULL)
    return nook_error (err, 0, "layer entry without a usable name");
  if (nook_path_clean (name, &comps, err) < 0)
    return nook_error_prefix (err, "layer entry");
  n = strv_len (comps);
  if (n == 0)
    return apply_root (ctx, e, name, err);
  /* AUFS bookkeeping (".wh..wh.plnk/...") is dropped whole; the opaque
     marker is the one ".wh..wh." name with a meaning.  */
  for (size_t i = 0; i < n; i++)
    if (str_has_prefix (comps[i], ".wh..wh.")
        && !(i + 1 == n && strcmp (comps[i], ".wh..wh..opq") == 0))
      return 0;
  base = comps[n - 1];
  if (!archive_entry_hardlink (e) && archive_entry_filetype (e) == AE_IFREG
      && !str_has_prefix (base, ".wh."))
    return apply_file_entry (ctx, e, comps, n, name, err);
  parent_drop (ctx);
  if (nook_resolve_dir (ctx->rootfd, comps, n - 1, true, &parent, &resolved, err) < 0)
    return nook_error_prefix (err, "layer entry `%s`", name);
  if (archive_entry_hardlink (e))
    return apply_hardlink (ctx, e, parent, base, name, err);
  if (str_has_prefix (base, ".wh."))
    return apply_whiteout (parent, base, name, err);
  switch (archive_entry_filetype (e))
    {
    case AE_IFDIR:
      return apply_dir (ctx, e, parent, base, resolved, name, err);
    case AE_IFLNK:
      return apply_symlink (ctx, e, parent, base, name, err);
    default:
      return apply_special (ctx, e, parent, base, name, err);
    }
}

static void
apply_dir_times (struct apply_ctx *ctx)
{
  for (size_t i = 0; i < ctx->ndirs; i++)
    {
      /* The path was real when recorded; a later entry may have put a
         symlink on it, so refuse to follow any.  */
      _cleanup_close_ int fd
          = nook_open_beneath (ctx->rootfd, ctx->dirs[i].path, O_RDONLY | O_DIRECTORY,
                               RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
      struct timespec ts[2] = { ctx->dirs[i].mtime, ctx->dirs[i].mtime };
      if (fd >= 0)
        futimens (fd, ts);
      free (ctx->dirs[i].path);
    }
  free (ctx->dirs);
  ctx->dirs = NULL;
  ctx->ndirs = 0;
}

/* ---- the stream: blob -> decompress -> hash -> tar ---- */

struct stream
{
  struct archive *outer; /* decompresses the blob ("raw" format) */
  struct nook_sha256 sha;
  int64_t total;
  bool failed;
  unsigned char buf[1 << 16];
};

static la_ssize_t
stream_read (struct archive *inner, void *data, const void **buf)
{
  struct stream *s = data;
  la_ssize_t n = archive_read_data (s->outer, s->buf, sizeof (s->buf));

  if (n < 0)
    {
      s->failed = true;
      return -1;
    }
  nook_sha256_update (&s->sha, s->buf, (size_t)n);
  s->total += n;
  *buf = s->buf;
  return n;
}

static void
archive_freep (struct archive **a)
{
  if (*a)
    archive_read_free (*a);
}

static int
stream_open (struct stream *s, int blob_fd, nook_error_t *err)
{
  struct archive_entry *e;
  int r;

  s->outer = archive_read_new ();
  if (s->outer == NULL)
    return nook_error (err, ENOMEM, "archive");
  /* Only the compressions OCI allows: libarchive's catch-all would run
     external programs for some formats.  */
  archive_read_support_filter_gzip (s->outer);
  archive_read_support_filter_zstd (s->outer);
  archive_read_support_format_raw (s->outer);
  if (archive_read_open_fd (s->outer, blob_fd, 1 << 16) != ARCHIVE_OK)
    return nook_error (err, 0, "open layer: %s", archive_error_string (s->outer));
  r = archive_read_next_header (s->outer, &e);
  if (r != ARCHIVE_OK)
    return nook_error (err, 0, "read layer: %s", archive_error_string (s->outer));
  return nook_sha256_init (&s->sha, err);
}

/* Hash what the tar reader left (the end-of-archive padding).  */
static int
stream_drain (struct stream *s, nook_error_t *err)
{
  la_ssize_t n;
  while ((n = archive_read_data (s->outer, s->buf, sizeof (s->buf))) > 0)
    {
      nook_sha256_update (&s->sha, s->buf, (size_t)n);
      s->total += n;
    }
  if (n < 0)
    return nook_error (err, 0, "read layer: %s", archive_error_string (s->outer));
  return 0;
}

static int
apply_entries (struct apply_ctx *ctx, struct stream *s, nook_error_t *err)
{
  struct archive_entry *e;
  int r;

  for (;;)
    {
      r = archive_read_next_header (ctx->a, &e);
      if (r == ARCHIVE_EOF)
        return 0;
      if (r < ARCHIVE_WARN)
        return nook_error (err, 0, "read layer: %s",
                           archive_error_string (s->failed ? s->outer : ctx->a));
      if (apply_entry (ctx, e, err) < 0)
        return -1;
    }
}

int
storage_apply_tar (int dirfd, int blob_fd, const struct apply_opts *opts, struct apply_result *res,
                   nook_error_t *err)
{
  __attribute__ ((cleanup (archive_freep))) struct archive *outer = NULL;
  __attribute__ ((cleanup (archive_freep))) struct archive *inner = NULL;
  _cleanup_free_ struct stream *s = xzalloc (sizeof (*s));
  struct apply_ctx ctx = {
    .rootfd = dirfd, .opts = opts, .res = res, .uid = geteuid (), .gid = getegid (), .parent.fd = -1
  };
  int ret;

  memset (res, 0, sizeof (*res));
  if (nook_lazy_load (&nook_lib_archive, err) < 0)
    return -1;
  ret = stream_open (s, blob_fd, err);
  outer = s->outer;
  if (ret < 0)
    {
      nook_sha256_free (&s->sha);
      return -1;
    }
  inner = archive_read_new ();
  ctx.a = inner;
  archive_read_support_format_tar (inner);
  if (archive_read_open (inner, s, NULL, stream_read, NULL) != ARCHIVE_OK)
    ret = nook_error (err, 0, "read layer: %s", archive_error_string (s->failed ? outer : inner));
  else
    ret = apply_entries (&ctx, s, err);
  if (ret == 0)
    ret = stream_drain (s, err);
  parent_drop (&ctx);
  apply_dir_times (&ctx);
  if (ret < 0)
    {
      nook_sha256_free (&s->sha);
      return -1;
    }
  nook_sha256_final (&s->sha, res->diff_id);
  res->tar_size = s->total;
  return 0;
}
