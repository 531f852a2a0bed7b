/* Pull: from a name to an image in the store.
   1. The name is resolved by registries.conf (reg_resolve): each
      candidate, each of its sources (mirrors, then the registry), is
      tried in order until one has the image.
   2. The manifest is fetched (an index or manifest list: the entry for
      the platform is chosen and fetched by digest, checked against it);
      the config is fetched whole and verified.
   3. The layers the store already has are not fetched; the others are
      downloaded in parallel into a locked work dir under tmp/, each
      verified as it streams.
   4. storage_import extracts and commits the image at once: a pull killed
      before that leaves only a work dir for the sweep, and the next pull
      does the job again.  */
#include "registry/internal.h"

#include <fcntl.h>
#include <pthread.h>
#include <string.h>

#define MAX_LAYERS 1000

static const char manifest_accept[] = "application/vnd.oci.image.manifest.v1+json, "
                                      "application/vnd.docker.distribution.manifest.v2+json, "
                                      "application/vnd.oci.image.index.v1+json, "
                                      "application/vnd.docker.distribution.manifest.list.v2+json, "
                                      "application/vnd.docker.distribution.manifest.v1+prettyjws, "
                                      "application/vnd.docker.distribution.manifest.v1+json";

int
registry_pull_policy_parse (const char *s, enum registry_pull_policy *out, nook_error_t *err)
{
  static const struct
  {
    const char *name;
    enum registry_pull_policy policy;
  } names[] = {
    { "always", REGISTRY_PULL_ALWAYS },   { "true", REGISTRY_PULL_ALWAYS },
    { "missing", REGISTRY_PULL_MISSING }, { "ifmissing", REGISTRY_PULL_MISSING },
    { "never", REGISTRY_PULL_NEVER },     { "false", REGISTRY_PULL_NEVER },
    { "newer", REGISTRY_PULL_NEWER },     { "ifnewer", REGISTRY_PULL_NEWER },
  };

  for (size_t i = 0; i < NOOK_ARRAY_SIZE (names); i++)
    if (strcasecmp (s, names[i].name) == 0)
      {
        *out = names[i].policy;
        return 0;
      }
  return nook_error (err, 0, "unsupported pull policy \"%s\"", s);
}

/* One pull from one source.  */
struct pull
{
  struct storage *st;
  const struct registry_pull_opts *o;
  const struct apply_opts *aopts;
  struct reg_progress *p;
  struct reg_client *c;
  const struct reg_target *t;
  const struct reg_source *s;
  char *manifest; /* the image manifest's bytes */
  size_t manifest_len;
  char digest[72];     /* their digest */
  char top_digest[72]; /* the digest the reference resolved to (an index's) */
  struct image_manifest m;
  char *config;
  size_t config_len;
};

static void
pull_free (struct pull *pl)
{
  reg_client_free (pl->c);
  free (pl->manifest);
  image_manifest_free (&pl->m);
  free (pl->config);
}

static bool
index_type (const char *content_type, const char *body, size_t len)
{
  _cleanup_json_ nook_json *j = NULL;
  nook_error_t err = NULL;
  const char *mt;

  if (content_type && image_media_type_is_index (content_type))
    return true;
  if (json_parse (body, len, &j, &err) < 0)
    {
      nook_error_free (&err);
      return false;
    }
  mt = json_str (json_get (j, "mediaType"));
  return mt && image_media_type_is_index (mt);
}

/* GET the manifest REF of the source's repository; with a digest, the
   bytes must hash to it.  */
static int
get_manifest (struct pull *pl, const char *ref, bool by_digest, struct reg_response *resp,
              char digest[72], nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("/v2/%s/manifests/%s", pl->s->repo, ref);
  _cleanup_free_ char *what
      = xasprintf ("reading manifest %s in %s/%s", ref, pl->s->ep.name, pl->s->repo);
  struct reg_request r = { .method = "GET",
                           .path = path,
                           .repo = pl->s->repo,
                           .accept = manifest_accept,
                           .body_fd = -1,
                           .max = IMAGE_MANIFEST_MAX,
                           .what = what };
  char hex[65];

  if (reg_client_do (pl->c, &r, NULL, resp, err) < 0)
    return -1;
  if (resp->content_type && strstr (resp->content_type, "distribution.manifest.v1"))
    {
      reg_response_free (resp);
      return nook_error (err, 0,
                         "%s: manifest schema 1 images are not supported: convert the image to "
                         "schema 2 or OCI",
                         what);
    }
  if (nook_sha256_hex (resp->body, resp->body_len, hex, err) < 0)
    return -1;
  snprintf (digest, 72, "sha256:%s", hex);
  if (by_digest && strcmp (digest, ref) != 0)
    {
      reg_response_free (resp);
      return nook_error (err, 0, "%s: the manifest's digest is %s: refused", what, digest);
    }
  return 0;
}

/* The image manifest for the wanted platform, its bytes and digest.  */
static int
fetch_manifest (struct pull *pl, nook_error_t *err)
{
  const char *ref = pl->t->digest ? pl->t->digest : pl->t->tag;
  struct reg_response resp;
  struct image_descriptor d;
  int r;

  if (ref == NULL)
    ref = "latest";
  if (get_manifest (pl, ref, pl->t->digest != NULL, &resp, pl->top_digest, err) < 0)
    return -1;
  if (index_type (resp.content_type, resp.body, resp.body_len))
    {
      const struct image_platform *want = &pl->o->platform;
      r = image_index_choose (resp.body, resp.body_len,
                              want->os || want->arch || want->variant ? want : NULL, &d, err);
      reg_response_free (&resp);
      if (r < 0)
        return nook_error_prefix (err, "%s", pl->s->full);
      r = get_manifest (pl, d.digest, true, &resp, pl->digest, err);
      image_descriptor_free (&d);
      if (r < 0)
        return -1;
      if (index_type (resp.content_type, resp.body, resp.body_len))
        {
          reg_response_free (&resp);
          return nook_error (err, 0, "%s: an index inside an index: refused", pl->s->full);
        }
    }
  else
    memcpy (pl->digest, pl->top_digest, sizeof (pl->digest));
  pl->manifest_len = resp.body_len;
  pl->manifest = steal_pointer (&resp.body);
  reg_response_free (&resp);
  if (image_manifest_parse (pl->manifest, pl->manifest_len, &pl->m, err) < 0)
    return nook_error_prefix (err, "%s", pl->s->full);
  if (pl->m.n_layers > MAX_LAYERS)
    return nook_error (err, 0, "%s: the manifest lists %zu layers, more than %d: refused",
                       pl->s->full, pl->m.n_layers, MAX_LAYERS);
  return 0;
}

/* Is layer K (its chain ID) in the store with its blob?  A blob the store
   has for a layer it lost is linked into WORKDIR instead of fetched.  */
static bool
have_layer (struct pull *pl, int workdir, const char *hex, const char *chain)
{
  if (!storage_blob_exists (pl->st, hex))
    return false;
  if (storage_layer_exists (pl->st, chain))
    return true;
  return linkat (pl->st->blobsfd, hex, workdir, hex, 0) == 0;
}

/* Extract layer K (its blob verified in WORKDIR) and commit it: layers are
   shared, and a layer without an image is only garbage for the next rmi;
   the image itself appears at storage_import, whole.  */
static int
extract_layer (struct pull *pl, int workdir, size_t k, const char *diff_id, const char *parent,
               const char *chain, nook_error_t *err)
{
  struct storage_tmp tmp = { 0 };
  _cleanup_close_ int fd = -1, lock = -1;
  const char *hex;
  int64_t size;

  if (storage_layer_exists (pl->st, chain))
    return 0;
  if (nook_digest_hex (pl->m.layers[k].digest, &hex, err) < 0)
    return -1;
  fd = openat (workdir, hex, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return nook_error (err, errno, "open blob %s", pl->m.layers[k].digest);
  if (storage_layer_stage (pl->st, fd, diff_id, chain, parent, pl->aopts, &tmp, &size, err) < 0)
    return nook_error_prefix (err, "layer %s", pl->m.layers[k].digest);
  if (storage_lock (pl->st, &lock, err) < 0 || storage_layer_commit (pl->st, &tmp, chain, err) < 0)
    {
      storage_tmp_discard (pl->st, &tmp);
      return -1;
    }
  nook_debug ("layer %s extracted (%lld bytes)", pl->m.layers[k].digest, (long long)size);
  return 0;
}

/* Layers are independent directories: a few are extracted at once, each
   on a thread of its own, once its blob is verified.  */
#define EXTRACTORS 2

struct extractor
{
  struct pull *pl;
  int workdir;
  size_t k;
  const char *diff_id, *parent, *chain;
  pthread_t thread;
  bool running;
  int ret;
  nook_error_t err;
};

static void *
extractor_run (void *data)
{
  struct extractor *x = data;

  x->ret = extract_layer (x->pl, x->workdir, x->k, x->diff_id, x->parent, x->chain, &x->err);
  return NULL;
}

/* Wait for X; its error goes to *ERR unless one is there already.  */
static int
extractor_join (struct extractor *x, nook_error_t *err)
{
  int ret;

  if (!x->running)
    return 0;
  pthread_join (x->thread, NULL);
  x->running = false;
  ret = x->ret;
  if (ret < 0 && *err == NULL)
    *err = steal_pointer (&x->err);
  nook_error_free (&x->err);
  return ret;
}

static int
extractor_start (struct extractor *x, nook_error_t *err)
{
  int r = pthread_create (&x->thread, NULL, extractor_run, x);

  if (r != 0)
    return nook_error (err, r, "start an extraction thread");
  x->running = true;
  return 0;
}

/* Download what the store lacks on a thread, and extract each layer as
   soon as its blob is verified, a few at a time.  */
static int
fetch_and_extract (struct pull *pl, int workdir, char **diff_ids, char (*chains)[65],
                   const struct reg_download *dl, size_t n, const ssize_t *which, nook_error_t *err)
{
  struct extractor xs[EXTRACTORS] = { 0 };
  struct reg_fetch *f = NULL;
  int r = 0;

  /* Loaded here, before any thread runs: the threads only look symbols up.  */
  if (nook_lazy_load (&nook_lib_archive, err) < 0)
    return -1;
  if (n && reg_fetch_start (pl->c, pl->s->repo, dl, n, pl->p, &f, err) < 0)
    return -1;
  for (size_t k = 0; r == 0 && k < pl->m.n_layers; k++)
    {
      struct extractor *x = &xs[k % EXTRACTORS];

      if (which[k] >= 0 && reg_fetch_wait (f, (size_t)which[k], err) < 0)
        {
          r = -1;
          break;
        }
      if (storage_layer_exists (pl->st, chains[k]))
        continue;
      if (extractor_join (x, err) < 0)
        {
          r = -1;
          break;
        }
      *x = (struct extractor){ .pl = pl,
                               .workdir = workdir,
                               .k = k,
                               .diff_id = diff_ids[k],
                               .parent = k ? chains[k - 1] : NULL,
                               .chain = chains[k] };
      r = extractor_start (x, err);
    }
  for (size_t i = 0; i < EXTRACTORS; i++)
    if (extractor_join (&xs[i], err) < 0)
      r = -1;
  if (r < 0)
    {
      reg_fetch_finish (f, true, NULL);
      return -1;
    }
  return reg_fetch_finish (f, false, err);
}

/* Stage the config and every layer blob the store lacks into WORKDIR, and
   the layers the store lacks into the store.  */
static int
fetch_blobs (struct pull *pl, int workdir, nook_error_t *err)
{
  struct image_config cfg;
  _cleanup_free_ struct reg_download *dl = NULL;
  _cleanup_free_ ssize_t *which = NULL;
  _cleanup_free_ char (*chains)[65] = NULL;
  const char *hex;
  size_t n = 0;
  int r = -1;

  if (reg_fetch_small (pl->c, pl->s->repo, &pl->m.config, IMAGE_CONFIG_MAX, &pl->config,
                       &pl->config_len, err)
          < 0
      || nook_digest_hex (pl->m.config.digest, &hex, err) < 0
      || nook_write_file_atomic (workdir, hex, pl->config, pl->config_len, 0644, err) < 0
      || image_config_parse (pl->config, pl->config_len, &cfg, err) < 0)
    return -1;
  if (strv_len (cfg.diff_ids) != pl->m.n_layers)
    {
      nook_error (err, 0, "%s: the config lists %zu diff_ids for %zu layers", pl->s->full,
                  strv_len (cfg.diff_ids), pl->m.n_layers);
      goto out;
    }
  dl = xzalloc ((pl->m.n_layers + 1) * sizeof (*dl));
  which = xzalloc ((pl->m.n_layers + 1) * sizeof (*which));
  chains = xzalloc ((pl->m.n_layers + 1) * sizeof (*chains));
  for (size_t k = 0; k < pl->m.n_layers; k++)
    {
      reg_progress_blob (pl->p, k, pl->m.layers[k].digest, pl->m.layers[k].size);
      if (storage_chain_id (k ? chains[k - 1] : NULL, cfg.diff_ids[k], chains[k], err) < 0
          || nook_digest_hex (pl->m.layers[k].digest, &hex, err) < 0)
        goto out;
      which[k] = -1;
      if (have_layer (pl, workdir, hex, chains[k]))
        {
          reg_progress_skipped (pl->p, k);
          continue;
        }
      which[k] = (ssize_t)n;
      dl[n++] = (struct reg_download){ &pl->m.layers[k], workdir, k };
    }
  r = fetch_and_extract (pl, workdir, cfg.diff_ids, chains, dl, n, which, err);
  if (r == 0)
    reg_progress_line (pl->p, "Copying config %s", pl->m.config.digest);
out:
  image_config_free (&cfg);
  return r;
}

static int
write_digestfile (const char *path, const char *digest, nook_error_t *err)
{
  return nook_write_file_atomic (AT_FDCWD, path, digest, strlen (digest), 0644, err);
}

/* Steps 2 to 4 from source S of T.  */
static int
pull_source (struct pull *pl, char id[65], nook_error_t *err)
{
  struct storage_tmp work;
  struct image_source src = { .dirfd = -1 };
  _cleanup_strv_ char **loaded = NULL;
  const char *hex;
  int r;

  if (reg_client_new (&pl->s->ep, pl->s->repo, &pl->o->r, &pl->c, err) < 0
      || fetch_manifest (pl, err) < 0)
    return nook_error_prefix (err, "initializing source docker://%s", pl->s->full);
  if (storage_tmp_create (pl->st, "pull", &work, err) < 0)
    return -1;
  reg_progress_line (pl->p, "Getting image source signatures");
  r = fetch_blobs (pl, work.fd, err);
  if (r == 0)
    {
      reg_progress_line (pl->p, "Writing manifest to image destination");
      src.dirfd = dup (work.fd);
      src.n = 1;
      src.images = xzalloc (sizeof (*src.images));
      src.images[0].manifest = xstrndup (pl->manifest, pl->manifest_len);
      src.images[0].manifest_len = pl->manifest_len;
      memcpy (src.images[0].digest, pl->digest, sizeof (pl->digest));
      src.images[0].names = xzalloc (2 * sizeof (char *));
      src.images[0].names[0] = xstrdup (pl->t->name);
      nook_debug ("layers of %s in the store: committing the image", pl->s->full);
      r = storage_import (pl->st, &src, pl->aopts, &loaded, err);
      image_source_free (&src);
    }
  storage_tmp_discard (pl->st, &work);
  if (r < 0 || nook_digest_hex (pl->m.config.digest, &hex, err) < 0)
    return -1;
  snprintf (id, 65, "%s", hex);
  if (pl->o->digestfile && write_digestfile (pl->o->digestfile, pl->top_digest, err) < 0)
    return -1;
  return 0;
}

/* Errors worth trying the next candidate for: the image is not there.
   Anything else (bad credentials, a hostile answer) is reported as it
   is.  */
static bool
not_found (nook_error_t *err)
{
  return (*err)->errnum == ENOENT || strstr ((*err)->msg, "manifest unknown")
         || strstr ((*err)->msg, "name unknown") || strstr ((*err)->msg, "not found")
         || strstr ((*err)->msg, "authentication required") || strstr ((*err)->msg, "denied");
}

static int
pull_target (struct storage *st, const struct reg_target *t, const struct registry_pull_opts *o,
             const struct apply_opts *aopts, struct reg_progress *p, char id[65],
             struct nook_buf *tried, nook_error_t *err)
{
  if (t->blocked)
    return nook_error (err, 0, "registry %s is blocked in registries.conf",
                       t->sources[t->n_sources - 1].ep.name);
  for (size_t i = 0; i < t->n_sources; i++)
    {
      struct pull pl = { .st = st, .o = o, .aopts = aopts, .p = p, .t = t, .s = &t->sources[i] };
      int r;

      reg_progress_line (p, "Trying to pull %s...", t->sources[i].full);
      r = pull_source (&pl, id, err);
      pull_free (&pl);
      if (r == 0)
        return 0;
      nook_buf_printf (tried, "\n * %s", (*err)->msg);
      if (i + 1 < t->n_sources)
        nook_error_free (err);
    }
  return -1;
}

int
registry_pull (struct storage *st, const char *name, const struct registry_pull_opts *o,
               const struct apply_opts *aopts, char id[65], nook_error_t *err)
{
  struct reg_conf conf = { 0 };
  struct reg_target *t = NULL;
  _cleanup_buf_ struct nook_buf tried = { 0 };
  struct reg_progress *p = NULL;
  size_t n = 0, k;
  int r = -1;

  if (reg_conf_load (&conf, err) < 0)
    return -1;
  if (reg_resolve (&conf, name, o->r.tls_verify, &t, &n, err) < 0)
    goto out;
  storage_tmp_sweep (st);
  p = reg_progress_new (o->r.progress);
  for (k = 0; k < n; k++)
    {
      r = pull_target (st, &t[k], o, aopts, p, id, &tried, err);
      if (r == 0 || !not_found (err) || t[k].blocked)
        break;
      if (k + 1 < n)
        nook_error_free (err);
    }
  if (r < 0 && n > 1 && k == n)
    {
      nook_error_free (err);
      nook_error (err, ENOENT, "%zu errors occurred while pulling:%s", n, tried.data);
    }
out:
  reg_progress_free (p);
  reg_targets_free (t, n);
  reg_conf_free (&conf);
  return r;
}

/* Each tag of NAME's repository, from /v2/REPO/tags/list (every page).  */
static int
list_tags (const struct reg_target *t, const struct registry_opts *ro, char ***tags,
           nook_error_t *err)
{
  const struct reg_source *s = &t->sources[t->n_sources - 1];
  _cleanup_client_ struct reg_client *c = NULL;
  _cleanup_free_ char *path = xasprintf ("/v2/%s/tags/list", s->repo);
  _cleanup_free_ char *what = xasprintf ("listing tags of %s/%s", s->ep.name, s->repo);

  *tags = xzalloc (sizeof (char *));
  if (reg_client_new (&s->ep, s->repo, ro, &c, err) < 0)
    return -1;
  for (int page = 0; path && page < 100; page++)
    {
      struct reg_request r = { .method = "GET",
                               .path = path,
                               .repo = s->repo,
                               .body_fd = -1,
                               .max = REG_TAGS_MAX,
                               .what = what };
      struct reg_response resp;
      _cleanup_json_ nook_json *j = NULL;
      nook_json *list;

      if (reg_client_do (c, &r, NULL, &resp, err) < 0)
        return -1;
      if (json_parse (resp.body, resp.body_len, &j, err) < 0)
        {
          reg_response_free (&resp);
          return nook_error_prefix (err, "%s", what);
        }
      list = json_get (j, "tags");
      for (size_t i = 0; i < json_len (list); i++)
        {
          const char *tag = json_str (json_at (list, i));
          if (tag && *tag && strlen (tag) <= 128 && !strchr (tag, '/'))
            strv_push (tags, xstrdup (tag));
        }
      free (steal_pointer (&path));
      /* Link: </v2/...?n=..&last=..>; rel="next" */
      if (resp.link && resp.link[0] == '<' && strchr (resp.link, '>'))
        path = xstrndup (resp.link + 1, (size_t)(strchr (resp.link, '>') - resp.link - 1));
      reg_response_free (&resp);
    }
  return 0;
}

int
registry_pull_all_tags (struct storage *st, const char *name, const struct registry_pull_opts *o,
                        const struct apply_opts *aopts, nook_error_t *err)
{
  struct reg_conf conf = { 0 };
  struct reg_target *t = NULL;
  _cleanup_strv_ char **tags = NULL;
  _cleanup_free_ char *repo = NULL;
  size_t n = 0;
  int r = -1;

  if (reg_conf_load (&conf, err) < 0)
    return -1;
  if (reg_resolve (&conf, name, o->r.tls_verify, &t, &n, err) < 0)
    goto out;
  if (n != 1 || t[0].digest
      || (t[0].tag && strchr (name, ':') && strrchr (name, ':') > strrchr (name, '/')))
    {
      nook_error (err, 0,
                  "tag or digest are not allowed with --all-tags, and the name must "
                  "resolve to one registry");
      goto out;
    }
  if (list_tags (&t[0], &o->r, &tags, err) < 0)
    goto out;
  repo = xstrndup (t[0].name,
                   strcspn (t[0].name + strcspn (t[0].name, "/"), ":@") + strcspn (t[0].name, "/"));
  r = 0;
  for (size_t i = 0; r == 0 && tags[i]; i++)
    {
      _cleanup_free_ char *full = xasprintf ("%s:%s", repo, tags[i]);
      char id[65];
      r = registry_pull (st, full, o, aopts, id, err);
      if (r == 0)
        printf ("%s\n", id);
    }
out:
  reg_targets_free (t, n);
  reg_conf_free (&conf);
  return r;
}
