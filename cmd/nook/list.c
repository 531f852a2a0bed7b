/* List output through pkg/format: Podman's tables, templates and JSON.  */
#include "cli.h"

#include <string.h>
#include <time.h>

static int
print_rows (const struct cli_list *l, enum format_kind kind, const char *row, const nook_json *rows,
            nook_error_t *err)
{
  _cleanup_format_ struct format_template *t = NULL;
  _cleanup_buf_ struct nook_buf out = { 0 };
  _cleanup_buf_ struct nook_buf aligned = { 0 };

  if (format_parse (row, &t, err) < 0)
    return -1;
  if (kind == FORMAT_TABLE && format_table_header (t, l->header_of, NULL, &out, err) < 0)
    return -1;
  for (size_t i = 0; i < json_len (rows); i++)
    if (format_execute (t, json_at (rows, i), &out, err) < 0)
      {
        /* What was made so far is printed, as Podman prints it.  */
        if (out.len)
          fwrite (out.data, 1, out.len, stdout);
        return -1;
      }
  if (kind == FORMAT_TABLE)
    {
      format_tabwrite (out.data, out.len, &aligned);
      if (aligned.len) /* fwrite's buffer may not be NULL, even for nothing */
        fwrite (aligned.data, 1, aligned.len, stdout);
    }
  else if (out.len)
    fwrite (out.data, 1, out.len, stdout);
  return 0;
}

int
cli_print_list (const struct cli_list *l, const nook_json *rows, const char *json_text,
                nook_error_t *err)
{
  _cleanup_free_ char *row = NULL;
  enum format_kind kind;

  if (format_spec_parse (l->format, l->default_row, &kind, &row, err) < 0)
    return -1;
  if (kind == FORMAT_JSON)
    {
      if (json_text)
        printf ("%s\n", json_text);
      else
        {
          _cleanup_json_gen_ struct json_gen *g = json_gen_new_indent ("    ");
          json_gen_value (g, rows);
          printf ("%s\n", json_gen_text (g, NULL));
        }
    }
  else if (print_rows (l, kind, row, rows, err) < 0)
    return -1;
  return cli_flush (err);
}

/* L's kind and row template; false for a bad --format, whose error
   comes again when printing.  */
static bool
list_kind (const struct cli_list *l, enum format_kind *kind, char **row)
{
  nook_error_t e = NULL;

  if (format_spec_parse (l->format, l->default_row, kind, row, &e) == 0)
    return true;
  nook_error_free (&e);
  return false;
}

bool
cli_list_json (const struct cli_list *l)
{
  _cleanup_free_ char *row = NULL;
  enum format_kind kind;
  return list_kind (l, &kind, &row) && kind == FORMAT_JSON;
}

char **
cli_list_fields (const struct cli_list *l)
{
  _cleanup_free_ char *row = NULL;
  _cleanup_format_ struct format_template *t = NULL;
  nook_error_t e = NULL;
  enum format_kind kind;

  if (!list_kind (l, &kind, &row) || kind == FORMAT_JSON)
    return NULL;
  if (format_parse (row, &t, &e) < 0)
    {
      nook_error_free (&e);
      return NULL;
    }
  return format_fields (t);
}

bool
cli_list_uses (const struct cli_list *l, const char *field)
{
  _cleanup_strv_ char **fields = cli_list_fields (l);
  return fields == NULL || strv_contains (fields, field);
}

char *
cli_time_go (int64_t ns)
{
  time_t secs = (time_t)(ns / 1000000000LL - (ns % 1000000000LL < 0));
  long frac = (long)((ns % 1000000000LL + 1000000000LL) % 1000000000LL);
  char date[64], digits[16] = "";
  struct tm tm;

  /* Image times are UTC, and Go prints them so.  */
  gmtime_r (&secs, &tm);
  strftime (date, sizeof (date), "%Y-%m-%d %H:%M:%S", &tm);
  if (frac > 0)
    {
      /* Go's .999999999: the digits there are, trailing zeros dropped.  */
      size_t n = (size_t)snprintf (digits, sizeof (digits), ".%09ld", frac);
      while (n > 1 && digits[n - 1] == '0')
        digits[--n] = '\0';
    }
  return xasprintf ("%s%s +0000 UTC", date, digits);
}

char *
cli_time_ago (int64_t ns, int64_t now)
{
  _cleanup_free_ char *d = nook_human_duration ((now - ns) / 1000000000LL);
  return xasprintf ("%s ago", d);
}

bool
cli_labels_match (char *const *wanted, char *const *labels)
{
  for (size_t i = 0; wanted && wanted[i]; i++)
    {
      bool found = false;
      size_t klen = strcspn (wanted[i], "=");
      for (size_t j = 0; labels && labels[j] && !found; j++)
        found = strchr (wanted[i], '=')
                    ? strcmp (labels[j], wanted[i]) == 0
                    : strncmp (labels[j], wanted[i], klen) == 0 && labels[j][klen] == '=';
      if (!found)
        return false;
    }
  return true;
}
