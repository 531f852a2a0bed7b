/* pkg/json over yajl: reading the tree (parse.c makes it), and the
   generator.  */
#include "json/internal.h"

#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

bool
json_is_object (const nook_json *j)
{
  return j && YAJL_IS_OBJECT (j);
}

bool
json_is_array (const nook_json *j)
{
  return j && YAJL_IS_ARRAY (j);
}

bool
json_is_string (const nook_json *j)
{
  return j && YAJL_IS_STRING (j);
}

bool
json_is_number (const nook_json *j)
{
  return j && YAJL_IS_NUMBER (j);
}

bool
json_is_bool (const nook_json *j)
{
  return j && (YAJL_IS_TRUE (j) || YAJL_IS_FALSE (j));
}

bool
json_is_null (const nook_json *j)
{
  return j && YAJL_IS_NULL (j);
}

nook_json *
json_get (const nook_json *j, const char *key)
{
  if (!json_is_object (j))
    return NULL;
  /* The last of duplicate keys wins, as in Go: the tools that wrote or
     checked a document must not see different values than we do.  */
  for (size_t i = j->u.object.len; i > 0; i--)
    if (j->u.object.keys[i - 1][0] == key[0] && strcmp (j->u.object.keys[i - 1], key) == 0)
      return j->u.object.values[i - 1];
  return NULL;
}

const char *
json_str (const nook_json *j)
{
  return json_is_string (j) ? j->u.string : NULL;
}

bool
json_int (const nook_json *j, int64_t *out)
{
  if (!json_is_number (j) || !YAJL_IS_INTEGER (j))
    return false;
  *out = j->u.number.i;
  return true;
}

bool
json_uint (const nook_json *j, uint64_t *out)
{
  const char *r;
  char *end;

  if (!json_is_number (j))
    return false;
  /* Beyond INT64_MAX yajl keeps only the text: parse that.  */
  r = j->u.number.r;
  if (r == NULL || !(r[0] >= '0' && r[0] <= '9'))
    return false;
  errno = 0;
  *out = strtoull (r, &end, 10);
  return errno == 0 && *end == '\0';
}

bool
json_bool (const nook_json *j, bool *out)
{
  if (!json_is_bool (j))
    return false;
  *out = YAJL_IS_TRUE (j);
  return true;
}

size_t
json_len (const nook_json *j)
{
  if (json_is_array (j))
    return j->u.array.len;
  if (json_is_object (j))
    return j->u.object.len;
  return 0;
}

nook_json *
json_at (const nook_json *j, size_t i)
{
  if (i >= json_len (j))
    return NULL;
  return json_is_array (j) ? j->u.array.values[i] : j->u.object.values[i];
}

const char *
json_key_at (const nook_json *j, size_t i)
{
  if (!json_is_object (j) || i >= j->u.object.len)
    return NULL;
  return j->u.object.keys[i];
}

/* Look KEY up; absent or null counts as absent.  */
static int
member (const nook_json *obj, const char *key, const char *field, bool required, nook_json **out,
        nook_error_t *err)
{
  nook_json *v = json_get (obj, key);
  if (v == NULL || json_is_null (v))
    {
      *out = NULL;
      return required ? nook_error (err, 0, "missing field `%s`", field) : 0;
    }
  *out = v;
  return 1;
}

int
json_get_str (const nook_json *obj, const char *key, const char *field, bool required,
              const char **out, nook_error_t *err)
{
  nook_json *v;
  int r = member (obj, key, field, required, &v, err);
  if (r <= 0)
    return r;
  if (!json_is_string (v))
    return nook_error (err, 0, "field `%s` must be a string", field);
  *out = v->u.string;
  return 0;
}

int
json_get_int (const nook_json *obj, const char *key, const char *field, bool required, int64_t *out,
              nook_error_t *err)
{
  nook_json *v;
  int r = member (obj, key, field, required, &v, err);
  if (r <= 0)
    return r;
  if (!json_int (v, out))
    return nook_error (err, 0, "field `%s` must be an integer", field);
  return 0;
}

int
json_get_uint (const nook_json *obj, const char *key, const char *field, bool required,
               uint64_t *out, nook_error_t *err)
{
  nook_json *v;
  int r = member (obj, key, field, required, &v, err);
  if (r <= 0)
    return r;
  if (!json_uint (v, out))
    return nook_error (err, 0, "field `%s` must be an unsigned integer", field);
  return 0;
}

int
json_get_bool (const nook_json *obj, const char *key, const char *field, bool required, bool *out,
               nook_error_t *err)
{
  nook_json *v;
  int r = member (obj, key, field, required, &v, err);
  if (r <= 0)
    return r;
  if (!json_bool (v, out))
    return nook_error (err, 0, "field `%s` must be true or false", field);
  return 0;
}

int
json_get_strv (const nook_json *obj, const char *key, const char *field, bool required, char ***out,
               nook_error_t *err)
{
  _cleanup_strv_ char **v = NULL;
  nook_json *a;
  int r = member (obj, key, field, required, &a, err);
  if (r <= 0)
    return r;
  if (!json_is_array (a))
    return nook_error (err, 0, "field `%s` must be an array of strings", field);
  v = xzalloc (sizeof (char *));
  for (size_t i = 0; i < a->u.array.len; i++)
    {
      const char *s = json_str (a->u.array.values[i]);
      if (s == NULL)
        return nook_error (err, 0, "field `%s[%zu]` must be a string", field, i);
      strv_push (&v, xstrdup (s));
    }
  strv_free (*out);
  *out = steal_pointer (&v);
  return 0;
}

int
json_get_object (const nook_json *obj, const char *key, const char *field, bool required,
                 nook_json **out, nook_error_t *err)
{
  int r = member (obj, key, field, required, out, err);
  if (r <= 0)
    return r;
  if (!json_is_object (*out))
    return nook_error (err, 0, "field `%s` must be an object", field);
  return 0;
}

int
json_get_array (const nook_json *obj, const char *key, const char *field, bool required,
                nook_json **out, nook_error_t *err)
{
  int r = member (obj, key, field, required, out, err);
  if (r <= 0)
    return r;
  if (!json_is_array (*out))
    return nook_error (err, 0, "field `%s` must be an array", field);
  return 0;
}

int
json_check_keys (const nook_json *obj, const char *field, const char *const *known,
                 nook_error_t *err)
{
  for (size_t i = 0; i < json_len (obj); i++)
    {
      const char *k = json_key_at (obj, i);
      bool ok = false;
      for (const char *const *p = known; *p && !ok; p++)
        ok = strcmp (*p, k) == 0;
      if (!ok)
        return nook_error (err, 0, "field `%s%s%s` is not supported", field ? field : "",
                           field && *field ? "." : "", k);
    }
  return 0;
}

/* ---- generator ---- */

int
json_gen_write_file (struct json_gen *g, int dirfd, const char *name, bool durable,
                     nook_error_t *err)
{
  size_t len;
  const char *text = json_gen_text (g, &len);
  return durable ? nook_write_file_atomic (dirfd, name, text, len, 0600, err)
                 : nook_write_file_volatile (dirfd, name, text, len, 0600, err);
}

struct json_gen
{
  yajl_gen g;                /* the text, or */
  struct json_builder *tree; /* the tree (json_gen_new_tree) */
  bool too_deep;             /* the tree refused an event */
  char pending;              /* '[' or '{' opened, nothing in it yet */
  char *text;                /* json_gen_text's copy, without yajl's final newline */
  char *const *only;         /* the row members a tree makes (json_gen_tree_only) */
  size_t depth;              /* the tree's open containers */
  size_t skip;               /* in a member left out: 1 + its open containers */
};

enum tree_event
{
  EV_SCALAR,
  EV_OPEN,
  EV_CLOSE,
};

/* Whether the tree leaves event EV out: it is in a member of a row that
   json_gen_tree_only did not name.  */
static bool
tree_skips (struct json_gen *g, enum tree_event ev)
{
  if (g->tree == NULL)
    return false;
  if (g->skip == 0)
    {
      g->depth += ev == EV_OPEN;
      g->depth -= ev == EV_CLOSE;
      return false;
    }
  if (ev == EV_OPEN)
    g->skip++;
  else if (ev == EV_CLOSE)
    g->skip--;
  /* The member's value is whole.  */
  if (g->skip == 1 && ev != EV_OPEN)
    g->skip = 0;
  return true;
}

/* The same for a key: a row's member (an object in an array) that is not
   named starts a member left out.  */
static bool
tree_skips_key (struct json_gen *g, const char *key)
{
  if (g->tree == NULL)
    return false;
  if (g->skip) /* a key in a member left out */
    return true;
  if (g->only == NULL || g->depth != 2 || strv_contains (g->only, key))
    return false;
  g->skip = 1;
  return true;
}

/* Hand an event's result to the tree; a refused one spoils it.  */
static void
tree_took (struct json_gen *g, bool ok)
{
  if (!ok)
    g->too_deep = true;
}

/* yajl writes an empty container over lines ("[\n\n]"); Go and Podman
   write "[]" and "{}".  An open is held back until something goes in:
   a close that comes first writes the pair as one raw token.  */
static yajl_gen
out (struct json_gen *g)
{
  if (g->pending == '[')
    yajl_gen_array_open (g->g);
  else if (g->pending == '{')
    yajl_gen_map_open (g->g);
  g->pending = 0;
  return g->g;
}

static void
close_container (struct json_gen *g, char open)
{
  if (tree_skips (g, EV_CLOSE))
    return;
  if (g->tree)
    tree_took (g, json_builder_close (g->tree));
  else if (g->pending == open)
    {
      g->pending = 0;
      yajl_gen_number (g->g, open == '[' ? "[]" : "{}", 2);
    }
  else if (open == '[')
    yajl_gen_array_close (g->g);
  else
    yajl_gen_map_close (g->g);
}

struct json_gen *
json_gen_new_indent (const char *indent)
{
  struct json_gen *g = json_gen_new (false);
  yajl_gen_config (g->g, yajl_gen_beautify, 1);
  yajl_gen_config (g->g, yajl_gen_indent_string, indent);
  return g;
}

struct json_gen *
json_gen_new_tree (void)
{
  struct json_gen *g = xzalloc (sizeof (*g));
  g->tree = json_builder_new (4096);
  return g;
}

void
json_gen_tree_only (struct json_gen *g, char *const *members)
{
  g->only = members;
}

nook_json *
json_gen_tree (struct json_gen *g, nook_error_t *err)
{
  nook_json *root = g->too_deep ? NULL : json_builder_finish (g->tree);

  if (g->too_deep)
    json_builder_free (g->tree);
  g->tree = NULL;
  if (root == NULL)
    nook_error (err, 0, "internal error: a generated JSON document is not whole");
  return root;
}

struct json_gen *
json_gen_new (bool pretty)
{
  struct json_gen *g = xzalloc (sizeof (*g));
  g->g = yajl_gen_alloc (NULL);
  if (g->g == NULL)
    {
      fputs ("nook: out of memory\n", stderr);
      abort ();
    }
  if (pretty)
    {
      yajl_gen_config (g->g, yajl_gen_beautify, 1);
      yajl_gen_config (g->g, yajl_gen_indent_string, "    ");
    }
  return g;
}

void
json_gen_free (struct json_gen *g)
{
  if (g == NULL)
    return;
  if (g->g)
    yajl_gen_free (g->g);
  json_builder_free (g->tree);
  free (g->text);
  free (g);
}

void
json_gen_freep (struct json_gen **g)
{
  json_gen_free (*g);
}

static void
open_container (struct json_gen *g, char open)
{
  if (tree_skips (g, EV_OPEN))
    return;
  if (g->tree)
    {
      tree_took (g, json_builder_open (g->tree, open == '{'));
      return;
    }
  out (g);
  g->pending = open;
}

void
json_gen_object_open (struct json_gen *g)
{
  open_container (g, '{');
}

void
json_gen_object_close (struct json_gen *g)
{
  close_container (g, '{');
}

void
json_gen_array_open (struct json_gen *g)
{
  open_container (g, '[');
}

void
json_gen_array_close (struct json_gen *g)
{
  close_container (g, '[');
}

/* Length of the valid UTF-8 sequence at S (at most LEN bytes), 0 if none.  */
static size_t
utf8_seq (const unsigned char *s, size_t len)
{
  size_t n;
  uint32_t cp;

  if (s[0] < 0x80)
    return 1;
  if ((s[0] & 0xe0) == 0xc0)
    n = 2, cp = s[0] & 0x1f;
  else if ((s[0] & 0xf0) == 0xe0)
    n = 3, cp = s[0] & 0x0f;
  else if ((s[0] & 0xf8) == 0xf0)
    n = 4, cp = s[0] & 0x07;
  else
    return 0;
  if (n > len)
    return 0;
  for (size_t i = 1; i < n; i++)
    {
      if ((s[i] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (s[i] & 0x3f);
    }
  /* No overlong forms, surrogates or values past U+10FFFF.  */
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)
      || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
    return 0;
  return n;
}

static void
emit_string (struct json_gen *g, const char *s, size_t len, bool key)
{
  if (g->tree)
    tree_took (g, key ? json_builder_key (g->tree, s, len) : json_builder_string (g->tree, s, len));
  else
    yajl_gen_string (out (g), (const unsigned char *)s, len);
}

static void
emit_number (struct json_gen *g, const char *text, size_t len)
{
  if (g->tree)
    tree_took (g, json_builder_number (g->tree, text, len));
  else
    yajl_gen_number (out (g), text, len);
}

/* Bytes that are not UTF-8 (a file name, an argument) become U+FFFD, as
   Go writes them: the output stays JSON anyone can read back.  */
static void
gen_utf8 (struct json_gen *g, const char *s, bool key)
{
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, len;
  struct nook_buf fixed = { 0 };

  /* ASCII, the common case, needs no look at sequences.  */
  while (u[i] && u[i] < 0x80)
    i++;
  len = i + strlen (s + i);
  while (i < len)
    {
      size_t n = utf8_seq (u + i, len - i);
      if (n == 0 && fixed.data == NULL)
        nook_buf_append (&fixed, s, i);
      if (n == 0)
        {
          nook_buf_puts (&fixed, "\xef\xbf\xbd");
          i++;
          continue;
        }
      if (fixed.data)
        nook_buf_append (&fixed, s + i, n);
      i += n;
    }
  if (fixed.data)
    emit_string (g, fixed.data, fixed.len, key);
  else
    emit_string (g, s, len, key);
  nook_buf_free (&fixed);
}

void
json_gen_key (struct json_gen *g, const char *key)
{
  if (!tree_skips_key (g, key))
    gen_utf8 (g, key, true);
}

void
json_gen_string (struct json_gen *g, const char *s)
{
  if (s == NULL)
    json_gen_null (g);
  else if (!tree_skips (g, EV_SCALAR))
    gen_utf8 (g, s, false);
}

void
json_gen_int (struct json_gen *g, int64_t v)
{
  if (tree_skips (g, EV_SCALAR))
    return;
  if (g->tree)
    tree_took (g, json_builder_int (g->tree, v));
  else
    yajl_gen_integer (out (g), (long long)v);
}

void
json_gen_uint (struct json_gen *g, uint64_t v)
{
  char num[32];
  int n;

  if (tree_skips (g, EV_SCALAR))
    return;
  n = snprintf (num, sizeof (num), "%llu", (unsigned long long)v);
  emit_number (g, num, (size_t)n);
}

void
json_gen_bool (struct json_gen *g, bool v)
{
  if (tree_skips (g, EV_SCALAR))
    return;
  if (g->tree)
    tree_took (g, json_builder_bool (g->tree, v));
  else
    yajl_gen_bool (out (g), v);
}

void
json_gen_null (struct json_gen *g)
{
  if (tree_skips (g, EV_SCALAR))
    return;
  if (g->tree)
    tree_took (g, json_builder_null (g->tree));
  else
    yajl_gen_null (out (g));
}

void
json_gen_strv (struct json_gen *g, char *const *v)
{
  if (v == NULL)
    {
      json_gen_null (g);
      return;
    }
  json_gen_array_open (g);
  for (size_t i = 0; v[i]; i++)
    json_gen_string (g, v[i]);
  json_gen_array_close (g);
}

void
json_gen_value (struct json_gen *g, const nook_json *v)
{
  if (v == NULL || YAJL_IS_NULL (v))
    json_gen_null (g);
  else if (YAJL_IS_STRING (v))
    json_gen_string (g, v->u.string);
  else if (YAJL_IS_NUMBER (v))
    {
      if (!tree_skips (g, EV_SCALAR))
        emit_number (g, v->u.number.r, strlen (v->u.number.r));
    }
  else if (YAJL_IS_TRUE (v) || YAJL_IS_FALSE (v))
    json_gen_bool (g, YAJL_IS_TRUE (v));
  else if (YAJL_IS_ARRAY (v))
    {
      json_gen_array_open (g);
      for (size_t i = 0; i < v->u.array.len; i++)
        json_gen_value (g, v->u.array.values[i]);
      json_gen_array_close (g);
    }
  else
    {
      json_gen_object_open (g);
      for (size_t i = 0; i < v->u.object.len; i++)
        {
          json_gen_key (g, v->u.object.keys[i]);
          json_gen_value (g, v->u.object.values[i]);
        }
      json_gen_object_close (g);
    }
}

void
json_gen_kv_string (struct json_gen *g, const char *key, const char *s)
{
  json_gen_key (g, key);
  json_gen_string (g, s);
}

void
json_gen_kv_int (struct json_gen *g, const char *key, int64_t v)
{
  json_gen_key (g, key);
  json_gen_int (g, v);
}

void
json_gen_kv_bool (struct json_gen *g, const char *key, bool v)
{
  json_gen_key (g, key);
  json_gen_bool (g, v);
}

void
json_gen_kv_strv (struct json_gen *g, const char *key, char *const *v)
{
  json_gen_key (g, key);
  json_gen_strv (g, v);
}

const char *
json_gen_text (struct json_gen *g, size_t *len)
{
  const unsigned char *buf = NULL;
  size_t n = 0;

  if (g->g == NULL)
    {
      fputs ("nook: internal error: json_gen_text of a tree generator\n", stderr);
      abort ();
    }
  /* Pretty output ends with a newline; callers add their own.  */
  yajl_gen_get_buf (g->g, &buf, &n);
  if (n > 0 && buf[n - 1] == '\n')
    n--;
  free (g->text);
  g->text = xstrndup ((const char *)buf, n);
  if (len)
    *len = n;
  return g->text;
}

void
json_quote (struct nook_buf *b, const char *s)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);
  size_t len;
  const char *text;

  json_gen_string (g, s);
  text = json_gen_text (g, &len);
  nook_buf_append (b, text, len);
}
