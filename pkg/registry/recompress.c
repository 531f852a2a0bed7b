/* push --compression-format: a layer blob written again with another
   compression.  The uncompressed stream (and so the diff_id) stays the
   same; the blob gets a new digest and size, and the manifest a new
   descriptor.  */
#include "registry/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

extern struct nook_lazy_lib nook_lib_archive; /* pkg/util/lazy-libs.c */

static void
read_freep (struct archive **a)
{
  if (*a)
    archive_read_free (*a);
}

static void
write_freep (struct archive **a)
{
  if (*a)
    archive_write_free (*a);
}

static void
entry_freep (struct archive_entry **e)
{
  if (*e)
    archive_entry_free (*e);
}

static int
archive_err (struct archive *a, const char *what, nook_error_t *err)
{
  const char *msg = archive_error_string (a);
  return nook_error (err, archive_errno (a) > 0 ? archive_errno (a) : 0, "%s: %s", what,
                     msg ? msg : "libarchive error");
}

/* Copy the decompressed IN to OUT through the writer W.  */
static int
copy_stream (struct archive *r, struct archive *w, nook_error_t *err)
{
  _cleanup_ (entry_freep) struct archive_entry *e = NULL;
  struct archive_entry *in;
  const void *buf;
  size_t len;
  la_int64_t off;
  int ret;

  if (archive_read_next_header (r, &in) != ARCHIVE_OK)
    return archive_err (r, "read the layer", err);
  e = archive_entry_new ();
  archive_entry_set_pathname (e, "layer");
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_perm (e, 0644);
  if (archive_write_header (w, e) != ARCHIVE_OK)
    return archive_err (w, "write the layer", err);
  while ((ret = archive_read_data_block (r, &buf, &len, &off)) == ARCHIVE_OK)
    if (len && archive_write_data (w, buf, len) != (la_ssize_t)len)
      return archive_err (w, "write the layer", err);
  if (ret != ARCHIVE_EOF)
    return archive_err (r, "read the layer", err);
  if (archive_write_close (w) != ARCHIVE_OK)
    return archive_err (w, "write the layer", err);
  return 0;
}

/* Hash what was written: the new blob's digest and size.  */
static int
describe (int fd, const char *media_type, struct image_descriptor *out, nook_error_t *err)
{
  struct nook_sha256 h;
  char buf[1 << 16], hex[65];
  int64_t size = 0;
  ssize_t n;

  if (nook_sha256_init (&h, err) < 0)
    return -1;
  while ((n = pread (fd, buf, sizeof (buf), size)) > 0)
    {
      nook_sha256_update (&h, buf, (size_t)n);
      size += n;
    }
  if (n < 0)
    {
      nook_sha256_free (&h);
      return nook_error (err, errno, "read the recompressed layer");
    }
  nook_sha256_final (&h, hex);
  nook_sha256_free (&h);
  out->media_type = xstrdup (media_type);
  out->digest = xasprintf ("sha256:%s", hex);
  out->size = size;
  return 0;
}

int
reg_recompress (int in_fd, const char *compression, int dirfd, const char *name,
                const char *media_type, struct image_descriptor *out, int *out_fd,
                nook_error_t *err)
{
  _cleanup_ (read_freep) struct archive *r = NULL;
  _cleanup_ (write_freep) struct archive *w = NULL;
  _cleanup_close_ int fd = -1;

  if (nook_lazy_load (&nook_lib_archive, err) < 0)
    return -1;
  fd = openat (dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return nook_error (err, errno, "create `%s`", name);
  r = archive_read_new ();
  w = archive_write_new ();
  if (r == NULL || w == NULL)
    return nook_error (err, ENOMEM, "libarchive");
  archive_read_support_filter_all (r);
  archive_read_support_format_raw (r);
  archive_write_set_format_raw (w);
  archive_write_set_bytes_in_last_block (w, 1);
  if ((strcmp (compression, "zstd") == 0 ? archive_write_add_filter_zstd (w)
                                         : archive_write_add_filter_gzip (w))
      != ARCHIVE_OK)
    return archive_err (w, compression, err);
  if (archive_read_open_fd (r, in_fd, 1 << 16) != ARCHIVE_OK)
    return archive_err (r, "read the layer", err);
  if (archive_write_open_fd (w, fd) != ARCHIVE_OK)
    return archive_err (w, "write the layer", err);
  if (copy_stream (r, w, err) < 0 || describe (fd, media_type, out, err) < 0)
    return -1;
  *out_fd = steal_fd (&fd);
  return 0;
}
