/* pkg/format: Podman's --format conventions (containers/common
   pkg/report) and tables aligned as Go's text/tabwriter aligns them.  */
#include "format/internal.h"

#include <string.h>

/* ---- --format ---- */

static const char *
skip_blanks (const char *s)
{
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f')
    s++;
  return s;
}

static const char *
skip_word (const char *s, const char *word)
{
  return str_has_prefix (s, word) ? s + strlen (word) : NULL;
}

/* Podman's report.IsJSON: ^\s*(json|{{\s*json\s*(\.)?\s*}})\s*$  */
static bool
is_json (const char *s)
{
  const char *p = skip_blanks (s), *q;

  if ((q = skip_word (p, "json")) != NULL && *skip_blanks (q) == '\0')
    return true;
  if ((p = skip_word (p, "{{")) == NULL || (p = skip_word (skip_blanks (p), "json")) == NULL)
    return false;
  p = skip_blanks (p);
  p += *p == '.';
  p = skip_word (skip_blanks (p), "}}");
  return p != NULL && *skip_blanks (p) == '\0';
}

/* Podman's NormalizeFormat: escapedReplacer for templates; tableReplacer
   for tables, which also drops every "table " and turns every space into
   a tab.  Then a newline at the end.  */
static char *
normalize (const char *s, bool table)
{
  struct nook_buf b = { 0 };

  nook_buf_puts (&b, "");
  while (*s)
    {
      if (table && str_has_prefix (s, "table "))
        s += 6;
      else if (s[0] == '\\' && (s[1] == 't' || s[1] == 'n'))
        {
          nook_buf_putc (&b, s[1] == 't' ? '\t' : '\n');
          s += 2;
        }
      else
        {
          nook_buf_putc (&b, table && *s == ' ' ? '\t' : *s);
          s++;
        }
    }
  if (b.len == 0 || b.data[b.len - 1] != '\n')
    nook_buf_putc (&b, '\n');
  return nook_buf_steal (&b);
}

int
format_spec_parse (const char *arg, const char *default_row, enum format_kind *kind,
                   char **row_template, nook_error_t *err)
{
  *row_template = NULL;
  if (arg == NULL || *arg == '\0'
      || (str_has_prefix (arg, "table") && *skip_blanks (arg + 5) == '\0'))
    {
      if (default_row == NULL)
        return nook_error (err, 0, "--format table: this command has no default table");
      *kind = FORMAT_TABLE;
      *row_template = normalize (default_row, false);
      return 0;
    }
  if (is_json (arg))
    {
      *kind = FORMAT_JSON;
      return 0;
    }
  *kind = str_has_prefix (arg, "table ") ? FORMAT_TABLE : FORMAT_TEMPLATE;
  *row_template = normalize (arg, *kind == FORMAT_TABLE);
  return 0;
}

/* ---- tabwriter ---- */

struct cell
{
  size_t off, len, runes;
  size_t width; /* of its column, when the cell ends with a tab */
};

struct tw_line
{
  size_t first, ncells; /* its cells; the last one is not in a column */
  bool newline;
};

struct tw
{
  struct cell *cells;
  size_t ncells;
  struct tw_line *lines;
  size_t nlines;
};

static void
tw_push_cell (struct tw *tw, size_t *cap, const char *text, size_t start, size_t end)
{
  if (tw->ncells == *cap)
    tw->cells = xrealloc (tw->cells, sizeof (struct cell) * (*cap = *cap ? *cap * 2 : 64));
  tw->cells[tw->ncells++]
      = (struct cell){ start, end - start, fmt_rune_count (text + start, end - start), 0 };
}

static void
tw_split (struct tw *tw, const char *text, size_t len)
{
  size_t start = 0, first = 0, cap_c = 0, cap_l = 0;

  for (size_t i = 0; i <= len; i++)
    {
      if (i < len && text[i] != '\t' && text[i] != '\n')
        continue;
      /* Nothing after the last newline: no line.  */
      if (i == len && start == len && (len == 0 || text[len - 1] == '\n'))
        break;
      tw_push_cell (tw, &cap_c, text, start, i);
      start = i + 1;
      if (i < len && text[i] == '\t')
        continue;
      if (tw->nlines == cap_l)
        tw->lines
            = xrealloc (tw->lines, sizeof (struct tw_line) * (cap_l = cap_l ? cap_l * 2 : 16));
      tw->lines[tw->nlines++] = (struct tw_line){ first, tw->ncells - first, i < len };
      first = tw->ncells;
    }
}

/* Column C spans a run of consecutive lines having a tab-ended cell C
   (Go's tabwriter finds the same blocks recursively).  OPEN[C] is where
   the run began, MAXW[C] its widest cell plus padding.  A run closes at
   the first line without that cell, giving each of its cells the width.  */
static void
tw_widths (struct tw *tw)
{
  size_t cols = 0, open = 0;
  _cleanup_free_ size_t *start = NULL;
  _cleanup_free_ size_t *maxw = NULL;

  for (size_t i = 0; i < tw->nlines; i++)
    if (tw->lines[i].ncells - 1 > cols)
      cols = tw->lines[i].ncells - 1;
  start = xzalloc (sizeof (size_t) * (cols + 1));
  maxw = xzalloc (sizeof (size_t) * (cols + 1));
  for (size_t i = 0; i <= tw->nlines; i++)
    {
      size_t k = i < tw->nlines ? tw->lines[i].ncells - 1 : 0;

      for (size_t c = k; c < open; c++)
        for (size_t j = start[c]; j < i; j++)
          tw->cells[tw->lines[j].first + c].width = maxw[c] < 12 ? 12 : maxw[c];
      for (size_t c = open; c < k; c++)
        start[c] = i, maxw[c] = 0;
      open = k;
      for (size_t c = 0; c < k; c++)
        if (tw->cells[tw->lines[i].first + c].runes + 2 > maxw[c])
          maxw[c] = tw->cells[tw->lines[i].first + c].runes + 2;
    }
}

void
format_tabwrite (const char *text, size_t len, struct nook_buf *out)
{
  struct tw tw = { 0 };

  tw_split (&tw, text, len);
  tw_widths (&tw);
  for (size_t i = 0; i < tw.nlines; i++)
    {
      const struct tw_line *l = &tw.lines[i];
      for (size_t c = 0; c < l->ncells; c++)
        {
          const struct cell *cell = &tw.cells[l->first + c];
          nook_buf_append (out, text + cell->off, cell->len);
          for (size_t p = cell->runes; c + 1 < l->ncells && p < cell->width; p++)
            nook_buf_putc (out, ' ');
        }
      if (l->newline)
        nook_buf_putc (out, '\n');
    }
  free (tw.cells);
  free (tw.lines);
}
