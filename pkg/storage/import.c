/* Import: read a source's manifests and configs, stage the layers the
   store lacks, then commit layers, images and names in one short critical
   section.  Until that moment nothing new is visible, and a process killed
   before it leaves only locked-then-abandoned work dirs for the sweep.  */
#include "storage/storage.h"

#include <string.h>

struct staged
{
  struct storage_tmp tmp;
  char chain[65];
};

struct pending
{
  struct storage_image img;
  char *manifest, *config;
  size_t manifest_len, config_len;
  char *name; /* local name, or NULL */
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
staged_or_stored_size (struct import *im, const char *chain, int64_t staged_size)
{
  struct storage_layer l;
  nook_error_t err = NULL;
  int64_t size;

  if (staged_size >= 0)
    return staged_size;
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
already_staged (struct import *im, const char *chain)
{
  for (size_t i = 0; i < im->nstaged; i++)
    if (strcmp (im->staged[i].chain, chain) == 0)
      return true;
  return false;
}

/* Make sure layer K of M is in the store or staged; return its size.  */
static int
stage_layer (struct import *im, const struct image_descriptor *blob, const char *diff_id,
             const char *parent, const char *chain, int64_t *size, nook_error_t *err)
{
  _cleanup_close_ int fd = -1;
  struct staged *s;

  *size = -1;
  if (storage_layer_exists (im->st, chain) || already_staged (im, chain))
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
stage_layers (struct import *im, const struct image_manifest *m, const struct image_config *cfg,
              struct storage_image *img, nook_error_t *err)
{
  const char *parent = NULL;

  if (strv_len (cfg->diff_ids) != m->n_layers)
    return nook_error (err, 0, "the config lists %zu diff_ids for %zu layers",
                       strv_len (cfg->diff_ids), m->n_layers);
  img->layers = xzalloc (sizeof (char *));
  for (size_t k = 0; k < m->n_layers; k++)
    {
      char chain[65];
      int64_t size;

      if (storage_chain_id (parent, cfg->diff_ids[k], chain, err) < 0
          || stage_layer (im, &m->layers[k], cfg->diff_ids[k], parent, chain, &size, err) < 0)
        return -1;
      img->size += staged_or_stored_size (im, chain, size);
      strv_push (&img->layers, xstrdup (chain));
      parent = img->layers[k];
    }
  return 0;
}

static int
local_name (const char *ref_name, char **out, nook_error_t *err)
{
  *out = NULL;
  /* A bare tag ("latest") names no repository: the image stays unnamed.  */
  if (ref_name[0] == '\0' || (strchr (ref_name, '/') == NULL && strchr (ref_name, ':') == NULL))
    return 0;
  if (image_ref_local_name (ref_name, out, err) < 0)
    return nook_error_prefix (err, "image name in the archive");
  return 0;
}

static int
read_image (struct import *im, size_t i, nook_error_t *err)
{
  struct image_manifest m;
  struct image_config cfg;
  struct pending *p;
  const char *hex;
  int ret;

  im->pending = xrealloc (im->pending, (im->npending + 1) * sizeof (*im->pending));
  p = &im->pending[im->npending++];
  memset (p, 0, sizeof (*p));
  if (image_source_read (im->src, &im->src->manifests[i], IMAGE_MANIFEST_MAX, &p->manifest,
                         &p->manifest_len, err)
          < 0
      || image_manifest_parse (p->manifest, p->manifest_len, &m, err) < 0)
    return -1;
  ret = image_source_read (im->src, &m.config, IMAGE_CONFIG_MAX, &p->config, &p->config_len, err);
  if (ret == 0)
    ret = image_config_parse (p->config, p->config_len, &cfg, err);
  if (ret == 0)
    {
      ret = stage_layers (im, &m, &cfg, &p->img, err);
      nook_digest_hex (m.config.digest, &hex, err);
      snprintf (p->img.id, sizeof (p->img.id), "%s", hex);
      p->img.digest = xstrdup (im->src->manifests[i].digest);
      p->img.created = cfg.created ? xstrdup (cfg.created) : NULL;
      image_config_free (&cfg);
    }
  image_manifest_free (&m);
  if (ret == 0)
    ret = local_name (im->src->ref_names[i], &p->name, err);
  return ret;
}

static int
commit (struct import *im, nook_error_t *err)
{
  _cleanup_close_ int lock = -1;

  if (storage_lock (im->st, &lock, err) < 0)
    return -1;
  for (size_t i = 0; i < im->nstaged; i++)
    if (storage_layer_commit (im->st, &im->staged[i].tmp, im->staged[i].chain, err) < 0)
      return -1;
  for (size_t i = 0; i < im->npending; i++)
    {
      struct pending *p = &im->pending[i];
      if (storage_image_put (im->st, &p->img, p->manifest, p->manifest_len, p->config,
                             p->config_len, err)
              < 0
          || (p->name && storage_image_tag (im->st, p->img.id, p->name, err) < 0))
        return -1;
    }
  return 0;
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
      free (im->pending[i].manifest);
      free (im->pending[i].config);
      free (im->pending[i].name);
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
    ret = read_image (&im, i, err);
  if (ret == 0)
    ret = commit (&im, err);
  if (ret == 0)
    {
      *loaded = xzalloc (sizeof (char *));
      for (size_t i = 0; i < im.npending; i++)
        strv_push (loaded, im.pending[i].name ? xstrdup (im.pending[i].name)
                                              : xasprintf ("sha256:%s", im.pending[i].img.id));
    }
  import_free (&im);
  return ret;
}
