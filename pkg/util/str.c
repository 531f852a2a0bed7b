/* Memory, strings, string vectors and buffers.  */
#include "util.h"

#include <limits.h>
#include <string.h>
#include <sys/random.h>

static void *
oom (void)
{
  fputs ("nook: out of memory\n", stderr);
  abort ();
}

void *
xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);
  return p ? p : oom ();
}

void *
xzalloc (size_t n)
{
  void *p = calloc (1, n ? n : 1);
  return p ? p : oom ();
}

void *
xrealloc (void *p, size_t n)
{
  p = realloc (p, n ? n : 1);
  return p ? p : oom ();
}

char *
xstrdup (const char *s)
{
  char *r = strdup (s);
  return r ? r : oom ();
}

char *
xstrndup (const char *s, size_t n)
{
  char *r = strndup (s, n);
  return r ? r : oom ();
}

char *
xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *s;
  int r;

  va_start (ap, fmt);
  r = vasprintf (&s, fmt, ap);
  va_end (ap);
  return r < 0 ? oom () : s;
}

void
nook_freep (void *p)
{
  free (*(void **)p);
}

void
nook_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
      *fd = -1;
    }
}

void
nook_fclosep (FILE **f)
{
  if (*f)
    fclose (*f);
}

void
nook_closedirp (DIR **d)
{
  if (*d)
    closedir (*d);
}

void
nook_strvp (char ***v)
{
  strv_free (*v);
}

bool
str_has_prefix (const char *s, const char *prefix)
{
  return strncmp (s, prefix, strlen (prefix)) == 0;
}

bool
str_has_suffix (const char *s, const char *suffix)
{
  size_t ls = strlen (s), lx = strlen (suffix);
  return ls >= lx && memcmp (s + ls - lx, suffix, lx) == 0;
}

bool
str_eq (const char *a, const char *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return strcmp (a, b) == 0;
}

bool
str_to_int64 (const char *s, int64_t *out)
{
  char *end;
  long long v;

  if (s == NULL || *s == '\0')
    return false;
  errno = 0;
  v = strtoll (s, &end, 10);
  if (errno || *end != '\0')
    return false;
  *out = v;
  return true;
}

size_t
strv_len (char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

char **
strv_dup (char *const *v)
{
  size_t n = strv_len (v);
  char **r = xzalloc ((n + 1) * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    r[i] = xstrdup (v[i]);
  return r;
}

void
strv_free (char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

void
strv_push (char ***v, char *s)
{
  size_t n = strv_len (*v);
  *v = xrealloc (*v, (n + 2) * sizeof (char *));
  (*v)[n] = s;
  (*v)[n + 1] = NULL;
}

bool
strv_contains (char *const *v, const char *s)
{
  for (size_t i = 0; v && v[i]; i++)
    if (strcmp (v[i], s) == 0)
      return true;
  return false;
}

char *
strv_join (char *const *v, const char *sep)
{
  return strv_join_n (v, strv_len (v), sep);
}

char *
strv_join_n (char *const *v, size_t n, const char *sep)
{
  struct nook_buf b = { 0 };

  nook_buf_puts (&b, "");
  for (size_t i = 0; i < n; i++)
    {
      if (i)
        nook_buf_puts (&b, sep);
      nook_buf_puts (&b, v[i]);
    }
  return nook_buf_steal (&b);
}

static void
buf_reserve (struct nook_buf *b, size_t extra)
{
  size_t need = b->len + extra + 1;
  if (need <= b->cap)
    return;
  b->cap = b->cap ? b->cap : 64;
  while (b->cap < need)
    b->cap *= 2;
  b->data = xrealloc (b->data, b->cap);
}

void
nook_buf_append (struct nook_buf *b, const void *data, size_t len)
{
  buf_reserve (b, len);
  if (len > 0) /* DATA may be NULL then */
    memcpy (b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
}

void
nook_buf_puts (struct nook_buf *b, const char *s)
{
  nook_buf_append (b, s, strlen (s));
}

void
nook_buf_putc (struct nook_buf *b, char c)
{
  nook_buf_append (b, &c, 1);
}

void
nook_buf_printf (struct nook_buf *b, const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vsnprintf (NULL, 0, fmt, ap);
  va_end (ap);
  if (n < 0)
    return;
  buf_reserve (b, (size_t)n);
  va_start (ap, fmt);
  vsnprintf (b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end (ap);
  b->len += (size_t)n;
}

char *
nook_buf_steal (struct nook_buf *b)
{
  char *r = b->data ? b->data : xstrdup ("");
  b->data = NULL;
  b->len = b->cap = 0;
  return r;
}

void
nook_buf_free (struct nook_buf *b)
{
  free (b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

int
nook_random_hex (char *out, size_t nbytes, nook_error_t *err)
{
  static const char hex[] = "0123456789abcdef";
  unsigned char raw[64];
  size_t got = 0;

  if (nbytes > sizeof (raw))
    return nook_error (err, EINVAL, "random id of %zu bytes", nbytes);
  while (got < nbytes)
    {
      ssize_t r = getrandom (raw + got, nbytes - got, 0);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return nook_error (err, errno, "getrandom");
      got += (size_t)r;
    }
  for (size_t i = 0; i < nbytes; i++)
    {
      out[2 * i] = hex[raw[i] >> 4];
      out[2 * i + 1] = hex[raw[i] & 15];
    }
  out[2 * nbytes] = '\0';
  return 0;
}

bool
nook_is_hex (const char *s, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
      return false;
  return s[len] == '\0';
}
