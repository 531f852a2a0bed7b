/* Push: an image of the store to a registry.
   1. The destination is resolved (it must name its registry).
   2. Each layer blob, as the store keeps it, then the config, is sent
      unless the registry has it already (HEAD): POST an upload, then PUT
      the whole blob with its digest (monolithic: the registry checks it).
   3. The manifest is PUT last, under the tag: the image appears whole or
      not at all.  With --format the manifest is rewritten with the other
      format's media types (its digest changes; the blobs do not).  */
#include "registry/internal.h"

#include <fcntl.h>
#include <string.h>

#define MT_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_OCI_CONFIG      "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"

struct push
{
  struct storage *st;
  const struct registry_push_opts *o;
  struct reg_client *c;
  const char *repo;
  struct reg_progress *p;
};

static bool
status_200_404 (long status)
{
  return status == 200 || status == 404;
}

/* Does the registry have blob D already?  */
static int
blob_exists (struct push *ps, const struct image_descriptor *d, bool *yes, nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("/v2/%s/blobs/%s", ps->repo, d->digest);
  _cleanup_free_ char *what = xasprintf ("checking whether blob %s exists", d->digest);
  struct reg_request r = { .method = "HEAD",
                           .path = path,
                           .repo = ps->repo,
                           .push = true,
                           .body_fd = -1,
                           .max = REG_ERRBODY_MAX,
                           .what = what };
  struct reg_response resp;

  if (reg_client_do (ps->c, &r, status_200_404, &resp, err) < 0)
    return -1;
  *yes = resp.status == 200;
  reg_response_free (&resp);
  return 0;
}

static bool
status_201 (long status)
{
  return status == 201 || status == 204;
}

/* Send D's bytes from FD (or DATA): POST, then PUT to the upload's URL.  */
static int
upload_blob (struct push *ps, const struct image_descriptor *d, int fd, const char *data,
             nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("/v2/%s/blobs/uploads/", ps->repo);
  _cleanup_free_ char *what = xasprintf ("writing blob %s", d->digest);
  _cleanup_free_ char *put = NULL;
  struct reg_request r = { .method = "POST",
                           .path = path,
                           .repo = ps->repo,
                           .push = true,
                           .body_fd = -1,
                           .max = REG_ERRBODY_MAX,
                           .what = what };
  struct reg_response resp;
  int ret;

  if (reg_client_do (ps->c, &r, NULL, &resp, err) < 0)
    return -1;
  if (resp.location == NULL || *resp.location == '\0')
    {
      reg_response_free (&resp);
      return nook_error (err, 0, "%s: the registry gave no upload location", what);
    }
  put = xasprintf ("%s%sdigest=%s", resp.location, strchr (resp.location, '?') ? "&" : "?",
                   d->digest);
  reg_response_free (&resp);
  r = (struct reg_request){ .method = "PUT",
                            .path = put,
                            .repo = ps->repo,
                            .push = true,
                            .content_type = "application/octet-stream",
                            .body = data,
                            .body_len = data ? (size_t)d->size : 0,
                            .body_fd = fd,
                            .body_size = d->size,
                            .max = REG_ERRBODY_MAX,
                            .what = what };
  ret = reg_client_do (ps->c, &r, status_201, &resp, err);
  reg_response_free (&resp);
  return ret;
}

static int
push_layer (struct push *ps, size_t i, const struct image_descriptor *d, int given_fd,
            nook_error_t *err)
{
  _cleanup_close_ int fd = given_fd;
  bool exists;

  reg_progress_blob (ps->p, i, d->digest, d->size);
  if (blob_exists (ps, d, &exists, err) < 0)
    return -1;
  if (exists)
    {
      reg_progress_skipped (ps->p, i);
      return 0;
    }
  if (fd < 0 && storage_blob_open (ps->st, d->digest, &fd, err) < 0)
    return -1;
  reg_progress_update (ps->p, i, 0);
  if (upload_blob (ps, d, fd, NULL, err) < 0)
    return -1;
  reg_progress_done (ps->p, i);
  return 0;
}

static const char *
manifest_media_type (const char *text, size_t len)
{
  _cleanup_json_ nook_json *j = NULL;
  nook_error_t err = NULL;
  const char *mt;

  if (json_parse (text, len, &j, &err) < 0)
    {
      nook_error_free (&err);
      return MT_OCI_MANIFEST;
    }
  mt = json_str (json_get (j, "mediaType"));
  return mt && strcmp (mt, MT_DOCKER_MANIFEST) == 0 ? MT_DOCKER_MANIFEST : MT_OCI_MANIFEST;
}

static const char *
layer_type (const char *mt, bool docker, nook_error_t *err)
{
  bool gz = str_has_suffix (mt, "gzip"), zst = str_has_suffix (mt, "zstd");

  if (docker && zst)
    {
      nook_error (err, 0, "zstd layers cannot be pushed as v2s2: use --format oci");
      return NULL;
    }
  if (docker)
    return gz ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
              : "application/vnd.docker.image.rootfs.diff.tar";
  return gz    ? "application/vnd.oci.image.layer.v1.tar+gzip"
         : zst ? "application/vnd.oci.image.layer.v1.tar+zstd"
               : "application/vnd.oci.image.layer.v1.tar";
}

static void
gen_descriptor (struct json_gen *g, const char *mt, const struct image_descriptor *d)
{
  json_gen_object_open (g);
  json_gen_kv_string (g, "mediaType", mt);
  json_gen_kv_string (g, "digest", d->digest);
  json_gen_kv_int (g, "size", d->size);
  json_gen_object_close (g);
}

/* M written again in FORMAT ("oci" or "v2s2").  */
static int
convert_manifest (const struct image_manifest *m, const char *format, char **out, size_t *len,
                  nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);
  bool docker = strcmp (format, "v2s2") == 0;
  const char *text;

  json_gen_object_open (g);
  json_gen_kv_int (g, "schemaVersion", 2);
  json_gen_kv_string (g, "mediaType", docker ? MT_DOCKER_MANIFEST : MT_OCI_MANIFEST);
  json_gen_key (g, "config");
  gen_descriptor (g, docker ? MT_DOCKER_CONFIG : MT_OCI_CONFIG, &m->config);
  json_gen_key (g, "layers");
  json_gen_array_open (g);
  for (size_t i = 0; i < m->n_layers; i++)
    {
      const char *mt = layer_type (m->layers[i].media_type, docker, err);
      if (mt == NULL)
        return -1;
      gen_descriptor (g, mt, &m->layers[i]);
    }
  json_gen_array_close (g);
  json_gen_object_close (g);
  text = json_gen_text (g, len);
  *out = xstrndup (text, *len);
  return 0;
}

static int
put_manifest (struct push *ps, const char *tag, const char *text, size_t len, const char *mt,
              nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("/v2/%s/manifests/%s", ps->repo, tag);
  _cleanup_free_ char *what = xasprintf ("writing manifest %s", tag);
  struct reg_request r = { .method = "PUT",
                           .path = path,
                           .repo = ps->repo,
                           .push = true,
                           .content_type = mt,
                           .body = text,
                           .body_len = len,
                           .body_fd = -1,
                           .max = REG_ERRBODY_MAX,
                           .what = what };
  struct reg_response resp;

  if (reg_client_do (ps->c, &r, status_201, &resp, err) < 0)
    return -1;
  reg_response_free (&resp);
  return 0;
}

static int
check_options (const struct registry_push_opts *o, const struct image_manifest *m,
               nook_error_t *err)
{
  if (o->format && strcmp (o->format, "oci") != 0 && strcmp (o->format, "v2s2") != 0)
    return nook_error (err, 0, "unrecognized image type \"%s\"", o->format);
  if (o->compression && strcmp (o->compression, "gzip") != 0
      && strcmp (o->compression, "zstd") != 0)
    return nook_error (err, 0, "unsupported compression format %s", o->compression);
  (void)m;
  return 0;
}

/* --compression-format: the layers compressed otherwise are written again
   into WORK (their descriptors in M replaced, FDS[i] open on them).  */
static int
recompress_layers (struct push *ps, struct image_manifest *m, int work, int *fds, bool *changed,
                   nook_error_t *err)
{
  const char *c = ps->o->compression;

  for (size_t i = 0; i < m->n_layers; i++)
    {
      _cleanup_close_ int in = -1;
      _cleanup_free_ char *mt = NULL, *name = xasprintf ("layer-%zu", i);
      struct image_descriptor nd = { 0 };

      fds[i] = -1;
      if (str_has_suffix (m->layers[i].media_type, strcmp (c, "zstd") == 0 ? "zstd" : "gzip"))
        continue;
      mt = xasprintf ("application/vnd.oci.image.layer.v1.tar+%s", c);
      if (storage_blob_open (ps->st, m->layers[i].digest, &in, err) < 0
          || reg_recompress (in, c, work, name, mt, &nd, &fds[i], err) < 0)
        return nook_error_prefix (err, "recompress layer %s", m->layers[i].digest);
      image_descriptor_free (&m->layers[i]);
      m->layers[i] = nd;
      *changed = true;
    }
  return 0;
}

/* Steps 2 and 3.  */
static int
push_image (struct push *ps, const struct image_save_item *it, const char *tag, nook_error_t *err)
{
  struct image_manifest m;
  _cleanup_free_ char *converted = NULL;
  _cleanup_free_ int *fds = NULL;
  struct storage_tmp work = { .fd = -1 };
  const char *text = it->manifest, *mt, *format;
  size_t len = it->manifest_len;
  bool changed = false;
  char hex[65];
  int r = -1;

  if (image_manifest_parse (it->manifest, it->manifest_len, &m, err) < 0)
    return -1;
  fds = xzalloc ((m.n_layers + 1) * sizeof (int));
  for (size_t i = 0; i < m.n_layers; i++)
    fds[i] = -1;
  if (check_options (ps->o, &m, err) < 0)
    goto out;
  mt = manifest_media_type (text, len);
  format = ps->o->format ? ps->o->format : strcmp (mt, MT_DOCKER_MANIFEST) == 0 ? "v2s2" : "oci";
  if (ps->o->compression
      && (storage_tmp_create (ps->st, "push", &work, err) < 0
          || recompress_layers (ps, &m, work.fd, fds, &changed, err) < 0))
    goto out;
  if (changed
      || strcmp (mt, strcmp (format, "oci") == 0 ? MT_OCI_MANIFEST : MT_DOCKER_MANIFEST) != 0)
    {
      if (convert_manifest (&m, format, &converted, &len, err) < 0)
        goto out;
      text = converted;
      mt = strcmp (format, "oci") == 0 ? MT_OCI_MANIFEST : MT_DOCKER_MANIFEST;
    }
  reg_progress_line (ps->p, "Getting image source signatures");
  for (size_t i = 0; i < m.n_layers; i++)
    {
      int fd = fds[i];
      fds[i] = -1;
      if (push_layer (ps, i, &m.layers[i], fd, err) < 0)
        goto out;
    }
  {
    bool exists;
    if (blob_exists (ps, &m.config, &exists, err) < 0
        || (!exists && upload_blob (ps, &m.config, -1, it->config, err) < 0))
      goto out;
  }
  reg_progress_line (ps->p, "Copying config %s", m.config.digest);
  reg_progress_line (ps->p, "Writing manifest to image destination");
  if (put_manifest (ps, tag, text, len, mt, err) < 0 || nook_sha256_hex (text, len, hex, err) < 0)
    goto out;
  if (ps->o->digestfile)
    {
      _cleanup_free_ char *d = xasprintf ("sha256:%s", hex);
      if (nook_write_file_atomic (AT_FDCWD, ps->o->digestfile, d, strlen (d), 0644, err) < 0)
        goto out;
    }
  r = 0;
out:
  for (size_t i = 0; i < m.n_layers; i++)
    nook_closep (&fds[i]);
  if (work.name)
    storage_tmp_discard (ps->st, &work);
  image_manifest_free (&m);
  return r;
}

int
registry_push (struct storage *st, const char *image, const char *dest,
               const struct registry_push_opts *o, nook_error_t *err)
{
  struct reg_conf conf = { 0 };
  struct reg_target t = { 0 };
  struct storage_image img = { 0 };
  struct image_save_item it = { 0 };
  struct push ps = { .st = st, .o = o };
  int r = -1;

  if (dest && str_has_prefix (dest, "docker://"))
    dest += strlen ("docker://");
  if (storage_image_lookup (st, image, &img, err) < 0 || reg_conf_load (&conf, err) < 0)
    goto out;
  if (reg_resolve_push (&conf,
                        dest          ? dest
                        : img.matched ? img.matched
                                      : image,
                        o->r.tls_verify, &t, err)
      < 0)
    goto out;
  if (storage_image_save_item (st, &img, &it, err) < 0)
    goto out;
  ps.repo = t.sources[t.n_sources - 1].repo;
  if (reg_client_new (&t.sources[t.n_sources - 1].ep, ps.repo, &o->r, &ps.c, err) < 0)
    goto out;
  ps.p = reg_progress_new (o->r.progress);
  r = push_image (&ps, &it, t.tag ? t.tag : "latest", err);
  reg_progress_free (ps.p);
  if (r < 0)
    nook_error_prefix (err, "pushing %s to docker://%s", image, t.name);
out:
  reg_client_free (ps.c);
  image_save_item_free (&it);
  reg_target_free (&t);
  storage_image_free (&img);
  reg_conf_free (&conf);
  return r;
}
