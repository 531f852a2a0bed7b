/* What save, history and export read from the store: an image as it is
   kept (manifest, config, layer sizes), an image's history paired with
   its layers, and a container's root filesystem as a tar.  */
#include "storage/internal.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>

#define FUSE_SUPER_MAGIC 0x65735546
#define TREE_MAX_DEPTH   4096
#define COPY_BUF         (1 << 16)

/* ---- save ---- */

static int
read_image_file (struct storage *st, const char *id, const char *name, size_t max, char **out,
                 size_t *len, nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("%s/%s", id, name);
  if (nook_read_file_at (st->imagesfd, path, max, out, len, err) < 0)
    return nook_error_prefix (err, "image %.12s", id);
  return 0;
}

int
storage_image_save_item (struct storage *st, const struct storage_image *img,
                         struct image_save_item *it, nook_error_t *err)
{
  struct image_manifest m;
  size_t n = strv_len (img->layers);

  memset (it, 0, sizeof (*it));
  if (read_image_file (st, img->id, "manifest", IMAGE_MANIFEST_MAX, &it->manifest,
                       &it->manifest_len, err)
          < 0
      || read_image_file (st, img->id, "config", IMAGE_CONFIG_MAX, &it->config, &it->config_len,
                          err)
             < 0
      || image_manifest_parse (it->manifest, it->manifest_len, &m, err) < 0)
    goto fail;
  if (m.n_layers != n)
    {
      nook_error (err, 0, "image %.12s: its manifest lists %zu layers, the store %zu", img->id,
                  m.n_layers, n);
      image_manifest_free (&m);
      goto fail;
    }
  image_manifest_free (&m);
  it->layer_sizes = xzalloc ((n + 1) * sizeof (int64_t));
  for (size_t i = 0; i < n; i++)
    {
      struct storage_layer l;
      if (storage_layer_read (st, img->layers[i], &l, err) < 0)
        goto fail;
      it->layer_sizes[i] = l.size;
      storage_layer_free (&l);
    }
  it->names = xzalloc (sizeof (char *));
  return 0;

fail:
  image_save_item_free (it);
  return -1;
}

/* ---- history ---- */

void
storage_history_free (struct storage_history *h, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (h[i].id);
      free (h[i].created);
      free (h[i].created_by);
      free (h[i].comment);
    }
  free (h);
}

/* The image to name at layer CHAIN: IMG itself when CHAIN is its top
   layer, else the oldest other image whose top layer it is (a base image
   is older than the images made from it), as Podman names the layers it
   knows an image for.  Each ID once.  */
static const char *
image_at_layer (const struct storage_image *img, const struct storage_image *all, size_t n,
                const char *chain, char ***used)
{
  const char *found = NULL;
  size_t top = strv_len (img->layers);

  if (top > 0 && strcmp (img->layers[top - 1], chain) == 0)
    found = img->id;
  for (size_t i = 0; found == NULL && i < n; i++)
    {
      size_t k = strv_len (all[i].layers);
      if (k > 0 && strcmp (all[i].layers[k - 1], chain) == 0)
        found = all[i].id;
    }
  if (found == NULL || strv_contains (*used, found))
    return NULL;
  strv_push (used, xstrdup (found));
  return found;
}

static int64_t
created_ns (const struct storage_image *img)
{
  int64_t t;
  return img->created && nook_time_parse (img->created, &t) == 0 ? t : INT64_MAX;
}

/* Oldest first, then by ID: the order candidates are tried in.  */
static int
cmp_image_age (const void *a, const void *b)
{
  const struct storage_image *x = a, *y = b;
  int64_t tx = created_ns (x), ty = created_ns (y);

  if (tx != ty)
    return tx < ty ? -1 : 1;
  return strcmp (x->id, y->id);
}

static char *
member_str (const nook_json *obj, const char *key)
{
  const char *s = json_str (json_get (obj, key));
  return s ? xstrdup (s) : NULL;
}

/* The config's history, newest first, paired with the layers as Podman
   pairs them: walking down from the top layer, every entry that is not
   an empty_layer takes one.  */
static int
history_walk (struct storage *st, const struct storage_image *img, const nook_json *hist,
              const struct storage_image *all, size_t nall, struct storage_history *out,
              nook_error_t *err)
{
  _cleanup_strv_ char **used = xzalloc (sizeof (char *));
  ssize_t layer = (ssize_t)strv_len (img->layers) - 1;
  size_t n = json_len (hist);

  for (size_t k = 0; k < n; k++)
    {
      const nook_json *h = json_at (hist, n - 1 - k);
      struct storage_history *e = &out[k];
      bool empty = false;

      json_bool (json_get (h, "empty_layer"), &empty);
      e->empty_layer = empty;
      e->created = member_str (h, "created");
      e->created_by = member_str (h, "created_by");
      e->comment = member_str (h, "comment");
      if (layer < 0)
        continue;
      if (!empty)
        {
          struct storage_layer l;
          if (storage_layer_read (st, img->layers[layer], &l, err) < 0)
            return -1;
          e->size = l.size;
          storage_layer_free (&l);
        }
      {
        const char *id = image_at_layer (img, all, nall, img->layers[layer], &used);
        e->id = id ? xstrdup (id) : NULL;
      }
      if (!empty)
        layer--;
    }
  return 0;
}

int
storage_image_history (struct storage *st, const struct storage_image *img,
                       struct storage_history **out, size_t *count, nook_error_t *err)
{
  _cleanup_free_ char *text = NULL;
  _cleanup_json_ nook_json *j = NULL;
  struct storage_image *all = NULL;
  struct storage_history *h;
  nook_json *hist = NULL;
  size_t len, nall = 0, n;
  int r;

  if (read_image_file (st, img->id, "config", IMAGE_CONFIG_MAX, &text, &len, err) < 0)
    return -1;
  if (json_parse (text, len, &j, err) < 0
      || json_get_array (j, "history", "history", false, &hist, err) < 0)
    return nook_error_prefix (err, "image %.12s: config", img->id);
  if (storage_image_list (st, &all, &nall, err) < 0)
    return -1;
  if (nall > 1)
    qsort (all, nall, sizeof (*all), cmp_image_age);
  n = json_len (hist);
  h = xzalloc ((n + 1) * sizeof (*h));
  r = history_walk (st, img, hist, all, nall, h, err);
  storage_image_list_free (all, nall);
  if (r < 0)
    {
      storage_history_free (h, n);
      return -1;
    }
  *out = h;
  *count = n;
  return 0;
}

/* ---- export: a root filesystem as a tar ---- */

struct inode_key
{
  struct stat st;
  char *path; /* NULL: a free slot */
};

struct tree_walk
{
  struct image_tar *t;
  dev_t dev; /* the root's: other filesystems are not entered */
  struct inode_key *links;
  size_t nlinks, cap;
  char *buf;
};

static size_t
inode_hash (dev_t dev, ino_t ino, size_t cap)
{
  uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ULL ^ (uint64_t)dev;
  return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

/* Is B the inode A describes?  One inode shows the same attributes
   under every name: a mismatch means the filesystem reused a number.  */
static bool
same_inode (const struct stat *a, const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size
         && a->st_mode == b->st_mode && a->st_uid == b->st_uid && a->st_gid == b->st_gid
         && a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static size_t
inode_slot (const struct tree_walk *w, const struct stat *st)
{
  size_t i;

  for (i = inode_hash (st->st_dev, st->st_ino, w->cap); w->links[i].path;
       i = (i + 1) & (w->cap - 1))
    if (w->links[i].st.st_dev == st->st_dev && w->links[i].st.st_ino == st->st_ino)
      break;
  return i;
}

/* The name the file ST describes went into the archive under, or NULL.
   Every regular file is recorded, whatever its link count: fuse-overlayfs
   shows a count of 1 for the first name it looks up of a file that has
   two.  */
static const char *
hardlink_find (struct tree_walk *w, const struct stat *st)
{
  size_t i;

  if (w->cap == 0)
    return NULL;
  i = inode_slot (w, st);
  return w->links[i].path && same_inode (&w->links[i].st, st) ? w->links[i].path : NULL;
}

static void
hardlink_add (struct tree_walk *w, const struct stat *st, const char *path)
{
  size_t i;

  if (w->nlinks * 2 >= w->cap)
    {
      struct inode_key *old = w->links;
      size_t oldcap = w->cap;
      w->cap = w->cap ? w->cap * 2 : 64;
      w->links = xzalloc (w->cap * sizeof (*w->links));
      for (size_t k = 0; k < oldcap; k++)
        if (old[k].path)
          w->links[inode_slot (w, &old[k].st)] = old[k];
      free (old);
    }
  i = inode_slot (w, st);
  if (w->links[i].path)
    return; /* a reused inode number: the first keeps it */
  w->links[i] = (struct inode_key){ *st, xstrdup (path) };
  w->nlinks++;
}

static void
fill_entry (struct image_tar_entry *e, const char *path, const struct stat *st)
{
  memset (e, 0, sizeof (*e));
  e->path = path;
  e->mode = st->st_mode;
  e->uid = st->st_uid;
  e->gid = st->st_gid;
  e->mtime = st->st_mtim.tv_sec;
}

static int
tar_regular (struct tree_walk *w, int dirfd, const char *name, const char *path,
             const struct stat *st, nook_error_t *err)
{
  _cleanup_close_ int fd = -1;
  struct image_tar_entry e;
  const char *first = NULL;
  char cap[1024];
  ssize_t caplen;
  struct stat fst;
  int64_t left;

  if ((first = hardlink_find (w, st)) != NULL)
    {
      fill_entry (&e, path, st);
      e.hardlink = true;
      e.link = first;
      return image_tar_header (w->t, &e, err);
    }
  /* O_NONBLOCK: should a running container have put a FIFO there
     meanwhile, the open must not wait for a writer.  */
  fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return 0; /* removed by the running container meanwhile */
  if (fd < 0)
    return nook_error (err, errno, "open `%s`", path);
  /* What is read is described by what was opened.  */
  if (fstat (fd, &fst) < 0)
    return nook_error (err, errno, "stat `%s`", path);
  if (!S_ISREG (fst.st_mode))
    return 0;
  fill_entry (&e, path, &fst);
  e.size = fst.st_size;
  caplen = fgetxattr (fd, "security.capability", cap, sizeof (cap));
  if (caplen > 0)
    {
      e.xattr = "security.capability";
      e.xattr_value = cap;
      e.xattr_len = (size_t)caplen;
    }
  if (image_tar_header (w->t, &e, err) < 0)
    return -1;
  hardlink_add (w, &fst, path);
  /* A running container may change the file meanwhile: the size in the
     header is what goes in, cut or padded with zeros.  */
  for (left = fst.st_size; left > 0;)
    {
      size_t want = left < COPY_BUF ? (size_t)left : COPY_BUF;
      ssize_t r = read (fd, w->buf, want);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return nook_error (err, errno, "read `%s`", path);
      if (r == 0)
        {
          memset (w->buf, 0, want);
          r = (ssize_t)want;
        }
      if (image_tar_data (w->t, w->buf, (size_t)r, err) < 0)
        return -1;
      left -= r;
    }
  return 0;
}

static int tar_dir (struct tree_walk *w, int dirfd, const char *prefix, int depth,
                    nook_error_t *err);

static int
cmp_name (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static int
tar_one (struct tree_walk *w, int dirfd, const char *name, const char *prefix, int depth,
         nook_error_t *err)
{
  _cleanup_free_ char *path = prefix ? xasprintf ("%s/%s", prefix, name) : xstrdup (name);
  _cleanup_free_ char *dirpath = NULL, *target = NULL;
  _cleanup_close_ int sub = -1;
  struct image_tar_entry e;
  struct stat st;
  ssize_t n;

  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : nook_error (err, errno, "stat `%s`", path);
  fill_entry (&e, path, &st);
  switch (st.st_mode & S_IFMT)
    {
    case S_IFREG:
      return tar_regular (w, dirfd, name, path, &st, err);
    case S_IFDIR:
      dirpath = xasprintf ("%s/", path);
      e.path = dirpath;
      if (image_tar_header (w->t, &e, err) < 0)
        return -1;
      /* A mount point is kept as an empty directory, as tar
         --one-file-system does.  */
      if (st.st_dev != w->dev)
        return 0;
      sub = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0)
        return errno == ENOENT ? 0 : nook_error (err, errno, "open `%s`", path);
      return tar_dir (w, sub, path, depth + 1, err);
    case S_IFLNK:
      /* Not st_size: some filesystems report 0 for a link.  */
      target = xmalloc (PATH_MAX + 1);
      n = readlinkat (dirfd, name, target, PATH_MAX + 1);
      if (n < 0)
        return nook_error (err, errno, "read link `%s`", path);
      if (n > PATH_MAX)
        return nook_error (err, ENAMETOOLONG, "read link `%s`", path);
      target[n] = '\0';
      e.link = target;
      return image_tar_header (w->t, &e, err);
    case S_IFCHR:
    case S_IFBLK:
      e.rdev = st.st_rdev;
      return image_tar_header (w->t, &e, err);
    case S_IFIFO:
      return image_tar_header (w->t, &e, err);
    default: /* sockets have no tar form */
      return 0;
    }
}

static int
tar_dir (struct tree_walk *w, int dirfd, const char *prefix, int depth, nook_error_t *err)
{
  _cleanup_strv_ char **names = NULL;

  if (depth > TREE_MAX_DEPTH)
    return nook_error (err, ELOOP, "`%s`: more than %d directories deep", prefix, TREE_MAX_DEPTH);
  if (nook_list_dir (dirfd, NULL, &names, err) < 0)
    return nook_error_prefix (err, "`%s`", prefix ? prefix : "/");
  if (names[0])
    qsort (names, strv_len (names), sizeof (char *), cmp_name);
  for (size_t i = 0; names[i]; i++)
    {
      /* Whiteouts are the layers' bookkeeping: the merged view applied
         them already, and one in an export would delete on import.  */
      if (str_has_prefix (names[i], ".wh."))
        continue;
      if (tar_one (w, dirfd, names[i], prefix, depth, err) < 0)
        return -1;
    }
  return 0;
}

int
storage_tar_tree (int rootfd, int outfd, nook_error_t *err)
{
  struct tree_walk w = { .buf = xmalloc (COPY_BUF) };
  struct stat st;
  int r;

  if (fstat (rootfd, &st) < 0)
    r = nook_error (err, errno, "stat the root filesystem");
  else if ((r = image_tar_open (outfd, &w.t, err)) == 0)
    {
      w.dev = st.st_dev;
      r = tar_dir (&w, rootfd, NULL, 0, err);
      if (r == 0)
        r = image_tar_close (w.t, err);
    }
  image_tar_free (w.t);
  for (size_t i = 0; i < w.cap; i++)
    free (w.links[i].path);
  free (w.links);
  free (w.buf);
  return r;
}

/* ---- export: the rootfs of a running container ---- */

static int
join_ns (pid_t pid, const char *ns, int type, nook_error_t *err)
{
  char path[64], self[64];
  _cleanup_close_ int fd = -1;
  struct stat a, b;

  snprintf (path, sizeof (path), "/proc/%d/ns/%s", (int)pid, ns);
  snprintf (self, sizeof (self), "/proc/self/ns/%s", ns);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return nook_error (err, errno, "open `%s`", path);
  if (fstat (fd, &a) == 0 && stat (self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
    return 0;
  if (setns (fd, type) < 0)
    return nook_error (err, errno, "join the %s namespace of process %d", ns, (int)pid);
  return 0;
}

int
storage_container_rootfs_of (struct storage *st, const char *id, pid_t pid, int *out,
                             nook_error_t *err)
{
  _cleanup_free_ char *merged = xasprintf ("%s/containers/%s/merged", st->root, id);
  _cleanup_close_ int fd = -1;
  struct statfs sfs;

  if (st->root[0] != '/')
    return nook_error (err, 0, "the store path `%s` is not absolute", st->root);
  /* The user namespace first: FUSE serves a mount made with allow_other
     only to processes of its own user namespace (or below), and the
     mount namespace is joined as that namespace's root.  */
  if (join_ns (pid, "user", CLONE_NEWUSER, err) < 0 || join_ns (pid, "mnt", CLONE_NEWNS, err) < 0)
    return -1;
  fd = open (merged, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return nook_error (err, errno, "open `%s`", merged);
  if (fstatfs (fd, &sfs) < 0 || sfs.f_type != FUSE_SUPER_MAGIC)
    return nook_error (err, 0, "the root filesystem of container %.12s is not mounted", id);
  *out = steal_fd (&fd);
  return 0;
}
