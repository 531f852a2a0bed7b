/* pkg/image: manifests (OCI and Docker schema 2) and image configs, both
   read from untrusted sources.  */
#include "unit.h"

#include "image/image.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HEX_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

#define OCI_MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define OCI_CONFIG_TYPE   "application/vnd.oci.image.config.v1+json"
#define OCI_LAYER_GZ      "application/vnd.oci.image.layer.v1.tar+gzip"

/* An OCI manifest with LAYERS as the members of its "layers" array.  */
static char *
manifest (const char *media_type, const char *config_desc, const char *layers)
{
  return unit_fmt ("{\"schemaVersion\": 2%s%s%s, \"config\": %s, \"layers\": [%s]}",
                   media_type ? ", \"mediaType\": \"" : "", media_type ? media_type : "",
                   media_type ? "\"" : "", config_desc, layers);
}

#define CONFIG_DESC                                                                                \
  "{\"mediaType\": \"" OCI_CONFIG_TYPE "\", \"digest\": \"sha256:" HEX_A "\", \"size\": 1234}"
#define LAYER_DESC(type, hex, size)                                                                \
  "{\"mediaType\": \"" type "\", \"digest\": \"sha256:" hex "\", \"size\": " #size "}"

static void
check_manifest_rejected (const char *text, size_t len, const char *needle, const char *file,
                         int line)
{
  struct image_manifest m;
  nook_error_t err = NULL;

  if (image_manifest_parse (text, len, &m, &err) >= 0)
    {
      unit_fail_ (file, line, "accepted: %.200s", text);
      image_manifest_free (&m);
      return;
    }
  if (err == NULL)
    unit_fail_ (file, line, "failed without an error");
  else if (needle && strstr (err->msg, needle) == NULL)
    unit_fail_ (file, line, "the message does not mention `%s`: %s", needle, err->msg);
  nook_error_free (&err);
  if (m.layers || m.n_layers || m.config.digest || m.config.media_type)
    unit_fail_ (file, line, "a failed parse left the manifest filled");
}
#define CHECK_MANIFEST_REJECTED(text, needle)                                                      \
  check_manifest_rejected ((text), strlen (text), (needle), __FILE__, __LINE__)

TEST (manifest_oci)
{
  const char *text = manifest (OCI_MANIFEST_TYPE, CONFIG_DESC,
                               LAYER_DESC (OCI_LAYER_GZ, HEX_B, 100) ", " LAYER_DESC (
                                   "application/vnd.oci.image.layer.v1.tar", HEX_C, 0));
  struct image_manifest m;
  nook_error_t err = NULL;

  if (!CHECK_OK (image_manifest_parse (text, strlen (text), &m, &err), &err))
    return;
  CHECK_STR_EQ (m.config.media_type, OCI_CONFIG_TYPE);
  CHECK_STR_EQ (m.config.digest, "sha256:" HEX_A);
  CHECK_INT_EQ (m.config.size, 1234);
  CHECK_INT_EQ (m.n_layers, 2);
  CHECK_STR_EQ (m.layers[0].media_type, OCI_LAYER_GZ);
  CHECK_STR_EQ (m.layers[0].digest, "sha256:" HEX_B);
  CHECK_INT_EQ (m.layers[0].size, 100);
  CHECK_INT_EQ (m.layers[1].size, 0);
  image_manifest_free (&m);
  image_manifest_free (&m); /* twice is fine */
}

TEST (manifest_docker_v2s2)
{
  static const char text[]
      = "{\"schemaVersion\": 2,"
        " \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\","
        " \"config\": {\"mediaType\": \"application/vnd.docker.container.image.v1+json\","
        " \"size\": 1469, \"digest\": \"sha256:" HEX_A "\"},"
        " \"layers\": [{\"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\","
        " \"size\": 2591575, \"digest\": \"sha256:" HEX_B "\"}]}";
  struct image_manifest m;
  nook_error_t err = NULL;

  if (!CHECK_OK (image_manifest_parse (text, strlen (text), &m, &err), &err))
    return;
  CHECK_STR_EQ (m.config.media_type, "application/vnd.docker.container.image.v1+json");
  CHECK_INT_EQ (m.config.size, 1469);
  CHECK_INT_EQ (m.n_layers, 1);
  CHECK_STR_EQ (m.layers[0].media_type, "application/vnd.docker.image.rootfs.diff.tar.gzip");
  CHECK_INT_EQ (m.layers[0].size, 2591575);
  image_manifest_free (&m);
}

TEST (manifest_without_media_type)
{
  /* mediaType is optional in an OCI manifest and in its descriptors.  */
  const char *text = manifest (NULL, "{\"digest\": \"sha256:" HEX_A "\", \"size\": 1}",
                               "{\"digest\": \"sha256:" HEX_B "\", \"size\": 2}");
  struct image_manifest m;
  nook_error_t err = NULL;

  if (!CHECK_OK (image_manifest_parse (text, strlen (text), &m, &err), &err))
    return;
  CHECK_STR_EQ (m.config.media_type, "");
  CHECK_STR_EQ (m.layers[0].media_type, "");
  image_manifest_free (&m);
}

TEST (manifest_no_layers)
{
  const char *text = manifest (OCI_MANIFEST_TYPE, CONFIG_DESC, "");
  struct image_manifest m;
  nook_error_t err = NULL;

  if (!CHECK_OK (image_manifest_parse (text, strlen (text), &m, &err), &err))
    return;
  CHECK_INT_EQ (m.n_layers, 0);
  image_manifest_free (&m);
}

TEST (manifest_rejected)
{
  /* Schema 1, named as such.  */
  CHECK_MANIFEST_REJECTED ("{\"schemaVersion\": 1, \"name\": \"x\", \"fsLayers\": []}", "schema 1");
  CHECK_MANIFEST_REJECTED ("{\"schemaVersion\": 3}", "schemaVersion");
  CHECK_MANIFEST_REJECTED ("{\"config\": {}}", "schemaVersion");
  CHECK_MANIFEST_REJECTED ("{\"schemaVersion\": \"2\"}", "schemaVersion");
  /* Indexes and manifest lists are not image manifests.  */
  CHECK_MANIFEST_REJECTED ("{\"schemaVersion\": 2, \"mediaType\": "
                           "\"application/vnd.oci.image.index.v1+json\", \"manifests\": []}",
                           "application/vnd.oci.image.index.v1+json");
  CHECK_MANIFEST_REJECTED (
      "{\"schemaVersion\": 2, \"mediaType\": "
      "\"application/vnd.docker.distribution.manifest.list.v2+json\", \"manifests\": []}",
      "manifest.list");
  /* An index without a mediaType has no config.  */
  CHECK_MANIFEST_REJECTED ("{\"schemaVersion\": 2, \"manifests\": []}", "config");
  /* Not JSON, not an object.  */
  CHECK_MANIFEST_REJECTED ("", NULL);
  CHECK_MANIFEST_REJECTED ("[]", NULL);
  CHECK_MANIFEST_REJECTED ("{\"schemaVersion\": 2", NULL);
  /* config and layers of the wrong type, or missing.  */
  CHECK_MANIFEST_REJECTED ("{\"schemaVersion\": 2, \"layers\": []}", "config");
  CHECK_MANIFEST_REJECTED (manifest (NULL, CONFIG_DESC, "1"), "layers[0]");
  CHECK_MANIFEST_REJECTED ("{\"schemaVersion\": 2, \"config\": [],"
                           " \"layers\": []}",
                           "config");
  CHECK_MANIFEST_REJECTED ("{\"schemaVersion\": 2, \"config\": " CONFIG_DESC "}", "layers");
}

TEST (manifest_bad_descriptors)
{
  CHECK_MANIFEST_REJECTED (
      manifest (NULL, CONFIG_DESC,
                LAYER_DESC (OCI_LAYER_GZ, HEX_B, 1) ", " LAYER_DESC (OCI_LAYER_GZ, HEX_C, -5)),
      "negative");
  CHECK_MANIFEST_REJECTED (manifest (NULL, "{\"digest\": \"sha256:" HEX_A "\", \"size\": -1}", ""),
                           "negative");
  CHECK_MANIFEST_REJECTED (manifest (NULL, CONFIG_DESC, LAYER_DESC (OCI_LAYER_GZ, "abc", 1)),
                           "digest");
  CHECK_MANIFEST_REJECTED (manifest (NULL, CONFIG_DESC,
                                     "{\"mediaType\": \"" OCI_LAYER_GZ
                                     "\", \"digest\": \"sha512:" HEX_A HEX_A "\", \"size\": 1}"),
                           "sha512");
  CHECK_MANIFEST_REJECTED (manifest (NULL, CONFIG_DESC,
                                     "{\"mediaType\": \"" OCI_LAYER_GZ
                                     "\", \"digest\": \"sha256:" HEX_A "/../x\", \"size\": 1}"),
                           "digest");
  CHECK_MANIFEST_REJECTED (
      manifest (NULL, CONFIG_DESC, "{\"mediaType\": \"" OCI_LAYER_GZ "\", \"size\": 1}"),
      "layers[0]");
  CHECK_MANIFEST_REJECTED (
      manifest (NULL, CONFIG_DESC, "{\"digest\": \"sha256:" HEX_B "\", \"size\": \"1\"}"),
      "layers[0]");
  CHECK_MANIFEST_REJECTED (
      manifest (NULL, CONFIG_DESC, "{\"digest\": \"sha256:" HEX_B "\", \"size\": 1.5}"),
      "layers[0]");
}

TEST (manifest_unknown_layer_type)
{
  /* Regression, fixed — it used to be that image_manifest_parse (pkg/image/manifest.c) rejects an
     unknown layer media type with
       return image_manifest_free (m), nook_error (..., m->layers[i].media_type);
     the comma operator frees (and zeroes) the manifest first, then reads
     m->layers[i] through the NULL pointer: a manifest with one layer of
     type "application/vnd.example.weird" (any non-image artifact, e.g. a
     Wasm or Helm layer) crashes nook with SIGSEGV.  Expected: an error
     naming the type.  Run in a child of its own, so the crash fails this
     test only.  */
  CHECK_MANIFEST_REJECTED (
      manifest (NULL, CONFIG_DESC, LAYER_DESC ("application/vnd.example.weird", HEX_B, 1)),
      "application/vnd.example.weird");
  CHECK_MANIFEST_REJECTED (manifest (NULL, CONFIG_DESC,
                                     LAYER_DESC (OCI_LAYER_GZ, HEX_B, 1) ", " LAYER_DESC (
                                         "application/vnd.oci.image.layer.v1.tar+bzip2", HEX_C, 1)),
                           "layer 1");
}

TEST (manifest_errors_name_the_member)
{
  /* Regression, fixed — it used to be that image_descriptor_parse (pkg/image/manifest.c) passes the
     descriptor's own name as the FIELD of its members' getters, so a
     missing "digest" or a "size" of the wrong type is reported as
     "missing field `config`" or "field `layers[0]` must be an integer",
     naming an object that is there instead of the member that is wrong.
     Expected "config.digest", "layers[0].size".  */
  CHECK_MANIFEST_REJECTED (manifest (NULL, "{\"size\": 1}", ""), "config.digest");
  CHECK_MANIFEST_REJECTED (
      manifest (NULL, CONFIG_DESC, "{\"digest\": \"sha256:" HEX_B "\", \"size\": \"1\"}"),
      "layers[0].size");
}

TEST (manifest_size_limit)
{
  size_t n = IMAGE_MANIFEST_MAX + 1;
  char *big = unit_keep (xmalloc (n + 1));
  const char *head = manifest (OCI_MANIFEST_TYPE, CONFIG_DESC, "");
  size_t hl = strlen (head);

  /* A valid manifest padded with whitespace past the limit.  */
  memset (big, ' ', n);
  memcpy (big, head, hl);
  big[n] = '\0';
  check_manifest_rejected (big, n, "larger", __FILE__, __LINE__);
  /* At the limit it is fine.  */
  {
    struct image_manifest m;
    nook_error_t err = NULL;
    big[n - 1] = '\0';
    if (CHECK_OK (image_manifest_parse (big, n - 1, &m, &err), &err))
      image_manifest_free (&m);
  }
}

/* ---- image configs ---- */

#define ROOTFS "\"rootfs\": {\"type\": \"layers\", \"diff_ids\": [\"sha256:" HEX_A "\"]}"

static void
check_config_rejected (const char *text, const char *needle, const char *file, int line)
{
  struct image_config c;
  nook_error_t err = NULL;

  if (image_config_parse (text, strlen (text), &c, &err) >= 0)
    {
      unit_fail_ (file, line, "accepted: %.200s", text);
      image_config_free (&c);
      return;
    }
  if (err == NULL)
    unit_fail_ (file, line, "failed without an error");
  else if (needle && strstr (err->msg, needle) == NULL)
    unit_fail_ (file, line, "the message does not mention `%s`: %s", needle, err->msg);
  nook_error_free (&err);
  if (c.env || c.cmd || c.entrypoint || c.labels || c.diff_ids || c.workdir || c.user || c.os)
    unit_fail_ (file, line, "a failed parse left the config filled");
}
#define CHECK_CONFIG_REJECTED(text, needle)                                                        \
  check_config_rejected ((text), (needle), __FILE__, __LINE__)

TEST (config_full)
{
  static const char text[]
      = "{\"architecture\": \"amd64\", \"os\": \"linux\","
        " \"created\": \"2024-01-02T03:04:05.123456789Z\","
        " \"config\": {\"Env\": [\"PATH=/usr/bin\", \"A=b c\"], \"Cmd\": [\"sh\", \"-c\", \"x\"],"
        " \"Entrypoint\": [\"/init\"], \"WorkingDir\": \"/srv\", \"User\": \"1000:1000\","
        " \"Labels\": {\"org.opencontainers.image.title\": \"t\", \"empty\": \"\"},"
        " \"ExposedPorts\": {\"80/tcp\": {}}, \"StopSignal\": \"SIGTERM\"},"
        " \"rootfs\": {\"type\": \"layers\", \"diff_ids\": [\"sha256:" HEX_A "\", \"sha256:" HEX_B
        "\"]}, \"history\": [{\"created_by\": \"x\"}]}";
  struct image_config c;
  nook_error_t err = NULL;

  if (!CHECK_OK (image_config_parse (text, strlen (text), &c, &err), &err))
    return;
  CHECK_STR_EQ (c.architecture, "amd64");
  CHECK_STR_EQ (c.os, "linux");
  CHECK_STR_EQ (c.created, "2024-01-02T03:04:05.123456789Z");
  CHECK_INT_EQ (strv_len (c.env), 2);
  CHECK_STR_EQ (c.env[1], "A=b c");
  CHECK_INT_EQ (strv_len (c.cmd), 3);
  CHECK_STR_EQ (c.cmd[2], "x");
  CHECK_INT_EQ (strv_len (c.entrypoint), 1);
  CHECK_STR_EQ (c.entrypoint[0], "/init");
  CHECK_STR_EQ (c.workdir, "/srv");
  CHECK_STR_EQ (c.user, "1000:1000");
  CHECK_INT_EQ (strv_len (c.labels), 2);
  CHECK_STR_EQ (c.labels[0], "org.opencontainers.image.title=t");
  CHECK_STR_EQ (c.labels[1], "empty=");
  CHECK_INT_EQ (strv_len (c.diff_ids), 2);
  CHECK_STR_EQ (c.diff_ids[1], "sha256:" HEX_B);
  image_config_free (&c);
  image_config_free (&c);
}

TEST (config_minimal)
{
  static const char text[] = "{" ROOTFS "}";
  static const char nulls[] = "{\"config\": null, " ROOTFS "}";
  static const char empties[]
      = "{\"config\": {\"WorkingDir\": \"\", \"User\": \"\", \"Env\": null, \"Cmd\": null,"
        " \"Labels\": null}, " ROOTFS "}";
  struct image_config c;
  nook_error_t err = NULL;

  if (CHECK_OK (image_config_parse (text, strlen (text), &c, &err), &err))
    {
      CHECK (c.env == NULL && c.cmd == NULL && c.entrypoint == NULL && c.labels == NULL);
      CHECK (c.workdir == NULL && c.user == NULL && c.created == NULL);
      CHECK_STR_EQ (c.architecture, "");
      CHECK_STR_EQ (c.os, "");
      CHECK_INT_EQ (strv_len (c.diff_ids), 1);
      image_config_free (&c);
    }
  if (CHECK_OK (image_config_parse (nulls, strlen (nulls), &c, &err), &err))
    image_config_free (&c);
  /* Empty WorkingDir and User mean unset.  */
  if (CHECK_OK (image_config_parse (empties, strlen (empties), &c, &err), &err))
    {
      CHECK (c.workdir == NULL && c.user == NULL);
      image_config_free (&c);
    }
}

TEST (config_empty_diff_ids)
{
  static const char text[] = "{\"rootfs\": {\"type\": \"layers\", \"diff_ids\": []}}";
  struct image_config c;
  nook_error_t err = NULL;

  if (CHECK_OK (image_config_parse (text, strlen (text), &c, &err), &err))
    {
      CHECK (c.diff_ids != NULL && c.diff_ids[0] == NULL);
      image_config_free (&c);
    }
}

TEST (config_rejected)
{
  CHECK_CONFIG_REJECTED ("{}", "rootfs");
  CHECK_CONFIG_REJECTED ("{\"rootfs\": {}}", "rootfs.diff_ids");
  CHECK_CONFIG_REJECTED ("{\"rootfs\": []}", "rootfs");
  CHECK_CONFIG_REJECTED ("{\"rootfs\": {\"diff_ids\": \"sha256:" HEX_A "\"}}", "rootfs.diff_ids");
  CHECK_CONFIG_REJECTED ("{\"rootfs\": {\"diff_ids\": [\"sha256:abc\"]}}", "sha256:abc");
  CHECK_CONFIG_REJECTED ("{\"rootfs\": {\"diff_ids\": [\"md5:" HEX_A "\"]}}", "md5");
  CHECK_CONFIG_REJECTED ("{\"rootfs\": {\"diff_ids\": [1]}}", "rootfs.diff_ids[0]");
  CHECK_CONFIG_REJECTED ("{\"config\": {\"Labels\": {\"ok\": \"x\", \"version\": 2}}, " ROOTFS "}",
                         "config.Labels.version");
  CHECK_CONFIG_REJECTED ("{\"config\": {\"Labels\": [\"a=b\"]}, " ROOTFS "}", "config.Labels");
  CHECK_CONFIG_REJECTED ("{\"config\": {\"Env\": \"A=b\"}, " ROOTFS "}", "config.Env");
  CHECK_CONFIG_REJECTED ("{\"config\": {\"Cmd\": [\"sh\", null]}, " ROOTFS "}", "config.Cmd[1]");
  CHECK_CONFIG_REJECTED ("{\"config\": {\"Entrypoint\": \"sh\"}, " ROOTFS "}", "config.Entrypoint");
  CHECK_CONFIG_REJECTED ("{\"config\": {\"WorkingDir\": 5}, " ROOTFS "}", "config.WorkingDir");
  CHECK_CONFIG_REJECTED ("{\"config\": {\"User\": 0}, " ROOTFS "}", "config.User");
  CHECK_CONFIG_REJECTED ("{\"config\": \"x\", " ROOTFS "}", "config");
  CHECK_CONFIG_REJECTED ("{\"os\": 1, " ROOTFS "}", "os");
  CHECK_CONFIG_REJECTED ("{\"created\": 1, " ROOTFS "}", "created");
  CHECK_CONFIG_REJECTED ("[]", NULL);
  CHECK_CONFIG_REJECTED ("{", NULL);
}

TEST (config_size_limit)
{
  size_t n = IMAGE_CONFIG_MAX + 1;
  char *big = unit_keep (xmalloc (n + 1));
  struct image_config c;
  nook_error_t err = NULL;

  memset (big, ' ', n);
  memcpy (big, "{" ROOTFS "}", strlen ("{" ROOTFS "}"));
  big[n] = '\0';
  CHECK_FAIL (image_config_parse (big, n, &c, &err), &err, "larger");
}

UNIT_MAIN ()
