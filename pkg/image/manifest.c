/* OCI / Docker schema 2 manifests and image configs.  Every byte here is
   hostile: sizes are bounded before parsing, every field type-checked.  */
#include "image/image.h"

#include <string.h>
#include <sys/utsname.h>

int
image_descriptor_parse (const nook_json *j, const char *field, struct image_descriptor *d,
                        nook_error_t *err)
{
  const char *media_type = NULL, *digest = NULL, *hex;
  _cleanup_free_ char *f_type = xasprintf ("%s.mediaType", field);
  _cleanup_free_ char *f_digest = xasprintf ("%s.digest", field);
  _cleanup_free_ char *f_size = xasprintf ("%s.size", field);
  int64_t size = -1;

  memset (d, 0, sizeof (*d));
  if (!json_is_object (j))
    return nook_error (err, 0, "field `%s` must be an object", field);
  if (json_get_str (j, "mediaType", f_type, false, &media_type, err) < 0
      || json_get_str (j, "digest", f_digest, true, &digest, err) < 0
      || json_get_int (j, "size", f_size, true, &size, err) < 0)
    return -1;
  if (nook_digest_hex (digest, &hex, err) < 0)
    return nook_error_prefix (err, "%s", field);
  if (size < 0)
    return nook_error (err, 0, "field `%s.size` is negative", field);
  d->media_type = xstrdup (media_type ? media_type : "");
  d->digest = xstrdup (digest);
  d->size = size;
  return 0;
}

void
image_descriptor_free (struct image_descriptor *d)
{
  free (d->media_type);
  free (d->digest);
  memset (d, 0, sizeof (*d));
}

static bool
known_layer_type (const char *t)
{
  static const char *const types[] = {
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  };
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (types); i++)
    if (strcmp (t, types[i]) == 0)
      return true;
  return t[0] == '\0';
}

int
image_manifest_parse (const char *text, size_t len, struct image_manifest *m, nook_error_t *err)
{
  _cleanup_json_ nook_json *j = NULL;
  nook_json *config = NULL, *layers = NULL;
  int64_t version = 0;
  const char *media_type = NULL;

  memset (m, 0, sizeof (*m));
  if (len > IMAGE_MANIFEST_MAX)
    return nook_error (err, 0, "manifest of %zu bytes is larger than the limit", len);
  if (json_parse (text, len, &j, err) < 0)
    return nook_error_prefix (err, "manifest");
  if (!json_is_object (j))
    return nook_error (err, 0, "manifest is not a JSON object");
  if (json_get_int (j, "schemaVersion", "schemaVersion", true, &version, err) < 0
      || json_get_str (j, "mediaType", "mediaType", false, &media_type, err) < 0)
    return nook_error_prefix (err, "manifest");
  if (version == 1)
    return nook_error (err, 0,
                       "manifest schema 1 images are not supported: convert the image "
                       "to schema 2 or OCI");
  if (version != 2)
    return nook_error (err, 0, "manifest schemaVersion %lld is not supported", (long long)version);
  if (media_type && (strstr (media_type, "index") || strstr (media_type, "manifest.list")))
    return nook_error (err, 0, "expected an image manifest, got `%s`", media_type);
  if (json_get_object (j, "config", "config", true, &config, err) < 0
      || json_get_array (j, "layers", "layers", true, &layers, err) < 0)
    return nook_error_prefix (err, "manifest");
  if (image_descriptor_parse (config, "config", &m->config, err) < 0)
    return nook_error_prefix (err, "manifest");
  m->layers = xzalloc (sizeof (*m->layers) * (json_len (layers) + 1));
  for (size_t i = 0; i < json_len (layers); i++)
    {
      char field[32];
      snprintf (field, sizeof (field), "layers[%zu]", i);
      if (image_descriptor_parse (json_at (layers, i), field, &m->layers[i], err) < 0)
        {
          image_manifest_free (m);
          return nook_error_prefix (err, "manifest");
        }
      m->n_layers++;
      if (!known_layer_type (m->layers[i].media_type))
        {
          nook_error (err, 0, "manifest: layer %zu has unsupported media type `%s`", i,
                      m->layers[i].media_type);
          image_manifest_free (m);
          return -1;
        }
    }
  return 0;
}

void
image_manifest_free (struct image_manifest *m)
{
  image_descriptor_free (&m->config);
  for (size_t i = 0; i < m->n_layers; i++)
    image_descriptor_free (&m->layers[i]);
  free (m->layers);
  memset (m, 0, sizeof (*m));
}

static int
config_labels (nook_json *labels, char ***out, nook_error_t *err)
{
  for (size_t i = 0; i < json_len (labels); i++)
    {
      const char *v = json_str (json_at (labels, i));
      if (v == NULL)
        return nook_error (err, 0, "field `config.Labels.%s` must be a string",
                           json_key_at (labels, i));
      strv_push (out, xasprintf ("%s=%s", json_key_at (labels, i), v));
    }
  return 0;
}

/* The keys of an object whose values mean nothing ({"80/tcp": {}}).  */
static int
config_keys (const nook_json *c, const char *key, const char *field, char ***out, nook_error_t *err)
{
  nook_json *o = NULL;

  if (json_get_object (c, key, field, false, &o, err) < 0)
    return -1;
  *out = xzalloc (sizeof (char *));
  for (size_t i = 0; i < json_len (o); i++)
    strv_push (out, xstrdup (json_key_at (o, i)));
  return 0;
}

int
image_config_parse (const char *text, size_t len, struct image_config *cfg, nook_error_t *err)
{
  _cleanup_json_ nook_json *j = NULL;
  nook_json *c = NULL, *rootfs = NULL, *labels = NULL;
  const char *s;

  memset (cfg, 0, sizeof (*cfg));
  if (len > IMAGE_CONFIG_MAX)
    return nook_error (err, 0, "image config of %zu bytes is larger than the limit", len);
  if (json_parse (text, len, &j, err) < 0)
    return nook_error_prefix (err, "image config");
  if (!json_is_object (j))
    return nook_error (err, 0, "image config is not a JSON object");
  if (json_get_object (j, "config", "config", false, &c, err) < 0
      || json_get_object (j, "rootfs", "rootfs", true, &rootfs, err) < 0
      || json_get_strv (rootfs, "diff_ids", "rootfs.diff_ids", true, &cfg->diff_ids, err) < 0)
    goto fail;
  for (size_t i = 0; cfg->diff_ids[i]; i++)
    if (nook_digest_hex (cfg->diff_ids[i], &s, err) < 0)
      goto fail;
  if (json_get_strv (c, "Env", "config.Env", false, &cfg->env, err) < 0
      || json_get_strv (c, "Entrypoint", "config.Entrypoint", false, &cfg->entrypoint, err) < 0
      || json_get_strv (c, "Cmd", "config.Cmd", false, &cfg->cmd, err) < 0
      || json_get_object (c, "Labels", "config.Labels", false, &labels, err) < 0
      || config_labels (labels, &cfg->labels, err) < 0
      || config_keys (c, "ExposedPorts", "config.ExposedPorts", &cfg->exposed_ports, err) < 0
      || config_keys (c, "Volumes", "config.Volumes", &cfg->volumes, err) < 0)
    goto fail;
  s = NULL;
  if (json_get_str (c, "WorkingDir", "config.WorkingDir", false, &s, err) < 0)
    goto fail;
  cfg->workdir = s && *s ? xstrdup (s) : NULL;
  s = NULL;
  if (json_get_str (c, "User", "config.User", false, &s, err) < 0)
    goto fail;
  cfg->user = s && *s ? xstrdup (s) : NULL;
  s = NULL;
  if (json_get_str (j, "created", "created", false, &s, err) < 0)
    goto fail;
  cfg->created = s ? xstrdup (s) : NULL;
  s = NULL;
  if (json_get_str (j, "architecture", "architecture", false, &s, err) < 0)
    goto fail;
  cfg->architecture = xstrdup (s ? s : "");
  s = NULL;
  if (json_get_str (j, "os", "os", false, &s, err) < 0)
    goto fail;
  cfg->os = xstrdup (s ? s : "");
  return 0;

fail:
  image_config_free (cfg);
  return nook_error_prefix (err, "image config");
}

void
image_config_free (struct image_config *cfg)
{
  strv_free (cfg->env);
  strv_free (cfg->entrypoint);
  strv_free (cfg->cmd);
  strv_free (cfg->labels);
  strv_free (cfg->exposed_ports);
  strv_free (cfg->volumes);
  strv_free (cfg->diff_ids);
  free (cfg->workdir);
  free (cfg->user);
  free (cfg->created);
  free (cfg->architecture);
  free (cfg->os);
  memset (cfg, 0, sizeof (*cfg));
}

bool
image_media_type_is_index (const char *t)
{
  return t
         && (strcmp (t, "application/vnd.oci.image.index.v1+json") == 0
             || strcmp (t, "application/vnd.docker.distribution.manifest.list.v2+json") == 0);
}

void
image_host_platform (struct image_platform *p)
{
  static const struct
  {
    const char *machine, *arch, *variant;
  } archs[] = {
    { "x86_64", "amd64", NULL },    { "aarch64", "arm64", NULL }, { "armv7l", "arm", "v7" },
    { "armv6l", "arm", "v6" },      { "i686", "386", NULL },      { "i386", "386", NULL },
    { "ppc64le", "ppc64le", NULL }, { "s390x", "s390x", NULL },   { "riscv64", "riscv64", NULL },
  };
  struct utsname u;

  p->os = "linux";
  p->arch = "amd64";
  p->variant = NULL;
  if (uname (&u) < 0)
    return;
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (archs); i++)
    if (strcmp (u.machine, archs[i].machine) == 0)
      {
        p->arch = archs[i].arch;
        p->variant = archs[i].variant;
      }
}

static bool
platform_matches (const nook_json *plat, const struct image_platform *p)
{
  const char *os = json_str (json_get (plat, "os"));
  const char *arch = json_str (json_get (plat, "architecture"));
  const char *variant = json_str (json_get (plat, "variant"));

  return str_eq (os, p->os) && str_eq (arch, p->arch)
         && (p->variant == NULL || variant == NULL || strcmp (variant, p->variant) == 0);
}

int
image_index_choose (const char *text, size_t len, const struct image_platform *want,
                    struct image_descriptor *out, nook_error_t *err)
{
  _cleanup_json_ nook_json *j = NULL;
  struct image_platform host;
  struct nook_buf offered = { 0 };
  nook_json *manifests = NULL;

  if (want == NULL)
    {
      image_host_platform (&host);
      want = &host;
    }
  if (len > IMAGE_MANIFEST_MAX)
    return nook_error (err, 0, "image index of %zu bytes is larger than the limit", len);
  if (json_parse (text, len, &j, err) < 0)
    return nook_error_prefix (err, "image index");
  if (json_get_array (j, "manifests", "manifests", true, &manifests, err) < 0)
    return nook_error_prefix (err, "image index");
  for (size_t i = 0; i < json_len (manifests); i++)
    {
      nook_json *plat = json_get (json_at (manifests, i), "platform");
      char field[32];
      if (!platform_matches (plat, want))
        {
          const char *variant = json_str (json_get (plat, "variant"));
          nook_buf_printf (&offered, "%s%s/%s%s%s", offered.len ? ", " : "",
                           json_str (json_get (plat, "os")) ?: "?",
                           json_str (json_get (plat, "architecture")) ?: "?", variant ? "/" : "",
                           variant ?: "");
          continue;
        }
      nook_buf_free (&offered);
      snprintf (field, sizeof (field), "manifests[%zu]", i);
      return image_descriptor_parse (json_at (manifests, i), field, out, err);
    }
  nook_error (err, 0, "no image for %s/%s%s%s in the manifest list (it offers: %s)", want->os,
              want->arch, want->variant ? "/" : "", want->variant ?: "",
              offered.len ? offered.data : "nothing");
  nook_buf_free (&offered);
  return -1;
}
