/* From a name to the places to pull it from, without ever asking:

   1. A fully qualified name ("host/path:tag") is itself.
   2. A short name with an [aliases] entry is that alias.
   3. Else it is tried on each unqualified-search-registries entry in
      order, the first that has it winning.

   Each candidate's registry is looked up in [[registry]] (longest
   prefix): its mirrors come first (only for digests with
   mirror-by-digest-only), then its location; a blocked one is an
   error.  */
#include "registry/internal.h"

#include <string.h>

void
reg_endpoint_free (struct reg_endpoint *ep)
{
  free (ep->host);
  free (ep->name);
  memset (ep, 0, sizeof (*ep));
}

void
reg_target_free (struct reg_target *t)
{
  free (t->name);
  free (t->tag);
  free (t->digest);
  for (size_t i = 0; i < t->n_sources; i++)
    {
      reg_endpoint_free (&t->sources[i].ep);
      free (t->sources[i].repo);
      free (t->sources[i].full);
    }
  free (t->sources);
  memset (t, 0, sizeof (*t));
}

void
reg_targets_free (struct reg_target *t, size_t n)
{
  for (size_t i = 0; i < n; i++)
    reg_target_free (&t[i]);
  free (t);
}

/* A source at LOCATION ("host[:port][/path]") for the repository that
   follows it.  */
static void
add_source (struct reg_target *t, const char *location, bool insecure, int tls_verify)
{
  struct reg_source *s;
  const char *slash = strchr (location, '/');
  _cleanup_free_ char *host
      = slash ? xstrndup (location, (size_t)(slash - location)) : xstrdup (location);

  t->sources = xrealloc (t->sources, (t->n_sources + 1) * sizeof (*t->sources));
  s = &t->sources[t->n_sources++];
  memset (s, 0, sizeof (*s));
  s->ep.name = xstrdup (host);
  s->ep.host = xstrdup (strcmp (host, "docker.io") == 0 ? "registry-1.docker.io" : host);
  s->ep.insecure = tls_verify >= 0 ? !tls_verify : insecure;
  s->repo = xstrdup (slash ? slash + 1 : "");
  s->full = xasprintf ("%s%s%s%s%s", location, t->tag ? ":" : "", t->tag ? t->tag : "",
                       t->digest ? "@" : "", t->digest ? t->digest : "");
}

/* Where REPO ("host/path") is, with PREFIX of it replaced by LOCATION.  */
static char *
relocate (const char *repo, const char *prefix, const char *location)
{
  if (location == NULL || str_has_prefix (prefix, "*."))
    return xstrdup (repo);
  return xasprintf ("%s%s", location, repo + strlen (prefix));
}

static int
make_target (const struct reg_conf *c, struct image_ref *ref, int tls_verify, bool push,
             struct reg_target *t, nook_error_t *err)
{
  _cleanup_free_ char *repo = NULL;
  const struct reg_entry *e;

  memset (t, 0, sizeof (*t));
  image_ref_normalize (ref, ref->domain);
  if (ref->digest && ref->tag && !push)
    {
      /* A digest says which image; the tag is only a name.  */
    }
  repo = image_ref_repository (ref);
  t->name = image_ref_string (ref);
  t->tag = ref->tag ? xstrdup (ref->tag) : NULL;
  t->digest = ref->digest ? xstrdup (ref->digest) : NULL;
  e = reg_conf_find (c, repo);
  if (e && e->blocked)
    t->blocked = true;
  if (e && !push)
    for (size_t i = 0; i < e->n_mirrors; i++)
      {
        _cleanup_free_ char *m = NULL;
        if (e->mirror_by_digest_only && t->digest == NULL)
          continue;
        m = relocate (repo, e->prefix, e->mirrors[i].location);
        add_source (t, m, e->mirrors[i].insecure, tls_verify);
      }
  if (e)
    {
      _cleanup_free_ char *loc = relocate (repo, e->prefix, e->location);
      add_source (t, loc, e->insecure, tls_verify);
    }
  else
    add_source (t, repo, false, tls_verify);
  (void)err;
  return 0;
}

static int
push_target (struct reg_target **out, size_t *n, const struct reg_conf *c, struct image_ref *ref,
             int tls_verify, nook_error_t *err)
{
  *out = xrealloc (*out, (*n + 1) * sizeof (**out));
  if (make_target (c, ref, tls_verify, false, &(*out)[*n], err) < 0)
    return -1;
  (*n)++;
  return 0;
}

/* The name an alias gives: its registry and path, the tag or digest the
   user wrote.  */
static int
alias_ref (const char *value, const struct image_ref *typed, struct image_ref *out,
           nook_error_t *err)
{
  if (image_ref_parse (value, out, err) < 0)
    return -1;
  if (typed->tag || typed->digest)
    {
      free (out->tag);
      free (out->digest);
      out->tag = typed->tag ? xstrdup (typed->tag) : NULL;
      out->digest = typed->digest ? xstrdup (typed->digest) : NULL;
    }
  return 0;
}

static int
short_name (const struct reg_conf *c, const struct image_ref *typed, const char *name,
            int tls_verify, struct reg_target **out, size_t *n, nook_error_t *err)
{
  const char *alias = reg_conf_alias (c, typed->path);
  struct image_ref ref;
  int r;

  if (alias)
    {
      if (alias_ref (alias, typed, &ref, err) < 0)
        return -1;
      r = push_target (out, n, c, &ref, tls_verify, err);
      image_ref_free (&ref);
      return r;
    }
  if (c->search == NULL || c->search[0] == NULL)
    {
      _cleanup_free_ char *files = c->files ? strv_join (c->files, ", ") : xstrdup ("");
      return nook_error (err, 0,
                         "short-name \"%s\" did not resolve to an alias and no "
                         "unqualified-search registries are defined in registries.conf (%s)",
                         name, *files ? files : "no registries.conf found");
    }
  for (size_t i = 0; c->search[i]; i++)
    {
      ref = (struct image_ref){ xstrdup (c->search[i]), xstrdup (typed->path),
                                typed->tag ? xstrdup (typed->tag) : NULL,
                                typed->digest ? xstrdup (typed->digest) : NULL };
      r = push_target (out, n, c, &ref, tls_verify, err);
      image_ref_free (&ref);
      if (r < 0)
        return -1;
    }
  return 0;
}

int
reg_resolve (const struct reg_conf *c, const char *name, int tls_verify, struct reg_target **out,
             size_t *n, nook_error_t *err)
{
  struct image_ref ref;
  int r;

  *out = NULL;
  *n = 0;
  if (str_has_prefix (name, "docker://"))
    name += strlen ("docker://");
  if (image_ref_parse (name, &ref, err) < 0)
    return -1;
  if (ref.domain)
    r = push_target (out, n, c, &ref, tls_verify, err);
  else
    r = short_name (c, &ref, name, tls_verify, out, n, err);
  image_ref_free (&ref);
  if (r < 0)
    {
      reg_targets_free (*out, *n);
      *out = NULL;
      *n = 0;
    }
  return r;
}

int
reg_resolve_push (const struct reg_conf *c, const char *name, int tls_verify,
                  struct reg_target *out, nook_error_t *err)
{
  struct image_ref ref;
  int r;

  if (str_has_prefix (name, "docker://"))
    name += strlen ("docker://");
  if (image_ref_parse (name, &ref, err) < 0)
    return -1;
  if (ref.domain == NULL)
    {
      image_ref_free (&ref);
      return nook_error (err, 0,
                         "`%s` names no registry: push to a fully qualified name "
                         "(REGISTRY/NAME[:TAG])",
                         name);
    }
  if (ref.digest)
    {
      image_ref_free (&ref);
      return nook_error (err, 0, "`%s`: cannot push to a digest reference", name);
    }
  r = make_target (c, &ref, tls_verify, true, out, err);
  image_ref_free (&ref);
  if (r == 0 && out->blocked)
    {
      r = nook_error (err, 0, "registry %s is blocked in registries.conf", out->sources[0].ep.name);
      reg_target_free (out);
    }
  return r;
}

int
reg_resolve_host (const struct reg_conf *c, const char *host, int tls_verify,
                  struct reg_endpoint *ep, nook_error_t *err)
{
  const struct reg_entry *e = reg_conf_find (c, host);
  size_t len = strcspn (host, "/");

  memset (ep, 0, sizeof (*ep));
  if (len == 0)
    return nook_error (err, 0, "`%s` is not a registry", host);
  ep->name = xstrndup (host, len);
  ep->host = xstrdup (strcmp (ep->name, "docker.io") == 0 ? "registry-1.docker.io" : ep->name);
  ep->insecure = tls_verify >= 0 ? !tls_verify : (e && e->insecure);
  if (e && e->blocked)
    {
      reg_endpoint_free (ep);
      return nook_error (err, 0, "registry %.*s is blocked in registries.conf", (int)len, host);
    }
  return 0;
}
