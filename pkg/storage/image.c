/* Image records and the names that point at them.  */
#include "storage/internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define IMAGE_JSON_MAX (1 << 20)
#define NAMES_JSON_MAX (16 << 20)

void
storage_names_free (struct storage_names *n)
{
  strv_free (n->name);
  strv_free (n->id);
  memset (n, 0, sizeof (*n));
}

size_t
storage_names_remove (struct storage_names *n, const char *name, const char *id)
{
  size_t k = 0, dropped = 0;

  for (size_t i = 0; i < n->n; i++)
    {
      if ((name && strcmp (n->name[i], name) == 0) || (id && strcmp (n->id[i], id) == 0))
        {
          free (n->name[i]);
          free (n->id[i]);
          dropped++;
          continue;
        }
      n->name[k] = n->name[i];
      n->id[k++] = n->id[i];
    }
  if (n->name)
    n->name[k] = n->id[k] = NULL;
  n->n = k;
  return dropped;
}

static void
names_add (struct storage_names *n, const char *name, const char *id)
{
  strv_push (&n->name, xstrdup (name));
  strv_push (&n->id, xstrdup (id));
  n->n++;
}

static int
names_read_file (struct storage *st, const char *file, struct storage_names *out, nook_error_t *err)
{
  _cleanup_free_ char *text = NULL;
  _cleanup_json_ nook_json *j = NULL;
  size_t len;

  memset (out, 0, sizeof (*out));
  if (nook_read_file_at (st->imagesfd, file, NAMES_JSON_MAX, &text, &len, err) < 0)
    {
      if ((*err)->errnum != ENOENT)
        return nook_error_prefix (err, "image names");
      nook_error_free (err);
      return 0;
    }
  if (json_parse (text, len, &j, err) < 0)
    return nook_error_prefix (err, "`%s/images/%s`", st->root, file);
  for (size_t i = 0; i < json_len (j); i++)
    {
      const char *id = json_str (json_at (j, i));
      if (id)
        names_add (out, json_key_at (j, i), id);
    }
  return 0;
}

static int
names_write_file (struct storage *st, const char *file, const struct storage_names *n,
                  nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (true);

  json_gen_object_open (g);
  for (size_t i = 0; i < n->n; i++)
    json_gen_kv_string (g, n->name[i], n->id[i]);
  json_gen_object_close (g);
  return json_gen_write_file (g, st->imagesfd, file, true, err);
}

int
storage_names_read (struct storage *st, struct storage_names *out, nook_error_t *err)
{
  return names_read_file (st, "names.json", out, err);
}

int
storage_names_write (struct storage *st, const struct storage_names *n, nook_error_t *err)
{
  return names_write_file (st, "names.json", n, err);
}

/* NAME now points at ID, wherever it pointed before.  */
static void
names_set (struct storage_names *n, const char *name, const char *id)
{
  for (size_t i = 0; i < n->n; i++)
    if (strcmp (n->name[i], name) == 0)
      {
        free (n->id[i]);
        n->id[i] = xstrdup (id);
        return;
      }
  names_add (n, name, id);
}

/* The names a load gives its images go to images/commit.json before the
   first image is put in place; names.json takes them once every image is
   in, and commit.json goes.  A load killed in between leaves commit.json:
   whoever opens the store next finishes it, naming the images that made it
   into place and dropping the names of those that did not.  So an image
   appears with its names or not at all, and no name is lost.  */
#define COMMIT_JSON "commit.json"

int
storage_names_commit_begin (struct storage *st, const struct storage_names *add, nook_error_t *err)
{
  return add->n ? names_write_file (st, COMMIT_JSON, add, err) : 0;
}

int
storage_names_commit_finish (struct storage *st, nook_error_t *err)
{
  struct storage_names add, n;
  size_t moved = 0;
  int r;

  if (names_read_file (st, COMMIT_JSON, &add, err) < 0)
    return -1;
  if (storage_names_read (st, &n, err) < 0)
    {
      storage_names_free (&add);
      return -1;
    }
  for (size_t i = 0; i < add.n; i++)
    {
      _cleanup_free_ char *probe = xasprintf ("%s/image.json", add.id[i]);
      if (storage_is_id (add.id[i]) && faccessat (st->imagesfd, probe, F_OK, 0) == 0)
        {
          names_set (&n, add.name[i], add.id[i]);
          moved++;
        }
    }
  r = moved ? storage_names_write (st, &n, err) : 0;
  storage_names_free (&add);
  storage_names_free (&n);
  if (r == 0 && unlinkat (st->imagesfd, COMMIT_JSON, 0) < 0 && errno != ENOENT)
    r = nook_error (err, errno, "remove `%s/images/" COMMIT_JSON "`", st->root);
  return r;
}

int
storage_recover (struct storage *st, nook_error_t *err)
{
  _cleanup_close_ int lock = -1;

  if (faccessat (st->imagesfd, COMMIT_JSON, F_OK, 0) < 0)
    return 0;
  if (storage_lock (st, &lock, err) < 0 || storage_names_commit_finish (st, err) < 0)
    return nook_error_prefix (err, "finish an interrupted load");
  return 0;
}

void
storage_image_free (struct storage_image *img)
{
  free (img->digest);
  strv_free (img->layers);
  strv_free (img->names);
  free (img->matched);
  free (img->created);
  memset (img, 0, sizeof (*img));
}

static int
image_json_write (int dirfd, const struct storage_image *img, nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);

  json_gen_object_open (g);
  json_gen_kv_string (g, "id", img->id);
  json_gen_kv_string (g, "digest", img->digest);
  json_gen_kv_strv (g, "layers", img->layers);
  json_gen_kv_int (g, "size", img->size);
  json_gen_kv_string (g, "created", img->created);
  json_gen_object_close (g);
  return json_gen_write_file (g, dirfd, "image.json", true, err);
}

static int
image_json_read (struct storage *st, const char *id, struct storage_image *img, nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("%s/image.json", id);
  _cleanup_free_ char *text = NULL;
  _cleanup_json_ nook_json *j = NULL;
  const char *digest = NULL, *created = NULL;
  size_t len;

  memset (img, 0, sizeof (*img));
  if (nook_read_file_at (st->imagesfd, path, IMAGE_JSON_MAX, &text, &len, err) < 0
      || json_parse (text, len, &j, err) < 0
      || json_get_str (j, "digest", "digest", false, &digest, err) < 0
      || json_get_str (j, "created", "created", false, &created, err) < 0
      || json_get_strv (j, "layers", "layers", true, &img->layers, err) < 0
      || json_get_int (j, "size", "size", false, &img->size, err) < 0)
    {
      storage_image_free (img);
      return nook_error_prefix (err, "image %.12s", id);
    }
  snprintf (img->id, sizeof (img->id), "%s", id);
  img->digest = xstrdup (digest ? digest : "");
  img->created = created ? xstrdup (created) : NULL;
  return 0;
}

static void
attach_names (struct storage_image *img, const struct storage_names *n)
{
  img->names = xzalloc (sizeof (char *));
  for (size_t i = 0; i < n->n; i++)
    if (strcmp (n->id[i], img->id) == 0)
      strv_push (&img->names, xstrdup (n->name[i]));
}

int
storage_image_put (struct storage *st, const struct storage_image *img, const char *manifest,
                   size_t manifest_len, const char *config, size_t config_len, nook_error_t *err)
{
  struct storage_tmp tmp;
  struct stat s;
  _cleanup_free_ char *probe = xasprintf ("%s/image.json", img->id);

  if (fstatat (st->imagesfd, probe, &s, 0) == 0)
    return 0;
  if (storage_tmp_create (st, "image", &tmp, err) < 0)
    return -1;
  if (nook_write_file_atomic (tmp.fd, "manifest", manifest, manifest_len, 0600, err) < 0
      || nook_write_file_atomic (tmp.fd, "config", config, config_len, 0600, err) < 0
      || image_json_write (tmp.fd, img, err) < 0)
    goto fail;
  if (renameat (st->tmpfd, tmp.name, st->imagesfd, img->id) < 0)
    {
      if (errno != EEXIST && errno != ENOTEMPTY)
        {
          nook_error (err, errno, "commit image %.12s", img->id);
          goto fail;
        }
      storage_tmp_discard (st, &tmp);
      return 0;
    }
  nook_closep (&tmp.fd);
  free (tmp.name);
  return 0;

fail:
  storage_tmp_discard (st, &tmp);
  return -1;
}

int
storage_image_tag (struct storage *st, const char *id, const char *name, nook_error_t *err)
{
  _cleanup_close_ int lock = -1;
  struct storage_names n;
  int r;

  if (storage_lock (st, &lock, err) < 0 || storage_names_read (st, &n, err) < 0)
    return -1;
  names_set (&n, name, id);
  r = storage_names_write (st, &n, err);
  storage_names_free (&n);
  return r;
}

static int
image_ids (struct storage *st, char ***out, nook_error_t *err)
{
  if (nook_list_dir (st->imagesfd, storage_is_id, out, err) < 0)
    return nook_error_prefix (err, "`%s/images`", st->root);
  return 0;
}

int
storage_image_list (struct storage *st, struct storage_image **out, size_t *count,
                    nook_error_t *err)
{
  _cleanup_strv_ char **ids = NULL;
  struct storage_names n;
  struct storage_image *imgs;
  size_t k = 0;

  if (image_ids (st, &ids, err) < 0 || storage_names_read (st, &n, err) < 0)
    return -1;
  imgs = xzalloc (sizeof (*imgs) * (strv_len (ids) + 1));
  for (size_t i = 0; ids[i]; i++)
    {
      nook_error_t e = NULL;
      /* An image being removed right now simply drops out of the list.  */
      if (image_json_read (st, ids[i], &imgs[k], &e) < 0)
        {
          nook_debug ("%s", e->msg);
          nook_error_free (&e);
          continue;
        }
      attach_names (&imgs[k++], &n);
    }
  storage_names_free (&n);
  *out = imgs;
  *count = k;
  return 0;
}

void
storage_image_list_free (struct storage_image *imgs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    storage_image_free (&imgs[i]);
  free (imgs);
}

/* Does stored NAME match short name REF (path and tag) by its last path
   components, as Podman finds "busybox" for "quay.io/x/busybox:latest"?  */
static bool
short_name_matches (const char *name, const struct image_ref *ref)
{
  struct image_ref have;
  nook_error_t err = NULL;
  bool ok;
  size_t lp, lh;

  if (image_ref_parse (name, &have, &err) < 0)
    {
      nook_error_free (&err);
      return false;
    }
  lp = strlen (ref->path);
  lh = strlen (have.path);
  ok = lh >= lp && strcmp (have.path + lh - lp, ref->path) == 0
       && (lh == lp || have.path[lh - lp - 1] == '/')
       && str_eq (have.tag, ref->tag ? ref->tag : (ref->digest ? NULL : "latest"))
       && str_eq (have.digest, ref->digest);
  image_ref_free (&have);
  return ok;
}

/* REF completed with DOMAIN, as the string names.json keys use.  */
static char *
qualified (const struct image_ref *ref, const char *domain)
{
  struct image_ref c = {
    .domain = xstrdup (domain),
    .path = xstrdup (ref->path),
    .tag = ref->tag ? xstrdup (ref->tag) : NULL,
    .digest = ref->digest ? xstrdup (ref->digest) : NULL,
  };
  char *s;

  image_ref_normalize (&c, domain);
  s = image_ref_string (&c);
  image_ref_free (&c);
  return s;
}

/* A qualified name matches exactly.  A short name tries localhost/, then
   docker.io, then any stored name ending in it: never a prompt.  */
/* The index in N of the name NAME finds, or -1.  */
static ssize_t
name_index (const struct storage_names *n, const char *name)
{
  for (size_t i = 0; i < n->n; i++)
    if (strcmp (n->name[i], name) == 0)
      return (ssize_t)i;
  return -1;
}

/* A qualified name matches exactly.  A short name tries localhost/, then
   docker.io, then any stored name ending in it: never a prompt.  Returns
   the index of the stored name found, or -1.  */
static ssize_t
lookup_by_name (const struct storage_names *n, const char *name)
{
  static const char *const search[] = { "localhost", "docker.io" };
  struct image_ref ref;
  nook_error_t err = NULL;
  ssize_t found = -1;

  if (image_ref_parse (name, &ref, &err) < 0)
    {
      nook_error_free (&err);
      return -1;
    }
  for (size_t i = 0; found < 0 && i < NOOK_ARRAY_SIZE (search); i++)
    {
      _cleanup_free_ char *full = qualified (&ref, ref.domain ? ref.domain : search[i]);
      found = name_index (n, full);
      if (ref.domain)
        break;
    }
  for (size_t i = 0; ref.domain == NULL && found < 0 && i < n->n; i++)
    if (short_name_matches (n->name[i], &ref))
      found = (ssize_t)i;
  image_ref_free (&ref);
  return found;
}

static int
lookup_by_id (struct storage *st, const char *prefix, char out[65], nook_error_t *err)
{
  _cleanup_strv_ char **ids = NULL;
  size_t found = 0, len = strlen (prefix);

  if (image_ids (st, &ids, err) < 0)
    return -1;
  for (size_t i = 0; ids[i]; i++)
    if (strncmp (ids[i], prefix, len) == 0)
      {
        if (found++ == 0)
          memcpy (out, ids[i], 65);
      }
  if (found > 1)
    return nook_error (err, 0, "%s: more than one image has this ID prefix", prefix);
  return found == 1 ? 1 : 0;
}

int
storage_image_lookup (struct storage *st, const char *name, struct storage_image *out,
                      nook_error_t *err)
{
  struct storage_names n;
  const char *id = NULL;
  char byid[65];
  const char *bare = str_has_prefix (name, "sha256:") ? name + 7 : name;
  ssize_t by_name = -1;
  int r = 0;

  if (storage_names_read (st, &n, err) < 0)
    return -1;
  if (bare == name && (by_name = lookup_by_name (&n, name)) >= 0)
    id = n.id[by_name];
  if (id == NULL && image_is_id_prefix (bare))
    {
      r = lookup_by_id (st, bare, byid, err);
      id = r == 1 ? byid : NULL;
    }
  if (r < 0 || id == NULL || image_json_read (st, id, out, err) < 0)
    {
      storage_names_free (&n);
      if (r < 0 || *err)
        return -1;
      nook_error (err, 0, "%s: image not known", name);
      return nook_error_set_errno (err, ENOENT);
    }
  attach_names (out, &n);
  out->matched = by_name >= 0 ? xstrdup (n.name[by_name]) : NULL;
  storage_names_free (&n);
  return 0;
}

int
storage_image_read_config (struct storage *st, const char *id, struct image_config *cfg,
                           nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("%s/config", id);
  _cleanup_free_ char *text = NULL;
  size_t len;

  if (nook_read_file_at (st->imagesfd, path, IMAGE_CONFIG_MAX, &text, &len, err) < 0)
    return nook_error_prefix (err, "image %.12s", id);
  return image_config_parse (text, len, cfg, err);
}
