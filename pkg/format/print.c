/* pkg/format: values printed as Go's fmt prints them (%v and printf's
   verbs), and as JSON.  */
#include "format/internal.h"

#include <math.h>
#include <string.h>

struct spec
{
  bool minus, plus, sharp, zero, space;
  bool has_width, has_prec;
  int width, prec;
  uint32_t verb;
};

struct printer
{
  struct nook_buf *b;
  size_t limit;
};

static int put_value (struct printer *pr, const struct spec *sp, const struct fval *v, int depth);

/* ---- UTF-8 ---- */

size_t
fmt_utf8_seq (const char *s, size_t n, uint32_t *cp)
{
  const unsigned char *u = (const unsigned char *)s;
  size_t len;
  uint32_t c;

  if (n == 0)
    return 0;
  if (u[0] < 0x80)
    len = 1, c = u[0];
  else if ((u[0] & 0xe0) == 0xc0)
    len = 2, c = u[0] & 0x1f;
  else if ((u[0] & 0xf0) == 0xe0)
    len = 3, c = u[0] & 0x0f;
  else if ((u[0] & 0xf8) == 0xf0)
    len = 4, c = u[0] & 0x07;
  else
    return 0;
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++)
    {
      if ((u[i] & 0xc0) != 0x80)
        return 0;
      c = (c << 6) | (u[i] & 0x3f);
    }
  if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000)
      || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
    return 0;
  *cp = c;
  return len;
}

size_t
fmt_rune_count (const char *s, size_t n)
{
  size_t count = 0, i = 0;
  uint32_t cp;
  while (i < n)
    {
      size_t l = fmt_utf8_seq (s + i, n - i, &cp);
      i += l ? l : 1;
      count++;
    }
  return count;
}

void
fmt_put_rune (struct nook_buf *b, uint32_t cp)
{
  char u[4];

  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    cp = 0xfffd;
  if (cp < 0x80)
    nook_buf_putc (b, (char)cp);
  else if (cp < 0x800)
    {
      u[0] = (char)(0xc0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3f));
      nook_buf_append (b, u, 2);
    }
  else if (cp < 0x10000)
    {
      u[0] = (char)(0xe0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
      u[2] = (char)(0x80 | (cp & 0x3f));
      nook_buf_append (b, u, 3);
    }
  else
    {
      u[0] = (char)(0xf0 | (cp >> 18)), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
      u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f));
      nook_buf_append (b, u, 4);
    }
}

/* Go's unicode.IsPrint, roughly, for runes past ASCII: spaces other than
   ' ', controls, format characters and private use are not.  */
static bool
rune_printable (uint32_t cp)
{
  return !(cp <= 0xa0 || cp == 0xad || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200f)
           || (cp >= 0x2028 && cp <= 0x202f) || (cp >= 0x205f && cp <= 0x206f) || cp == 0x3000
           || (cp >= 0xe000 && cp <= 0xf8ff) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb)
           || (cp & 0xfffe) == 0xfffe || cp >= 0xf0000);
}

/* One rune of strconv.Quote / QuoteRune.  */
static void
quote_rune (struct nook_buf *b, uint32_t cp, char quote)
{
  static const char named[] = "\aa\bb\ff\nn\rr\tt\vv";

  if (cp == (uint32_t)quote || cp == '\\')
    {
      nook_buf_putc (b, '\\');
      nook_buf_putc (b, (char)cp);
      return;
    }
  if ((cp >= 0x20 && cp < 0x7f) || (cp >= 0x80 && rune_printable (cp)))
    {
      fmt_put_rune (b, cp);
      return;
    }
  for (size_t i = 0; named[i]; i += 2)
    if (cp == (unsigned char)named[i])
      {
        nook_buf_putc (b, '\\');
        nook_buf_putc (b, named[i + 1]);
        return;
      }
  if (cp < 0x80)
    nook_buf_printf (b, "\\x%02x", (unsigned)cp);
  else if (cp < 0x10000)
    nook_buf_printf (b, "\\u%04x", (unsigned)cp);
  else
    nook_buf_printf (b, "\\U%08x", (unsigned)cp);
}

void
fmt_quote (struct nook_buf *b, const char *s, size_t n)
{
  size_t i = 0;

  nook_buf_putc (b, '"');
  while (i < n)
    {
      uint32_t cp;
      size_t l = fmt_utf8_seq (s + i, n - i, &cp);
      if (l == 0)
        nook_buf_printf (b, "\\x%02x", (unsigned char)s[i]);
      else
        quote_rune (b, cp, '"');
      i += l ? l : 1;
    }
  nook_buf_putc (b, '"');
}

/* ---- padding ---- */

static void
fill (struct nook_buf *b, char c, size_t n)
{
  for (size_t i = 0; i < n; i++)
    nook_buf_putc (b, c);
}

/* S padded to the width, by runes; zeros on the left with '0' (Go pads
   strings with zeros too), spaces on the right with '-'.  */
static void
put_padded (struct printer *pr, const struct spec *sp, const char *s, size_t n)
{
  size_t runes = fmt_rune_count (s, n);
  size_t pad = sp->has_width && (size_t)sp->width > runes ? (size_t)sp->width - runes : 0;

  if (!sp->minus)
    fill (pr->b, sp->zero ? '0' : ' ', pad);
  nook_buf_append (pr->b, s, n);
  if (sp->minus)
    fill (pr->b, ' ', pad);
}

static void
put_padded_str (struct printer *pr, const struct spec *sp, const char *s)
{
  put_padded (pr, sp, s, strlen (s));
}

/* A number: SIGN then BODY, zeros between them up to the width.  */
static void
put_number (struct printer *pr, const struct spec *sp, const char *sign, const char *body)
{
  size_t n = strlen (sign) + strlen (body);
  size_t pad = sp->has_width && (size_t)sp->width > n ? (size_t)sp->width - n : 0;

  if (!sp->minus && !sp->zero)
    fill (pr->b, ' ', pad);
  nook_buf_puts (pr->b, sign);
  if (!sp->minus && sp->zero)
    fill (pr->b, '0', pad);
  nook_buf_puts (pr->b, body);
  if (sp->minus)
    fill (pr->b, ' ', pad);
}

/* "%!d(string=abc)", Go's report of a verb that does not fit.  */
static int
bad_verb (struct printer *pr, const struct spec *sp, const struct fval *v, int depth)
{
  struct spec plain = { .verb = 'v' };
  int r = 0;

  nook_buf_puts (pr->b, "%!");
  fmt_put_rune (pr->b, sp->verb);
  if (v->kind == V_NULL || v->kind == V_MISSING)
    {
      nook_buf_puts (pr->b, "(<nil>)");
      return 0;
    }
  nook_buf_printf (pr->b, "(%s=", val_type_name (v));
  r = put_value (pr, &plain, v, depth + 1);
  nook_buf_putc (pr->b, ')');
  return r;
}

/* ---- integers ---- */

static void
put_int_digits (struct nook_buf *b, uint64_t mag, unsigned base, bool upper, int prec)
{
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char tmp[72];
  size_t n = 0;

  while (mag > 0)
    {
      tmp[n++] = digits[mag % base];
      mag /= base;
    }
  for (int i = (int)n; i < prec; i++)
    nook_buf_putc (b, '0');
  while (n > 0)
    nook_buf_putc (b, tmp[--n]);
}

/* Go's fmtInteger for %d %b %o %O %x %X.  */
static void
put_int (struct printer *pr, const struct spec *sp, bool neg, uint64_t mag)
{
  uint32_t verb = sp->verb == 'v' ? 'd' : sp->verb;
  unsigned base = verb == 'b' ? 2 : verb == 'o' || verb == 'O' ? 8 : verb == 'd' ? 10 : 16;
  const char *sign = neg ? "-" : sp->plus ? "+" : sp->space ? " " : "";
  struct nook_buf digits = { 0 }, body = { 0 };
  struct spec pad = *sp;
  int prec = sp->has_prec ? sp->prec : 1;

  if (!sp->has_prec && sp->zero && !sp->minus && sp->has_width)
    prec = sp->width - (int)strlen (sign);
  put_int_digits (&digits, mag, base, verb == 'X', prec);
  nook_buf_puts (&digits, "");
  if (verb == 'O' || (sp->sharp && verb != 'd'))
    {
      if (base == 16)
        nook_buf_puts (&body, verb == 'X' ? "0X" : "0x");
      else if (base == 2)
        nook_buf_puts (&body, "0b");
      else if (verb == 'O')
        nook_buf_puts (&body, "0o");
      else if (digits.data[0] != '0')
        nook_buf_puts (&body, "0");
    }
  nook_buf_puts (&body, digits.data);
  pad.zero = false;
  put_number (pr, &pad, sign, body.data);
  nook_buf_free (&digits);
  nook_buf_free (&body);
}

static int
put_integer (struct printer *pr, const struct spec *sp, const struct fval *v, bool neg,
             uint64_t mag, int depth)
{
  struct nook_buf tmp = { 0 };
  uint32_t cp = neg || mag > 0x10ffff ? 0xfffd : (uint32_t)mag;

  switch (sp->verb)
    {
    case 'v':
    case 'd':
    case 'b':
    case 'o':
    case 'O':
    case 'x':
    case 'X':
      put_int (pr, sp, neg, mag);
      return 0;
    case 'c':
      fmt_put_rune (&tmp, cp);
      break;
    case 'q':
      nook_buf_putc (&tmp, '\'');
      quote_rune (&tmp, cp == 0xfffd || (cp >= 0xd800 && cp <= 0xdfff) ? 0xfffd : cp, '\'');
      nook_buf_putc (&tmp, '\'');
      break;
    case 'U':
      nook_buf_printf (&tmp, "U+%04llX", (unsigned long long)(neg ? 0 - mag : mag));
      if (sp->sharp && cp != 0xfffd && rune_printable (cp) && cp >= 0x20 && cp != 0x7f)
        {
          nook_buf_puts (&tmp, " '");
          fmt_put_rune (&tmp, cp);
          nook_buf_putc (&tmp, '\'');
        }
      break;
    default:
      return bad_verb (pr, sp, v, depth);
    }
  put_padded (pr, sp, tmp.data, tmp.len);
  nook_buf_free (&tmp);
  return 0;
}

/* ---- floats ---- */

/* The shortest digits that read back as V (finite, > 0): DIGITS without
   a point, *DP where the point goes (V = 0.DIGITS x 10^DP).  */
static void
shortest_digits (double v, char digits[24], int *dp)
{
  char buf[40], *e;
  size_t n = 0;

  for (int p = 1; p <= 17; p++)
    {
      snprintf (buf, sizeof (buf), "%.*e", p - 1, v);
      if (strtod (buf, NULL) == v)
        break;
    }
  e = strchr (buf, 'e');
  for (char *c = buf; c < e; c++)
    if (*c >= '0' && *c <= '9')
      digits[n++] = *c;
  while (n > 1 && digits[n - 1] == '0')
    n--;
  digits[n] = '\0';
  *dp = atoi (e + 1) + 1;
}

/* Go's strconv.FormatFloat (V, 'g', -1, 64) (STYLE 'g' or 'G'), or what
   encoding/json writes (STYLE 'j').  */
static void
put_float_shortest (struct nook_buf *b, double v, char style)
{
  char d[24];
  int dp, exp, nd;
  bool use_e;

  if (isnan (v) || isinf (v))
    {
      nook_buf_puts (b, isnan (v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
      return;
    }
  if (signbit (v))
    nook_buf_putc (b, '-'), v = -v;
  if (v == 0)
    {
      nook_buf_putc (b, '0');
      return;
    }
  shortest_digits (v, d, &dp);
  nd = (int)strlen (d);
  exp = dp - 1;
  use_e = style == 'j' ? v < 1e-6 || v >= 1e21 : exp < -4 || exp >= 6;
  if (use_e)
    {
      nook_buf_printf (b, "%c%s%s%c%c", d[0], nd > 1 ? "." : "", d + 1, style == 'G' ? 'E' : 'e',
                       exp < 0 ? '-' : '+');
      nook_buf_printf (b, style == 'j' ? "%d" : "%02d", exp < 0 ? -exp : exp);
    }
  else if (dp <= 0)
    {
      nook_buf_puts (b, "0.");
      fill (b, '0', (size_t)-dp);
      nook_buf_puts (b, d);
    }
  else if (dp >= nd)
    {
      nook_buf_puts (b, d);
      fill (b, '0', (size_t)(dp - nd));
    }
  else
    nook_buf_printf (b, "%.*s.%s", dp, d, d + dp);
}

static bool
is_int_text (const char *s)
{
  s += *s == '-';
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return false;
  return true;
}

/* Go's %x on a float: C's %a with a two-digit exponent.  */
static void
put_hex_float (struct nook_buf *b, const struct spec *sp, double f)
{
  char buf[64], *e;

  if (sp->has_prec)
    snprintf (buf, sizeof (buf), sp->verb == 'X' ? "%.*A" : "%.*a", sp->prec, f);
  else
    snprintf (buf, sizeof (buf), sp->verb == 'X' ? "%A" : "%a", f);
  e = strpbrk (buf, "pP");
  if (e && e[2] && e[3] == '\0')
    {
      e[4] = '\0', e[3] = e[2], e[2] = '0';
    }
  nook_buf_puts (b, buf);
}

/* Inf and NaN as Go writes them, never zero-padded.  */
static void
put_nonfinite (struct printer *pr, const struct spec *sp, double f)
{
  struct spec pad = *sp;
  const char *sign = isnan (f) ? (sp->plus ? "+" : sp->space ? " " : "") : f < 0 ? "-" : "+";

  pad.zero = false;
  put_number (pr, &pad, sign, isnan (f) ? "NaN" : "Inf");
}

static int
put_float (struct printer *pr, const struct spec *sp, const struct fval *v, int depth)
{
  uint32_t verb = sp->verb == 'v' ? 'g' : sp->verb;
  struct nook_buf body = { 0 };
  double f = v->f;
  const char *sign = signbit (f) ? "-" : sp->plus ? "+" : sp->space ? " " : "";
  char cfmt[16];

  /* Integers too large for int64 or uint64, as the data wrote them.  */
  if (v->s && is_int_text (v->s) && (sp->verb == 'v' || sp->verb == 'd'))
    {
      put_padded_str (pr, sp, v->s);
      return 0;
    }
  if (verb > 0x7f || verb == 0 || !strchr ("gGeEfFxX", (int)verb))
    return bad_verb (pr, sp, v, depth);
  if (!isfinite (f))
    {
      put_nonfinite (pr, sp, f);
      return 0;
    }
  if (verb == 'x' || verb == 'X' || ((verb | 0x20) == 'g' && !sp->has_prec))
    {
      if (verb == 'x' || verb == 'X')
        put_hex_float (&body, sp, fabs (f));
      else
        put_float_shortest (&body, fabs (f), (char)verb);
      put_number (pr, sp, sign, body.data);
      nook_buf_free (&body);
      return 0;
    }
  snprintf (cfmt, sizeof (cfmt), "%%%s%s%s%s*.*%c", sp->minus ? "-" : "", sp->plus ? "+" : "",
            sp->space ? " " : "", sp->zero ? "0" : "", (char)verb);
  nook_buf_printf (pr->b, cfmt, sp->has_width ? sp->width : 0, sp->has_prec ? sp->prec : 6, f);
  return 0;
}

/* ---- strings ---- */

/* The first PREC runes of S (all without a precision).  */
static size_t
prec_cut (const struct spec *sp, const char *s, size_t n)
{
  size_t i = 0;
  uint32_t cp;

  if (!sp->has_prec)
    return n;
  for (int k = 0; k < sp->prec && i < n; k++)
    {
      size_t l = fmt_utf8_seq (s + i, n - i, &cp);
      i += l ? l : 1;
    }
  return i;
}

static int
put_string (struct printer *pr, const struct spec *sp, const struct fval *v, int depth)
{
  const char *s = v->s ? v->s : "";
  size_t n = strlen (s);
  struct nook_buf tmp = { 0 };

  switch (sp->verb)
    {
    case 'v':
    case 's':
      put_padded (pr, sp, s, prec_cut (sp, s, n));
      return 0;
    case 'q':
      fmt_quote (&tmp, s, prec_cut (sp, s, n));
      break;
    case 'x':
    case 'X':
      n = sp->has_prec && (size_t)sp->prec < n ? (size_t)sp->prec : n;
      for (size_t i = 0; i < n; i++)
        nook_buf_printf (&tmp, "%s%s%02x", i && sp->space ? " " : "",
                         sp->sharp && (i == 0 || sp->space) ? "0x" : "", (unsigned char)s[i]);
      if (sp->verb == 'X')
        for (size_t i = 0; i < tmp.len; i++)
          if (tmp.data[i] >= 'a' && tmp.data[i] <= 'f')
            tmp.data[i] = (char)(tmp.data[i] - 'a' + 'A');
      break;
    default:
      return bad_verb (pr, sp, v, depth);
    }
  put_padded (pr, sp, tmp.data ? tmp.data : "", tmp.len);
  nook_buf_free (&tmp);
  return 0;
}

/* ---- arrays and objects ---- */

static int
put_array (struct printer *pr, const struct spec *sp, const struct fval *v, int depth)
{
  size_t n = val_count (v);
  int r = 0;

  nook_buf_putc (pr->b, '[');
  for (size_t i = 0; i < n && r == 0; i++)
    {
      struct fval e = val_elem (v, i);
      if (i > 0)
        nook_buf_putc (pr->b, ' ');
      r = put_value (pr, sp, &e, depth + 1);
      val_free (&e);
    }
  nook_buf_putc (pr->b, ']');
  return r;
}

static int
put_object (struct printer *pr, const struct spec *sp, const struct fval *v, int depth)
{
  size_t n;
  _cleanup_free_ size_t *keys = val_sorted_keys (v->j, &n);
  int r = 0;

  nook_buf_puts (pr->b, "map[");
  for (size_t i = 0; i < n && r == 0; i++)
    {
      struct fval k = { .kind = V_STRING, .s = json_key_at (v->j, keys[i]) };
      struct fval e = val_of_json (json_at (v->j, keys[i]));
      if (i > 0)
        nook_buf_putc (pr->b, ' ');
      r = put_value (pr, sp, &k, depth + 1);
      nook_buf_putc (pr->b, ':');
      if (r == 0)
        r = put_value (pr, sp, &e, depth + 1);
      val_free (&e);
    }
  nook_buf_putc (pr->b, ']');
  return r;
}

static int
put_nil (struct printer *pr, const struct spec *sp, const struct fval *v, int depth)
{
  if (sp->verb != 'v')
    return bad_verb (pr, sp, v, depth);
  put_padded_str (pr, sp, v->kind == V_MISSING ? "<no value>" : "<nil>");
  return 0;
}

static int
put_value (struct printer *pr, const struct spec *sp, const struct fval *v, int depth)
{
  if (depth > FORMAT_MAX_VALUE_DEPTH)
    return FMT_EDEPTH;
  if (pr->b->len > pr->limit)
    return FMT_ESIZE;
  if (sp->verb == 'T')
    {
      put_padded_str (pr, sp, val_type_name (v));
      return 0;
    }
  switch (v->kind)
    {
    case V_MISSING:
    case V_NULL:
      return put_nil (pr, sp, v, depth);
    case V_BOOL:
      if (sp->verb != 'v' && sp->verb != 't')
        return bad_verb (pr, sp, v, depth);
      put_padded_str (pr, sp, v->b ? "true" : "false");
      return 0;
    case V_INT:
      return put_integer (pr, sp, v, v->i < 0, v->i < 0 ? 0 - (uint64_t)v->i : (uint64_t)v->i,
                          depth);
    case V_UINT:
      return put_integer (pr, sp, v, false, v->u, depth);
    case V_FLOAT:
      return put_float (pr, sp, v, depth);
    case V_STRING:
    case V_HEADER:
      return put_string (pr, sp, v, depth);
    case V_LIST:
      return put_array (pr, sp, v, depth);
    case V_JSON:
      if (json_is_array (v->j))
        return put_array (pr, sp, v, depth);
      return put_object (pr, sp, v, depth);
    }
  return 0;
}

int
fmt_print (struct nook_buf *b, size_t limit, const struct fval *v)
{
  struct printer pr = { b, limit };
  struct spec sp = { .verb = 'v' };
  int r = put_value (&pr, &sp, v, 0);
  return r == 0 && b->len > limit ? FMT_ESIZE : r;
}

int
fmt_sprint (struct nook_buf *b, size_t limit, const struct fval *args, size_t n, bool ln)
{
  struct printer pr = { b, limit };
  struct spec sp = { .verb = 'v' };

  for (size_t i = 0; i < n; i++)
    {
      int r;
      if (i > 0 && (ln || (!val_is_string (&args[i - 1]) && !val_is_string (&args[i]))))
        nook_buf_putc (b, ' ');
      r = put_value (&pr, &sp, &args[i], 0);
      if (r < 0)
        return r;
    }
  if (ln)
    nook_buf_putc (b, '\n');
  return b->len > limit ? FMT_ESIZE : 0;
}

/* ---- printf ---- */

/* A decimal number at *P, at most 1e6 as Go's parsenum: -1 if none, -2
   if too large.  */
static int
parse_num (const char **p)
{
  long n = 0;
  bool any = false;
  while (**p >= '0' && **p <= '9')
    {
      n = n * 10 + (**p - '0');
      (*p)++;
      any = true;
      if (n > 1000000)
        return -2;
    }
  return any ? (int)n : -1;
}

static bool
arg_to_int (const struct fval *v, int *out)
{
  if (v->kind == V_INT && v->i >= -1000000 && v->i <= 1000000)
    *out = (int)v->i;
  else if (v->kind == V_UINT && v->u <= 1000000)
    *out = (int)v->u;
  else
    return false;
  return true;
}

/* Go's pp for one Sprintf.  */
struct pf
{
  struct printer pr;
  const char *p; /* where the format is read */
  const struct fval *args;
  size_t n, argi;
  bool reordered;  /* an explicit [n] was seen: no EXTRA report */
  bool good_index; /* for the verb at hand */
};

static void
pf_flags (struct pf *f, struct spec *sp)
{
  for (;; f->p++)
    {
      if (*f->p == '+')
        sp->plus = true;
      else if (*f->p == '-')
        sp->minus = true, sp->zero = false;
      else if (*f->p == '#')
        sp->sharp = true;
      else if (*f->p == ' ')
        sp->space = true;
      else if (*f->p == '0')
        sp->zero = !sp->minus;
      else
        return;
    }
}

/* "[n]": the next argument is the n-th (Go's argNumber).  */
static void
pf_index (struct pf *f)
{
  const char *close, *q;
  int v;

  if (*f->p != '[')
    return;
  f->reordered = true;
  close = strchr (f->p, ']');
  if (close == NULL)
    {
      f->good_index = false;
      f->p++;
      return;
    }
  q = f->p + 1;
  v = parse_num (&q);
  if (q != close || v < 1 || (size_t)v > f->n)
    f->good_index = false;
  else
    f->argi = (size_t)v - 1;
  f->p = close + 1;
}

/* A width or precision from '*': the next argument, an int.  */
static bool
pf_star (struct pf *f, int *out)
{
  bool ok = f->argi < f->n && arg_to_int (&f->args[f->argi], out);
  f->argi++;
  return ok;
}

/* Flags, width and precision after '%'; false when Go gives up (a
   number past 1e6): "%!(NOVERB)".  */
static bool
pf_spec (struct pf *f, struct spec *sp)
{
  pf_flags (f, sp);
  pf_index (f);
  if (*f->p == '*')
    {
      f->p++;
      sp->has_width = pf_star (f, &sp->width);
      if (!sp->has_width)
        nook_buf_puts (f->pr.b, "%!(BADWIDTH)");
      if (sp->width < 0)
        sp->minus = true, sp->zero = false, sp->width = -sp->width;
    }
  else
    {
      int w = parse_num (&f->p);
      if (w == -2)
        return false;
      sp->has_width = w >= 0;
      sp->width = w >= 0 ? w : 0;
    }
  if (*f->p == '.')
    {
      f->p++;
      pf_index (f);
      if (*f->p == '*')
        {
          f->p++;
          sp->has_prec = pf_star (f, &sp->prec) && sp->prec >= 0;
          if (!sp->has_prec)
            nook_buf_puts (f->pr.b, "%!(BADPREC)");
        }
      else if ((sp->prec = parse_num (&f->p)) == -2)
        return false;
      else
        sp->has_prec = true, sp->prec = sp->prec < 0 ? 0 : sp->prec;
    }
  pf_index (f);
  return true;
}

static int
pf_extra (struct pf *f)
{
  struct spec sp = { .verb = 'v' };

  nook_buf_puts (f->pr.b, "%!(EXTRA ");
  for (size_t i = f->argi; i < f->n; i++)
    {
      const struct fval *a = &f->args[i];
      int r;
      if (i > f->argi)
        nook_buf_puts (f->pr.b, ", ");
      if (a->kind == V_NULL || a->kind == V_MISSING)
        {
          nook_buf_puts (f->pr.b, "<nil>");
          continue;
        }
      nook_buf_printf (f->pr.b, "%s=", val_type_name (a));
      r = put_value (&f->pr, &sp, a, 0);
      if (r < 0)
        return r;
    }
  nook_buf_putc (f->pr.b, ')');
  return 0;
}

/* One verb at F->p; false at the end of the format.  */
static int
pf_verb (struct pf *f)
{
  struct spec sp = { 0 };
  size_t l;

  f->good_index = true;
  if (!pf_spec (f, &sp) || *f->p == '\0')
    {
      nook_buf_puts (f->pr.b, "%!(NOVERB)");
      f->p += strlen (f->p);
      return 0;
    }
  l = fmt_utf8_seq (f->p, strlen (f->p), &sp.verb);
  if (l == 0)
    sp.verb = 0xfffd, l = 1;
  f->p += l;
  if (sp.verb == '%')
    nook_buf_putc (f->pr.b, '%');
  else if (!f->good_index || f->argi >= f->n)
    {
      nook_buf_puts (f->pr.b, "%!");
      fmt_put_rune (f->pr.b, sp.verb);
      nook_buf_puts (f->pr.b, f->good_index ? "(MISSING)" : "(BADINDEX)");
    }
  else
    return put_value (&f->pr, &sp, &f->args[f->argi++], 0);
  return 0;
}

int
fmt_sprintf (struct nook_buf *b, size_t limit, const char *format, const struct fval *args,
             size_t n)
{
  struct pf f = { .pr = { b, limit }, .p = format, .args = args, .n = n };

  while (*f.p)
    {
      const char *pct = strchr (f.p, '%');
      int r;

      nook_buf_append (b, f.p, pct ? (size_t)(pct - f.p) : strlen (f.p));
      if (pct == NULL)
        break;
      f.p = pct + 1;
      if ((r = pf_verb (&f)) < 0)
        return r;
    }
  if (!f.reordered && f.argi < n)
    {
      int r = pf_extra (&f);
      if (r < 0)
        return r;
    }
  return b->len > limit ? FMT_ESIZE : 0;
}

/* ---- JSON ---- */

static bool
json_too_deep (const nook_json *j, int left)
{
  if (!json_is_object (j) && !json_is_array (j))
    return false;
  if (left == 0)
    return true;
  for (size_t i = 0; i < json_len (j); i++)
    if (json_too_deep (json_at (j, i), left - 1))
      return true;
  return false;
}

int
fmt_json (struct nook_buf *b, const struct fval *v)
{
  switch (v->kind)
    {
    case V_JSON:
      {
        _cleanup_json_gen_ struct json_gen *g = NULL;
        size_t len;
        const char *text;
        if (json_too_deep (v->j, FORMAT_MAX_VALUE_DEPTH))
          return FMT_EDEPTH;
        g = json_gen_new (false);
        json_gen_value (g, v->j);
        text = json_gen_text (g, &len);
        nook_buf_append (b, text, len);
        return 0;
      }
    case V_LIST:
      nook_buf_putc (b, '[');
      for (size_t i = 0; i < v->n; i++)
        {
          if (i > 0)
            nook_buf_putc (b, ',');
          if (fmt_json (b, &v->items[i]) < 0)
            return FMT_EDEPTH;
        }
      nook_buf_putc (b, ']');
      return 0;
    case V_STRING:
    case V_HEADER:
      if (v->kind == V_HEADER && v->s == NULL)
        nook_buf_puts (b, "{}");
      else
        json_quote (b, v->s);
      return 0;
    case V_INT:
      nook_buf_printf (b, "%lld", (long long)v->i);
      return 0;
    case V_UINT:
      nook_buf_printf (b, "%llu", (unsigned long long)v->u);
      return 0;
    case V_FLOAT:
      if (v->s)
        nook_buf_puts (b, v->s);
      else if (isfinite (v->f))
        put_float_shortest (b, v->f, 'j');
      else
        nook_buf_puts (b, "null");
      return 0;
    case V_BOOL:
      nook_buf_puts (b, v->b ? "true" : "false");
      return 0;
    default:
      nook_buf_puts (b, "null");
      return 0;
    }
}
