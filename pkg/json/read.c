/* JSON text to the builder's events, in one pass.  The grammar is the
   one yajl took as json_parse set it up (RFC 8259 with comments), and
   the messages are yajl's words at yajl's byte counts, so errors read as
   they did.  Strings are held to UTF-8 more closely than yajl held them
   (RFC 3629: no overlong forms, surrogates or values past U+10FFFF), and
   a \u escape of half a surrogate pair becomes U+FFFD.  yajl's lexer was
   half of what reading 100 container records for `ps` cost.  */
#include "json/internal.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* yajl's words.  */
#define E_PREMATURE "parse error: premature EOF"
#define E_TRAILING  "parse error: trailing garbage"
#define E_UNALLOWED "parse error: unallowed token at this point in JSON text"
#define E_KEY       "parse error: invalid object key (must be a string)"
#define E_COLON     "parse error: object key and value must be separated by a colon (':')"
#define E_IN_OBJECT "parse error: after key and value, inside map, I expect ',' or '}'"
#define E_IN_ARRAY  "parse error: after array element, I expect ',' or ']'"
#define E_CHAR      "lexical error: invalid char in json text."
#define E_LITERAL   "lexical error: invalid string in json text."
#define E_UTF8      "lexical error: invalid bytes in UTF8 string."
#define E_ESCAPE    "lexical error: inside a string, '\\' occurs before a character which it may not."
#define E_CONTROL   "lexical error: invalid character inside string."
#define E_HEX       "lexical error: invalid (non-hex) character occurs after '\\u' inside string."
#define E_MINUS     "lexical error: malformed number, a digit is required after the minus sign."
#define E_POINT     "lexical error: malformed number, a digit is required after the decimal point."
#define E_EXPONENT  "lexical error: malformed number, a digit is required after the exponent."

struct reader
{
  const unsigned char *start, *p, *end;
  struct json_builder *b;
  char open;       /* the innermost open container: '{', '[', or 0 */
  const char *msg; /* what went wrong */
  bool at_end;     /* the text ended inside a token or a container */
  bool too_deep;
};

struct token
{
  const unsigned char *s; /* where it starts */
  size_t len;
  char type;    /* '"', '0' (a number), 't', 'f', 'n', or the character of { } [ ] , : */
  bool escaped; /* a string with a backslash in it */
};

static int
fail (struct reader *r, const char *msg)
{
  r->msg = msg;
  return -1;
}

/* The text ended too soon.  yajl finished a parse by feeding one more
   blank: what that blank would have done to the token is the error.  */
static int
fail_at_end (struct reader *r, const char *msg)
{
  r->p = r->end;
  r->at_end = true;
  return fail (r, msg);
}

/* What a byte is, looked up: the loops over blanks and over a string's
   characters are most of the reading.  */
enum
{
  BLANK = 1,
  PLAIN = 2, /* in a string, as it is: not a control, quote, backslash or past ASCII */
};

static const unsigned char byte_class[256] = {
  ['\t'] = BLANK,        ['\n'] = BLANK,
  ['\v'] = BLANK,        ['\f'] = BLANK,
  ['\r'] = BLANK,        [' '] = BLANK | PLAIN,
  ['!'] = PLAIN, /* '"' is not */
  ['#' ... '['] = PLAIN, /* '\\' is not */ [']' ... 0x7f] = PLAIN,
};

static bool
is_blank (unsigned char c)
{
  return byte_class[c] & BLANK;
}

static bool
is_digit (unsigned char c)
{
  return c >= '0' && c <= '9';
}

static int
hex_value (unsigned char c)
{
  if (is_digit (c))
    return c - '0';
  c |= 0x20;
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Blanks and comments, up to the next token or the end.  */
static int
skip_blanks (struct reader *r)
{
  /* Most tokens of a compact document follow another at once.  */
  if (r->p < r->end && !is_blank (*r->p) && *r->p != '/')
    return 0;
  for (;;)
    {
      while (r->p < r->end && is_blank (*r->p))
        r->p++;
      if (r->p == r->end || *r->p != '/')
        return 0;
      if (r->end - r->p < 2)
        return fail_at_end (r, E_CHAR);
      if (r->p[1] == '/')
        {
          const unsigned char *nl = memchr (r->p + 2, '\n', (size_t)(r->end - r->p - 2));
          r->p = nl ? nl + 1 : r->end;
        }
      else if (r->p[1] == '*')
        {
          const unsigned char *q = r->p + 2;
          while (q + 1 < r->end && !(q[0] == '*' && q[1] == '/'))
            q++;
          if (q + 1 >= r->end)
            return fail_at_end (r, E_PREMATURE);
          r->p = q + 2;
        }
      else
        {
          r->p += 2;
          return fail (r, E_CHAR);
        }
    }
}

/* The UTF-8 sequence at R->p, which starts with a byte past ASCII.
   yajl read as many continuation bytes as the first byte announced and
   stopped past the first that was not one; the checks it did not make
   come after.  */
static int
lex_utf8 (struct reader *r)
{
  unsigned char c = *r->p++;
  size_t n = c >= 0xc0 && c <= 0xdf   ? 1
             : c >= 0xe0 && c <= 0xef ? 2
             : c >= 0xf0 && c <= 0xf7 ? 3
                                      : 0;
  uint32_t cp = c & (0x3f >> n);
  static const uint32_t least[] = { 0, 0x80, 0x800, 0x10000 };

  if (n == 0)
    return fail (r, E_UTF8);
  for (size_t i = 0; i < n; i++)
    {
      if (r->p == r->end)
        return fail_at_end (r, E_UTF8);
      c = *r->p++;
      if ((c & 0xc0) != 0x80)
        return fail (r, E_UTF8);
      cp = cp << 6 | (c & 0x3f);
    }
  /* No overlong forms, surrogates or values past U+10FFFF.  */
  if (cp < least[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
    return fail (r, E_UTF8);
  return 0;
}

/* The escape at R->p, just past its backslash.  */
static int
lex_escape (struct reader *r)
{
  if (r->p == r->end)
    return fail_at_end (r, E_ESCAPE);
  /* yajl stopped before a character that may not be there.  */
  switch (*r->p++)
    {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      return 0;
    case 'u':
      for (int i = 0; i < 4; i++)
        {
          if (r->p == r->end)
            return fail_at_end (r, E_HEX);
          if (hex_value (*r->p) < 0)
            return fail (r, E_HEX);
          r->p++;
        }
      return 0;
    default:
      r->p--;
      return fail (r, E_ESCAPE);
    }
}

/* The first byte at P (before END) that is not plain in a string: the
   quote, the backslash, a control or a byte past ASCII; END if none.
   Sixteen at a time where SSE2 is (every x86-64): as signed bytes, those
   past ASCII are below 0x20 too.  */
static const unsigned char *
skip_plain (const unsigned char *p, const unsigned char *end)
{
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8 ('"'), backslash = _mm_set1_epi8 ('\\'),
                space = _mm_set1_epi8 (' ');

  for (; end - p >= 16; p += 16)
    {
      __m128i v = _mm_loadu_si128 ((const __m128i *)p);
      __m128i stop
          = _mm_or_si128 (_mm_or_si128 (_mm_cmpeq_epi8 (v, quote), _mm_cmpeq_epi8 (v, backslash)),
                          _mm_cmplt_epi8 (v, space));
      int mask = _mm_movemask_epi8 (stop);
      if (mask)
        return p + __builtin_ctz ((unsigned)mask);
    }
#endif
  while (p < end && (byte_class[*p] & PLAIN))
    p++;
  return p;
}

static int
lex_string (struct reader *r, struct token *t)
{
  r->p++;
  for (;;)
    {
      const unsigned char *p = skip_plain (r->p, r->end);
      r->p = p;
      if (p == r->end)
        return fail_at_end (r, E_PREMATURE);
      if (*p == '"')
        break;
      if (*p == '\\')
        {
          t->escaped = true;
          r->p++;
          if (lex_escape (r) < 0)
            return -1;
        }
      else if (*p < 0x20)
        return fail (r, E_CONTROL);
      else if (lex_utf8 (r) < 0)
        return -1;
    }
  t->len = (size_t)(r->p - t->s) + 1;
  r->p++;
  return 0;
}

/* Digits at R->p; their count.  */
static size_t
skip_digits (struct reader *r)
{
  const unsigned char *p = r->p;
  while (r->p < r->end && is_digit (*r->p))
    r->p++;
  return (size_t)(r->p - p);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?  A part that must have
   a digit and has none is an error before the character in its place.  */
static int
lex_number (struct reader *r, struct token *t)
{
  if (*r->p == '-' && ++r->p == r->end)
    return fail_at_end (r, E_MINUS);
  if (*r->p == '0')
    r->p++;
  else if (skip_digits (r) == 0)
    return fail (r, E_MINUS);
  if (r->p < r->end && *r->p == '.')
    {
      if (++r->p == r->end)
        return fail_at_end (r, E_POINT);
      if (skip_digits (r) == 0)
        return fail (r, E_POINT);
    }
  if (r->p < r->end && (*r->p == 'e' || *r->p == 'E'))
    {
      if (++r->p < r->end && (*r->p == '+' || *r->p == '-'))
        r->p++;
      if (r->p == r->end)
        return fail_at_end (r, E_EXPONENT);
      if (skip_digits (r) == 0)
        return fail (r, E_EXPONENT);
    }
  t->len = (size_t)(r->p - t->s);
  return 0;
}

static int
lex_literal (struct reader *r, struct token *t, const char *word)
{
  for (r->p++, word++; *word; r->p++, word++)
    {
      if (r->p == r->end)
        return fail_at_end (r, E_LITERAL);
      if (*r->p != (unsigned char)*word)
        return fail (r, E_LITERAL);
    }
  t->len = (size_t)(r->p - t->s);
  return 0;
}

/* The token at R->p (there is one: the blanks are skipped); R->p ends
   past it, or past where it went wrong.  */
static int
lex (struct reader *r, struct token *t)
{
  unsigned char c = *r->p;

  *t = (struct token){ .s = r->p, .len = 1, .type = (char)c };
  switch (c)
    {
    case '{':
    case '}':
    case '[':
    case ']':
    case ',':
    case ':':
      r->p++;
      return 0;
    case '"':
      return lex_string (r, t);
    case 't':
      return lex_literal (r, t, "true");
    case 'f':
      return lex_literal (r, t, "false");
    case 'n':
      return lex_literal (r, t, "null");
    default:
      if (c == '-' || is_digit (c))
        {
          t->type = '0';
          return lex_number (r, t);
        }
      r->p++;
      return fail (r, E_CHAR);
    }
}

/* The next token, or the end of the text (T->type 0).  */
static int
next (struct reader *r, struct token *t)
{
  t->type = 0;
  if (skip_blanks (r) < 0)
    return -1;
  if (r->p == r->end)
    {
      *t = (struct token){ .s = r->p };
      return 0;
    }
  return lex (r, t);
}

static void
put_utf8 (unsigned char **out, uint32_t cp)
{
  unsigned char *o = *out;

  if (cp < 0x80)
    *o++ = (unsigned char)cp;
  else if (cp < 0x800)
    {
      *o++ = (unsigned char)(0xc0 | cp >> 6);
      *o++ = (unsigned char)(0x80 | (cp & 0x3f));
    }
  else if (cp < 0x10000)
    {
      *o++ = (unsigned char)(0xe0 | cp >> 12);
      *o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
      *o++ = (unsigned char)(0x80 | (cp & 0x3f));
    }
  else
    {
      *o++ = (unsigned char)(0xf0 | cp >> 18);
      *o++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
      *o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
      *o++ = (unsigned char)(0x80 | (cp & 0x3f));
    }
  *out = o;
}

static uint32_t
hex4 (const unsigned char *s)
{
  return (uint32_t)(hex_value (s[0]) << 12 | hex_value (s[1]) << 8 | hex_value (s[2]) << 4
                    | hex_value (s[3]));
}

/* The \u escape at *IN (past its backslash and u; lexed already); a
   surrogate pair takes the escape after it too.  */
static uint32_t
unescape_u (const unsigned char **in, const unsigned char *end)
{
  const unsigned char *s = *in;
  uint32_t cp = hex4 (s), lo;

  *in = s + 4;
  if (cp < 0xd800 || cp > 0xdfff)
    return cp;
  if (cp > 0xdbff || end - s < 10 || s[4] != '\\' || s[5] != 'u')
    return 0xfffd;
  lo = hex4 (s + 6);
  if (lo < 0xdc00 || lo > 0xdfff)
    return 0xfffd;
  *in = s + 10;
  return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
}

/* The characters of string token T, its escapes undone, into OUT (which
   has room for as many bytes as T has: no escape grows).  */
static size_t
unescape (const struct token *t, unsigned char *out)
{
  const unsigned char *in = t->s + 1, *end = t->s + t->len - 1;
  unsigned char *o = out;
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";

  while (in < end)
    {
      if (*in != '\\')
        {
          *o++ = *in++;
          continue;
        }
      in++;
      if (*in == 'u')
        {
          in++;
          put_utf8 (&o, unescape_u (&in, end));
        }
      else
        *o++ = (unsigned char)to[strchr (from, *in++) - from];
    }
  return (size_t)(o - out);
}

/* String token T to the builder, as a key or as a value.  */
static bool
put_string (struct reader *r, const struct token *t, bool key)
{
  const char *s = (const char *)t->s + 1;
  size_t len = t->len - 2;
  unsigned char *text;
  bool ok;

  if (!t->escaped)
    return key ? json_builder_key (r->b, s, len) : json_builder_string (r->b, s, len);
  text = xmalloc (len);
  len = unescape (t, text);
  s = (const char *)text;
  ok = key ? json_builder_key (r->b, s, len) : json_builder_string (r->b, s, len);
  free (text);
  return ok;
}

/* Scalar or opening token T to the builder.  */
static bool
put_value (struct reader *r, const struct token *t)
{
  switch (t->type)
    {
    case '"':
      return put_string (r, t, false);
    case '0':
      return json_builder_number (r->b, (const char *)t->s, t->len);
    case 't':
    case 'f':
      return json_builder_bool (r->b, t->type == 't');
    case 'n':
      return json_builder_null (r->b);
    default:
      return json_builder_open (r->b, t->type == '{');
    }
}

/* What the reader takes next, as yajl's parser states.  */
enum want
{
  WANT_VALUE,       /* at the start, after a colon, after a comma in an array */
  WANT_FIRST_VALUE, /* after '[': a value or ']' */
  WANT_KEY,         /* after a comma in an object */
  WANT_FIRST_KEY,   /* after '{': a key or '}' */
  WANT_COLON,
  WANT_MORE, /* after a value: a comma or the close, or the end of the text */
};

static bool
is_value (char type)
{
  return type == '"' || type == '0' || type == 't' || type == 'f' || type == 'n' || type == '{'
         || type == '[';
}

/* Token T in state *W.  */
static int
step (struct reader *r, const struct token *t, enum want *w)
{
  char open = r->open;

  switch (*w)
    {
    case WANT_FIRST_VALUE:
    case WANT_FIRST_KEY:
      if (t->type == (*w == WANT_FIRST_KEY ? '}' : ']'))
        break;
      if (*w == WANT_FIRST_VALUE)
        goto value;
      /* fall through */
    case WANT_KEY:
      if (t->type != '"')
        return fail (r, E_KEY);
      *w = WANT_COLON;
      return put_string (r, t, true) ? 0 : -1;
    case WANT_COLON:
      if (t->type != ':')
        return fail (r, E_COLON);
      *w = WANT_VALUE;
      return 0;
    case WANT_VALUE:
    value:
      if (!is_value (t->type))
        return fail (r, E_UNALLOWED);
      if (!put_value (r, t))
        {
          r->too_deep = true;
          return -1;
        }
      *w = t->type == '{' ? WANT_FIRST_KEY : t->type == '[' ? WANT_FIRST_VALUE : WANT_MORE;
      if (*w != WANT_MORE)
        r->open = t->type;
      return 0;
    case WANT_MORE:
      if (t->type == ',')
        {
          *w = open == '{' ? WANT_KEY : WANT_VALUE;
          return 0;
        }
      if (t->type == (open == '{' ? '}' : ']'))
        break;
      if (open == '[')
        return fail (r, E_IN_ARRAY);
      /* yajl took the token's text (a string's without its quotes)
         back off its count here, and only here.  */
      r->p -= t->type == '"' ? t->len - 2 : t->len;
      return fail (r, E_IN_OBJECT);
    }
  /* A close.  */
  (void)json_builder_close (r->b);
  r->open = json_builder_open_kind (r->b);
  *w = WANT_MORE;
  return 0;
}

static int
read_document (struct reader *r)
{
  enum want w = WANT_VALUE;

  for (;;)
    {
      struct token t;
      bool ends, whole = w == WANT_MORE && r->open == 0;
      int k = next (r, &t);
      /* After the document, blanks and comments only; yajl says so
         for a token that does not lex either.  */
      if (whole && (k < 0 || t.type != 0))
        {
          r->at_end = r->at_end || (t.type == '0' && r->p == r->end);
          return fail (r, E_TRAILING);
        }
      if (k < 0)
        return -1;
      if (t.type == 0)
        return whole ? 0 : fail_at_end (r, E_PREMATURE);
      /* yajl saw a number's end only when the text went on.  */
      ends = t.type == '0' && r->p == r->end;
      if (step (r, &t, &w) < 0)
        {
          r->at_end = r->at_end || ends;
          return -1;
        }
    }
}

int
json_read (const char *text, size_t len, struct json_builder *b, nook_error_t *err)
{
  struct reader r = { .start = (const unsigned char *)text,
                      .p = (const unsigned char *)text,
                      .end = (const unsigned char *)text + len,
                      .b = b };

  if (read_document (&r) == 0)
    return 0;
  if (r.too_deep)
    return nook_error (err, 0, "invalid JSON: nested more than %d levels deep", JSON_MAX_DEPTH);
  if (r.at_end)
    return nook_error (err, 0, "invalid JSON: %s (at the end, after %zu bytes)", r.msg, len);
  return nook_error (err, 0, "invalid JSON: %s (at byte %zu of %zu)", r.msg,
                     (size_t)(r.p - r.start), len);
}
