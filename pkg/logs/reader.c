/* Reading a k8s-file log for `nook logs`: the files oldest first, P
   records joined to the line they start, --since/--until/--tail/-t.  */
#include "logs/logs.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_FLUSH (256 << 10)

struct record
{
  const char *ts;
  size_t ts_len;
  enum log_stream stream;
  bool partial;
  const char *msg;
  size_t msg_len;
};

/* Output in order across two fds: the buffer holds one stream's bytes.  */
struct out
{
  int fd[3];
  enum log_stream stream;
  struct nook_buf buf;
};

static int
out_flush (struct out *o, nook_error_t *err)
{
  if (o->buf.len && nook_write_all (o->fd[o->stream], o->buf.data, o->buf.len) < 0)
    return nook_error (err, errno, "write the logs");
  o->buf.len = 0;
  return 0;
}

static int
out_switch (struct out *o, enum log_stream s, nook_error_t *err)
{
  if (s != o->stream && o->fd[s] != o->fd[o->stream] && out_flush (o, err) < 0)
    return -1;
  o->stream = s;
  return 0;
}

/* "TS STREAM TAG MSG" (the newline cut off).  */
static bool
parse_record (const char *line, size_t len, struct record *r)
{
  const char *end = line + len, *sp1, *sp2, *sp3;

  sp1 = memchr (line, ' ', len);
  if (sp1 == NULL)
    return false;
  sp2 = memchr (sp1 + 1, ' ', (size_t)(end - sp1 - 1));
  if (sp2 == NULL)
    return false;
  sp3 = memchr (sp2 + 1, ' ', (size_t)(end - sp2 - 1));
  r->ts = line;
  r->ts_len = (size_t)(sp1 - line);
  if (sp2 - sp1 - 1 != 6)
    return false;
  if (memcmp (sp1 + 1, "stderr", 6) == 0)
    r->stream = LOG_STDERR;
  else if (memcmp (sp1 + 1, "stdout", 6) == 0)
    r->stream = LOG_STDOUT;
  else
    return false;
  /* The tag: "P" for partial, "F" (or anything else) for full.  */
  r->partial = sp2[1] == 'P' && (sp2 + 2 == end || sp2[2] == ' ' || sp2[2] == ':');
  r->msg = sp3 ? sp3 + 1 : end;
  r->msg_len = (size_t)(end - r->msg);
  return true;
}

/* The record's time as Go's RFC3339Nano prints it: the fraction without
   its trailing zeros, "Z" for UTC.  */
static void
put_time (struct nook_buf *b, const char *ts, size_t len)
{
  size_t zone = len, keep;

  for (size_t i = 19; i < len; i++)
    if (ts[i] == 'Z' || ts[i] == '+' || ts[i] == '-')
      {
        zone = i;
        break;
      }
  keep = zone;
  if (len > 19 && ts[19] == '.')
    {
      while (keep > 20 && ts[keep - 1] == '0')
        keep--;
      if (keep == 20)
        keep = 19;
    }
  nook_buf_append (b, ts, keep);
  if (zone < len && (ts[zone] == 'Z' || (len - zone == 6 && memcmp (ts + zone, "+00:00", 6) == 0)))
    nook_buf_putc (b, 'Z');
  else
    nook_buf_append (b, ts + zone, len - zone);
  nook_buf_putc (b, ' ');
}

static bool
in_window (const struct log_read_opts *o, const struct record *r)
{
  int64_t ns;

  if (o->since == 0 && o->until == 0)
    return true;
  if (!nook_time_parse_n (r->ts, r->ts_len, &ns))
    return true;
  return (o->since == 0 || ns >= o->since) && (o->until == 0 || ns <= o->until);
}

/* One whole line: the pending P pieces, then R's message.  */
static int
emit (struct log_reader *rd, struct out *o, const struct record *r, bool newline, nook_error_t *err)
{
  const struct log_read_opts *opt = &rd->opts;
  enum log_stream s = rd->partial.len ? rd->partial_stream : r->stream;

  if (in_window (opt, r))
    {
      if (out_switch (o, s, err) < 0)
        return -1;
      if (opt->prefix)
        {
          nook_buf_puts (&o->buf, opt->prefix);
          nook_buf_putc (&o->buf, ' ');
        }
      if (opt->timestamps)
        put_time (&o->buf, r->ts, r->ts_len);
      nook_buf_append (&o->buf, rd->partial.data, rd->partial.len);
      nook_buf_append (&o->buf, r->msg, r->msg_len);
      if (newline)
        nook_buf_putc (&o->buf, '\n');
    }
  rd->partial.len = 0;
  return o->buf.len >= OUT_FLUSH ? out_flush (o, err) : 0;
}

static int
take (struct log_reader *rd, struct out *o, const char *line, size_t len, nook_error_t *err)
{
  struct record r;

  if (!parse_record (line, len, &r))
    return 0; /* not a record: skipped, as Podman does */
  if (!r.partial)
    return emit (rd, o, &r, true, err);
  if (rd->partial.len == 0)
    {
      rd->partial_stream = r.stream;
      snprintf (rd->partial_ts, sizeof (rd->partial_ts), "%.*s", (int)r.ts_len, r.ts);
    }
  nook_buf_append (&rd->partial, r.msg, r.msg_len);
  return 0;
}

/* The records of BUF[0..LEN); *USED: up to the end of the last whole
   line (all of it when WHOLE: a rotated file grows no more).  */
static int
take_all (struct log_reader *rd, struct out *o, const char *buf, size_t len, bool whole,
          size_t *used, nook_error_t *err)
{
  const char *p = buf, *end = buf + len;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (size_t)(end - p));
      if (nl == NULL && !whole)
        break;
      if (take (rd, o, p, nl ? (size_t)(nl - p) : (size_t)(end - p), err) < 0)
        return -1;
      p = nl ? nl + 1 : end;
    }
  *used = (size_t)(p - buf);
  return 0;
}

/* ---- the files ---- */

/* Map FD from OFFSET to its end (*LEN 0: nothing there).  */
static const char *
map_from (int fd, off_t size, off_t offset, void **base, size_t *map_len, size_t *len)
{
  off_t page = offset & ~(off_t)(sysconf (_SC_PAGESIZE) - 1);

  *base = NULL;
  *len = 0;
  if (size <= offset)
    return NULL;
  *map_len = (size_t)(size - page);
  *base = mmap (NULL, *map_len, PROT_READ, MAP_PRIVATE, fd, page);
  if (*base == MAP_FAILED)
    {
      *base = NULL;
      return NULL;
    }
  *len = (size_t)(size - offset);
  return (const char *)*base + (offset - page);
}

/* The files are followed by what the reader holds open, never by name
   alone: the writer may be renaming them all (PATH -> PATH.1 ...) while
   we look.  A file that is no longer PATH grows no more (the writer
   closes it before it renames).  */

/* Read R's file from its offset to its end; WHOLE when it grows no more
   (its last line, even without a newline, is all there is).  */
static int
read_held (struct log_reader *r, struct out *o, bool whole, nook_error_t *err)
{
  struct stat st;
  void *base;
  size_t map_len = 0, len, used = 0;
  const char *data;
  int ret;

  if (fstat (r->fd, &st) < 0)
    return nook_error (err, errno, "read the log `%s`", r->path);
  data = map_from (r->fd, st.st_size, r->offset, &base, &map_len, &len);
  if (data == NULL && st.st_size > r->offset)
    return nook_error (err, errno, "map the log `%s`", r->path);
  ret = data ? take_all (r, o, data, len, whole, &used, err) : 0;
  r->offset += (off_t)used;
  if (base)
    munmap (base, map_len);
  return ret;
}

/* Hold *FD's file, from OFFSET.  */
static void
hold (struct log_reader *r, int *fd, off_t offset)
{
  struct stat st;

  if (fstat (*fd, &st) < 0)
    return;
  nook_closep (&r->fd);
  r->fd = steal_fd (fd);
  r->dev = st.st_dev;
  r->ino = st.st_ino;
  r->offset = offset;
}

/* Is NAME the file R holds?  */
static bool
held_at (const struct log_reader *r, const char *name)
{
  struct stat st;
  return stat (name, &st) == 0 && st.st_dev == r->dev && st.st_ino == r->ino;
}

/* Which of FILES R holds: its index, or -1.  */
static ssize_t
current_file (const struct log_reader *r, char *const *files)
{
  for (size_t i = 0; files[i]; i++)
    if (held_at (r, files[i]))
      return (ssize_t)i;
  return -1;
}

/* R's file is read to its end and grows no more: hold the next newer one.
   Ours is found again by its inode, and the name after it is taken only
   if ours was still in its place once that name was open (a rotation
   renames the older files first).  A file rotation dropped (no name
   left) goes on from the oldest kept.  0: moved on; 1: nothing newer.  */
static int
next_file (struct log_reader *r, nook_error_t *err)
{
  for (int tries = 0; tries < 2000; tries++)
    {
      _cleanup_strv_ char **files = log_files (r->path);
      ssize_t cur = current_file (r, files);
      _cleanup_close_ int fd = -1;
      const char *next = NULL;
      struct stat st;

      if (cur >= 0 && files[cur + 1] == NULL)
        return 1;
      if (cur >= 0)
        next = files[cur + 1];
      else if (fstat (r->fd, &st) == 0 && st.st_nlink == 0)
        next = files[0]; /* ours was dropped */
      if (next && (fd = open (next, O_RDONLY | O_CLOEXEC)) < 0 && errno != ENOENT)
        return nook_error (err, errno, "read the log `%s`", next);
      if (fd >= 0 && (cur < 0 || held_at (r, files[cur])))
        {
          hold (r, &fd, 0);
          return 0;
        }
      nook_sleep_ms (1); /* a rotation is renaming: look again */
    }
  return nook_error (err, EAGAIN, "the log `%s` keeps rotating", r->path);
}

/* Scanning back from the end of BUF, the offset after the record that
   ends the line before the last *LEFT lines; -1 when BUF has fewer
   (*LEFT counts down what is still to find).  */
static ssize_t
tail_in (const char *buf, size_t len, int64_t *left)
{
  size_t end = len;

  while (end > 0)
    {
      const char *nl = end > 1 ? memrchr (buf, '\n', end - 1) : NULL;
      size_t start = nl ? (size_t)(nl - buf) + 1 : 0;
      struct record r;
      if (parse_record (buf + start, end - start - (buf[end - 1] == '\n'), &r) && !r.partial)
        {
          if (*left == 0)
            return (ssize_t)end;
          (*left)--;
        }
      end = start;
    }
  return -1;
}

/* Hold the file where the last TAIL lines start, from there; false when
   there are no more lines than that.  */
static bool
find_tail (struct log_reader *r, char *const *files, size_t nfiles)
{
  int64_t left = r->opts.tail;

  for (size_t i = nfiles; i > 0; i--)
    {
      _cleanup_close_ int fd = open (files[i - 1], O_RDONLY | O_CLOEXEC);
      struct stat st;
      void *base;
      size_t map_len = 0, len;
      const char *data;
      ssize_t at = -1;

      if (fd < 0 || fstat (fd, &st) < 0)
        continue;
      data = map_from (fd, st.st_size, 0, &base, &map_len, &len);
      if (data)
        at = tail_in (data, len, &left);
      if (base)
        munmap (base, map_len);
      if (at >= 0)
        {
          hold (r, &fd, at);
          return true;
        }
    }
  return false;
}

/* The first look: hold the file to start from (the oldest, or where the
   tail starts).  False when there is no log yet.  */
static bool
first_file (struct log_reader *r)
{
  for (int tries = 0; tries < 100; tries++)
    {
      _cleanup_strv_ char **files = log_files (r->path);
      _cleanup_close_ int fd = -1;

      if (r->opts.tail >= 0 && find_tail (r, files, strv_len (files)))
        return true;
      fd = open (files[0], O_RDONLY | O_CLOEXEC);
      if (fd >= 0)
        {
          hold (r, &fd, 0);
          return r->fd >= 0;
        }
      if (access (r->path, F_OK) < 0)
        return false;
      nook_sleep_ms (1); /* files[0] was renamed as we looked */
    }
  return false;
}

void
log_reader_init (struct log_reader *r, const char *path, const struct log_read_opts *o)
{
  memset (r, 0, sizeof (*r));
  r->fd = -1;
  r->path = xstrdup (path);
  r->opts = *o;
}

void
log_reader_free (struct log_reader *r)
{
  nook_closep (&r->fd);
  free (r->path);
  nook_buf_free (&r->partial);
  memset (r, 0, sizeof (*r));
  r->fd = -1;
}

int
log_reader_run (struct log_reader *r, int out_fd, int err_fd, bool flush, nook_error_t *err)
{
  struct out o = { .fd = { -1, out_fd, err_fd }, .stream = LOG_STDOUT };
  int ret = 0;

  if (r->fd >= 0 || first_file (r))
    for (;;)
      {
        /* Asked before reading: once it is not PATH, what we read is all.  */
        bool growing = held_at (r, r->path);
        int next;

        ret = read_held (r, &o, !growing || flush, err);
        if (ret < 0 || growing)
          break;
        next = next_file (r, err);
        if (next != 0)
          {
            ret = next < 0 ? -1 : 0;
            break;
          }
      }
  if (ret == 0 && flush && r->partial.len)
    {
      /* What the container wrote last, without a newline: as it is.  */
      struct record end
          = { r->partial_ts, strlen (r->partial_ts), r->partial_stream, false, "", 0 };
      ret = emit (r, &o, &end, false, err);
    }
  if (ret == 0)
    ret = out_flush (&o, err);
  nook_buf_free (&o.buf);
  return ret;
}
