/* `image inspect`: the document Podman prints, from the stored image, its
   manifest and its config.  */
#include "storage/internal.h"

#include <string.h>

static void
repo_digests (struct json_gen *g, const struct storage_image *img)
{
  json_gen_key (g, "RepoDigests");
  json_gen_array_open (g);
  for (size_t i = 0; img->names && img->names[i]; i++)
    {
      struct image_ref ref;
      nook_error_t err = NULL;
      _cleanup_free_ char *repo = NULL, *s = NULL;
      if (image_ref_parse (img->names[i], &ref, &err) < 0)
        {
          nook_error_free (&err);
          continue;
        }
      repo = image_ref_repository (&ref);
      s = xasprintf ("%s@%s", repo, img->digest);
      json_gen_string (g, s);
      image_ref_free (&ref);
    }
  json_gen_array_close (g);
}

static void
graph_driver (struct json_gen *g, struct storage *st, const struct storage_image *img)
{
  size_t n = strv_len (img->layers);
  struct nook_buf lower = { 0 };

  for (size_t i = n - 1; n > 1 && i > 0; i--)
    {
      _cleanup_free_ char *p = storage_layer_diff_path (st, img->layers[i - 1]);
      if (lower.len)
        nook_buf_putc (&lower, ':');
      nook_buf_puts (&lower, p);
    }
  json_gen_key (g, "GraphDriver");
  json_gen_object_open (g);
  json_gen_kv_string (g, "Name", "overlay");
  json_gen_key (g, "Data");
  json_gen_object_open (g);
  if (lower.len)
    json_gen_kv_string (g, "LowerDir", lower.data);
  if (n)
    {
      _cleanup_free_ char *top = storage_layer_diff_path (st, img->layers[n - 1]);
      json_gen_kv_string (g, "UpperDir", top);
    }
  json_gen_object_close (g);
  json_gen_object_close (g);
  nook_buf_free (&lower);
}

/* Member KEY of OBJ re-emitted, or DEFAULT_NULL ? null : {}.  */
static void
copy_member (struct json_gen *g, const nook_json *obj, const char *key, const char *as,
             bool empty_object)
{
  nook_json *v = json_get (obj, key);
  json_gen_key (g, as);
  if (v)
    json_gen_value (g, v);
  else if (empty_object)
    {
      json_gen_object_open (g);
      json_gen_object_close (g);
    }
  else
    json_gen_null (g);
}

static const char *
str_or_empty (const nook_json *obj, const char *key)
{
  const char *s = json_str (json_get (obj, key));
  return s ? s : "";
}

int
storage_image_inspect (struct storage *st, const struct storage_image *img, struct json_gen *g,
                       nook_error_t *err)
{
  _cleanup_free_ char *mpath = xasprintf ("%s/manifest", img->id);
  _cleanup_free_ char *cpath = xasprintf ("%s/config", img->id);
  _cleanup_free_ char *mtext = NULL, *ctext = NULL;
  _cleanup_json_ nook_json *m = NULL, *c = NULL;
  nook_json *config;
  size_t mlen, clen;
  const char *mtype;

  if (nook_read_file_at (st->imagesfd, mpath, IMAGE_MANIFEST_MAX, &mtext, &mlen, err) < 0
      || json_parse (mtext, mlen, &m, err) < 0
      || nook_read_file_at (st->imagesfd, cpath, IMAGE_CONFIG_MAX, &ctext, &clen, err) < 0
      || json_parse (ctext, clen, &c, err) < 0)
    return nook_error_prefix (err, "image %.12s", img->id);
  config = json_get (c, "config");
  mtype = json_str (json_get (m, "mediaType"));
  json_gen_object_open (g);
  json_gen_kv_string (g, "Id", img->id);
  json_gen_kv_string (g, "Digest", img->digest);
  json_gen_kv_strv (g, "RepoTags", img->names);
  repo_digests (g, img);
  json_gen_kv_string (g, "Parent", "");
  json_gen_kv_string (g, "Comment", str_or_empty (c, "comment"));
  json_gen_kv_string (g, "Created", img->created ? img->created : "");
  copy_member (g, c, "config", "Config", true);
  json_gen_kv_string (g, "Version", str_or_empty (c, "docker_version"));
  json_gen_kv_string (g, "Author", str_or_empty (c, "author"));
  json_gen_kv_string (g, "Architecture", str_or_empty (c, "architecture"));
  json_gen_kv_string (g, "Os", str_or_empty (c, "os"));
  json_gen_kv_int (g, "Size", img->size);
  json_gen_kv_int (g, "VirtualSize", img->size);
  graph_driver (g, st, img);
  json_gen_key (g, "RootFS");
  json_gen_object_open (g);
  json_gen_kv_string (g, "Type", "layers");
  copy_member (g, json_get (c, "rootfs"), "diff_ids", "Layers", false);
  json_gen_object_close (g);
  copy_member (g, config, "Labels", "Labels", false);
  copy_member (g, m, "annotations", "Annotations", true);
  json_gen_kv_string (g, "ManifestType",
                      mtype ? mtype : "application/vnd.oci.image.manifest.v1+json");
  json_gen_kv_string (g, "User", str_or_empty (config, "User"));
  copy_member (g, c, "history", "History", false);
  json_gen_key (g, "NamesHistory");
  json_gen_array_open (g);
  json_gen_array_close (g);
  json_gen_object_close (g);
  return 0;
}
