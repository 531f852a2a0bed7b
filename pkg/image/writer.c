/* Writing images: tar streams, output files made whole, docker-archive,
   oci-archive and OCI layout directories, and the image a rootfs tarball
   becomes on import.  Nothing here knows the store: callers hand over
   manifest and config bytes, names, and the directory of layer blobs.

   The layouts are Podman's (containers/image 5.23, as in Podman 4.3):
   - docker-archive: per image, each layer decompressed as
     <diff_id hex>.tar, the config as <config hex>.json, then for every
     layer a legacy directory <v1 id>/ holding layer.tar (a symlink to
     ../<diff_id hex>.tar), VERSION ("1.0") and json; manifest.json and
     repositories last.  Files 0444, symlinks 0, owner 0, mtime 0; the
     v1 IDs are computed as containers/image computes them, so the
     archive is the one Podman writes.
   - oci-archive: blobs/, blobs/sha256/, the blobs in digest order,
     index.json, oci-layout: the order of a tar of the layout directory.
     Podman stamps those with the time of writing; nook uses mtime 0 so
     that the same images always make the same bytes.  Layer blobs are
     the store's, byte for byte: image ID and manifest digest survive a
     save and a load.  */
#include "image/image.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define OCI_REF_NAME    "org.opencontainers.image.ref.name"
#define OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define OCI_LAYOUT      "{\"imageLayoutVersion\": \"1.0.0\"}"
#define COPY_BUF        (1 << 16)
#define DEFAULT_COMMENT "imported from tarball"
#define TAR_BLOCK       512

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

/* A regular file of LEN bytes from memory, with a fixed owner and time.  */
static int
tar_bytes (struct image_tar *t, const char *path, mode_t perm, const void *data, size_t len,
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
image_output_open (struct image_output *o, const char *path, bool new_only, nook_error_t *err)
{
  const char *base;
  struct stat st;
  char rnd[17];
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
  if (nook_random_hex (rnd, 8, err) < 0 || output_dir (path, &o->dirfd, &base, err) < 0)
    return -1;
  o->path = xstrdup (base);
  o->tmp = xasprintf (".%s.tmp-%s", base, rnd);
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

/* ---- raw JSON: members as written, compacted as Go's encoding/json ---- */

static const char *
json_ws (const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

/* P at a '"': the first byte after the closing quote, or NULL.  */
static const char *
json_string_end (const char *p, const char *end)
{
  for (p++; p < end; p++)
    if (*p == '\\')
      p++;
    else if (*p == '"')
      return p + 1;
  return NULL;
}

/* P at a value: the first byte after it, or NULL.  */
static const char *
json_value_end (const char *p, const char *end)
{
  int depth = 0;

  do
    {
      p = json_ws (p, end);
      if (p >= end)
        return NULL;
      if (*p == '"')
        p = json_string_end (p, end);
      else if (*p == '{' || *p == '[')
        depth++, p++;
      else if (*p == '}' || *p == ']')
        {
          if (--depth < 0)
            return NULL;
          p++;
        }
      else if (*p == ',' || *p == ':')
        {
          if (depth == 0)
            return NULL;
          p++;
        }
      else
        while (p < end && *p != '\0' && strchr (",:[]{}\" \t\r\n", *p) == NULL)
          p++;
      if (p == NULL)
        return NULL;
    }
  while (depth > 0);
  return p;
}

/* The text of member KEY of object TEXT (the last when repeated, as Go
   decodes), or NULL.  */
static const char *
json_raw_member (const char *text, size_t len, const char *key, size_t *vlen)
{
  const char *p = text, *end = text + len, *found = NULL;
  size_t klen = strlen (key);

  p = json_ws (p, end);
  if (p >= end || *p != '{')
    return NULL;
  for (p++;;)
    {
      const char *k, *kend, *v, *vend;

      p = json_ws (p, end);
      if (p < end && *p == '}')
        return found;
      if (p >= end || *p != '"' || (kend = json_string_end (p, end)) == NULL)
        return NULL;
      k = p + 1;
      p = json_ws (kend, end);
      if (p >= end || *p != ':')
        return NULL;
      v = json_ws (p + 1, end);
      if ((vend = json_value_end (v, end)) == NULL)
        return NULL;
      if ((size_t)(kend - 1 - k) == klen && memcmp (k, key, klen) == 0)
        {
          found = v;
          *vlen = (size_t)(vend - v);
        }
      p = json_ws (vend, end);
      if (p < end && *p == ',')
        p++;
    }
}

/* Append V compacted as Go compacts a json.RawMessage it marshals: no
   blanks outside strings, and <, >, &, U+2028, U+2029 escaped.  */
static void
json_go_compact (struct nook_buf *b, const char *v, size_t len)
{
  bool in_string = false;

  for (size_t i = 0; i < len; i++)
    {
      unsigned char c = (unsigned char)v[i];
      if (!in_string)
        {
          if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
          in_string = c == '"';
          nook_buf_putc (b, (char)c);
          continue;
        }
      if (c == '\\' && i + 1 < len)
        {
          nook_buf_append (b, v + i, 2);
          i++;
        }
      else if (c == '<' || c == '>' || c == '&')
        nook_buf_printf (b, "\\u00%02x", c);
      else if (c == 0xe2 && i + 2 < len && (unsigned char)v[i + 1] == 0x80
               && ((unsigned char)v[i + 2] == 0xa8 || (unsigned char)v[i + 2] == 0xa9))
        {
          nook_buf_printf (b, "\\u202%c", v[i + 2] == (char)0xa8 ? '8' : '9');
          i += 2;
        }
      else
        {
          in_string = c != '"';
          nook_buf_putc (b, (char)c);
        }
    }
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static char *
sha256_digest (const void *data, size_t len, char hex[65], nook_error_t *err)
{
  if (nook_sha256_hex (data, len, hex, err) < 0)
    return NULL;
  return xasprintf ("sha256:%s", hex);
}

/* The mediaType a manifest declares, OCI's when it declares none.  */
static char *
manifest_media_type (const char *text, size_t len)
{
  _cleanup_json_ nook_json *j = NULL;
  nook_error_t err = NULL;
  const char *t;

  if (json_parse (text, len, &j, &err) < 0)
    {
      nook_error_free (&err);
      return xstrdup (OCI_MANIFEST);
    }
  t = json_str (json_get (j, "mediaType"));
  return xstrdup (t && *t ? t : OCI_MANIFEST);
}

/* ---- reading layer blobs: as stored, or decompressed ---- */

static int
blob_open (int blobsfd, const char *digest, int64_t want_size, nook_error_t *err)
{
  const char *hex;
  struct stat st;
  int fd;

  if (nook_digest_hex (digest, &hex, err) < 0)
    return -1;
  fd = openat (blobsfd, hex, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return nook_error (err, errno == ENOENT ? 0 : errno,
                       "layer blob %s is not in the store (load the image again)", digest);
  if (want_size >= 0 && (fstat (fd, &st) < 0 || st.st_size != want_size))
    {
      close (fd);
      return nook_error (err, 0,
                         "layer blob %s in the store is not %lld bytes: the store is damaged",
                         digest, (long long)want_size);
    }
  return fd;
}

static void
read_archive_freep (struct archive **a)
{
  if (*a)
    archive_read_free (*a);
}

/* A reader of the uncompressed stream of a (gzip, zstd or plain) file.  */
static int
unpack_open (int fd, struct archive **out, nook_error_t *err)
{
  struct archive *a = archive_read_new ();
  struct archive_entry *e;

  if (a == NULL)
    return nook_error (err, ENOMEM, "archive");
  /* Only the compressions OCI allows: libarchive's catch-all would run
     external programs for some formats.  */
  archive_read_support_filter_gzip (a);
  archive_read_support_filter_zstd (a);
  archive_read_support_format_raw (a);
  if (archive_read_open_fd (a, fd, COPY_BUF) != ARCHIVE_OK
      || archive_read_next_header (a, &e) != ARCHIVE_OK)
    {
      nook_error (err, 0, "%s", archive_error_string (a) ?: "cannot read");
      archive_read_free (a);
      return -1;
    }
  *out = a;
  return 0;
}

/* Decompress FD to the end, giving each chunk to SINK (when not NULL):
   *SIZE and HEX get the uncompressed size and sha256.  */
static int
unpack_all (int fd, int (*sink) (void *data, const void *buf, size_t len, nook_error_t *err),
            void *data, int64_t *size, char hex[65], int *filter, nook_error_t *err)
{
  __attribute__ ((cleanup (read_archive_freep))) struct archive *a = NULL;
  _cleanup_free_ char *buf = xmalloc (COPY_BUF);
  struct nook_sha256 sha = { 0 };
  la_ssize_t n;

  if (unpack_open (fd, &a, err) < 0 || nook_sha256_init (&sha, err) < 0)
    return -1;
  if (filter)
    *filter = archive_filter_code (a, 0);
  *size = 0;
  while ((n = archive_read_data (a, buf, COPY_BUF)) > 0)
    {
      nook_sha256_update (&sha, buf, (size_t)n);
      *size += n;
      if (sink && sink (data, buf, (size_t)n, err) < 0)
        {
          nook_sha256_free (&sha);
          return -1;
        }
    }
  if (n < 0)
    {
      nook_sha256_free (&sha);
      return nook_error (err, 0, "%s", archive_error_string (a) ?: "cannot decompress");
    }
  nook_sha256_final (&sha, hex);
  return 0;
}

/* ---- docker-archive ---- */

struct docker_item
{
  char *config_path;
  char **repo_tags;
  char **layer_paths;
};

struct docker_writer
{
  struct image_tar *t;
  int blobsfd;
  char **sent; /* member names written */
  struct docker_item *items;
  size_t nitems;
  char **repos; /* repositories entries: "repo\0tag\0v1 id" */
  size_t nrepos;
};

static bool
sent_once (struct docker_writer *w, const char *name)
{
  if (strv_contains (w->sent, name))
    return false;
  strv_push (&w->sent, xstrdup (name));
  return true;
}

struct layer_sink
{
  struct image_tar *t;
  int64_t left;
};

static int
layer_sink (void *data, const void *buf, size_t len, nook_error_t *err)
{
  struct layer_sink *s = data;

  if ((int64_t)len > s->left)
    return nook_error (err, 0, "larger than the store recorded: the store is damaged");
  s->left -= (int64_t)len;
  return image_tar_data (s->t, buf, len, err);
}

/* Write layer BLOB decompressed as <diff hex>.tar, checking DIFF_ID.  */
static int
docker_layer (struct docker_writer *w, const struct image_descriptor *blob, const char *diff_id,
              int64_t size, nook_error_t *err)
{
  _cleanup_close_ int fd = -1;
  _cleanup_free_ char *path = NULL;
  struct layer_sink s = { w->t, 0 };
  struct image_tar_entry e = { .mode = S_IFREG | 0444 };
  const char *diff_hex;
  char hex[65];
  int64_t got;

  if (nook_digest_hex (diff_id, &diff_hex, err) < 0)
    return -1;
  path = xasprintf ("%s.tar", diff_hex);
  if (!sent_once (w, path))
    return 0;
  if ((fd = blob_open (w->blobsfd, blob->digest, blob->size, err)) < 0)
    return -1;
  /* The tar header needs the size first: the store recorded it; count it
     when it did not.  */
  if (size <= 0)
    {
      if (unpack_all (fd, NULL, NULL, &size, hex, NULL, err) < 0 || lseek (fd, 0, SEEK_SET) < 0)
        return nook_error_prefix (err, "layer %s", blob->digest);
    }
  e.path = path;
  e.size = size;
  s.left = size;
  if (image_tar_header (w->t, &e, err) < 0)
    return -1;
  if (unpack_all (fd, layer_sink, &s, &got, hex, NULL, err) < 0)
    return nook_error_prefix (err, "layer %s", blob->digest);
  if (got != size || strcmp (hex, diff_hex) != 0)
    return nook_error (err, 0,
                       "layer %s does not match its diff_id %s (it is sha256:%s, %lld bytes): "
                       "the store is damaged",
                       blob->digest, diff_id, hex, (long long)got);
  return 0;
}

/* The legacy per-layer config, keys in Go's map order.  The top layer
   gets 7 members of the image config, as containers/image copies them;
   KEY is "layer_id" (hashed for the v1 ID) or "id".  */
static void
legacy_json (struct nook_buf *b, const struct image_save_item *it, bool top, const char *key,
             const char *value, const char *parent)
{
  static const char *const attrs[]
      = { "architecture", "config", "container", "container_config", "created", "docker_version" };

  nook_buf_putc (b, '{');
  for (size_t i = 0; top && i < NOOK_ARRAY_SIZE (attrs); i++)
    {
      size_t vlen = 0;
      const char *v = json_raw_member (it->config, it->config_len, attrs[i], &vlen);
      nook_buf_printf (b, "\"%s\":", attrs[i]);
      if (v)
        json_go_compact (b, v, vlen);
      else
        nook_buf_puts (b, "null");
      nook_buf_putc (b, ',');
    }
  nook_buf_printf (b, "\"%s\":\"%s\"", key, value);
  if (top)
    {
      size_t vlen = 0;
      const char *v = json_raw_member (it->config, it->config_len, "os", &vlen);
      nook_buf_puts (b, ",\"os\":");
      if (v)
        json_go_compact (b, v, vlen);
      else
        nook_buf_puts (b, "null");
    }
  if (parent)
    nook_buf_printf (b, ",\"parent\":\"%s\"", parent);
  nook_buf_putc (b, '}');
}

/* Podman's legacy layer directories; *TOP gets the v1 ID of the last.  */
static int
docker_legacy (struct docker_writer *w, const struct image_save_item *it, char **diff_ids,
               char top[65], nook_error_t *err)
{
  char chain[72] = "", parent[65] = "";
  size_t n = strv_len (diff_ids);

  for (size_t i = 0; i < n; i++)
    {
      struct nook_buf b = { 0 };
      _cleanup_free_ char *link = NULL, *dir_link = NULL, *version = NULL, *json = NULL;
      struct image_tar_entry e = { .mode = S_IFLNK };
      const char *hex;
      char id[65];
      int r;

      if (i == 0)
        snprintf (chain, sizeof (chain), "%s", diff_ids[0]);
      else
        {
          _cleanup_free_ char *text = xasprintf ("%s %s", chain, diff_ids[i]);
          if (nook_sha256_hex (text, strlen (text), id, err) < 0)
            return -1;
          snprintf (chain, sizeof (chain), "sha256:%s", id);
        }
      legacy_json (&b, it, i + 1 == n, "layer_id", chain, parent[0] ? parent : NULL);
      r = nook_sha256_hex (b.data, b.len, id, err);
      nook_buf_free (&b);
      if (r < 0 || nook_digest_hex (diff_ids[i], &hex, err) < 0)
        return -1;
      legacy_json (&b, it, i + 1 == n, "id", id, parent[0] ? parent : NULL);
      dir_link = xasprintf ("%s/layer.tar", id);
      if (sent_once (w, dir_link))
        {
          link = xasprintf ("../%s.tar", hex);
          version = xasprintf ("%s/VERSION", id);
          json = xasprintf ("%s/json", id);
          e.path = dir_link;
          e.link = link;
          r = image_tar_header (w->t, &e, err);
          if (r == 0)
            r = tar_bytes (w->t, version, 0444, "1.0", 3, err);
          if (r == 0)
            r = tar_bytes (w->t, json, 0444, b.data, b.len, err);
        }
      nook_buf_free (&b);
      if (r < 0)
        return -1;
      memcpy (parent, id, 65);
    }
  memcpy (top, parent, 65);
  return 0;
}

static void
docker_items_free (struct docker_writer *w)
{
  for (size_t i = 0; i < w->nitems; i++)
    {
      free (w->items[i].config_path);
      strv_free (w->items[i].repo_tags);
      strv_free (w->items[i].layer_paths);
    }
  free (w->items);
  strv_free (w->sent);
  for (size_t i = 0; i < w->nrepos; i++)
    free (w->repos[i]);
  free (w->repos);
}

/* "repo:tag" of a tagged NAME, or NULL (an untagged or invalid name).  */
static char *
repo_tag (const char *name, char **repo, char **tag)
{
  struct image_ref ref;
  nook_error_t err = NULL;
  char *s = NULL;

  if (image_ref_parse (name, &ref, &err) < 0)
    {
      nook_error_free (&err);
      return NULL;
    }
  if (ref.tag)
    {
      *repo = image_ref_repository (&ref);
      *tag = xstrdup (ref.tag);
      s = xasprintf ("%s:%s", *repo, *tag);
    }
  image_ref_free (&ref);
  return s;
}

static void
repos_add (struct docker_writer *w, const char *repo, const char *tag, const char *id)
{
  size_t lr = strlen (repo), lt = strlen (tag);
  char *e = xmalloc (lr + lt + strlen (id) + 3);

  memcpy (e, repo, lr + 1);
  memcpy (e + lr + 1, tag, lt + 1);
  strcpy (e + lr + lt + 2, id);
  w->repos = xrealloc (w->repos, (w->nrepos + 1) * sizeof (char *));
  w->repos[w->nrepos++] = e;
}

static void
docker_item_add (struct docker_writer *w, const char *config_hex, char **diff_ids)
{
  struct docker_item *item;

  w->items = xrealloc (w->items, (w->nitems + 1) * sizeof (*w->items));
  item = &w->items[w->nitems++];
  item->config_path = xasprintf ("%s.json", config_hex);
  item->repo_tags = xzalloc (sizeof (char *));
  item->layer_paths = xzalloc (sizeof (char *));
  for (size_t k = 0; diff_ids[k]; k++)
    strv_push (&item->layer_paths, xasprintf ("%s.tar", diff_ids[k] + 7));
}

/* Layers, config and legacy directories of IT, then its manifest.json
   entry and its repositories tags.  */
static int
docker_image_body (struct docker_writer *w, const struct image_save_item *it,
                   const struct image_manifest *m, char **diff_ids, nook_error_t *err)
{
  struct docker_item *item;
  char hex[65], top[65] = "";

  if (strv_len (diff_ids) != m->n_layers)
    return nook_error (err, 0, "the config lists %zu diff_ids for %zu layers", strv_len (diff_ids),
                       m->n_layers);
  for (size_t k = 0; k < m->n_layers; k++)
    if (docker_layer (w, &m->layers[k], diff_ids[k], it->layer_sizes ? it->layer_sizes[k] : 0, err)
        < 0)
      return -1;
  if (nook_sha256_hex (it->config, it->config_len, hex, err) < 0)
    return -1;
  docker_item_add (w, hex, diff_ids);
  item = &w->items[w->nitems - 1];
  if (sent_once (w, item->config_path)
      && tar_bytes (w->t, item->config_path, 0444, it->config, it->config_len, err) < 0)
    return -1;
  if (m->n_layers > 0 && docker_legacy (w, it, diff_ids, top, err) < 0)
    return -1;
  for (size_t i = 0; it->names && it->names[i]; i++)
    {
      _cleanup_free_ char *repo = NULL, *tag = NULL;
      char *rt = repo_tag (it->names[i], &repo, &tag);
      if (rt == NULL || strv_contains (item->repo_tags, rt))
        {
          free (rt);
          continue;
        }
      strv_push (&item->repo_tags, rt);
      if (top[0])
        repos_add (w, repo, tag, top);
    }
  return 0;
}

static int
docker_image (struct docker_writer *w, const struct image_save_item *it, nook_error_t *err)
{
  struct image_manifest m;
  struct image_config cfg;
  int r;

  if (image_manifest_parse (it->manifest, it->manifest_len, &m, err) < 0)
    return -1;
  if (image_config_parse (it->config, it->config_len, &cfg, err) < 0)
    {
      image_manifest_free (&m);
      return -1;
    }
  r = docker_image_body (w, it, &m, cfg.diff_ids, err);
  image_config_free (&cfg);
  image_manifest_free (&m);
  return r;
}

/* A repositories entry: REPO, TAG and ID packed as "repo\0tag\0id".  */
static int
cmp_repo (const void *a, const void *b)
{
  const char *x = *(char *const *)a, *y = *(char *const *)b;
  int c = strcmp (x, y);
  return c ? c : strcmp (x + strlen (x) + 1, y + strlen (y) + 1);
}

/* {"repo":{"tag":"v1 id",...},...}: Go's map order; of two images with
   the same repo:tag the later wins, as the later map assignment does.  */
static void
docker_repositories (struct docker_writer *w, struct json_gen *g)
{
  size_t n = w->nrepos;
  const char *open_repo = NULL;

  /* Insertion sort: stable, so equal keys keep the order they came in.  */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && cmp_repo (&w->repos[j - 1], &w->repos[j]) > 0; j--)
      {
        char *x = w->repos[j - 1];
        w->repos[j - 1] = w->repos[j];
        w->repos[j] = x;
      }
  json_gen_object_open (g);
  for (size_t i = 0; i < n; i++)
    {
      const char *repo = w->repos[i], *tag = repo + strlen (repo) + 1;
      const char *id = tag + strlen (tag) + 1;

      if (i + 1 < n && cmp_repo (&w->repos[i], &w->repos[i + 1]) == 0)
        continue;
      if (open_repo == NULL || strcmp (open_repo, repo) != 0)
        {
          if (open_repo)
            json_gen_object_close (g);
          json_gen_key (g, repo);
          json_gen_object_open (g);
          open_repo = repo;
        }
      json_gen_kv_string (g, tag, id);
    }
  if (open_repo)
    json_gen_object_close (g);
  json_gen_object_close (g);
}

static int
docker_close (struct docker_writer *w, nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *m = json_gen_new (false);
  _cleanup_json_gen_ struct json_gen *r = json_gen_new (false);
  const char *text;
  size_t len;

  json_gen_array_open (m);
  for (size_t i = 0; i < w->nitems; i++)
    {
      json_gen_object_open (m);
      json_gen_kv_string (m, "Config", w->items[i].config_path);
      json_gen_kv_strv (m, "RepoTags", w->items[i].repo_tags);
      json_gen_kv_strv (m, "Layers", w->items[i].layer_paths);
      json_gen_object_close (m);
    }
  json_gen_array_close (m);
  text = json_gen_text (m, &len);
  if (tar_bytes (w->t, "manifest.json", 0444, text, len, err) < 0)
    return -1;
  docker_repositories (w, r);
  text = json_gen_text (r, &len);
  if (tar_bytes (w->t, "repositories", 0444, text, len, err) < 0)
    return -1;
  return image_tar_close (w->t, err);
}

static int
save_docker (const struct image_save_item *items, size_t n, int blobsfd, int fd, nook_error_t *err)
{
  struct docker_writer w = { .blobsfd = blobsfd };
  int r = image_tar_open (fd, &w.t, err);

  w.sent = xzalloc (sizeof (char *));
  for (size_t i = 0; r == 0 && i < n; i++)
    r = docker_image (&w, &items[i], err);
  if (r == 0)
    r = docker_close (&w, err);
  image_tar_free (w.t);
  docker_items_free (&w);
  return r;
}

/* ---- OCI layouts: the blobs, index.json and oci-layout ---- */

struct oci_blob
{
  char hex[65];
  const char *data; /* in memory (manifests, configs) or NULL: in the store */
  int64_t size;
};

struct oci_blobs
{
  struct oci_blob *b;
  size_t n;
};

static void
oci_blob_add (struct oci_blobs *s, const char *hex, const char *data, int64_t size)
{
  for (size_t i = 0; i < s->n; i++)
    if (strcmp (s->b[i].hex, hex) == 0)
      return;
  s->b = xrealloc (s->b, (s->n + 1) * sizeof (*s->b));
  memcpy (s->b[s->n].hex, hex, 65);
  s->b[s->n].data = data;
  s->b[s->n].size = size;
  s->n++;
}

static int
cmp_blob (const void *a, const void *b)
{
  return strcmp (((const struct oci_blob *)a)->hex, ((const struct oci_blob *)b)->hex);
}

/* Every blob ITEMS need, sorted by digest.  */
static int
oci_collect (const struct image_save_item *items, size_t n, struct oci_blobs *s, nook_error_t *err)
{
  for (size_t i = 0; i < n; i++)
    {
      struct image_manifest m;
      char hex[65];
      const char *lhex;

      if (nook_sha256_hex (items[i].manifest, items[i].manifest_len, hex, err) < 0)
        return -1;
      oci_blob_add (s, hex, items[i].manifest, (int64_t)items[i].manifest_len);
      if (nook_sha256_hex (items[i].config, items[i].config_len, hex, err) < 0)
        return -1;
      oci_blob_add (s, hex, items[i].config, (int64_t)items[i].config_len);
      if (image_manifest_parse (items[i].manifest, items[i].manifest_len, &m, err) < 0)
        return -1;
      for (size_t k = 0; k < m.n_layers; k++)
        {
          if (nook_digest_hex (m.layers[k].digest, &lhex, err) < 0)
            {
              image_manifest_free (&m);
              return -1;
            }
          oci_blob_add (s, lhex, NULL, m.layers[k].size);
        }
      image_manifest_free (&m);
    }
  if (s->n)
    qsort (s->b, s->n, sizeof (*s->b), cmp_blob);
  return 0;
}

/* Copy blob B from the store to SINK, checking its digest on the way.  */
static int
oci_copy_blob (int blobsfd, const struct oci_blob *b,
               int (*sink) (void *data, const void *buf, size_t len, nook_error_t *err), void *data,
               nook_error_t *err)
{
  _cleanup_free_ char *digest = xasprintf ("sha256:%s", b->hex);
  _cleanup_free_ char *buf = xmalloc (COPY_BUF);
  _cleanup_close_ int fd = blob_open (blobsfd, digest, b->size, err);
  struct nook_sha256 sha = { 0 };
  char got[65];
  ssize_t r;

  if (fd < 0 || nook_sha256_init (&sha, err) < 0)
    return -1;
  while ((r = read (fd, buf, COPY_BUF)) != 0)
    {
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          nook_sha256_free (&sha);
          return nook_error (err, errno, "read blob %s", digest);
        }
      nook_sha256_update (&sha, buf, (size_t)r);
      if (sink (data, buf, (size_t)r, err) < 0)
        {
          nook_sha256_free (&sha);
          return -1;
        }
    }
  nook_sha256_final (&sha, got);
  if (strcmp (got, b->hex) != 0)
    return nook_error (
        err, 0, "blob %s in the store does not match its digest: the store is damaged", digest);
  return 0;
}

/* index.json: the entries of OLD (an existing layout's, or NULL) whose
   ref.name no item takes, then one entry per name of each item.  */
static int
oci_index (const struct image_save_item *items, size_t n, const nook_json *old, struct json_gen *g,
           nook_error_t *err)
{
  json_gen_object_open (g);
  json_gen_kv_int (g, "schemaVersion", 2);
  json_gen_key (g, "manifests");
  json_gen_array_open (g);
  for (size_t i = 0; i < json_len (old); i++)
    {
      const nook_json *d = json_at (old, i);
      const char *ref = json_str (json_get (json_get (d, "annotations"), OCI_REF_NAME));
      bool replaced = false;
      for (size_t k = 0; ref && !replaced && k < n; k++)
        replaced = strv_contains (items[k].names, ref);
      if (!replaced)
        json_gen_value (g, d);
    }
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *type = manifest_media_type (items[i].manifest, items[i].manifest_len);
      _cleanup_free_ char *digest = NULL;
      size_t names = strv_len (items[i].names);
      char hex[65];

      if ((digest = sha256_digest (items[i].manifest, items[i].manifest_len, hex, err)) == NULL)
        return -1;
      for (size_t k = 0; k < (names ? names : 1); k++)
        {
          json_gen_object_open (g);
          json_gen_kv_string (g, "mediaType", type);
          json_gen_kv_string (g, "digest", digest);
          json_gen_kv_int (g, "size", (int64_t)items[i].manifest_len);
          if (names)
            {
              json_gen_key (g, "annotations");
              json_gen_object_open (g);
              json_gen_kv_string (g, OCI_REF_NAME, items[i].names[k]);
              json_gen_object_close (g);
            }
          json_gen_object_close (g);
        }
    }
  json_gen_array_close (g);
  json_gen_object_close (g);
  return 0;
}

static int
tar_sink (void *data, const void *buf, size_t len, nook_error_t *err)
{
  return image_tar_data (data, buf, len, err);
}

static int
oci_archive_body (struct image_tar *t, const struct image_save_item *items, size_t n, int blobsfd,
                  nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);
  struct oci_blobs s = { 0 };
  struct image_tar_entry dir = { .mode = S_IFDIR | 0755 };
  const char *text;
  size_t len;
  int r = oci_collect (items, n, &s, err);

  dir.path = "blobs/";
  if (r == 0)
    r = image_tar_header (t, &dir, err);
  dir.path = "blobs/sha256/";
  if (r == 0)
    r = image_tar_header (t, &dir, err);
  for (size_t i = 0; r == 0 && i < s.n; i++)
    {
      _cleanup_free_ char *path = xasprintf ("blobs/sha256/%s", s.b[i].hex);
      struct image_tar_entry e = { .path = path, .mode = S_IFREG | 0644, .size = s.b[i].size };
      r = image_tar_header (t, &e, err);
      if (r == 0)
        r = s.b[i].data ? image_tar_data (t, s.b[i].data, (size_t)s.b[i].size, err)
                        : oci_copy_blob (blobsfd, &s.b[i], tar_sink, t, err);
    }
  free (s.b);
  if (r < 0 || oci_index (items, n, NULL, g, err) < 0)
    return -1;
  text = json_gen_text (g, &len);
  if (tar_bytes (t, "index.json", 0644, text, len, err) < 0
      || tar_bytes (t, "oci-layout", 0644, OCI_LAYOUT, strlen (OCI_LAYOUT), err) < 0)
    return -1;
  return image_tar_close (t, err);
}

bool
image_format_parse (const char *name, enum image_format *out)
{
  static const struct
  {
    const char *name;
    enum image_format f;
  } names[] = {
    { "docker-archive", IMAGE_FORMAT_DOCKER_ARCHIVE },
    { "oci-archive", IMAGE_FORMAT_OCI_ARCHIVE },
    { "oci-dir", IMAGE_FORMAT_OCI_DIR },
  };
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (names); i++)
    if (strcmp (name, names[i].name) == 0)
      {
        *out = names[i].f;
        return true;
      }
  return false;
}

void
image_save_item_free (struct image_save_item *it)
{
  free (it->manifest);
  free (it->config);
  free (it->layer_sizes);
  strv_free (it->names);
  memset (it, 0, sizeof (*it));
}

int
image_save_archive (enum image_format format, const struct image_save_item *items, size_t n,
                    int blobsfd, int fd, nook_error_t *err)
{
  struct image_tar *t = NULL;
  int r;

  if (nook_lazy_load (&nook_lib_archive, err) < 0)
    return -1;
  if (format == IMAGE_FORMAT_DOCKER_ARCHIVE)
    return save_docker (items, n, blobsfd, fd, err);
  if (format != IMAGE_FORMAT_OCI_ARCHIVE)
    return nook_error (err, EINVAL, "internal error: not an archive format");
  if (image_tar_open (fd, &t, err) < 0)
    return -1;
  r = oci_archive_body (t, items, n, blobsfd, err);
  image_tar_free (t);
  return r;
}

/* ---- oci-dir ---- */

struct file_sink
{
  int fd;
};

static int
file_sink (void *data, const void *buf, size_t len, nook_error_t *err)
{
  struct file_sink *s = data;
  if (nook_write_all (s->fd, buf, len) < 0)
    return nook_error (err, errno, "write a blob");
  return 0;
}

/* DIRFD/blobs/sha256/HEX, written under a temp name and renamed: a blob
   there is whole.  One already there is kept.  */
static int
oci_dir_blob (int dirfd, int blobsfd, const struct oci_blob *b, nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("blobs/sha256/%s", b->hex);
  _cleanup_free_ char *tmp = xasprintf ("blobs/sha256/.tmp-%s", b->hex);
  struct file_sink s;
  struct stat st;
  int r;

  if (fstatat (dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode)
      && st.st_size == b->size)
    return 0;
  unlinkat (dirfd, tmp, 0);
  s.fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (s.fd < 0)
    return nook_error (err, errno, "create `%s`", path);
  r = b->data ? file_sink (&s, b->data, (size_t)b->size, err)
              : oci_copy_blob (blobsfd, b, file_sink, &s, err);
  if (close (s.fd) < 0 && r == 0)
    r = nook_error (err, errno, "write `%s`", path);
  if (r == 0 && renameat (dirfd, tmp, dirfd, path) < 0)
    r = nook_error (err, errno, "rename `%s`", path);
  if (r < 0)
    unlinkat (dirfd, tmp, 0);
  return r;
}

/* Write the layout into DIRFD, which is empty or a layout already.  */
static int
oci_dir_fill (int dirfd, const char *dir, const struct image_save_item *items, size_t n,
              int blobsfd, nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);
  _cleanup_json_ nook_json *old = NULL;
  _cleanup_free_ char *text = NULL;
  struct oci_blobs s = { 0 };
  const char *out;
  size_t len;
  int r;

  if (nook_read_file_at (dirfd, "index.json", IMAGE_MANIFEST_MAX, &text, &len, err) == 0)
    {
      if (json_parse (text, len, &old, err) < 0)
        return nook_error_prefix (err, "`%s/index.json`", dir);
    }
  else if ((*err)->errnum == ENOENT)
    nook_error_free (err);
  else
    return -1;
  if (nook_mkdir_p (dirfd, "blobs/sha256", 0755, err) < 0)
    return -1;
  r = oci_collect (items, n, &s, err);
  for (size_t i = 0; r == 0 && i < s.n; i++)
    r = oci_dir_blob (dirfd, blobsfd, &s.b[i], err);
  free (s.b);
  if (r < 0 || oci_index (items, n, json_get (old, "manifests"), g, err) < 0)
    return -1;
  out = json_gen_text (g, &len);
  /* The index last: until it names them, new blobs are only unused.  */
  if (nook_write_file_volatile (dirfd, "oci-layout", OCI_LAYOUT, strlen (OCI_LAYOUT), 0644, err) < 0
      || nook_write_file_volatile (dirfd, "index.json", out, len, 0644, err) < 0)
    return -1;
  return 0;
}

static bool
dir_is_empty (int dirfd)
{
  _cleanup_strv_ char **names = NULL;
  nook_error_t err = NULL;

  if (nook_list_dir (dirfd, NULL, &names, &err) < 0)
    {
      nook_error_free (&err);
      return false;
    }
  return names[0] == NULL;
}

int
image_save_oci_dir (const struct image_save_item *items, size_t n, int blobsfd, const char *dir,
                    nook_error_t *err)
{
  _cleanup_free_ char *tmp = NULL;
  _cleanup_close_ int dirfd = -1;
  const char *slash;
  struct stat st;
  char rnd[17];
  int r;

  if (stat (dir, &st) == 0)
    {
      if (!S_ISDIR (st.st_mode))
        return nook_error (err, ENOTDIR, "`%s`", dir);
      dirfd = nook_open_dir (AT_FDCWD, dir, err);
      if (dirfd < 0)
        return -1;
      if (faccessat (dirfd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) < 0 && !dir_is_empty (dirfd))
        return nook_error (err, 0, "`%s` is neither empty nor an OCI image layout", dir);
      return oci_dir_fill (dirfd, dir, items, n, blobsfd, err);
    }
  if (errno != ENOENT)
    return nook_error (err, errno, "`%s`", dir);
  /* A new layout is made whole under a temp name next to it.  */
  if (nook_random_hex (rnd, 8, err) < 0)
    return -1;
  slash = strrchr (dir, '/');
  tmp = slash ? xasprintf ("%.*s/.%s.tmp-%s", (int)(slash - dir), dir, slash + 1, rnd)
              : xasprintf (".%s.tmp-%s", dir, rnd);
  if (mkdir (tmp, 0755) < 0)
    return nook_error (err, errno, "create `%s`", dir);
  dirfd = nook_open_dir (AT_FDCWD, tmp, err);
  r = dirfd < 0 ? -1 : oci_dir_fill (dirfd, dir, items, n, blobsfd, err);
  if (r == 0 && rename (tmp, dir) < 0)
    r = nook_error (err, errno, "rename `%s` to `%s`", tmp, dir);
  if (r < 0)
    {
      nook_error_t e2 = NULL;
      if (nook_rm_tree_at (AT_FDCWD, tmp, &e2) < 0)
        nook_error_free (&e2);
    }
  return r;
}

/* ---- import: --change, as Podman's ImageConfigFromChanges reads it ---- */

struct changes
{
  char *user;
  char **ports;
  char **env;
  char **entrypoint; /* an empty vector is written as nothing, as Go's omitempty */
  char **cmd;
  char **volumes;
  char *workdir;
  char **labels; /* "key\0value" pairs, flattened: key, value, key, ... */
  char *stop_signal;
};

static void
changes_free (struct changes *c)
{
  free (c->user);
  strv_free (c->ports);
  strv_free (c->env);
  strv_free (c->entrypoint);
  strv_free (c->cmd);
  strv_free (c->volumes);
  free (c->workdir);
  strv_free (c->labels);
  free (c->stop_signal);
  memset (c, 0, sizeof (*c));
}

static char *
trim (const char *s, size_t len)
{
  while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v'))
    s++, len--;
  while (len > 0
         && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'
             || s[len - 1] == '\v'))
    len--;
  return xstrndup (s, len);
}

/* V as a JSON array of strings; NULL when it is not one.  JSON null is
   an empty list, as Go decodes it into a []string.  */
static char **
json_string_array (const char *v)
{
  _cleanup_json_ nook_json *j = NULL;
  nook_error_t err = NULL;
  char **out;

  if (json_parse (v, strlen (v), &j, &err) < 0)
    {
      nook_error_free (&err);
      return NULL;
    }
  if (json_is_null (j))
    return xzalloc (sizeof (char *));
  if (!json_is_array (j))
    return NULL;
  out = xzalloc (sizeof (char *));
  for (size_t i = 0; i < json_len (j); i++)
    {
      const char *s = json_str (json_at (j, i));
      if (s == NULL)
        {
          strv_free (out);
          return NULL;
        }
      strv_push (&out, xstrdup (s));
    }
  return out;
}

/* "\"x\"" -> "x", as Podman strips one pair of quotes.  */
static char *
unquote (const char *s, size_t len)
{
  if (len >= 2 && s[0] == '"' && s[len - 1] == '"')
    return xstrndup (s + 1, len - 2);
  if (len == 1 && s[0] == '"')
    return xstrdup ("");
  return xstrndup (s, len);
}

/* Go's filepath.Join (A, B): joined, then cleaned lexically.  */
static char *
go_path_join (const char *a, const char *b)
{
  _cleanup_free_ char *joined = a && *a ? xasprintf ("%s/%s", a, b) : xstrdup (b);
  _cleanup_strv_ char **comps = xzalloc (sizeof (char *));
  bool rooted = joined[0] == '/';
  struct nook_buf out = { 0 };
  size_t n = 0;

  for (char *save = NULL, *c = strtok_r (joined, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      if (strcmp (c, ".") == 0)
        continue;
      if (strcmp (c, "..") == 0 && n > 0 && strcmp (comps[n - 1], "..") != 0)
        {
          free (comps[--n]);
          comps[n] = NULL;
          continue;
        }
      if (strcmp (c, "..") == 0 && rooted)
        continue;
      strv_push (&comps, xstrdup (c));
      n++;
    }
  if (rooted)
    nook_buf_putc (&out, '/');
  for (size_t i = 0; i < n; i++)
    nook_buf_printf (&out, "%s%s", i ? "/" : "", comps[i]);
  if (out.len == 0)
    nook_buf_putc (&out, '.');
  return nook_buf_steal (&out);
}

static int
parse_signal (const char *v, int *out)
{
  static const char *const names[] = {
    NULL,   "HUP",  "INT",  "QUIT", "ILL",    "TRAP",   "ABRT",  "BUS",  "FPE",  "KILL", "USR1",
    "SEGV", "USR2", "PIPE", "ALRM", "TERM",   "STKFLT", "CHLD",  "CONT", "STOP", "TSTP", "TTIN",
    "TTOU", "URG",  "XCPU", "XFSZ", "VTALRM", "PROF",   "WINCH", "IO",   "PWR",  "SYS",
  };
  _cleanup_free_ char *up = xstrdup (v);
  const char *name = up;
  int64_t n;

  if (str_to_int64 (v, &n))
    {
      *out = (int)n;
      return n > 0 && n <= 64 ? 0 : -1;
    }
  for (char *p = up; *p; p++)
    if (*p >= 'a' && *p <= 'z')
      *p = (char)(*p - 'a' + 'A');
  if (str_has_prefix (name, "SIG"))
    name += 3;
  for (size_t i = 1; i < NOOK_ARRAY_SIZE (names); i++)
    if (strcmp (name, names[i]) == 0)
      {
        *out = (int)i;
        return 0;
      }
  if (strcmp (name, "IOT") == 0 || strcmp (name, "CLD") == 0 || strcmp (name, "POLL") == 0)
    {
      *out = name[0] == 'I' ? 6 : name[0] == 'C' ? 17 : 29;
      return 0;
    }
  /* RTMIN, RTMIN+1..15, RTMAX-14..1, RTMAX.  */
  if (strcmp (name, "RTMIN") == 0 || strcmp (name, "RTMAX") == 0)
    {
      *out = name[3] == 'I' ? 34 : 64;
      return 0;
    }
  if ((str_has_prefix (name, "RTMIN+") || str_has_prefix (name, "RTMAX-"))
      && str_to_int64 (name + 6, &n) && n >= 1 && n <= 15 && !(name[3] == 'A' && n > 14))
    {
      *out = name[3] == 'I' ? 34 + (int)n : 64 - (int)n;
      return 0;
    }
  return -1;
}

static int
change_expose (struct changes *c, const char *change, const char *v, nook_error_t *err)
{
  _cleanup_free_ char *num = NULL;
  const char *slash = strchr (v, '/'), *proto = "tcp";
  int64_t port;

  if (slash && strchr (slash + 1, '/'))
    return nook_error (
        err, 0, "invalid change \"%s\" - EXPOSE port must be formatted as PORT[/PROTO]", change);
  num = slash ? xstrndup (v, (size_t)(slash - v)) : xstrdup (v);
  if (!str_to_int64 (num, &port))
    return nook_error (err, 0,
                       "invalid change \"%s\" - EXPOSE port must be an integer: strconv.Atoi: "
                       "parsing \"%s\": invalid syntax",
                       change, num);
  if (port > 65535 || port <= 0)
    return nook_error (err, 0, "invalid change \"%s\" - EXPOSE port must be a valid port number",
                       change);
  if (slash)
    {
      if (strcasecmp (slash + 1, "tcp") == 0)
        proto = "tcp";
      else if (strcasecmp (slash + 1, "udp") == 0)
        proto = "udp";
      else
        return nook_error (err, 0, "invalid change \"%s\" - EXPOSE protocol must be TCP or UDP",
                           change);
    }
  strv_push (&c->ports, xasprintf ("%lld/%s", (long long)port, proto));
  return 0;
}

/* ENV KEY=VALUE as Podman reads it (one split at the first '='); ENV
   KEY VALUE, which Podman would take as a key with a blank, as Docker
   reads it.  */
static int
change_env (struct changes *c, const char *change, const char *v, nook_error_t *err)
{
  const char *eq = strchr (v, '='), *blank = strpbrk (v, " \t");
  _cleanup_free_ char *key = NULL, *val = NULL;

  if (eq == NULL && blank)
    {
      key = xstrndup (v, (size_t)(blank - v));
      val = trim (blank, strlen (blank));
    }
  else
    {
      key = unquote (v, eq ? (size_t)(eq - v) : strlen (v));
      val = eq ? unquote (eq + 1, strlen (eq + 1)) : xstrdup ("");
    }
  if (v[0] == '\0' || v[0] == '=')
    return nook_error (err, 0, "invalid change \"%s\" - ENV must have at least one argument",
                       change);
  strv_push (&c->env, xasprintf ("%s=%s", key, val));
  return 0;
}

static int
change_label (struct changes *c, const char *change, const char *v, nook_error_t *err)
{
  const char *eq = strchr (v, '=');
  char *key, *val;

  if (eq == NULL)
    return nook_error (err, 0, "invalid change \"%s\" - LABEL must be formatted key=value", change);
  key = unquote (v, (size_t)(eq - v));
  val = unquote (eq + 1, strlen (eq + 1));
  if (key[0] == '\0')
    {
      free (key);
      free (val);
      return nook_error (err, 0, "invalid change \"%s\" - LABEL must have a non-empty key", change);
    }
  strv_push (&c->labels, key);
  strv_push (&c->labels, val);
  return 0;
}

static int
change_volume (struct changes *c, const char *change, const char *v, nook_error_t *err)
{
  _cleanup_strv_ char **vols = json_string_array (v);

  if (vols == NULL)
    {
      _cleanup_free_ char *copy = xstrdup (v);
      char *p = copy, *sp;
      vols = xzalloc (sizeof (char *));
      /* strings.Split on " ": two blanks make an empty path.  */
      while ((sp = strchr (p, ' ')) != NULL)
        {
          strv_push (&vols, xstrndup (p, (size_t)(sp - p)));
          p = sp + 1;
        }
      strv_push (&vols, xstrdup (p));
    }
  if (vols[0] == NULL)
    return nook_error (
        err, 0, "invalid change \"%s\" - must provide at least one argument to VOLUME", change);
  for (size_t i = 0; vols[i]; i++)
    {
      if (vols[i][0] == '\0')
        return nook_error (err, 0, "invalid change \"%s\" - VOLUME paths must not be empty",
                           change);
      strv_push (&c->volumes, xstrdup (vols[i]));
    }
  return 0;
}

/* CMD and ENTRYPOINT: a JSON array, or a shell command.  */
static char **
exec_form (const char *v, bool is_cmd)
{
  char **argv = json_string_array (v);

  if (argv)
    return argv;
  argv = xzalloc (sizeof (char *));
  if (is_cmd || v[0])
    {
      strv_push (&argv, xstrdup ("/bin/sh"));
      strv_push (&argv, xstrdup ("-c"));
    }
  if (v[0])
    strv_push (&argv, xstrdup (v));
  return argv;
}

static int
change_apply (struct changes *c, const char *change, nook_error_t *err)
{
  const char *sp = strchr (change, ' ');
  _cleanup_free_ char *key = NULL, *v = NULL;
  int sig;

  if (sp == NULL)
    sp = strchr (change, '=');
  if (sp == NULL)
    return nook_error (err, 0, "invalid change \"%s\" - must be formatted as KEY VALUE", change);
  key = trim (change, (size_t)(sp - change));
  v = trim (sp + 1, strlen (sp + 1));
  for (char *p = key; *p; p++)
    if (*p >= 'a' && *p <= 'z')
      *p = (char)(*p - 'a' + 'A');
  if (strcmp (key, "USER") == 0)
    {
      if (v[0] == '\0')
        return nook_error (err, 0, "invalid change \"%s\" - must provide a value to USER", change);
      free (c->user);
      c->user = steal_pointer (&v);
    }
  else if (strcmp (key, "EXPOSE") == 0)
    return change_expose (c, change, v, err);
  else if (strcmp (key, "ENV") == 0)
    return change_env (c, change, v, err);
  else if (strcmp (key, "ENTRYPOINT") == 0 || strcmp (key, "CMD") == 0)
    {
      char ***dest = key[0] == 'C' ? &c->cmd : &c->entrypoint;
      strv_free (*dest);
      *dest = exec_form (v, key[0] == 'C');
    }
  else if (strcmp (key, "VOLUME") == 0)
    return change_volume (c, change, v, err);
  else if (strcmp (key, "WORKDIR") == 0)
    {
      char *w;
      if (v[0] == '\0')
        return nook_error (err, 0, "invalid change \"%s\" - must provide a non-empty WORKDIR",
                           change);
      w = go_path_join (c->workdir, v);
      free (c->workdir);
      c->workdir = w;
    }
  else if (strcmp (key, "LABEL") == 0)
    return change_label (c, change, v, err);
  else if (strcmp (key, "STOPSIGNAL") == 0)
    {
      if (parse_signal (v, &sig) < 0)
        return nook_error (err, 0,
                           "invalid change \"%s\" - KILLSIGNAL must be given a valid signal: "
                           "invalid signal: %s",
                           change, v);
      free (c->stop_signal);
      c->stop_signal = xasprintf ("%d", sig);
    }
  else if (strcmp (key, "ONBUILD") == 0)
    {
      /* Not part of an OCI config: Podman's import drops it too.  */
      if (v[0] == '\0')
        return nook_error (err, 0, "invalid change \"%s\" - ONBUILD must be given an argument",
                           change);
    }
  else
    return nook_error (err, 0, "invalid change \"%s\" - invalid instruction %s", change, key);
  return 0;
}

static int
changes_parse (char *const *changes, struct changes *c, nook_error_t *err)
{
  memset (c, 0, sizeof (*c));
  for (size_t i = 0; changes && changes[i]; i++)
    if (change_apply (c, changes[i], err) < 0)
      {
        changes_free (c);
        return -1;
      }
  return 0;
}

int
image_import_check_changes (char *const *changes, nook_error_t *err)
{
  struct changes c;

  if (changes_parse (changes, &c, err) < 0)
    return -1;
  changes_free (&c);
  return 0;
}

/* Sorted, without repeats: Go's map[string]struct{} keys.  */
static void
gen_set (struct json_gen *g, const char *key, char **v)
{
  size_t n = strv_len (v);

  if (n == 0)
    return;
  qsort (v, n, sizeof (char *), cmp_str);
  json_gen_key (g, key);
  json_gen_object_open (g);
  for (size_t i = 0; i < n; i++)
    if (i == 0 || strcmp (v[i], v[i - 1]) != 0)
      {
        json_gen_key (g, v[i]);
        json_gen_object_open (g);
        json_gen_object_close (g);
      }
  json_gen_object_close (g);
}

/* Labels: keys sorted, the last value of a key wins.  */
static void
gen_labels (struct json_gen *g, char **kv)
{
  size_t n = strv_len (kv) / 2;
  _cleanup_free_ size_t *order = xmalloc ((n + 1) * sizeof (size_t));

  if (n == 0)
    return;
  for (size_t i = 0; i < n; i++)
    order[i] = i;
  for (size_t i = 1; i < n; i++) /* stable: equal keys keep their order */
    for (size_t j = i; j > 0 && strcmp (kv[2 * order[j - 1]], kv[2 * order[j]]) > 0; j--)
      {
        size_t x = order[j - 1];
        order[j - 1] = order[j];
        order[j] = x;
      }
  json_gen_key (g, "Labels");
  json_gen_object_open (g);
  for (size_t i = 0; i < n; i++)
    if (i + 1 == n || strcmp (kv[2 * order[i]], kv[2 * order[i + 1]]) != 0)
      json_gen_kv_string (g, kv[2 * order[i]], kv[2 * order[i] + 1]);
  json_gen_object_close (g);
}

/* The "config" member, Go's ImageConfig order, empty fields left out.  */
static void
gen_image_config (struct json_gen *g, struct changes *c)
{
  json_gen_key (g, "config");
  json_gen_object_open (g);
  if (c->user)
    json_gen_kv_string (g, "User", c->user);
  gen_set (g, "ExposedPorts", c->ports);
  if (strv_len (c->env))
    json_gen_kv_strv (g, "Env", c->env);
  if (strv_len (c->entrypoint))
    json_gen_kv_strv (g, "Entrypoint", c->entrypoint);
  if (strv_len (c->cmd))
    json_gen_kv_strv (g, "Cmd", c->cmd);
  gen_set (g, "Volumes", c->volumes);
  if (c->workdir)
    json_gen_kv_string (g, "WorkingDir", c->workdir);
  gen_labels (g, c->labels);
  if (c->stop_signal)
    json_gen_kv_string (g, "StopSignal", c->stop_signal);
  json_gen_object_close (g);
}

/* ---- import: the tarball staged, measured and described ---- */

struct staged_layer
{
  char blob_hex[65];
  int64_t blob_size;
  char diff_hex[65];
  int filter;
  int64_t created_ns; /* the file's mtime, or now for stdin (as Podman) */
};

/* "file:///x" -> "/x" (%XX decoded); other URLs are refused; anything
   else is a path.  As Go's ParseRequestURI: a URL is SCHEME:/...  */
static int
import_path (const char *path, char **out, nook_error_t *err)
{
  const char *p = path, *rest;
  struct nook_buf b = { 0 };

  if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
           || *p == '+' || *p == '-' || *p == '.')
      p++;
  if (p == path || p[0] != ':' || p[1] != '/')
    {
      *out = xstrdup (path);
      return 0;
    }
  if ((size_t)(p - path) != 4 || strncasecmp (path, "file", 4) != 0)
    return nook_error (err, 0,
                       "importing from `%s`: nook does not download; fetch the file first and "
                       "import it from disk",
                       path);
  rest = p + 1;
  if (str_has_prefix (rest, "//"))
    {
      rest += 2;
      if (str_has_prefix (rest, "localhost/"))
        rest += 9;
      else if (*rest != '/')
        return nook_error (err, 0, "`%s`: a file URL names no remote host", path);
    }
  for (; *rest; rest++)
    {
      unsigned int c;
      if (rest[0] == '%' && sscanf (rest + 1, "%2x", &c) == 1 && nook_is_hex (rest + 1, 2))
        {
          nook_buf_putc (&b, (char)c);
          rest += 2;
        }
      else
        nook_buf_putc (&b, *rest);
    }
  *out = nook_buf_steal (&b);
  return 0;
}

/* Copy IN into WORKDIR/<its sha256>.  */
static int
stage_copy (int in, int workdir, struct staged_layer *l, nook_error_t *err)
{
  _cleanup_free_ char *buf = xmalloc (COPY_BUF);
  _cleanup_close_ int fd = -1;
  struct nook_sha256 sha = { 0 };
  char part[40], rnd[17];
  ssize_t n;

  if (nook_random_hex (rnd, 8, err) < 0)
    return -1;
  snprintf (part, sizeof (part), ".part-%s", rnd);
  fd = openat (workdir, part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return nook_error (err, errno, "stage the tarball");
  if (nook_sha256_init (&sha, err) < 0)
    goto fail;
  l->blob_size = 0;
  while ((n = read (in, buf, COPY_BUF)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || nook_write_all (fd, buf, (size_t)n) < 0)
        {
          nook_error (err, errno, n < 0 ? "read the tarball" : "stage the tarball");
          goto fail;
        }
      nook_sha256_update (&sha, buf, (size_t)n);
      l->blob_size += n;
    }
  nook_sha256_final (&sha, l->blob_hex);
  if (renameat (workdir, part, workdir, l->blob_hex) < 0)
    {
      nook_error (err, errno, "stage the tarball");
      goto fail;
    }
  return 0;

fail:
  nook_sha256_free (&sha);
  unlinkat (workdir, part, 0);
  return -1;
}

/* The first block of the uncompressed stream, to tell a tar.  */
struct first_block
{
  unsigned char b[TAR_BLOCK];
  size_t len;
};

static int
first_block_sink (void *data, const void *buf, size_t len, nook_error_t *err)
{
  struct first_block *f = data;
  size_t take = len < TAR_BLOCK - f->len ? len : TAR_BLOCK - f->len;

  memcpy (f->b + f->len, buf, take);
  f->len += take;
  return 0;
}

/* A tar starts with a header whose checksum holds (v7 tars have no
   magic), or with the zero block of an empty archive.  */
static bool
looks_like_tar (const struct first_block *f)
{
  uint64_t sum = 0, want = 0;
  bool zero = true;
  size_t i;

  if (f->len < TAR_BLOCK)
    return false;
  for (i = 0; i < TAR_BLOCK; i++)
    {
      zero = zero && f->b[i] == 0;
      sum += i >= 148 && i < 156 ? ' ' : f->b[i];
    }
  if (zero)
    return true;
  for (i = 148; i < 156 && f->b[i] == ' '; i++)
    ;
  if (i == 156 || f->b[i] < '0' || f->b[i] > '7')
    return false;
  for (; i < 156 && f->b[i] >= '0' && f->b[i] <= '7'; i++)
    want = want * 8 + (uint64_t)(f->b[i] - '0');
  return want == sum;
}

static int
stage_tarball (const char *path, int workdir, struct staged_layer *l, nook_error_t *err)
{
  _cleanup_free_ char *local = NULL;
  _cleanup_close_ int in = -1, blob = -1;
  struct first_block first = { .len = 0 };
  struct stat st;
  int64_t size;

  if (strcmp (path, "-") == 0)
    in = fcntl (STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
  else if (import_path (path, &local, err) < 0)
    return -1;
  else
    in = open (local, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return nook_error (err, errno, "open `%s`", path);
  if (fstat (in, &st) < 0)
    return nook_error (err, errno, "stat `%s`", path);
  if (S_ISDIR (st.st_mode))
    return nook_error (err, EISDIR, "`%s`", path);
  l->created_ns = local && S_ISREG (st.st_mode)
                      ? (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec
                      : nook_now_ns ();
  if (stage_copy (in, workdir, l, err) < 0)
    return -1;
  blob = openat (workdir, l->blob_hex, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (blob < 0)
    return nook_error (err, errno, "open the staged tarball");
  if (unpack_all (blob, first_block_sink, &first, &size, l->diff_hex, &l->filter, err) < 0
      || !looks_like_tar (&first))
    {
      nook_error_free (err);
      return nook_error (err, 0, "`%s` is not a tar archive (plain, gzip or zstd)", path);
    }
  return 0;
}

static const char *
layer_media_type (int filter)
{
  switch (filter)
    {
    case ARCHIVE_FILTER_GZIP:
      return "application/vnd.oci.image.layer.v1.tar+gzip";
    case ARCHIVE_FILTER_ZSTD:
      return "application/vnd.oci.image.layer.v1.tar+zstd";
    default:
      return "application/vnd.oci.image.layer.v1.tar";
    }
}

/* The config, with Podman's members in Podman's order.  */
static char *
import_config (const struct image_import_opts *o, struct changes *c, const struct staged_layer *l,
               size_t *len)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);
  _cleanup_free_ char *created = nook_time_format (l->created_ns);
  _cleanup_free_ char *diff_id = xasprintf ("sha256:%s", l->diff_hex);
  _cleanup_free_ char *created_by = xasprintf ("/bin/sh -c #(nop) ADD file:%s in /", l->diff_hex);
  char *const diff_ids[] = { diff_id, NULL };
  struct image_platform host;
  const char *text;

  image_host_platform (&host);
  json_gen_object_open (g);
  json_gen_kv_string (g, "created", created);
  json_gen_kv_string (g, "architecture", o->arch ? o->arch : host.arch);
  if (o->variant)
    json_gen_kv_string (g, "variant", o->variant);
  json_gen_kv_string (g, "os", o->os ? o->os : host.os);
  gen_image_config (g, c);
  json_gen_key (g, "rootfs");
  json_gen_object_open (g);
  json_gen_kv_string (g, "type", "layers");
  json_gen_kv_strv (g, "diff_ids", diff_ids);
  json_gen_object_close (g);
  json_gen_key (g, "history");
  json_gen_array_open (g);
  json_gen_object_open (g);
  json_gen_kv_string (g, "created", created);
  json_gen_kv_string (g, "created_by", created_by);
  json_gen_kv_string (g, "comment", o->message && *o->message ? o->message : DEFAULT_COMMENT);
  json_gen_object_close (g);
  json_gen_array_close (g);
  json_gen_object_close (g);
  text = json_gen_text (g, len);
  return xstrndup (text, *len);
}

static void
gen_desc (struct json_gen *g, const char *media_type, const char *hex, int64_t size)
{
  _cleanup_free_ char *digest = xasprintf ("sha256:%s", hex);

  json_gen_object_open (g);
  json_gen_kv_string (g, "mediaType", media_type);
  json_gen_kv_string (g, "digest", digest);
  json_gen_kv_int (g, "size", size);
  json_gen_object_close (g);
}

int
image_source_tarball (const char *path, const struct image_import_opts *o, int workdir,
                      struct image_source *src, char id[65], nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);
  _cleanup_free_ char *config = NULL;
  struct staged_layer l = { .filter = 0 };
  struct image_source_image *img;
  struct changes c;
  const char *text;
  size_t clen, mlen;
  char mhex[65];
  int r;

  memset (src, 0, sizeof (*src));
  src->dirfd = -1;
  if (nook_lazy_load (&nook_lib_archive, err) < 0 || changes_parse (o->changes, &c, err) < 0)
    return -1;
  r = stage_tarball (path, workdir, &l, err);
  if (r == 0)
    config = import_config (o, &c, &l, &clen);
  changes_free (&c);
  if (r < 0 || nook_sha256_hex (config, clen, id, err) < 0
      || nook_write_file_volatile (workdir, id, config, clen, 0600, err) < 0)
    return -1;
  json_gen_object_open (g);
  json_gen_kv_int (g, "schemaVersion", 2);
  json_gen_key (g, "config");
  gen_desc (g, "application/vnd.oci.image.config.v1+json", id, (int64_t)clen);
  json_gen_key (g, "layers");
  json_gen_array_open (g);
  gen_desc (g, layer_media_type (l.filter), l.blob_hex, l.blob_size);
  json_gen_array_close (g);
  json_gen_object_close (g);
  text = json_gen_text (g, &mlen);
  if (nook_sha256_hex (text, mlen, mhex, err) < 0)
    return -1;
  src->dirfd = fcntl (workdir, F_DUPFD_CLOEXEC, 3);
  if (src->dirfd < 0)
    return nook_error (err, errno, "dup");
  src->images = img = xzalloc (sizeof (*img));
  src->n = 1;
  img->manifest = xstrndup (text, mlen);
  img->manifest_len = mlen;
  snprintf (img->digest, sizeof (img->digest), "sha256:%s", mhex);
  img->names = xzalloc (sizeof (char *));
  if (o->name)
    strv_push (&img->names, xstrdup (o->name));
  return 0;
}
