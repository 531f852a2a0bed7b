/* pkg/format: the lexer of Go's text/template, pulled by the parser one
   token at a time inside actions, and the literals' values.  */
#include "format/internal.h"

#include <string.h>

static const char *const keywords[] = {
  "if", "else", "end", "range", "with", "break", "continue", "template", "define", "block", NULL,
};

/* ---- errors ---- */

void
fmt_line_col (const char *s, size_t pos, int *line, int *col)
{
  size_t start = 0;
  *line = 1;
  for (size_t i = 0; i < pos && s[i]; i++)
    if (s[i] == '\n')
      {
        (*line)++;
        start = i + 1;
      }
  *col = (int)(pos - start) + 1;
}

int
fmt_perr (struct parser *p, size_t pos, const char *fmt, ...)
{
  _cleanup_free_ char *msg = NULL;
  va_list ap;
  int line, col;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  fmt_line_col (p->s, pos, &line, &col);
  return nook_error (p->err, 0, "template: %d:%d: %s", line, col, msg ? msg : "out of memory");
}

bool
fmt_tok_is (const struct parser *p, const struct token *t, const char *word)
{
  return t->type == T_IDENT && t->len == strlen (word) && memcmp (p->s + t->pos, word, t->len) == 0;
}

bool
fmt_tok_is_keyword (const struct parser *p, const struct token *t)
{
  for (size_t i = 0; keywords[i]; i++)
    if (fmt_tok_is (p, t, keywords[i]))
      return true;
  return false;
}

/* A token as Go's messages show it: EOF, <if>, "}}", "abcdefghij"...  */
int
fmt_unexpected (struct parser *p, const struct token *t, const char *context)
{
  struct nook_buf b = { 0 };
  int r;

  if (t->type == T_EOF)
    nook_buf_puts (&b, "EOF");
  else if (fmt_tok_is_keyword (p, t))
    nook_buf_printf (&b, "<%.*s>", (int)t->len, p->s + t->pos);
  else
    {
      fmt_quote (&b, p->s + t->pos, t->len > 10 ? 10 : t->len);
      if (t->len > 10)
        nook_buf_puts (&b, "...");
    }
  r = fmt_perr (p, t->pos, "unexpected %s in %s", b.data, context);
  nook_buf_free (&b);
  return r;
}

/* ---- the lexer ---- */

bool
fmt_is_space (int c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_digit (int c)
{
  return c >= '0' && c <= '9';
}

/* Letters, digits and _; bytes of UTF-8 sequences count as letters.  */
static bool
is_alnum (int c)
{
  return c == '_' || is_digit (c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

int
fmt_char_at (const struct parser *p, size_t pos)
{
  return pos < p->len ? (unsigned char)p->s[pos] : -1;
}

/* "}}" or the trim-marked " -}}" at POS.  */
bool
fmt_at_rdelim (const struct parser *p, size_t pos, bool *trim)
{
  const char *s = p->s + pos;
  size_t left = p->len - pos;

  *trim = left >= 4 && fmt_is_space (s[0]) && s[1] == '-' && s[2] == '}' && s[3] == '}';
  return *trim || (left >= 2 && s[0] == '}' && s[1] == '}');
}

/* Go's atTerminator: what may follow a word.  */
static bool
at_terminator (const struct parser *p, size_t pos)
{
  int c = fmt_char_at (p, pos);
  bool trim;
  return c < 0 || fmt_is_space (c) || strchr (".,|:()", c) != NULL || fmt_at_rdelim (p, pos, &trim);
}

static int
bad_char (struct parser *p, size_t pos)
{
  int c = fmt_char_at (p, pos);
  if (c >= 0x20 && c < 0x7f)
    return fmt_perr (p, pos, "bad character U+%04X '%c'", (unsigned)c, c);
  return fmt_perr (p, pos, "bad character U+%04X", (unsigned)c);
}

static int
lex_space (struct parser *p, struct token *t)
{
  bool trim;
  size_t pos = p->pos;
  while (pos < p->len && fmt_is_space (p->s[pos]))
    {
      if (pos > p->pos && fmt_at_rdelim (p, pos, &trim))
        break;
      pos++;
    }
  t->type = T_SPACE;
  p->pos = pos;
  return 0;
}

/* $name, .Field or an identifier.  */
static int
lex_word (struct parser *p, struct token *t, enum tok type)
{
  size_t start = p->pos + (type == T_IDENT ? 0 : 1);
  size_t pos = start;

  while (pos < p->len && is_alnum ((unsigned char)p->s[pos]))
    pos++;
  if (!at_terminator (p, pos))
    return bad_char (p, pos);
  t->type = type == T_FIELD && pos == start ? T_DOT : type;
  p->pos = pos;
  return 0;
}

static void
accept_run (struct parser *p, const char *set)
{
  while (p->pos < p->len && strchr (set, p->s[p->pos]))
    p->pos++;
}

static bool
accept (struct parser *p, const char *set)
{
  if (p->pos < p->len && strchr (set, p->s[p->pos]))
    {
      p->pos++;
      return true;
    }
  return false;
}

/* Go's scanNumber: the value is read by the parser.  */
static int
lex_number (struct parser *p, struct token *t)
{
  const char *digits = "0123456789_";
  size_t start = p->pos;

  accept (p, "+-");
  if (accept (p, "0"))
    {
      if (accept (p, "xX"))
        digits = "0123456789abcdefABCDEF_";
      else if (accept (p, "oO"))
        digits = "01234567_";
      else if (accept (p, "bB"))
        digits = "01_";
    }
  accept_run (p, digits);
  if (accept (p, "."))
    accept_run (p, digits);
  if (strlen (digits) == 11 && accept (p, "eE"))
    {
      accept (p, "+-");
      accept_run (p, "0123456789_");
    }
  if (strlen (digits) == 23 && accept (p, "pP"))
    {
      accept (p, "+-");
      accept_run (p, "0123456789_");
    }
  accept (p, "i");
  if (p->pos < p->len && is_alnum ((unsigned char)p->s[p->pos]))
    return fmt_perr (p, start, "bad number syntax: \"%.*s\"", (int)(p->pos + 1 - start),
                     p->s + start);
  t->type = T_NUMBER;
  return 0;
}

static int
lex_quoted (struct parser *p, struct token *t, char quote)
{
  size_t pos = p->pos + 1;
  const char *what
      = quote == '"' ? "unterminated quoted string" : "unterminated character constant";

  for (;;)
    {
      int c = fmt_char_at (p, pos);
      bool escaped = c == '\\';
      if (escaped)
        c = fmt_char_at (p, ++pos);
      if (c < 0 || c == '\n')
        return fmt_perr (p, p->pos, "%s", what);
      if (c == quote && !escaped)
        break;
      pos++;
    }
  t->type = quote == '"' ? T_STRING : T_CHAR;
  p->pos = pos + 1;
  return 0;
}

static int
lex_raw (struct parser *p, struct token *t)
{
  const char *end = memchr (p->s + p->pos + 1, '`', p->len - p->pos - 1);
  if (end == NULL)
    return fmt_perr (p, p->pos, "unterminated raw quoted string");
  t->type = T_RAWSTRING;
  p->pos = (size_t)(end - p->s) + 1;
  return 0;
}

static int
lex_punct (struct parser *p, struct token *t, int c)
{
  static const struct
  {
    char c;
    enum tok type;
  } table[] = {
    { '(', T_LPAREN }, { ')', T_RPAREN }, { '|', T_PIPE }, { ',', T_COMMA }, { '=', T_ASSIGN }
  };

  if (c == ':')
    {
      if (fmt_char_at (p, p->pos + 1) != '=')
        return fmt_perr (p, p->pos, "expected :=");
      t->type = T_DECLARE;
      p->pos += 2;
      return 0;
    }
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (table); i++)
    if (table[i].c == c)
      {
        t->type = table[i].type;
        p->pos++;
        return 0;
      }
  return bad_char (p, p->pos);
}

static int
lex_dispatch (struct parser *p, struct token *t, int c)
{
  int next = fmt_char_at (p, p->pos + 1);

  if (fmt_is_space (c))
    return lex_space (p, t);
  if (c == '"' || c == '\'')
    return lex_quoted (p, t, (char)c);
  if (c == '`')
    return lex_raw (p, t);
  if (c == '$')
    return lex_word (p, t, T_VAR);
  if (c == '.' && !is_digit (next))
    return lex_word (p, t, T_FIELD);
  if (c == '.' || c == '+' || c == '-' || is_digit (c))
    return lex_number (p, t);
  if (is_alnum (c))
    return lex_word (p, t, T_IDENT);
  return lex_punct (p, t, c);
}

int
fmt_lex (struct parser *p, struct token *t)
{
  bool trim;

  t->pos = p->pos;
  t->trim = false;
  if (p->pos >= p->len)
    t->type = T_EOF;
  else if (fmt_at_rdelim (p, p->pos, &trim))
    {
      t->type = T_RDELIM;
      t->trim = trim;
      p->pos += trim ? 4 : 2;
    }
  else if (lex_dispatch (p, t, (unsigned char)p->s[p->pos]) < 0)
    return -1;
  t->len = p->pos - t->pos;
  return 0;
}

int
fmt_next_nonspace (struct parser *p, struct token *t)
{
  do
    if (fmt_lex (p, t) < 0)
      return -1;
  while (t->type == T_SPACE);
  return 0;
}

int
fmt_peek_nonspace (struct parser *p, struct token *t)
{
  size_t save = p->pos;
  int r = fmt_next_nonspace (p, t);
  p->pos = save;
  return r;
}

/* ---- literals ---- */

static int
hex_value (int c)
{
  if (is_digit (c))
    return c - '0';
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
    return (c | 0x20) - 'a' + 10;
  return -1;
}

/* The escape at S[0] == '\\' (N bytes): its value, *USED bytes, *BYTE
   when it stands for a byte (\x, octal) rather than a rune.  */
static bool
unescape (const char *s, size_t n, char quote, uint32_t *value, size_t *used, bool *byte)
{
  static const char named[] = "a\ab\bf\fn\nr\rt\tv\v\\\\";
  int digits = 0, base = 16;

  *byte = false;
  if (n < 2)
    return false;
  for (size_t i = 0; named[i]; i += 2)
    if (s[1] == named[i])
      {
        *value = (unsigned char)named[i + 1], *used = 2, *byte = true;
        return true;
      }
  if (s[1] == quote)
    {
      *value = (unsigned char)quote, *used = 2, *byte = true;
      return true;
    }
  if (s[1] == 'x')
    digits = 2, *byte = true;
  else if (s[1] == 'u')
    digits = 4;
  else if (s[1] == 'U')
    digits = 8;
  else if (s[1] >= '0' && s[1] <= '7')
    digits = 3, base = 8, *byte = true;
  else
    return false;
  *used = base == 8 ? 1 : 2;
  if (n < *used + (size_t)digits)
    return false;
  *value = 0;
  for (int i = 0; i < digits; i++)
    {
      int d = hex_value ((unsigned char)s[*used + (size_t)i]);
      if (d < 0 || d >= base)
        return false;
      *value = *value * (uint32_t)base + (uint32_t)d;
    }
  *used += (size_t)digits;
  return (*byte && *value <= 255)
         || (!*byte && *value <= 0x10ffff && !(*value >= 0xd800 && *value <= 0xdfff));
}

/* The body of a "..." or '...' literal into B.  */
static bool
unquote (struct nook_buf *b, const char *s, size_t n, char quote)
{
  size_t i = 0;
  while (i < n)
    {
      uint32_t v;
      size_t used;
      bool byte;

      if (s[i] != '\\')
        {
          nook_buf_putc (b, s[i++]);
          continue;
        }
      if (!unescape (s + i, n - i, quote, &v, &used, &byte))
        return false;
      if (byte)
        nook_buf_putc (b, (char)v);
      else
        fmt_put_rune (b, v);
      i += used;
    }
  return true;
}

static int
parse_string (struct parser *p, const struct token *t, struct fval *out)
{
  struct nook_buf b = { 0 };
  const char *body = p->s + t->pos + 1;
  size_t n = t->len - 2;

  if (t->type == T_RAWSTRING)
    {
      /* Go drops carriage returns from raw strings.  */
      for (size_t i = 0; i < n; i++)
        if (body[i] != '\r')
          nook_buf_putc (&b, body[i]);
    }
  else if (!unquote (&b, body, n, '"'))
    {
      nook_buf_free (&b);
      return fmt_perr (p, t->pos, "invalid syntax in string %.*s", (int)t->len, p->s + t->pos);
    }
  *out = val_string (nook_buf_steal (&b));
  return 0;
}

static int
parse_char (struct parser *p, const struct token *t, struct fval *out)
{
  const char *body = p->s + t->pos + 1;
  size_t n = t->len - 2, used = 0;
  uint32_t v = 0;
  bool byte;

  if (n > 0 && body[0] == '\\')
    {
      if (!unescape (body, n, '\'', &v, &used, &byte))
        used = 0;
    }
  else if (n > 0)
    used = fmt_utf8_seq (body, n, &v);
  if (used == 0 || used != n)
    return fmt_perr (p, t->pos, "malformed character constant: %.*s", (int)t->len, p->s + t->pos);
  *out = val_int (v);
  return 0;
}

static bool
digits_ok (const char *d, int base)
{
  if (*d == '\0')
    return false;
  for (; *d; d++)
    {
      int v = hex_value ((unsigned char)*d);
      if (v < 0 || v >= base)
        return false;
    }
  return true;
}

static int
parse_integer (struct parser *p, const struct token *t, const char *text, struct fval *out)
{
  bool neg = text[0] == '-';
  const char *d = text + (text[0] == '-' || text[0] == '+');
  int base = 10;
  uint64_t u;

  if (d[0] == '0' && d[1] != '\0')
    {
      int c = d[1] | 0x20;
      base = c == 'x' ? 16 : c == 'o' ? 8 : c == 'b' ? 2 : 8;
      d += c == 'x' || c == 'o' || c == 'b' ? 2 : 1;
    }
  if (!digits_ok (d, base))
    return fmt_perr (p, t->pos, "bad number syntax: \"%s\"", text);
  errno = 0;
  u = strtoull (d, NULL, base);
  if (errno == ERANGE || u > (uint64_t)INT64_MAX + neg)
    return fmt_perr (p, t->pos, "%s overflows int", text);
  *out = val_int (neg ? (int64_t)(0 - u) : (int64_t)u);
  return 0;
}

static int
parse_number (struct parser *p, const struct token *t, struct fval *out)
{
  char text[128];
  size_t n = 0;
  bool hex;
  char *end;

  for (size_t i = 0; i < t->len && n < sizeof (text) - 1; i++)
    if (p->s[t->pos + i] != '_')
      text[n++] = p->s[t->pos + i];
  text[n] = '\0';
  if (n > 0 && text[n - 1] == 'i')
    return fmt_perr (p, t->pos, "complex numbers are not supported: \"%s\"", text);
  hex = strstr (text, "0x") != NULL || strstr (text, "0X") != NULL;
  if (strpbrk (text, hex ? ".pP" : ".eE") == NULL)
    return parse_integer (p, t, text, out);
  *out = (struct fval){ .kind = V_FLOAT };
  out->f = strtod (text, &end);
  if (end == text || *end != '\0')
    return fmt_perr (p, t->pos, "bad number syntax: \"%s\"", text);
  return 0;
}

int
fmt_parse_literal (struct parser *p, const struct token *t, struct fval *out)
{
  if (t->type == T_CHAR)
    return parse_char (p, t, out);
  if (t->type == T_NUMBER)
    return parse_number (p, t, out);
  return parse_string (p, t, out);
}
