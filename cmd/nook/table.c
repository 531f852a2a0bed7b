/* Tables laid out as Go's text/tabwriter lays out Podman's
   (minwidth 12, padding 2, the last column not padded).  */
#include "cli.h"

#include <string.h>

void
table_init (struct table *t, size_t ncols)
{
  memset (t, 0, sizeof (*t));
  t->ncols = ncols;
}

void
table_row (struct table *t, ...)
{
  va_list ap;
  t->cells = xrealloc (t->cells, sizeof (char *) * t->ncols * (t->nrows + 1));
  va_start (ap, t);
  for (size_t c = 0; c < t->ncols; c++)
    {
      const char *s = va_arg (ap, const char *);
      t->cells[t->nrows * t->ncols + c] = xstrdup (s ? s : "");
    }
  va_end (ap);
  t->nrows++;
}

void
table_print (struct table *t, FILE *out)
{
  _cleanup_free_ size_t *width = xzalloc (sizeof (size_t) * t->ncols);

  for (size_t r = 0; r < t->nrows; r++)
    for (size_t c = 0; c < t->ncols; c++)
      {
        size_t w = strlen (t->cells[r * t->ncols + c]) + 2;
        if (w > width[c])
          width[c] = w;
      }
  for (size_t r = 0; r < t->nrows; r++)
    {
      for (size_t c = 0; c < t->ncols; c++)
        {
          const char *cell = t->cells[r * t->ncols + c];
          if (c + 1 == t->ncols)
            fputs (cell, out);
          else
            fprintf (out, "%-*s", (int)(width[c] < 12 ? 12 : width[c]), cell);
        }
      fputc ('\n', out);
    }
}

void
table_free (struct table *t)
{
  for (size_t i = 0; i < t->nrows * t->ncols; i++)
    free (t->cells[i]);
  free (t->cells);
  memset (t, 0, sizeof (*t));
}
