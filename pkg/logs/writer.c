/* Writing a k8s-file log: one record per line, rotated by renaming.  */
#include "logs/logs.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

/* Lines per writev: a header and a message each.  */
#define BATCH_LINES (IOV_MAX / 2)
#define HEADER_MAX  64

int
log_writer_open (struct log_writer *w, const char *path, uint64_t max_size, unsigned max_files,
                 nook_error_t *err)
{
  struct stat st;

  memset (w, 0, sizeof (*w));
  w->fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (w->fd < 0)
    return nook_error (err, errno, "open the log `%s`", path);
  if (fstat (w->fd, &st) == 0)
    w->size = (uint64_t)st.st_size;
  w->path = xstrdup (path);
  w->max_size = max_size;
  w->max_files = max_files < 1 ? 1 : max_files;
  w->stamp_sec = INT64_MIN;
  return 0;
}

void
log_writer_close (struct log_writer *w)
{
  nook_closep (&w->fd);
  free (w->path);
  w->path = NULL;
}

/* "2026-11-22T13:40:00.123456789+00:00 stdout F " into BUF.  */
static size_t
header (struct log_writer *w, int64_t ns, enum log_stream stream, bool partial,
        char buf[HEADER_MAX])
{
  int64_t sec = ns / 1000000000LL;

  if (sec != w->stamp_sec)
    {
      time_t t = (time_t)sec;
      struct tm tm;
      long off;
      localtime_r (&t, &tm);
      strftime (w->stamp_date, sizeof (w->stamp_date), "%Y-%m-%dT%H:%M:%S", &tm);
      off = tm.tm_gmtoff;
      snprintf (w->stamp_zone, sizeof (w->stamp_zone), "%c%02d:%02d", off < 0 ? '-' : '+',
                (int)(labs (off) / 3600 % 100), (int)(labs (off) % 3600 / 60));
      w->stamp_sec = sec;
    }
  return (size_t)snprintf (buf, HEADER_MAX, "%s.%09lld%s %s %c ", w->stamp_date,
                           (long long)(ns % 1000000000LL), w->stamp_zone,
                           stream == LOG_STDERR ? "stderr" : "stdout", partial ? 'P' : 'F');
}

static int
writev_all (int fd, struct iovec *iov, int n, nook_error_t *err)
{
  while (n > 0)
    {
      ssize_t r = writev (fd, iov, n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return nook_error (err, errno, "write the log");
      while (n > 0 && (size_t)r >= iov->iov_len)
        {
          r -= (ssize_t)iov->iov_len;
          iov++;
          n--;
        }
      if (n > 0)
        {
          iov->iov_base = (char *)iov->iov_base + r;
          iov->iov_len -= (size_t)r;
        }
    }
  return 0;
}

/* PATH.N from PATH: N = 0 is PATH itself.  */
static char *
rotated_name (const char *path, unsigned n)
{
  return n == 0 ? xstrdup (path) : xasprintf ("%s.%u", path, n);
}

/* PATH.(N-1) -> PATH.N ... PATH -> PATH.1, the oldest dropped; a reader
   holding a file reads it to its end.  */
static int
rotate (struct log_writer *w, nook_error_t *err)
{
  nook_closep (&w->fd);
  if (w->max_files == 1)
    unlink (w->path);
  for (unsigned n = w->max_files - 1; n > 0; n--)
    {
      _cleanup_free_ char *from = rotated_name (w->path, n - 1);
      _cleanup_free_ char *to = rotated_name (w->path, n);
      if (rename (from, to) < 0 && errno != ENOENT)
        return nook_error (err, errno, "rotate the log `%s`", from);
    }
  w->fd = open (w->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (w->fd < 0)
    return nook_error (err, errno, "open the log `%s`", w->path);
  w->size = 0;
  return 0;
}

int
log_writer_write (struct log_writer *w, enum log_stream stream, const char *data, size_t len,
                  int64_t now_ns, nook_error_t *err)
{
  char headers[BATCH_LINES][HEADER_MAX];
  struct iovec iov[2 * BATCH_LINES + 1];
  static const char newline = '\n';
  const char *p = data, *end = data + len;

  while (p < end)
    {
      int n = 0, lines = 0;
      uint64_t bytes = 0;
      bool full = false;
      while (p < end && lines < BATCH_LINES)
        {
          const char *nl = memchr (p, '\n', (size_t)(end - p));
          bool partial = nl == NULL;
          size_t msg = partial ? (size_t)(end - p) : (size_t)(nl - p) + 1;
          size_t h = header (w, now_ns, stream, partial, headers[lines]);
          uint64_t rec = h + msg + partial;
          /* A file holds at most max-size bytes, unless one record alone
             is bigger.  */
          full = w->max_size && w->size + bytes > 0 && w->size + bytes + rec > w->max_size;
          if (full)
            break;
          iov[n++] = (struct iovec){ headers[lines], h };
          iov[n++] = (struct iovec){ (void *)p, msg };
          /* A P record ends its line in the file too.  */
          if (partial)
            iov[n++] = (struct iovec){ (void *)&newline, 1 };
          bytes += rec;
          p += msg;
          lines++;
        }
      if (n > 0 && writev_all (w->fd, iov, n, err) < 0)
        return -1;
      w->size += bytes;
      if ((full || (w->max_size && w->size >= w->max_size)) && rotate (w, err) < 0)
        return -1;
    }
  return 0;
}

char **
log_files (const char *path)
{
  char **files = strv_dup (NULL);
  unsigned n = 1;
  struct stat st;

  /* The rotated ones go PATH.1, PATH.2, ... with no gap.  */
  for (;; n++)
    {
      _cleanup_free_ char *f = rotated_name (path, n);
      if (stat (f, &st) < 0)
        break;
    }
  while (--n > 0)
    strv_push (&files, rotated_name (path, n));
  strv_push (&files, xstrdup (path));
  return files;
}
