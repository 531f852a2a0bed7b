/* Save: the format names, oci-archive and OCI layout directories (the
   docker-archive writer is save-docker.c).  Nothing here knows the store:
   callers hand over manifest and config bytes, names, and the directory
   of layer blobs.

   An oci-archive holds blobs/, blobs/sha256/, the blobs in digest order,
   index.json, oci-layout: the order of a tar of the layout directory.
   Podman stamps those with the time of writing; nook uses mtime 0 so that
   the same images always make the same bytes.  Layer blobs are the
   store's, byte for byte: image ID and manifest digest survive a save and
   a load.  */
#include "image/internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_LAYOUT   "{\"imageLayoutVersion\": \"1.0.0\"}"

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
  _cleanup_close_ int fd = image_blob_open (blobsfd, digest, b->size, err);
  _cleanup_sha256_ struct nook_sha256 sha = { 0 };
  char got[65];
  ssize_t r;

  if (fd < 0 || nook_sha256_init (&sha, err) < 0)
    return -1;
  while ((r = read (fd, buf, COPY_BUF)) != 0)
    {
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return nook_error (err, errno, "read blob %s", digest);
      nook_sha256_update (&sha, buf, (size_t)r);
      if (sink (data, buf, (size_t)r, err) < 0)
        return -1;
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
      size_t names = strv_len (items[i].names);
      char hex[65];

      if (nook_sha256_hex (items[i].manifest, items[i].manifest_len, hex, err) < 0)
        return -1;
      for (size_t k = 0; k < (names ? names : 1); k++)
        image_gen_descriptor (g, type, hex, (int64_t)items[i].manifest_len,
                              names ? items[i].names[k] : NULL);
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
  if (image_tar_bytes (t, "index.json", 0644, text, len, err) < 0
      || image_tar_bytes (t, "oci-layout", 0644, OCI_LAYOUT, strlen (OCI_LAYOUT), err) < 0)
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
    return image_save_docker (items, n, blobsfd, fd, err);
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

/* A new layout is made whole under a temp name next to DIR.  */
static int
oci_dir_new (const struct image_save_item *items, size_t n, int blobsfd, const char *dir,
             nook_error_t *err)
{
  _cleanup_close_ int parent = -1, dirfd = -1;
  _cleanup_free_ char *tmp = NULL, *path = xstrdup (dir);
  size_t len = strlen (path);
  const char *base;
  int r;

  /* "out/" names the directory "out", as Podman takes it.  */
  while (len > 1 && path[len - 1] == '/')
    path[--len] = '\0';
  if (image_output_sibling (path, &parent, &base, &tmp, err) < 0)
    return -1;
  if (mkdirat (parent, tmp, 0755) < 0)
    return nook_error (err, errno, "create `%s`", dir);
  dirfd = nook_open_dir (parent, tmp, err);
  r = dirfd < 0 ? -1 : oci_dir_fill (dirfd, dir, items, n, blobsfd, err);
  if (r == 0 && renameat (parent, tmp, parent, base) < 0)
    r = nook_error (err, errno, "rename `%s` to `%s`", tmp, dir);
  if (r < 0)
    {
      _cleanup_error_ nook_error_t e2 = NULL;
      nook_rm_tree_at (parent, tmp, &e2);
    }
  return r;
}

int
image_save_oci_dir (const struct image_save_item *items, size_t n, int blobsfd, const char *dir,
                    nook_error_t *err)
{
  _cleanup_close_ int dirfd = -1;
  struct stat st;

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
  return oci_dir_new (items, n, blobsfd, dir, err);
}
