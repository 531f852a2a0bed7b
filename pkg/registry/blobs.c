/* Blob downloads: a curl multi handle runs a few transfers at once, on
   the caller's thread or on one thread of its own while the caller
   extracts the layers already verified (reg_fetch_start).  Each blob is written to .part-HEX in its work dir
   while sha256 runs over the same bytes; more bytes than the descriptor
   says stop the transfer at once, and only a blob of the right size and
   digest is renamed to HEX.  A transient failure (a reset connection, a
   registry that stops mid-blob, 429, 5xx) starts that blob again, a few
   times; a 401 fetches a new token once.  */
#include "registry/internal.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>

#define PARALLEL 6

struct xfer
{
  const struct reg_download *dl;
  struct fetch *f;
  CURL *easy;
  struct curl_slist *headers;
  struct reg_headers hdrs;
  char errbuf[CURL_ERROR_SIZE];
  struct nook_sha256 sha;
  bool sha_ready;
  int fd;
  char part[80];
  const char *hex;
  int64_t got;
  bool too_big, write_failed;
  int write_errno;
  struct nook_buf errbody;
  int attempt;
  bool reauthed;
};

struct fetch
{
  struct reg_client *c;
  const char *repo;
  struct reg_progress *p;
  CURLM *multi;
  char *authz;
  struct reg_fetch *shared; /* NULL: run synchronously */
};

/* What the download thread and the caller share (reg_fetch_start).  */
struct reg_fetch
{
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool *done;    /* per download: verified and renamed */
  bool finished; /* the thread has ended */
  bool cancel;   /* the caller wants it to stop */
  char *error;   /* the thread's error message, if it failed */
  int error_errno;
  pthread_t thread;
  struct fetch f;
  const struct reg_download *dl;
  size_t n;
};

static void
shared_mark_done (struct reg_fetch *s, size_t i)
{
  if (s == NULL)
    return;
  pthread_mutex_lock (&s->lock);
  s->done[i] = true;
  pthread_cond_broadcast (&s->cond);
  pthread_mutex_unlock (&s->lock);
}

static bool
shared_cancelled (struct reg_fetch *s)
{
  bool c;

  if (s == NULL)
    return false;
  pthread_mutex_lock (&s->lock);
  c = s->cancel;
  pthread_mutex_unlock (&s->lock);
  return c;
}

static size_t
write_cb (char *buf, size_t size, size_t n, void *data)
{
  struct xfer *x = data;
  size_t len = size * n;
  long status = 0;

  curl_easy_getinfo (x->easy, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300)
    {
      if (x->errbody.len < REG_ERRBODY_MAX)
        nook_buf_append (&x->errbody, buf, len);
      return len;
    }
  if (x->got + (int64_t)len > x->dl->d->size)
    {
      x->too_big = true;
      return 0;
    }
  if (nook_write_all (x->fd, buf, len) < 0)
    {
      x->write_failed = true;
      x->write_errno = errno;
      return 0;
    }
  nook_sha256_update (&x->sha, buf, len);
  x->got += (int64_t)len;
  reg_progress_update (x->f->p, x->dl->line, x->got);
  return len;
}

static void
xfer_reset (struct xfer *x)
{
  if (x->easy)
    {
      curl_multi_remove_handle (x->f->multi, x->easy);
      curl_easy_cleanup (x->easy);
      x->easy = NULL;
    }
  if (x->headers)
    curl_slist_free_all (x->headers);
  x->headers = NULL;
  reg_headers_reset (&x->hdrs);
  nook_buf_free (&x->errbody);
  if (x->sha_ready)
    nook_sha256_free (&x->sha);
  x->sha_ready = false;
  nook_closep (&x->fd);
}

/* Drop the transfer and its partial file.  */
static void
xfer_free (struct xfer *x)
{
  bool had_file = x->fd >= 0;

  xfer_reset (x);
  if (had_file)
    unlinkat (x->dl->dirfd, x->part, 0);
  free (x->hdrs.www_authenticate);
  x->hdrs.www_authenticate = NULL;
}

static int
xfer_start (struct xfer *x, nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("/v2/%s/blobs/%s", x->f->repo, x->dl->d->digest);
  _cleanup_free_ char *url = reg_client_url (x->f->c, path);
  _cleanup_free_ char *h = NULL;

  xfer_reset (x);
  x->got = 0;
  x->too_big = x->write_failed = false;
  x->fd
      = openat (x->dl->dirfd, x->part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (x->fd < 0)
    return nook_error (err, errno, "create `%s`", x->part);
  if (nook_sha256_init (&x->sha, err) < 0)
    return -1;
  x->sha_ready = true;
  x->easy = reg_easy_new (x->f->c, url, &x->hdrs, x->errbuf);
  if (x->easy == NULL)
    return nook_error (err, ENOMEM, "curl");
  if (x->f->authz)
    {
      h = xasprintf ("Authorization: %s", x->f->authz);
      x->headers = curl_slist_append (x->headers, h);
    }
  curl_easy_setopt (x->easy, CURLOPT_HTTPHEADER, x->headers);
  curl_easy_setopt (x->easy, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (x->easy, CURLOPT_WRITEDATA, x);
  curl_easy_setopt (x->easy, CURLOPT_PRIVATE, x);
  if (curl_multi_add_handle (x->f->multi, x->easy) != CURLM_OK)
    return nook_error (err, ENOMEM, "curl");
  return 0;
}

/* The transfer ended well: is it the blob?  */
static int
xfer_verify (struct xfer *x, nook_error_t *err)
{
  const struct image_descriptor *d = x->dl->d;
  char got[65];

  if (x->got != d->size)
    return nook_error (err, 0, "blob %s: got %lld bytes, its descriptor says %lld", d->digest,
                       (long long)x->got, (long long)d->size);
  nook_sha256_final (&x->sha, got);
  if (strcmp (got, x->hex) != 0)
    return nook_error (err, 0, "blob %s: the content's digest is sha256:%s: refused", d->digest,
                       got);
  if (renameat (x->dl->dirfd, x->part, x->dl->dirfd, x->hex) < 0)
    return nook_error (err, errno, "store blob %s", d->digest);
  nook_debug ("blob %s verified (%lld bytes)", d->digest, (long long)d->size);
  nook_closep (&x->fd);
  return 0;
}

/* Decide what a finished transfer means: 1 done, 0 started again, -1
   failed.  */
static int
xfer_finished (struct xfer *x, CURLcode code, nook_error_t *err)
{
  _cleanup_free_ char *what = xasprintf ("reading blob %s", x->dl->d->digest);
  long status = 0;

  curl_easy_getinfo (x->easy, CURLINFO_RESPONSE_CODE, &status);
  if (x->too_big)
    return nook_error (err, 0, "%s: the registry sent more than the %lld bytes its descriptor says",
                       what, (long long)x->dl->d->size);
  if (x->write_failed)
    return nook_error (err, x->write_errno, "write blob %s", x->dl->d->digest);
  if (code == CURLE_OK && status == 200)
    return xfer_verify (x, err) < 0 ? -1 : 1;
  if (code == CURLE_OK && status == 401 && !x->reauthed)
    {
      /* The token expired (or was never good for this): a new one, once.  */
      x->reauthed = true;
      free (x->f->authz);
      x->f->authz = NULL;
      if (reg_client_authorization (x->f->c, x->f->repo, false, true, &x->f->authz, err) < 0)
        return nook_error_prefix (err, "%s", what);
      return xfer_start (x, err) < 0 ? -1 : 0;
    }
  if (reg_transient (code, status) && x->attempt < REG_TRIES)
    {
      nook_debug ("%s: try %d failed (%s, status %ld)", what, x->attempt, x->errbuf, status);
      reg_backoff (x->attempt++);
      return xfer_start (x, err) < 0 ? -1 : 0;
    }
  return reg_transfer_error (code, x->errbuf, status, x->errbody.data, x->errbody.len, what, err);
}

static int
run_multi (struct fetch *f, struct xfer *xs, size_t n, nook_error_t *err)
{
  size_t next = 0, active = 0, done = 0;

  while (done < n)
    {
      CURLMsg *msg;
      int running, left;

      while (active < PARALLEL && next < n)
        {
          struct xfer *x = &xs[next++];
          x->attempt = 1;
          reg_progress_update (f->p, x->dl->line, 0);
          if (xfer_start (x, err) < 0)
            return -1;
          active++;
        }
      if (curl_multi_perform (f->multi, &running) != CURLM_OK)
        return nook_error (err, 0, "curl_multi_perform failed");
      while ((msg = curl_multi_info_read (f->multi, &left)))
        {
          struct xfer *x = NULL;
          int r;

          if (msg->msg != CURLMSG_DONE)
            continue;
          curl_easy_getinfo (msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
          r = xfer_finished (x, msg->data.result, err);
          if (r < 0)
            return -1;
          if (r > 0)
            {
              xfer_reset (x);
              reg_progress_done (f->p, x->dl->line);
              shared_mark_done (f->shared, (size_t)(x->dl - xs[0].dl));
              active--;
              done++;
            }
        }
      if (shared_cancelled (f->shared))
        return nook_error (err, ECANCELED, "download cancelled");
      reg_progress_tick (f->p, false);
      if (done < n && curl_multi_poll (f->multi, NULL, 0, 100, NULL) != CURLM_OK)
        return nook_error (err, 0, "curl_multi_poll failed");
    }
  return 0;
}

static int
fetch_run (struct fetch *f, const struct reg_download *dl, size_t n, nook_error_t *err)
{
  struct xfer *xs;
  int ret = -1;

  if (n == 0)
    return 0;
  if (reg_client_authorization (f->c, f->repo, false, false, &f->authz, err) < 0)
    return -1;
  f->multi = curl_multi_init ();
  if (f->multi == NULL)
    return nook_error (err, ENOMEM, "curl");
  xs = xzalloc (n * sizeof (*xs));
  for (size_t i = 0; i < n; i++)
    {
      xs[i].dl = &dl[i];
      xs[i].f = f;
      xs[i].fd = -1;
      if (nook_digest_hex (dl[i].d->digest, &xs[i].hex, err) < 0)
        goto out;
      snprintf (xs[i].part, sizeof (xs[i].part), ".part-%s", xs[i].hex);
    }
  ret = run_multi (f, xs, n, err);
out:
  for (size_t i = 0; i < n; i++)
    xfer_free (&xs[i]);
  free (xs);
  curl_multi_cleanup (f->multi);
  f->multi = NULL;
  return ret;
}

int
reg_fetch_blobs (struct reg_client *c, const char *repo, const struct reg_download *dl, size_t n,
                 struct reg_progress *p, nook_error_t *err)
{
  struct fetch f = { .c = c, .repo = repo, .p = p };
  int ret = fetch_run (&f, dl, n, err);

  free (f.authz);
  return ret;
}

static void *
fetch_thread (void *data)
{
  struct reg_fetch *s = data;
  nook_error_t err = NULL;
  int r = fetch_run (&s->f, s->dl, s->n, &err);

  pthread_mutex_lock (&s->lock);
  if (r < 0)
    {
      s->error = xstrdup (err ? err->msg : "download failed");
      s->error_errno = err ? err->errnum : 0;
    }
  s->finished = true;
  pthread_cond_broadcast (&s->cond);
  pthread_mutex_unlock (&s->lock);
  nook_error_free (&err);
  return NULL;
}

int
reg_fetch_start (struct reg_client *c, const char *repo, const struct reg_download *dl, size_t n,
                 struct reg_progress *p, struct reg_fetch **out, nook_error_t *err)
{
  struct reg_fetch *s = xzalloc (sizeof (*s));
  int r;

  pthread_mutex_init (&s->lock, NULL);
  pthread_cond_init (&s->cond, NULL);
  s->done = xzalloc ((n + 1) * sizeof (bool));
  s->f = (struct fetch){ .c = c, .repo = repo, .p = p, .shared = s };
  s->dl = dl;
  s->n = n;
  r = pthread_create (&s->thread, NULL, fetch_thread, s);
  if (r != 0)
    {
      free (s->done);
      free (s);
      return nook_error (err, r, "start the download thread");
    }
  *out = s;
  return 0;
}

int
reg_fetch_wait (struct reg_fetch *s, size_t i, nook_error_t *err)
{
  int ret = 0;

  pthread_mutex_lock (&s->lock);
  while (!s->done[i] && !s->finished)
    pthread_cond_wait (&s->cond, &s->lock);
  if (!s->done[i])
    ret = nook_error (err, s->error_errno, "%s", s->error ? s->error : "download stopped");
  pthread_mutex_unlock (&s->lock);
  return ret;
}

int
reg_fetch_finish (struct reg_fetch *s, bool cancel, nook_error_t *err)
{
  int ret = 0;

  if (s == NULL)
    return 0;
  pthread_mutex_lock (&s->lock);
  s->cancel = cancel;
  pthread_mutex_unlock (&s->lock);
  pthread_join (s->thread, NULL);
  if (s->error && !cancel)
    ret = nook_error (err, s->error_errno, "%s", s->error);
  free (s->error);
  free (s->done);
  free (s->f.authz);
  pthread_mutex_destroy (&s->lock);
  pthread_cond_destroy (&s->cond);
  free (s);
  return ret;
}

int
reg_fetch_small (struct reg_client *c, const char *repo, const struct image_descriptor *d,
                 size_t max, char **out, size_t *len, nook_error_t *err)
{
  _cleanup_free_ char *path = xasprintf ("/v2/%s/blobs/%s", repo, d->digest);
  _cleanup_free_ char *what = xasprintf ("reading blob %s", d->digest);
  struct reg_request r
      = { .method = "GET", .path = path, .repo = repo, .body_fd = -1, .what = what };
  struct reg_response resp;
  const char *hex;
  char got[65];

  if (nook_digest_hex (d->digest, &hex, err) < 0)
    return -1;
  if (d->size < 0 || (uint64_t)d->size > max)
    return nook_error (err, EFBIG, "%s: %lld bytes is more than the %zu allowed", what,
                       (long long)d->size, max);
  r.max = (size_t)d->size;
  if (reg_client_do (c, &r, NULL, &resp, err) < 0)
    return -1;
  if ((int64_t)resp.body_len != d->size)
    {
      reg_response_free (&resp);
      return nook_error (err, 0, "%s: got %zu bytes, its descriptor says %lld", what, resp.body_len,
                         (long long)d->size);
    }
  if (nook_sha256_hex (resp.body, resp.body_len, got, err) < 0)
    {
      reg_response_free (&resp);
      return -1;
    }
  if (strcmp (got, hex) != 0)
    {
      reg_response_free (&resp);
      return nook_error (err, 0, "%s: the content's digest is sha256:%s: refused", what, got);
    }
  *len = resp.body_len;
  *out = steal_pointer (&resp.body);
  reg_response_free (&resp);
  return 0;
}
