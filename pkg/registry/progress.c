/* What a pull or push says while it works.  Not a terminal: the lines
   Podman prints ("Copying blob sha256:HEX" as each starts).  A terminal: one line
   per blob, redrawn in place at most ten times a second, with the bytes
   so far and the rate.  Nothing at all with -q (OUT NULL).  */
#include "registry/internal.h"

#include <stdarg.h>
#include <string.h>

struct blob_line
{
  char short_digest[13];
  char digest[72];
  int64_t size, got;
  int64_t start_ns;
  enum
  {
    LINE_WAITING,
    LINE_RUNNING,
    LINE_DONE,
    LINE_SKIPPED,
  } state;
};

struct reg_progress
{
  FILE *out;
  bool tty;
  struct blob_line *lines;
  size_t n;
  size_t drawn; /* lines on screen below the last plain line */
  int64_t last_ns;
};

struct reg_progress *
reg_progress_new (FILE *out)
{
  struct reg_progress *p = xzalloc (sizeof (*p));

  p->out = out;
  p->tty = out && isatty (fileno (out));
  return p;
}

void
reg_progress_free (struct reg_progress *p)
{
  if (p == NULL)
    return;
  reg_progress_tick (p, true);
  free (p->lines);
  free (p);
}

void
reg_progress_line (struct reg_progress *p, const char *fmt, ...)
{
  va_list ap;

  if (p->out == NULL)
    return;
  reg_progress_tick (p, true);
  p->drawn = 0; /* the blob lines above stay as they are */
  p->n = 0;
  va_start (ap, fmt);
  vfprintf (p->out, fmt, ap);
  va_end (ap);
  fputc ('\n', p->out);
  fflush (p->out);
}

void
reg_progress_blob (struct reg_progress *p, size_t i, const char *digest, int64_t size)
{
  const char *hex = strchr (digest, ':');
  struct blob_line *l;

  if (i >= p->n)
    {
      p->lines = xrealloc (p->lines, (i + 1) * sizeof (*p->lines));
      memset (p->lines + p->n, 0, (i + 1 - p->n) * sizeof (*p->lines));
      p->n = i + 1;
    }
  l = &p->lines[i];
  snprintf (l->digest, sizeof (l->digest), "%s", digest);
  snprintf (l->short_digest, sizeof (l->short_digest), "%.12s", hex ? hex + 1 : digest);
  l->size = size;
  l->state = LINE_WAITING;
}

static struct blob_line *
line_at (struct reg_progress *p, size_t i)
{
  return i < p->n ? &p->lines[i] : NULL;
}

void
reg_progress_update (struct reg_progress *p, size_t i, int64_t got)
{
  struct blob_line *l = line_at (p, i);

  if (l == NULL)
    return;
  if (l->state == LINE_WAITING)
    {
      l->state = LINE_RUNNING;
      l->start_ns = nook_now_ns ();
      if (p->out && !p->tty)
        {
          fprintf (p->out, "Copying blob %s\n", l->digest);
          fflush (p->out);
        }
    }
  l->got = got;
}

void
reg_progress_done (struct reg_progress *p, size_t i)
{
  struct blob_line *l = line_at (p, i);

  if (l == NULL)
    return;
  reg_progress_update (p, i, l->size);
  l->state = LINE_DONE;
}

void
reg_progress_skipped (struct reg_progress *p, size_t i)
{
  struct blob_line *l = line_at (p, i);

  if (l == NULL)
    return;
  l->state = LINE_SKIPPED;
  if (p->out && !p->tty)
    {
      fprintf (p->out, "Copying blob %s skipped: already exists\n", l->digest);
      fflush (p->out);
    }
}

static void
draw_line (FILE *out, const struct blob_line *l, int64_t now)
{
  _cleanup_free_ char *got = nook_human_size ((double)l->got);
  _cleanup_free_ char *size = nook_human_size ((double)l->size);
  double secs = (double)(now - l->start_ns) / 1e9;
  _cleanup_free_ char *rate = NULL;

  switch (l->state)
    {
    case LINE_WAITING:
      fprintf (out, "Copying blob %s [waiting] %s\x1b[K\n", l->short_digest, size);
      break;
    case LINE_SKIPPED:
      fprintf (out, "Copying blob %s skipped: already exists\x1b[K\n", l->short_digest);
      break;
    case LINE_DONE:
      fprintf (out, "Copying blob %s done %s\x1b[K\n", l->short_digest, size);
      break;
    case LINE_RUNNING:
      rate = nook_human_size (secs > 0.05 ? (double)l->got / secs : 0);
      fprintf (out, "Copying blob %s [%3d%%] %s / %s (%s/s)\x1b[K\n", l->short_digest,
               l->size > 0 ? (int)(l->got * 100 / l->size) : 0, got, size, rate);
      break;
    }
}

void
reg_progress_tick (struct reg_progress *p, bool force)
{
  int64_t now = nook_now_ns ();

  if (p->out == NULL || !p->tty || p->n == 0)
    return;
  if (!force && now - p->last_ns < 100 * 1000 * 1000)
    return;
  p->last_ns = now;
  if (p->drawn)
    fprintf (p->out, "\x1b[%zuA", p->drawn);
  for (size_t i = 0; i < p->n; i++)
    draw_line (p->out, &p->lines[i], now);
  p->drawn = p->n;
  fflush (p->out);
}
