/* config.json: parse (strict) and generate.  Fields of the OCI schema
   this runtime does not implement are errors that name them, so nobody
   believes they took effect.  The top level, root, mounts and
   annotations are here; process.c, linux.c, seccomp.c, resources.c and
   hooks.c hold the rest.  */
#include "oci/internal.h"

#include <string.h>

static int
parse_mounts (struct oci_spec *s, const nook_json *arr, nook_error_t *err)
{
  static const char *const known[] = { "destination", "type", "source", "options", NULL };
  s->mounts = xzalloc (sizeof (*s->mounts) * (json_len (arr) + 1));
  for (size_t i = 0; i < json_len (arr); i++)
    {
      nook_json *m = json_at (arr, i);
      struct oci_mount *o = &s->mounts[i];
      const char *dest = NULL, *type = NULL, *source = NULL;

      if (!json_is_object (m))
        return nook_error (err, 0, "field `mounts[%zu]` is not an object", i);
      if (oci_check_keys (m, "mounts[]", known, err) < 0
          || json_get_str (m, "destination", "mounts[].destination", true, &dest, err) < 0
          || json_get_str (m, "type", "mounts[].type", false, &type, err) < 0
          || json_get_str (m, "source", "mounts[].source", false, &source, err) < 0
          || json_get_strv (m, "options", "mounts[].options", false, &o->options, err) < 0)
        return -1;
      s->n_mounts++;
      if (dest[0] != '/')
        return nook_error (err, 0, "field `mounts[%zu].destination`: `%s` is not an absolute path",
                           i, dest);
      o->destination = xstrdup (dest);
      o->type = xstrdup (type ? type : "bind");
      o->source = xstrdup (source ? source : "");
    }
  return 0;
}

static int
parse_annotations (struct oci_spec *s, const nook_json *a, nook_error_t *err)
{
  for (size_t i = 0; i < json_len (a); i++)
    {
      const char *v = json_str (json_at (a, i));
      if (v == NULL)
        return nook_error (err, 0, "annotation `%s` is not a string", json_key_at (a, i));
      strv_push (&s->annotations, xasprintf ("%s=%s", json_key_at (a, i), v));
    }
  return 0;
}

const char *const oci_hook_names[OCI_HOOK_KINDS]
    = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop" };

static int
parse_hook (struct oci_hook *h, const nook_json *j, const char *field, nook_error_t *err)
{
  static const char *const known[] = { "path", "args", "env", "timeout", NULL };
  _cleanup_free_ char *fp = oci_subfield (field, "path"), *fa = oci_subfield (field, "args"),
                      *fe = oci_subfield (field, "env"), *ft = oci_subfield (field, "timeout");
  struct oci_int timeout = { 0 };

  if (!json_is_object (j))
    return nook_error (err, 0, "field `%s` is not an object", field);
  if (oci_check_keys (j, field, known, err) < 0
      || oci_get_dup (j, "path", fp, true, &h->path, err) < 0
      || json_get_strv (j, "args", fa, false, &h->args, err) < 0
      || json_get_strv (j, "env", fe, false, &h->env, err) < 0
      || oci_get_opt_int (j, "timeout", ft, INT64_MIN, INT64_MAX, &timeout, err) < 0)
    return -1;
  if (h->path[0] != '/')
    return nook_error (err, 0, "field `%s`: `%s` is not an absolute path", fp, h->path);
  /* The spec: "if set, timeout MUST be greater than zero".  */
  if (timeout.set && (timeout.v <= 0 || timeout.v > INT32_MAX))
    return nook_error (err, 0, "field `%s` must be a positive number of seconds", ft);
  h->timeout = timeout.v;
  return 0;
}

int
oci_parse_hooks (struct oci_spec *s, const nook_json *j, nook_error_t *err)
{
  const char *known[OCI_HOOK_KINDS + 1] = { NULL };

  for (int k = 0; k < OCI_HOOK_KINDS; k++)
    known[k] = oci_hook_names[k];
  if (oci_check_keys (j, "hooks", known, err) < 0)
    return -1;
  for (int k = 0; k < OCI_HOOK_KINDS; k++)
    {
      _cleanup_free_ char *f = oci_subfield ("hooks", oci_hook_names[k]);
      nook_json *arr = NULL;

      if (json_get_array (j, oci_hook_names[k], f, false, &arr, err) < 0)
        return -1;
      s->hooks[k] = xzalloc (sizeof (struct oci_hook) * (json_len (arr) + 1));
      for (size_t i = 0; i < json_len (arr); i++)
        {
          _cleanup_free_ char *fi = xasprintf ("%s[%zu]", f, i);
          s->n_hooks[k]++;
          if (parse_hook (&s->hooks[k][i], json_at (arr, i), fi, err) < 0)
            return -1;
        }
    }
  return 0;
}

void
oci_free_hooks (struct oci_spec *s)
{
  for (int k = 0; k < OCI_HOOK_KINDS; k++)
    {
      for (size_t i = 0; i < s->n_hooks[k]; i++)
        {
          free (s->hooks[k][i].path);
          strv_free (s->hooks[k][i].args);
          strv_free (s->hooks[k][i].env);
        }
      free (s->hooks[k]);
      s->hooks[k] = NULL;
      s->n_hooks[k] = 0;
    }
}

void
oci_gen_hooks (struct json_gen *g, const struct oci_spec *s)
{
  bool any = false;

  for (int k = 0; k < OCI_HOOK_KINDS; k++)
    any = any || s->n_hooks[k] > 0;
  if (!any)
    return;
  json_gen_key (g, "hooks");
  json_gen_object_open (g);
  for (int k = 0; k < OCI_HOOK_KINDS; k++)
    {
      if (s->n_hooks[k] == 0)
        continue;
      json_gen_key (g, oci_hook_names[k]);
      json_gen_array_open (g);
      for (size_t i = 0; i < s->n_hooks[k]; i++)
        {
          const struct oci_hook *h = &s->hooks[k][i];
          json_gen_object_open (g);
          json_gen_kv_string (g, "path", h->path);
          if (h->args)
            json_gen_kv_strv (g, "args", h->args);
          if (h->env)
            json_gen_kv_strv (g, "env", h->env);
          if (h->timeout > 0)
            json_gen_kv_int (g, "timeout", h->timeout);
          json_gen_object_close (g);
        }
      json_gen_array_close (g);
    }
  json_gen_object_close (g);
}

int
oci_spec_parse (const char *text, size_t len, struct oci_spec *s, nook_error_t *err)
{
  static const char *const known[]
      = { "ociVersion", "process", "root",  "hostname",    "domainname",
          "mounts",     "hooks",   "linux", "annotations", NULL };
  _cleanup_json_ nook_json *j = NULL;
  nook_json *process = NULL, *root = NULL, *mounts = NULL, *hooks = NULL, *linux_ = NULL;
  nook_json *ann = NULL;
  const char *version = NULL, *path = NULL, *hostname = NULL, *domainname = NULL;
  static const char *const root_known[] = { "path", "readonly", NULL };

  memset (s, 0, sizeof (*s));
  s->umask = -1;
  if (json_parse (text, len, &j, err) < 0)
    return nook_error_prefix (err, "config.json");
  if (!json_is_object (j))
    return nook_error (err, 0, "config.json is not a JSON object");
  if (oci_check_keys (j, "", known, err) < 0
      || json_get_str (j, "ociVersion", "ociVersion", true, &version, err) < 0
      || json_get_object (j, "process", "process", false, &process, err) < 0
      || (process && oci_parse_process (s, process, err) < 0)
      || json_get_object (j, "root", "root", true, &root, err) < 0
      || oci_check_keys (root, "root", root_known, err) < 0
      || json_get_str (root, "path", "root.path", true, &path, err) < 0
      || json_get_bool (root, "readonly", "root.readonly", false, &s->root_readonly, err) < 0
      || json_get_str (j, "hostname", "hostname", false, &hostname, err) < 0
      || json_get_str (j, "domainname", "domainname", false, &domainname, err) < 0
      || json_get_array (j, "mounts", "mounts", false, &mounts, err) < 0
      || parse_mounts (s, mounts, err) < 0
      || json_get_object (j, "hooks", "hooks", false, &hooks, err) < 0
      || (hooks && oci_parse_hooks (s, hooks, err) < 0)
      || json_get_object (j, "linux", "linux", false, &linux_, err) < 0
      || (linux_ && oci_parse_linux (s, linux_, err) < 0)
      || json_get_object (j, "annotations", "annotations", false, &ann, err) < 0
      || parse_annotations (s, ann, err) < 0)
    {
      oci_spec_free (s);
      if (!str_has_prefix ((*err)->msg, "config.json"))
        nook_error_prefix (err, "config.json");
      return -1;
    }
  s->oci_version = xstrdup (version);
  s->root_path = xstrdup (path);
  s->hostname = hostname ? xstrdup (hostname) : NULL;
  s->domainname = domainname ? xstrdup (domainname) : NULL;
  return 0;
}

void
oci_spec_free (struct oci_spec *s)
{
  free (s->oci_version);
  oci_free_process (s);
  free (s->root_path);
  free (s->hostname);
  free (s->domainname);
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      free (s->mounts[i].destination);
      free (s->mounts[i].type);
      free (s->mounts[i].source);
      strv_free (s->mounts[i].options);
    }
  free (s->mounts);
  oci_free_hooks (s);
  oci_free_linux (s);
  strv_free (s->annotations);
  memset (s, 0, sizeof (*s));
}

void
oci_spec_add_mount (struct oci_spec *s, const char *dest, const char *type, const char *source,
                    const char *const *options)
{
  struct oci_mount *m;
  s->mounts = xrealloc (s->mounts, sizeof (*s->mounts) * (s->n_mounts + 1));
  m = &s->mounts[s->n_mounts++];
  m->destination = xstrdup (dest);
  m->type = xstrdup (type);
  m->source = xstrdup (source);
  m->options = strv_dup ((char *const *)options);
}

void
oci_spec_add_namespace (struct oci_spec *s, const char *type, const char *path)
{
  s->namespaces = xrealloc (s->namespaces, sizeof (*s->namespaces) * (s->n_namespaces + 1));
  s->namespaces[s->n_namespaces].type = xstrdup (type);
  s->namespaces[s->n_namespaces].path = path ? xstrdup (path) : NULL;
  s->n_namespaces++;
}

const struct oci_namespace *
oci_spec_namespace (const struct oci_spec *s, const char *type)
{
  for (size_t i = 0; i < s->n_namespaces; i++)
    if (strcmp (s->namespaces[i].type, type) == 0)
      return &s->namespaces[i];
  return NULL;
}

static void
gen_mounts (struct json_gen *g, const struct oci_spec *s)
{
  json_gen_key (g, "mounts");
  json_gen_array_open (g);
  for (size_t i = 0; i < s->n_mounts; i++)
    {
      json_gen_object_open (g);
      json_gen_kv_string (g, "destination", s->mounts[i].destination);
      json_gen_kv_string (g, "type", s->mounts[i].type);
      json_gen_kv_string (g, "source", s->mounts[i].source);
      if (s->mounts[i].options)
        json_gen_kv_strv (g, "options", s->mounts[i].options);
      json_gen_object_close (g);
    }
  json_gen_array_close (g);
}

char *
oci_spec_to_json (const struct oci_spec *s, size_t *len)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (true);
  const char *text;

  json_gen_object_open (g);
  json_gen_kv_string (g, "ociVersion", s->oci_version ? s->oci_version : OCI_VERSION);
  if (s->has_process)
    {
      json_gen_key (g, "process");
      oci_gen_process (g, s);
    }
  json_gen_key (g, "root");
  json_gen_object_open (g);
  json_gen_kv_string (g, "path", s->root_path);
  json_gen_kv_bool (g, "readonly", s->root_readonly);
  json_gen_object_close (g);
  if (s->hostname)
    json_gen_kv_string (g, "hostname", s->hostname);
  if (s->domainname)
    json_gen_kv_string (g, "domainname", s->domainname);
  gen_mounts (g, s);
  oci_gen_hooks (g, s);
  oci_gen_linux (g, s);
  oci_gen_map (g, "annotations", s->annotations);
  json_gen_object_close (g);
  text = json_gen_text (g, len);
  return xstrndup (text, *len);
}
