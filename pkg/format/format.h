/* nook — pkg/format: `--format` output, shared by every command that has
   the flag.  A Go text/template engine whose data is a JSON tree: a
   command builds each row (or inspect document) as JSON with Podman's
   field names and hands it here.

   A list command does, in order:

     format_spec_parse (arg, "{{.ID}}\t{{.Names}}", &kind, &row, err);
     FORMAT_JSON: print the items as a JSON array, no template.
     otherwise:   format_parse (row, &t, err);
                  FORMAT_TABLE: format_table_header (t, header_of, NULL, &buf, err);
                  per item:     format_execute (t, item, &buf, err);
                  FORMAT_TABLE: format_tabwrite (buf.data, buf.len, &aligned);

   The language is Go's text/template (`{{.A.B}}`, pipelines, variables,
   if/else if/range/with/break/continue, comments, trim markers) with Go's
   builtins (and or not len index slice print printf println eq ne lt le
   gt ge html urlquery) and Podman's (json lower upper title truncate join
   split pad).  Not supported: template/define/block, js, call, methods.

   Values print as Go's fmt prints them: strings as is, numbers as Go's %v
   (1.5, 1e+06; integers beyond int64 as written), true/false, null as
   <nil>, arrays as [a b], objects as map[k:v] in key order.  A missing
   member prints <no value>; `index` of a missing key gives "" (Podman's
   labels are map[string]string).  Field access on null gives <no value>
   too (Podman's nil maps), and len of null is 0.  In Podman a nil map
   prints map[] and a nil slice []: a command that wants that puts {} or
   [] in the template data.  Objects keep the tree's member order in
   `json` (Podman's structs) but print and range in sorted key order (Go
   maps); the last of duplicate keys wins.  Where Podman prints a Go type
   its own way (a time.Time as "2024-01-01 00:00:00 +0000 UTC", a struct
   as {a b}), the command puts that text in the template data.  Strings
   stop at a NUL byte ("\x00" in a literal, \u0000 in the data).

   Differences from Go, all stricter or friendlier: variables are checked
   when parsed (also for =), a pipeline may not end with |, `{{else with}}`
   (Go 1.23) works, `join` prints elements that are not strings with %v,
   and a header (below) survives index, range and slice.

   Limits, so that a template from the command line and data from a
   hostile image cannot crash or hang nook: a template nests at most
   FORMAT_MAX_DEPTH blocks or parentheses, a value is printed at most
   FORMAT_MAX_VALUE_DEPTH levels deep, one execution runs at most
   FORMAT_MAX_STEPS commands and iterations (an element of a list made by
   split or slice costs 10) and writes at most FORMAT_MAX_OUTPUT bytes.
   Past a limit the call fails cleanly.  */
#ifndef NOOK_FORMAT_H
#define NOOK_FORMAT_H

#include "json/json.h"
#include "util/util.h"

#define FORMAT_MAX_DEPTH       100
#define FORMAT_MAX_VALUE_DEPTH 100
#define FORMAT_MAX_STEPS       10000000
#define FORMAT_MAX_OUTPUT      (64u << 20)

struct format_template;

/* Parse Go template TEXT.  Errors say where: "template: 1:12: unexpected
   \"}\" in operand" (line:column, both from 1).  */
int format_parse (const char *text, struct format_template **out, nook_error_t *err);
void format_free (struct format_template *t);
void format_freep (struct format_template **t);
#define _cleanup_format_ _cleanup_ (format_freep)

/* Run T with "." and "$" = DATA (NULL is null), appending to OUT.  Run
   time errors ("template: 1:3: executing at <index .A 5>: error calling
   index: index out of range: 5") leave OUT as it was.  */
int format_execute (const struct format_template *t, const nook_json *data, struct nook_buf *out,
                    nook_error_t *err);

/* The members of the data (an object) that T reads, NULL-terminated, or
   NULL when it may read any: it uses dot or $ whole, or a variable.  */
char **format_fields (const struct format_template *t);

/* The header of FIELD (".Repository", ".Labels.foo"), or NULL for the
   default: the last field name upper-cased, camel case split by spaces
   ("CreatedAt" -> "CREATED AT", "ImageID" -> "IMAGE ID"), as Podman.  */
typedef const char *(*format_header_fn) (const char *field, void *data);

/* Append the header line of a table's row template T: T runs with every
   field chain giving its header (HEADER_OF may be NULL), as Podman runs
   the row template on a map of headers.  Text is kept, functions apply
   ({{upper .ID}}), a header is true for if/with and ranges once.  */
int format_table_header (const struct format_template *t, format_header_fn header_of, void *data,
                         struct nook_buf *out, nook_error_t *err);

enum format_kind
{
  FORMAT_TEMPLATE, /* one execution per item */
  FORMAT_TABLE,    /* a header, then one row per item, aligned */
  FORMAT_JSON,     /* the items as JSON; no template */
};

/* Podman's reading of --format ARG for list commands:
   - NULL, "", "table" (and trailing blanks): FORMAT_TABLE with DEFAULT_ROW
     (an error when the command has none);
   - "json", "{{json}}", "{{ json . }}": FORMAT_JSON, *ROW_TEMPLATE NULL;
   - "table ROW": FORMAT_TABLE; in ROW every "table " is dropped and every
     space becomes a tab (a cell break), as Podman does;
   - anything else: FORMAT_TEMPLATE.
   The two-character sequences \t and \n become a tab and a newline, and
   the row template ends with a newline (one is added).  */
int format_spec_parse (const char *arg, const char *default_row, enum format_kind *kind,
                       char **row_template, nook_error_t *err);

/* Append TEXT (LEN bytes of tab-separated cells, newline-terminated
   lines) to OUT aligned as Go's text/tabwriter aligns Podman's tables
   (minwidth 12, padding 2, spaces): a cell ended by a tab is padded to
   the widest cell of its column plus 2, at least 12; the last cell of a
   line is not padded.  A column spans the consecutive lines that have a
   cell in it; a line with fewer cells ends it.  Width counts runes.
   OUT must not be the buffer TEXT is in.  */
void format_tabwrite (const char *text, size_t len, struct nook_buf *out);

#endif
