/* login, logout: credentials checked against the registry before they
   are stored, and stored only in the auth file (0600, written whole).  */
#include "registry/internal.h"

#include <string.h>

/* The auth.json key for what the user typed: "host[:port][/repo]", a
   docker:// or https:// prefix and a trailing slash dropped.  */
static char *
auth_key (const char *registry)
{
  const char *s = registry;
  size_t len;

  if (str_has_prefix (s, "docker://"))
    s += 9;
  else if (str_has_prefix (s, "https://"))
    s += 8;
  else if (str_has_prefix (s, "http://"))
    s += 7;
  len = strlen (s);
  while (len && s[len - 1] == '/')
    len--;
  return xstrndup (s, len);
}

int
registry_login (const char *registry, const char *user, const char *password,
                const struct registry_opts *o, nook_error_t *err)
{
  _cleanup_free_ char *key = auth_key (registry);
  _cleanup_free_ char *creds = NULL, *path = NULL;
  struct reg_conf conf = { 0 };
  struct reg_endpoint ep = { 0 };
  struct registry_opts ro = *o;
  _cleanup_client_ struct reg_client *c = NULL;
  const char *slash = strchr (key, '/');
  int r = -1;

  if (*key == '\0')
    return nook_error (err, 0, "a registry name is required");
  if (user == NULL || *user == '\0')
    return nook_error (err, 0, "username is required");
  if (strchr (user, ':'))
    return nook_error (err, 0, "the username cannot contain a colon");
  if (password == NULL || *password == '\0')
    return nook_error (err, 0, "password is required");
  if (reg_conf_load (&conf, err) < 0)
    return -1;
  if (reg_resolve_host (&conf, key, o->tls_verify, &ep, err) < 0)
    goto out;
  creds = xasprintf ("%s:%s", user, password);
  ro.creds = creds;
  if (reg_client_new (&ep, slash ? slash + 1 : NULL, &ro, &c, err) < 0
      || reg_client_check_login (c, err) < 0)
    goto out;
  path = registry_authfile_for_write (o->authfile);
  if (path == NULL)
    {
      nook_error (err, 0, "no place for the auth file: set HOME or use --authfile");
      goto out;
    }
  r = reg_auth_store (path, key, user, password, NULL, err);
out:
  if (creds)
    explicit_bzero (creds, strlen (creds));
  reg_endpoint_free (&ep);
  reg_conf_free (&conf);
  return r;
}

int
registry_login_user (const char *registry, const char *authfile, char **user, nook_error_t *err)
{
  _cleanup_free_ char *key = auth_key (registry);
  struct reg_creds creds = { 0 };
  int r;

  r = reg_auth_lookup (authfile, key, &creds, err);
  if (r < 0)
    return -1;
  if (r == 0 || creds.user == NULL)
    {
      reg_creds_free (&creds);
      nook_error (err, 0, "not logged into %s", key);
      return nook_error_set_errno (err, ENOENT);
    }
  *user = steal_pointer (&creds.user);
  reg_creds_free (&creds);
  return 0;
}

int
registry_logout (const char *registry, bool all, const char *authfile, nook_error_t *err)
{
  _cleanup_free_ char *key = registry ? auth_key (registry) : NULL;
  _cleanup_free_ char *path = registry_authfile_for_write (authfile);
  _cleanup_free_ char *runtime = NULL;
  const char *run = getenv ("XDG_RUNTIME_DIR");
  bool removed = false, removed_rt = false;

  if (path == NULL)
    return nook_error (err, 0, "no auth file: set HOME or use --authfile");
  /* Podman writes to $XDG_RUNTIME_DIR/containers/auth.json: a logout
     removes what a podman login left there too.  */
  if (authfile == NULL && getenv ("REGISTRY_AUTH_FILE") == NULL && run && run[0] == '/')
    runtime = xasprintf ("%s/containers/auth.json", run);
  if (all)
    return reg_auth_clear (path, err) < 0 || (runtime && reg_auth_clear (runtime, err) < 0) ? -1
                                                                                            : 0;
  if (key == NULL || *key == '\0')
    return nook_error (err, 0, "a registry name is required");
  if (reg_auth_store (path, key, NULL, NULL, &removed, err) < 0)
    return -1;
  if (runtime && access (runtime, F_OK) == 0
      && reg_auth_store (runtime, key, NULL, NULL, &removed_rt, err) < 0)
    return -1;
  if (!removed && !removed_rt)
    {
      nook_error (err, 0, "not logged into %s", key);
      return nook_error_set_errno (err, ENOENT);
    }
  return 0;
}
