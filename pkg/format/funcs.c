/* pkg/format: the template functions.  Go's builtins (text/template
   funcs.go) and Podman's (containers/common pkg/report: join json lower
   pad split title truncate upper).  Each gets its arguments evaluated,
   a missing value as nil; the arity is checked before the call.  */
#include "format/internal.h"

#include <locale.h>
#include <string.h>
#include <wctype.h>

/* A list made at run time (split, slice) costs this many steps an
   element: it is memory, not just time.  */
#define LIST_ITEM_STEPS 10

int
fn_fail (struct exec *x, const struct builtin *fn, const char *fmt, ...)
{
  _cleanup_free_ char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  return exec_fail (x, "error calling %s: %s", fn->name, msg ? msg : "out of memory");
}

static int
want_string (struct exec *x, const struct builtin *fn, const struct fval *v, const char **s)
{
  if (!val_is_string (v))
    return fn_fail (x, fn, "wrong type for value; expected string; got %s", val_type_name (v));
  *s = v->s;
  return 0;
}

static int
want_int (struct exec *x, const struct builtin *fn, const struct fval *v, int64_t *i)
{
  if (v->kind == V_INT)
    *i = v->i;
  else if (v->kind == V_UINT && v->u <= INT64_MAX)
    *i = (int64_t)v->u;
  else if (v->kind == V_FLOAT && v->f == (double)(int64_t)v->f)
    *i = (int64_t)v->f;
  else
    return fn_fail (x, fn, "wrong type for value; expected int; got %s", val_type_name (v));
  return 0;
}

static int
result_string (struct exec *x, const struct builtin *fn, struct nook_buf *b, struct fval *out)
{
  if (b->len > FORMAT_MAX_OUTPUT)
    {
      nook_buf_free (b);
      return fn_fail (x, fn, "result larger than %u bytes", FORMAT_MAX_OUTPUT);
    }
  *out = val_string (nook_buf_steal (b));
  return 0;
}

/* ---- logic and comparison ---- */

static int
f_not (struct exec *x, const struct builtin *fn, struct fval *args, size_t n, struct fval *out)
{
  *out = val_bool (!val_truth (&args[0]));
  return 0;
}

enum ckind
{
  C_BAD,
  C_NIL,
  C_BOOL,
  C_INT,
  C_UINT,
  C_FLOAT,
  C_STRING,
};

static enum ckind
cmp_kind (const struct fval *v)
{
  static const enum ckind kinds[] = {
    [V_MISSING] = C_NIL, [V_NULL] = C_NIL,      [V_BOOL] = C_BOOL,     [V_INT] = C_INT,
    [V_UINT] = C_UINT,   [V_FLOAT] = C_FLOAT,   [V_STRING] = C_STRING, [V_JSON] = C_BAD,
    [V_LIST] = C_BAD,    [V_HEADER] = C_STRING,
  };
  return v->kind == V_HEADER && v->s == NULL ? C_BAD : kinds[v->kind];
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

/* A against B into *C (-1, 0, 1; for nil against a value, 1); NULL or
   what is wrong.  ORDERED: for lt, le, gt, ge.  */
static const char *
compare (const struct fval *a, const struct fval *b, bool ordered, int *c)
{
  enum ckind ka = cmp_kind (a), kb = cmp_kind (b);

  if (ka == C_BAD || kb == C_BAD)
    return ordered ? "invalid type for comparison" : "non-comparable type";
  if (ordered && (ka == C_BOOL || ka == C_NIL || kb == C_BOOL || kb == C_NIL))
    return "invalid type for comparison";
  if (ka == C_INT && kb == C_UINT)
    *c = a->i < 0 ? -1 : CMP ((uint64_t)a->i, b->u);
  else if (ka == C_UINT && kb == C_INT)
    *c = b->i < 0 ? 1 : CMP (a->u, (uint64_t)b->i);
  else if (ka != kb && (ka == C_NIL || kb == C_NIL))
    *c = 1;
  else if (ka != kb)
    return "incompatible types for comparison";
  else if (ka == C_NIL)
    *c = 0;
  else if (ka == C_BOOL)
    *c = a->b != b->b;
  else if (ka == C_INT)
    *c = CMP (a->i, b->i);
  else if (ka == C_UINT)
    *c = CMP (a->u, b->u);
  else if (ka == C_FLOAT)
    *c = CMP (a->f, b->f);
  else
    *c = CMP (strcmp (a->s, b->s), 0);
  return NULL;
}

static int
f_eq (struct exec *x, const struct builtin *fn, struct fval *args, size_t n, struct fval *out)
{
  bool eq = false;

  if (n < 2)
    return fn_fail (x, fn, "missing argument for comparison");
  for (size_t i = 1; i < n && !eq; i++)
    {
      int c;
      const char *why = compare (&args[0], &args[i], false, &c);
      if (why)
        return fn_fail (x, fn, "%s", why);
      eq = c == 0;
    }
  *out = val_bool (strcmp (fn->name, "ne") == 0 ? !eq : eq);
  return 0;
}

static int
f_order (struct exec *x, const struct builtin *fn, struct fval *args, size_t n, struct fval *out)
{
  int c;
  const char *why = compare (&args[0], &args[1], true, &c);

  if (why)
    return fn_fail (x, fn, "%s", why);
  if (strcmp (fn->name, "lt") == 0)
    *out = val_bool (c < 0);
  else if (strcmp (fn->name, "le") == 0)
    *out = val_bool (c <= 0);
  else if (strcmp (fn->name, "gt") == 0)
    *out = val_bool (c > 0);
  else
    *out = val_bool (c >= 0);
  return 0;
}

/* ---- len, index, slice ---- */

static int
f_len (struct exec *x, const struct builtin *fn, struct fval *args, size_t n, struct fval *out)
{
  const struct fval *v = &args[0];

  if (v->kind == V_STRING || v->kind == V_HEADER)
    *out = val_int (v->s ? (int64_t)strlen (v->s) : 0);
  else if (v->kind == V_JSON || v->kind == V_LIST)
    *out = val_int ((int64_t)val_count (v));
  else if (v->kind == V_NULL) /* a nil map or slice */
    *out = val_int (0);
  else
    return fn_fail (x, fn, "len of type %s", val_type_name (v));
  return 0;
}

/* An index into something of LEN elements (LEN itself when END).  */
static int
want_index (struct exec *x, const struct builtin *fn, const struct fval *v, size_t len, bool end,
            size_t *out)
{
  int64_t i;

  if (v->kind == V_NULL)
    return fn_fail (x, fn, "cannot index slice/array with nil");
  if (v->kind == V_UINT)
    return fn_fail (x, fn, "index out of range: %llu", (unsigned long long)v->u);
  if (v->kind != V_INT)
    return fn_fail (x, fn, "cannot index slice/array with type %s", val_type_name (v));
  i = v->i;
  if (i < 0 || (uint64_t)i > len || ((uint64_t)i == len && !end))
    return fn_fail (x, fn, "index out of range: %lld", (long long)i);
  *out = (size_t)i;
  return 0;
}

/* ITEM[KEY], owning nothing of ITEM.  */
static int
index_one (struct exec *x, const struct builtin *fn, const struct fval *item,
           const struct fval *key, struct fval *out)
{
  size_t i;

  if (item->kind == V_STRING || val_is_array (item))
    {
      size_t len = item->kind == V_STRING ? strlen (item->s) : val_count (item);
      struct fval e;
      if (want_index (x, fn, key, len, false, &i) < 0)
        return -1;
      if (item->kind == V_STRING)
        {
          *out = val_int ((unsigned char)item->s[i]);
          return 0;
        }
      e = val_elem (item, i);
      *out = val_dup (&e);
      val_free (&e);
      return 0;
    }
  if (item->kind == V_HEADER && !val_is_string (key))
    {
      *out = val_dup (item);
      return 0;
    }
  if (item->kind != V_JSON && item->kind != V_NULL && item->kind != V_HEADER)
    return fn_fail (x, fn, "can't index item of type %s", val_type_name (item));
  if (item->kind == V_NULL && key->kind == V_INT)
    return fn_fail (x, fn, "index out of range: %lld", (long long)key->i);
  if (!val_is_string (key))
    return fn_fail (x, fn, "value has type %s; should be string", val_type_name (key));
  if (item->kind == V_HEADER)
    *out = val_header (item->path ? item->path : "", key->s, x->header_of, x->header_data);
  else if (item->kind == V_JSON && json_get (item->j, key->s))
    *out = val_of_json (json_get (item->j, key->s));
  else
    *out = val_string (xstrdup ("")); /* the zero value of map[string]string */
  return 0;
}

static int
f_index (struct exec *x, const struct builtin *fn, struct fval *args, size_t n, struct fval *out)
{
  struct fval cur = val_take (&args[0]);

  for (size_t i = 1; i < n; i++)
    {
      struct fval next;
      int r = index_one (x, fn, &cur, &args[i], &next);
      val_free (&cur);
      if (r < 0)
        return -1;
      cur = next;
    }
  *out = cur;
  return 0;
}

static int
f_slice (struct exec *x, const struct builtin *fn, struct fval *args, size_t n, struct fval *out)
{
  const struct fval *v = &args[0];
  size_t idx[3] = { 0, 0, 0 }, len;
  struct fval list = { .kind = V_LIST, .owned = true };

  if (v->kind == V_NULL)
    return fn_fail (x, fn, "slice of untyped nil");
  if (!val_is_string (v) && !val_is_array (v))
    return fn_fail (x, fn, "can't slice item of type %s", val_type_name (v));
  if (val_is_string (v) && n == 4)
    return fn_fail (x, fn, "cannot 3-index slice a string");
  len = val_is_string (v) ? strlen (v->s) : val_count (v);
  idx[1] = idx[2] = len;
  for (size_t i = 1; i < n; i++)
    if (want_index (x, fn, &args[i], len, true, &idx[i - 1]) < 0)
      return -1;
  if (idx[0] > idx[1] || idx[1] > idx[2])
    return fn_fail (x, fn, "invalid slice index: %zu > %zu", idx[0] > idx[1] ? idx[0] : idx[1],
                    idx[0] > idx[1] ? idx[1] : idx[2]);
  if (val_is_string (v))
    {
      *out = val_string (xstrndup (v->s + idx[0], idx[1] - idx[0]));
      return 0;
    }
  if (exec_step (x, (idx[1] - idx[0]) * LIST_ITEM_STEPS) < 0)
    return -1;
  list.items = xzalloc (sizeof (struct fval) * (idx[1] - idx[0] + 1));
  for (size_t i = idx[0]; i < idx[1]; i++)
    {
      struct fval e = val_elem (v, i);
      list.items[list.n++] = val_dup (&e);
      val_free (&e);
    }
  *out = list;
  return 0;
}

/* ---- printing ---- */

static int
f_print (struct exec *x, const struct builtin *fn, struct fval *args, size_t n, struct fval *out)
{
  struct nook_buf b = { 0 };
  int r;

  if (strcmp (fn->name, "printf") == 0)
    {
      const char *format = "";
      if (want_string (x, fn, &args[0], &format) < 0)
        return -1;
      r = fmt_sprintf (&b, FORMAT_MAX_OUTPUT, format, args + 1, n - 1);
    }
  else
    r = fmt_sprint (&b, FORMAT_MAX_OUTPUT, args, n, strcmp (fn->name, "println") == 0);
  if (r < 0)
    {
      nook_buf_free (&b);
      return exec_fmt_error (x, r);
    }
  return result_string (x, fn, &b, out);
}

/* Go's evalArgs: one string as is, anything else as fmt.Sprint.  */
static int
args_text (struct exec *x, struct fval *args, size_t n, struct nook_buf *b)
{
  int r;

  if (n == 1 && val_is_string (&args[0]))
    {
      nook_buf_puts (b, args[0].s);
      return 0;
    }
  /* Go's printableValue: nil is <no value> here.  */
  for (size_t i = 0; i < n; i++)
    if (args[i].kind == V_NULL)
      args[i].kind = V_MISSING;
  nook_buf_puts (b, "");
  r = fmt_sprint (b, FORMAT_MAX_OUTPUT, args, n, false);
  return r < 0 ? exec_fmt_error (x, r) : 0;
}

static int
f_html (struct exec *x, const struct builtin *fn, struct fval *args, size_t n, struct fval *out)
{
  _cleanup_buf_ struct nook_buf in = { 0 };
  struct nook_buf b = { 0 };

  if (args_text (x, args, n, &in) < 0)
    return -1;
  nook_buf_puts (&b, "");
  for (size_t i = 0; i < in.len; i++)
    switch (in.data[i])
      {
      case '"':
        nook_buf_puts (&b, "&#34;");
        break;
      case '\'':
        nook_buf_puts (&b, "&#39;");
        break;
      case '&':
        nook_buf_puts (&b, "&amp;");
        break;
      case '<':
        nook_buf_puts (&b, "&lt;");
        break;
      case '>':
        nook_buf_puts (&b, "&gt;");
        break;
      default:
        nook_buf_putc (&b, in.data[i]);
      }
  return result_string (x, fn, &b, out);
}

static int
f_urlquery (struct exec *x, const struct builtin *fn, struct fval *args, size_t n, struct fval *out)
{
  _cleanup_buf_ struct nook_buf in = { 0 };
  struct nook_buf b = { 0 };

  if (args_text (x, args, n, &in) < 0)
    return -1;
  nook_buf_puts (&b, "");
  for (size_t i = 0; i < in.len; i++)
    {
      unsigned char c = (unsigned char)in.data[i];
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || strchr ("-_.~", c) != NULL)
        nook_buf_putc (&b, (char)c);
      else if (c == ' ')
        nook_buf_putc (&b, '+');
      else
        nook_buf_printf (&b, "%%%02X", c);
    }
  return result_string (x, fn, &b, out);
}

static int
f_json (struct exec *x, const struct builtin *fn, struct fval *args, size_t n, struct fval *out)
{
  struct nook_buf b = { 0 };
  int r;

  nook_buf_puts (&b, "");
  r = fmt_json (&b, &args[0]);
  if (r < 0)
    {
      nook_buf_free (&b);
      return exec_fmt_error (x, r);
    }
  return result_string (x, fn, &b, out);
}

/* ---- strings ---- */

/* Unicode case mapping from C.UTF-8 (whatever the user's locale), or
   ASCII only when the C library has no such locale.  */
static locale_t
utf8_locale (void)
{
  static locale_t loc;
  static bool tried;

  if (!tried)
    {
      tried = true;
      loc = newlocale (LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    }
  return loc;
}

static uint32_t
map_case (uint32_t cp, bool upper)
{
  locale_t loc = utf8_locale ();

  if (cp < 0x80)
    return upper && cp >= 'a' && cp <= 'z'    ? cp - 'a' + 'A'
           : !upper && cp >= 'A' && cp <= 'Z' ? cp + 'a' - 'A'
                                              : cp;
  if (loc == (locale_t)0)
    return cp;
  return (uint32_t)(upper ? towupper_l ((wint_t)cp, loc) : towlower_l ((wint_t)cp, loc));
}

/* Go's strings.Title separators: not a letter, digit or _.  */
static bool
is_separator (uint32_t cp)
{
  locale_t loc = utf8_locale ();

  if (cp < 0x80)
    return !((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')
             || cp == '_');
  if (loc == (locale_t)0)
    return false;
  if (iswalpha_l ((wint_t)cp, loc) || iswdigit_l ((wint_t)cp, loc))
    return false;
  return iswspace_l ((wint_t)cp, loc);
}

/* MODE 'u' upper, 'l' lower, 't' title; bytes that are not UTF-8 become
   U+FFFD, as Go's strings.Map makes them.  */
static void
map_string (struct nook_buf *b, const char *s, char mode)
{
  size_t n = strlen (s), i = 0;
  uint32_t prev = ' ';

  nook_buf_puts (b, "");
  while (i < n)
    {
      uint32_t cp = 0xfffd;
      size_t l = fmt_utf8_seq (s + i, n - i, &cp);
      uint32_t mapped = cp;

      if (mode == 'u' || mode == 'l')
        mapped = map_case (cp, mode == 'u');
      else if (is_separator (prev))
        mapped = map_case (cp, true);
      prev = cp;
      fmt_put_rune (b, mapped);
      i += l ? l : 1;
    }
}

static int
f_case (struct exec *x, const struct builtin *fn, struct fval *args, size_t n, struct fval *out)
{
  struct nook_buf b = { 0 };
  const char *s = "";

  if (want_string (x, fn, &args[0], &s) < 0)
    return -1;
  map_string (&b, s, fn->name[0]);
  return result_string (x, fn, &b, out);
}

char *
fmt_upper (const char *s)
{
  struct nook_buf b = { 0 };
  map_string (&b, s, 'u');
  return nook_buf_steal (&b);
}

/* truncate S N: the first N bytes of S (Podman's truncateWithLength).  */
static int
f_truncate (struct exec *x, const struct builtin *fn, struct fval *args, size_t n, struct fval *out)
{
  const char *s = "";
  int64_t len = 0;

  if (want_string (x, fn, &args[0], &s) < 0 || want_int (x, fn, &args[1], &len) < 0)
    return -1;
  if (len < 0)
    return fn_fail (x, fn, "slice bounds out of range [:%lld]", (long long)len);
  *out = val_string (xstrndup (s, (size_t)len));
  return 0;
}

/* pad S PREFIX SUFFIX: spaces around S unless S is empty (padWithSpace).  */
static int
f_pad (struct exec *x, const struct builtin *fn, struct fval *args, size_t n, struct fval *out)
{
  struct nook_buf b = { 0 };
  int64_t pre = 0, post = 0;
  const char *s = "";

  if (want_string (x, fn, &args[0], &s) < 0 || want_int (x, fn, &args[1], &pre) < 0
      || want_int (x, fn, &args[2], &post) < 0)
    return -1;
  if (pre < 0 || post < 0)
    return fn_fail (x, fn, "negative Repeat count");
  if ((uint64_t)pre + (uint64_t)post + strlen (s) > FORMAT_MAX_OUTPUT)
    return fn_fail (x, fn, "result larger than %u bytes", FORMAT_MAX_OUTPUT);
  nook_buf_puts (&b, "");
  if (*s)
    {
      for (int64_t i = 0; i < pre; i++)
        nook_buf_putc (&b, ' ');
      nook_buf_puts (&b, s);
      for (int64_t i = 0; i < post; i++)
        nook_buf_putc (&b, ' ');
    }
  return result_string (x, fn, &b, out);
}

/* join LIST SEP; a header joins to itself, anything but a string prints
   as %v (Go would want a []string).  */
static int
f_join (struct exec *x, const struct builtin *fn, struct fval *args, size_t n, struct fval *out)
{
  struct nook_buf b = { 0 };
  const char *sep = "";
  size_t count;

  if (want_string (x, fn, &args[1], &sep) < 0)
    return -1;
  if (args[0].kind == V_HEADER || args[0].kind == V_NULL)
    {
      *out = args[0].kind == V_NULL ? val_string (xstrdup ("")) : val_dup (&args[0]);
      return 0;
    }
  if (!val_is_array (&args[0]))
    return fn_fail (x, fn, "wrong type for value; expected []string; got %s",
                    val_type_name (&args[0]));
  count = val_count (&args[0]);
  nook_buf_puts (&b, "");
  for (size_t i = 0; i < count && b.len <= FORMAT_MAX_OUTPUT; i++)
    {
      struct fval e = val_elem (&args[0], i);
      if (i > 0)
        nook_buf_puts (&b, sep);
      fmt_print (&b, FORMAT_MAX_OUTPUT, &e);
      val_free (&e);
    }
  return result_string (x, fn, &b, out);
}

static void
list_push (struct fval *list, char *s)
{
  list->items[list->n++] = val_string (s);
}

/* split S SEP: strings.Split; an empty SEP splits after each rune.  */
static int
f_split (struct exec *x, const struct builtin *fn, struct fval *args, size_t n, struct fval *out)
{
  struct fval list = { .kind = V_LIST, .owned = true };
  const char *s = "", *sep = "", *at;
  size_t count = 1, left, l;
  uint32_t cp;

  if (want_string (x, fn, &args[0], &s) < 0 || want_string (x, fn, &args[1], &sep) < 0)
    return -1;
  left = strlen (s);
  if (*sep == '\0')
    count = fmt_rune_count (s, left);
  for (at = s; *sep && (at = strstr (at, sep)) != NULL; at += strlen (sep))
    count++;
  if (exec_step (x, count * LIST_ITEM_STEPS) < 0)
    return -1;
  list.items = xzalloc (sizeof (struct fval) * (count + 1));
  while (*sep == '\0' && left > 0)
    {
      l = fmt_utf8_seq (s, left, &cp);
      l = l ? l : 1;
      list_push (&list, xstrndup (s, l));
      s += l, left -= l;
    }
  while (*sep != '\0')
    {
      at = strstr (s, sep);
      list_push (&list, xstrndup (s, at ? (size_t)(at - s) : strlen (s)));
      if (at == NULL)
        break;
      s = at + strlen (sep);
    }
  *out = list;
  return 0;
}

/* ---- the table ---- */

static const struct builtin builtins[] = {
  { "and", 1, -1, true, NULL },
  { "eq", 1, -1, false, f_eq },
  { "ge", 2, 2, false, f_order },
  { "gt", 2, 2, false, f_order },
  { "html", 0, -1, false, f_html },
  { "index", 1, -1, false, f_index },
  { "join", 2, 2, false, f_join },
  { "json", 1, 1, false, f_json },
  { "le", 2, 2, false, f_order },
  { "len", 1, 1, false, f_len },
  { "lower", 1, 1, false, f_case },
  { "lt", 2, 2, false, f_order },
  { "ne", 2, 2, false, f_eq },
  { "not", 1, 1, false, f_not },
  { "or", 1, -1, true, NULL },
  { "pad", 3, 3, false, f_pad },
  { "print", 0, -1, false, f_print },
  { "printf", 1, -1, false, f_print },
  { "println", 0, -1, false, f_print },
  { "slice", 1, 4, false, f_slice },
  { "split", 2, 2, false, f_split },
  { "title", 1, 1, false, f_case },
  { "truncate", 2, 2, false, f_truncate },
  { "upper", 1, 1, false, f_case },
  { "urlquery", 0, -1, false, f_urlquery },
};

const struct builtin *
builtin_find (const char *name)
{
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (builtins); i++)
    if (strcmp (builtins[i].name, name) == 0)
      return &builtins[i];
  return NULL;
}
