/* Typed members of the schema, optional ones kept with a "set" flag, and
   their generation: the small pieces every part of the parser uses.  */
#include "oci/internal.h"

#include <string.h>

int
oci_check_keys (const nook_json *obj, const char *field, const char *const *known,
                nook_error_t *err)
{
  return json_check_keys (obj, field, known, err);
}

char *
oci_subfield (const char *field, const char *key)
{
  return xasprintf ("%s%s%s", field, *field ? "." : "", key);
}

int
oci_get_u32 (const nook_json *obj, const char *key, const char *field, bool required, uint32_t *out,
             nook_error_t *err)
{
  struct oci_uint v = { 0 };
  if (oci_get_opt_uint (obj, key, field, UINT32_MAX, &v, err) < 0)
    return -1;
  if (!v.set)
    return required ? nook_error (err, 0, "missing field `%s`", field) : 0;
  *out = (uint32_t)v.v;
  return 0;
}

int
oci_get_opt_uint (const nook_json *obj, const char *key, const char *field, uint64_t max,
                  struct oci_uint *out, nook_error_t *err)
{
  nook_json *v = json_get (obj, key);
  int64_t i;

  if (v == NULL || json_is_null (v))
    return 0;
  if (!json_uint (v, &out->v))
    {
      if (json_int (v, &i))
        return nook_error (err, 0, "field `%s` out of range", field);
      return nook_error (err, 0, "field `%s` must be an unsigned integer", field);
    }
  if (out->v > max)
    return nook_error (err, 0, "field `%s` out of range", field);
  out->set = true;
  return 0;
}

int
oci_get_opt_int (const nook_json *obj, const char *key, const char *field, int64_t min, int64_t max,
                 struct oci_int *out, nook_error_t *err)
{
  nook_json *v = json_get (obj, key);
  uint64_t u;

  if (v == NULL || json_is_null (v))
    return 0;
  if (!json_int (v, &out->v))
    {
      if (json_uint (v, &u))
        return nook_error (err, 0, "field `%s` out of range", field);
      return nook_error (err, 0, "field `%s` must be an integer", field);
    }
  if (out->v < min || out->v > max)
    return nook_error (err, 0, "field `%s` out of range", field);
  out->set = true;
  return 0;
}

int
oci_get_opt_bool (const nook_json *obj, const char *key, const char *field, struct oci_bool *out,
                  nook_error_t *err)
{
  nook_json *v = json_get (obj, key);

  if (v == NULL || json_is_null (v))
    return 0;
  if (!json_bool (v, &out->v))
    return nook_error (err, 0, "field `%s` must be true or false", field);
  out->set = true;
  return 0;
}

int
oci_get_dup (const nook_json *obj, const char *key, const char *field, bool required, char **out,
             nook_error_t *err)
{
  const char *v = NULL;
  if (json_get_str (obj, key, field, required, &v, err) < 0)
    return -1;
  *out = v ? xstrdup (v) : NULL;
  return 0;
}

int
oci_get_map (const nook_json *obj, const char *key, const char *field, char ***out,
             nook_error_t *err)
{
  nook_json *m = NULL;

  if (json_get_object (obj, key, field, false, &m, err) < 0)
    return -1;
  if (m == NULL)
    return 0;
  *out = xzalloc (sizeof (char *));
  for (size_t i = 0; i < json_len (m); i++)
    {
      const char *k = json_key_at (m, i), *v = json_str (json_at (m, i));
      if (v == NULL)
        return nook_error (err, 0, "field `%s.%s` must be a string", field, k);
      if (*k == '\0' || strchr (k, '='))
        return nook_error (err, 0, "field `%s`: invalid key `%s`", field, k);
      strv_push (out, xasprintf ("%s=%s", k, v));
    }
  return 0;
}

void
oci_gen_opt_uint (struct json_gen *g, const char *key, struct oci_uint v)
{
  if (!v.set)
    return;
  json_gen_key (g, key);
  json_gen_uint (g, v.v);
}

void
oci_gen_opt_int (struct json_gen *g, const char *key, struct oci_int v)
{
  if (v.set)
    json_gen_kv_int (g, key, v.v);
}

void
oci_gen_opt_bool (struct json_gen *g, const char *key, struct oci_bool v)
{
  if (v.set)
    json_gen_kv_bool (g, key, v.v);
}

void
oci_gen_opt_str (struct json_gen *g, const char *key, const char *s)
{
  if (s)
    json_gen_kv_string (g, key, s);
}

void
oci_gen_map (struct json_gen *g, const char *key, char *const *map)
{
  if (map == NULL)
    return;
  json_gen_key (g, key);
  json_gen_object_open (g);
  for (size_t i = 0; map[i]; i++)
    {
      const char *eq = strchr (map[i], '=');
      _cleanup_free_ char *k = eq ? xstrndup (map[i], (size_t)(eq - map[i])) : xstrdup (map[i]);
      json_gen_kv_string (g, k, eq ? eq + 1 : "");
    }
  json_gen_object_close (g);
}
