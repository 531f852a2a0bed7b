/* One registry over HTTP(S): the ping that finds its scheme and how it
   authenticates, Bearer tokens (fetched from the challenge's realm with
   its service and scope, kept per scope for every later request) or
   Basic credentials, and requests sent one at a time on a reused handle
   (its connections stay open), transient failures retried.  */
#include "registry/internal.h"

#include <ctype.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

enum auth_scheme
{
  AUTH_NONE,
  AUTH_BASIC,
  AUTH_BEARER,
};

struct token
{
  char *scope;
  char *value;
};

struct reg_client
{
  struct reg_endpoint ep;
  char *base; /* "https://host", after the ping */
  struct reg_creds creds;
  enum auth_scheme scheme;
  char *realm, *service;
  struct token *tokens;
  size_t n_tokens;
  char *ca; /* PEM bundle when a cert dir adds CAs */
  size_t ca_len;
  char *client_cert, *client_key;
  CURL *easy;
};

/* ---- set-up ---- */

static size_t
header_cb (char *buf, size_t size, size_t n, void *data)
{
  struct reg_headers *h = data;
  size_t len = size * n, name_len;
  const char *colon = memchr (buf, ':', len);
  char **dest = NULL;
  static const struct
  {
    const char *name;
    size_t off;
  } wanted[] = {
    { "www-authenticate", offsetof (struct reg_headers, www_authenticate) },
    { "content-type", offsetof (struct reg_headers, content_type) },
    { "docker-content-digest", offsetof (struct reg_headers, docker_digest) },
    { "location", offsetof (struct reg_headers, location) },
    { "link", offsetof (struct reg_headers, link) },
    { "retry-after", offsetof (struct reg_headers, retry_after) },
  };

  if (len >= 5 && memcmp (buf, "HTTP/", 5) == 0)
    {
      /* A new response (after a redirect or a 100): forget the last.  */
      reg_headers_reset (h);
      return len;
    }
  if (colon == NULL)
    return len;
  name_len = (size_t)(colon - buf);
  for (size_t i = 0; i < NOOK_ARRAY_SIZE (wanted); i++)
    if (strlen (wanted[i].name) == name_len && strncasecmp (buf, wanted[i].name, name_len) == 0)
      dest = (char **)((char *)h + wanted[i].off);
  if (name_len == 14 && strncasecmp (buf, "content-length", 14) == 0)
    {
      char tmp[32];
      size_t vl = len - name_len - 1;
      snprintf (tmp, sizeof (tmp), "%.*s", (int)(vl < 31 ? vl : 31), colon + 1);
      h->content_length = strtoll (tmp, NULL, 10);
    }
  if (dest && *dest == NULL)
    {
      const char *v = colon + 1, *end = buf + len;
      while (v < end && (*v == ' ' || *v == '\t'))
        v++;
      while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
      *dest = xstrndup (v, (size_t)(end - v));
    }
  return len;
}

void
reg_headers_reset (struct reg_headers *h)
{
  free (h->www_authenticate);
  free (h->content_type);
  free (h->docker_digest);
  free (h->location);
  free (h->link);
  free (h->retry_after);
  memset (h, 0, sizeof (*h));
  h->content_length = -1;
}

static void
easy_setup (struct reg_client *c, CURL *e, const char *url, struct reg_headers *hdrs, char *errbuf)
{
  errbuf[0] = '\0';
  curl_easy_setopt (e, CURLOPT_URL, url);
  curl_easy_setopt (e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (e, CURLOPT_MAXREDIRS, 8L);
  curl_easy_setopt (e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (e, CURLOPT_CONNECTTIMEOUT, 30L);
  /* A registry that stalls is given up after a minute of silence.  */
  curl_easy_setopt (e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (e, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt (e, CURLOPT_USERAGENT, "nook/0.1");
  curl_easy_setopt (e, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (e, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (e, CURLOPT_HEADERDATA, hdrs);
  curl_easy_setopt (e, CURLOPT_SSL_VERIFYPEER, c->ep.insecure ? 0L : 1L);
  curl_easy_setopt (e, CURLOPT_SSL_VERIFYHOST, c->ep.insecure ? 0L : 2L);
  if (c->ca)
    {
      struct curl_blob blob = { c->ca, c->ca_len, CURL_BLOB_NOCOPY };
      curl_easy_setopt (e, CURLOPT_CAINFO_BLOB, &blob);
    }
  if (c->client_cert)
    {
      curl_easy_setopt (e, CURLOPT_SSLCERT, c->client_cert);
      curl_easy_setopt (e, CURLOPT_SSLKEY, c->client_key);
    }
  reg_headers_reset (hdrs);
}

void *
reg_easy_new (struct reg_client *c, const char *url, struct reg_headers *hdrs, char *errbuf)
{
  CURL *e = curl_easy_init ();

  if (e)
    easy_setup (c, e, url, hdrs, errbuf);
  return e;
}

static bool
is_cert_file (const char *name)
{
  return str_has_suffix (name, ".crt") || str_has_suffix (name, ".cert");
}

/* A cert dir (certs.d/HOST as Docker and Podman use it): *.crt are CAs
   added to the system's, *.cert with its *.key a client certificate.  */
static int
load_cert_dir (struct reg_client *c, const char *dir, nook_error_t *err)
{
  _cleanup_close_ int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_strv_ char **names = NULL;
  struct nook_buf ca = { 0 };

  if (fd < 0)
    return errno == ENOENT ? 0 : nook_error (err, errno, "open cert dir `%s`", dir);
  if (nook_list_dir (fd, is_cert_file, &names, err) < 0)
    return -1;
  qsort (names, strv_len (names), sizeof (char *), (int (*) (const void *, const void *))strcmp);
  for (size_t i = 0; names[i]; i++)
    {
      _cleanup_free_ char *text = NULL;
      size_t len;
      if (str_has_suffix (names[i], ".cert"))
        {
          c->client_cert = xasprintf ("%s/%s", dir, names[i]);
          c->client_key
              = xasprintf ("%.*s.key", (int)(strlen (c->client_cert) - 5), c->client_cert);
          continue;
        }
      if (ca.len == 0)
        {
          /* The system's CAs first: a cert dir adds to them.  */
          if (nook_read_file_at (AT_FDCWD, "/etc/ssl/certs/ca-certificates.crt", 16 << 20, &text,
                                 &len, err)
              == 0)
            nook_buf_append (&ca, text, len);
          nook_error_free (err);
          free (steal_pointer (&text));
          nook_buf_putc (&ca, '\n');
        }
      if (nook_read_file_at (fd, names[i], 1 << 20, &text, &len, err) < 0)
        {
          nook_buf_free (&ca);
          return nook_error_prefix (err, "%s", dir);
        }
      nook_buf_append (&ca, text, len);
      nook_buf_putc (&ca, '\n');
    }
  c->ca_len = ca.len;
  c->ca = nook_buf_steal (&ca);
  if (c->ca_len == 0)
    free (steal_pointer (&c->ca));
  return 0;
}

static int
find_cert_dir (struct reg_client *c, const char *cert_dir, nook_error_t *err)
{
  const char *home = getenv ("HOME");
  const char *xdg = getenv ("XDG_CONFIG_HOME");
  char *dirs[4] = { 0 };
  int r = 0;

  if (cert_dir)
    return load_cert_dir (c, cert_dir, err);
  if (xdg && xdg[0] == '/')
    dirs[0] = xasprintf ("%s/containers/certs.d/%s", xdg, c->ep.name);
  else if (home && home[0] == '/')
    dirs[0] = xasprintf ("%s/.config/containers/certs.d/%s", home, c->ep.name);
  dirs[1] = xasprintf ("/etc/containers/certs.d/%s", c->ep.name);
  dirs[2] = xasprintf ("/etc/docker/certs.d/%s", c->ep.name);
  for (size_t i = 0; i < 3; i++)
    {
      struct stat st;
      if (r == 0 && c->ca == NULL && c->client_cert == NULL && dirs[i] && stat (dirs[i], &st) == 0)
        r = load_cert_dir (c, dirs[i], err);
      free (dirs[i]);
    }
  return r;
}

static int
parse_creds (const char *creds, struct reg_creds *out, nook_error_t *err)
{
  const char *colon = strchr (creds, ':');

  if (*creds == '\0' || colon == creds)
    return nook_error (err, 0, "--creds: the user name is empty");
  out->user = colon ? xstrndup (creds, (size_t)(colon - creds)) : xstrdup (creds);
  out->password = xstrdup (colon ? colon + 1 : "");
  return 0;
}

int
reg_client_new (const struct reg_endpoint *ep, const char *repo, const struct registry_opts *o,
                struct reg_client **out, nook_error_t *err)
{
  static bool curl_ready;
  /* An auth.json entry for "host/ns/repo" wins over one for "host".  */
  _cleanup_free_ char *key
      = repo && *repo ? xasprintf ("%s/%s", ep->name, repo) : xstrdup (ep->name);
  struct reg_client *c;
  int r;

  if (nook_lazy_load (&nook_lib_curl, err) < 0)
    return -1;
  if (!curl_ready)
    {
      if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return nook_error (err, 0, "libcurl initialization failed");
      curl_ready = true;
    }
  c = xzalloc (sizeof (*c));
  c->ep.host = xstrdup (ep->host);
  c->ep.name = xstrdup (ep->name);
  c->ep.insecure = ep->insecure;
  if (o->creds)
    r = parse_creds (o->creds, &c->creds, err);
  else
    r = reg_auth_lookup (o->authfile, key, &c->creds, err) < 0 ? -1 : 0;
  if (r == 0)
    r = find_cert_dir (c, o->cert_dir, err);
  if (r == 0 && (c->easy = curl_easy_init ()) == NULL)
    r = nook_error (err, ENOMEM, "curl");
  if (r < 0)
    {
      reg_client_free (c);
      return -1;
    }
  *out = c;
  return 0;
}

void
reg_client_free (struct reg_client *c)
{
  if (c == NULL)
    return;
  reg_endpoint_free (&c->ep);
  free (c->base);
  reg_creds_free (&c->creds);
  free (c->realm);
  free (c->service);
  for (size_t i = 0; i < c->n_tokens; i++)
    {
      free (c->tokens[i].scope);
      free (c->tokens[i].value);
    }
  free (c->tokens);
  free (c->ca);
  free (c->client_cert);
  free (c->client_key);
  if (c->easy)
    curl_easy_cleanup (c->easy);
  free (c);
}

void
reg_client_freep (struct reg_client **c)
{
  reg_client_free (*c);
  *c = NULL;
}

const char *
reg_client_name (const struct reg_client *c)
{
  return c->ep.name;
}

char *
reg_client_url (const struct reg_client *c, const char *path)
{
  if (str_has_prefix (path, "http://") || str_has_prefix (path, "https://"))
    return xstrdup (path);
  return xasprintf ("%s%s", c->base, path);
}

/* ---- errors and retries ---- */

bool
reg_transient (int code, long status)
{
  switch (code)
    {
    case CURLE_OK:
      return status == 408 || status == 429 || status == 500 || status == 502 || status == 503
             || status == 504;
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
    }
}

void
reg_backoff (int attempt)
{
  int64_t ms = 100;
  for (int i = 1; i < attempt; i++)
    ms *= 2;
  nook_sleep_ms (ms);
}

static const char *
status_text (long status)
{
  switch (status)
    {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
    }
}

/* Printable, one line, at most 200 bytes of what a registry said.  */
static char *
sanitize (const char *s, size_t max)
{
  struct nook_buf b = { 0 };
  nook_buf_puts (&b, "");
  for (size_t i = 0; s[i] && b.len < max; i++)
    nook_buf_putc (&b, (unsigned char)s[i] < ' ' || s[i] == 0x7f ? ' ' : s[i]);
  return nook_buf_steal (&b);
}

char *
reg_status_message (long status, const char *body, size_t len)
{
  _cleanup_json_ nook_json *j = NULL;
  nook_error_t err = NULL;
  nook_json *first;

  if (body && len && len <= REG_ERRBODY_MAX && json_parse (body, len, &j, &err) == 0
      && (first = json_at (json_get (j, "errors"), 0)) && json_str (json_get (first, "code")))
    {
      _cleanup_free_ char *code = sanitize (json_str (json_get (first, "code")), 64);
      _cleanup_free_ char *msg = sanitize (json_str (json_get (first, "message")) ?: "", 200);
      for (char *p = code; *p; p++)
        *p = *p == '_' ? ' ' : (char)tolower ((unsigned char)*p);
      return *msg && strcasecmp (msg, code) != 0 ? xasprintf ("%s: %s", code, msg) : xstrdup (code);
    }
  nook_error_free (&err);
  switch (status)
    {
    case 401:
      return xstrdup ("authentication required");
    case 403:
      return xstrdup ("access denied (403 Forbidden)");
    case 404:
      return xstrdup ("not found (404)");
    case 429:
      return xstrdup ("too many requests (429): the registry is rate-limiting");
    default:
      return xasprintf ("received unexpected HTTP status: %ld %s", status, status_text (status));
    }
}

int
reg_transfer_error (int code, const char *errbuf, long status, const char *body, size_t len,
                    const char *what, nook_error_t *err)
{
  _cleanup_free_ char *msg = NULL;

  if (code == CURLE_TOO_MANY_REDIRECTS)
    return nook_error (err, 0, "%s: too many redirects (a redirect loop?)", what);
  if (code != CURLE_OK)
    return nook_error (err, 0, "%s: %s", what,
                       errbuf && *errbuf ? errbuf : curl_easy_strerror ((CURLcode)code));
  msg = reg_status_message (status, body, len);
  return nook_error (err, 0, "%s: %s", what, msg);
}

/* ---- one request at a time ---- */

struct sink
{
  struct nook_buf body;
  size_t max;
  CURL *easy;
  bool too_big;
};

static size_t
body_cb (char *buf, size_t size, size_t n, void *data)
{
  struct sink *s = data;
  size_t len = size * n;
  long status = 0;

  curl_easy_getinfo (s->easy, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300)
    {
      if (s->body.len + len > s->max)
        {
          s->too_big = true;
          return 0;
        }
    }
  else if (s->body.len + len > REG_ERRBODY_MAX)
    return len; /* an error page: its start says enough */
  nook_buf_append (&s->body, buf, len);
  return len;
}

struct upload
{
  const char *data;
  size_t len;
  int fd;
  int64_t off, size;
};

static size_t
read_cb (char *buf, size_t size, size_t n, void *data)
{
  struct upload *u = data;
  size_t want = size * n;

  if (u->fd >= 0)
    {
      ssize_t r;
      if ((int64_t)want > u->size - u->off)
        want = (size_t)(u->size - u->off);
      if (want == 0)
        return 0;
      do
        r = pread (u->fd, buf, want, u->off);
      while (r < 0 && errno == EINTR);
      if (r <= 0)
        return CURL_READFUNC_ABORT;
      u->off += r;
      return (size_t)r;
    }
  if (want > u->len - (size_t)u->off)
    want = u->len - (size_t)u->off;
  memcpy (buf, u->data + u->off, want);
  u->off += (int64_t)want;
  return want;
}

struct exchange
{
  struct reg_headers hdrs;
  struct sink sink;
  struct upload up;
  char errbuf[CURL_ERROR_SIZE];
  struct curl_slist *list;
  CURLcode code;
};

static void
exchange_free (struct exchange *x)
{
  reg_headers_reset (&x->hdrs);
  nook_buf_free (&x->sink.body);
  if (x->list)
    curl_slist_free_all (x->list);
  x->list = NULL;
}

static void
add_header (struct exchange *x, const char *fmt, const char *value)
{
  _cleanup_free_ char *h = xasprintf (fmt, value);
  x->list = curl_slist_append (x->list, h);
}

/* One try of R on C's handle.  */
static int
perform (struct reg_client *c, const struct reg_request *r, const char *authz, struct exchange *x,
         nook_error_t *err)
{
  _cleanup_free_ char *url = reg_client_url (c, r->path);
  CURL *e = c->easy;

  exchange_free (x);
  memset (x, 0, sizeof (*x));
  curl_easy_reset (e);
  easy_setup (c, e, url, &x->hdrs, x->errbuf);
  x->sink = (struct sink){ .max = r->max, .easy = e };
  nook_buf_puts (&x->sink.body, "");
  x->sink.body.len = 0;
  curl_easy_setopt (e, CURLOPT_WRITEFUNCTION, body_cb);
  curl_easy_setopt (e, CURLOPT_WRITEDATA, &x->sink);
  if (authz)
    add_header (x, "Authorization: %s", authz);
  if (r->accept)
    add_header (x, "Accept: %s", r->accept);
  if (r->content_type)
    add_header (x, "Content-Type: %s", r->content_type);
  x->list = curl_slist_append (x->list, "Expect:");
  curl_easy_setopt (e, CURLOPT_HTTPHEADER, x->list);
  if (strcmp (r->method, "HEAD") == 0)
    curl_easy_setopt (e, CURLOPT_NOBODY, 1L);
  else if (strcmp (r->method, "GET") != 0)
    {
      x->up = (struct upload){ r->body, r->body_len, r->body_fd, 0,
                               r->body_fd >= 0 ? r->body_size : (int64_t)r->body_len };
      curl_easy_setopt (e, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt (e, CURLOPT_CUSTOMREQUEST, r->method);
      curl_easy_setopt (e, CURLOPT_READFUNCTION, read_cb);
      curl_easy_setopt (e, CURLOPT_READDATA, &x->up);
      curl_easy_setopt (e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->up.size);
    }
  x->code = curl_easy_perform (e);
  curl_easy_getinfo (e, CURLINFO_RESPONSE_CODE, &x->hdrs.status);
  if (x->sink.too_big)
    return nook_error (err, 0, "%s: the registry sent more than %zu bytes", r->what, r->max);
  return 0;
}

/* ---- auth: challenges and tokens ---- */

struct challenge
{
  enum auth_scheme scheme;
  char *realm, *service, *scope;
};

static void
challenge_free (struct challenge *ch)
{
  free (ch->realm);
  free (ch->service);
  free (ch->scope);
  memset (ch, 0, sizeof (*ch));
}

/* VALUE: a "quoted string" (backslash escapes) or a token.  */
static char *
param_value (const char **p)
{
  struct nook_buf b = { 0 };
  const char *s = *p;

  nook_buf_puts (&b, "");
  if (*s == '"')
    {
      for (s++; *s && *s != '"'; s++)
        {
          if (*s == '\\' && s[1])
            s++;
          nook_buf_putc (&b, *s);
        }
      if (*s == '"')
        s++;
    }
  else
    for (; *s && *s != ',' && *s != ' '; s++)
      nook_buf_putc (&b, *s);
  *p = s;
  return nook_buf_steal (&b);
}

/* `Bearer realm="...",service="...",scope="..."` or `Basic realm="..."`.  */
static void
parse_challenge (const char *h, struct challenge *ch)
{
  const char *p = h;
  size_t n;

  memset (ch, 0, sizeof (*ch));
  if (h == NULL)
    return;
  n = strcspn (p, " ");
  if (n == 6 && strncasecmp (p, "bearer", 6) == 0)
    ch->scheme = AUTH_BEARER;
  else if (n == 5 && strncasecmp (p, "basic", 5) == 0)
    ch->scheme = AUTH_BASIC;
  else
    return;
  p += n;
  while (*p)
    {
      const char *key;
      size_t klen;
      char *v;

      while (*p == ' ' || *p == ',')
        p++;
      key = p;
      while (*p && *p != '=' && *p != ',' && *p != ' ')
        p++;
      klen = (size_t)(p - key);
      if (*p != '=')
        continue;
      p++;
      v = param_value (&p);
      if (klen == 5 && strncasecmp (key, "realm", 5) == 0 && ch->realm == NULL)
        ch->realm = v;
      else if (klen == 7 && strncasecmp (key, "service", 7) == 0 && ch->service == NULL)
        ch->service = v;
      else if (klen == 5 && strncasecmp (key, "scope", 5) == 0 && ch->scope == NULL)
        ch->scope = v;
      else
        free (v);
    }
}

static void
adopt_challenge (struct reg_client *c, struct challenge *ch)
{
  c->scheme = ch->scheme;
  if (ch->scheme == AUTH_BEARER)
    {
      free (c->realm);
      free (c->service);
      c->realm = steal_pointer (&ch->realm);
      c->service = steal_pointer (&ch->service);
    }
}

static void
url_escape (struct nook_buf *b, const char *s)
{
  for (; *s; s++)
    if (isalnum ((unsigned char)*s) || strchr ("-._~", *s))
      nook_buf_putc (b, *s);
    else
      nook_buf_printf (b, "%%%02X", (unsigned char)*s);
}

static char *
basic_header (const struct reg_creds *cr)
{
  _cleanup_free_ char *plain = xasprintf ("%s:%s", cr->user, cr->password ? cr->password : "");
  _cleanup_free_ char *enc = reg_base64 (plain, strlen (plain));
  explicit_bzero (plain, strlen (plain));
  return xasprintf ("Basic %s", enc);
}

static int
token_from_answer (const char *body, size_t len, char **out, nook_error_t *err)
{
  _cleanup_json_ nook_json *j = NULL;
  const char *t;

  if (json_parse (body, len, &j, err) < 0)
    return nook_error_prefix (err, "the token server's answer");
  t = json_str (json_get (j, "token"));
  if (t == NULL || *t == '\0')
    t = json_str (json_get (j, "access_token"));
  if (t == NULL || *t == '\0')
    return nook_error (err, 0, "the token server's answer has no token");
  for (const char *p = t; *p; p++)
    if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
      return nook_error (err, 0, "the token server sent a token with invalid characters");
  *out = xstrdup (t);
  return 0;
}

/* GET REALM?service=...&scope=... with the credentials, as Docker's token
   protocol asks.  */
static int
fetch_token (struct reg_client *c, const char *scope, char **out, nook_error_t *err)
{
  struct nook_buf url = { 0 };
  _cleanup_free_ char *basic = NULL, *what = NULL;
  struct reg_request r = { .method = "GET", .max = REG_TOKEN_MAX, .body_fd = -1 };
  struct exchange x = { 0 };
  int ret = -1;

  if (c->realm == NULL
      || !(str_has_prefix (c->realm, "https://") || str_has_prefix (c->realm, "http://")))
    return nook_error (err, 0, "%s: the registry's Bearer challenge has no valid realm",
                       c->ep.name);
  nook_buf_puts (&url, c->realm);
  nook_buf_putc (&url, strchr (c->realm, '?') ? '&' : '?');
  if (c->service)
    {
      nook_buf_puts (&url, "service=");
      url_escape (&url, c->service);
    }
  if (scope && *scope)
    {
      nook_buf_puts (&url, "&scope=");
      url_escape (&url, scope);
    }
  if (c->creds.user)
    {
      nook_buf_puts (&url, "&account=");
      url_escape (&url, c->creds.user);
      basic = basic_header (&c->creds);
    }
  r.path = url.data;
  what = xasprintf ("requesting a token from %s", c->realm);
  r.what = what;
  for (int attempt = 1; attempt <= REG_TRIES; attempt++)
    {
      if (perform (c, &r, basic, &x, err) < 0)
        goto out;
      if (!reg_transient (x.code, x.hdrs.status) || attempt == REG_TRIES)
        break;
      reg_backoff (attempt);
    }
  if (x.code == CURLE_OK && (x.hdrs.status == 401 || x.hdrs.status == 403))
    nook_error (err, 0, "%s: %s", c->ep.name,
                c->creds.user ? "invalid username/password" : "authentication required");
  else if (x.code != CURLE_OK || x.hdrs.status != 200)
    reg_transfer_error (x.code, x.errbuf, x.hdrs.status, x.sink.body.data, x.sink.body.len, what,
                        err);
  else
    ret = token_from_answer (x.sink.body.data, x.sink.body.len, out, err);
out:
  if (basic)
    explicit_bzero (basic, strlen (basic));
  exchange_free (&x);
  nook_buf_free (&url);
  return ret;
}

static char *
scope_of (const char *repo, bool push)
{
  return repo ? xasprintf ("repository:%s:%s", repo, push ? "pull,push" : "pull") : xstrdup ("");
}

static int
bearer (struct reg_client *c, const char *scope, bool force, char **header, nook_error_t *err)
{
  struct token *t = NULL;
  char *value = NULL;

  for (size_t i = 0; i < c->n_tokens; i++)
    if (strcmp (c->tokens[i].scope, scope) == 0)
      t = &c->tokens[i];
  if (t && !force)
    {
      *header = xasprintf ("Bearer %s", t->value);
      return 0;
    }
  if (fetch_token (c, scope, &value, err) < 0)
    return -1;
  if (t == NULL)
    {
      c->tokens = xrealloc (c->tokens, (c->n_tokens + 1) * sizeof (*c->tokens));
      t = &c->tokens[c->n_tokens++];
      t->scope = xstrdup (scope);
      t->value = NULL;
    }
  free (t->value);
  t->value = value;
  *header = xasprintf ("Bearer %s", value);
  return 0;
}

int
reg_client_authorization (struct reg_client *c, const char *repo, bool push, bool force,
                          char **header, nook_error_t *err)
{
  _cleanup_free_ char *scope = scope_of (repo, push);

  *header = NULL;
  switch (c->scheme)
    {
    case AUTH_BASIC:
      if (c->creds.user)
        *header = basic_header (&c->creds);
      return 0;
    case AUTH_BEARER:
      return bearer (c, scope, force, header, err);
    default:
      return 0;
    }
}

bool
reg_client_has_creds (const struct reg_client *c)
{
  return c->creds.user != NULL;
}

/* ---- ping and requests ---- */

static int
ping_at (struct reg_client *c, const char *scheme, struct exchange *x, nook_error_t *err)
{
  struct reg_request r
      = { .method = "GET", .path = "/v2/", .max = REG_ERRBODY_MAX, .body_fd = -1, .what = "ping" };

  free (c->base);
  c->base = xasprintf ("%s://%s", scheme, c->ep.host);
  for (int attempt = 1; attempt <= REG_TRIES; attempt++)
    {
      if (perform (c, &r, NULL, x, err) < 0)
        return -1;
      /* Nothing listening, or TLS spoken to plain HTTP, is not going to
         change: only the registry's own trouble is retried.  */
      if (x->code != CURLE_OK || !reg_transient (x->code, x->hdrs.status) || attempt == REG_TRIES)
        break;
      reg_backoff (attempt);
    }
  return 0;
}

int
reg_client_ping (struct reg_client *c, nook_error_t *err)
{
  struct exchange x = { 0 };
  struct challenge ch;
  int ret = -1;

  if (ping_at (c, "https", &x, err) < 0)
    goto out;
  if (x.code != CURLE_OK && c->ep.insecure)
    {
      nook_debug ("ping https://%s failed (%s): trying http", c->ep.host, x.errbuf);
      if (ping_at (c, "http", &x, err) < 0)
        goto out;
    }
  if (x.code != CURLE_OK)
    {
      _cleanup_free_ char *what = xasprintf ("pinging container registry %s", c->ep.name);
      reg_transfer_error (x.code, x.errbuf, 0, NULL, 0, what, err);
      if (!c->ep.insecure && strstr (x.errbuf, "SSL"))
        nook_error_prefix (err, "(use --tls-verify=false for a registry without TLS)");
      goto out;
    }
  if (x.hdrs.status == 200)
    c->scheme = AUTH_NONE;
  else if (x.hdrs.status == 401)
    {
      parse_challenge (x.hdrs.www_authenticate, &ch);
      if (ch.scheme == AUTH_NONE)
        ch.scheme = AUTH_BASIC;
      adopt_challenge (c, &ch);
      challenge_free (&ch);
    }
  else
    {
      _cleanup_free_ char *msg
          = reg_status_message (x.hdrs.status, x.sink.body.data, x.sink.body.len);
      nook_error (err, 0, "pinging container registry %s: %s", c->ep.name, msg);
      goto out;
    }
  ret = 0;
out:
  exchange_free (&x);
  return ret;
}

void
reg_response_free (struct reg_response *r)
{
  free (r->body);
  free (r->content_type);
  free (r->docker_digest);
  free (r->location);
  free (r->link);
  memset (r, 0, sizeof (*r));
}

static bool
status_2xx (long status)
{
  return status >= 200 && status < 300;
}

/* A 401 with a challenge: take it and fetch a new token once.  */
static int
reauth (struct reg_client *c, const struct reg_request *r, struct exchange *x, char **authz,
        nook_error_t *err)
{
  struct challenge ch;

  parse_challenge (x->hdrs.www_authenticate, &ch);
  if (ch.scheme == AUTH_NONE)
    {
      challenge_free (&ch);
      return 0;
    }
  adopt_challenge (c, &ch);
  challenge_free (&ch);
  free (*authz);
  *authz = NULL;
  return reg_client_authorization (c, r->repo, r->push, true, authz, err) < 0 ? -1 : 1;
}

int
reg_client_do (struct reg_client *c, const struct reg_request *r, bool (*ok_status) (long status),
               struct reg_response *resp, nook_error_t *err)
{
  _cleanup_free_ char *authz = NULL;
  struct exchange x = { 0 };
  bool reauthed = false;
  int ret = -1;

  memset (resp, 0, sizeof (*resp));
  if (c->base == NULL && reg_client_ping (c, err) < 0)
    return -1;
  if (reg_client_authorization (c, r->repo, r->push, false, &authz, err) < 0)
    return nook_error_prefix (err, "%s", r->what);
  for (int attempt = 1; attempt <= REG_TRIES; attempt++)
    {
      int a;
      if (perform (c, r, authz, &x, err) < 0)
        goto out;
      if (x.code == CURLE_OK && x.hdrs.status == 401 && !reauthed)
        {
          reauthed = true;
          a = reauth (c, r, &x, &authz, err);
          if (a < 0)
            {
              nook_error_prefix (err, "%s", r->what);
              goto out;
            }
          if (a > 0)
            {
              attempt--;
              continue;
            }
        }
      if (!reg_transient (x.code, x.hdrs.status) || attempt == REG_TRIES)
        break;
      nook_debug ("%s: try %d failed (%s, status %ld)", r->what, attempt, x.errbuf, x.hdrs.status);
      reg_backoff (attempt);
    }
  if (x.code != CURLE_OK || !(ok_status ? ok_status : status_2xx) (x.hdrs.status))
    {
      reg_transfer_error (x.code, x.errbuf, x.hdrs.status, x.sink.body.data, x.sink.body.len,
                          r->what, err);
      nook_error_set_errno (err, x.code == CURLE_OK && x.hdrs.status == 404 ? ENOENT : 0);
      goto out;
    }
  resp->status = x.hdrs.status;
  resp->body_len = x.sink.body.len;
  resp->body = nook_buf_steal (&x.sink.body);
  resp->content_type = steal_pointer (&x.hdrs.content_type);
  resp->docker_digest = steal_pointer (&x.hdrs.docker_digest);
  resp->location = steal_pointer (&x.hdrs.location);
  resp->link = steal_pointer (&x.hdrs.link);
  ret = 0;
out:
  exchange_free (&x);
  return ret;
}

int
reg_client_check_login (struct reg_client *c, nook_error_t *err)
{
  struct reg_request r = { .method = "GET", .path = "/v2/", .max = REG_ERRBODY_MAX, .body_fd = -1 };
  struct reg_response resp;
  _cleanup_free_ char *what = xasprintf ("logging in to %s", c->ep.name);
  _cleanup_free_ char *authz = NULL;

  if (reg_client_ping (c, err) < 0)
    return -1;
  r.what = what;
  switch (c->scheme)
    {
    case AUTH_BEARER:
      if (reg_client_authorization (c, NULL, false, true, &authz, err) < 0)
        return -1;
      return 0;
    case AUTH_BASIC:
      if (reg_client_do (c, &r, NULL, &resp, err) < 0)
        {
          if (strstr ((*err)->msg, "authentication required")
              || strstr ((*err)->msg, "unauthorized"))
            {
              nook_error_free (err);
              return nook_error (err, 0, "%s: invalid username/password", what);
            }
          return -1;
        }
      reg_response_free (&resp);
      return 0;
    default:
      return 0;
    }
}
