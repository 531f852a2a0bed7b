/* Credentials as containers-auth.json(5) keeps them:
     {"auths": {"HOST[/NS/REPO]": {"auth": base64("USER:PASSWORD")}}}
   read from the places Podman reads (and Docker's config.json), written
   whole with mode 0600 where a reboot does not lose them.  */
#include "registry/internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

void
reg_creds_free (struct reg_creds *c)
{
  free (c->user);
  if (c->password)
    explicit_bzero (c->password, strlen (c->password));
  free (c->password);
  free (c->identity_token);
  memset (c, 0, sizeof (*c));
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
reg_base64 (const void *data, size_t len)
{
  const unsigned char *p = data;
  char *out = xmalloc ((len + 2) / 3 * 4 + 1), *o = out;

  for (size_t i = 0; i < len; i += 3)
    {
      uint32_t v = (uint32_t)p[i] << 16;
      if (i + 1 < len)
        v |= (uint32_t)p[i + 1] << 8;
      if (i + 2 < len)
        v |= p[i + 2];
      *o++ = b64[(v >> 18) & 63];
      *o++ = b64[(v >> 12) & 63];
      *o++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
      *o++ = i + 2 < len ? b64[v & 63] : '=';
    }
  *o = '\0';
  return out;
}

char *
reg_base64_decode (const char *s, size_t *len)
{
  size_t n = strlen (s), k = 0;
  char *out = xmalloc (n / 4 * 3 + 4);
  uint32_t v = 0;
  int bits = 0;

  for (size_t i = 0; i < n; i++)
    {
      const char *c;
      if (s[i] == '=')
        break;
      c = s[i] ? strchr (b64, s[i]) : NULL;
      if (c == NULL)
        {
          free (out);
          return NULL;
        }
      v = (v << 6) | (uint32_t)(c - b64);
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          out[k++] = (char)((v >> bits) & 0xff);
        }
    }
  out[k] = '\0';
  *len = k;
  return out;
}

static char *
home_path (const char *rel)
{
  const char *home = getenv ("HOME");
  return home && home[0] == '/' ? xasprintf ("%s/%s", home, rel) : NULL;
}

char *
registry_authfile_for_write (const char *authfile)
{
  const char *env = getenv ("REGISTRY_AUTH_FILE");
  const char *xdg = getenv ("XDG_CONFIG_HOME");

  if (authfile && *authfile)
    return xstrdup (authfile);
  if (env && *env)
    return xstrdup (env);
  if (xdg && xdg[0] == '/')
    return xasprintf ("%s/containers/auth.json", xdg);
  return home_path (".config/containers/auth.json");
}

/* The files read, in order (NULLs skipped).  */
static void
read_paths (const char *authfile, char *paths[4])
{
  const char *env = getenv ("REGISTRY_AUTH_FILE");
  const char *run = getenv ("XDG_RUNTIME_DIR");

  memset (paths, 0, 4 * sizeof (char *));
  if (authfile && *authfile)
    {
      paths[0] = xstrdup (authfile);
      return;
    }
  if (env && *env)
    {
      paths[0] = xstrdup (env);
      return;
    }
  if (run && run[0] == '/')
    paths[0] = xasprintf ("%s/containers/auth.json", run);
  paths[1] = registry_authfile_for_write (NULL);
  paths[2] = home_path (".docker/config.json");
}

/* Read PATH as a JSON object; *OUT is NULL when the file does not exist.  */
static int
read_json (const char *path, nook_json **out, nook_error_t *err)
{
  _cleanup_free_ char *text = NULL;
  size_t len;

  *out = NULL;
  if (nook_read_file_at (AT_FDCWD, path, REG_CONF_MAX, &text, &len, err) < 0)
    {
      if ((*err)->errnum != ENOENT)
        return -1;
      nook_error_free (err);
      return 0;
    }
  if (len == 0)
    return 0;
  if (json_parse (text, len, out, err) < 0)
    return nook_error_prefix (err, "%s", path);
  if (!json_is_object (*out))
    {
      json_free (*out);
      *out = NULL;
      return nook_error (err, 0, "%s: not a JSON object", path);
    }
  return 0;
}

/* "https://index.docker.io/v1/" and "http://host/" are Docker's keys
   for "docker.io" and "host".  */
static char *
normalize_key (const char *key)
{
  const char *p = key;
  char *out;

  if (str_has_prefix (p, "https://") || str_has_prefix (p, "http://"))
    {
      p = strstr (p, "://") + 3;
      out = xstrndup (p, strcspn (p, "/"));
    }
  else
    out = xstrdup (p);
  if (strcmp (out, "index.docker.io") == 0 || strcmp (out, "registry-1.docker.io") == 0)
    {
      free (out);
      out = xstrdup ("docker.io");
    }
  return out;
}

static int
entry_creds (const nook_json *entry, const char *path, const char *key, struct reg_creds *out,
             nook_error_t *err)
{
  const char *auth = json_str (json_get (entry, "auth"));
  const char *token = json_str (json_get (entry, "identitytoken"));
  _cleanup_free_ char *plain = NULL;
  char *colon;
  size_t len;

  if (auth && *auth)
    {
      plain = reg_base64_decode (auth, &len);
      if (plain == NULL || memchr (plain, '\0', len) || (colon = strchr (plain, ':')) == NULL)
        return nook_error (err, 0, "%s: the entry for `%s` is not base64 of USER:PASSWORD", path,
                           key);
      out->user = xstrndup (plain, (size_t)(colon - plain));
      out->password = xstrdup (colon + 1);
      explicit_bzero (plain, len);
    }
  if (token && *token)
    out->identity_token = xstrdup (token);
  return out->user || out->identity_token ? 1 : 0;
}

/* KEY, then its parents up to the host: the most specific entry wins.  */
static int
lookup_in (const nook_json *auths, const char *path, const char *key, struct reg_creds *out,
           nook_error_t *err)
{
  _cleanup_free_ char *want = xstrdup (key);

  for (;;)
    {
      for (size_t i = 0; i < json_len (auths); i++)
        {
          _cleanup_free_ char *k = normalize_key (json_key_at (auths, i));
          int r;
          if (strcmp (k, want) != 0 || !json_is_object (json_at (auths, i)))
            continue;
          r = entry_creds (json_at (auths, i), path, k, out, err);
          if (r != 0)
            return r;
        }
      char *slash = strrchr (want, '/');
      if (slash == NULL)
        return 0;
      *slash = '\0';
    }
}

int
reg_auth_lookup (const char *authfile, const char *key, struct reg_creds *out, nook_error_t *err)
{
  char *paths[4];
  int r = 0;

  memset (out, 0, sizeof (*out));
  read_paths (authfile, paths);
  for (size_t i = 0; i < 3 && r == 0; i++)
    {
      _cleanup_json_ nook_json *j = NULL;
      if (paths[i] == NULL)
        continue;
      r = read_json (paths[i], &j, err);
      if (r == 0 && j)
        r = lookup_in (json_get (j, "auths"), paths[i], key, out, err);
    }
  for (size_t i = 0; i < 3; i++)
    free (paths[i]);
  if (r < 0)
    reg_creds_free (out);
  return r;
}

/* Write the document: everything of OLD but "auths", then the entries of
   OLD's auths but KEY (all of them with CLEAR), then KEY's new entry.  */
static void
gen_doc (struct json_gen *g, const nook_json *old, const char *key, const char *auth, bool clear,
         bool *removed)
{
  nook_json *auths = json_get (old, "auths");

  json_gen_object_open (g);
  for (size_t i = 0; i < json_len (old); i++)
    if (strcmp (json_key_at (old, i), "auths") != 0)
      {
        json_gen_key (g, json_key_at (old, i));
        json_gen_value (g, json_at (old, i));
      }
  json_gen_key (g, "auths");
  json_gen_object_open (g);
  for (size_t i = 0; json_is_object (auths) && i < json_len (auths); i++)
    {
      _cleanup_free_ char *k = normalize_key (json_key_at (auths, i));
      if (clear || (key && strcmp (k, key) == 0))
        {
          *removed = true;
          continue;
        }
      json_gen_key (g, json_key_at (auths, i));
      json_gen_value (g, json_at (auths, i));
    }
  if (auth)
    {
      json_gen_key (g, key);
      json_gen_object_open (g);
      json_gen_kv_string (g, "auth", auth);
      json_gen_object_close (g);
    }
  json_gen_object_close (g);
  json_gen_object_close (g);
}

static int
rewrite (const char *path, const char *key, const char *auth, bool clear, bool *removed,
         nook_error_t *err)
{
  _cleanup_json_ nook_json *old = NULL;
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (true);
  _cleanup_free_ char *dir = xstrdup (path);
  _cleanup_close_ int dirfd = -1;
  char *slash = strrchr (dir, '/');
  const char *base = slash ? slash + 1 : path;
  const char *text;
  size_t len;
  bool dummy = false;

  if (read_json (path, &old, err) < 0)
    return -1;
  if (slash == dir)
    dir[1] = '\0';
  else if (slash)
    *slash = '\0';
  else
    strcpy (dir, ".");
  if (nook_mkdir_p (AT_FDCWD, dir, 0700, err) < 0)
    return -1;
  dirfd = nook_open_dir (AT_FDCWD, dir, err);
  if (dirfd < 0)
    return -1;
  gen_doc (g, old, key, auth, clear, removed ? removed : &dummy);
  text = json_gen_text (g, &len);
  return nook_write_file_atomic (dirfd, base, text, len, 0600, err);
}

int
reg_auth_store (const char *path, const char *key, const char *user, const char *password,
                bool *removed, nook_error_t *err)
{
  _cleanup_free_ char *plain = NULL, *auth = NULL;
  int r;

  if (removed)
    *removed = false;
  if (user)
    {
      plain = xasprintf ("%s:%s", user, password ? password : "");
      auth = reg_base64 (plain, strlen (plain));
      explicit_bzero (plain, strlen (plain));
    }
  r = rewrite (path, key, auth, false, removed, err);
  if (auth)
    explicit_bzero (auth, strlen (auth));
  return r;
}

int
reg_auth_clear (const char *path, nook_error_t *err)
{
  struct stat st;
  if (stat (path, &st) < 0 && errno == ENOENT)
    return 0;
  return rewrite (path, NULL, NULL, true, NULL, err);
}
