/* Save as a docker-archive, the layout Podman writes (containers/image
   5.23, as in Podman 4.3): per image, each layer decompressed as
   <diff_id hex>.tar, the config as <config hex>.json, then for every
   layer a legacy directory <v1 id>/ holding layer.tar (a symlink to
   ../<diff_id hex>.tar), VERSION ("1.0") and json; manifest.json and
   repositories last.  Files 0444, symlinks 0, owner 0, mtime 0; the v1
   IDs are computed as containers/image computes them, so the archive is
   the one Podman writes.  */
#include "image/internal.h"

#include <string.h>
#include <sys/stat.h>

/* ---- raw JSON: members as written, compacted as Go's encoding/json ---- */

static const char *
json_ws (const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

/* P at a '"': the first byte after the closing quote, or NULL.  */
static const char *
json_string_end (const char *p, const char *end)
{
  for (p++; p < end; p++)
    if (*p == '\\')
      p++;
    else if (*p == '"')
      return p + 1;
  return NULL;
}

/* P at a value: the first byte after it, or NULL.  */
static const char *
json_value_end (const char *p, const char *end)
{
  int depth = 0;

  do
    {
      p = json_ws (p, end);
      if (p >= end)
        return NULL;
      if (*p == '"')
        p = json_string_end (p, end);
      else if (*p == '{' || *p == '[')
        depth++, p++;
      else if (*p == '}' || *p == ']')
        {
          if (--depth < 0)
            return NULL;
          p++;
        }
      else if (*p == ',' || *p == ':')
        {
          if (depth == 0)
            return NULL;
          p++;
        }
      else
        {
          const char *start = p;
          while (p < end && *p != '\0' && strchr (",:[]{}\" \t\r\n", *p) == NULL)
            p++;
          if (p == start) /* a NUL byte, which no JSON value holds */
            return NULL;
        }
      if (p == NULL)
        return NULL;
    }
  while (depth > 0);
  return p;
}

/* The text of member KEY of object TEXT (the last when repeated, as Go
   decodes), or NULL.  */
static const char *
json_raw_member (const char *text, size_t len, const char *key, size_t *vlen)
{
  const char *p = text, *end = text + len, *found = NULL;
  size_t klen = strlen (key);

  p = json_ws (p, end);
  if (p >= end || *p != '{')
    return NULL;
  for (p++;;)
    {
      const char *k, *kend, *v, *vend;

      p = json_ws (p, end);
      if (p < end && *p == '}')
        return found;
      if (p >= end || *p != '"' || (kend = json_string_end (p, end)) == NULL)
        return NULL;
      k = p + 1;
      p = json_ws (kend, end);
      if (p >= end || *p != ':')
        return NULL;
      v = json_ws (p + 1, end);
      if ((vend = json_value_end (v, end)) == NULL)
        return NULL;
      if ((size_t)(kend - 1 - k) == klen && memcmp (k, key, klen) == 0)
        {
          found = v;
          *vlen = (size_t)(vend - v);
        }
      p = json_ws (vend, end);
      if (p < end && *p == ',')
        p++;
    }
}

/* Append V compacted as Go compacts a json.RawMessage it marshals: no
   blanks outside strings, and <, >, &, U+2028, U+2029 escaped.  */
static void
json_go_compact (struct nook_buf *b, const char *v, size_t len)
{
  bool in_string = false;

  for (size_t i = 0; i < len; i++)
    {
      unsigned char c = (unsigned char)v[i];
      if (!in_string)
        {
          if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
          in_string = c == '"';
          nook_buf_putc (b, (char)c);
          continue;
        }
      if (c == '\\' && i + 1 < len)
        {
          nook_buf_append (b, v + i, 2);
          i++;
        }
      else if (c == '<' || c == '>' || c == '&')
        nook_buf_printf (b, "\\u00%02x", c);
      else if (c == 0xe2 && i + 2 < len && (unsigned char)v[i + 1] == 0x80
               && ((unsigned char)v[i + 2] == 0xa8 || (unsigned char)v[i + 2] == 0xa9))
        {
          nook_buf_printf (b, "\\u202%c", v[i + 2] == (char)0xa8 ? '8' : '9');
          i += 2;
        }
      else
        {
          in_string = c != '"';
          nook_buf_putc (b, (char)c);
        }
    }
}

/* ---- docker-archive ---- */

struct docker_item
{
  char *config_path;
  char **repo_tags;
  char **layer_paths;
};

struct docker_writer
{
  struct image_tar *t;
  int blobsfd;
  char **sent; /* member names written */
  struct docker_item *items;
  size_t nitems;
  char **repos; /* repositories entries: "repo\0tag\0v1 id" */
  size_t nrepos;
};

static bool
sent_once (struct docker_writer *w, const char *name)
{
  if (strv_contains (w->sent, name))
    return false;
  strv_push (&w->sent, xstrdup (name));
  return true;
}

struct layer_sink
{
  struct image_tar *t;
  int64_t left;
};

static int
layer_sink (void *data, const void *buf, size_t len, nook_error_t *err)
{
  struct layer_sink *s = data;

  if ((int64_t)len > s->left)
    return nook_error (err, 0, "larger than the store recorded: the store is damaged");
  s->left -= (int64_t)len;
  return image_tar_data (s->t, buf, len, err);
}

/* Write layer BLOB decompressed as <diff hex>.tar, checking DIFF_ID.  */
static int
docker_layer (struct docker_writer *w, const struct image_descriptor *blob, const char *diff_id,
              int64_t size, nook_error_t *err)
{
  _cleanup_close_ int fd = -1;
  _cleanup_free_ char *path = NULL;
  struct layer_sink s = { w->t, 0 };
  struct image_tar_entry e = { .mode = S_IFREG | 0444 };
  const char *diff_hex;
  char hex[65];
  int64_t got;

  if (nook_digest_hex (diff_id, &diff_hex, err) < 0)
    return -1;
  path = xasprintf ("%s.tar", diff_hex);
  if (!sent_once (w, path))
    return 0;
  if ((fd = image_blob_open (w->blobsfd, blob->digest, blob->size, err)) < 0)
    return -1;
  /* The tar header needs the size first: the store recorded it; count it
     when it did not.  */
  if (size <= 0)
    {
      if (image_blob_unpack (fd, NULL, NULL, &size, hex, NULL, err) < 0)
        return nook_error_prefix (err, "layer %s", blob->digest);
      if (lseek (fd, 0, SEEK_SET) < 0)
        return nook_error (err, errno, "rewind layer %s", blob->digest);
    }
  e.path = path;
  e.size = size;
  s.left = size;
  if (image_tar_header (w->t, &e, err) < 0)
    return -1;
  if (image_blob_unpack (fd, layer_sink, &s, &got, hex, NULL, err) < 0)
    return nook_error_prefix (err, "layer %s", blob->digest);
  if (got != size || strcmp (hex, diff_hex) != 0)
    return nook_error (err, 0,
                       "layer %s does not match its diff_id %s (it is sha256:%s, %lld bytes): "
                       "the store is damaged",
                       blob->digest, diff_id, hex, (long long)got);
  return 0;
}

/* The legacy per-layer config, keys in Go's map order.  The top layer
   gets 7 members of the image config, as containers/image copies them;
   KEY is "layer_id" (hashed for the v1 ID) or "id".  */
static void
legacy_json (struct nook_buf *b, const struct image_save_item *it, bool top, const char *key,
             const char *value, const char *parent)
{
  static const char *const attrs[]
      = { "architecture", "config", "container", "container_config", "created", "docker_version" };

  nook_buf_putc (b, '{');
  for (size_t i = 0; top && i < NOOK_ARRAY_SIZE (attrs); i++)
    {
      size_t vlen = 0;
      const char *v = json_raw_member (it->config, it->config_len, attrs[i], &vlen);
      nook_buf_printf (b, "\"%s\":", attrs[i]);
      if (v)
        json_go_compact (b, v, vlen);
      else
        nook_buf_puts (b, "null");
      nook_buf_putc (b, ',');
    }
  nook_buf_printf (b, "\"%s\":\"%s\"", key, value);
  if (top)
    {
      size_t vlen = 0;
      const char *v = json_raw_member (it->config, it->config_len, "os", &vlen);
      nook_buf_puts (b, ",\"os\":");
      if (v)
        json_go_compact (b, v, vlen);
      else
        nook_buf_puts (b, "null");
    }
  if (parent)
    nook_buf_printf (b, ",\"parent\":\"%s\"", parent);
  nook_buf_putc (b, '}');
}

/* Podman's legacy layer directories; *TOP gets the v1 ID of the last.  */
static int
docker_legacy (struct docker_writer *w, const struct image_save_item *it, char **diff_ids,
               char top[65], nook_error_t *err)
{
  char chain[72] = "", parent[65] = "";
  size_t n = strv_len (diff_ids);

  for (size_t i = 0; i < n; i++)
    {
      struct nook_buf b = { 0 };
      _cleanup_free_ char *link = NULL, *dir_link = NULL, *version = NULL, *json = NULL;
      struct image_tar_entry e = { .mode = S_IFLNK };
      const char *hex;
      char id[65];
      int r;

      if (i == 0)
        snprintf (chain, sizeof (chain), "%s", diff_ids[0]);
      else
        {
          _cleanup_free_ char *text = xasprintf ("%s %s", chain, diff_ids[i]);
          if (nook_sha256_hex (text, strlen (text), id, err) < 0)
            return -1;
          snprintf (chain, sizeof (chain), "sha256:%s", id);
        }
      legacy_json (&b, it, i + 1 == n, "layer_id", chain, parent[0] ? parent : NULL);
      r = nook_sha256_hex (b.data, b.len, id, err);
      nook_buf_free (&b);
      if (r < 0 || nook_digest_hex (diff_ids[i], &hex, err) < 0)
        return -1;
      legacy_json (&b, it, i + 1 == n, "id", id, parent[0] ? parent : NULL);
      dir_link = xasprintf ("%s/layer.tar", id);
      if (sent_once (w, dir_link))
        {
          link = xasprintf ("../%s.tar", hex);
          version = xasprintf ("%s/VERSION", id);
          json = xasprintf ("%s/json", id);
          e.path = dir_link;
          e.link = link;
          r = image_tar_header (w->t, &e, err);
          if (r == 0)
            r = image_tar_bytes (w->t, version, 0444, "1.0", 3, err);
          if (r == 0)
            r = image_tar_bytes (w->t, json, 0444, b.data, b.len, err);
        }
      nook_buf_free (&b);
      if (r < 0)
        return -1;
      memcpy (parent, id, 65);
    }
  memcpy (top, parent, 65);
  return 0;
}

static void
docker_items_free (struct docker_writer *w)
{
  for (size_t i = 0; i < w->nitems; i++)
    {
      free (w->items[i].config_path);
      strv_free (w->items[i].repo_tags);
      strv_free (w->items[i].layer_paths);
    }
  free (w->items);
  strv_free (w->sent);
  for (size_t i = 0; i < w->nrepos; i++)
    free (w->repos[i]);
  free (w->repos);
}

/* "repo:tag" of a tagged NAME, or NULL (an untagged or invalid name).  */
static char *
repo_tag (const char *name, char **repo, char **tag)
{
  struct image_ref ref;
  nook_error_t err = NULL;
  char *s = NULL;

  if (image_ref_parse (name, &ref, &err) < 0)
    {
      nook_error_free (&err);
      return NULL;
    }
  if (ref.tag)
    {
      *repo = image_ref_repository (&ref);
      *tag = xstrdup (ref.tag);
      s = xasprintf ("%s:%s", *repo, *tag);
    }
  image_ref_free (&ref);
  return s;
}

static void
repos_add (struct docker_writer *w, const char *repo, const char *tag, const char *id)
{
  size_t lr = strlen (repo), lt = strlen (tag);
  char *e = xmalloc (lr + lt + strlen (id) + 3);

  memcpy (e, repo, lr + 1);
  memcpy (e + lr + 1, tag, lt + 1);
  strcpy (e + lr + lt + 2, id);
  w->repos = xrealloc (w->repos, (w->nrepos + 1) * sizeof (char *));
  w->repos[w->nrepos++] = e;
}

static void
docker_item_add (struct docker_writer *w, const char *config_hex, char **diff_ids)
{
  struct docker_item *item;

  w->items = xrealloc (w->items, (w->nitems + 1) * sizeof (*w->items));
  item = &w->items[w->nitems++];
  item->config_path = xasprintf ("%s.json", config_hex);
  item->repo_tags = xzalloc (sizeof (char *));
  item->layer_paths = xzalloc (sizeof (char *));
  for (size_t k = 0; diff_ids[k]; k++)
    strv_push (&item->layer_paths, xasprintf ("%s.tar", diff_ids[k] + 7));
}

/* Layers, config and legacy directories of IT, then its manifest.json
   entry and its repositories tags.  */
static int
docker_image_body (struct docker_writer *w, const struct image_save_item *it,
                   const struct image_manifest *m, char **diff_ids, nook_error_t *err)
{
  struct docker_item *item;
  char hex[65], top[65] = "";

  if (strv_len (diff_ids) != m->n_layers)
    return nook_error (err, 0, "the config lists %zu diff_ids for %zu layers", strv_len (diff_ids),
                       m->n_layers);
  for (size_t k = 0; k < m->n_layers; k++)
    if (docker_layer (w, &m->layers[k], diff_ids[k], it->layer_sizes ? it->layer_sizes[k] : 0, err)
        < 0)
      return -1;
  if (nook_sha256_hex (it->config, it->config_len, hex, err) < 0)
    return -1;
  docker_item_add (w, hex, diff_ids);
  item = &w->items[w->nitems - 1];
  if (sent_once (w, item->config_path)
      && image_tar_bytes (w->t, item->config_path, 0444, it->config, it->config_len, err) < 0)
    return -1;
  if (m->n_layers > 0 && docker_legacy (w, it, diff_ids, top, err) < 0)
    return -1;
  for (size_t i = 0; it->names && it->names[i]; i++)
    {
      _cleanup_free_ char *repo = NULL, *tag = NULL;
      char *rt = repo_tag (it->names[i], &repo, &tag);
      if (rt == NULL || strv_contains (item->repo_tags, rt))
        {
          free (rt);
          continue;
        }
      strv_push (&item->repo_tags, rt);
      if (top[0])
        repos_add (w, repo, tag, top);
    }
  return 0;
}

static int
docker_image (struct docker_writer *w, const struct image_save_item *it, nook_error_t *err)
{
  struct image_manifest m;
  struct image_config cfg;
  int r;

  if (image_manifest_parse (it->manifest, it->manifest_len, &m, err) < 0)
    return -1;
  if (image_config_parse (it->config, it->config_len, &cfg, err) < 0)
    {
      image_manifest_free (&m);
      return -1;
    }
  r = docker_image_body (w, it, &m, cfg.diff_ids, err);
  image_config_free (&cfg);
  image_manifest_free (&m);
  return r;
}

/* A repositories entry: REPO, TAG and ID packed as "repo\0tag\0id".  */
static int
cmp_repo (const void *a, const void *b)
{
  const char *x = *(char *const *)a, *y = *(char *const *)b;
  int c = strcmp (x, y);
  return c ? c : strcmp (x + strlen (x) + 1, y + strlen (y) + 1);
}

/* {"repo":{"tag":"v1 id",...},...}: Go's map order; of two images with
   the same repo:tag the later wins, as the later map assignment does.  */
static void
docker_repositories (struct docker_writer *w, struct json_gen *g)
{
  size_t n = w->nrepos;
  const char *open_repo = NULL;

  /* Insertion sort: stable, so equal keys keep the order they came in.  */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && cmp_repo (&w->repos[j - 1], &w->repos[j]) > 0; j--)
      {
        char *x = w->repos[j - 1];
        w->repos[j - 1] = w->repos[j];
        w->repos[j] = x;
      }
  json_gen_object_open (g);
  for (size_t i = 0; i < n; i++)
    {
      const char *repo = w->repos[i], *tag = repo + strlen (repo) + 1;
      const char *id = tag + strlen (tag) + 1;

      if (i + 1 < n && cmp_repo (&w->repos[i], &w->repos[i + 1]) == 0)
        continue;
      if (open_repo == NULL || strcmp (open_repo, repo) != 0)
        {
          if (open_repo)
            json_gen_object_close (g);
          json_gen_key (g, repo);
          json_gen_object_open (g);
          open_repo = repo;
        }
      json_gen_kv_string (g, tag, id);
    }
  if (open_repo)
    json_gen_object_close (g);
  json_gen_object_close (g);
}

static int
docker_close (struct docker_writer *w, nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *m = json_gen_new (false);
  _cleanup_json_gen_ struct json_gen *r = json_gen_new (false);
  const char *text;
  size_t len;

  json_gen_array_open (m);
  for (size_t i = 0; i < w->nitems; i++)
    {
      json_gen_object_open (m);
      json_gen_kv_string (m, "Config", w->items[i].config_path);
      json_gen_kv_strv (m, "RepoTags", w->items[i].repo_tags);
      json_gen_kv_strv (m, "Layers", w->items[i].layer_paths);
      json_gen_object_close (m);
    }
  json_gen_array_close (m);
  text = json_gen_text (m, &len);
  if (image_tar_bytes (w->t, "manifest.json", 0444, text, len, err) < 0)
    return -1;
  docker_repositories (w, r);
  text = json_gen_text (r, &len);
  if (image_tar_bytes (w->t, "repositories", 0444, text, len, err) < 0)
    return -1;
  return image_tar_close (w->t, err);
}

int
image_save_docker (const struct image_save_item *items, size_t n, int blobsfd, int fd,
                   nook_error_t *err)
{
  struct docker_writer w = { .blobsfd = blobsfd };
  int r = image_tar_open (fd, &w.t, err);

  w.sent = xzalloc (sizeof (char *));
  for (size_t i = 0; r == 0 && i < n; i++)
    r = docker_image (&w, &items[i], err);
  if (r == 0)
    r = docker_close (&w, err);
  image_tar_free (w.t);
  docker_items_free (&w);
  return r;
}
