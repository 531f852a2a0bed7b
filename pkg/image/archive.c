/* Image sources: an image's blobs, each verified against its digest
   before anything reads it.  An oci-archive is staged whole into a work
   directory (blobs may come in any order in the tar), hashing as it goes.  */
#include "image/image.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define INDEX_MAX    (4 << 20)
#define OCI_REF_NAME "org.opencontainers.image.ref.name"

void
image_source_free (struct image_source *src)
{
  nook_closep (&src->dirfd);
  for (size_t i = 0; i < src->n; i++)
    image_descriptor_free (&src->manifests[i]);
  free (src->manifests);
  strv_free (src->ref_names);
  src->manifests = NULL;
  src->ref_names = NULL;
  src->n = 0;
}

static void
archive_freep (struct archive **a)
{
  if (*a)
    archive_read_free (*a);
}

/* Copy the current entry to WORKDIR/HEX, verifying it hashes to HEX.  */
static int
stage_blob (struct archive *a, int workdir, const char *hex, nook_error_t *err)
{
  _cleanup_free_ char *part = xasprintf ("%s.part", hex);
  _cleanup_free_ unsigned char *buf = xmalloc (1 << 16);
  _cleanup_close_ int fd = -1;
  struct nook_sha256 sha = { 0 };
  char got[65];
  la_ssize_t n;

  fd = openat (workdir, part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return nook_error (err, errno, "stage blob sha256:%s", hex);
  if (nook_sha256_init (&sha, err) < 0)
    return -1;
  while ((n = archive_read_data (a, buf, 1 << 16)) > 0)
    {
      nook_sha256_update (&sha, buf, (size_t)n);
      if (nook_write_all (fd, buf, (size_t)n) < 0)
        {
          nook_sha256_free (&sha);
          return nook_error (err, errno, "stage blob sha256:%s", hex);
        }
    }
  if (n < 0)
    {
      nook_sha256_free (&sha);
      return nook_error (err, 0, "read blob sha256:%s: %s", hex, archive_error_string (a));
    }
  nook_sha256_final (&sha, got);
  if (strcmp (got, hex) != 0)
    return nook_error (
        err, 0, "blob sha256:%s: content does not match its digest (it is sha256:%s)", hex, got);
  if (renameat (workdir, part, workdir, hex) < 0)
    return nook_error (err, errno, "stage blob sha256:%s", hex);
  return 0;
}

static int
read_small_entry (struct archive *a, const char *name, char **out, size_t *len, nook_error_t *err)
{
  struct nook_buf b = { 0 };
  char buf[8192];
  la_ssize_t n;

  while ((n = archive_read_data (a, buf, sizeof (buf))) > 0)
    {
      nook_buf_append (&b, buf, (size_t)n);
      if (b.len > INDEX_MAX)
        {
          nook_buf_free (&b);
          return nook_error (err, EFBIG, "`%s` in the archive", name);
        }
    }
  if (n < 0)
    {
      nook_buf_free (&b);
      return nook_error (err, 0, "read `%s`: %s", name, archive_error_string (a));
    }
  *len = b.len;
  *out = nook_buf_steal (&b);
  return 0;
}

/* Read the whole tar: blobs into WORKDIR, index.json into *INDEX.  */
static int
stage_archive (int fd, int workdir, char **index, size_t *index_len, nook_error_t *err)
{
  __attribute__ ((cleanup (archive_freep))) struct archive *a = archive_read_new ();
  struct archive_entry *e;
  int r;

  archive_read_support_filter_gzip (a);
  archive_read_support_filter_zstd (a);
  archive_read_support_format_tar (a);
  if (archive_read_open_fd (a, fd, 1 << 16) != ARCHIVE_OK)
    return nook_error (err, 0, "not an image archive: %s", archive_error_string (a));
  while ((r = archive_read_next_header (a, &e)) != ARCHIVE_EOF)
    {
      _cleanup_strv_ char **comps = NULL;
      const char *name = archive_entry_pathname (e);

      if (r < ARCHIVE_WARN)
        return nook_error (err, 0, "not an image archive: %s", archive_error_string (a));
      if (name == NULL || archive_entry_filetype (e) != AE_IFREG)
        continue;
      if (nook_path_clean (name, &comps, err) < 0)
        return -1;
      if (strv_len (comps) == 1 && strcmp (comps[0], "index.json") == 0)
        {
          free (*index);
          *index = NULL;
          if (read_small_entry (a, "index.json", index, index_len, err) < 0)
            return -1;
        }
      else if (strv_len (comps) == 3 && strcmp (comps[0], "blobs") == 0
               && strcmp (comps[1], "sha256") == 0 && nook_is_hex (comps[2], 64))
        {
          if (stage_blob (a, workdir, comps[2], err) < 0)
            return -1;
        }
    }
  if (*index == NULL)
    return nook_error (err, 0, "not an oci-archive: it has no index.json");
  return 0;
}

static int
parse_index (struct image_source *src, const char *text, size_t len, nook_error_t *err)
{
  _cleanup_json_ nook_json *j = NULL;
  nook_json *manifests = NULL;

  if (json_parse (text, len, &j, err) < 0)
    return nook_error_prefix (err, "index.json");
  if (!json_is_object (j))
    return nook_error (err, 0, "index.json is not a JSON object");
  if (json_get_array (j, "manifests", "manifests", true, &manifests, err) < 0)
    return nook_error_prefix (err, "index.json");
  src->manifests = xzalloc (sizeof (*src->manifests) * (json_len (manifests) + 1));
  src->ref_names = xzalloc (sizeof (char *));
  for (size_t i = 0; i < json_len (manifests); i++)
    {
      const char *ref = NULL;
      char field[48];

      snprintf (field, sizeof (field), "index.json manifests[%zu]", i);
      if (image_descriptor_parse (json_at (manifests, i), field, &src->manifests[i], err) < 0)
        return -1;
      src->n++;
      ref = json_str (json_get (json_get (json_at (manifests, i), "annotations"), OCI_REF_NAME));
      strv_push (&src->ref_names, xstrdup (ref ? ref : ""));
    }
  if (src->n == 0)
    return nook_error (err, 0, "index.json lists no image");
  return 0;
}

int
image_source_oci_archive (const char *path, int workdir, struct image_source *src,
                          nook_error_t *err)
{
  _cleanup_close_ int fd = -1;
  _cleanup_free_ char *index = NULL;
  size_t index_len = 0;

  memset (src, 0, sizeof (*src));
  src->dirfd = -1;
  if (nook_lazy_load (&nook_lib_archive, err) < 0)
    return -1;
  fd = strcmp (path, "-") == 0 ? dup (STDIN_FILENO) : open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return nook_error (err, errno, "open `%s`", path);
  if (stage_archive (fd, workdir, &index, &index_len, err) < 0
      || parse_index (src, index, index_len, err) < 0)
    {
      image_source_free (src);
      return nook_error_prefix (err, "`%s`", path);
    }
  src->dirfd = fcntl (workdir, F_DUPFD_CLOEXEC, 3);
  if (src->dirfd < 0)
    return nook_error (err, errno, "dup");
  return 0;
}

int
image_source_open (struct image_source *src, const struct image_descriptor *d, int *fd,
                   nook_error_t *err)
{
  const char *hex;
  struct stat st;

  if (nook_digest_hex (d->digest, &hex, err) < 0)
    return -1;
  *fd = openat (src->dirfd, hex, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (*fd < 0)
    return nook_error (err, errno == ENOENT ? 0 : errno, "blob %s is missing from the image",
                       d->digest);
  if (fstat (*fd, &st) < 0)
    return nook_error (err, errno, "stat blob %s", d->digest);
  if (st.st_size != d->size)
    {
      nook_closep (fd);
      return nook_error (err, 0, "blob %s is %lld bytes, its descriptor says %lld", d->digest,
                         (long long)st.st_size, (long long)d->size);
    }
  return 0;
}

int
image_source_read (struct image_source *src, const struct image_descriptor *d, size_t max,
                   char **out, size_t *len, nook_error_t *err)
{
  _cleanup_close_ int fd = -1;
  const char *hex;

  if ((size_t)d->size > max)
    return nook_error (err, EFBIG, "blob %s of %lld bytes", d->digest, (long long)d->size);
  if (image_source_open (src, d, &fd, err) < 0)
    return -1;
  if (nook_digest_hex (d->digest, &hex, err) < 0)
    return -1;
  return nook_read_file_at (src->dirfd, hex, max, out, len, err);
}
