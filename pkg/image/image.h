/* nook — pkg/image: references, manifests and configs, image archives.  */
#ifndef NOOK_IMAGE_H
#define NOOK_IMAGE_H

#include "json/json.h"
#include "util/util.h"

/* ---- references: [domain/]path[:tag][@sha256:hex] ---- */

struct image_ref
{
  char *domain; /* NULL for a short name */
  char *path;   /* "library/busybox", "busybox" */
  char *tag;    /* NULL when none was given */
  char *digest; /* "sha256:..." or NULL */
};

/* Parse S by the distribution reference grammar, without normalizing.  */
int image_ref_parse (const char *s, struct image_ref *ref, nook_error_t *err);
void image_ref_free (struct image_ref *ref);
/* Fill in what a fully qualified local name needs: a short name gets
   DOMAIN (docker.io gets "library/" for one-component paths), a name with
   neither tag nor digest gets ":latest".  */
void image_ref_normalize (struct image_ref *ref, const char *domain);
/* "domain/path:tag@digest" (parts that are set).  */
char *image_ref_string (const struct image_ref *ref);
/* The name without tag or digest.  */
char *image_ref_repository (const struct image_ref *ref);
/* Parse and normalize S as a local image name (short names go to
   localhost/, as Podman names local images).  */
int image_ref_local_name (const char *s, char **out, nook_error_t *err);
/* True for 1-64 lowercase hex digits (an image or container ID prefix).  */
bool image_is_id_prefix (const char *s);

/* ---- OCI image config, the parts nook uses ---- */

struct image_config
{
  char **env;
  char **entrypoint;
  char **cmd;
  char *workdir;
  char *user;
  char **labels;        /* "key=value" */
  char **exposed_ports; /* config.ExposedPorts' keys: "80/tcp" */
  char **volumes;       /* config.Volumes' keys: "/data" */
  char *created;
  char *architecture;
  char *os;
  char **diff_ids; /* "sha256:..." per layer, bottom first */
};

int image_config_parse (const char *text, size_t len, struct image_config *cfg, nook_error_t *err);
void image_config_free (struct image_config *cfg);

/* ---- descriptors and manifests ---- */

struct image_descriptor
{
  char *media_type;
  char *digest;
  int64_t size;
};

struct image_manifest
{
  struct image_descriptor config;
  struct image_descriptor *layers;
  size_t n_layers;
};

#define IMAGE_MANIFEST_MAX (4 << 20) /* as containers/image */
#define IMAGE_CONFIG_MAX   (8 << 20)

int image_manifest_parse (const char *text, size_t len, struct image_manifest *m,
                          nook_error_t *err);
void image_manifest_free (struct image_manifest *m);
int image_descriptor_parse (const nook_json *j, const char *field, struct image_descriptor *d,
                            nook_error_t *err);
void image_descriptor_free (struct image_descriptor *d);

/* ---- indexes (manifest lists) ---- */

bool image_media_type_is_index (const char *media_type);
struct image_platform
{
  const char *os;
  const char *arch;    /* Go names: amd64, arm64, ... */
  const char *variant; /* NULL: any */
};
/* This machine's platform.  */
void image_host_platform (struct image_platform *p);
/* The entry of index TEXT for platform P (NULL: this machine's).  No match
   is an error naming the platforms the index offers.  */
int image_index_choose (const char *text, size_t len, const struct image_platform *p,
                        struct image_descriptor *out, nook_error_t *err);

/* ---- sources: where images come from ---- */

struct image_source_image
{
  char *manifest; /* its bytes, as stored; a docker-archive's is written */
  size_t manifest_len;
  char digest[72]; /* "sha256:..." of those bytes */
  char **names;    /* local names ("localhost/x:tag", "docker.io/library/y:z") */
};

struct image_source
{
  int dirfd; /* verified blobs, named by their hex digest */
  struct image_source_image *images;
  size_t n;
};

/* Stage the oci-archive or docker-archive PATH ("-" for stdin) into
   WORKDIR, verifying every blob's digest.  */
int image_source_archive (const char *path, int workdir, struct image_source *src,
                          nook_error_t *err);
/* The images of the OCI image layout directory DIR (those whose ref.name
   is TAG, when not NULL), their blobs copied into WORKDIR and verified.  */
int image_source_oci_dir (const char *dir, const char *tag, int workdir, struct image_source *src,
                          nook_error_t *err);
void image_source_free (struct image_source *src);
/* Open the blob of descriptor D, checking its size.  */
int image_source_open (struct image_source *src, const struct image_descriptor *d, int *fd,
                       nook_error_t *err);
/* Read the blob of D whole (configs), refusing more than MAX.  */
int image_source_read (struct image_source *src, const struct image_descriptor *d, size_t max,
                       char **out, size_t *len, nook_error_t *err);

/* ---- writing: tar archives (tarout.c, save.c, save-docker.c, import.c) ---- */

/* A tar stream (pax restricted: plain ustar headers unless a name or a
   value needs more) written to an fd with libarchive.  */
struct image_tar;

struct image_tar_entry
{
  const char *path;
  mode_t mode; /* type and permission bits, as st_mode */
  int64_t uid, gid;
  int64_t size;      /* of a regular file's data */
  int64_t mtime;     /* seconds */
  const char *link;  /* symlink target, or the earlier path of a hardlink */
  bool hardlink;     /* LINK names a file already in the archive */
  dev_t rdev;        /* character and block devices */
  const char *xattr; /* one extended attribute (security.capability), or NULL */
  const void *xattr_value;
  size_t xattr_len;
};

int image_tar_open (int fd, struct image_tar **out, nook_error_t *err);
/* A header; a regular file's SIZE bytes follow with image_tar_data.  */
int image_tar_header (struct image_tar *t, const struct image_tar_entry *e, nook_error_t *err);
int image_tar_data (struct image_tar *t, const void *buf, size_t len, nook_error_t *err);
/* Write the end of the archive; the fd stays open.  */
int image_tar_close (struct image_tar *t, nook_error_t *err);
void image_tar_free (struct image_tar *t);

/* ---- writing: an output file made whole or not at all ---- */

struct image_output
{
  int fd;
  int dirfd;  /* the directory of PATH: the rename does not depend on the cwd */
  char *path; /* the target's name in DIRFD, NULL when written in place (stdout, a pipe) */
  char *tmp;  /* the temp file next to it, renamed over it on commit */
};

/* Open PATH for writing (NULL: stdout).  A regular file is written as a
   temp file next to it; a FIFO or a device in place.  With NEW_ONLY a
   non-empty regular file at PATH is refused, as Podman's docker-archive
   writer does.  */
int image_output_open (struct image_output *o, const char *path, bool new_only, nook_error_t *err);
int image_output_commit (struct image_output *o, nook_error_t *err);
/* Remove the temp file (no-op after a commit).  */
void image_output_discard (struct image_output *o);

/* ---- writing: save (docker-archive, oci-archive, oci-dir) ---- */

enum image_format
{
  IMAGE_FORMAT_DOCKER_ARCHIVE,
  IMAGE_FORMAT_OCI_ARCHIVE,
  IMAGE_FORMAT_OCI_DIR,
};

/* "docker-archive", "oci-archive" or "oci-dir"; false for anything else.  */
bool image_format_parse (const char *name, enum image_format *out);

/* One image as the store keeps it.  */
struct image_save_item
{
  char *manifest; /* its bytes: written as they are, so the digest survives */
  size_t manifest_len;
  char *config;
  size_t config_len;
  int64_t *layer_sizes; /* uncompressed bytes of each manifest layer; <= 0 unknown */
  char **names;         /* full names: docker-archive RepoTags, one OCI index entry each */
};
void image_save_item_free (struct image_save_item *it);

/* Write ITEMS (N of them) to FD as a docker-archive or an oci-archive.
   Layer blobs are read from BLOBSFD, named by their hex digest: an
   oci-archive holds them byte for byte; a docker-archive holds each
   decompressed as <diff_id hex>.tar, checked against its diff_id, with
   Podman's legacy layer directories and `repositories` beside.  Members
   are in a fixed order with owner 0, mtime 0: the same images give the
   same bytes.  */
int image_save_archive (enum image_format format, const struct image_save_item *items, size_t n,
                        int blobsfd, int fd, nook_error_t *err);
/* Write ITEMS as the OCI image layout DIR: made whole under a temp name
   when it does not exist, added to when it is a layout already (entries
   with the same ref.name replaced).  */
int image_save_oci_dir (const struct image_save_item *items, size_t n, int blobsfd, const char *dir,
                        nook_error_t *err);

/* ---- writing: import (a rootfs tarball as a one-layer image) ---- */

struct image_import_opts
{
  char *const *changes;            /* --change: Dockerfile instructions, as Podman takes them */
  const char *message;             /* history comment; "imported from tarball" when NULL */
  const char *os, *arch, *variant; /* NULL: this machine's */
  const char *name;                /* full local name, or NULL */
};

/* Check CHANGES as image_source_tarball would, before any work.  */
int image_import_check_changes (char *const *changes, nook_error_t *err);
/* Stage the (gzip, zstd or plain) tarball PATH ("-" for stdin, or a
   file:// URL) as the layer of a new image, kept as given, and write its
   config and manifest beside it in WORKDIR.  *ID gets the image ID
   (config digest hex).  Other URLs are refused: nook does not download.  */
int image_source_tarball (const char *path, const struct image_import_opts *o, int workdir,
                          struct image_source *src, char id[65], nook_error_t *err);

#endif
