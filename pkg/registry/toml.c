/* The TOML subset containers-registries.conf(5) files use: comments,
   [table] and [[array.of.tables]] headers with bare or quoted dotted
   keys, and KEY = VALUE with basic and literal strings, booleans,
   integers and arrays of strings (over several lines, with comments and
   a trailing comma).  Anything else is an error naming the line.

   The input is hostile: the parser never recurses, never reads past LEN
   (a NUL inside is an error, not an end), and bounds key depth and array
   length.  */
#include "registry/internal.h"

#include <string.h>

#define MAX_DEPTH 8
#define MAX_ITEMS 4096

struct cursor
{
  const char *s;
  size_t len, pos;
  int line;
  const char *origin;
  nook_error_t *err;
};

static int
fail (struct cursor *c, const char *what)
{
  return nook_error (c->err, 0, "%s:%d: %s", c->origin, c->line, what);
}

static int
peek (const struct cursor *c)
{
  return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static void
skip_ws (struct cursor *c)
{
  while (peek (c) == ' ' || peek (c) == '\t')
    c->pos++;
}

static void
skip_comment (struct cursor *c)
{
  if (peek (c) == '#')
    while (peek (c) != -1 && peek (c) != '\n')
      c->pos++;
}

/* The end of a line: whitespace, a comment, then a newline or the end.  */
static int
end_of_line (struct cursor *c)
{
  skip_ws (c);
  skip_comment (c);
  if (peek (c) == '\r' && c->pos + 1 < c->len && c->s[c->pos + 1] == '\n')
    c->pos++;
  if (peek (c) == '\n')
    {
      c->pos++;
      c->line++;
      return 0;
    }
  if (peek (c) == -1)
    return 0;
  return fail (c, "unexpected text after the value");
}

/* Whitespace, comments and newlines (inside an array).  */
static void
skip_blank (struct cursor *c)
{
  for (;;)
    {
      skip_ws (c);
      skip_comment (c);
      if (peek (c) == '\r')
        c->pos++;
      else if (peek (c) == '\n')
        {
          c->pos++;
          c->line++;
        }
      else
        return;
    }
}

static void
put_utf8 (struct nook_buf *b, uint32_t cp)
{
  char u[4];
  if (cp < 0x80)
    nook_buf_putc (b, (char)cp);
  else if (cp < 0x800)
    {
      u[0] = (char)(0xc0 | (cp >> 6));
      u[1] = (char)(0x80 | (cp & 0x3f));
      nook_buf_append (b, u, 2);
    }
  else if (cp < 0x10000)
    {
      u[0] = (char)(0xe0 | (cp >> 12));
      u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
      u[2] = (char)(0x80 | (cp & 0x3f));
      nook_buf_append (b, u, 3);
    }
  else
    {
      u[0] = (char)(0xf0 | (cp >> 18));
      u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
      u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
      u[3] = (char)(0x80 | (cp & 0x3f));
      nook_buf_append (b, u, 4);
    }
}

static int
unicode_escape (struct cursor *c, int digits, struct nook_buf *b)
{
  uint32_t cp = 0;

  for (int i = 0; i < digits; i++)
    {
      int ch = peek (c);
      cp <<= 4;
      if (ch >= '0' && ch <= '9')
        cp |= (uint32_t)(ch - '0');
      else if (ch >= 'a' && ch <= 'f')
        cp |= (uint32_t)(ch - 'a' + 10);
      else if (ch >= 'A' && ch <= 'F')
        cp |= (uint32_t)(ch - 'A' + 10);
      else
        return fail (c, "invalid unicode escape");
      c->pos++;
    }
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0)
    return fail (c, "invalid unicode escape");
  put_utf8 (b, cp);
  return 0;
}

static int
escape (struct cursor *c, struct nook_buf *b)
{
  static const char from[] = "\"\\btnfr", to[] = "\"\\\b\t\n\f\r";
  int ch = peek (c);
  const char *p;

  c->pos++;
  if (ch == 'u' || ch == 'U')
    return unicode_escape (c, ch == 'u' ? 4 : 8, b);
  if (ch <= 0 || (p = strchr (from, ch)) == NULL)
    return fail (c, "invalid escape in a string");
  nook_buf_putc (b, to[p - from]);
  return 0;
}

/* A "basic" or 'literal' string on one line; the cursor is on the quote.  */
static int
string (struct cursor *c, char **out)
{
  char quote = c->s[c->pos];
  struct nook_buf b = { 0 };

  if (c->pos + 2 < c->len && c->s[c->pos + 1] == quote && c->s[c->pos + 2] == quote)
    return fail (c, "multi-line strings are not supported");
  c->pos++;
  nook_buf_puts (&b, "");
  for (;;)
    {
      int ch = peek (c);
      if (ch == -1 || ch == '\n' || ch == '\r')
        {
          nook_buf_free (&b);
          return fail (c, "unterminated string");
        }
      if (ch == 0 || (ch < 0x20 && ch != '\t') || ch == 0x7f)
        {
          nook_buf_free (&b);
          return fail (c, "control character in a string");
        }
      c->pos++;
      if (ch == quote)
        break;
      if (ch == '\\' && quote == '"')
        {
          if (escape (c, &b) < 0)
            {
              nook_buf_free (&b);
              return -1;
            }
          continue;
        }
      nook_buf_putc (&b, (char)ch);
    }
  *out = nook_buf_steal (&b);
  return 0;
}

static bool
bare_char (int ch)
{
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
         || ch == '_' || ch == '-';
}

static int
key_part (struct cursor *c, char **out)
{
  size_t start = c->pos;

  if (peek (c) == '"' || peek (c) == '\'')
    return string (c, out);
  while (bare_char (peek (c)))
    c->pos++;
  if (c->pos == start)
    return fail (c, "expected a key");
  *out = xstrndup (c->s + start, c->pos - start);
  return 0;
}

/* key ( "." key )*, appended to *PATH.  */
static int
key_path (struct cursor *c, char ***path)
{
  for (size_t depth = strv_len (*path);; depth++)
    {
      char *part = NULL;
      if (depth >= MAX_DEPTH)
        return fail (c, "keys nested too deep");
      skip_ws (c);
      if (key_part (c, &part) < 0)
        return -1;
      strv_push (path, part);
      skip_ws (c);
      if (peek (c) != '.')
        return 0;
      c->pos++;
    }
}

static int
header (struct cursor *c, const struct toml_handler *h, char ***table, bool *array)
{
  int line = c->line;

  strv_free (*table);
  *table = xzalloc (sizeof (char *));
  c->pos++;
  *array = peek (c) == '[';
  if (*array)
    c->pos++;
  if (key_path (c, table) < 0)
    return -1;
  if (peek (c) != ']' || (*array && (c->pos + 1 >= c->len || c->s[c->pos + 1] != ']')))
    return fail (c, *array ? "expected `]]`" : "expected `]`");
  c->pos += *array ? 2 : 1;
  if (end_of_line (c) < 0)
    return -1;
  return h->table ? h->table (h->data, *table, *array, line, c->err) : 0;
}

static int
integer (struct cursor *c, int64_t *out)
{
  char buf[32];
  size_t n = 0;

  while (n + 1 < sizeof (buf)
         && ((peek (c) >= '0' && peek (c) <= '9') || peek (c) == '_' || peek (c) == '+'
             || peek (c) == '-'))
    {
      if (peek (c) != '_')
        buf[n++] = (char)peek (c);
      c->pos++;
    }
  buf[n] = '\0';
  if (!str_to_int64 (buf[0] == '+' ? buf + 1 : buf, out))
    return fail (c, "invalid value (expected a string, a boolean, an integer or an array)");
  return 0;
}

static bool
word (struct cursor *c, const char *w)
{
  size_t n = strlen (w);
  if (c->len - c->pos < n || memcmp (c->s + c->pos, w, n) != 0
      || (c->pos + n < c->len && bare_char ((unsigned char)c->s[c->pos + n])))
    return false;
  c->pos += n;
  return true;
}

static int
array (struct cursor *c, char ***out)
{
  *out = xzalloc (sizeof (char *));
  c->pos++;
  for (size_t n = 0;; n++)
    {
      char *s = NULL;
      skip_blank (c);
      if (peek (c) == ']')
        break;
      if (n >= MAX_ITEMS)
        return fail (c, "array too long");
      if (peek (c) == '{')
        return fail (c, "inline tables are not supported: use [[table]] headers");
      if (peek (c) != '"' && peek (c) != '\'')
        return fail (c, "only arrays of strings are supported");
      if (string (c, &s) < 0)
        return -1;
      strv_push (out, s);
      skip_blank (c);
      if (peek (c) == ',')
        c->pos++;
      else if (peek (c) != ']')
        return fail (c, "expected `,` or `]` in an array");
    }
  c->pos++;
  return 0;
}

static int
key_value (struct cursor *c, const struct toml_handler *h, char *const *table)
{
  _cleanup_strv_ char **path = strv_dup (table);
  _cleanup_strv_ char **strs = NULL;
  _cleanup_free_ char *str = NULL, *key = NULL;
  struct toml_value v = { 0 };
  int line = c->line;
  size_t n;

  if (key_path (c, &path) < 0)
    return -1;
  if (peek (c) != '=')
    return fail (c, "expected `=` after a key");
  c->pos++;
  skip_ws (c);
  if (peek (c) == '"' || peek (c) == '\'')
    {
      if (string (c, &str) < 0)
        return -1;
      v.type = TOML_STRING;
      v.str = str;
    }
  else if (peek (c) == '[')
    {
      if (array (c, &strs) < 0)
        return -1;
      v.type = TOML_STRINGS;
      v.strs = strs;
    }
  else if (peek (c) == '{')
    return fail (c, "inline tables are not supported: use [table] headers");
  else if (word (c, "true") || word (c, "false"))
    {
      v.type = TOML_BOOL;
      v.b = c->s[c->pos - 1] == 'e' && c->s[c->pos - 2] == 'u';
    }
  else if (integer (c, &v.i) < 0)
    return -1;
  if (end_of_line (c) < 0)
    return -1;
  n = strv_len (path);
  key = path[n - 1];
  path[n - 1] = NULL;
  return h->kv ? h->kv (h->data, path, key, &v, line, c->err) : 0;
}

int
toml_parse (const char *text, size_t len, const char *origin, const struct toml_handler *h,
            nook_error_t *err)
{
  struct cursor c = { text, len, 0, 1, origin, err };
  _cleanup_strv_ char **table = xzalloc (sizeof (char *));
  bool array = false;

  if (len > REG_CONF_MAX)
    return nook_error (err, 0, "%s: larger than %d KiB", origin, REG_CONF_MAX >> 10);
  /* A UTF-8 byte order mark is allowed at the start.  */
  if (len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    c.pos = 3;
  while (c.pos < c.len)
    {
      skip_ws (&c);
      if (peek (&c) == '#' || peek (&c) == '\n' || peek (&c) == '\r' || peek (&c) == -1)
        {
          if (end_of_line (&c) < 0)
            return -1;
          continue;
        }
      if (peek (&c) == '[')
        {
          if (header (&c, h, &table, &array) < 0)
            return -1;
          continue;
        }
      if (key_value (&c, h, table) < 0)
        return -1;
    }
  return 0;
}
