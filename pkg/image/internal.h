/* pkg/image internals: what the writers (tarout.c, blob.c, save.c,
   save-docker.c, import.c) share.  Not API.  */
#ifndef NOOK_IMAGE_INTERNAL_H
#define NOOK_IMAGE_INTERNAL_H

#include "image/image.h"

#define OCI_REF_NAME "org.opencontainers.image.ref.name"
#define COPY_BUF     (1 << 16)

#define _cleanup_sha256_ _cleanup_ (nook_sha256_free)

/* Where a stream goes, a chunk at a time.  */
typedef int (*image_sink_fn) (void *data, const void *buf, size_t len, nook_error_t *err);

/* ---- tarout.c ---- */

/* A regular file of LEN bytes from memory, with a fixed owner and time.  */
int image_tar_bytes (struct image_tar *t, const char *path, mode_t perm, const void *data,
                     size_t len, nook_error_t *err);
/* Open the directory PATH is in (*DIRFD), point *BASE at PATH's last
   component and make *TMP a fresh temp name next to it: what is made
   whole under *TMP is renamed over *BASE.  */
int image_output_sibling (const char *path, int *dirfd, const char **base, char **tmp,
                          nook_error_t *err);

/* ---- blob.c: blobs of the store, read and described ---- */

/* Open the blob DIGEST in BLOBSFD, checking its size when WANT_SIZE >= 0.  */
int image_blob_open (int blobsfd, const char *digest, int64_t want_size, nook_error_t *err);
/* Decompress FD to the end, giving each chunk to SINK (when not NULL):
   *SIZE and HEX get the uncompressed size and sha256, *FILTER (when not
   NULL) libarchive's code of the compression.  */
int image_blob_unpack (int fd, image_sink_fn sink, void *data, int64_t *size, char hex[65],
                       int *filter, nook_error_t *err);
/* The OCI descriptor of blob sha256:HEX, with a ref.name annotation
   when REF_NAME is not NULL.  */
void image_gen_descriptor (struct json_gen *g, const char *media_type, const char *hex,
                           int64_t size, const char *ref_name);

/* ---- save-docker.c ---- */

int image_save_docker (const struct image_save_item *items, size_t n, int blobsfd, int fd,
                       nook_error_t *err);

#endif
