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
  char **labels; /* "key=value" */
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

#endif
