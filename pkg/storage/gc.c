/* Removing images, and collecting the layers and blobs no image uses any
   more.  Everything here runs under the store lock.  A container keeps its
   image (the caller refuses to remove an image in use), so the layers and
   blobs to keep are exactly those the remaining images name.  */
#include "storage/internal.h"

#include <fcntl.h>
#include <string.h>

int
storage_image_untag (struct storage *st, const char *name, nook_error_t *err)
{
  _cleanup_close_ int lock = -1;
  struct storage_names n;
  int r;

  if (storage_lock (st, &lock, err) < 0 || storage_names_read (st, &n, err) < 0)
    return -1;
  if (storage_names_remove (&n, name, NULL) == 0)
    {
      storage_names_free (&n);
      nook_error (err, 0, "%s: tag not known", name);
      return nook_error_set_errno (err, ENOENT);
    }
  r = storage_names_write (st, &n, err);
  storage_names_free (&n);
  return r;
}

/* Layers and blob digests the remaining images use.  */
static int
in_use (struct storage *st, char ***layers, char ***blobs, nook_error_t *err)
{
  struct storage_image *imgs = NULL;
  size_t n = 0;

  *layers = xzalloc (sizeof (char *));
  *blobs = xzalloc (sizeof (char *));
  if (storage_image_list (st, &imgs, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *path = xasprintf ("%s/manifest", imgs[i].id);
      _cleanup_free_ char *text = NULL;
      struct image_manifest m;
      nook_error_t e = NULL;
      size_t len;

      for (size_t k = 0; imgs[i].layers[k]; k++)
        strv_push (layers, xstrdup (imgs[i].layers[k]));
      if (nook_read_file_at (st->imagesfd, path, IMAGE_MANIFEST_MAX, &text, &len, &e) < 0
          || image_manifest_parse (text, len, &m, &e) < 0)
        {
          /* Keep every blob rather than guess which this image needs.  */
          nook_error_free (&e);
          storage_image_list_free (imgs, n);
          return nook_error (err, 0, "image %.12s has no readable manifest: not collecting",
                             imgs[i].id);
        }
      for (size_t k = 0; k < m.n_layers; k++)
        if (str_has_prefix (m.layers[k].digest, "sha256:"))
          strv_push (blobs, xstrdup (m.layers[k].digest + 7));
      image_manifest_free (&m);
    }
  storage_image_list_free (imgs, n);
  return 0;
}

static int
remove_layer (struct storage *st, const char *chain, nook_error_t *err)
{
  char rnd[17];
  _cleanup_free_ char *gone = NULL;

  if (nook_random_hex (rnd, 8, err) < 0)
    return -1;
  /* Out of sight first: a half-removed layer is never used.  */
  gone = xasprintf ("rmlayer-%.12s-%s", chain, rnd);
  if (renameat (st->layersfd, chain, st->tmpfd, gone) < 0)
    return errno == ENOENT ? 0 : nook_error (err, errno, "remove layer %.12s", chain);
  return nook_rm_tree_at (st->tmpfd, gone, err);
}

static int
collect (struct storage *st, nook_error_t *err)
{
  _cleanup_strv_ char **layers = NULL, **blobs = NULL, **have_layers = NULL, **have_blobs = NULL;

  if (in_use (st, &layers, &blobs, err) < 0
      || nook_list_dir (st->layersfd, storage_is_id, &have_layers, err) < 0
      || nook_list_dir (st->blobsfd, storage_is_id, &have_blobs, err) < 0)
    return -1;
  for (size_t i = 0; have_layers[i]; i++)
    if (!strv_contains (layers, have_layers[i]) && remove_layer (st, have_layers[i], err) < 0)
      return -1;
  for (size_t i = 0; have_blobs[i]; i++)
    if (!strv_contains (blobs, have_blobs[i]) && unlinkat (st->blobsfd, have_blobs[i], 0) < 0
        && errno != ENOENT)
      return nook_error (err, errno, "remove blob sha256:%s", have_blobs[i]);
  return 0;
}

int
storage_image_remove (struct storage *st, const char *id, nook_error_t *err)
{
  _cleanup_close_ int lock = -1;
  _cleanup_free_ char *gone = NULL;
  struct storage_names n;
  char rnd[17];
  int r;

  if (storage_lock (st, &lock, err) < 0 || storage_names_read (st, &n, err) < 0)
    return -1;
  storage_names_remove (&n, NULL, id);
  r = storage_names_write (st, &n, err);
  storage_names_free (&n);
  if (r < 0 || nook_random_hex (rnd, 8, err) < 0)
    return -1;
  gone = xasprintf ("rmi-%.12s-%s", id, rnd);
  if (renameat (st->imagesfd, id, st->tmpfd, gone) < 0 && errno != ENOENT)
    return nook_error (err, errno, "remove image %.12s", id);
  if (nook_rm_tree_at (st->tmpfd, gone, err) < 0)
    nook_error_free (err);
  return collect (st, err);
}
