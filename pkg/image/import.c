/* Import: a rootfs tarball staged as the one layer of a new image, its
   config built from --change instructions as Podman builds it.  */
#include "image/internal.h"

#include <archive.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_COMMENT "imported from tarball"
#define TAR_BLOCK       512

/* ---- import: --change, as Podman's ImageConfigFromChanges reads it ---- */

struct changes
{
  char *user;
  char **ports;
  char **env;
  char **entrypoint; /* an empty vector is written as nothing, as Go's omitempty */
  char **cmd;
  char **volumes;
  char *workdir;
  char **labels; /* "key\0value" pairs, flattened: key, value, key, ... */
  char *stop_signal;
};

static void
changes_free (struct changes *c)
{
  free (c->user);
  strv_free (c->ports);
  strv_free (c->env);
  strv_free (c->entrypoint);
  strv_free (c->cmd);
  strv_free (c->volumes);
  free (c->workdir);
  strv_free (c->labels);
  free (c->stop_signal);
  memset (c, 0, sizeof (*c));
}

static void
upcase (char *s)
{
  for (; *s; s++)
    if (*s >= 'a' && *s <= 'z')
      *s = (char)(*s - 'a' + 'A');
}

static char *
trim (const char *s, size_t len)
{
  while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v'))
    s++, len--;
  while (len > 0
         && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'
             || s[len - 1] == '\v'))
    len--;
  return xstrndup (s, len);
}

/* V as a JSON array of strings; NULL when it is not one.  JSON null is
   an empty list, as Go decodes it into a []string.  */
static char **
json_string_array (const char *v)
{
  _cleanup_json_ nook_json *j = NULL;
  nook_error_t err = NULL;
  char **out;

  if (json_parse (v, strlen (v), &j, &err) < 0)
    {
      nook_error_free (&err);
      return NULL;
    }
  if (json_is_null (j))
    return xzalloc (sizeof (char *));
  if (!json_is_array (j))
    return NULL;
  out = xzalloc (sizeof (char *));
  for (size_t i = 0; i < json_len (j); i++)
    {
      const char *s = json_str (json_at (j, i));
      if (s == NULL)
        {
          strv_free (out);
          return NULL;
        }
      strv_push (&out, xstrdup (s));
    }
  return out;
}

/* "\"x\"" -> "x", as Podman strips one pair of quotes.  */
static char *
unquote (const char *s, size_t len)
{
  if (len >= 2 && s[0] == '"' && s[len - 1] == '"')
    return xstrndup (s + 1, len - 2);
  if (len == 1 && s[0] == '"')
    return xstrdup ("");
  return xstrndup (s, len);
}

/* Go's filepath.Join (A, B): joined, then cleaned lexically.  */
static char *
go_path_join (const char *a, const char *b)
{
  _cleanup_free_ char *joined = a && *a ? xasprintf ("%s/%s", a, b) : xstrdup (b);
  _cleanup_strv_ char **comps = xzalloc (sizeof (char *));
  bool rooted = joined[0] == '/';
  struct nook_buf out = { 0 };
  size_t n = 0;

  for (char *save = NULL, *c = strtok_r (joined, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      if (strcmp (c, ".") == 0)
        continue;
      if (strcmp (c, "..") == 0 && n > 0 && strcmp (comps[n - 1], "..") != 0)
        {
          free (comps[--n]);
          comps[n] = NULL;
          continue;
        }
      if (strcmp (c, "..") == 0 && rooted)
        continue;
      strv_push (&comps, xstrdup (c));
      n++;
    }
  if (rooted)
    nook_buf_putc (&out, '/');
  for (size_t i = 0; i < n; i++)
    nook_buf_printf (&out, "%s%s", i ? "/" : "", comps[i]);
  if (out.len == 0)
    nook_buf_putc (&out, '.');
  return nook_buf_steal (&out);
}

static int
change_expose (struct changes *c, const char *change, const char *v, nook_error_t *err)
{
  _cleanup_free_ char *num = NULL;
  const char *slash = strchr (v, '/'), *proto = "tcp";
  int64_t port;

  if (slash && strchr (slash + 1, '/'))
    return nook_error (
        err, 0, "invalid change \"%s\" - EXPOSE port must be formatted as PORT[/PROTO]", change);
  num = slash ? xstrndup (v, (size_t)(slash - v)) : xstrdup (v);
  if (!str_to_int64 (num, &port))
    return nook_error (err, 0,
                       "invalid change \"%s\" - EXPOSE port must be an integer: strconv.Atoi: "
                       "parsing \"%s\": invalid syntax",
                       change, num);
  if (port > 65535 || port <= 0)
    return nook_error (err, 0, "invalid change \"%s\" - EXPOSE port must be a valid port number",
                       change);
  if (slash)
    {
      if (strcasecmp (slash + 1, "tcp") == 0)
        proto = "tcp";
      else if (strcasecmp (slash + 1, "udp") == 0)
        proto = "udp";
      else
        return nook_error (err, 0, "invalid change \"%s\" - EXPOSE protocol must be TCP or UDP",
                           change);
    }
  strv_push (&c->ports, xasprintf ("%lld/%s", (long long)port, proto));
  return 0;
}

/* ENV KEY=VALUE as Podman reads it (one split at the first '='); ENV
   KEY VALUE, which Podman would take as a key with a blank, as Docker
   reads it.  */
static int
change_env (struct changes *c, const char *change, const char *v, nook_error_t *err)
{
  const char *eq = strchr (v, '='), *blank = strpbrk (v, " \t");
  _cleanup_free_ char *key = NULL, *val = NULL;

  if (eq == NULL && blank)
    {
      key = xstrndup (v, (size_t)(blank - v));
      val = trim (blank, strlen (blank));
    }
  else
    {
      key = unquote (v, eq ? (size_t)(eq - v) : strlen (v));
      val = eq ? unquote (eq + 1, strlen (eq + 1)) : xstrdup ("");
    }
  if (v[0] == '\0' || v[0] == '=')
    return nook_error (err, 0, "invalid change \"%s\" - ENV must have at least one argument",
                       change);
  strv_push (&c->env, xasprintf ("%s=%s", key, val));
  return 0;
}

static int
change_label (struct changes *c, const char *change, const char *v, nook_error_t *err)
{
  const char *eq = strchr (v, '=');
  char *key, *val;

  if (eq == NULL)
    return nook_error (err, 0, "invalid change \"%s\" - LABEL must be formatted key=value", change);
  key = unquote (v, (size_t)(eq - v));
  val = unquote (eq + 1, strlen (eq + 1));
  if (key[0] == '\0')
    {
      free (key);
      free (val);
      return nook_error (err, 0, "invalid change \"%s\" - LABEL must have a non-empty key", change);
    }
  strv_push (&c->labels, key);
  strv_push (&c->labels, val);
  return 0;
}

static int
change_volume (struct changes *c, const char *change, const char *v, nook_error_t *err)
{
  _cleanup_strv_ char **vols = json_string_array (v);

  if (vols == NULL)
    {
      _cleanup_free_ char *copy = xstrdup (v);
      char *p = copy, *sp;
      vols = xzalloc (sizeof (char *));
      /* strings.Split on " ": two blanks make an empty path.  */
      while ((sp = strchr (p, ' ')) != NULL)
        {
          strv_push (&vols, xstrndup (p, (size_t)(sp - p)));
          p = sp + 1;
        }
      strv_push (&vols, xstrdup (p));
    }
  if (vols[0] == NULL)
    return nook_error (
        err, 0, "invalid change \"%s\" - must provide at least one argument to VOLUME", change);
  for (size_t i = 0; vols[i]; i++)
    {
      if (vols[i][0] == '\0')
        return nook_error (err, 0, "invalid change \"%s\" - VOLUME paths must not be empty",
                           change);
      strv_push (&c->volumes, xstrdup (vols[i]));
    }
  return 0;
}

/* CMD and ENTRYPOINT: a JSON array, or a shell command.  */
static char **
exec_form (const char *v, bool is_cmd)
{
  char **argv = json_string_array (v);

  if (argv)
    return argv;
  argv = xzalloc (sizeof (char *));
  if (is_cmd || v[0])
    {
      strv_push (&argv, xstrdup ("/bin/sh"));
      strv_push (&argv, xstrdup ("-c"));
    }
  if (v[0])
    strv_push (&argv, xstrdup (v));
  return argv;
}

static int
change_apply (struct changes *c, const char *change, nook_error_t *err)
{
  const char *sp = strchr (change, ' ');
  _cleanup_free_ char *key = NULL, *v = NULL;
  int sig;

  if (sp == NULL)
    sp = strchr (change, '=');
  if (sp == NULL)
    return nook_error (err, 0, "invalid change \"%s\" - must be formatted as KEY VALUE", change);
  key = trim (change, (size_t)(sp - change));
  v = trim (sp + 1, strlen (sp + 1));
  upcase (key);
  if (strcmp (key, "USER") == 0)
    {
      if (v[0] == '\0')
        return nook_error (err, 0, "invalid change \"%s\" - must provide a value to USER", change);
      free (c->user);
      c->user = steal_pointer (&v);
    }
  else if (strcmp (key, "EXPOSE") == 0)
    return change_expose (c, change, v, err);
  else if (strcmp (key, "ENV") == 0)
    return change_env (c, change, v, err);
  else if (strcmp (key, "ENTRYPOINT") == 0 || strcmp (key, "CMD") == 0)
    {
      char ***dest = key[0] == 'C' ? &c->cmd : &c->entrypoint;
      strv_free (*dest);
      *dest = exec_form (v, key[0] == 'C');
    }
  else if (strcmp (key, "VOLUME") == 0)
    return change_volume (c, change, v, err);
  else if (strcmp (key, "WORKDIR") == 0)
    {
      char *w;
      if (v[0] == '\0')
        return nook_error (err, 0, "invalid change \"%s\" - must provide a non-empty WORKDIR",
                           change);
      w = go_path_join (c->workdir, v);
      free (c->workdir);
      c->workdir = w;
    }
  else if (strcmp (key, "LABEL") == 0)
    return change_label (c, change, v, err);
  else if (strcmp (key, "STOPSIGNAL") == 0)
    {
      if (nook_signal_parse (v, &sig) < 0)
        return nook_error (err, 0,
                           "invalid change \"%s\" - KILLSIGNAL must be given a valid signal: "
                           "invalid signal: %s",
                           change, v);
      free (c->stop_signal);
      c->stop_signal = xasprintf ("%d", sig);
    }
  else if (strcmp (key, "ONBUILD") == 0)
    {
      /* Not part of an OCI config: Podman's import drops it too.  */
      if (v[0] == '\0')
        return nook_error (err, 0, "invalid change \"%s\" - ONBUILD must be given an argument",
                           change);
    }
  else
    return nook_error (err, 0, "invalid change \"%s\" - invalid instruction %s", change, key);
  return 0;
}

static int
changes_parse (char *const *changes, struct changes *c, nook_error_t *err)
{
  memset (c, 0, sizeof (*c));
  for (size_t i = 0; changes && changes[i]; i++)
    if (change_apply (c, changes[i], err) < 0)
      {
        changes_free (c);
        return -1;
      }
  return 0;
}

int
image_import_check_changes (char *const *changes, nook_error_t *err)
{
  struct changes c;

  if (changes_parse (changes, &c, err) < 0)
    return -1;
  changes_free (&c);
  return 0;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* Sorted, without repeats: Go's map[string]struct{} keys.  */
static void
gen_set (struct json_gen *g, const char *key, char **v)
{
  size_t n = strv_len (v);

  if (n == 0)
    return;
  qsort (v, n, sizeof (char *), cmp_str);
  json_gen_key (g, key);
  json_gen_object_open (g);
  for (size_t i = 0; i < n; i++)
    if (i == 0 || strcmp (v[i], v[i - 1]) != 0)
      {
        json_gen_key (g, v[i]);
        json_gen_object_open (g);
        json_gen_object_close (g);
      }
  json_gen_object_close (g);
}

/* Labels: keys sorted, the last value of a key wins.  */
static void
gen_labels (struct json_gen *g, char **kv)
{
  size_t n = strv_len (kv) / 2;
  _cleanup_free_ size_t *order = xmalloc ((n + 1) * sizeof (size_t));

  if (n == 0)
    return;
  for (size_t i = 0; i < n; i++)
    order[i] = i;
  for (size_t i = 1; i < n; i++) /* stable: equal keys keep their order */
    for (size_t j = i; j > 0 && strcmp (kv[2 * order[j - 1]], kv[2 * order[j]]) > 0; j--)
      {
        size_t x = order[j - 1];
        order[j - 1] = order[j];
        order[j] = x;
      }
  json_gen_key (g, "Labels");
  json_gen_object_open (g);
  for (size_t i = 0; i < n; i++)
    if (i + 1 == n || strcmp (kv[2 * order[i]], kv[2 * order[i + 1]]) != 0)
      json_gen_kv_string (g, kv[2 * order[i]], kv[2 * order[i] + 1]);
  json_gen_object_close (g);
}

/* The "config" member, Go's ImageConfig order, empty fields left out.  */
static void
gen_image_config (struct json_gen *g, struct changes *c)
{
  json_gen_key (g, "config");
  json_gen_object_open (g);
  if (c->user)
    json_gen_kv_string (g, "User", c->user);
  gen_set (g, "ExposedPorts", c->ports);
  if (strv_len (c->env))
    json_gen_kv_strv (g, "Env", c->env);
  if (strv_len (c->entrypoint))
    json_gen_kv_strv (g, "Entrypoint", c->entrypoint);
  if (strv_len (c->cmd))
    json_gen_kv_strv (g, "Cmd", c->cmd);
  gen_set (g, "Volumes", c->volumes);
  if (c->workdir)
    json_gen_kv_string (g, "WorkingDir", c->workdir);
  gen_labels (g, c->labels);
  if (c->stop_signal)
    json_gen_kv_string (g, "StopSignal", c->stop_signal);
  json_gen_object_close (g);
}

/* ---- import: the tarball staged, measured and described ---- */

struct staged_layer
{
  char blob_hex[65];
  int64_t blob_size;
  char diff_hex[65];
  int filter;
  int64_t created_ns; /* the file's mtime, or now for stdin (as Podman) */
};

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* "file:///x" -> "/x" (%XX decoded); other URLs are refused; anything
   else is a path.  As Go's ParseRequestURI: a URL is SCHEME:/...  */
static int
import_path (const char *path, char **out, nook_error_t *err)
{
  const char *p = path, *rest;
  struct nook_buf b = { 0 };

  if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
           || *p == '+' || *p == '-' || *p == '.')
      p++;
  if (p == path || p[0] != ':' || p[1] != '/')
    {
      *out = xstrdup (path);
      return 0;
    }
  if ((size_t)(p - path) != 4 || strncasecmp (path, "file", 4) != 0)
    return nook_error (err, 0,
                       "importing from `%s`: nook does not download; fetch the file first and "
                       "import it from disk",
                       path);
  rest = p + 1;
  if (str_has_prefix (rest, "//"))
    {
      rest += 2;
      if (str_has_prefix (rest, "localhost/"))
        rest += 9;
      else if (*rest != '/')
        return nook_error (err, 0, "`%s`: a file URL names no remote host", path);
    }
  for (; *rest; rest++)
    {
      int hi = rest[0] == '%' ? hex_value (rest[1]) : -1;
      int lo = hi >= 0 ? hex_value (rest[2]) : -1;
      if (lo >= 0)
        {
          nook_buf_putc (&b, (char)(hi << 4 | lo));
          rest += 2;
        }
      else
        nook_buf_putc (&b, *rest);
    }
  *out = nook_buf_steal (&b);
  return 0;
}

/* Copy IN to FD, its size and sha256 into L.  */
static int
copy_hashing (int in, int fd, struct staged_layer *l, nook_error_t *err)
{
  _cleanup_free_ char *buf = xmalloc (COPY_BUF);
  _cleanup_sha256_ struct nook_sha256 sha = { 0 };
  ssize_t n;

  if (nook_sha256_init (&sha, err) < 0)
    return -1;
  l->blob_size = 0;
  while ((n = read (in, buf, COPY_BUF)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return nook_error (err, errno, "read the tarball");
      if (nook_write_all (fd, buf, (size_t)n) < 0)
        return nook_error (err, errno, "stage the tarball");
      nook_sha256_update (&sha, buf, (size_t)n);
      l->blob_size += n;
    }
  nook_sha256_final (&sha, l->blob_hex);
  return 0;
}

/* Copy IN into WORKDIR/<its sha256>.  */
static int
stage_copy (int in, int workdir, struct staged_layer *l, nook_error_t *err)
{
  _cleanup_close_ int fd = -1;
  char part[40], rnd[17];
  int r;

  if (nook_random_hex (rnd, 8, err) < 0)
    return -1;
  snprintf (part, sizeof (part), ".part-%s", rnd);
  fd = openat (workdir, part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return nook_error (err, errno, "stage the tarball");
  r = copy_hashing (in, fd, l, err);
  if (r == 0 && renameat (workdir, part, workdir, l->blob_hex) < 0)
    r = nook_error (err, errno, "stage the tarball");
  if (r < 0)
    unlinkat (workdir, part, 0);
  return r;
}

/* The first block of the uncompressed stream, to tell a tar.  */
struct first_block
{
  unsigned char b[TAR_BLOCK];
  size_t len;
};

static int
first_block_sink (void *data, const void *buf, size_t len, nook_error_t *err)
{
  struct first_block *f = data;
  size_t take = len < TAR_BLOCK - f->len ? len : TAR_BLOCK - f->len;

  memcpy (f->b + f->len, buf, take);
  f->len += take;
  return 0;
}

/* A tar starts with a header whose checksum holds (v7 tars have no
   magic), or with the zero block of an empty archive.  */
static bool
looks_like_tar (const struct first_block *f)
{
  uint64_t sum = 0, want = 0;
  bool zero = true;
  size_t i;

  if (f->len < TAR_BLOCK)
    return false;
  for (i = 0; i < TAR_BLOCK; i++)
    {
      zero = zero && f->b[i] == 0;
      sum += i >= 148 && i < 156 ? ' ' : f->b[i];
    }
  if (zero)
    return true;
  for (i = 148; i < 156 && f->b[i] == ' '; i++)
    ;
  if (i == 156 || f->b[i] < '0' || f->b[i] > '7')
    return false;
  for (; i < 156 && f->b[i] >= '0' && f->b[i] <= '7'; i++)
    want = want * 8 + (uint64_t)(f->b[i] - '0');
  return want == sum;
}

static int
stage_tarball (const char *path, int workdir, struct staged_layer *l, nook_error_t *err)
{
  _cleanup_free_ char *local = NULL;
  _cleanup_close_ int in = -1, blob = -1;
  struct first_block first = { .len = 0 };
  struct stat st;
  int64_t size;

  if (strcmp (path, "-") == 0)
    in = fcntl (STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
  else if (import_path (path, &local, err) < 0)
    return -1;
  else
    in = open (local, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return nook_error (err, errno, "open `%s`", path);
  if (fstat (in, &st) < 0)
    return nook_error (err, errno, "stat `%s`", path);
  if (S_ISDIR (st.st_mode))
    return nook_error (err, EISDIR, "`%s`", path);
  l->created_ns = local && S_ISREG (st.st_mode)
                      ? (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec
                      : nook_now_ns ();
  if (stage_copy (in, workdir, l, err) < 0)
    return -1;
  blob = openat (workdir, l->blob_hex, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (blob < 0)
    return nook_error (err, errno, "open the staged tarball");
  if (image_blob_unpack (blob, first_block_sink, &first, &size, l->diff_hex, &l->filter, err) < 0
      || !looks_like_tar (&first))
    {
      nook_error_free (err);
      return nook_error (err, 0, "`%s` is not a tar archive (plain, gzip or zstd)", path);
    }
  return 0;
}

static const char *
layer_media_type (int filter)
{
  switch (filter)
    {
    case ARCHIVE_FILTER_GZIP:
      return "application/vnd.oci.image.layer.v1.tar+gzip";
    case ARCHIVE_FILTER_ZSTD:
      return "application/vnd.oci.image.layer.v1.tar+zstd";
    default:
      return "application/vnd.oci.image.layer.v1.tar";
    }
}

/* The config, with Podman's members in Podman's order.  */
static char *
import_config (const struct image_import_opts *o, struct changes *c, const struct staged_layer *l,
               size_t *len)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);
  _cleanup_free_ char *created = nook_time_format (l->created_ns);
  _cleanup_free_ char *diff_id = xasprintf ("sha256:%s", l->diff_hex);
  _cleanup_free_ char *created_by = xasprintf ("/bin/sh -c #(nop) ADD file:%s in /", l->diff_hex);
  char *const diff_ids[] = { diff_id, NULL };
  struct image_platform host;
  const char *text;

  image_host_platform (&host);
  json_gen_object_open (g);
  json_gen_kv_string (g, "created", created);
  json_gen_kv_string (g, "architecture", o->arch ? o->arch : host.arch);
  if (o->variant)
    json_gen_kv_string (g, "variant", o->variant);
  json_gen_kv_string (g, "os", o->os ? o->os : host.os);
  gen_image_config (g, c);
  json_gen_key (g, "rootfs");
  json_gen_object_open (g);
  json_gen_kv_string (g, "type", "layers");
  json_gen_kv_strv (g, "diff_ids", diff_ids);
  json_gen_object_close (g);
  json_gen_key (g, "history");
  json_gen_array_open (g);
  json_gen_object_open (g);
  json_gen_kv_string (g, "created", created);
  json_gen_kv_string (g, "created_by", created_by);
  json_gen_kv_string (g, "comment", o->message && *o->message ? o->message : DEFAULT_COMMENT);
  json_gen_object_close (g);
  json_gen_array_close (g);
  json_gen_object_close (g);
  text = json_gen_text (g, len);
  return xstrndup (text, *len);
}

int
image_source_tarball (const char *path, const struct image_import_opts *o, int workdir,
                      struct image_source *src, char id[65], nook_error_t *err)
{
  _cleanup_json_gen_ struct json_gen *g = json_gen_new (false);
  _cleanup_free_ char *config = NULL;
  struct staged_layer l = { .filter = 0 };
  struct image_source_image *img;
  struct changes c;
  const char *text;
  size_t clen, mlen;
  char mhex[65];
  int r;

  memset (src, 0, sizeof (*src));
  src->dirfd = -1;
  if (nook_lazy_load (&nook_lib_archive, err) < 0 || changes_parse (o->changes, &c, err) < 0)
    return -1;
  r = stage_tarball (path, workdir, &l, err);
  if (r == 0)
    config = import_config (o, &c, &l, &clen);
  changes_free (&c);
  if (r < 0 || nook_sha256_hex (config, clen, id, err) < 0
      || nook_write_file_volatile (workdir, id, config, clen, 0600, err) < 0)
    return -1;
  json_gen_object_open (g);
  json_gen_kv_int (g, "schemaVersion", 2);
  json_gen_key (g, "config");
  image_gen_descriptor (g, "application/vnd.oci.image.config.v1+json", id, (int64_t)clen, NULL);
  json_gen_key (g, "layers");
  json_gen_array_open (g);
  image_gen_descriptor (g, layer_media_type (l.filter), l.blob_hex, l.blob_size, NULL);
  json_gen_array_close (g);
  json_gen_object_close (g);
  text = json_gen_text (g, &mlen);
  if (nook_sha256_hex (text, mlen, mhex, err) < 0)
    return -1;
  src->dirfd = fcntl (workdir, F_DUPFD_CLOEXEC, 3);
  if (src->dirfd < 0)
    return nook_error (err, errno, "dup");
  src->images = img = xzalloc (sizeof (*img));
  src->n = 1;
  img->manifest = xstrndup (text, mlen);
  img->manifest_len = mlen;
  snprintf (img->digest, sizeof (img->digest), "sha256:%s", mhex);
  img->names = xzalloc (sizeof (char *));
  if (o->name)
    strv_push (&img->names, xstrdup (o->name));
  return 0;
}
