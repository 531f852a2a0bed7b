/* pkg/format: run-time values.  The data's arrays and objects are never
   copied (V_JSON points into the tree, which outlives an execution);
   strings and lists made at run time are owned by the value holding
   them.  */
#include "format/internal.h"

#include <string.h>

struct fval
val_string (char *s)
{
  return (struct fval){ .kind = V_STRING, .owned = true, .s = s };
}

struct fval
val_int (int64_t i)
{
  return (struct fval){ .kind = V_INT, .i = i };
}

struct fval
val_bool (bool b)
{
  return (struct fval){ .kind = V_BOOL, .b = b };
}

/* The number as the data wrote it (pkg/json keeps the text but shows it
   only through its generator).  */
static char *
number_text (const nook_json *j)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);
  size_t len;
  const char *text;

  json_gen_value (g, j);
  text = json_gen_text (g, &len);
  return xstrndup (text ? text : "0", text ? len : 1);
}

struct fval
val_of_json (const nook_json *j)
{
  struct fval v = { .kind = V_NULL };

  if (j == NULL || json_is_null (j))
    return v;
  v.j = j;
  if (json_is_string (j))
    v.kind = V_STRING, v.s = json_str (j);
  else if (json_bool (j, &v.b))
    v.kind = V_BOOL;
  else if (json_int (j, &v.i))
    v.kind = V_INT;
  else if (json_uint (j, &v.u))
    v.kind = V_UINT;
  else if (json_is_number (j))
    {
      char *text = number_text (j);
      v.kind = V_FLOAT, v.owned = true, v.s = text;
      v.f = strtod (text, NULL);
    }
  else
    v.kind = V_JSON;
  return v;
}

struct fval
val_dup (const struct fval *v)
{
  struct fval d = *v;

  d.owned = true;
  d.s = v->s ? xstrdup (v->s) : NULL;
  d.path = v->path ? xstrdup (v->path) : NULL;
  d.items = NULL;
  if (v->kind == V_LIST)
    {
      d.items = xzalloc (sizeof (struct fval) * (v->n ? v->n : 1));
      for (size_t i = 0; i < v->n; i++)
        d.items[i] = val_dup (&v->items[i]);
    }
  return d;
}

struct fval
val_borrow (const struct fval *v)
{
  struct fval b = *v;
  b.owned = false;
  return b;
}

void
val_free (struct fval *v)
{
  if (v->owned)
    {
      free ((char *)v->s);
      free ((char *)v->path);
      for (size_t i = 0; i < v->n && v->items; i++)
        val_free (&v->items[i]);
      free (v->items);
    }
  *v = (struct fval){ .kind = V_MISSING };
}

struct fval
val_take (struct fval *v)
{
  struct fval t = *v;
  *v = (struct fval){ .kind = V_MISSING };
  return t;
}

bool
val_is_string (const struct fval *v)
{
  return v->kind == V_STRING || (v->kind == V_HEADER && v->s != NULL);
}

bool
val_is_array (const struct fval *v)
{
  return v->kind == V_LIST || (v->kind == V_JSON && json_is_array (v->j));
}

static int
key_cmp (const void *a, const void *b, void *data)
{
  const nook_json *j = data;
  size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
  int c = strcmp (json_key_at (j, ia), json_key_at (j, ib));
  return c ? c : (ia > ib) - (ia < ib);
}

size_t *
val_sorted_keys (const nook_json *j, size_t *n)
{
  size_t len = json_len (j), k = 0;
  size_t *idx = xmalloc (sizeof (size_t) * (len ? len : 1));

  for (size_t i = 0; i < len; i++)
    idx[i] = i;
  qsort_r (idx, len, sizeof (size_t), key_cmp, (void *)j);
  /* Equal keys sort by position: keep the last of each run.  */
  for (size_t i = 0; i < len; i++)
    if (i + 1 == len || strcmp (json_key_at (j, idx[i]), json_key_at (j, idx[i + 1])) != 0)
      idx[k++] = idx[i];
  *n = k;
  return idx;
}

size_t
val_count (const struct fval *v)
{
  size_t n = 0;

  if (v->kind == V_LIST)
    return v->n;
  if (v->kind == V_JSON && json_is_array (v->j))
    return json_len (v->j);
  if (v->kind == V_JSON)
    free (val_sorted_keys (v->j, &n));
  return n;
}

struct fval
val_elem (const struct fval *v, size_t i)
{
  if (v->kind == V_LIST)
    return val_borrow (&v->items[i]);
  return val_of_json (json_at (v->j, i));
}

bool
val_truth (const struct fval *v)
{
  switch (v->kind)
    {
    case V_BOOL:
      return v->b;
    case V_INT:
      return v->i != 0;
    case V_UINT:
      return v->u != 0;
    case V_FLOAT:
      return v->f != 0;
    case V_STRING:
      return v->s[0] != '\0';
    case V_JSON:
      return json_len (v->j) > 0;
    case V_LIST:
      return v->n > 0;
    case V_HEADER:
      return v->s == NULL || v->s[0] != '\0';
    default:
      return false;
    }
}

const char *
val_type_name (const struct fval *v)
{
  switch (v->kind)
    {
    case V_BOOL:
      return "bool";
    case V_INT:
      return "int";
    case V_UINT:
      return "uint64";
    case V_FLOAT:
      return "float64";
    case V_STRING:
      return "string";
    case V_JSON:
      return json_is_array (v->j) ? "[]interface {}" : "map[string]interface {}";
    case V_LIST:
      return "[]interface {}";
    case V_HEADER:
      return v->s ? "string" : "map[string]string";
    default:
      return "<nil>";
    }
}

/* ---- table headers ---- */

/* Lower case, upper case, digit, other; bytes of UTF-8 sequences count
   as lower case, so a word is not split inside them.  */
static int
char_class (int c)
{
  if ((c >= 'a' && c <= 'z') || c >= 0x80)
    return 1;
  if (c >= 'A' && c <= 'Z')
    return 2;
  if (c >= '0' && c <= '9')
    return 3;
  return 4;
}

/* Podman names a column after its field: github.com/fatih/camelcase
   splits the name into runs of lower case, upper case, digits and the
   rest, and the last letter of an upper-case run followed by lower case
   starts a word ("IPAddress" -> "IP Address"); the words are joined with
   spaces and upper-cased.  */
char *
fmt_default_header (const char *name)
{
  size_t n = strlen (name);
  _cleanup_buf_ struct nook_buf b = { 0 };

  nook_buf_puts (&b, "");
  for (size_t i = 0; i < n; i++)
    {
      int cls = char_class ((unsigned char)name[i]);
      int prev = i > 0 ? char_class ((unsigned char)name[i - 1]) : 0;
      int next = i + 1 < n ? char_class ((unsigned char)name[i + 1]) : 0;
      bool boundary = i > 0 && cls != prev && !(cls == 1 && prev == 2);

      if (cls == 2 && prev == 2 && next == 1)
        boundary = true;
      if (boundary)
        nook_buf_putc (&b, ' ');
      nook_buf_putc (&b, name[i]);
    }
  return fmt_upper (b.data);
}

struct fval
val_header (const char *path, const char *name, format_header_fn fn, void *data)
{
  char *full = xasprintf ("%s.%s", path, name);
  const char *h = fn ? fn (full, data) : NULL;
  struct fval v = { .kind = V_HEADER, .owned = true, .path = full };

  v.s = h ? xstrdup (h) : fmt_default_header (name);
  return v;
}
