/* Layers: staged under tmp/, verified, renamed into layers/CHAINID.  */
#include "storage/storage.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define LAYER_JSON_MAX (64 << 10)

int
storage_chain_id (const char *parent, const char *diff_id, char out[65], nook_error_t *err)
{
  _cleanup_free_ char *text = NULL;
  const char *hex;

  if (nook_digest_hex (diff_id, &hex, err) < 0)
    return -1;
  if (parent == NULL)
    {
      memcpy (out, hex, 65);
      return 0;
    }
  /* As the OCI image spec: ChainID(n) = sha256(ChainID(n-1) + " " + DiffID(n)).  */
  text = xasprintf ("sha256:%s %s", parent, diff_id);
  return nook_sha256_hex (text, strlen (text), out, err);
}

bool
storage_layer_exists (struct storage *st, const char *chain_id)
{
  struct stat s;
  _cleanup_free_ char *path = xasprintf ("%s/layer.json", chain_id);
  return fstatat (st->layersfd, path, &s, 0) == 0;
}

static int
write_layer_json (int dirfd, const struct storage_layer *l, nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);

  json_gen_object_open (g);
  json_gen_kv_string (g, "id", l->id);
  json_gen_kv_string (g, "diff_id", l->diff_id);
  json_gen_kv_string (g, "parent", l->parent);
  json_gen_kv_int (g, "size", l->size);
  json_gen_object_close (g);
  return json_gen_write_file (g, dirfd, "layer.json", true, err);
}

int
storage_layer_stage (struct storage *st, int blob_fd, const char *diff_id, const char *chain_id,
                     const char *parent, const struct apply_opts *opts, struct storage_tmp *tmp,
                     int64_t *size, nook_error_t *err)
{
  _cleanup_close_ int diff = -1;
  struct apply_result res;
  struct storage_layer l = { .diff_id = (char *)diff_id, .parent = (char *)parent };
  _cleanup_free_ char *got = NULL;

  if (storage_tmp_create (st, "layer", tmp, err) < 0)
    return -1;
  if (mkdirat (tmp->fd, "diff", 0755) < 0)
    {
      nook_error (err, errno, "create a layer directory");
      goto fail;
    }
  diff = nook_open_dir (tmp->fd, "diff", err);
  if (diff < 0 || storage_apply_tar (diff, blob_fd, opts, &res, err) < 0)
    goto fail;
  got = xasprintf ("sha256:%s", res.diff_id);
  if (strcmp (got, diff_id) != 0)
    {
      nook_error (err, 0,
                  "layer content does not match its diff_id: the config says %s, the "
                  "content is %s",
                  diff_id, got);
      goto fail;
    }
  memcpy (l.id, chain_id, 65);
  l.size = res.tar_size;
  if (write_layer_json (tmp->fd, &l, err) < 0)
    goto fail;
  *size = res.tar_size;
  return 0;

fail:
  storage_tmp_discard (st, tmp);
  return -1;
}

int
storage_layer_commit (struct storage *st, struct storage_tmp *tmp, const char *chain_id,
                      nook_error_t *err)
{
  if (renameat (st->tmpfd, tmp->name, st->layersfd, chain_id) < 0)
    {
      if (errno != EEXIST && errno != ENOTEMPTY)
        return nook_error (err, errno, "commit layer %.12s", chain_id);
      /* Another load committed the same layer first: keep theirs.  */
      storage_tmp_discard (st, tmp);
      return 0;
    }
  nook_closep (&tmp->fd);
  free (tmp->name);
  tmp->name = NULL;
  return 0;
}

int
storage_layer_read (struct storage *st, const char *chain_id, struct storage_layer *l,
                    nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("%s/layer.json", chain_id);
  _cleanup_free_ char *text = NULL;
  _cleanup_json_ nook_json *j = NULL;
  const char *diff_id = NULL, *parent = NULL;
  size_t len;

  memset (l, 0, sizeof (*l));
  if (nook_read_file_at (st->layersfd, path, LAYER_JSON_MAX, &text, &len, err) < 0
      || json_parse (text, len, &j, err) < 0
      || json_get_str (j, "diff_id", "diff_id", true, &diff_id, err) < 0
      || json_get_str (j, "parent", "parent", false, &parent, err) < 0
      || json_get_int (j, "size", "size", false, &l->size, err) < 0)
    return nook_error_prefix (err, "layer %.12s", chain_id);
  snprintf (l->id, sizeof (l->id), "%s", chain_id);
  l->diff_id = xstrdup (diff_id);
  l->parent = parent ? xstrdup (parent) : NULL;
  return 0;
}

void
storage_layer_free (struct storage_layer *l)
{
  free (l->diff_id);
  free (l->parent);
  memset (l, 0, sizeof (*l));
}

char *
storage_layer_diff_path (struct storage *st, const char *chain_id)
{
  return xasprintf ("%s/layers/%s/diff", st->root, chain_id);
}
