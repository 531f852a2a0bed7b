/* Blobs of the store: layers read as stored or decompressed, and the
   descriptors that name blobs.  */
#include "image/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>

int
image_blob_open (int blobsfd, const char *digest, int64_t want_size, nook_error_t *err)
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

int
image_blob_unpack (int fd, image_sink_fn sink, void *data, int64_t *size, char hex[65], int *filter,
                   nook_error_t *err)
{
  _cleanup_ (read_archive_freep) struct archive *a = NULL;
  _cleanup_free_ char *buf = xmalloc (COPY_BUF);
  _cleanup_sha256_ struct nook_sha256 sha = { 0 };
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
        return -1;
    }
  if (n < 0)
    return nook_error (err, 0, "%s", archive_error_string (a) ?: "cannot decompress");
  nook_sha256_final (&sha, hex);
  return 0;
}

void
image_gen_descriptor (struct json_gen *g, const char *media_type, const char *hex, int64_t size,
                      const char *ref_name)
{
  _cleanup_free_ char *digest = xasprintf ("sha256:%s", hex);

  json_gen_object_open (g);
  json_gen_kv_string (g, "mediaType", media_type);
  json_gen_kv_string (g, "digest", digest);
  json_gen_kv_int (g, "size", size);
  if (ref_name)
    {
      json_gen_key (g, "annotations");
      json_gen_object_open (g);
      json_gen_kv_string (g, OCI_REF_NAME, ref_name);
      json_gen_object_close (g);
    }
  json_gen_object_close (g);
}
