/* Import: read a source's manifests and configs, stage the layers the
   store lacks, then commit blobs, layers, images and names in one short
   critical section.  Until that moment nothing new is visible, and a
   process killed before it leaves only locked-then-abandoned work dirs for
   the sweep.  */
#include "storage/internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

struct staged
{
  struct storage_tmp tmp;
  char chain[65];
};

struct pending
{
  struct storage_image img;
  struct image_manifest m;
  char *manifest, *config;
  size_t manifest_len, config_len;
  char **names;
};

struct import
{
  struct storage *st;
  struct image_source *src;
  const struct apply_opts *opts;
  struct staged *staged;
  size_t nstaged;
  struct pending *pending;
  size_t npending;
};

static int64_t
stored_size (struct import *im, const char *chain)
{
  struct storage_layer l;
  nook_error_t err = NULL;
  int64_t size;

  if (storage_layer_read (im->st, chain, &l, &err) < 0)
    {
      nook_error_free (&err);
      return 0;
    }
  size = l.size;
  storage_layer_free (&l);
  return size;
}

static bool
is_staged (struct import *im, const char *chain)
{
  for (size_t i = 0; i < im->nstaged; i++)
    if (strcmp (im->staged[i].chain, chain) == 0)
      return true;
  return false;
}

/* Make sure the layer CHAIN is in the store or staged; return its size.  */
static int
stage_layer (struct import *im, const struct image_descriptor *blob, const char *diff_id,
             const char *parent, const char *chain, int64_t *size, nook_error_t *err)
{
  _cleanup_close_ int fd = -1;
  struct staged *s;

  if (storage_layer_exists (im->st, chain))
    {
      *size = stored_size (im, chain);
      return 0;
    }
  *size = 0;
  if (is_staged (im, chain))
    return 0;
  if (image_source_open (im->src, blob, &fd, err) < 0)
    return -1;
  im->staged = xrealloc (im->staged, (im->nstaged + 1) * sizeof (*im->staged));
  s = &im->staged[im->nstaged];
  memcpy (s->chain, chain, 65);
  if (storage_layer_stage (im->st, fd, diff_id, chain, parent, im->opts, &s->tmp, size, err) < 0)
    return nook_error_prefix (err, "layer %s", blob->digest);
  im->nstaged++;
  return 0;
}

static int
stage_layers (struct import *im, struct pending *p, const struct image_config *cfg,
              nook_error_t *err)
{
  const char *parent = NULL;

  if (strv_len (cfg->diff_ids) != p->m.n_layers)
    return nook_error (err, 0, "the config lists %zu diff_ids for %zu layers",
                       strv_len (cfg->diff_ids), p->m.n_layers);
  p->img.layers = xzalloc (sizeof (char *));
  for (size_t k = 0; k < p->m.n_layers; k++)
    {
      char chain[65];
      int64_t size;

      if (storage_chain_id (parent, cfg->diff_ids[k], chain, err) < 0
          || stage_layer (im, &p->m.layers[k], cfg->diff_ids[k], parent, chain, &size, err) < 0)
        return -1;
      p->img.size += size;
      strv_push (&p->img.layers, xstrdup (chain));
      parent = p->img.layers[k];
    }
  return 0;
}

static int
read_image (struct import *im, const struct image_source_image *si, nook_error_t *err)
{
  struct image_config cfg;
  struct pending *p;
  const char *hex;
  int ret;

  im->pending = xrealloc (im->pending, (im->npending + 1) * sizeof (*im->pending));
  p = &im->pending[im->npending++];
  memset (p, 0, sizeof (*p));
  p->manifest = xstrndup (si->manifest, si->manifest_len);
  p->manifest_len = si->manifest_len;
  p->names = strv_dup (si->names);
  if (image_manifest_parse (p->manifest, p->manifest_len, &p->m, err) < 0
      || image_source_read (im->src, &p->m.config, IMAGE_CONFIG_MAX, &p->config, &p->config_len,
                            err)
             < 0
      || image_config_parse (p->config, p->config_len, &cfg, err) < 0)
    return -1;
  ret = stage_layers (im, p, &cfg, err);
  if (ret == 0 && nook_digest_hex (p->m.config.digest, &hex, err) < 0)
    ret = -1;
  if (ret == 0)
    {
      snprintf (p->img.id, sizeof (p->img.id), "%s", hex);
      p->img.digest = xstrdup (si->digest);
      p->img.created = cfg.created ? xstrdup (cfg.created) : NULL;
    }
  image_config_free (&cfg);
  return ret;
}

/* Keep each layer blob the image's manifest names: save and push give them
   back byte for byte.  A blob the store has is kept as it is.  */
static int
adopt_blobs (struct import *im, const struct pending *p, nook_error_t *err)
{
  for (size_t i = 0; i < p->m.n_layers; i++)
    {
      const char *hex;
      if (nook_digest_hex (p->m.layers[i].digest, &hex, err) < 0)
        return -1;
      if (storage_blob_exists (im->st, hex))
        continue;
      if (renameat (im->src->dirfd, hex, im->st->blobsfd, hex) < 0)
        return nook_error (err, errno, "keep blob %s", p->m.layers[i].digest);
    }
  return 0;
}

/* Layers found in the store earlier must still be there: an rmi may have
   collected them since.  */
static int
check_layers (struct import *im, const struct pending *p, nook_error_t *err)
{
  for (size_t i = 0; p->img.layers[i]; i++)
    if (!storage_layer_exists (im->st, p->img.layers[i]))
      return nook_error (err, EAGAIN, "layer %.12s was removed while loading: load again",
                         p->img.layers[i]);
  return 0;
}

/* Every name the pending images take, for storage_names_commit_begin.  */
static void
pending_names (struct import *im, struct storage_names *add)
{
  memset (add, 0, sizeof (*add));
  for (size_t i = 0; i < im->npending; i++)
    for (size_t k = 0; im->pending[i].names[k]; k++)
      {
        strv_push (&add->name, xstrdup (im->pending[i].names[k]));
        strv_push (&add->id, xstrdup (im->pending[i].img.id));
        add->n++;
      }
}

static int
commit (struct import *im, nook_error_t *err)
{
  _cleanup_close_ int lock = -1;
  struct storage_names add;
  nook_error_t e = NULL;
  int r;

  if (storage_lock (im->st, &lock, err) < 0)
    return -1;
  for (size_t i = 0; i < im->nstaged; i++)
    if (storage_layer_commit (im->st, &im->staged[i].tmp, im->staged[i].chain, err) < 0)
      return -1;
  for (size_t i = 0; i < im->npending; i++)
    if (check_layers (im, &im->pending[i], err) < 0 || adopt_blobs (im, &im->pending[i], err) < 0)
      return -1;
  fsync (im->st->blobsfd);
  pending_names (im, &add);
  r = storage_names_commit_begin (im->st, &add, err);
  storage_names_free (&add);
  for (size_t i = 0; r == 0 && i < im->npending; i++)
    {
      struct pending *p = &im->pending[i];
      r = storage_image_put (im->st, &p->img, p->manifest, p->manifest_len, p->config,
                             p->config_len, err);
    }
  /* Failed or not, the images put so far get their names (or, if even
     that fails, the next command gives them).  */
  if (storage_names_commit_finish (im->st, &e) < 0)
    {
      if (r == 0)
        {
          *err = e;
          return -1;
        }
      nook_error_free (&e);
    }
  return r;
}

static void
import_free (struct import *im)
{
  for (size_t i = 0; i < im->nstaged; i++)
    storage_tmp_discard (im->st, &im->staged[i].tmp);
  free (im->staged);
  for (size_t i = 0; i < im->npending; i++)
    {
      storage_image_free (&im->pending[i].img);
      image_manifest_free (&im->pending[i].m);
      free (im->pending[i].manifest);
      free (im->pending[i].config);
      strv_free (im->pending[i].names);
    }
  free (im->pending);
}

int
storage_import (struct storage *st, struct image_source *src, const struct apply_opts *opts,
                char ***loaded, nook_error_t *err)
{
  struct import im = { .st = st, .src = src, .opts = opts };
  int ret = 0;

  for (size_t i = 0; ret == 0 && i < src->n; i++)
    ret = read_image (&im, &src->images[i], err);
  if (ret == 0)
    ret = commit (&im, err);
  if (ret == 0)
    {
      *loaded = xzalloc (sizeof (char *));
      for (size_t i = 0; i < im.npending; i++)
        {
          struct pending *p = &im.pending[i];
          if (p->names[0] == NULL)
            strv_push (loaded, xasprintf ("sha256:%s", p->img.id));
          for (size_t k = 0; p->names[k]; k++)
            strv_push (loaded, xstrdup (p->names[k]));
        }
    }
  import_free (&im);
  return ret;
}
